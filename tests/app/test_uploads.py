"""Uploaded files as a collection: loose notes, documents and photos, or one zip; checked before writing."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from indexer.archives import UNPACK_MARKER
from indexer.sources import read_collection
from webapp.collection import ZipLimits
from webapp.uploads import gather_upload

LIMITS = ZipLimits()


@pytest.fixture
def chosen(tmp_path, image_factory):
    """A person's files as the browser hands them over: each in its own upload folder, own name."""

    def choose(files: dict[str, bytes | str]) -> list[str]:
        paths = []
        for position, (name, data) in enumerate(files.items()):
            folder = tmp_path / "gradio" / f"upload{position}"
            folder.mkdir(parents=True)
            path = folder / name.split("|")[0]  # "a.png|2": a second file of the same name
            if data == "png":
                shutil.copyfile(image_factory("red"), path)
            elif isinstance(data, str):
                path.write_text(data)
            else:
                path.write_bytes(data)
            paths.append(str(path))
        return paths

    return choose


def test_a_note_and_its_photo_become_one_collection_named_after_the_note(tmp_path, chosen):
    paths = chosen({"IMG_0001.png": "png", "Pancakes.md": "# Pancakes\n\nFlip once. ![](IMG_0001.png)\n"})
    upload = gather_upload(paths, tmp_path / "uploads", LIMITS)
    assert upload.name == "Pancakes" and upload.left_out == ()
    assert sorted(p.name for p in upload.folder.iterdir()) == ["IMG_0001.png", "Pancakes.md"]
    [doc] = read_collection(upload.folder)
    assert doc.id == "Pancakes.md" and [Path(i.path).name for i in doc.images] == ["IMG_0001.png"]
    again = gather_upload(list(reversed(paths)), tmp_path / "uploads", LIMITS)
    assert again.folder == upload.folder  # the same files: the same folder, so nothing is read again
    assert [p.is_dir() for p in (tmp_path / "uploads").iterdir()].count(True) == 1


def test_a_note_linking_its_photos_in_a_folder_finds_them_side_by_side(tmp_path, chosen):
    # the browser sends names, not folders: `img/step 1.png` and `photos/oven.png` arrive flat
    note = "# Bread\n\nKnead. ![](img/step%201.png)\n\nBake. ![](photos/oven.png)\n"
    paths = chosen({"Bread.md": note, "step 1.png": "png", "oven.png": "png"})
    upload = gather_upload(paths, tmp_path / "uploads", LIMITS)
    [doc] = read_collection(upload.folder)
    assert [Path(i.path).name for i in doc.images] == ["step 1.png", "oven.png"]


def test_photos_alone_are_a_collection_and_a_changed_note_is_a_new_folder(tmp_path, chosen):
    photos = gather_upload(chosen({"IMG_0002.png": "png", "IMG_0001.png": "png"}), tmp_path / "up", LIMITS)
    assert photos.name == "IMG_0001"
    assert sorted(d.id for d in read_collection(photos.folder)) == ["IMG_0001.png", "IMG_0002.png"]
    shutil.rmtree(tmp_path / "gradio")
    first = gather_upload(chosen({"a.md": "# A\n\none\n"}), tmp_path / "up2", LIMITS)
    shutil.rmtree(tmp_path / "gradio")
    second = gather_upload(chosen({"a.md": "# A\n\ntwo\n"}), tmp_path / "up2", LIMITS)
    assert first.folder != second.folder and first.name == second.name == "a"


def test_files_not_read_are_left_out_and_said_by_name(tmp_path, chosen):
    paths = chosen(
        {
            "notes.md": "# Notes\n\ntext\n",
            "run.sh": "echo hi\n",
            "~$Report.docx": b"lock",
            ".DS_Store": b"\0\0",
            "budget.xlsx": b"PK\3\4",
            "settings.json": '{"theme": "dark"}',  # JSON is read only as Day One or Google Keep exports
        }
    )
    upload = gather_upload(paths, tmp_path / "uploads", LIMITS)
    said = {(s.source, s.reason) for s in upload.left_out}
    assert said == {
        ("run.sh", "unsupported type"),
        ("settings.json", "unsupported type"),
        ("~$Report.docx", "excluded"),
        (".DS_Store", "excluded"),
    }
    assert all(s.message.startswith(s.source + ": ") for s in upload.left_out)
    # a spreadsheet is kept: the reader names it as a document it does not read, as in a folder
    assert sorted(p.name for p in upload.folder.iterdir()) == ["budget.xlsx", "notes.md"]


