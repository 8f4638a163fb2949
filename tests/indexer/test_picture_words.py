"""Words in pictures: read once per picture (RapidOCR, models from its wheel), found by keyword search,
kept by the index as its choice, and nothing lost when a picture cannot be read."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from PIL import Image

import indexer.picture_words as picture_words
from indexer import Searcher, build_index
from indexer.picture_words import PictureReader, PictureReaderMissing, shared_reader
from indexer.store import Index
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 4}


@pytest.fixture
def manual(tmp_path, words_picture) -> Path:
    """A boiler note whose key step is only in its screenshot, and a note that says 'drain' in words."""
    folder = tmp_path / "manual"
    words_picture(folder / "img" / "valve.png", ["Close the drain valve", "Pressure 2.5 bar"])
    (folder / "boiler.md").write_text("# Boiler service\n\nTurn it off first.\n\n![](img/valve.png)\n")
    (folder / "pasta.md").write_text("# Pasta\n\nDrain the pasta in a colander.\n")
    settle(folder)
    return folder


def settle(folder: Path) -> None:
    """Date the files back: a stat taken within 50 ms of a write is not trusted (file_stats)."""
    when = time.time() - 30
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def keyword(uri, words: str) -> list[str]:
    query = InterleavedDoc((TextSegment(words),))
    hits = Searcher.open(uri, None, warm=False).search(query, k=5, mode="keyword")
    return [hit.doc.source for hit in hits]


def rows(uri) -> dict[str, dict]:
    table = Index.open(uri).scan(["source", "text", "properties"]).to_pylist()
    return {row["source"]: row | {"properties": json.loads(row["properties"])} for row in table}


def test_the_words_of_a_screenshot_find_its_note_and_only_where_the_index_reads_them(
    tiny_dsvl, manual, tmp_path
):
    seen = []
    build_index(manual, tmp_path / "on", tiny_dsvl, read_pictures=True, on_progress=seen.append, **FAST)
    build_index(manual, tmp_path / "off", tiny_dsvl, **FAST)

    assert keyword(tmp_path / "on", "drain valve")[0] == "boiler.md"
    assert keyword(tmp_path / "off", "drain valve")[0] == "pasta.md"  # 'drain' is in its words only
    on = rows(tmp_path / "on")
    words = on["boiler.md"]["properties"]["picture_words"]
    assert len(words) == 1 and "drain valve" in words[0].lower() and "2.5" in words[0]
    assert "drain valve" in on["boiler.md"]["text"].lower()
    assert "picture_words" not in on["pasta.md"]["properties"]  # no picture: nothing recorded
    assert "drain valve" not in rows(tmp_path / "off")["boiler.md"]["text"].lower()
    assert Index.open(tmp_path / "on").stats()["picture_words"] is True  # `indexer stats` says so
    assert Index.open(tmp_path / "off").stats()["picture_words"] is False
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases == ["read", "words", "hash", "encode", "write"]
    last = [p for p in seen if p.phase == "words"][-1]
    assert (last.done, last.total, last.unit) == (1, 1, "pictures")


def test_a_picture_is_read_once_whichever_notes_show_it_and_however_they_change(tiny_dsvl, manual, tmp_path):
    uri = tmp_path / "idx"
    build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    reader = shared_reader()
    before = reader.pictures_read
    (manual / "boiler.md").write_text("# Boiler service\n\nTurn it off, then wait.\n\n![](img/valve.png)\n")
    (manual / "tank.md").write_text("# Tank\n\nSame valve here.\n\n![](img/valve.png)\n")
    settle(manual)
    report = build_index(manual, uri, tiny_dsvl, **FAST)  # the index keeps its choice
    assert (report.added, report.updated) == (1, 1)
    assert reader.pictures_read == before  # both came from the index's picture_words table
    assert "drain valve" in rows(uri)["tank.md"]["text"].lower()
    assert set(keyword(uri, "drain valve")[:2]) == {"boiler.md", "tank.md"}


def test_turning_it_off_and_on_rewrites_rows_without_embedding_again(tiny_dsvl, manual, tmp_path):
    uri = tmp_path / "idx"
    build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    reader = shared_reader()
    before = reader.pictures_read

    off = build_index(manual, uri, tiny_dsvl, read_pictures=False, **FAST)
    assert (off.updated, off.embedded, off.notes_read) == (1, 0, 2)  # every note read again, none embedded
    assert not Index.open(uri).meta.picture_words
    assert "drain" not in rows(uri)["boiler.md"]["text"].lower()
    assert keyword(uri, "drain valve")[0] == "pasta.md"

    again = build_index(manual, uri, tiny_dsvl, **FAST)  # stays off
    assert (again.notes_read, again.updated) == (0, 0)

    on = build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    assert (on.updated, on.embedded) == (1, 0)
    assert reader.pictures_read == before  # the words were kept while the picture was
    assert keyword(uri, "drain valve")[0] == "boiler.md"


def test_a_picture_the_reader_fails_on_keeps_its_note_is_reported_and_read_next_run(
    tiny_dsvl, manual, tmp_path, monkeypatch
):
    reader = shared_reader()
    reader._load()  # the real engine, kept to put back

    def broken(image):
        raise RuntimeError("onnxruntime: bad allocation")

    monkeypatch.setattr(reader, "_engine", broken)
    uri = tmp_path / "idx"
    report = build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    assert report.added == 2 and not report.failed  # the note is indexed, without the picture's words
    [item] = [item for item in report.skipped if item.reason == "picture words"]
    assert (item.source, item.reference) == ("boiler.md", "img/valve.png")
    assert all(part in item.message for part in ("boiler.md", "img/valve.png", "bad allocation"))
    assert str(tmp_path) not in item.message
    assert "picture_words" not in rows(uri)["boiler.md"]["properties"]

    monkeypatch.undo()
    retried = build_index(manual, uri, tiny_dsvl, **FAST)
    assert retried.notes_read == 1 and retried.updated == 1 and retried.embedded == 0
    assert not [item for item in retried.skipped if item.reason == "picture words"]
    assert keyword(uri, "drain valve")[0] == "boiler.md"


def test_without_the_reader_installed_it_is_said_before_anything_is_read(
    tiny_dsvl, manual, tmp_path, monkeypatch
):
    monkeypatch.setattr(picture_words, "find_spec", lambda name: None if name == "rapidocr" else object())
    with pytest.raises(PictureReaderMissing, match=r"pip install 'rapidocr"):
        build_index(manual, tmp_path / "idx", tiny_dsvl, read_pictures=True, **FAST)
    assert not (tmp_path / "idx").exists()
    build_index(manual, tmp_path / "idx", tiny_dsvl, **FAST)  # an index that does not read them: fine


def test_a_big_photo_is_read_at_a_bounded_size_upright(tmp_path, monkeypatch):
    """A 48 MP photo costs the reader what a 4 MP one does; EXIF orientation is applied first."""
    photo = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated 90 degrees clockwise
    Image.new("RGB", (8000, 6000), "white").save(photo, exif=exif, quality=80)
    reader = PictureReader()
    seen = []

    class Result:
        txts, scores = ("Step 3", "noise", "日"), (0.98, 0.2, 0.99)

    def engine(image):
        seen.append(image.size)
        return Result()

    monkeypatch.setattr(reader, "_engine", engine)
    assert reader.read(str(photo), "phone.jpg") == "Step 3"  # the unsure line and the icon left out
    [(width, height)] = seen
    assert max(width, height) <= picture_words.MAX_SIDE and height > width  # upright: portrait


def test_a_picture_that_is_not_one_is_refused_naming_it(tmp_path):
    fake = tmp_path / "scan.png"
    fake.write_bytes(b"not a picture at all")
    with pytest.raises(ValueError, match=r"scan\.png"):
        PictureReader().read(str(fake), "scan.png")


def test_a_rebuild_with_another_encoder_keeps_the_choice_and_the_words(
    tiny_dsvl, tiny_qwen2vl, manual, tmp_path
):
    from indexer.rebuild import rebuild_index

    uri = tmp_path / "idx"
    build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    reader = shared_reader()
    before = reader.pictures_read
    rebuild_index(uri, tiny_qwen2vl, progress=False)
    assert Index.open(uri).meta.picture_words and Index.open(uri).meta.model_id == str(tiny_qwen2vl.model_id)
    assert reader.pictures_read == before  # the words come from the table the rebuild kept
    assert keyword(uri, "drain valve")[0] == "boiler.md"


def test_a_screenshot_as_the_query_finds_the_note_whose_picture_says_the_same(
    tiny_dsvl, manual, tmp_path, words_picture
):
    """Another capture of the same dialog (not the same file): its words are the query's words."""
    from mme_core.documents import ImageSegment

    uri = tmp_path / "idx"
    build_index(manual, uri, tiny_dsvl, read_pictures=True, **FAST)
    build_index(manual, tmp_path / "plain", tiny_dsvl, **FAST)
    capture = words_picture(tmp_path / "query" / "my capture.png", ["Close the drain valve"], (700, 120))
    query = InterleavedDoc((ImageSegment(str(capture)),))
    reader = shared_reader()
    before = reader.pictures_read

    hits = Searcher.open(uri, tiny_dsvl, warm=False).search(query, k=2, mode="keyword")
    assert hits[0].doc.source == "boiler.md" and hits[0].mode == "keyword"
    assert {"drain", "valve"} <= {term.lower() for term in hits[0].terms}  # the card can mark them
    assert reader.pictures_read == before + 1
    Searcher.open(uri, tiny_dsvl, warm=False).search(query, k=2, mode="hybrid")  # asked again
    assert reader.pictures_read == before + 1  # read once per process

    plain = Searcher.open(tmp_path / "plain", tiny_dsvl, warm=False).search(query, k=2, mode="keyword")
    assert all(hit.mode == "semantic" for hit in plain)  # an index that does not read them: as before
    assert reader.pictures_read == before + 1


