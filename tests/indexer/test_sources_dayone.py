"""Day One journal exports: each entry a document, its photos (`photos/<md5>.<type>`) in place."""

from __future__ import annotations

import hashlib
import json
import os
import time

from source_helpers import jpeg, read_warnings, shape, write

from indexer.build import build_index
from indexer.sources import read_source
from indexer.store import Index


def photo(folder, identifier: str, color: str = "blue", order: int = 0) -> dict:
    """A photo file as Day One exports it (`photos/<md5>.jpeg`) and its record in the entry."""
    path = jpeg(folder / "photos" / "tmp.jpeg", color)
    md5 = hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 (Day One's file name)
    path.rename(folder / "photos" / f"{md5}.jpeg")
    return {"identifier": identifier, "md5": md5, "type": "jpeg", "orderInEntry": order}


def entry(uuid: str, text: str, photos=(), **more) -> dict:
    return {
        "uuid": uuid,
        "creationDate": "2021-03-04T06:01:33Z",
        "text": text,
        "photos": list(photos),
        **more,
    }


def journal(*entries) -> str:
    # Day One's own layout: `"key" : value`, the metadata first
    return json.dumps(
        {"metadata": {"version": "1.0"}, "entries": list(entries)},
        indent=2,
        separators=(",", " : "),
        ensure_ascii=False,
    )


def test_each_entry_is_a_document_with_its_photos_in_place(tmp_path):
    reef = photo(tmp_path, "AAA1", "blue")
    fish = photo(tmp_path, "BBB2", "green", order=1)
    lunch = photo(tmp_path, "CCC3", "red")
    location = {"placeName": "Green Island", "localityName": "Cairns", "country": "Australia"}
    write(
        tmp_path / "Journal.json",
        journal(
            entry(
                "E1",
                "# Reef view\n\n![](dayone-moment://AAA1)\n\nThere it is\\. From above\\.",
                [reef, fish],
                tags=["trip"],
                location=location,
                starred=True,
            ),
            entry("E2", "", [lunch]),
        ),
    )
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    assert [d.id for d in docs] == ["Journal.json/E1", "Journal.json/E2"]  # every photo shown by an entry
    reef_view, untitled = docs
    assert (reef_view.title, reef_view.source) == ("Reef view", "Journal.json")
    assert shape(reef_view, tmp_path) == [
        "T:# Reef view",
        f"I:photos/{reef['md5']}.jpeg",
        "T:There it is. From above.",
        f"I:photos/{fish['md5']}.jpeg",  # attached, not placed: after the text
    ]
    assert reef_view.meta["tags"] == ["trip"]
    assert reef_view.meta["properties"] == {
        "created": "2021-03-04T06:01:33Z",
        "place": "Green Island, Cairns, Australia",
        "starred": True,
    }
    assert untitled.title == "2021-03-04"  # no text: titled by its day
    assert shape(untitled, tmp_path) == [f"I:photos/{lunch['md5']}.jpeg"]


def test_media_not_read_and_photos_not_found_are_reported_by_file_and_entry(tmp_path):
    kept = photo(tmp_path, "OK1")
    gone = {"identifier": "GONE", "md5": "0" * 32, "type": "jpeg"}
    nameless = {"identifier": "NONAME", "type": "jpeg"}
    text = (
        "Boat day\n\n![](dayone-moment://OK1)\n![](dayone-moment://GONE)\n![](dayone-moment://NONAME)\n"
        "![](dayone-moment:/video/VID1)\n![](dayone-moment://NOSUCH)\n\nBack at six."
    )
    write(
        tmp_path / "Trips.json",
        journal(entry("E1", text, [kept, gone, nameless], videos=[{"identifier": "VID1"}])),
    )
    docs, warned = read_warnings(tmp_path)
    assert shape(docs[0], tmp_path) == ["T:Boat day", f"I:photos/{kept['md5']}.jpeg", "T:Back at six."]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            "Trips.json",
            "missing",
            "Trips.json: entry 'Boat day' shows a photo the export does not list, skipped",
        ),
        (
            "Trips.json",
            "missing",
            f"Trips.json: image skipped, file not found: photos/{'0' * 32}.jpeg (entry 'Boat day')",
        ),
        (
            "Trips.json",
            "missing",
            "Trips.json: photo NONAME in entry 'Boat day' names no file of the export, skipped",
        ),
        (  # a video is read in place (test_sources_note_videos.py): this one names no file
            "Trips.json",
            "missing",
            "Trips.json: video VID1 in entry 'Boat day' names no file of the export, skipped",
        ),
    ]


def test_other_json_files_are_passed_over_and_bad_exports_named(tmp_path):
    write(tmp_path / "package.json", '{"name": "site", "entries": []}')
    write(tmp_path / "data" / "readings.json", "[1, 2, 3]")
    whole = journal(entry("E1", "Kept entry"), "not an entry", entry("E2", "Second"))
    write(tmp_path / "Journal.json", whole)
    write(tmp_path / "Cut.json", journal(entry("E1", "Whole"), entry("E2", "Cut short"))[:-60])
    write(tmp_path / "Broken.json", '{"metadata" : {}, "entries" : [{"uuid" : "E1", "text" : "Half')
    write(tmp_path / "Latin1.json", journal(entry("E1", "Café")).encode("latin-1"))
    write(tmp_path / "keep.md", "# Keep\n\nStill here.\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == [
        "Cut.json/E1",
        "Journal.json/E1",
        "Journal.json/E2",
        "Latin1.json/E1",
        "keep.md",
    ]
    assert docs[3].title == "Café"  # read, its guessed encoding said
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            "Broken.json",
            "unreadable",
            "Broken.json: the Day One export is damaged (JSON error at line 1), skipped",
        ),
        (
            "Cut.json",
            "unreadable",
            "Cut.json: the export is cut or damaged (JSON error at line 14); "
            "the 1 entries before it are read",
        ),
        ("Journal.json", "unreadable", "Journal.json: entry 2 is not a journal entry, skipped"),
        ("Latin1.json", "encoding", "Latin1.json: not valid UTF-8, decoded as cp1252"),
    ]


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def test_a_journal_is_indexed_once_and_followed_entry_by_entry(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "dayone", tmp_path / "index"
    sea = photo(folder, "P1")
    write(
        folder / "Journal.json",
        journal(entry("E1", "Sea\n\n![](dayone-moment://P1)", [sea]), entry("E2", "Hills")),
    )
    write(folder / "notes.md", "# Packing list\n\nHat, sunscreen.\n")
    settle(folder)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (first.added, first.notes_read) == (3, 2)

    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded, again.removed) == (0, 3, 0, 0)
    assert sorted(d.id for d in Index.open(uri).documents()) == [
        "dayone/Journal.json/E1",
        "dayone/Journal.json/E2",
        "dayone/notes.md",
    ]

    # a search hit re-read from its file finds its own entry of the journal
    doc = read_source(folder, "Journal.json", "Journal.json/E2")
    assert doc is not None and doc.title == "Hills"
