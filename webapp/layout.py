"""The page: `build_demo(searcher) -> gr.Blocks`. Handlers only call the service and format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from .assets import ExampleQuery, asset
from .collection import ZipLimits
from .media import MediaRegistry, thumbnail_uri
from .plot import EXPLANATION, dominance_figure
from .query import composer_from_doc, doc_from_api, doc_from_composer
from .render import (
    banner_html,
    error_html,
    full_document_html,
    placeholder_html,
    results_html,
    stats_html,
)
from .service import SearchService

DEFAULT_K = 10
PLOTTED_RESULTS = 5


@dataclass(frozen=True)
class AppOptions:
    """What the page says about itself and what it may do; building it has no side effects.

    model_label/model_note/model_warning fill the banner; `examples` are one-click queries;
    `index_uri` with `open_searcher` and `build_index` enables the Collection tab's indexing;
    folders may only be indexed under `collections_roots`; zips are unpacked under `uploads_dir`.
    """

    model_label: str = ""
    model_note: str = ""
    model_warning: str = ""
    examples: tuple[ExampleQuery, ...] = ()
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
    ns = service.ns
    default_n = 3 if 3 in ns else ns[0]
    choices = [{"n": n, "tokens": service.tokens_per_image(n)} for n in ns]
    example_items = [_example_items(example, media) for example in options.examples]

    def run_search(value, n, k):
        """Composer items + N -> (result cards, state for the plot)."""
        try:
            query = doc_from_composer(value, media)
            outcome = service.search(query, n, int(k))
        except ValueError as err:
            return error_html(str(err)), None
        html = results_html(
            outcome.hits,
            media,
            n=outcome.n,
            tokens_per_image=outcome.tokens_per_image,
            elapsed_ms=outcome.elapsed_ms,
        )
        return html, {"query": query, "hits": outcome.hits, "n": outcome.n}

    def rerun_if_composed(value, n, k):
        if not value or all(
            item.get("type") == "text" and not item.get("text", "").strip() for item in value
        ):
            return gr.skip(), gr.skip()
        return run_search(value, n, k)

    def draw_plot(state):
        if not state:
            return None
        try:
            rows = service.dominance(state["query"], state["hits"], state["n"], top=PLOTTED_RESULTS)
        except ValueError as err:
            gr.Warning(f"Dominance plot unavailable: {err}")
            return None
        return dominance_figure(rows, state["n"], service.tokens_per_image(state["n"]))

    def load_example(evt: gr.EventData):
        index = int(evt.index)
        if not 0 <= index < len(example_items):
            raise gr.Error(f"no example number {index + 1}")
        return example_items[index]

    def more_like_this(evt: gr.EventData):
        try:
            doc = media.document(evt.doc)
        except ValueError as err:
            raise gr.Error(str(err)) from err
        return composer_from_doc(doc, media)

    def full_document(token: str) -> str:
        try:
            return full_document_html(media.document(token))
        except ValueError as err:
            return error_html(str(err))

    def index_folder(path, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's idiom)
        return _index_with(lambda: service.index_folder(path), service)

    def index_zip(file, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's idiom)
        if not file:
            return error_html("choose a .zip file first"), stats_html(service.stats())
        return _index_with(lambda: service.index_zip(file), service)

    def search_api(query: list[str | dict], n: int | str = default_n, k: int = DEFAULT_K) -> list[dict]:
        """Search with an interleaved query: a list whose strings are text and whose
        gradio_client.handle_file(...) items are images, in order. Returns ranked hits."""
        try:
            outcome = service.search(doc_from_api(query, media), n, int(k))
        except ValueError as err:
            raise gr.Error(str(err)) from err
        return [_hit_record(hit) for hit in outcome.hits]

    with gr.Blocks(title=options.title, analytics_enabled=False) as demo:
        gr.HTML(
            banner_html(
                options.model_label or getattr(service.encoder, "model_id", "?"),
                options.model_note,
                options.model_warning,
            ),
            css_template=asset("banner.css"),
            js_on_load=None,
            elem_id="mme-banner",
        )
        with gr.Tabs():
            with gr.Tab("Search", id="search"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        composer = gr.HTML(
                            value=[],
                            html_template=asset("composer.html"),
                            css_template=asset("composer.css"),
                            js_on_load=asset("composer.js"),
                            elem_id="mme-composer",
                        )
                        if example_items:
                            examples = gr.HTML(
                                _examples_html(options.examples, media),
                                css_template=asset("examples.css"),
                                js_on_load=asset("examples.js"),
                                elem_id="mme-examples",
                            )
                    with gr.Column(scale=2, min_width=300):
                        granularity = gr.HTML(
                            value=default_n,
                            choices=choices,
                            html_template=asset("granularity.html"),
                            css_template=asset("granularity.css"),
                            js_on_load=asset("granularity.js"),
                            elem_id="mme-granularity",
                        )
                        with gr.Row():
                            k = gr.Number(
                                DEFAULT_K,
                                label="Results",
                                minimum=1,
                                maximum=50,
                                precision=0,
                                min_width=90,
                                scale=1,
                            )
                            search_button = gr.Button(
                                "Search", variant="primary", elem_id="mme-search", scale=2
                            )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        results = gr.HTML(
                            placeholder_html(),
                            css_template=asset("results.css"),
                            js_on_load=asset("results.js"),
                            server_functions=[full_document],
                            elem_id="mme-results",
                        )
                    with gr.Column(scale=2, min_width=300, elem_id="mme-diagnostic"):
                        plot = gr.Plot(label="Text or image dominance", elem_id="mme-plot", format="png")
                        gr.Markdown(EXPLANATION, elem_classes=["mme-explanation"])
            with gr.Tab("Collection", id="collection"):
                stats = gr.HTML(stats_html(service.stats()), css_template=asset("stats.css"), js_on_load=None)
                with gr.Row(equal_height=False):
                    with gr.Column():
                        folder = gr.Textbox(
                            label="Folder on this machine",
                            placeholder="/path/to/notes",
                            info=_folder_info(options.collections_roots),
                        )
                        index_folder_button = gr.Button(
                            "Index folder", interactive=bool(options.collections_roots)
                        )
                    with gr.Column():
                        zip_file = gr.File(
                            label="Or upload a .zip of Markdown/HTML notes with their images",
                            file_types=[".zip"],
                            type="filepath",
                        )
                        index_zip_button = gr.Button("Index zip")
                index_status = gr.HTML("", js_on_load=None, elem_id="mme-index-status")

        state = gr.State(None)
        search_inputs = [composer, granularity, k]
        private = {"api_visibility": "private"}
        for event in (search_button.click, composer.submit):
            event(run_search, search_inputs, [results, state], **private).then(
                draw_plot, state, plot, **private
            )
        granularity.change(rerun_if_composed, search_inputs, [results, state], **private).then(
            draw_plot, state, plot, **private
        )
        if example_items:
            examples.select_example(load_example, None, composer, **private).then(
                run_search, search_inputs, [results, state], **private
            ).then(draw_plot, state, plot, **private)
        results.more_like_this(more_like_this, None, composer, **private).then(
            run_search, search_inputs, [results, state], **private
        ).then(draw_plot, state, plot, **private)
        index_folder_button.click(
            index_folder,
            folder,
            [index_status, stats],
            concurrency_id="indexing",
            concurrency_limit=1,
            **private,
        )
        index_zip_button.click(
            index_zip,
            zip_file,
            [index_status, stats],
            concurrency_id="indexing",
            concurrency_limit=1,
            **private,
        )
        gr.api(search_api, api_name="search", concurrency_id="search")
    demo.mme_service = service  # for tests and the launcher; not part of the page
    return demo


def _index_with(run, service: SearchService):
    try:
        report = run()
    except ValueError as err:
        return error_html(str(err)), stats_html(service.stats())
    return f'<div class="mme-notice">Indexed: {report}</div>', stats_html(service.stats())


def _example_items(example: ExampleQuery, media: MediaRegistry) -> list[dict]:
    items = []
    for kind, content in example.items:
        if kind == "text":
            items.append({"type": "text", "text": content})
        else:
            items.append(
                {
                    "type": "image",
                    "ref": media.image_token(content),
                    "name": Path(content).name,
                    "url": thumbnail_uri(content),
                }
            )
    return items


def _examples_html(examples: tuple[ExampleQuery, ...], media: MediaRegistry) -> str:
    from html import escape

    chips = []
    for index, example in enumerate(examples):
        parts = []
        for kind, content in example.items:
            if kind == "text":
                parts.append(f"<span>{escape(content[:60])}</span>")
            else:
                parts.append(f'<img src="{thumbnail_uri(content, 64)}" alt="">')
        chips.append(
            f'<button type="button" class="mme-example" data-index="{index}" title="{escape(example.label)}">'
            f"{''.join(parts)}</button>"
        )
    return f'<div class="mme-examples"><span class="mme-examples-label">Try:</span>{"".join(chips)}</div>'


def _hit_record(hit) -> dict:
    doc = hit.doc
    return {
        "rank": int(hit.rank),
        "id": hit.id,
        "score": float(hit.score),
        "title": doc.title,
        "source": doc.source,
        "part": doc.part,
        "segments": [
            {"text": s.text} if hasattr(s, "text") else {"image": Path(s.path).name} for s in doc.segments
        ],
    }


def _folder_info(roots: tuple[Path, ...]) -> str:
    if not roots:
        return "Disabled here: start the app with --collections-root DIR to index folders under DIR."
    return "Folders under " + ", ".join(str(r) for r in roots) + " can be indexed."
