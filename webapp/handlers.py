"""What each page event does: call the service, format the answer. No layout here, no model code.

Errors a person can fix (an empty query, a bad image, a refused path) come back as an inline
message in the results area, not as a crash; the API endpoint raises them as gr.Error instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import gradio as gr

from mme_core.documents import TextSegment

from .assets import ExampleQuery
from .media import MediaRegistry, thumbnail_uri
from .plot import dominance_figure
from .query import composer_from_doc, doc_from_api, doc_from_composer
from .render import error_html, full_document_html, notice_html, results_html, stats_html
from .service import SearchService

PLOTTED_RESULTS = 5


class ApiSegment(TypedDict, total=False):
    """One segment of a hit, in document order: {"text": ...} or {"image": file name}."""

    text: str
    image: str


class ApiHit(TypedDict):
    """One ranked hit as `/search` returns it (shown typed by gradio_client's `view_api()`)."""

    rank: int
    id: str
    score: float  # cosine similarity, higher is better
    title: str
    source: str
    part: int
    segments: list[ApiSegment]


def refusal(err: ValueError) -> gr.Error:
    """A person's mistake answered to the client, without a traceback in the server log (Gradio
    prints one for every other exception, which is what a real fault should get)."""
    return gr.Error(str(err), print_exception=False)


class Handlers:
    def __init__(self, service: SearchService, examples: tuple[ExampleQuery, ...] = ()):
        self.service = service
        self.media: MediaRegistry = service.media
        self.example_queries = tuple(examples)
        self.examples = [self._example_items(example) for example in examples]

    # --- search -----------------------------------------------------------------------------------

    def search(self, value, n, k) -> tuple[str, dict | None]:
        """Composer items + N + k -> (result cards HTML, state for the plot)."""
        try:
            query = doc_from_composer(value, self.media)
            outcome = self.service.search(query, n, _as_k(k))
        except ValueError as err:
            return error_html(str(err)), None
        html = results_html(
            outcome.hits,
            self.media,
            n=outcome.n,
            tokens_per_image=outcome.tokens_per_image,
            elapsed_ms=outcome.elapsed_ms,
        )
        return html, {"query": query, "hits": outcome.hits, "n": outcome.n}

    def search_if_composed(self, value, n, k):
        """Moving the slider re-runs the search, unless nothing has been composed yet."""
        if not _has_content(value):
            return gr.skip(), gr.skip()
        return self.search(value, n, k)

    def plot(self, state):
        if not state:
            return None
        try:
            rows = self.service.dominance(state["query"], state["hits"], state["n"], top=PLOTTED_RESULTS)
        except ValueError as err:
            gr.Warning(f"Dominance plot unavailable: {err}")
            return None
        return dominance_figure(rows, state["n"], self.service.tokens_per_image(state["n"]))

    def api_search(self, query, n, k) -> list[ApiHit]:
        try:
            outcome = self.service.search(doc_from_api(query, self.media), n, _as_k(k))
        except ValueError as err:
            raise refusal(err) from err
        return [hit_record(hit) for hit in outcome.hits]

    # --- composer loaders ---------------------------------------------------------------------------

    def example(self, index) -> list[dict]:
        if not isinstance(index, int) or not 0 <= index < len(self.examples):
            raise refusal(ValueError(f"no example number {index!r}; there are {len(self.examples)}"))
        return self.examples[index]

    def more_like_this(self, token) -> list[dict]:
        try:
            return composer_from_doc(self.media.document(token), self.media)
        except ValueError as err:
            raise refusal(err) from err

    def full_document(self, token) -> str:
        try:
            return full_document_html(self.media.document(token))
        except ValueError as err:
            return error_html(str(err))

    # --- collection -----------------------------------------------------------------------------------

    def stats(self) -> str:
        return stats_html(self.service.stats())

    def index_folder(self, path) -> tuple[str, str]:
        return self._indexed(lambda: self.service.index_folder(path))

    def index_zip(self, file) -> tuple[str, str]:
        if not file:
            return error_html("choose a .zip file first"), self.stats()
        return self._indexed(lambda: self.service.index_zip(file))

    def _indexed(self, run) -> tuple[str, str]:
        try:
            report = run()
        except ValueError as err:
            return error_html(str(err)), self.stats()
        summary = report.summary() if hasattr(report, "summary") else str(report)
        return notice_html(f"Indexed: {summary}", kind="success"), self.stats()

    def _example_items(self, example: ExampleQuery) -> list[dict]:
        items = []
        for kind, content in example.items:
            if kind == "text":
                items.append({"type": "text", "text": content})
            else:
                token = self.media.image_token(content)
                url = thumbnail_uri(content)
                items.append({"type": "image", "ref": token, "name": Path(content).name, "url": url})
        return items


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
        "segments": [_segment_record(segment) for segment in doc.segments],
    }


def _segment_record(segment) -> ApiSegment:
    return {"text": segment.text} if isinstance(segment, TextSegment) else {"image": Path(segment.path).name}


def _as_k(k) -> int:
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, str) and k.strip().isdigit():
        k = int(k)
    if not isinstance(k, int) or isinstance(k, bool):
        raise ValueError(f"the number of results must be a whole number, got {k!r}")
    return k


def _has_content(value) -> bool:
    if not isinstance(value, list):
        return bool(value)
    for item in value:
        if not isinstance(item, dict):
            return True
        if item.get("type") != "text" or str(item.get("text", "")).strip():
            return True
    return False
