"""The pictures an Excel workbook (`.xlsx`, `.xlsm`) keeps on its sheets: a photo of a sample beside
its row, a screenshot under a step, a product picture in an inventory.

The cell reader (python-calamine) gives values only, so the drawings are read here from the package:
workbook -> sheet -> drawing -> picture, each anchored at a cell, so `spreadsheet.py` puts it after
the row it sits on. Charts, shapes with text and pictures of types the encoder does not read are
counted by kind for one message. WPS and Excel 365 can also place a picture *inside* a cell
(`xl/cellimages.xml`, `xl/richData/`): those are said as not read.
"""

from __future__ import annotations

import base64
import posixpath
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from indexer.sources.base import EmbeddedImage
from indexer.sources.embedded import PICTURE_TYPES

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DRAW = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_ANCHORS = (f"{_DRAW}twoCellAnchor", f"{_DRAW}oneCellAnchor", f"{_DRAW}absoluteAnchor")
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_TYPES |= {".webp": "image/webp", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff"}


@dataclass
class SheetPictures:
    """Per sheet name, its pictures as (row, picture), rows 0-based as the sheet counts them."""

    by_sheet: dict[str, list[tuple[int, EmbeddedImage]]] = field(default_factory=dict)
    left_out: set[str] = field(default_factory=set)  # kinds not read, for one message


def sheet_pictures(archive: zipfile.ZipFile) -> SheetPictures:
    """The pictures of every sheet of an opened `.xlsx` package (nothing for a package without drawings)."""
    found = SheetPictures()
    names = set(archive.namelist())
    if "xl/cellimages.xml" in names or any(n.startswith("xl/richData/") for n in names):
        found.left_out.add("pictures placed in cells")
    if "xl/workbook.xml" not in names:
        return found
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    targets = _relations(archive, "xl/workbook.xml")
    count = 0
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        path = targets.get(sheet.get(f"{_REL}id", ""), "")
        for drawing in _drawings(archive, path):
            for row, picture in _anchored(archive, drawing, found.left_out):
                count += 1
                found.by_sheet.setdefault(sheet.get("name", ""), []).append(
                    (row, EmbeddedImage(picture[0], picture[1], f"picture {count}"))
                )
    return found


def _drawings(archive: zipfile.ZipFile, sheet_path: str) -> list[str]:
    if not sheet_path:
        return []
    sheet = ElementTree.fromstring(archive.read(sheet_path)) if sheet_path in archive.namelist() else None
    targets = _relations(archive, sheet_path)
    ids = [d.get(f"{_REL}id", "") for d in sheet.iter(f"{_MAIN}drawing")] if sheet is not None else []
    return [targets[i] for i in ids if targets.get(i) in archive.namelist()]


def _anchored(archive: zipfile.ZipFile, drawing: str, left_out: set[str]):
    """(row, (mime, base64)) for each picture of one drawing part, in drawing order."""
    media = _relations(archive, drawing)
    for anchor in ElementTree.fromstring(archive.read(drawing)):
        if anchor.tag not in _ANCHORS:
            continue
        row = anchor.find(f"{_DRAW}from/{_DRAW}row")
        at = int(row.text) if row is not None and (row.text or "").isdigit() else 0
        if anchor.find(f"{_DRAW}graphicFrame") is not None:
            left_out.add("charts")
        for blip in anchor.iter(f"{_A}blip"):
            target = media.get(blip.get(f"{_REL}embed", ""), "")
            mime = _TYPES.get(posixpath.splitext(target)[1].lower(), "")
            if not target or target not in archive.namelist():
                left_out.add("linked pictures")
            elif mime not in PICTURE_TYPES:
                left_out.add(f"{posixpath.splitext(target)[1].lstrip('.').upper() or 'other'} pictures")
            else:
                yield at, (mime, base64.b64encode(archive.read(target)).decode("ascii"))


def _relations(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """A part's relationship ids -> the package paths they point to."""
    folder, file = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", file + ".rels")
    if rels not in archive.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(archive.read(rels)).iter(f"{_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External" and target:
            out[rel.get("Id", "")] = posixpath.normpath(
                target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            )
    return out
