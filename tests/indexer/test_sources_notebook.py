"""Jupyter notebooks and pictures kept inside notes (`data:` URIs): read in place, stored once in the
picture cache, every picture not read reported by the note and the picture as a person names them."""

from __future__ import annotations

import base64
import io
import json
import os
import time

from PIL import Image
from source_helpers import read_warnings, write

from indexer.build import build_index
from indexer.sources.embedded import pictures_dir
from indexer.store import Index
from mme_core.documents import ImageSegment, TextSegment


def picture(color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def notebook(*cells: dict, **metadata) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": list(cells)})


def markdown(source, **extra) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source, **extra}


def code(source: str, *outputs: dict) -> dict:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": source}
    return {**cell, "outputs": list(outputs)}


def display(data: dict) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": data}


def kinds(doc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]


def image_bytes(doc) -> list[bytes]:
    return [open(s.path, "rb").read() for s in doc.segments if isinstance(s, ImageSegment)]


RED, BLUE = picture("red"), picture("blue", "JPEG")


def protocol() -> str:
    return notebook(
        markdown(
            ["# Growing salt crystals\n", "Dissolve the salt in warm water.\n", "![](attachment:beaker.png)"],
            attachments={"beaker.png": {"image/png": b64(RED)}},
        ),
        code(
            "plt.imshow(crystal_photo)",
            {"output_type": "stream", "name": "stdout", "text": ["epoch 1 loss 0.93\n"]},
            display({"text/plain": ["<Figure size 640x480>"], "image/jpeg": b64(BLUE)}),
        ),
        {"cell_type": "raw", "metadata": {}, "source": "raw nbconvert text"},
        markdown("## Results\nThe crystals grew overnight. #chemistry"),
    )


def test_a_notebook_reads_its_cells_and_pictures_in_order(tmp_path):
    folder = tmp_path / "lab"
    write(folder / "salt.ipynb", protocol())
    before = sorted(p.name for p in folder.rglob("*"))

    docs, warned = read_warnings(folder)

    assert warned == []
    (doc,) = docs
    assert doc.title == "Growing salt crystals" and doc.meta["tags"] == ["chemistry"]
    assert kinds(doc) == ["T", "I", "T", "I", "T"]
    assert image_bytes(doc) == [RED, BLUE]  # the pasted attachment, then the plot after its code
    texts = [s.text for s in doc.segments if isinstance(s, TextSegment)]
    assert texts[0] == "# Growing salt crystals\n\nDissolve the salt in warm water."
    assert texts[1] == "plt.imshow(crystal_photo)"
    assert texts[2] == "## Results\n\nThe crystals grew overnight. #chemistry"
    assert "epoch" not in doc.text and "Figure size" not in doc.text and "raw nbconvert" not in doc.text
    # stored in the picture cache, not in the person's folder; named as the person would find them
    pictures = [s for s in doc.segments if isinstance(s, ImageSegment)]
    assert all(os.path.dirname(os.path.dirname(s.path)) == str(pictures_dir()) for s in pictures)
    assert sorted(p.name for p in folder.rglob("*")) == before
    assert [s.display_name for s in pictures] == [
        "salt.ipynb: attachment:beaker.png in cell 1",
        "salt.ipynb: output 2 of cell 2",
    ]


def test_a_picture_in_many_notes_is_stored_once(tmp_path):
    uri = f"data:image/png;base64,{b64(RED)}"
    write(tmp_path / "a.md", f"# A\n\nPasted.\n\n![]({uri})\n")
    write(tmp_path / "b.html", f'<h1>B</h1><p>Saved page.</p><img src="{uri}">')
    write(tmp_path / "c.ipynb", notebook(code("show()", display({"image/png": b64(RED)}))))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    paths = {s.path for d in docs for s in d.segments if isinstance(s, ImageSegment)}
    assert len(docs) == 3 and len(paths) == 1 and open(paths.pop(), "rb").read() == RED


def test_percent_encoded_data_uris_are_read(tmp_path):
    from urllib.parse import quote

    write(tmp_path / "a.md", f"# A\n\n![](data:image/png,{quote(RED)})\n")
    (doc,), warned = read_warnings(tmp_path)
    assert warned == [] and image_bytes(doc) == [RED]


