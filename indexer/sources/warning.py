"""`CollectionWarning`: one thing in a collection that was skipped or repaired, with its reason.

Warnings, not exceptions, for problems *inside* a collection: one bad picture or one odd file must not
stop a personal collection from being indexed. Each carries what the index records in its `skipped`
table: `.file` (the note or image path relative to the collection, as the person wrote it),
`.reference` (the link as written, or ""), `.reason` (one of `REASONS`) and a readable message::

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        docs = read_collection(path)
    for w in caught: print(w.message.file, w.message.reason, w.message)
"""

from __future__ import annotations

import warnings

REASONS = (
    "missing",
    "remote",
    "outside the collection",
    "unsupported type",
    "too large",
    "unreadable",
    "ambiguous",
    "encoding",
    "empty",
    "excluded",
    "front matter",
    "markup",
    "picture words",
    "picture links",
    "other",
)
# Reasons for which the file or link was still used (repaired, or resolved to one of several files):
# summaries say so instead of "skipped".
KEPT_REASONS = {
    "encoding": "repaired",
    "ambiguous": "resolved to the nearest file",
    "front matter": "indexed without it",
    "markup": "read as plain text",
    "picture words": "indexed without its words",
    "picture links": "drawn without them",
}


class CollectionWarning(UserWarning):
    """Something in a collection was skipped or repaired; `str()` is the message, naming the file."""

    def __init__(self, message: str, file: str = "", reference: str = "", reason: str = "other") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}; valid reasons are: {', '.join(REASONS)}")
        super().__init__(message)
        self.file = file
        self.reference = reference
        self.reason = reason

    def __reduce__(self):  # keeps the attributes across pickling (worker processes)
        return type(self), (str(self), self.file, self.reference, self.reason)


def emit(warning: CollectionWarning) -> None:
    warnings.warn(warning, stacklevel=3)


def warn(message: str, *, file: str = "", reference: str = "", reason: str = "other") -> None:
    """Issue a CollectionWarning; `file` is collection-relative, `reason` one of `REASONS`."""
    warnings.warn(CollectionWarning(message, file=file, reference=reference, reason=reason), stacklevel=3)
