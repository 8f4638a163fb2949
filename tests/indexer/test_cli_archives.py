"""`python -m indexer add ~/Downloads/notes.zip`: unpacked inside the index, indexed as the collection
named after the archive; the same archive again embeds nothing; a newer download of the export
updates that collection (not a second copy of every note) and its earlier unpack is removed."""

from __future__ import annotations

import zipfile

from index_helpers import draw
from test_archives import RawName

from indexer.__main__ import main
from indexer.archive_add import unpack_root
from indexer.store import Index

NOTE = "# 安装水槽\n\n先拧紧螺丝。\n\n![](图片/步骤1.jpg)\n"


def windows_zip(path, tmp_path, notes: dict[str, str]):
    """A folder zipped by Chinese Windows: GBK names, no UTF-8 flag; its picture, then its notes."""
    picture = draw(tmp_path / "pic.png", "red", "circle").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RawName("厨房/图片/步骤1.jpg".encode("gbk")), picture)
        for name, text in notes.items():
            archive.writestr(RawName(f"厨房/{name}".encode("gbk")), text.encode())
    return path


def unpacks(uri) -> list:
    """The unpacked folders of the index at `uri` (beside them: the marker saying they are ours)."""
    return sorted(p for p in unpack_root(uri).iterdir() if p.is_dir())


def add(path, uri, model, *more):
    return main(["add", str(path), "--index", uri, "--model", model, "--ns", "1,3", "--quiet", *more])


def test_add_an_archive_then_again_then_a_newer_download_of_it(tiny_dsvl_dir, tmp_path, capsys):
    downloads, uri, model = tmp_path / "Downloads", str(tmp_path / "index"), str(tiny_dsvl_dir)
    downloads.mkdir()
    first = windows_zip(
        downloads / "kitchen.zip", tmp_path, {"安装水槽.md": NOTE, "清洁.md": "# 清洁\n\n擦干。\n"}
    )
    assert add(first, uri, model) == 0
    out = capsys.readouterr().out
    folder = unpack_root(uri) / next(p.name for p in unpacks(uri)) / "厨房"
    assert f"kitchen.zip: unpacked to {folder} (kept with the index: notes and pictures are shown" in out
    assert "names without the UTF-8 flag read as gb18030; collection 'kitchen'" in out
    assert "2 added, 0 updated" in out
    [entry] = Index.open(uri).collections()
    assert (entry["name"], entry["root"], entry["documents"], entry["images"]) == (
        "kitchen",
        str(folder),
        2,
        1,
    )

    assert add(first, uri, model) == 0  # the same archive: the same folder, nothing embedded again
    out = capsys.readouterr().out
    assert f"already unpacked to {folder}" in out and "0 added, 0 updated, 2 unchanged" in out

    newer = windows_zip(
        downloads / "kitchen (1).zip",
        tmp_path,
        {"安装水槽.md": NOTE + "\n再检查漏水。\n", "油烟机.md": "# 油烟机\n"},
    )
    assert add(newer, uri, model) == 0
    out = capsys.readouterr().out
    assert "collection 'kitchen'" in out and "1 added, 1 updated, 0 unchanged, 1 removed" in out
    [entry] = Index.open(uri).collections()  # one collection, updated: not a second copy of every note
    assert entry["name"] == "kitchen" and entry["documents"] == 2 and entry["root"] != str(folder)
    assert f"removed the earlier unpack {folder.parent}" in out and not folder.exists()
    assert len(unpacks(uri)) == 1


def test_an_archive_does_not_replace_a_folder_added_under_its_name(tiny_dsvl_dir, tmp_path, capsys):
    uri, model = str(tmp_path / "index"), str(tiny_dsvl_dir)
    mine = tmp_path / "kitchen"
    mine.mkdir()
    (mine / "a.md").write_text("# a\n\nmy own folder\n")
    assert add(mine, uri, model) == 0
    capsys.readouterr()
    archive = windows_zip(tmp_path / "kitchen.zip", tmp_path, {"安装水槽.md": NOTE})
    assert add(archive, uri, model) == 1
    error = capsys.readouterr().err
    assert f"a collection named 'kitchen' already holds {mine}; add kitchen.zip under another name" in error
    assert add(archive, uri, model, "--name", "kitchen-zip") == 0
    assert sorted(c["name"] for c in Index.open(uri).collections()) == ["kitchen", "kitchen-zip"]


def test_a_bad_archive_is_refused_before_a_model_or_an_index_exists(tmp_path, capsys):
    nowhere, uri = str(tmp_path / "no-such-model"), str(tmp_path / "new")
    for name, data in [("Notes.rar", b"Rar!\x1a\x07\x00"), ("empty.zip", b"PK\x05\x06" + bytes(18))]:
        (tmp_path / name).write_bytes(data)
        assert main(["add", str(tmp_path / name), "--index", uri, "--model", nowhere, "--quiet"]) == 1
        error = capsys.readouterr().err
        assert error.startswith(
            f"error: cannot unpack {name}" if name.endswith("rar") else "error: empty.zip holds"
        )
        assert str(tmp_path) not in error and not (tmp_path / "new").exists()


def test_an_index_on_object_storage_unpacks_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MME_CACHE", str(tmp_path / "cache"))
    assert unpack_root("s3://bucket/index") == tmp_path / "cache" / "unpacked"
    assert unpack_root(str(tmp_path / "index")) == tmp_path / "index" / "unpacked"


def test_another_export_of_the_same_name_is_not_taken_for_a_newer_download(tiny_dsvl_dir, tmp_path, capsys):
    uri, model = str(tmp_path / "index"), str(tiny_dsvl_dir)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = windows_zip(tmp_path / "a" / "kitchen.zip", tmp_path, {"安装水槽.md": NOTE, "清洁.md": "# 洁\n"})
    other = windows_zip(tmp_path / "b" / "kitchen.zip", tmp_path, {"旅行.md": "# 旅\n", "读书.md": "# 读\n"})
    assert add(first, uri, model) == 0
    capsys.readouterr()
    assert add(other, uri, model) == 1
    error = capsys.readouterr().err
    assert "kitchen.zip is not a newer download of the export in collection 'kitchen'" in error
    assert "share 1 of its 3 files" in error  # the picture only
    assert [c["documents"] for c in Index.open(uri).collections()] == [2]  # untouched
    assert len(unpacks(uri)) == 1  # the refused unpack is not left behind


def test_removing_a_collection_added_from_an_archive_removes_its_unpacked_files(
    tiny_dsvl_dir, tmp_path, capsys
):
    uri, model = str(tmp_path / "index"), str(tiny_dsvl_dir)
    kitchen = windows_zip(tmp_path / "kitchen.zip", tmp_path, {"清洁.md": "# 清洁\n\n擦干。\n"})
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "tap.md").write_text("# Tap\n\nTurn it off first.\n")
    assert add(kitchen, uri, model) == 0 and add(tmp_path / "notes", uri, model) == 0
    [unpacked] = unpacks(uri)
    capsys.readouterr()

    assert main(["remove", "notes", "--index", uri]) == 0  # a folder on disk is the person's: kept
    assert "unpacked files" not in capsys.readouterr().out and (tmp_path / "notes" / "tap.md").exists()
    assert main(["remove", "kitchen", "--index", uri]) == 0
    out = capsys.readouterr().out
    assert "removed collection 'kitchen' (2 rows)" in out  # the note, and the photo no note shows
    assert f"removed its unpacked files {unpacked}" in out
    assert not unpacked.exists() and Index.open(uri).collections() == []
