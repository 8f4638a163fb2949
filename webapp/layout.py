"""The page: `build_demo(searcher) -> gr.Blocks`. Components and wiring only; see handlers.py."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import gradio as gr

from indexer.cascade import DEFAULT_K as CASCADE_K
from indexer.model_report import preferred_n

from .api_records import ApiHit
from .assets import ExampleQuery, asset
from .collection import ZipLimits
from .collection_tab import collection_tab, search_filters, wire_removal, wire_search_options
from .handlers import Handlers
from .media import MediaRegistry, thumbnail_uri
from .multivector import budget_control
from .plot import COLOURS, EXPLANATION
from .query import MAX_IMAGE_BYTES
from .render import banner_html, placeholder_html
from .service import SearchService

DEFAULT_K = 10
SEARCH_CONCURRENCY = 2
MODE_LABELS = {"keyword": "Words (keyword)", "semantic": "Meaning (semantic)", "hybrid": "Both (hybrid)"}


@dataclass(frozen=True)
class AppOptions:
    """What the page says about itself and what it may do; building it has no side effects.

    model_label/model_note/model_warning fill the banner; `examples` are one-click queries, offered
    while `examples_collection` (the collection they were written for; None: any) is searched;
    `index_uri` with `open_searcher` and `build_index` enables the Collection tab's indexing;
    folders may only be indexed under `collections_roots`; uploads (a zip, or loose files) are
    placed under `uploads_dir`.
    """

    model_label: str = ""
    model_note: str = ""
    model_warning: str = ""
    examples: tuple[ExampleQuery, ...] = ()
    examples_collection: str | None = None
    index_uri: str | None = None
    open_searcher: object = None
    build_index: object = None
    collections_roots: tuple[Path, ...] = ()
    uploads_dir: Path | None = None
    zip_limits: ZipLimits = field(default_factory=ZipLimits)
    title: str = "Interleaved how-to search"


def launch_options() -> dict:
    """Page-wide theme and CSS (Gradio 6 takes these in launch(), not in Blocks())."""
    system_fonts = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif")
    theme = gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=system_fonts,  # no web fonts: the page must work offline
        font_mono=("ui-monospace", "SFMono-Regular", "Menlo", "monospace"),
    )
    return {"theme": theme, "css": asset("app.css")}


def build_demo(searcher, encoder=None, options: AppOptions = AppOptions()) -> gr.Blocks:
    media = MediaRegistry(gr.utils.get_upload_folder())
    service = SearchService(
        searcher,
        encoder,
        media=media,
        index_uri=options.index_uri,
        open_searcher=options.open_searcher,
        build_index=options.build_index,
        collections_roots=options.collections_roots,
        uploads_dir=options.uploads_dir,
        zip_limits=options.zip_limits,
    )
    handlers = Handlers(service, options.examples, options.examples_collection)
    ns = service.ns
    default_n = preferred_n(getattr(service.encoder, "model_id", ""), ns)
    choices = [{"n": n, "tokens": service.tokens_per_image(n)} for n in ns]
    model_label = options.model_label or getattr(service.encoder, "model_id", "unknown model")

    # Event adapters: Gradio passes event payloads through a parameter typed gr.EventData.
    def load_example(evt: gr.EventData):
        return handlers.example(evt.index)

    def more_like_this(evt: gr.EventData):
        return handlers.more_like_this(evt.doc)

    def full_document(token: str) -> str:
        return handlers.full_document(token)

    def index_folder(path, name, read_pictures=None, fetch=None, progress=gr.Progress()):  # noqa: B008
        return handlers.index_folder(path, name, _told(progress), read_pictures, fetch)

    def index_upload(files, name, read_pictures=None, fetch=None, progress=gr.Progress()):  # noqa: B008
        return handlers.index_upload(files, name, _told(progress), read_pictures, fetch)

    def search(
        query: str | list[str | dict],
        n: int | str = default_n,
        k: int = DEFAULT_K,
        mode: str = "",
        collections: list[str] | None = None,
        folders: list[str] | None = None,
        tags: list[str] | None = None,
        vectors: str = "",
        budget: int | None = None,
        cascade: bool | dict | None = None,
        language: str = "",
        all_translations: bool = False,
        taken: list[str] | None = None,
    ) -> list[ApiHit]:
        """Search with an interleaved query: a plain string, or a list whose strings are text and whose
        gradio_client.handle_file(...) items are images, in order. n is a stored granularity, k the
        number of hits (1-50). mode is "keyword", "semantic", "hybrid" or "" (the index's default);
        collections (default: your own, else the demo), folders (path prefixes) and tags narrow the
        search. Returns the hits best first: rank, id, score, the mode that found it, title, source,
        part and the document's segments ({"text": ...} or {"image": file name}) in order. On a
        multi-vector index, vectors "multi" (or a budget, one of the index's) ranks by MaxSim over
        that many meta-token vectors; "single" or "" with no budget: the index's own kind. cascade
        (true, or {"first_n", "k", "fusion": "mean"|"max-n", "full_top"}) searches the cheapest stored
        N and re-scores its top K over every stored N (n is then not used); each hit's stage says how
        it was scored and its note why it could not be re-scored at full tokens. A page of a translated
        site comes back once, in language (a code its collections have, e.g. "zh"; "": the query's),
        or every version with all_translations; taken (["2024-06"], dates or their start) keeps photos
        taken then."""
        chosen = (mode, collections, folders, tags, vectors, budget, cascade)
        return handlers.api_search(query, n, k, *chosen, language, all_translations, taken)

    # New arguments go after k, with defaults, so existing clients keep working.
    _resolve_return_annotation(search)

    with gr.Blocks(title=options.title, analytics_enabled=False) as demo:
        gr.HTML(
            banner_html(options.title, model_label, options.model_note, options.model_warning),
            css_template=asset("banner.css"),
            js_on_load=None,
            elem_id="mme-banner",
        )
        with gr.Tabs():
            with gr.Tab("Search", id="search"):
                page = _search_tab(handlers, choices, default_n, full_document)
            with gr.Tab("Collection", id="collection"):
                shelf = collection_tab(handlers, options.collections_roots)

        # Registered first so that it owns the name "/search" (page events are private but named too).
        gr.api(search, api_name="search", concurrency_id="search", concurrency_limit=SEARCH_CONCURRENCY)
        state = gr.State(None)
        choosers = [page["mode"], page["collections"], page["folder"], page["tags"]]
        inputs = [
            page["composer"],
            page["granularity"],
            page["k"],
            *choosers,
            page["budget"],
            page["cascade"],
            page["language"],
            page["all_translations"],
            page["taken"],
        ]
        outputs = [page["results"], state]
        plot = page["plot"]
        quiet = {"api_visibility": "private", "concurrency_id": "search"}
        quiet["concurrency_limit"] = SEARCH_CONCURRENCY

        def then_plot(event):  # the dominance plot, then single vs multi-vector (empty for single)
            event.then(handlers.plot, state, plot, **quiet).then(
                handlers.comparison, state, page["comparison"], **quiet
            )

        for trigger in (page["search"].click, page["composer"].submit):
            then_plot(trigger(handlers.search, inputs, outputs, **quiet))
        rerun = [page["granularity"].change, page["folder"].submit, page["taken"].submit]
        rerun += [page[name].input for name in ("mode", "tags", "budget", "language", "all_translations")]
        for trigger in rerun:
            then_plot(trigger(handlers.search_if_composed, inputs, outputs, **quiet))
        ticked = page["cascade"].input(cascade_mode, [page["cascade"], page["mode"]], page["mode"], **quiet)
        then_plot(ticked.then(handlers.search_if_composed, inputs, outputs, **quiet))
        loaders = [(page["results"].more_like_this, more_like_this)]
        if "examples" in page:
            loaders.append((page["examples"].select_example, load_example))
        for event, load in loaders:
            loaded = event(load, None, page["composer"], **quiet)
            then_plot(loaded.then(handlers.search, inputs, outputs, **quiet))
        indexing = {"api_visibility": "private", "concurrency_id": "indexing", "concurrency_limit": 1}
        # Re-read on every page load, so a reload shows what indexing has added since start-up.
        controls = [shelf["table"], page["collections"], page["tags"], page["mode"], shelf["remove_choice"]]
        controls.append(shelf["read_pictures"])
        hidden = {"api_visibility": "private", "show_progress": "hidden"}
        loaded = demo.load(handlers.stats, None, shelf["stats"], **hidden).then(
            handlers.controls, None, controls, **hidden
        )
        loaded.then(handlers.not_indexed, None, shelf["skipped"], **hidden)  # as recorded: after restarts too
        reports = [shelf["status"], shelf["skipped"], shelf["stats"], *controls]
        folder_inputs = [shelf["folder"], shelf["name"], shelf["read_pictures"], shelf["fetch_pictures"]]
        indexed = [shelf["folder_button"].click(index_folder, folder_inputs, reports, **indexing)]
        upload_inputs = [shelf["upload"], shelf["name"], shelf["read_pictures"], shelf["fetch_pictures"]]
        indexed.append(shelf["upload_button"].click(index_upload, upload_inputs, reports, **indexing))
        indexed.append(wire_removal(handlers, shelf, reports, indexing))

        def rerun_search(event):  # the collections chosen: their options shown, then the search again
            then_plot(event.then(handlers.search_if_composed, inputs, outputs, **quiet))

        wire_search_options(handlers, page, [loaded, *indexed], rerun_search)
        if "examples" in page:  # offered while the collection they were written for is searched
            shown = (handlers.examples_visibility, page["collections"], page["examples"])
            for event in [loaded, *indexed]:
                event.then(*shown, **hidden)
            page["collections"].input(*shown, **hidden)
    return demo


def _search_tab(handlers: Handlers, choices: list[dict], default_n, full_document) -> dict:
    page = {}

    def upload_preview(path: str) -> str:  # the composer's `server.upload_preview` (a plain function:
        return handlers.upload_preview(path)  # Gradio marks server functions with an attribute)

    # Results sit straight under the query, so a search shows them where the person is looking (the
    # settings column is taller than a screen); on a phone the columns stack: query, Search, results.
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            page["composer"] = gr.HTML(
                value=[],
                max_image_bytes=MAX_IMAGE_BYTES,
                html_template=asset("composer.html"),
                css_template=asset("composer.css"),
                js_on_load=asset("composer.js"),
                server_functions=[upload_preview],
                elem_id="mme-composer",
            )
            page["search"] = gr.Button("Search", variant="primary", elem_id="mme-search", size="lg")
            if handlers.examples:
                page["examples"] = gr.HTML(
                    _examples_html(handlers.example_queries),
                    css_template=asset("examples.css"),
                    js_on_load=asset("examples.js"),
                    visible=handlers.examples_shown(),
                    elem_id="mme-examples",
                )
            page["results"] = gr.HTML(
                placeholder_html(),
                css_template=asset("results.css"),
                js_on_load=asset("results.js"),
                server_functions=[full_document],
                elem_id="mme-results",
            )
            page["comparison"] = gr.HTML("", elem_id="mme-compare")
        with gr.Column(scale=2, min_width=300):
            page["granularity"] = gr.HTML(
                value=default_n,
                choices=choices,
                html_template=asset("granularity.html"),
                css_template=asset("granularity.css"),
                js_on_load=asset("granularity.js"),
                elem_id="mme-granularity",
            )
            page["mode"] = gr.Radio(
                [(label, mode) for mode, label in MODE_LABELS.items()],
                value=handlers.service.default_mode(),
                label="Match by",
                info="words: the query's words in the text · meaning: the model's vectors · both: fused",
                elem_id="mme-mode",
            )
            page.update(search_filters(handlers))
            with gr.Accordion("More options", open=False, elem_id="mme-more-options"):
                page["k"] = gr.Slider(
                    1, 50, value=DEFAULT_K, step=1, label="Results to show", elem_id="mme-k"
                )
                page["cascade"] = gr.Checkbox(
                    False,
                    label=f"Cascade: re-score the best {CASCADE_K} with every stored N",
                    info="meaning only; searches the cheapest N first (see docs/BENCHMARKS.md)",
                    elem_id="mme-cascade",
                )
                page["budget"] = budget_control(handlers.service.budgets)
            with gr.Column(elem_id="mme-diagnostic"):
                page["plot"] = gr.BarPlot(
                    x="dominance",
                    y="parts",
                    color="series",
                    color_map=COLOURS,
                    tooltip=["dominance", "series", "parts", "which"],
                    x_title="← pictures dominate · cos(e, e_text) − cos(e, e_image) · text dominates →",
                    y_title="parts",
                    x_label_angle=-45,
                    show_label=False,
                    elem_id="mme-plot",
                )
                gr.Markdown(EXPLANATION, elem_classes=["mme-explanation"])
    return page


def cascade_mode(cascade: bool, mode: str) -> str:
    """Ticking the cascade box switches "Match by" to meaning: the cascade re-ranks semantic search."""
    if not isinstance(cascade, bool):
        raise gr.Error(f"the cascade box is on or off, got {cascade!r}", print_exception=False)
    return "semantic" if cascade else mode


def _examples_html(examples: tuple[ExampleQuery, ...]) -> str:
    chips = []
    for index, example in enumerate(examples):
        texts = [content for kind, content in example.items if kind == "text"]
        images = [content for kind, content in example.items if kind == "image"]
        parts = [f"<span>{escape(_clip(texts[0], 44))}</span>"] if texts else []
        parts += [f'<img src="{thumbnail_uri(path, 64)}" alt="">' for path in images[:4]]
        chips.append(
            f'<button type="button" class="mme-example" data-index="{index}" title="{escape(example.label)}">'
            f"{''.join(parts)}</button>"
        )
    return f'<div class="mme-examples"><span class="mme-examples-label">Try:</span>{"".join(chips)}</div>'


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _resolve_return_annotation(fn) -> None:
    """gr.api reads the return type with inspect.signature, which leaves postponed (string) annotations
    unresolved, so view_api() would show `Any`; give it the resolved type instead."""
    hints = typing.get_type_hints(fn)
    fn.__signature__ = inspect.signature(fn).replace(return_annotation=hints["return"])


def _told(progress):
    """A build's progress callback feeding Gradio's progress bar."""
    return lambda p: progress(p.fraction, desc=p.describe())
