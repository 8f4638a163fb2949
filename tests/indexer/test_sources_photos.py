"""Pictures no note shows are documents of their own (their folder and file name as words), not passed
over; icons are reported; a website's theme pictures stay out; a note that starts showing a picture
takes it over."""

from __future__ import annotations

import os
import time

from source_helpers import png, read_warnings, write

from indexer.build import build_index
from indexer.sources import read_source
from indexer.store import Index
from mme_core.documents import ImageSegment, TextSegment


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def test_a_picture_no_note_shows_is_a_document_of_its_own(tmp_path):
    png(tmp_path / "bathroom_sink" / "hinge-broken.png", "gray", (96, 80))
    png(tmp_path / "bathroom_sink" / "before.png", "white", (96, 80))
    write(tmp_path / "bathroom_sink" / "fix.md", "# Fix the sink\n\n![](before.png)\n\nTighten the nut.\n")
    png(tmp_path / "icons" / "bullet.png", "black", (16, 16))
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["bathroom_sink/fix.md", "bathroom_sink/hinge-broken.png"]
    photo = docs[1]
    assert photo.title == "hinge-broken.png" and photo.source == "bathroom_sink/hinge-broken.png"
    assert (
        isinstance(photo.segments[0], TextSegment)
        and photo.segments[0].text == "bathroom sink / hinge broken"
    )
    assert isinstance(photo.segments[1], ImageSegment)
    assert photo.segments[1].path == str((tmp_path / "bathroom_sink" / "hinge-broken.png").resolve())
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "icons/bullet.png",
            "excluded",
            "icons/bullet.png: a picture no note shows, too small to be searched alone (16x16); not indexed",
        )
    ]


def test_a_folder_of_photos_alone_is_a_collection_and_a_broken_photo_is_named(tmp_path):
    png(tmp_path / "DCIM" / "IMG_0001.png", "red", (120, 90))
    write(tmp_path / "DCIM" / "IMG_0002.jpg", b"\xff\xd8\xff\xe0 cut short")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["DCIM/IMG_0001.png"]
    assert docs[0].segments[0].text == "DCIM / IMG 0001"
    assert [(w.file, w.reason) for w in warned] == [("DCIM/IMG_0002.jpg", "unreadable")]
    assert "DCIM/IMG_0002.jpg" in str(warned[0])


def test_a_picture_linked_from_outside_the_collection_is_refused_and_one_linked_inside_read_once(tmp_path):
    folder = tmp_path / "notes"
    png(tmp_path / "private" / "passport.png", "red", (120, 90))
    png(folder / "photos" / "valve.png", "blue", (120, 90))
    write(folder / "boiler.md", "# Boiler\n\n![](photos/valve.png)\n")
    (folder / "escape.png").symlink_to(tmp_path / "private" / "passport.png")
    (folder / "same-valve.png").symlink_to(folder / "photos" / "valve.png")  # shown, by its real path
    docs, warned = read_warnings(folder)
    assert [d.id for d in docs] == ["boiler.md"]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("escape.png", "outside the collection", "escape.png: symlink points outside the collection, refused")
    ]


def test_recordings_spreadsheets_and_tables_beside_the_photos_are_named_not_passed_over(tmp_path):
    png(tmp_path / "DCIM" / "IMG_0003.png", "red", (120, 90))
    write(tmp_path / "DCIM" / "IMG_0003.MOV", b"\x00\x00\x00\x14ftypqt  ")  # a video cut to its first box
    write(tmp_path / "memo.m4a", b"\x00\x00\x00\x18ftypM4A ")
    write(tmp_path / "budget.xlsx", b"PK\x03\x04")
    write(tmp_path / "readings.csv", "day,ph\n1,7.2\n")
    write(tmp_path / "tool.py", "print('code is not a note')\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["DCIM/IMG_0003.png"]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "budget.xlsx",
            "unreadable",
            ("budget.xlsx: not a spreadsheet (no Excel or OpenDocument file, or a damaged one), skipped"),
        ),
        ("memo.m4a", "unsupported type", "memo.m4a: audio recordings are not read; not indexed"),
        ("readings.csv", "excluded", "readings.csv: a table of numbers (data, not a note); not indexed"),
        (
            "DCIM/IMG_0003.MOV",
            "unreadable",
            "DCIM/IMG_0003.MOV: not a video FFmpeg can read, or a damaged one "
            "(Invalid data found when processing input); not indexed",
        ),  # videos are read (test_sources_videos.py)
    ]


def test_a_websites_own_pictures_are_not_documents_and_said_once_a_folder(tmp_path):
    write(tmp_path / "hugo.toml", 'title = "Kitchen"\n')
    write(tmp_path / "content" / "posts" / "bread.md", "# Bread\n\nKnead. ![](shown.png)\n")
    png(tmp_path / "static" / "logo.png", "red", (200, 80))
    png(tmp_path / "static" / "favicon.png", "red", (200, 80))
    png(tmp_path / "content" / "posts" / "unused.png", "red", (200, 80))
    png(tmp_path / "content" / "posts" / "shown.png", "blue", (200, 80))
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["content/posts/bread.md"]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "content/posts/",
            "excluded",
            "content/posts/: 1 picture(s) of the website that no page shows; not indexed",
        ),
        ("static/", "excluded", "static/: 2 picture(s) of the website that no page shows; not indexed"),
    ]

    sphinx = tmp_path / "manual"
    write(sphinx / "docs" / "conf.py", "project = 'x'\n")
    write(sphinx / "docs" / "index.rst", "Manual\n======\n\nRead me.\n")
    png(sphinx / "docs" / "_static" / "theme-logo.png", "red", (200, 80))
    png(sphinx / "docs" / "photos" / "board.png", "green", (200, 80))
    docs, _ = read_warnings(sphinx)
    assert [d.id for d in docs] == ["docs/index.rst", "docs/photos/board.png"]


def test_a_note_that_starts_showing_a_photo_takes_it_over(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "repairs", tmp_path / "index"
    png(folder / "photos" / "valve.png", "blue", (96, 96))
    write(folder / "boiler.md", "# Boiler\n\nBleed the radiators.\n")
    settle(folder)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert first.added == 2
    assert {d.id for d in Index.open(uri).documents()} == {"repairs/boiler.md", "repairs/photos/valve.png"}

    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded) == (0, 2, 0)

    write(folder / "boiler.md", "# Boiler\n\nBleed the radiators.\n\n![](photos/valve.png)\n")
    settle(folder)
    shown = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (shown.updated, shown.removed) == (1, 1)
    assert {d.id for d in Index.open(uri).documents()} == {"repairs/boiler.md"}

    write(folder / "boiler.md", "# Boiler\n\nBleed the radiators.\n")
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert {d.id for d in Index.open(uri).documents()} == {"repairs/boiler.md", "repairs/photos/valve.png"}
    doc = read_source(folder, "photos/valve.png", "photos/valve.png")  # the full-token stage re-reads it
    assert doc is not None and [type(s) for s in doc.segments] == [TextSegment, ImageSegment]
