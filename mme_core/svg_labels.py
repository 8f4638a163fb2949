"""Labels an SVG writes in HTML (`<foreignObject>`), drawn as SVG text so the model sees them.

Mermaid, the chart tool behind most diagrams in Markdown notes, writes every node's and edge's label
as an HTML `<div>` inside a `<foreignObject>` box; resvg draws no HTML, so an exported flow chart
would reach the model as empty boxes and arrows. Each such box becomes a `<text>` centred in it, a
line per `<br>` or block, at a size that fits its height. A `<foreignObject>` inside a `<switch>` is
left alone: draw.io puts its own `<text>` copy beside it there, and resvg draws that one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

RECIPE = "labels-v1"  # part of svg.renderer_id: bump when the drawn labels change
SVG = "{http://www.w3.org/2000/svg}"
_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_LINE_HEIGHT = 1.2  # em


def labels_as_text(root: ET.Element) -> int:
    """Replace, in place, every `<foreignObject>` outside a `<switch>` by SVG text of its words;
    how many were replaced."""
    in_switch = {id(child) for switch in root.iter() if _local(switch) == "switch" for child in switch}
    replaced = 0
    for element in list(root.iter()):
        if _local(element) != "foreignObject" or id(element) in in_switch:
            continue
        lines = [line for line in _lines(element) if line]
        box = [_number(element.get(key)) for key in ("x", "y", "width", "height")]
        x, y, width, height = box
        for key in list(element.attrib):
            if key not in ("transform", "class", "style"):
                del element.attrib[key]
        for child in list(element):
            element.remove(child)
        element.tag, element.text = f"{SVG}text", None
        if not lines or not height:
            continue
        size = min(16.0, height / (len(lines) * _LINE_HEIGHT))
        centre = x + width / 2
        first = y + height / 2 - (len(lines) - 1) * size * _LINE_HEIGHT / 2 + size * 0.35
        element.attrib.update(
            {"font-size": f"{size:g}", "text-anchor": "middle", "font-family": "sans-serif"}
        )
        for number, line in enumerate(lines):
            span = ET.SubElement(element, f"{SVG}tspan", {"x": f"{centre:g}"})
            span.set("y", f"{first + number * size * _LINE_HEIGHT:g}")
            span.text = line
        replaced += 1
    return replaced


def _lines(element: ET.Element) -> list[str]:
    """The words of an HTML subtree, a line per `<br>` and per block element."""
    lines, current = [], []

    def walk(node: ET.Element) -> None:
        local = _local(node)
        if local == "br" or local in _BLOCKS:
            _end()
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if local in _BLOCKS:
            _end()

    def _end() -> None:
        if words := " ".join("".join(current).split()):
            lines.append(words)
        current.clear()

    walk(element)
    _end()
    return lines


def _local(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def _number(text: str | None) -> float:
    try:
        return float((text or "0").strip().removesuffix("px"))
    except ValueError:
        return 0.0
