"""HTML for result cards, full documents, the model banner and index stats.

Every piece of collection text is escaped here: a Markdown note may contain `<script>`. Images are
inline thumbnails (see media.py), documents are referenced by token, never by path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from pathlib import Path

from indexer.languages import language_name
from indexer.matches import excerpt
from mme_core.documents import InterleavedDoc, TextSegment

from .highlight import highlight
from .media import FULL_VIEW_SIDE, THUMBNAIL_SIDE, MediaRegistry, thumbnail_uri

PREVIEW_STEPS = 3
PREVIEW_TEXT_CHARS = 240
PICTURE_WORDS_CHARS = 80  # a matched line of a picture's words, under the picture
_VIDEO_WORDS = re.compile(r"\n(video(?:, [\w ]{1,20})?)$")  # "video, 12 s" (indexer.sources.note_videos)
SCORE_TITLES = {
    "semantic": "cosine similarity",
    "keyword": "BM25 keyword score",
    "hybrid": "reciprocal-rank fusion score",
    "picture": "shows this many of your query's pictures",
    "title": "titled as your query",
}


def granularity_label(n: object, tokens_per_image: int) -> str:
    return f"{n} → {tokens_per_image} tokens/image"


def results_html(
    hits: Sequence,
    media: MediaRegistry,
    *,
    n: object,
    tokens_per_image: int,
    elapsed_ms: float,
    mode: str = "",
    filters: Sequence[str] = (),
) -> str:
    """Ranked cards; each shows its document step by step (each text with its own pictures, in order).
    `filters`: the filters the search ran with ("taken: 2019-05"), named when nothing matched them."""
    if not hits and filters:
        return notice_html(
            f"No documents matched these filters ({'; '.join(filters)}). Clear them to search all."
        )
    if not hits:
        return notice_html("No documents matched. Is the collection indexed? See the Collection tab.")
    summary = (
        f"{len(hits)} result{'s' if len(hits) != 1 else ''} · N = {escape(str(n))} "
        f"({tokens_per_image} tokens/image) · {elapsed_ms:.0f} ms"
    ) + (f" · {escape(mode)} search" if mode else "")
    cards = "".join(_card(hit, media) for hit in hits)
    head = f'<div class="mme-summary">{summary}</div>'
    return f'<div class="mme-results" data-n="{escape(str(n))}">{head}{cards}</div>'


def _card(hit, media: MediaRegistry) -> str:
    doc: InterleavedDoc = hit.doc
    token = media.doc_token(doc)
    title = highlight(doc.title or doc.id or "untitled", getattr(hit, "terms", ()))
    source = _short_source(doc.source)
    notebook = (doc.meta.get("properties") or {}).get("notebook")
    if isinstance(notebook, str) and notebook.strip():  # Joplin's, SiYuan's files are named by ids
        source = notebook.strip()
    elif doc.id and doc.source.endswith(".jsonl"):  # one file holds many documents: name which
        source = f"{source} · {doc.id}"
    source = escape(source)
    part = f" · part {doc.part + 1}" if doc.part else ""
    tags = [tag for tag in doc.meta.get("tags") or () if isinstance(tag, str) and tag]
    if tags:  # keyword text too (a Keep label, a front-matter tag): marked when the query names one
        terms = getattr(hit, "terms", ())
        marked = " ".join(highlight(f"#{tag}", terms) for tag in tags)
        part += f' · <span class="mme-tags">{marked}</span>'
    place = (doc.meta.get("properties") or {}).get("place_name")
    if isinstance(place, str) and place:  # a photo's town (GPS), found by its name in any script
        marked = highlight(place, getattr(hit, "terms", ()))
        part += f' · <span class="mme-place" title="where the photo was taken (GPS)">{marked}</span>'
    length = (doc.meta.get("properties") or {}).get("length")
    if isinstance(length, str) and length:  # a video: the card shows its keyframes, says how long it is
        said = f"video, {escape(length)}"
        part += f' · <span class="mme-length" title="a video, shown by its keyframes">{said}</span>'
    if getattr(hit, "translations", ()):  # the same page in other languages (indexer.translations)
        names = ", ".join(
            f'<span title="{escape(other)}">{escape(language_name(code))}</span>'
            for code, other in hit.translations
        )
        part += f' · <span class="mme-translations">also in: {names}</span>'
    if getattr(hit, "note", ""):  # the cascade could not re-score it at full tokens: say why
        part += f' · <span class="mme-note">{escape(hit.note)}</span>'
    return (
        f'<article class="mme-card" data-rank="{int(hit.rank)}" data-id="{escape(hit.id)}" '
        f'data-score="{hit.score:.6f}" data-doc="{token}">'
        f'<header class="mme-card-head"><span class="mme-rank">{int(hit.rank)}</span>'
        f'<div class="mme-heading"><h3 class="mme-title">{title}</h3>'
        f'<div class="mme-source" title="{escape(doc.source)}">{source}{part}</div></div>'
        f'<span class="mme-score" title="{SCORE_TITLES.get(getattr(hit, "mode", ""), "score")}">'
        f"{hit.score:.3f}</span></header>"
        f'<div class="mme-doc">{document_body(doc, preview=True, terms=getattr(hit, "terms", ()))}</div>'
        '<div class="mme-full" hidden></div>'
        '<footer class="mme-card-foot">'
        '<button type="button" class="mme-expand">Show full document</button>'
        '<button type="button" class="mme-more">More like this</button></footer></article>'
    )


def steps(doc: InterleavedDoc) -> list[tuple[str, list[str]]]:
    """The document as (text, pictures after it) steps, in order. Pictures belong to the text before
    them, as in a how-to ("Fold the paper." [photo]); pictures before any text form a step of their own."""
    grouped: list[tuple[str, list[str]]] = []
    for segment in doc.segments:
        if isinstance(segment, TextSegment):
            grouped.append((segment.text, []))
        elif grouped:
            grouped[-1][1].append(segment.path)
        else:
            grouped.append(("", [segment.path]))
    return grouped


def document_body(doc: InterleavedDoc, preview: bool, terms: Sequence[str] = ()) -> str:
    """One row per step: its text, and beside it (below it when the card is narrow) its own pictures.

    A preview shows the first PREVIEW_STEPS steps with clipped text and thumbnails; the full view
    shows every step at a larger picture size. Pictures are inline data URIs, never lazy-loaded:
    a lazy image inside a collapsed card loads as an empty sliver.
    """
    all_steps = steps(doc)
    shown = all_steps[:PREVIEW_STEPS] if preview else all_steps
    side = THUMBNAIL_SIDE if preview else FULL_VIEW_SIDE
    words = picture_words(doc)
    rows: list[str] = []
    for position, (text, pictures) in enumerate(shown):
        html = _text_html(text, doc.title if preview and position == 0 else "", preview, terms)
        if not html and not pictures:
            continue
        text_html = f'<p class="mme-text">{html}</p>' if html else ""
        figures = "".join(_picture(path, side, words.get(path, ""), terms) for path in pictures)
        pictures_html = f'<div class="mme-step-pictures">{figures}</div>' if figures else ""
        kind = "mme-step" + ("" if pictures else " mme-step-text-only")
        rows.append(f'<li class="{kind}">{text_html}{pictures_html}</li>')
    hidden = len(all_steps) - len(shown)
    unmarked = preview and terms and not _marked(rows)
    found = _found_further(all_steps, len(shown), words, terms) if unmarked else ""
    more = (
        f'<p class="mme-more-steps">… {hidden} more step{"s" if hidden > 1 else ""}: '
        f"show the full document to read them.{found}</p>"
        if hidden
        else (f'<p class="mme-more-steps">{found.strip()}</p>' if found else "")
    )
    return f'<ol class="mme-steps">{"".join(rows)}</ol>{more}'


def _marked(rows: list[str]) -> bool:
    return any("<mark>" in row for row in rows)


def _found_further(all_steps, shown: int, words: dict[str, str], terms: Sequence[str]) -> str:
    """Where the query's words are when the preview marks none of them: a step's text past the
    preview (or past its clipped first lines), else the words of a picture it does not show; the
    place said and the words marked in a short stretch around them. "" when they are nowhere."""
    for number, (text, _) in enumerate(all_steps, start=1):
        later = text.strip() if number > shown else text.strip()[PREVIEW_TEXT_CHARS - 20 :]
        found = excerpt(later, terms)
        if found:
            return f" The query's words are further on, in step {number}: {highlight(found[0], terms)}"
    further = [
        (path, line) for _, pictures in all_steps[shown:] for path in pictures
        for line in _matched(words.get(path, ""), terms)[:1]
    ]  # fmt: skip
    if further:
        name = escape(Path(further[0][0]).name)
        line = highlight(_clip(further[0][1], PICTURE_WORDS_CHARS), terms)
        return f" The query's words are in a picture further on ({name}): {line}"
    return ""


def picture_words(doc: InterleavedDoc) -> dict[str, str]:
    """Each picture's words, when the index read them (`indexer.picture_words`): path -> text."""
    words = doc.meta.get("picture_words") or ()
    return {image.path: text for image, text in zip(doc.images, words, strict=False) if isinstance(text, str)}


