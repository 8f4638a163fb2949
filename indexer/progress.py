"""Progress a person can read: per document, by phase, with documents/s and the time left.

A build goes through phases: `read` (notes and pictures read and split), `words` (the words in
pictures read, on an index that reads them: counted in pictures), `hash` (content compared with the
index), `encode` (documents embedded) and `write` (rows committed). `BuildProgress` goes
to a callback after every document (or every encoder batch of documents) - the app feeds it to
`gr.Progress` - and the CLI shows one tqdm bar per phase in the same units.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tqdm.auto import tqdm

PHASES = ("read", "words", "hash", "encode", "write")


@dataclass(frozen=True)
class BuildProgress:
    phase: str  # one of PHASES
    done: int  # documents (parts), or pictures, finished in this phase
    total: int
    seconds: float  # since the phase started
    unit: str = "documents"  # what `done` counts: documents (parts), or pictures in `words`

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def rate(self) -> float:
        """Documents (or pictures) per second in this phase so far."""
        return self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left in this phase at the rate so far (None until there is a rate)."""
        return (self.total - self.done) / self.rate if self.rate > 0 else None

    def describe(self) -> str:
        eta = f", {self.eta:.0f} s left" if self.eta is not None and self.done < self.total else ""
        return f"{self.phase}: {self.done}/{self.total} {self.unit} ({self.rate:.1f}/s{eta})"


ProgressCallback = Callable[[BuildProgress], None]


class PhaseProgress:
    """One phase: a tqdm bar (unless `show` is False) and the callback, advanced per document (or
    per picture)."""

    def __init__(
        self, phase: str, total: int, show: bool, callback: ProgressCallback | None, unit: str = "documents"
    ) -> None:
        self.phase, self.total, self.callback, self.done, self.unit = phase, total, callback, 0, unit
        self.started = time.perf_counter()
        short = "doc" if unit == "documents" else unit.removesuffix("s")
        self.bar = tqdm(total=total, unit=short, desc=phase, disable=not show or not total, leave=False)
        self._emit()

    def advance(self, count: int = 1) -> None:
        if count <= 0:
            return
        self.done += count
        self.bar.update(count)
        self._emit()

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> PhaseProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _emit(self) -> None:
        if self.callback is not None:
            seconds = time.perf_counter() - self.started
            self.callback(BuildProgress(self.phase, self.done, self.total, seconds, self.unit))
