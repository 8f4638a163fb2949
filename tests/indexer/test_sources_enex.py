"""Evernote exports: one file, many notes, each its own document with its photos in place; whatever
is not read (attachments, encrypted text, a cut export) said by the file and the note."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time

from PIL import Image
from source_helpers import read_warnings, write
from test_sources_pdf import Pdf, jpeg

from indexer.build import build_index
from indexer.sources import read_source
from indexer.store import Index
from mme_core.documents import ImageSegment


def picture(color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format=fmt)
    return out.getvalue()


RED, BLUE, GREEN = picture("red"), picture("blue", "JPEG"), picture("green")


def resource(data: bytes, mime: str, file_name: str = "") -> str:
    names = (
        f"<resource-attributes><file-name>{file_name}</file-name></resource-attributes>" if file_name else ""
    )
    payload = base64.encodebytes(data).decode("ascii")  # Evernote breaks its base64 into lines
    return f'<resource><data encoding="base64">{payload}</data><mime>{mime}</mime>{names}</resource>'


def media(data: bytes, mime: str = "image/png") -> str:
    return f'<en-media hash="{hashlib.md5(data).hexdigest()}" type="{mime}"/>'


def note(title: str, enml: str, *resources: str, created="20240102T030405Z", tags=(), url="") -> str:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE en-note SYSTEM "http://xml.evernote.com/pub/enml2.dtd">'
        f"<en-note>{enml}</en-note>"
    )
    attributes = f"<note-attributes><source-url>{url}</source-url></note-attributes>" if url else ""
    tag_xml = "".join(f"<tag>{t}</tag>" for t in tags)
    return (
        f"<note><title>{title}</title><content><![CDATA[{content}]]></content><created>{created}</created>"
        f"{tag_xml}{attributes}{''.join(resources)}</note>"
    )


def export(*notes: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE en-export SYSTEM "http://xml.evernote.com/pub/evernote-export4.dtd">\n'
        f'<en-export export-date="20240101T000000Z" application="Evernote" version="10.0">{"".join(notes)}'
        "</en-export>\n"
    )


def kinds(doc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]


def image_bytes(doc) -> list[bytes]:
    return [open(s.path, "rb").read() for s in doc.segments if isinstance(s, ImageSegment)]


def recipes() -> str:
    pancakes = note(
        "Pancakes",
        f"<div>Whisk the eggs.</div><div>{media(RED)}</div>"
        f"<h2>Cook</h2><div>Flip once.{media(BLUE, 'image/jpeg')}</div>"
        '<div><en-todo checked="true"/>bought flour</div><div><en-todo/>bought milk</div>',
        resource(BLUE, "image/jpeg", "pan.jpg"),
        resource(RED, "image/png", "bowl.png"),
        tags=("breakfast", "sweet"),
        url="https://example.org/pancakes",
    )
    soup = note(
        "番茄蛋汤",
        '<ul style="--en-todo:true;"><li style="--en-checked:true;"><div>切番茄</div></li>'
        '<li style="--en-checked:false;"><div>打蛋</div></li></ul>',
        created="20240203T000000Z",
    )
    return export(pancakes, soup)


def test_each_note_of_an_export_is_a_document_with_its_pictures_in_place(tmp_path):
    write(tmp_path / "Recipes.enex", recipes())
    write(tmp_path / "plain.md", "# Plain\n\nA note beside the export.\n")
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    assert [d.id for d in docs] == ["Recipes.enex/Pancakes", "Recipes.enex/番茄蛋汤", "plain.md"]
    pancakes, soup, _ = docs
    assert pancakes.source == soup.source == "Recipes.enex"
    assert pancakes.title == "Pancakes" and kinds(pancakes) == ["T", "I", "T", "I", "T"]
    assert image_bytes(pancakes) == [RED, BLUE]  # by the hash the content names, not resource order
    assert pancakes.segments[0].text == "Whisk the eggs."
    assert pancakes.segments[2].text == "## Cook\n\nFlip once."
    assert pancakes.segments[4].text == "[x] bought flour\n\n[ ] bought milk"
    assert pancakes.meta["tags"] == ["breakfast", "sweet"]
    assert pancakes.meta["properties"] == {
        "created": "20240102T030405Z",
        "source-url": "https://example.org/pancakes",
    }
    assert soup.text == "- [x] 切番茄\n\n- [ ] 打蛋"


def test_notes_sharing_a_title_get_ids_by_their_creation_time_and_stay_unique(tmp_path):
    one = note("Untitled", "<div>first</div>", created="20200101T000000Z")
    two = note("Untitled", "<div>second</div>", created="20210101T000000Z")
    three = note("Untitled", "<div>third, same second</div>", created="20210101T000000Z")
    write(tmp_path / "inbox.enex", export(one, two, three, note("a/b#c", "<div>slash</div>")))
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    assert [d.id for d in docs] == [
        "inbox.enex/Untitled 20200101T000000Z",
        "inbox.enex/Untitled 20210101T000000Z",
        "inbox.enex/Untitled 20210101T000000Z-2",
        "inbox.enex/a-b-c",
    ]
    assert docs[3].title == "a/b#c"


def test_what_a_note_holds_but_is_not_read_is_reported_by_file_and_note(tmp_path):
    memo = b"ID3 a voice memo"
    body = (
        f"<div>Manual below.</div>{media(memo, 'audio/mpeg')}"
        f"<div>{media(b'no such picture')}</div>"
        '<div>PIN: <en-crypt cipher="AES" length="128">c2VjcmV0</en-crypt> end</div>'
    )
    damaged = '<resource><data encoding="base64">@@not base64@@</data><mime>image/png</mime></resource>'
    attached = resource(GREEN, "image/png", "receipt.png")  # attached, not placed in the text
    write(
        tmp_path / "repairs.enex",
        export(note("Boiler", body, resource(memo, "audio/mpeg", "memo.mp3"), damaged, attached)),
    )
    docs, warned = read_warnings(tmp_path)
    (doc,) = docs
    assert "c2VjcmV0" not in doc.text and doc.text.startswith("Manual below.") and "PIN: end" in doc.text
    assert image_bytes(doc) == [GREEN] and kinds(doc) == ["T", "I"]
    said = {(w.reason, str(w)) for w in warned}
    assert said == {
        (
            "unsupported type",
            "repairs.enex: attachment memo.mp3 in note 'Boiler' (audio/mpeg) is not read",
        ),
        ("missing", "repairs.enex: note 'Boiler' shows a picture the export does not hold, skipped"),
        ("unreadable", "repairs.enex: note 'Boiler' holds text encrypted in Evernote; that text is not read"),
        ("unreadable", "repairs.enex: image/png in note 'Boiler': its base64 data is damaged, skipped"),
    }
    assert all(w.file == "repairs.enex" for w in warned)


def test_bad_exports_are_named_and_nothing_else_is_lost(tmp_path):
    cut = recipes()[: recipes().index("<note><title>番茄蛋汤")] + "<note><title>Half a no"
    write(tmp_path / "cut.enex", cut)
    write(tmp_path / "notes.enex", "# Just Markdown\n\nRenamed by mistake.\n")
    write(tmp_path / "other.enex", '<?xml version="1.0"?><opml version="2.0"><body/></opml>')
    write(tmp_path / "empty.enex", "")
    write(tmp_path / "none.enex", export())
    write(tmp_path / "untitled.enex", export(note("Blank", "<div> </div>")))
    write(tmp_path / "keep.md", "# Keep\n\nStill here.\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["cut.enex/Pancakes", "keep.md"]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            "cut.enex",
            "unreadable",
            "cut.enex: the export is cut or damaged at line 17; the 1 notes before it are read",
        ),
        ("empty.enex", "empty", "empty.enex: an empty file, skipped"),
        ("none.enex", "empty", "none.enex: holds no notes, file skipped"),
        ("notes.enex", "unreadable", "notes.enex: not an Evernote export (XML error at line 1), skipped"),
        ("other.enex", "unreadable", "other.enex: not an Evernote export (its XML is <opml>), skipped"),
        ("untitled.enex", "empty", "untitled.enex (Blank): no text and no readable image, document skipped"),
    ]


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def test_an_export_is_indexed_once_and_followed_note_by_note(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "evernote", tmp_path / "index"
    write(folder / "Recipes.enex", recipes())
    settle(folder)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (first.added, first.notes_read) == (2, 1)

    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded, again.removed) == (0, 2, 0, 0)
    assert sorted(d.id for d in Index.open(uri).documents()) == [
        "evernote/Recipes.enex/Pancakes",
        "evernote/Recipes.enex/番茄蛋汤",
    ]

    # the person exports again with one note gone and one changed: only those rows change
    write(folder / "Recipes.enex", export(note("Pancakes", "<div>Whisk the eggs well.</div>")))
    settle(folder)
    third = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (third.notes_read, third.updated, third.removed) == (1, 1, 1)

    # a search hit re-read from its file (the full-token stage) finds its own note of the export
    write(folder / "Recipes.enex", recipes())
    doc = read_source(folder, "Recipes.enex", "Recipes.enex/番茄蛋汤")
    assert doc is not None and doc.title == "番茄蛋汤"
    assert read_source(folder, "Recipes.enex", "Recipes.enex/Waffles") is None


def test_a_pdf_attached_to_a_note_is_read_where_the_note_shows_it(tmp_path):
    manual = Pdf(title="Boiler manual")
    page = manual.page()
    manual.text(page, 72, 80, "Bleed valve: turn a quarter.")
    manual.picture(page, 72, 120, 200, 150, Pdf.jpeg_image(jpeg("red")))
    manual = manual.bytes()
    broken = b"%PDF-1.4\n1 0 obj cut short"
    body = f"<div>See the manual:</div>{media(manual, 'application/pdf')}<div>Then refill.</div>"
    boiler_note = note("Boiler", body, resource(manual, "application/pdf", "manual.pdf"))
    oven_body = f"<div>Oven notes.</div>{media(broken, 'application/pdf')}"
    oven_note = note("Oven", oven_body, resource(broken, "application/pdf", "oven.pdf"))
    write(tmp_path / "house.enex", export(boiler_note, oven_note))
    docs, warned = read_warnings(tmp_path)
    boiler, oven = docs
    assert kinds(boiler) == ["T", "I", "T"]
    assert boiler.segments[0].text == "See the manual:\n\nBleed valve: turn a quarter."
    assert boiler.segments[2].text == "Then refill."
    assert boiler.segments[1].name == "house.enex: picture 1 on page 1 of manual.pdf in note 'Boiler'"
    assert oven.text == "Oven notes."
    [(file, reason, message)] = [(w.file, w.reason, str(w)) for w in warned]
    assert (file, reason) == ("house.enex", "unreadable")
    assert message.startswith("house.enex: oven.pdf in note 'Oven': PDF cannot be opened")
