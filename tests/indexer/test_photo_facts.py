"""A photo that is its own document is found by when, with what and where it was taken (its EXIF
header): properties `taken`, `camera`, `place` and date words; a photo without EXIF is unchanged, a
damaged EXIF block never stops indexing."""

from __future__ import annotations

import json
import warnings

import pytest
from PIL import Image
from source_helpers import read_warnings, settle

from indexer import Searcher
from indexer.__main__ import main
from indexer.build import build_index
from indexer.sources.photos import read_header
from mme_core.documents import InterleavedDoc, TextSegment

PHONE = {0x010F: "Apple", 0x0110: "iPhone 13"}
TOKYO = {1: "N", 2: (35.0, 39.0, 30.6), 3: "E", 4: (139.0, 44.0, 28.8)}  # 35.65850, 139.74133


def photo(path, taken: str = "", offset: str = "", camera=PHONE, gps=None, color="red"):
    """A JPEG whose EXIF says when (DateTimeOriginal, OffsetTimeOriginal), with what and where."""
    exif = Image.Exif()
    exif.update(camera)
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if offset:
        exif.get_ifd(0x8769)[0x9011] = offset
    if gps:
        exif.get_ifd(0x8825).update(gps)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (96, 80), color).save(path, format="JPEG", exif=exif)
    return path


def test_a_photo_gets_when_with_what_and_where_as_properties_and_words(tmp_path):
    photo(tmp_path / "DCIM" / "IMG_4021.jpg", "2024:06:12 18:30:05", "+09:00", gps=TOKYO)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing said on the console
        docs, warned = read_warnings(tmp_path)
    [doc] = docs
    assert warned == []
    assert doc.title == "IMG_4021.jpg"
    assert doc.meta["properties"] == {
        "taken": "2024-06-12T18:30:05+09:00",
        "camera": "Apple iPhone 13",
        "place": "35.65850, 139.74133",
        "place_name": "Minato City, Tokyo, Japan",  # the ward, in its city (sources/places.py)
    }
    assert doc.segments[0].text == (
        "DCIM / IMG 4021\n2024-06-12 · 12 June 2024 · June 2024 · 2024年6月12日 · Apple iPhone 13"
    )


def test_an_iphone_heic_photo_is_read_the_same_way(tmp_path):
    exif = Image.Exif()
    exif.update(PHONE)
    exif.get_ifd(0x8769).update({0x9003: "2023:01:22 20:15:00", 0x9011: "+08:00"})
    Image.new("RGB", (96, 80), "red").save(tmp_path / "IMG_5195.HEIC", format="HEIF", exif=exif.tobytes())
    [doc] = read_warnings(tmp_path)[0]
    assert doc.meta["properties"] == {"taken": "2023-01-22T20:15:00+08:00", "camera": "Apple iPhone 13"}
    assert "2023年1月22日" in doc.text and "January 2023" in doc.text


def test_the_make_is_said_once_south_and_west_are_negative_and_no_offset_is_guessed(tmp_path):
    photo(
        tmp_path / "a.jpg",
        "2008:10:22 16:28:39",
        camera={0x010F: "NIKON CORPORATION\x00", 0x0110: "NIKON D70  "},
        gps={1: "S", 2: (33.0, 51.0, 0.0), 3: "W", 4: (70.0, 30.0, 0.0)},
    )
    [doc] = read_warnings(tmp_path)[0]
    assert doc.meta["properties"] == {
        "taken": "2008-10-22T16:28:39",
        "camera": "NIKON D70",
        "place": "-33.85000, -70.50000",
        "place_name": "near Paine, Chile",  # 23 km from the nearest town of 15,000 people
    }


def test_a_photo_without_exif_or_with_no_date_is_read_as_before(tmp_path):
    Image.new("RGB", (96, 80), "white").save(tmp_path / "Screenshot 2024-06-12.png")
    photo(tmp_path / "wa.jpg", camera={}, gps={1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)})
    photo(tmp_path / "zero.jpg", "0000:00:00 00:00:00", camera={})  # written by cameras never set
    docs, warned = read_warnings(tmp_path)
    assert [(d.id, d.meta["properties"], d.segments[0].text) for d in docs] == [
        ("Screenshot 2024-06-12.png", {}, "Screenshot 2024 06 12"),
        ("wa.jpg", {}, "wa"),
        ("zero.jpg", {}, "zero"),
    ]
    assert warned == []