def _picture(path: str, side: int, words: str = "", terms: Sequence[str] = ()) -> str:
    """A thumbnail; when the query's words are among the words the picture shows, those lines go
    under it, marked, so a card found by a screenshot says so."""
    name = escape(Path(path).name)
    hover = escape(Path(path).name + (f"\n\n{_clip(words, 400)}" if words else ""))  # what was read in it
    image = f'<img class="mme-image" src="{thumbnail_uri(path, side)}" alt="{name}" title="{hover}">'
    matched = _matched(words, terms)
    if not matched:
        return image
    lines = " · ".join(highlight(_clip(line, PICTURE_WORDS_CHARS), terms) for line in matched[:2])
    caption = f'<figcaption class="mme-picture-words" title="words in this picture">{lines}</figcaption>'
    return f'<figure class="mme-picture">{image}{caption}</figure>'


def _matched(words: str, terms: Sequence[str]) -> list[str]:
    """The lines of a picture's words where the query's words are (as cards mark them)."""
    return [line for line in words.splitlines() if terms and "<mark>" in highlight(line, terms)]


def _clip(line: str, chars: int) -> str:
    return line if len(line) <= chars else line[:chars].rstrip() + " …"


def _text_html(text: str, title_to_drop: str, preview: bool, terms: Sequence[str] = ()) -> str:
    """Escaped text; Markdown heading lines kept by the readers become bold lines; the card's own
    title is not repeated in its preview."""
    lines = text.strip().splitlines()
    if title_to_drop and lines and lines[0].lstrip("#").strip() == title_to_drop.strip():
        lines = lines[1:]
    text = "\n".join(lines).strip()
    if preview and len(text) > PREVIEW_TEXT_CHARS:
        video = _VIDEO_WORDS.search(text)  # a video the note shows ends its step: kept over its frames
        text = text[:PREVIEW_TEXT_CHARS].rsplit(" ", 1)[0] + " …" + (f"\n{video[1]}" if video else "")
    html: list[str] = []
    after_heading = False
    for line in text.splitlines():
        if line.startswith("#"):
            html.append(f'<span class="mme-heading-text">{highlight(line.lstrip("#").strip(), terms)}</span>')
            after_heading = True
        elif not (after_heading and not line.strip()):  # a heading is a block: no blank line under it
            html.append(highlight(line, terms))  # escaped, the query's words in <mark>
            after_heading = False
    return "\n".join(html).strip()


