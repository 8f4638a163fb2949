"""SVG diagrams in notes: read wherever a note shows one (Markdown, wiki embeds, HTML, data: URIs,
notebooks, OpenDocument frames), encoded as a picture, found by their labels, and every SVG not
read, or read without what it links to, said by the name the person wrote."""

from __future__ import annotations

import base64
import gzip
import json

from source_helpers import png, read_warnings, shape, write
from test_sources_docx import NS as WORD_NS
from test_sources_docx import RED, docx
from test_sources_joplin import item
from test_sources_odt import odt, picture

from indexer import Searcher, build_index
from mme_core import EncodeStats
from mme_core import svg as svg_module
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

XMLNS = 'xmlns="http://www.w3.org/2000/svg"'
SVG_BLIP = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
WIRING = (
    f'<svg {XMLNS} width="300" height="120"><title>Pump wiring</title>'
    '<rect x="10" y="10" width="120" height="60" fill="none" stroke="black"/>'
    '<text x="20" y="45">Solenoid valve K7</text></svg>'
)


def test_an_svg_is_read_wherever_a_note_shows_it(tmp_path):
    write(tmp_path / "img/wiring.svg", WIRING)
    write(tmp_path / "flow.svg", WIRING.replace("K7", "K8"))
    uri = "data:image/svg+xml;base64," + base64.b64encode(WIRING.replace("K7", "K9").encode()).decode()
    write(
        tmp_path / "pump.md",
        f"# Pump\n\nWire it: ![wiring](img/wiring.svg)\n\nThen ![[flow.svg]] ![]({uri})\n",
    )
    write(tmp_path / "page.html", "<html><body><p>Valve</p><img src='img/wiring.svg'></body></html>")

    docs, warned = read_warnings(tmp_path)

    by_id = {doc.id: doc for doc in docs}
    pictures = [image.path for image in by_id["pump.md"].images]
    assert pictures[:2] == [str((tmp_path / name).resolve()) for name in ("img/wiring.svg", "flow.svg")]
    assert len(pictures) == 3 and pictures[2].endswith(".svg")  # the data: URI's, stored as a picture
    assert [s for s in shape(by_id["page.html"], tmp_path) if s.startswith("I:")] == ["I:img/wiring.svg"]
    assert warned == []


def test_a_notebook_plot_saved_as_svg_is_read_and_a_png_copy_preferred(tmp_path):
    outputs = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": WIRING.splitlines(True)}},
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/svg+xml": WIRING, "image/png": base64.b64encode(picture("red")).decode()},
        },
    ]
    cell = {"cell_type": "code", "metadata": {}, "source": "plot()", "outputs": outputs, "execution_count": 1}
    write(
        tmp_path / "lab.ipynb",
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}),
    )

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    assert [suffix(image.path) for image in docs[0].images] == [
        ".svg",
        ".png",
    ]  # the SVG-only plot drawn; the plot with both read from its PNG


def suffix(path: str) -> str:
    return path[path.rfind(".") :]


def test_an_opendocument_frame_keeps_the_png_writer_stores_after_its_svg(tmp_path):
    body = (
        '<text:p><draw:frame><draw:image xlink:href="Pictures/d.svg"/>'
        '<draw:image xlink:href="Pictures/d.png"/></draw:frame></text:p>'
        '<text:p><draw:frame><draw:image xlink:href="Pictures/only.svg"/></draw:frame></text:p>'
    )
    pictures = {"d.svg": WIRING.encode(), "d.png": picture("red"), "only.svg": WIRING.encode()}
    write(tmp_path / "manual.odt", odt(f"<text:p>Valve</text:p>{body}", pictures))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    assert [suffix(image.path) for image in docs[0].images] == [".png", ".svg"]


def test_an_svg_linking_files_is_drawn_and_its_links_said(tmp_path):
    png(tmp_path / "secret.png")
    linked = WIRING.replace("</svg>", '<image href="../secret.png" width="9" height="9"/></svg>')
    write(tmp_path / "notes/linked.svg", linked)
    write(tmp_path / "notes/n.md", "# N\n\n![](linked.svg)\n")

    docs, warned = read_warnings(tmp_path / "notes")

    assert len(docs[0].images) == 1
    assert [(w.file, w.reference, w.reason) for w in warned] == [("n.md", "linked.svg", "picture links")]
    assert str(warned[0]) == "n.md: SVG drawn without the files it links to (not read): ../secret.png"


