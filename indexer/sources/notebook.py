"""Jupyter notebooks (`.ipynb`): lab protocols and tutorials, their words, code and plots in order.

What the notebook shows a reader is read, cell by cell:
- Markdown cells as Markdown notes are read (`markdown.py`), headings, lists and tables included;
  pictures pasted into a cell (`![](attachment:image.png)`, kept in the cell's `attachments`) and
  `data:` images are read in place like linked pictures.
- Code cells as their code, verbatim (as code blocks of a Markdown note are).
- Outputs: pictures (PNG, JPEG, GIF, WebP; a plot, a micrograph) in place after their cell's code;
  an SVG output is drawn (a PNG of the same plot is taken first); another picture type is reported
  "unsupported type". Text outputs
  (printed logs, object reprs, HTML tables) are what the code computed, not what the person wrote,
  and are not read; raw cells neither.
- The title is the first `# Heading`, else the first heading of any level, else the notebook's
  `metadata.title`, else the file name.
Pictures kept inside the notebook are stored in a pictures folder (see `embedded.py`) and checked as
linked ones are. Format 4 is read, and format 3 (`worksheets`, heading cells, `input`, outputs keyed
`png`). The JSON is read directly rather than through nbformat, whose schema check refuses notebooks
Jupyter still opens (a cell without `metadata`); a file that is not a notebook is reported by name.
"""

from __future__ import annotations

import base64
import json
from pathlib import PurePosixPath

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, clean_text, decode_text, warn
from indexer.sources.embedded import PICTURE_TYPES
from indexer.sources.markdown import markdown_body

ATTACHMENT_SCHEME = "attachment:"
_V3_PICTURES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}


def parse_notebook(data: bytes, name: str) -> ParsedPage | None:
    try:
        notebook = json.loads(clean_text(decode_text(data, name), name))
        cells = _cells(notebook)
    except (ValueError, TypeError, AttributeError) as err:
        problem = err.msg if isinstance(err, json.JSONDecodeError) else str(err)
        warn(f"{name}: not a Jupyter notebook ({problem}), skipped", file=name, reason="unreadable")
        return None
    items: list = []
    headings: dict[int, str] = {}
    tags: list[str] = []
    for number, cell in enumerate(cells, start=1):
        kind, source = cell.get("cell_type"), _text(cell.get("source", ""))
        if kind == "markdown":
            body = markdown_body(source)
            for level, heading in body.first_headings.items():
                headings.setdefault(level, heading)
            tags += body.tags
            items += [_attachment(i, cell, number, name) if _is_attachment(i) else i for i in body.items]
            items.append("\n\n")
        elif kind == "code":
            if source.strip():
                items.append(source.rstrip() + "\n\n")
            for index, output in enumerate(cell.get("outputs") or (), start=1):
                if picture := _output_picture(output, f"output {index} of cell {number}"):
                    items += [picture, "\n\n"]
    title = headings.get(1) or next(iter(headings.values()), "")
    declared = notebook.get("metadata", {}).get("title")
    title = title or (declared if isinstance(declared, str) else "") or PurePosixPath(name).stem
    meta = {"tags": list(dict.fromkeys(tags)), "aliases": [], "properties": {}}
    return ParsedPage(tuple(i for i in items if i is not None), title=title, meta=meta)


def _cells(notebook) -> list[dict]:
    """The cells in format 4's shape, whatever the notebook's format."""
    if not isinstance(notebook, dict):
        raise ValueError(f"a JSON {type(notebook).__name__}, not an object")
    if "worksheets" in notebook:  # format 3
        return [_v4_cell(cell) for sheet in notebook["worksheets"] for cell in sheet.get("cells", ())]
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError("no list of cells")
    return [cell for cell in cells if isinstance(cell, dict)]


def _v4_cell(cell: dict) -> dict:
    if cell.get("cell_type") == "heading":
        level = min(max(int(cell.get("level", 1)), 1), 6)
        return {"cell_type": "markdown", "source": "#" * level + " " + _text(cell.get("source", ""))}
    if cell.get("cell_type") == "code":
        outputs = [
            {"data": {mime: output[key] for key, mime in _V3_PICTURES.items() if key in output}}
            for output in cell.get("outputs", ())
        ]
        return {"cell_type": "code", "source": cell.get("input", ""), "outputs": outputs}
    return cell


def _text(source) -> str:
    """A cell's source or an output's data: one string, or a list of lines."""
    return "".join(source) if isinstance(source, list) else str(source or "")


def _output_picture(output: dict, written: str) -> EmbeddedImage | None:
    data = output.get("data") if isinstance(output, dict) else None
    pictures = [mime for mime in data or () if mime.startswith("image/")]
    if not pictures:
        return None
    mime = next((m for m in sorted(pictures, key=_svg_last) if m in PICTURE_TYPES), pictures[0])
    return EmbeddedImage(mime, _payload(mime, data[mime]), written)


def _is_attachment(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(ATTACHMENT_SCHEME)


def _attachment(link: ImageLink, cell: dict, number: int, name: str) -> EmbeddedImage | None:
    """A picture pasted into a Markdown cell, from the cell's own attachments; None (warned) if gone."""
    file_name = link.target[len(ATTACHMENT_SCHEME) :]
    written = f"{link.target} in cell {number}"
    bundle = (cell.get("attachments") or {}).get(file_name)
    if not isinstance(bundle, dict) or not bundle:
        message = f"{name}: image skipped, no such attachment: {written}"
        warn(message, file=name, reference=written, reason="missing")
        return None
    mime = next((m for m in sorted(bundle, key=_svg_last) if m in PICTURE_TYPES), next(iter(bundle)))
    return EmbeddedImage(mime, _payload(mime, bundle[mime]), written)


def _svg_last(mime: str) -> bool:
    """A plot saved as both PNG and SVG: the PNG is read (the same picture, already pixels)."""
    return mime == "image/svg+xml"


def _payload(mime: str, data) -> str:
    """An output's picture as base64: Jupyter keeps SVG as its text, other pictures as base64."""
    text = _text(data)
    return base64.b64encode(text.encode()).decode("ascii") if mime == "image/svg+xml" else text
