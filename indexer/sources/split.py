"""Split documents that exceed the encoder's token budget into parts, never truncating."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

from indexer.sources.base import CollectionWarning
from mme_core.documents import ImageSegment, InterleavedDoc, Segment, TextSegment

# Where a new section starts: a Markdown heading, a numbered step ("3." / "3)"), or "Step 3".
_SECTION_START = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]|\d{1,3}[.)][ \t]|step[ \t]+\d)", re.MULTILINE | re.I)
# Finer and finer text boundaries, tried in turn when a piece is still over budget.
_CUTS = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n"), re.compile(r"\s+"), re.compile(r"(?<=.)", re.S))

Piece = tuple[int, Segment]  # (index of the segment it came from, the text fragment or image)


def split_to_budget(
    docs: list[InterleavedDoc], count_tokens: Callable[[InterleavedDoc], int], budget: int = 4096
) -> list[InterleavedDoc]:
    """Each document as is when `count_tokens(doc) <= budget`, otherwise as parts that fit.

    Policy (nothing is ever dropped or truncated; concatenating the parts gives the document back):
    - cut at section boundaries first: a line starting a Markdown heading, a numbered step, or
      "Step N"; an image belongs to the section it appears in. Consecutive sections share a part
      while they fit.
    - a section still over budget is cut at paragraphs (blank lines), then lines, then words, and a
      single over-long word at characters;
    - an image is never split: an image that alone (with the title) exceeds the budget becomes a part
      of its own, over budget, with a CollectionWarning;
    - parts keep the document's id, title, source and meta, are numbered `part` = 0, 1, ..., and
      every part after the first starts with the title as a text segment, so each part can be
      recognised on its own in search results.
    `count_tokens` is treated as a black box that grows with content (e.g.
    `lambda d: encoder.count_tokens(d, n=max_n)`); it is called O(parts * log(pieces)) times.
    """
    if budget < 1:
        raise ValueError(f"budget must be a positive number of tokens, got {budget}")
    out: list[InterleavedDoc] = []
    for doc in docs:
        if count_tokens(doc) <= budget:
            out.append(doc)
        else:
            out.extend(_Splitter(doc, count_tokens, budget).parts())
    return out


class _Splitter:
    def __init__(self, doc: InterleavedDoc, count_tokens: Callable[[InterleavedDoc], int], budget: int):
        self.doc, self.count_tokens, self.budget = doc, count_tokens, budget

    def parts(self) -> list[InterleavedDoc]:
        pieces = list(enumerate(self.doc.segments))
        packed = [part for part in self._pack(_sections(pieces), level=0) if self._assemble(part, False)]
        return [
            InterleavedDoc(
                self._assemble(part, with_title=number > 0),
                id=self.doc.id,
                title=self.doc.title,
                source=self.doc.source,
                part=number,
                meta=dict(self.doc.meta),
            )
            for number, part in enumerate(packed)
        ]

    def _pack(self, units: list[list[Piece]], level: int) -> list[list[Piece]]:
        """Greedily join consecutive units into parts that fit, cutting finer any that cannot."""
        parts: list[list[Piece]] = []
        start = 0
        while start < len(units):
            end = self._furthest_fit(units, start)
            if end > start:
                parts.append([piece for unit in units[start:end] for piece in unit])
                start = end
                continue
            unit = units[start]
            finer = _cut(unit, level) if level < len(_CUTS) else None
            if finer is not None and len(finer) > 1:
                parts.extend(self._pack(finer, level + 1))
            elif finer is not None:  # this cut found no boundary: try the next one
                parts.extend(self._pack([unit], level + 1))
            else:
                self._warn_over_budget(unit)
                parts.append(unit)
            start += 1
        return parts

    def _furthest_fit(self, units: list[list[Piece]], start: int) -> int:
        """Largest end with units[start:end] fitting (start if none does): galloping, then bisection."""

        def fits(end: int) -> bool:
            pieces = [piece for unit in units[start:end] for piece in unit]
            segments = self._assemble(pieces, with_title=True)
            return not segments or self.count_tokens(self._as_doc(segments)) <= self.budget

        if not fits(start + 1):
            return start
        good, step = start + 1, 1
        while good < len(units):
            probe = min(good + step, len(units))
            if not fits(probe):
                bad = probe
                break
            good, step = probe, step * 2
        else:
            return good
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if fits(middle) else (good, middle)
        return good

    def _assemble(self, pieces: list[Piece], with_title: bool) -> tuple[Segment, ...]:
        """Rejoin fragments of the same original segment; prefix the title unless already there."""
        runs: list[tuple[int, ImageSegment | list[str]]] = []
        for origin, segment in pieces:
            if isinstance(segment, ImageSegment):
                runs.append((origin, segment))
            elif runs and runs[-1][0] == origin and isinstance(runs[-1][1], list):
                runs[-1][1].append(segment.text)
            else:
                runs.append((origin, [segment.text]))
        segments: list[Segment] = []
        for _, run in runs:
            if isinstance(run, ImageSegment):
                segments.append(run)
            elif "".join(run).strip():
                segments.append(TextSegment("".join(run).strip()))
        title = self.doc.title.strip()
        if segments and with_title and title and not _starts_with(segments[0], title):
            segments.insert(0, TextSegment(title))
        return tuple(segments)

    def _as_doc(self, segments: tuple[Segment, ...]) -> InterleavedDoc:
        return InterleavedDoc(segments, id=self.doc.id, title=self.doc.title, source=self.doc.source)

    def _warn_over_budget(self, unit: list[Piece]) -> None:
        tokens = self.count_tokens(self._as_doc(self._assemble(unit, with_title=True)))
        what = "an image" if isinstance(unit[0][1], ImageSegment) else "a single character with the title"
        message = (
            f"{self.doc.id or self.doc.title or 'a document'}: {what} alone costs {tokens} tokens (budget "
            f"{self.budget}); kept whole in its own part, over budget. Lower N or raise the budget"
        )
        warnings.warn(CollectionWarning(message, file=self.doc.source, reason="too large"), stacklevel=4)


def _sections(pieces: list[Piece]) -> list[list[Piece]]:
    """Group pieces into sections; a section starts where a heading or step line starts."""
    sections: list[list[Piece]] = [[]]
    for origin, segment in pieces:
        if isinstance(segment, ImageSegment):
            sections[-1].append((origin, segment))
            continue
        text = segment.text
        starts = {match.start() for match in _SECTION_START.finditer(text)}
        bounds = sorted(starts | {0, len(text)})
        for begin, end in zip(bounds, bounds[1:], strict=False):
            if begin in starts and sections[-1]:
                sections.append([])
            sections[-1].append((origin, TextSegment(text[begin:end])))
    return [section for section in sections if section]


def _cut(unit: list[Piece], level: int) -> list[list[Piece]] | None:
    """Cut a unit at the level's text boundaries; every image is a unit of its own. None: atomic."""
    if len(unit) == 1 and isinstance(unit[0][1], ImageSegment):
        return None
    units: list[list[Piece]] = []
    for origin, segment in unit:
        if isinstance(segment, ImageSegment):
            units.append([(origin, segment)])
            continue
        text, start = segment.text, 0
        for match in _CUTS[level].finditer(text):
            if match.end() > start and match.end() < len(text):
                units.append([(origin, TextSegment(text[start : match.end()]))])
                start = match.end()
        units.append([(origin, TextSegment(text[start:]))])
    return units


def _starts_with(segment: Segment, title: str) -> bool:
    return isinstance(segment, TextSegment) and segment.text.lstrip("# \t").startswith(title)