def full_document_html(doc: InterleavedDoc) -> str:
    return f'<div class="mme-full-doc">{document_body(doc, preview=False)}</div>'


def error_html(message: str) -> str:
    return f'<div class="mme-error" role="alert">{escape(message)}</div>'


def notice_html(message: str, kind: str = "notice") -> str:
    return f'<div class="mme-{kind}">{escape(message)}</div>'


def placeholder_html() -> str:
    return notice_html("Compose a query above (text boxes and images, in any order) and press Search.")


def banner_html(title: str, model: str, detail: str, warning: str = "") -> str:
    warn = f'<div class="mme-banner-warn">{escape(warning)}</div>' if warning else ""
    return (
        f'<div class="mme-banner"><div class="mme-banner-title"><h1>{escape(title)}</h1>'
        "<span>Search with text and pictures in any order; results come back interleaved.</span></div>"
        '<div class="mme-banner-model-line"><span class="mme-banner-label">Model in use</span>'
        f'<code class="mme-banner-model">{escape(model)}</code>'
        f'<span class="mme-banner-detail">{escape(detail)}</span></div>{warn}</div>'
    )


STATS_TILES = {"documents": "documents", "parts": "parts", "images": "images"}
STATS_FACTS = {
    "ns": "Stored N",
    "model": "Model",
    "adapter": "Adapter",
    "dim": "Dimensions",
    "search": "Search per N",
    "collections": "Collections",
    "updated": "Last updated",
    "uri": "Index",
}


def stats_html(stats: dict) -> str:
    """The index facts a person cares about: counts as tiles, then labelled facts in a fixed order."""
    tiles = "".join(
        f'<div class="mme-tile"><b>{escape(_format_stat(stats[key]))}</b><span>{label}</span></div>'
        for key, label in STATS_TILES.items()
        if key in stats
    )
    facts = "".join(
        f"<dt>{label}</dt><dd>{escape(_format_stat(stats[key]))}</dd>"
        for key, label in STATS_FACTS.items()
        if stats.get(key) not in (None, "", [], {})
    )
    return (
        f'<div class="mme-stats"><div class="mme-tiles">{tiles}</div><dl class="mme-facts">{facts}</dl></div>'
    )


def _format_stat(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"N={key}: {item}" for key, item in value.items())
    if isinstance(value, (list, tuple)):  # a collection record by its name: the table shows the rest
        return ", ".join(str(v["name"]) if isinstance(v, dict) and "name" in v else str(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _short_source(source: str, keep: int = 3) -> str:
    parts = Path(source).parts
    return "/".join(parts[-keep:]) if len(parts) > keep else source
