"""What each page event does: call the service, format the answer. No layout here, no model code.

Errors a person can fix (an empty query, a bad image, a refused path) come back as an inline
message in the results area, not as a crash; the API endpoint raises them as gr.Error instead.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .api_records import ApiHit, hit_record
from .assets import ExampleQuery
from .media import MediaRegistry, thumbnail_uri
from .multivector import api_vector_choice, budget_choice, comparison_html
from .plot import bin_order, dominance_table, plot_title, unplaced
from .query import composer_from_doc, doc_from_api, doc_from_composer
from .render import error_html, full_document_html, notice_html, results_html, stats_html
from .service import SearchService

PLOTTED_RESULTS = 5


def refusal(err: ValueError) -> gr.Error:
    """A person's mistake answered to the client, without a traceback in the server log (Gradio
    prints one for every other exception, which is what a real fault should get)."""
    return gr.Error(str(err), print_exception=False)


class Handlers:
    def __init__(
        self,
        service: SearchService,
        examples: tuple[ExampleQuery, ...] = (),
        examples_collection: str | None = None,
    ):
        self.service = service
        self.media: MediaRegistry = service.media
        self.example_queries = tuple(examples)
        self.examples = [self._example_items(example) for example in examples]
        self.examples_collection = examples_collection  # the collection they were written for; None: any

    def upload_preview(self, path: str) -> str:
        """A thumbnail (JPEG data URI) of a query picture the person uploaded, for the composer to
        show one the browser cannot draw (HEIC in Chrome and Firefox, TIFF); only uploads are read:
        any other path is refused (ValueError), a broken upload gets the grey placeholder."""
        return thumbnail_uri(self.media.uploaded_path(path))

    # --- search -----------------------------------------------------------------------------------

    def search(
        self,
        value,
        n,
        k,
        mode=None,
        collections=(),
        folder="",
        tags=(),
        budget=None,
        cascade=False,
        language="",
        all_translations=False,
        taken="",
    ) -> tuple[str, dict | None]:
        """Composer items + N + k + mode, filters, multi-vector budget (0 or None: single vector), the
        cascade box, the language of translated pages ("": the query's), the box "every language" and
        the taken box ("2024-06", several split by commas) -> (result cards HTML, state for the plot
        and the single/multi comparison)."""
        try:
            query = doc_from_composer(value, self.media)
            folders = [part for part in str(folder or "").split(",") if part.strip()]
            dates = str(taken or "").replace(",", " ").split()
            extra = {"language": language or None, "translations": not all_translations, "taken": dates}
            vectors, budget = budget_choice(budget)
            if cascade and mode not in (None, "", "semantic"):
                raise ValueError(
                    'The cascade re-ranks by meaning: choose "Meaning" under Match by, or untick it.'
                )
            outcome = self.service.search(
                query, n, _as_k(k), mode, collections, folders, tags, vectors, budget, bool(cascade), **extra
            )
        except ValueError as err:
            return error_html(str(err)), None
        html = results_html(
            outcome.hits,
            self.media,
            n=outcome.n,
            tokens_per_image=outcome.tokens_per_image,
            elapsed_ms=outcome.elapsed_ms,
            mode=outcome.mode
            + (f", multi-vector budget {outcome.budget}" if outcome.budget else "")
            + (f", {outcome.cascade.describe()}" if outcome.cascade else ""),
            filters=_named_filters(folders, tags, dates),
        )
        choices = {"k": _as_k(k), "mode": outcome.mode, "collections": collections, "folders": folders}
        state = {"query": query, "hits": outcome.hits, "n": outcome.n, "budget": outcome.budget}
        return html, state | {"choices": choices | {"tags": tags}}

    def search_if_composed(self, value, n, k, *choices):
        """Moving the slider or changing the mode or a filter re-runs the search, unless nothing
        has been composed yet."""
        if not _has_content(value):
            return gr.skip(), gr.skip()
        return self.search(value, n, k, *choices)

    def comparison(self, state) -> str:
        return comparison_html(self.service, state)

    def plot(self, state):
        """After the cards: the dominance histogram at the search's N, the query and top results marked."""
        if not state:
            return gr.skip()
        try:
            view = self.service.dominance(state["query"], state["hits"], state["n"], top=PLOTTED_RESULTS)
        except ValueError as err:
            gr.Warning(f"Dominance plot unavailable: {err}")
            return gr.update(value=None)
        if view is None:
            return gr.update(value=None, caption="The index is empty: nothing to plot.")
        table = dominance_table(view)
        missing = unplaced(view)
        sample = f"{len(view.sample.values)} parts sampled of {view.sample.index_rows}"
        caption = sample + (f"; not placed: {', '.join(missing)}" if missing else "")
        title = plot_title(state["n"], self.service.tokens_per_image(state["n"]))
        return gr.update(value=table, title=title, sort=bin_order(table), caption=caption)

    def api_search(
        self,
        query,
        n,
        k,
        mode=None,
        collections=None,
        folders=None,
        tags=None,
        vectors=None,
        budget=None,
        cascade=None,
        language=None,
        all_translations=False,
        taken=None,
    ) -> list[ApiHit]:
        try:
            query = doc_from_api(query, self.media)
            vectors, budget = api_vector_choice(vectors, budget)
            translations = not all_translations if isinstance(all_translations, bool) else all_translations
            outcome = self.service.search(
                query,
                n,
                _as_k(k),
                mode,
                collections,
                folders,
                tags,
                vectors,
                budget,
                cascade or None,
                language=language or None,
                translations=translations,
                taken=taken,
            )
        except ValueError as err:
            raise refusal(err) from err
        return [hit_record(hit) for hit in outcome.hits]

    # --- composer loaders ---------------------------------------------------------------------------

    def example(self, index) -> list[dict]:
        if not isinstance(index, int) or not 0 <= index < len(self.examples):
            raise refusal(ValueError(f"no example number {index!r}; there are {len(self.examples)}"))
        return self.examples[index]

    def examples_shown(self, collections=()) -> bool:
        """The examples are offered only while their collection is searched: the demo's chips asked of
        a person's own recipes would find nothing they are about."""
        if self.examples_collection is None:
            return bool(self.examples)
        searched = list(collections or ()) or self.service.default_collections()
        return bool(self.examples) and self.examples_collection in searched

    def examples_visibility(self, collections=()):
        return gr.update(visible=self.examples_shown(collections))

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

    def index_folder(self, path, name="", on_progress=None, read_pictures=None, fetch_pictures=None) -> tuple:
        """-> (status HTML, skipped table, stats HTML, then the controls: collections table, chooser,
        tags, mode, removal choices, the words-in-pictures box). `read_pictures`: read the words in
        pictures from now on (True/False), or as before (None). `fetch_pictures` ticked: download
        the collection's web pictures from now on; not ticked: as the collection chose before."""
        boxes = read_pictures, fetch_pictures
        return self._indexed(lambda: self.service.index_folder(path, name, on_progress, **_options(*boxes)))

    def index_upload(
        self, files, name="", on_progress=None, read_pictures=None, fetch_pictures=None
    ) -> tuple:
        """Uploaded files (a list, or one path) -> the same outputs as index_folder."""
        paths = [files] if isinstance(files, str) else list(files or [])
        if not paths:
            said = "choose files to upload first: notes, pictures or one .zip/.tar.gz"
            return self._changed(error_html(said))
        boxes = read_pictures, fetch_pictures
        return self._indexed(lambda: self.service.index_upload(paths, name, on_progress, **_options(*boxes)))

    def remove_collection(self, name, confirmed) -> tuple:
        """Removes only when the person confirmed; -> the same outputs as indexing."""
        if not confirmed:
            return self._changed(notice_html("Nothing removed."))
        try:
            rows, files = self.service.remove_collection(name)
        except ValueError as err:
            return self._changed(error_html(str(err)))
        also = f"; its uploaded files were deleted ({files.name})" if files else ""
        said = f"Removed collection '{name}' ({rows} parts){also}."
        return self._changed(notice_html(said, kind="success"))

    def _indexed(self, run) -> tuple:
        try:
            report = run()
        except ValueError as err:
            return self._changed(error_html(str(err)))
        name = report.collection
        run = [[name, i.source, i.reference, i.reason, i.message] for i in report.skipped]  # uploads' too
        return self._changed(notice_html(index_summary(report), kind="success"), _not_indexed(run))

    def _changed(self, status: str, skipped=None) -> tuple:
        """After the index changed (or failed to): refresh everything on the page that reads it; "Not
        indexed" lists the run's items, else (a removal, a failure) every collection's."""
        return (status, skipped or self.not_indexed(), self.stats(), *self.controls())

    def not_indexed(self):
        """What the index holds no part of, with the reason, as the builds recorded it: the list the
        collections table's "skipped" column counts, shown on a page opened later too."""
        keys = ("collection", "source", "reference", "reason", "message")
        return _not_indexed([[item[key] for key in keys] for item in self.service.skipped()])

    def search_options(self, collections=(), language="", taken="") -> tuple:
        """(language choice, box "every language", taken box) for the collections chosen: shown only
        when they hold translated pages, or photos with a date; a value they cannot use is cleared."""
        try:
            facets = self.service.facets(collections or ())
        except ValueError:  # a collection removed meanwhile: the search says so
            return gr.skip(), gr.skip(), gr.skip()
        codes, translated = [code for _, code in facets.language_choices()], bool(facets.languages)
        chosen = language if language in codes else ""
        return (
            gr.update(choices=facets.language_choices(), value=chosen, visible=translated),
            gr.update(visible=translated) if translated else gr.update(value=False, visible=False),
            gr.update(visible=True) if facets.photos_taken else gr.update(value="", visible=False),
        )

    def controls(self) -> tuple:
        """(collections table, collection chooser, tag choices, mode, removal choices, the box "read
        the words in pictures") as they are now: a page loaded before another one changed the index
        shows what it is."""
        names = [entry["name"] for entry in self.service.collections()]
        chooser = gr.update(choices=names, value=self.service.default_collections())
        tags = gr.update(choices=self.service.tags(), value=[])
        removal = gr.update(choices=names, value=None)
        mode = gr.update(value=self.service.default_mode())
        words = gr.update(value=self.service.reads_pictures())
        return self.collections_table(), chooser, tags, mode, removal, words

    def collections_table(self) -> list[list]:
        return [
            [
                entry["name"] + (" (demo)" if entry.get("demo") else ""),
                entry["root"],
                entry["documents"],
                entry["parts"],
                entry["images"],
                entry["skipped"],
                str(entry["updated"])[:19].replace("T", " "),
            ]
            for entry in self.service.collections()
        ]

    def confirm_removal(self, name) -> tuple:
        """First step of removing: say what will go and show the confirm/cancel buttons."""
        entry = next((e for e in self.service.collections() if e["name"] == name), None)
        if entry is None:
            return gr.update(value=error_html("choose a collection to remove"), visible=True), gr.update(
                visible=False
            )
        message = f"Remove collection '{name}' ({entry['documents']} documents) from the index? " + (
            "Its uploaded files are deleted with it."
            if self.service.uploaded(name)
            else "Its files on disk are not touched."
        )
        return gr.update(value=notice_html(message), visible=True), gr.update(visible=True)

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


def index_summary(report) -> str:
    """The line a person reads after indexing: what changed, what was reused, where it moved from."""
    name = f"Collection '{report.collection}': " if report.collection else ""
    reused = f", {report.reused} reused known vectors" if report.reused else ""
    moved = f"; moved from {report.moved_from}" if report.moved_from else ""
    failed = f", {len(report.failed)} failed" if report.failed else ""
    skipped = len(report.skipped)
    not_indexed = f"; {skipped} not indexed (see the table below)" if skipped else ""
    return (
        f"{name}{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed{failed}{reused}{moved}{not_indexed}."
    )


def _not_indexed(rows: list[list]):
    return gr.update(value=rows, visible=bool(rows), label=f"Not indexed ({len(rows)})")


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


def _box(value, box: str = "Read the words in pictures") -> bool | None:
    """A checkbox's value as the page sends it; anything else a client sends is refused."""
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"the box '{box}' is ticked or not: send true or false")


def _options(read_pictures, fetch_pictures) -> dict:
    """The indexing boxes as `build_index` options; the download box unticked keeps the collection's
    choice (None), so indexing again from the page never drops the pictures it downloaded."""
    fetch = _box(fetch_pictures, "Download the pictures notes link on the web")
    return {"read_pictures": _box(read_pictures), "fetch_pictures": True if fetch else None}


def _named_filters(folders: list[str], tags, dates: list[str]) -> list[str]:
    """The filters a search ran with, as the page names them."""
    named = [
        ("folder", ", ".join(f.strip() for f in folders)),
        ("tags", ", ".join(tags or ())),
        ("taken", ", ".join(dates)),
    ]
    return [f"{name}: {value}" for name, value in named if value]