def test_bad_svgs_are_said_by_the_name_the_note_gives_them(tmp_path, monkeypatch):
    monkeypatch.setattr(svg_module, "MAX_SVG_BYTES", 5000)
    write(tmp_path / "torn.svg", WIRING[:120])
    write(tmp_path / "empty.svg", b"")
    write(tmp_path / "huge.svg", WIRING.replace("</svg>", " " * 6000 + "</svg>"))
    write(tmp_path / "blank.svgz", gzip.compress(f"<svg {XMLNS}/>".encode()))
    torn = "data:image/svg+xml;base64," + base64.b64encode(WIRING[:120].encode()).decode()
    write(
        tmp_path / "n.md", f"![](torn.svg) ![](empty.svg) ![](huge.svg) ![](blank.svgz) ![]({torn}) words\n"
    )

    docs, warned = read_warnings(tmp_path)

    assert list(docs[0].images) == []
    said = [(w.reference[:30], w.reason, str(w)) for w in warned]
    assert [s[:2] for s in said] == [
        ("torn.svg", "unreadable"),
        ("empty.svg", "unreadable"),
        ("huge.svg", "too large"),
        ("blank.svgz", "unreadable"),
        (torn[:30], "unreadable"),
    ]
    assert said[0][2].startswith("n.md: image skipped, damaged SVG (unclosed token: line 1, column ")
    assert said[0][2].endswith("): torn.svg")
    assert said[1][2] == "n.md: image skipped, file is empty (0 bytes): empty.svg"
    assert said[2][2] == "n.md: image skipped, SVG too large (over 5,000 bytes of drawing): huge.svg"
    assert said[3][2] == "n.md: image skipped, SVG draws nothing (every pixel transparent): blank.svgz"
    assert said[4][2].startswith("n.md: picture skipped, damaged SVG (") and torn[:40] in said[4][2]
    assert not any(str(tmp_path) in s[2] or "pictures/" in s[2] for s in said)


def text_query(text: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),))


def test_an_svg_note_is_encoded_once_and_found_by_its_diagram_labels(tiny_dsvl, tmp_path):
    notes = tmp_path / "notes"
    write(notes / "img/wiring.svg", WIRING)
    write(notes / "pump.md", "# Garden pump\n\nHow it is wired:\n\n![](img/wiring.svg)\n")
    write(notes / "other.md", "# Garden hose\n\nA valve on the hose.\n")
    tiny_dsvl.stats = EncodeStats()

    report = build_index(notes, tmp_path / "idx", tiny_dsvl, ns=(1,), progress=False)

    assert report.added == 2 and tiny_dsvl.stats.vision_images == 1  # the diagram went through vision
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    hits = searcher.search(text_query("solenoid K7"), n=1, k=2, mode="keyword", titles_first=False)
    assert hits[0].id == "notes/pump.md" and hits[0].score > 0  # "solenoid" is only in the drawing
    assert all(hit.score < hits[0].score for hit in hits[1:])
    tiny_dsvl.stats = EncodeStats()
    again = build_index(notes, tmp_path / "idx", tiny_dsvl, progress=False)
    assert (again.added, again.updated, tiny_dsvl.stats.vision_calls) == (0, 0, 0)
    assert ImageSegment(str(notes / "img/wiring.svg")).content_hash()  # the picture is hashed as files are


def test_a_joplin_svg_resource_is_a_picture_of_its_note(tmp_path):
    note, drawing = "a1" + "0" * 30, "b9" + "0" * 30
    write(tmp_path / f"{note}.md", item(1, note, "Pump", f"Wiring:\n\n![wiring.svg](:/{drawing})"))
    resource = item(4, drawing, "wiring.svg", mime="image/svg+xml", file_extension="svg")
    write(tmp_path / f"{drawing}.md", resource)
    write(tmp_path / "resources" / f"{drawing}.svg", WIRING)

    docs, warned = read_warnings(tmp_path)

    assert warned == [] and [s for s in shape(docs[0], tmp_path) if s.startswith("I:")] == [
        f"I:resources/{drawing}.svg"
    ]


def test_a_word_svg_picture_is_read_from_the_png_word_keeps_beside_it(tmp_path):
    """Word stores an inserted SVG as a PNG blip with the SVG in an extension (`asvg:svgBlip`): the
    PNG, drawn by Word with its fonts, is the picture."""
    svg_blip = (
        '<a:extLst><a:ext uri="{96DAC541-7B7A-43D3-8B79-37D633B846F1}">'
        f'<asvg:svgBlip xmlns:asvg="{SVG_BLIP}" r:embed="vector"/>'
        "</a:ext></a:extLst>"
    )
    body = (
        '<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr=""/><a:graphic>'
        f'<a:graphicData uri="{WORD_NS["pic"]}"><pic:pic><pic:blipFill><a:blip r:embed="fallback">{svg_blip}'
        "</a:blip></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )
    write(tmp_path / "wiring.docx", docx(body, media={"fallback.png": RED, "vector.svg": WIRING.encode()}))

    docs, warned = read_warnings(tmp_path)

    assert warned == [] and [suffix(image.path) for image in docs[0].images] == [".png"]
