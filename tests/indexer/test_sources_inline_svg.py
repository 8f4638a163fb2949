"""SVG drawn inside a page or a note (`<svg>` in HTML, a Mermaid chart pasted into Markdown): kept as a
picture in its place, its HTML labels drawn and searched, icons said, and no CSS or label text
spilled into the note's words."""

from __future__ import annotations

from source_helpers import read_warnings, write
from test_sources_svg import text_query

from indexer import Searcher, build_index
from mme_core.svg import render_svg
from mme_core.svg_labels import labels_as_text

MERMAID_PAGE = """<html><head><title>Pump notes</title></head><body><h1>Pump</h1><p>Before the chart.</p>
<svg viewBox="0 0 400 200" width=100% style="max-width: 400px" role=img aria-roledescription=flowchart>
<title>wiring chart</title>
<defs><linearGradient id=g><stop offset=0 stop-color=navy /></linearGradient></defs>
<rect x=10 y=10 width=380 height=180 fill="url(#g)"/><text x=20 y=40>Relay K4 &amp; fuse</text>
<g><p>not svg, closed by the svg's end</svg>
<p>After it, an icon <svg width="16" height="16" viewBox="0 0 16 16"><path d="M0 0h16v16z"/></svg>
and a formula
<svg width="6.2ex" height="2.3ex" viewBox="0 -750 2740 1000"><path d="M1 1h9"/></svg>.</p>
<svg/></body></html>"""


def test_an_inline_svg_chart_of_a_page_is_a_picture_in_its_place_and_icons_are_said(tmp_path):
    """HTML writes SVG without a namespace, with unquoted values, in names html.parser lowers
    (viewBox, linearGradient): the drawing is written back as a standalone SVG and drawn."""
    write(tmp_path / "pump.html", MERMAID_PAGE)

    docs, warned = read_warnings(tmp_path)

    (doc,) = docs
    kinds = [type(s).__name__ for s in doc.segments]
    assert kinds == ["TextSegment", "ImageSegment", "TextSegment"]  # the chart between its paragraphs
    assert doc.title == "Pump notes"  # the chart's <title> is not the page's
    drawing = open(doc.images[0].path, "rb").read()
    assert b'viewBox="0 0 400 200"' in drawing and b"<linearGradient" in drawing
    assert b"</linearGradient>" in drawing
    assert b"Relay K4 &amp; fuse" in drawing and "Relay" not in doc.segments[0].text + doc.segments[2].text
    assert render_svg(drawing, (200, 100)).getpixel((100, 50)) == (0, 0, 128)  # the gradient drawn: navy
    assert doc.images[0].display_name == "pump.html: inline SVG drawing 1"
    assert [(str(w), w.reason) for w in warned] == [
        (
            "pump.html: 3 small or empty inline SVG drawing(s) (icons, formulas under 64 px) "
            "not read as pictures",
            "excluded",
        )
    ]


def test_an_inline_svg_chart_is_found_by_its_labels(tiny_dsvl, tmp_path):
    notes = tmp_path / "notes"
    write(notes / "pump.html", MERMAID_PAGE)
    write(notes / "hose.md", "# Garden hose\n\nA valve on the hose and a fuse.\n")

    build_index(notes, tmp_path / "idx", tiny_dsvl, ns=(1,), progress=False)

    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    hits = searcher.search(text_query("relay K4"), n=1, k=2, mode="keyword", titles_first=False)
    assert hits[0].id == "notes/pump.html" and hits[0].score > 0  # "relay" is only in the drawing


# What Mermaid writes (trimmed): a <style>, boxes, and every label as HTML in a <foreignObject>.
MERMAID = (
    '<svg id="m" width="100%" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 120" '
    'aria-roledescription="flowchart-v2"><style>#m{font-size:16px;fill:#333;} #m .node rect{fill:#ECECFF;}'
    '</style><g class="nodes"><g class="node" transform="translate(100, 60)">'
    '<rect x="-80" y="-40" width="160" height="80" fill="#ECECFF" stroke="#9370DB"/>'
    '<g class="label" transform="translate(-70, -30)"><foreignObject width="140" height="60">'
    '<div xmlns="http://www.w3.org/1999/xhtml"><span class="nodeLabel">'
    "<p>Descale kettle<br />with citric acid</p>"
    "</span></div></foreignObject></g></g>"
    '<g class="edgeLabel" transform="translate(300, 60)"><foreignObject width="80" height="24">'
    '<div xmlns="http://www.w3.org/1999/xhtml"><span><p>then rinse</p></span></div>'
    "</foreignObject></g></g></svg>"
)


def test_a_mermaid_chart_pasted_into_a_markdown_paragraph_is_a_picture_not_css_and_glued_labels(tmp_path):
    """markdown-it cuts a one-line <svg> into a token per tag: read as such, its CSS and labels
    became the note's words ("#m{font-size:16px...}Descale kettlewith citric acid")."""
    write(tmp_path / "kettle.md", f"# Kettle\n\nSteps:\n\n{MERMAID}\n\nDone.\n")

    docs, warned = read_warnings(tmp_path)

    (doc,) = docs
    text = " ".join(s.text for s in doc.segments if hasattr(s, "text"))
    assert "font-size" not in text and "Descale" not in text and "rinse" not in text
    assert [type(s).__name__ for s in doc.segments] == ["TextSegment", "ImageSegment", "TextSegment"]
    drawing = open(doc.images[0].path, "rb").read()
    assert b"Descale kettle" in drawing and warned == []


def test_html_labels_are_drawn_as_text_and_a_switch_keeps_its_own_copy():
    import xml.etree.ElementTree as ET

    root = ET.fromstring(MERMAID)
    assert labels_as_text(root) == 2
    spans = [span.text for span in root.iter("{http://www.w3.org/2000/svg}tspan")]
    assert spans == ["Descale kettle", "with citric acid", "then rinse"]  # a line per <br>
    plain = render_svg(
        MERMAID.replace("<foreignObject", "<g").replace("</foreignObject>", "</g>").encode(), (600, 120)
    )
    drawn = render_svg(MERMAID.encode(), (600, 120))
    label = (40, 35, 160, 85)  # the node's label area, inside its box
    ink = lambda image: sum(1 for p in image.crop(label).get_flattened_data() if sum(p) < 300)  # noqa: E731
    assert ink(plain) == 0 < ink(drawn)  # the label is drawn only now

    drawio = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80"><switch>'
        '<foreignObject width="200" height="80"><div xmlns="http://www.w3.org/1999/xhtml">Pump</div></foreignObject>'
        '<text x="10" y="40">Pump</text></switch></svg>'
    )
    root = ET.fromstring(drawio)
    assert labels_as_text(root) == 0  # draw.io's own <text> is drawn by resvg's <switch>


def test_a_drawing_using_xlink_and_an_editors_attributes_is_still_a_well_formed_svg(tmp_path):
    """Inkscape's `inkscape:label` has no namespace in an HTML page, and `<use xlink:href>` relies on
    the page's: the file written binds xlink and leaves the unbound attributes out."""
    write(
        tmp_path / "p.html",
        '<html><body><svg viewBox="0 0 200 100" inkscape:version="1.3"><defs>'
        '<rect id="r" width="200" height="100" fill="teal"/></defs><use xlink:href="#r" inkscape:label="x"/>'
        "</svg></body></html>",
    )
    (doc,) = read_warnings(tmp_path)[0]
    drawing = open(doc.images[0].path, "rb").read()
    assert b"inkscape" not in drawing
    assert render_svg(drawing, (100, 50)).getpixel((50, 25)) == (0, 128, 128)  # the <use> drawn: teal
