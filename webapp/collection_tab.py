"""The page's collection controls: what to search (collections, folder, tags) on the Search tab, and
the Collection tab (the collections table, indexing a folder or uploaded files, what was not indexed,
removal). Uploads take any file: what is not read is listed under "Not indexed" with its reason
(a browser's type filter would refuse a whole selection for one stray file).

Components and wiring only; what the buttons do is in handlers.py. Choices are filled from the index
on every page load (`Handlers.controls`), so a reload shows what indexing elsewhere has added.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .assets import asset
from .handlers import Handlers

COLLECTION_HEADERS = ["collection", "folder", "documents", "parts", "images", "skipped", "updated"]
SKIPPED_HEADERS = ["collection", "file", "link", "reason", "message"]


def search_filters(handlers: Handlers) -> dict:
    """Which collections to search (default: the person's own, else the demo), folder prefix, tags;
    the language of translated pages and the photos' dates, shown only where the collections searched
    have them (`webapp.facets`; `wire_search_options` keeps them so)."""
    service = handlers.service
    names = [entry["name"] for entry in service.collections()]
    controls = {
        "collections": gr.Dropdown(
            names,
            value=service.default_collections(),
            multiselect=True,
            label="Collections to search",
            info="Empty: your own collections (the demo only while you have none).",
            elem_id="mme-collections",
        )
    }
    with gr.Row():
        controls["folder"] = gr.Textbox(
            label="Folder starts with",
            placeholder="e.g. garden/roses (Enter to apply)",
            elem_id="mme-folder",
            scale=1,
        )
        controls["tags"] = gr.Dropdown(
            service.tags(), value=[], multiselect=True, label="Tags", elem_id="mme-tags", scale=1
        )
    facets = service.facets()
    translated = bool(facets.languages)
    with gr.Row():
        controls["language"] = gr.Dropdown(
            facets.language_choices(),
            value="",
            label="Translated pages in",
            info="A page kept in several languages comes back once, in this one.",
            visible=translated,
            elem_id="mme-language",
            scale=1,
        )
        controls["all_translations"] = gr.Checkbox(
            False, label="List every language's version", visible=translated, elem_id="mme-all-translations"
        )
    controls["taken"] = gr.Textbox(
        label="Photos taken",
        placeholder="2024, 2024-06 or 2024-06-12; several: 2023-12, 2024-01 (Enter to apply)",
        visible=facets.photos_taken,
        elem_id="mme-taken",
    )
    return controls


def wire_search_options(handlers: Handlers, page: dict, after: list, rerun) -> None:
    """Show the language and date filters for the collections chosen: after each event in `after`
    (the page's load, indexing, removal) and when the person changes the collections, where `rerun`
    (an event listener's `.then` -> search) runs the search with the options as they now are."""
    quiet = {"api_visibility": "private", "show_progress": "hidden"}
    inputs = [page["collections"], page["language"], page["taken"]]
    outputs = [page["language"], page["all_translations"], page["taken"]]
    for event in after:
        event.then(handlers.search_options, inputs, outputs, **quiet)
    rerun(page["collections"].input(handlers.search_options, inputs, outputs, **quiet))


def collection_tab(handlers: Handlers, roots: tuple[Path, ...]) -> dict:
    """Adding notes first (what a person comes to the tab for), then what the index holds: its
    figures, its collections, everything it could not index with the reason, and removal."""
    shelf = {}
    gr.Markdown("### Add notes", elem_classes=["mme-section"])
    shelf["name"] = gr.Textbox(
        label="Collection name",
        placeholder="default: the folder's name, the archive's, or the first uploaded note's",
        elem_id="mme-name",
    )
    shelf["read_pictures"] = gr.Checkbox(
        value=handlers.service.reads_pictures(),
        label="Read the words in pictures",
        info="Screenshots, labels and photographed pages become searchable by the words they show. "
        "About 0.5-2.5 s a picture on a CPU, once; the index keeps this choice.",
        elem_id="mme-read-pictures",
    )
    shelf["fetch_pictures"] = gr.Checkbox(
        value=False,
        visible=bool(roots),  # a shared server (a Space) downloads nothing on a visitor's behalf
        label="Download the pictures notes link on the web",
        info="For notes whose pictures live on an image host (PicGo, a CDN): each is downloaded once. "
        "The collection keeps this choice; `python -m indexer add --no-fetch-pictures` stops it.",
        elem_id="mme-fetch-pictures",
    )
    with gr.Row(equal_height=False):
        with gr.Column():
            shelf["folder"] = gr.Textbox(
                label="Folder (or one file) on this machine",
                placeholder="/path/to/notes or /path/to/manual.pdf",
                info=_folder_info(roots),
            )
            shelf["folder_button"] = gr.Button("Index folder", interactive=bool(roots))
        with gr.Column():
            shelf["upload"] = gr.File(
                label="Or upload notes (Markdown, Word, LibreOffice, slides, PDF, EPUB, Evernote...) "
                "and photos, or a .zip/.tar.gz",
                file_count="multiple",
                type="filepath",
                elem_id="mme-upload",
            )
            shelf["upload_button"] = gr.Button("Index upload", elem_id="mme-upload-button")
    shelf["status"] = gr.HTML(
        "", css_template=asset("results.css"), js_on_load=None, elem_id="mme-index-status"
    )
    gr.Markdown("### In the index", elem_classes=["mme-section"])
    shelf["stats"] = gr.HTML(handlers.stats(), css_template=asset("stats.css"), js_on_load=None)
    shelf["table"] = gr.Dataframe(
        handlers.collections_table(),
        headers=COLLECTION_HEADERS,
        label="Collections in the index",
        interactive=False,
        elem_id="mme-collections-table",
    )
    shelf["skipped"] = gr.Dataframe(
        [],
        headers=SKIPPED_HEADERS,
        label="Not indexed",
        interactive=False,
        visible=False,
        wrap=True,
        column_widths=["12%", "24%", "20%", "12%", "32%"],  # a long link must not push the reason out
        elem_id="mme-skipped",
    )
    with gr.Row(equal_height=True):
        names = [entry["name"] for entry in handlers.service.collections()]
        shelf["remove_choice"] = gr.Dropdown(
            names, value=None, label="Remove a collection", elem_id="mme-remove-choice", scale=3
        )
        shelf["remove_button"] = gr.Button("Remove…", variant="stop", elem_id="mme-remove", scale=1)
    shelf["confirm_message"] = gr.HTML("", visible=False, elem_id="mme-remove-message")
    with gr.Row(visible=False) as shelf["confirm_row"]:
        shelf["confirm"] = gr.Button("Yes, remove it", variant="stop", elem_id="mme-remove-yes")
        shelf["cancel"] = gr.Button("Cancel", elem_id="mme-remove-cancel")
    return shelf


def wire_removal(handlers: Handlers, shelf: dict, reports: list, indexing: dict):
    """Remove in two steps: "Remove…" says what will go, "Yes, remove it" removes (returned: the
    removal's event, for what follows it)."""
    quiet = {"api_visibility": "private"}
    confirm = [shelf["confirm_message"], shelf["confirm_row"]]
    shelf["remove_button"].click(handlers.confirm_removal, shelf["remove_choice"], confirm, **quiet)

    def hide():
        return gr.update(visible=False), gr.update(visible=False)

    def remove(name):
        return handlers.remove_collection(name, confirmed=True)

    removed = (
        shelf["confirm"]
        .click(hide, None, confirm, **quiet)
        .then(remove, shelf["remove_choice"], reports, **indexing)
    )
    shelf["cancel"].click(hide, None, confirm, **quiet)
    return removed


def _folder_info(roots: tuple[Path, ...]) -> str:
    if not roots:
        return "Disabled here: start the app with --collections-root DIR to index folders under DIR."
    return "Folders and files under " + ", ".join(str(r) for r in roots) + " can be indexed."
