"""One file as a collection: `python -m indexer add manual.pdf` (or an Evernote export, a note)
without making a folder for it first. The file is read as it would be in its folder: pictures
beside it are found, a second run reads nothing, its full text is read back, rebuild finds it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from index_helpers import draw

import indexer.sources.base as base
from indexer.__main__ import main
from indexer.build import build_index
from indexer.rebuild import rebuild_index
from indexer.sources import read_collection, read_source
from indexer.store import Index

NS = (1, 3)


def note_beside_others(tmp_path):
    """~/Downloads: the note to index, its photo, and other files that are not part of it."""
    folder = tmp_path / "Downloads"
    draw(folder / "img" / "hinge.png", "red", "circle")
    (folder / "Fix the cupboard door.md").write_text(
        "# Fix the cupboard door\n\nTighten the hinge screw. ![](img/hinge.png)\n"
    )
    (folder / "unrelated.md").write_text("# Tax return\n\nnot part of it\n")
    draw(folder / "holiday.png", "blue", "square")
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))
    return folder / "Fix the cupboard door.md"


def test_a_file_is_a_collection_of_itself_with_the_pictures_it_shows(tmp_path):
    note = note_beside_others(tmp_path)
    [doc] = read_collection(note)
    assert doc.id == "Fix the cupboard door.md"
    assert [Path(img.path).name for img in doc.images] == ["hinge.png"]
    again = read_source(note, "Fix the cupboard door.md", doc.id)
    assert again is not None and again.text == doc.text
    assert read_source(note, "unrelated.md", "unrelated.md") is None  # not part of this collection


def test_add_one_file_then_again_reads_nothing_and_rebuild_finds_it(tiny_dsvl, tmp_path, monkeypatch):
    note = note_beside_others(tmp_path)
    uri = str(tmp_path / "index")
    report = build_index(str(note), uri, tiny_dsvl, ns=NS, progress=False)
    assert (report.collection, report.added, report.skipped) == ("Fix the cupboard door", 1, ())
    index = Index.open(uri)
    assert [d.id for d in index.documents()] == ["Fix the cupboard door/Fix the cupboard door.md"]
    assert index.meta.collections["Fix the cupboard door"]["root"] == str(note)

    reads = []
    read_file = base.FolderReader._read_file
    monkeypatch.setattr(
        base.FolderReader, "_read_file", lambda self, *a, **k: reads.append(a[1]) or read_file(self, *a, **k)
    )
    second = build_index(str(note), uri, tiny_dsvl, ns=NS, progress=False)
    assert (second.unchanged, second.added, reads) == (1, 0, [])
    [rebuilt] = [r for r in rebuild_index(uri, tiny_dsvl, ns=NS, progress=False) if r.collection]
    assert (rebuilt.collection, rebuilt.parts) == ("Fix the cupboard door", 1)


def test_the_cli_adds_one_file_and_refuses_a_file_it_cannot_read_by_name(tiny_dsvl_dir, tmp_path, capsys):
    note = note_beside_others(tmp_path)
    uri = str(tmp_path / "index")
    model = str(tiny_dsvl_dir)
    assert main(["add", str(note), "--index", uri, "--model", model, "--ns", "1,3", "--quiet"]) == 0
    assert "Fix the cupboard door" in Index.open(uri).meta.collections
    script = tmp_path / "Downloads" / "setup.sh"
    script.write_text("echo hi\n")
    assert main(["add", str(script), "--index", uri, "--quiet"]) == 1
    error = capsys.readouterr().err
    assert "cannot index setup.sh on its own" in error and str(tmp_path) not in error.split("own")[0]
    export = tmp_path / "Downloads" / "takeout-20241201.zip"
    export.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    nowhere = str(tmp_path / "no-such-model")  # refused before the model is looked for
    assert main(["add", str(export), "--index", str(tmp_path / "new"), "--model", nowhere, "--quiet"]) == 1
    error = capsys.readouterr().err
    assert error == (  # an archive is unpacked (tests/indexer/test_cli_archives.py); this one is empty
        "error: takeout-20241201.zip holds no notes (Markdown, Org, reStructuredText, AsciiDoc, Jupyter, "
        "Word, LibreOffice, PowerPoint, OneNote, RTF, PDF, EPUB, Evernote, Day One, Google Keep, Bear, HTML, "
        "text, spreadsheets, CSV), pictures, videos or docs.jsonl: nothing to index\n"
    )
    assert not (tmp_path / "new").exists()
    assert main(["add", str(script), "--index", str(tmp_path / "new"), "--model", nowhere]) == 1
    assert "cannot index setup.sh on its own" in capsys.readouterr().err and not (tmp_path / "new").exists()
