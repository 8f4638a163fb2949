"""What `/search` answers, as plain JSON: the typed records gradio_client's `view_api()` shows."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from mme_core.documents import TextSegment


class ApiSegment(TypedDict, total=False):
    """One segment of a hit, in document order: {"text": ...} or {"image": file name}."""

    text: str
    image: str


class ApiHit(TypedDict):
    """One ranked hit as `/search` returns it (shown typed by gradio_client's `view_api()`)."""

    rank: int
    id: str
    score: float  # higher is better: cosine (semantic), BM25 (keyword) or rank fusion (hybrid)
    mode: str  # how the hit was found: keyword, semantic, hybrid, or picture (shows a query picture)
    title: str
    source: str
    part: int
    segments: list[ApiSegment]
    stage: str  # cascade: "fused" (re-scored over the stored N) or "full" (re-encoded); "" otherwise
    note: str  # cascade: why a hit was not re-scored at full tokens (e.g. its source is gone); or ""


def hit_record(hit) -> ApiHit:
    """A hit as plain JSON for API clients (image segments by file name, never by server path)."""
    doc = hit.doc
    return {
        "rank": int(hit.rank),
        "id": hit.id,
        "score": float(hit.score),
        "title": doc.title,
        "source": doc.source,
        "part": doc.part,
        "mode": getattr(hit, "mode", "semantic"),
        "segments": [_segment_record(segment) for segment in doc.segments],
        "stage": getattr(hit, "stage", ""),
        "note": getattr(hit, "note", ""),
    }


def _segment_record(segment) -> ApiSegment:
    return {"text": segment.text} if isinstance(segment, TextSegment) else {"image": Path(segment.path).name}