def test_a_scanned_pdf_becomes_searchable_by_the_words_on_its_pages(tiny_dsvl, tmp_path, words_picture):
    """A PDF of page scans holds pictures and no text: its words exist only in the pictures."""
    folder = tmp_path / "manuals"
    folder.mkdir()
    pages = [
        Image.open(words_picture(tmp_path / f"page{i}.png", lines, (900, 400)))
        for i, lines in enumerate([["Dishwasher manual"], ["Clean the filter monthly"]])
    ]
    pages[0].save(folder / "scanned manual.pdf", save_all=True, append_images=pages[1:], resolution=100)
    (folder / "kettle.md").write_text("# Kettle\n\nDescale the kettle monthly.\n")
    build_index(folder, tmp_path / "idx", tiny_dsvl, read_pictures=True, **FAST)
    assert keyword(tmp_path / "idx", "clean the filter")[0] == "scanned manual.pdf"
    assert "filter" in rows(tmp_path / "idx")["scanned manual.pdf"]["text"].lower()


def test_with_onnx_runtime_for_cuda_the_reader_runs_on_the_gpu(monkeypatch):
    import onnxruntime
    import rapidocr

    given = []
    monkeypatch.setattr(rapidocr, "RapidOCR", lambda params: given.append(params) or object())
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    PictureReader()._load()
    monkeypatch.setattr(
        onnxruntime, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    PictureReader()._load()
    assert "EngineConfig.onnxruntime.use_cuda" not in given[0]
    assert given[1]["EngineConfig.onnxruntime.use_cuda"] is True
    assert given[1]["Det.limit_side_len"] == given[0]["Det.limit_side_len"] == 1280