def test_pictures_not_read_are_reported_with_their_reason(tmp_path):
    svg = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    write(
        tmp_path / "lab.ipynb",
        notebook(
            markdown("# Lab\nSee ![](attachment:gone.png)"),
            code("plot()", display({"image/svg+xml": svg, "text/plain": "<Figure>"})),
            code("broken()", display({"image/png": "%%% not base64 %%%"})),
            code("tiny()", display({"image/png": b64(b"\x89PNG\r\n\x1a\n")})),
        ),
    )
    svg_uri, text_uri = "data:image/svg+xml;base64,PHN2Zy8+", "data:text/plain,hello"
    write(tmp_path / "notes.md", f"# Notes\n\n![]({svg_uri}) ![]({text_uri}) words\n")
    write(tmp_path / "broken.ipynb", '{"cells": [')
    write(tmp_path / "list.ipynb", "[1, 2]")

    docs, warned = read_warnings(tmp_path)

    by_file = {(w.file, w.reference, w.reason) for w in warned}
    assert ("lab.ipynb", "attachment:gone.png in cell 1", "missing") in by_file
    assert ("lab.ipynb", "output 1 of cell 2", "unreadable") in by_file  # an SVG that draws nothing
    assert ("lab.ipynb", "output 1 of cell 3", "unreadable") in by_file
    assert ("lab.ipynb", "output 1 of cell 4", "unreadable") in by_file
    assert ("notes.md", "data:image/svg+xml;base64,PHN2Zy8+", "unreadable") in by_file
    assert ("notes.md", "data:text/plain,hello", "unsupported type") in by_file
    messages = [str(w) for w in warned]
    drawn = "lab.ipynb: picture skipped, SVG draws nothing (every pixel transparent): output 1 of cell 2"
    assert drawn in messages
    assert any(m.startswith("broken.ipynb: not a Jupyter notebook (") for m in messages)
    assert "list.ipynb: not a Jupyter notebook (a JSON list, not an object), skipped" in messages
    assert not any(str(pictures_dir()) in m or "/tmp" in m for m in messages)  # no cache or temp paths
    assert sorted(d.id for d in docs) == ["lab.ipynb", "notes.md"]  # their words are still read
    assert all(kinds(d) == ["T"] for d in docs)


def test_a_format_3_notebook_is_read(tmp_path):
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "heading", "level": 2, "metadata": {}, "source": "Titration"},
                    {"cell_type": "markdown", "metadata": {}, "source": ["Add acid ", "slowly."]},
                    {
                        "cell_type": "code",
                        "language": "python",
                        "input": "plot(ph)",
                        "metadata": {},
                        "outputs": [{"output_type": "display_data", "metadata": {}, "png": b64(RED)}],
                    },
                ]
            }
        ],
    }
    write(tmp_path / "old.ipynb", json.dumps(old))
    (doc,), warned = read_warnings(tmp_path)
    assert warned == [] and doc.title == "Titration"
    assert kinds(doc) == ["T", "I"] and image_bytes(doc) == [RED]
    assert doc.segments[0].text == "## Titration\n\nAdd acid slowly.\n\nplot(ph)"


def test_a_notebook_without_headings_is_titled_by_its_metadata_else_its_name(tmp_path):
    write(tmp_path / "a.ipynb", notebook(code("x = 1"), title="pH calibration"))
    write(tmp_path / "b.ipynb", notebook(markdown("no heading here")))
    docs, _ = read_warnings(tmp_path)
    assert [d.title for d in docs] == ["pH calibration", "b"]


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def stored_pictures(uri) -> list[str]:
    return sorted(p.name for p in (uri / "pictures").glob("??/*"))


def test_an_index_keeps_its_notes_pictures_and_only_those_still_shown(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "lab", tmp_path / "index"
    write(folder / "salt.ipynb", protocol())
    write(folder / "plain.md", "# Plain\n\nNo pictures.\n")
    settle(folder)
    user_cache = sorted(pictures_dir().rglob("*")) if pictures_dir().is_dir() else []
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)

    (doc,) = [d for d in Index.open(uri).documents() if d.id == "lab/salt.ipynb"]
    shown = [s.path for s in doc.segments if isinstance(s, ImageSegment)]
    assert all(path.startswith(str(uri / "pictures") + os.sep) for path in shown)
    assert stored_pictures(uri) == sorted(os.path.basename(p) for p in shown)
    assert (sorted(pictures_dir().rglob("*")) if pictures_dir().is_dir() else []) == user_cache

    # a re-run plot: the new picture is stored, the one no row shows any more is removed
    write(folder / "salt.ipynb", protocol().replace(b64(BLUE), b64(picture("green", "JPEG"))))
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    (doc,) = [d for d in Index.open(uri).documents() if d.id == "lab/salt.ipynb"]
    assert image_bytes(doc)[0] == RED and image_bytes(doc)[1] != BLUE
    assert len(stored_pictures(uri)) == 2 and os.path.basename(shown[1]) not in stored_pictures(uri)

    # a cleared pictures folder: the note is read again (same content, nothing re-embedded)
    for path in (uri / "pictures").glob("??/*"):
        path.unlink()
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (report.unchanged, report.embedded) == (2, 0) and len(stored_pictures(uri)) == 2

    Index.open(uri).remove("lab/salt.ipynb")
    assert stored_pictures(uri) == []