def test_a_damaged_exif_block_never_stops_indexing(tmp_path):
    truncated = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff\x0f\x01\x02\x00"  # 65535 entries, 1 there
    Image.new("RGB", (96, 80), "red").save(tmp_path / "cut.jpg", format="JPEG", exif=truncated)
    exif = Image.Exif()
    exif.update(PHONE)
    exif.get_ifd(0x8769)[0x9003] = "2024:06:12 18:30:05"
    raw = bytearray(exif.tobytes())
    pointer = raw.index(b"\x87\x69\x00\x04\x00\x00\x00\x01") + 8  # the Exif IFD's offset: far away
    raw[pointer : pointer + 4] = b"\x7f\xff\xff\xf0"
    Image.new("RGB", (96, 80), "red").save(tmp_path / "lost.jpg", format="JPEG", exif=bytes(raw))
    docs, warned = read_warnings(tmp_path)
    assert [(d.id, d.meta["properties"], d.segments[0].text) for d in docs] == [
        ("cut.jpg", {}, "cut"),
        ("lost.jpg", {"camera": "Apple iPhone 13"}, "lost\nApple iPhone 13"),  # what is readable stays
    ]
    assert warned == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_header(tmp_path / "cut.jpg") == (None, None)
    assert caught == []  # Pillow's "Corrupt EXIF data" is not printed on the person's console


def test_keyword_search_finds_a_photo_by_the_month_as_people_type_it(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "DCIM", tmp_path / "index"
    for number, (taken, color) in enumerate(
        [
            ("2024:05:30 09:00:00", "red"),
            ("2024:06:12 18:30:05", "green"),
            ("2024:07:02 12:00:00", "blue"),
            ("2023:06:12 08:00:00", "white"),
            ("2025:01:06 10:00:00", "black"),
        ]
    ):
        photo(folder / f"IMG_{4020 + number}.jpg", taken, color=color)
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    searcher = Searcher.open(uri, None, warm=False)
    for query in ("June 2024", "2024年6月", "12 June 2024", "2024-06-12", "2024年6月12日"):
        hits = searcher.search(InterleavedDoc((TextSegment(query),)), k=5, mode="keyword")
        assert hits[0].id == "DCIM/IMG_4021.jpg", query
    img = InterleavedDoc((TextSegment("IMG"),))  # every photo's words: the filter alone chooses
    for taken, expected in ((("2024-06",), [1]), (("2024",), [0, 1, 2]), (("2023-06-12", "2025"), [3, 4])):
        hits = searcher.search(img, k=10, mode="keyword", taken=taken)
        assert sorted(hit.id for hit in hits) == [f"DCIM/IMG_{4020 + n}.jpg" for n in expected], taken
    with pytest.raises(ValueError, match="taken 'June': give a date or its start, as 2024, 2024-06"):
        searcher.search(img, k=10, mode="keyword", taken="June")
    for wrong in ("2024-13", "2024-06-32", "2024-00"):
        with pytest.raises(ValueError, match=f"taken '{wrong}': give a date or its start"):
            searcher.search(img, k=10, mode="keyword", taken=wrong)
    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged) == (0, 5)  # the no-op run opens no photo


def test_search_taken_on_the_command_line(tiny_dsvl_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MME_DTYPE", "float32")
    folder, index = tmp_path / "DCIM", tmp_path / "index"
    photo(folder / "IMG_0001.jpg", "2024:06:12 18:30:05")
    photo(folder / "IMG_0002.jpg", "2024:07:02 12:00:00")
    settle(folder)
    assert main(["add", str(folder), "--index", str(index), "--model", str(tiny_dsvl_dir), "--ns", "1"]) == 0
    capsys.readouterr()
    search = ["search", "--index", str(index), "--mode", "keyword", "--text", "IMG", "--json"]
    assert main([*search, "--taken", "2024-06"]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert (hit["id"], hit["properties"]) == (
        "DCIM/IMG_0001.jpg",
        {"taken": "2024-06-12T18:30:05", "camera": "Apple iPhone 13"},
    )
    assert main([*search, "--taken", "2024-6"]) != 0
    assert "taken '2024-6': give a date or its start, as 2024, 2024-06" in capsys.readouterr().err