def test_an_upload_with_nothing_to_read_is_refused_by_name_and_writes_nothing(tmp_path, chosen):
    said = r"nothing to index.*run\.sh: not a note, document, picture or video"
    with pytest.raises(ValueError, match=said):
        gather_upload(chosen({"run.sh": "echo hi\n"}), tmp_path / "uploads", LIMITS)
    assert not (tmp_path / "uploads").exists()
    with pytest.raises(ValueError, match="choose files to upload first"):
        gather_upload([], tmp_path / "uploads", LIMITS)
    with pytest.raises(ValueError, match="upload not found: gone.md"):
        gather_upload([str(tmp_path / "gone.md")], tmp_path / "uploads", LIMITS)


def test_a_zip_goes_alone_and_two_files_of_one_name_are_refused(tmp_path, chosen, image_factory):
    archive = tmp_path / "vault.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("vault/a.md", "# A\n\ntext\n")
    upload = gather_upload([str(archive)], tmp_path / "uploads", LIMITS)
    assert upload.name == "vault" and (upload.folder / "a.md").is_file()
    with pytest.raises(ValueError, match=r"upload vault\.zip on its own.*1 other file"):
        gather_upload([str(archive), *chosen({"b.md": "# B\n"})], tmp_path / "uploads2", LIMITS)
    shutil.rmtree(tmp_path / "gradio")
    paths = chosen({"a.png": "png", "a.png|2": b"\x89PNG other bytes", "n.md": "# N\n"})
    with pytest.raises(ValueError, match=r"two different files are named a\.png"):
        gather_upload(paths, tmp_path / "uploads3", LIMITS)
    assert not (tmp_path / "uploads3").exists()
    shutil.rmtree(tmp_path / "gradio")
    same = chosen({"a.md": "# A\n", "a.md|2": "# A\n"})  # the same file chosen twice: kept once
    assert [p.name for p in gather_upload(same, tmp_path / "uploads4", LIMITS).folder.iterdir()] == ["a.md"]


def test_limits_on_file_count_and_size_are_checked_before_writing(tmp_path, chosen):
    paths = chosen({"a.md": "# A\n" * 100, "b.md": "# B\n"})
    with pytest.raises(ValueError, match="upload holds 2 files; the limit is 1"):
        gather_upload(paths, tmp_path / "uploads", ZipLimits(max_files=1))
    with pytest.raises(ValueError, match="the limit is 0 MB"):
        gather_upload(paths, tmp_path / "uploads", ZipLimits(max_total_bytes=100))
    assert not (tmp_path / "uploads").exists()


def test_a_copy_that_fails_half_way_leaves_no_folder(tmp_path, chosen, monkeypatch):
    paths = chosen({"a.md": "# A\n", "b.md": "# B\n"})
    copies = []

    def copy_then_fail(source, target):
        if copies:
            raise OSError(28, "No space left on device")
        copies.append(target.write_bytes(source.read_bytes()))

    monkeypatch.setattr("webapp.uploads.shutil.copyfile", copy_then_fail)
    with pytest.raises(OSError, match="No space left"):
        gather_upload(paths, tmp_path / "uploads", LIMITS)
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [UNPACK_MARKER]  # no staging, no half one


def test_a_tar_gz_from_a_linux_box_is_an_upload_too_and_a_rar_is_said_what_to_do(tmp_path, chosen):
    import io
    import tarfile

    archive = tmp_path / "gradio" / "x" / "Recipes (1).tar.gz"  # a second download, as the browser names it
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in {"Recipes/bread.md": b"# Bread\n", "Recipes/run.sh": b"rm -rf /"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    upload = gather_upload([str(archive)], tmp_path / "uploads", LIMITS)
    assert upload.name == "Recipes"  # the same collection as Recipes.tar.gz: a newer download updates it
    assert sorted(p.name for p in upload.folder.iterdir()) == ["bread.md"]
    rar = chosen({"Recipes.rar": b"Rar!\x1a\x07\x00"})
    with pytest.raises(ValueError, match=r"cannot unpack Recipes\.rar: \.rar files are not read here"):
        gather_upload(rar, tmp_path / "uploads2", LIMITS)
    assert not (tmp_path / "uploads2").exists()
