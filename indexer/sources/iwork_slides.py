"""A Keynote deck's slides as page items, as `powerpoint_slides.py` reads a PowerPoint deck's: each
slide a section headed by its title (`## Slide 3` when it has none), then its text boxes and pictures
in reading order (top to bottom, then left to right), then its presenter notes (`Notes: ...`).

The slides' order is the show's slide tree (`KN.ShowArchive` 2, its `slideTree` 3: a list of slide
nodes since Keynote 6.5, a root node with children before); a node (`KN.SlideNodeArchive` 4) names
its slide (`KN.SlideArchive` 5), which names its title and body placeholders (5, 6), its drawables
(7, and 42 for their z order) and its note (27, a `KN.NoteArchive` holding a storage). What the
master slide shows on every slide (its pictures, the slide number) is not read.
"""

from __future__ import annotations

from indexer.sources.base import add_text, end_lines
from indexer.sources.iwork_archive import Package, fields, first, reference, references
from indexer.sources.iwork_text import STORAGE_TYPES, Reader, in_reading_order, shape_storage

SHOW, SLIDE_NODE, SLIDES, NOTE = 2, 4, (5, 6), 15


def slide_order(package: Package) -> list[int]:
    """The deck's slides, in the show's order; every slide object when no show says it."""
    show = next((m for kind, m in package.objects.values() if kind == SHOW), None)
    tree = first(fields(show), 3) if show is not None else None
    nodes = references(tree, 2) if isinstance(tree, bytes) else []
    if not nodes and isinstance(tree, bytes) and (root := reference(tree, 1)) is not None:
        nodes = _descendants(package, root)
    slides = []
    for node in nodes:
        found = package.objects.get(node)
        if found is not None and found[0] == SLIDE_NODE and (slide := reference(found[1], 2)) is not None:
            slides.append(slide)
    if not slides:  # no show read: the slides as stored (a damaged or unusual deck)
        slides = sorted(i for i, (kind, _) in package.objects.items() if kind == SLIDES[0])
    return [s for s in slides if package.objects.get(s, (0,))[0] in SLIDES]


def _descendants(package: Package, node: int, depth: int = 0) -> list[int]:
    found = package.objects.get(node)
    if found is None or depth > 50:
        return []
    out = [node] if reference(found[1], 2) is not None else []
    for child in references(found[1], 1):
        out += _descendants(package, child, depth + 1)
    return out


def read_slides(package: Package) -> tuple[Reader, str]:
    """(the reader holding the deck's items, the first slide's title)."""
    reader = Reader(package)
    first_title = ""
    for number, slide in enumerate(slide_order(package), 1):
        message = package.objects[slide][1]
        title_shape = reference(message, 5)
        title = _text_of(package, title_shape)
        first_title = first_title or title
        end_lines(reader.items, 2)
        add_text(reader.items, f"## {title or f'Slide {number}'}\n\n")
        if title_shape is not None:
            reader.placed.add(title_shape)
        drawables = [reference(message, 6), *references(message, 7), *references(message, 42)]
        seen: set[int] = set()
        ordered = [d for d in drawables if d is not None and not (d in seen or seen.add(d))]
        for drawable in in_reading_order(package, ordered):
            reader.drawable(drawable)
        note = package.objects.get(reference(message, 27) or 0)
        if note is not None and note[0] == NOTE:
            notes = _storage_text(package, reference(note[1], 1))
            if notes:
                end_lines(reader.items, 2)
                add_text(reader.items, "Notes: " + notes + "\n\n")
    return reader, first_title


def _text_of(package: Package, shape: int | None) -> str:
    found = package.objects.get(shape) if shape is not None else None
    if found is None:
        return ""
    return " ".join(_storage_text(package, shape_storage(package, found[0], found[1])).split())


def _storage_text(package: Package, storage: int | None) -> str:
    found = package.objects.get(storage) if storage is not None else None
    if found is None or found[0] not in STORAGE_TYPES:
        return ""
    reader = Reader(package, headings=False)
    reader.storage(storage)
    return "".join(i for i in reader.items if isinstance(i, str)).strip()
