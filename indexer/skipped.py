"""What was not indexed, and why: the `skipped` table beside the documents.

Every reference a reader could not use (a missing, remote, unsupported, too large or unreadable
picture, a note that could not be read) and every document the encoder refused is one row:
collection, source (the note, relative to its collection), reference (the link as written, or ""),
reason (a short category: `indexer.sources.REASONS`) and message (one readable line naming the
file). A build replaces its collection's rows, so the table always describes the latest run of
each collection.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import asdict, dataclass

import pyarrow as pa

from indexer.schema import sql_string
from indexer.sources.warning import KEPT_REASONS

SKIPPED_TABLE = "skipped"
_SCHEMA = pa.schema(
    [
        pa.field("collection", pa.string()),
        pa.field("source", pa.string()),
        pa.field("reference", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("message", pa.string()),
    ]
)


@dataclass(frozen=True)
class Skipped:
    source: str
    reference: str
    reason: str
    message: str

    @classmethod
    def from_warning(cls, warning: warnings.WarningMessage) -> Skipped:
        """From a recorded CollectionWarning (readers attach file, reference and reason to it)."""
        message = warning.message
        return cls(
            source=str(getattr(message, "file", "") or ""),
            reference=str(getattr(message, "reference", "") or ""),
            reason=str(getattr(message, "reason", "") or "other"),
            message=str(message),
        )

    @classmethod
    def from_failure(cls, source: str, error: str) -> Skipped:
        """A document the encoder refused (its pictures could not be decoded or measured)."""
        lowered = error.lower()
        reason = (
            "too large" if "too large" in lowered else "missing" if "not found" in lowered else "unreadable"
        )
        return cls(source=source, reference="", reason=reason, message=error)

    def label(self) -> str:
        """`note.md (link)` for a summary line; the whole message when the file is unknown."""
        if not self.source:
            return self.message
        return self.source + (f" ({self.reference})" if self.reference else "")

    def to_dict(self) -> dict:
        return asdict(self)


def summarise(items: list[Skipped], examples: int = 3) -> list[str]:
    """One line per reason, most frequent first, with the first few files as examples; a reason whose
    file was still used (a repaired encoding, an ambiguous name) says so rather than "skipped"."""
    by_reason = Counter(item.reason for item in items)
    lines = []
    for reason, count in by_reason.most_common():
        names = [item.label() for item in items if item.reason == reason]
        more = f", ... {count - examples} more" if count > examples else ""
        done = KEPT_REASONS.get(reason, "skipped")
        lines.append(f"{count} {done} ({reason}): {', '.join(names[:examples])}{more}")
        if reason == "remote" and any("image URL not fetched" in item.message for item in items):
            lines[-1] += "; `add --fetch-pictures` downloads the pictures notes show from the web"
    return lines


def replace_skipped(db, table_names: set[str], collection: str, items: list[Skipped]) -> None:
    """The collection's rows become `items` (delete then add; a reader never needs both at once)."""
    rows = pa.Table.from_pylist(
        [{"collection": collection} | item.to_dict() for item in items], schema=_SCHEMA
    )
    if SKIPPED_TABLE not in table_names:
        db.create_table(SKIPPED_TABLE, data=rows, schema=_SCHEMA)
        return
    table = db.open_table(SKIPPED_TABLE)
    table.delete(f"collection = {sql_string(collection)}")
    if items:
        table.add(rows)


def read_skipped(db, table_names: set[str], collection: str | None = None) -> list[dict]:
    if SKIPPED_TABLE not in table_names:
        return []
    query = db.open_table(SKIPPED_TABLE).search().limit(None)
    if collection is not None:
        query = query.where(f"collection = {sql_string(collection)}")
    return query.to_arrow().to_pylist()


def drop_skipped(db, table_names: set[str], collection: str) -> None:
    if SKIPPED_TABLE in table_names:
        db.open_table(SKIPPED_TABLE).delete(f"collection = {sql_string(collection)}")
