"""Uploading an export again from the page, as `python -m indexer add notes.zip` takes it again: the same
zip reuses its folder, a newer download updates its collection and its earlier folder goes, removing
the collection deletes its uploaded files; nothing of another collection is touched."""

from __future__ import annotations

import zipfile
from html import unescape
from pathlib import Path

import pytest

from webapp.handlers import Handlers
from webapp.media import MediaRegistry
from webapp.service import SearchService

NS = (1, 3)
NOTES = {
    "roses.md": "# Prune roses\n\nCut each cane above a bud.\n",
    "tomatoes.md": "# Plant tomatoes\n\nDig deep, water well.\n",
    "basil.md": "# Sow basil\n\nKeep the seeds warm.\n",
}


def zipped(path: Path, notes: dict[str, str]) -> str:
    """An export as the browser hands it over: its own folder, its download name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in notes.items():  # a fixed date: the same export downloaded twice is byte-equal
            archive.writestr(zipfile.ZipInfo(f"Garden/{name}", date_time=(2025, 3, 1, 12, 0, 0)), text)
    return str(path)


@pytest.fixture
def page(tmp_path, tiny_dsvl, upload_root) -> Handlers:
    """An index holding a folder the person indexed from disk ("kitchen"), uploads under tmp/zips."""
    from indexer import Searcher, build_index

    kitchen = tmp_path / "disk" / "kitchen"
    kitchen.mkdir(parents=True)
    (kitchen / "soup.md").write_text("# Miso soup\n\nWhisk the miso into the broth.\n")
    uri = str(tmp_path / "index")
    build_index(str(kitchen), uri, tiny_dsvl, ns=NS, progress=False, name="kitchen")
    service = SearchService(
        Searcher.open(uri, tiny_dsvl),
        tiny_dsvl,
        media=MediaRegistry(upload_root),
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=(tmp_path / "disk",),
        uploads_dir=tmp_path / "zips",
    )
    return Handlers(service)


def folders(page: Handlers) -> list[str]:
    root = page.service.uploads_dir
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def collections(page: Handlers) -> dict[str, str]:
    return {entry["name"]: entry["root"] for entry in page.service.collections()}


def test_the_same_zip_twice_is_one_collection_in_one_folder(page, tmp_path):
    status, *_ = page.index_upload([zipped(tmp_path / "dl1" / "Garden.zip", NOTES)], "")
    assert "Collection &#x27;Garden&#x27;: 3 added" in status
    [first] = folders(page)

    again = zipped(tmp_path / "dl2" / "Garden (1).zip", NOTES)  # the browser's second download
    status, *_ = page.index_upload([again], "")

    assert "0 added, 0 updated, 3 unchanged" in status
    assert folders(page) == [first]
    assert set(collections(page)) == {"kitchen", "Garden"}


def test_a_newer_export_updates_its_collection_and_its_earlier_folder_goes(page, tmp_path):
    page.index_upload([zipped(tmp_path / "dl1" / "Garden.zip", NOTES)], "")
    [earlier] = folders(page)
    newer = NOTES | {"roses.md": "# Prune roses\n\nCut each cane above an outward bud, in March.\n"}
    newer["mint.md"] = "# Grow mint\n\nKeep it in a pot.\n"

    status, *_ = page.index_upload([zipped(tmp_path / "dl2" / "Garden-2025-03-01.zip", newer)], "")

    assert "Collection &#x27;Garden&#x27;: 1 added, 1 updated, 2 unchanged, 0 removed" in status
    assert "moved from the earlier upload (its files deleted)" in status and str(tmp_path) not in status
    [now] = folders(page)
    assert now != earlier and not (page.service.uploads_dir / earlier).exists()
    assert collections(page)["Garden"].startswith(str(page.service.uploads_dir / now))
    assert (tmp_path / "disk" / "kitchen" / "soup.md").is_file()  # the folder from disk: untouched
    html, _ = page.search([{"type": "text", "text": "outward bud March"}], 3, 1, "keyword", ["Garden"])
    assert 'data-id="Garden/roses.md"' in html


def test_removing_an_uploaded_collection_deletes_its_folder_and_nothing_else(page, tmp_path):
    page.index_upload([zipped(tmp_path / "dl1" / "Garden.zip", NOTES)], "")
    herbs = {"basil.md": NOTES["basil.md"], "thyme.md": "# Dry thyme\n\nHang it upside down.\n"}
    page.index_upload([zipped(tmp_path / "dl2" / "Herbs.zip", herbs)], "")
    garden, herbs_folder = (Path(collections(page)[name]) for name in ("Garden", "Herbs"))

    message, _ = page.confirm_removal("Garden")
    assert "Its uploaded files are deleted with it." in message["value"]
    status, *_ = page.remove_collection("Garden", confirmed=True)

    assert "Removed collection &#x27;Garden&#x27;" in status and "its uploaded files were deleted" in status
    assert not garden.exists() and herbs_folder.is_dir() and len(folders(page)) == 1
    message, _ = page.confirm_removal("kitchen")
    assert "Its files on disk are not touched." in message["value"]
    status, *_ = page.remove_collection("kitchen", confirmed=True)
    assert "uploaded files" not in status and (tmp_path / "disk" / "kitchen" / "soup.md").is_file()
    assert set(collections(page)) == {"Herbs"}


def test_the_command_line_removes_and_updates_a_collection_uploaded_on_the_page(
    page, tmp_path, tiny_dsvl_dir, capsys
):
    """`python -m indexer` knows nothing of the app's data folder: the uploads folder says its
    folders are copies the tool made, so `remove` deletes them and `add` takes a newer download."""
    from indexer.__main__ import main

    uri = page.service.index_uri
    page.index_upload([zipped(tmp_path / "dl1" / "Garden.zip", NOTES)], "")
    [earlier] = folders(page)
    newer = NOTES | {"mint.md": "# Grow mint\n\nKeep it in a pot.\n"}
    args = ["--index", uri, "--model", str(tiny_dsvl_dir), "--ns", "1,3", "--quiet"]
    assert main(["add", zipped(tmp_path / "dl2" / "Garden.zip", newer), *args]) == 0
    out = capsys.readouterr().out
    assert "1 added, 0 updated, 3 unchanged" in out and "removed the earlier unpack" in out
    assert earlier not in folders(page)  # the page's copy went once the command line's took over

    herbs = {"thyme.md": "# Dry thyme\n\nHang it upside down.\n"}
    page.index_upload([zipped(tmp_path / "dl3" / "Herbs.zip", herbs)], "")
    [herbs_folder] = folders(page)
    assert main(["remove", "Herbs", "--index", uri]) == 0
    out = capsys.readouterr().out
    assert f"removed its unpacked files {page.service.uploads_dir / herbs_folder}" in out
    assert folders(page) == [] and (tmp_path / "disk" / "kitchen" / "soup.md").is_file()
    assert main(["remove", "kitchen", "--index", uri]) == 0  # a folder from disk: never deleted
    assert "unpacked files" not in capsys.readouterr().out and (tmp_path / "disk" / "kitchen").is_dir()


def test_another_export_of_the_same_name_or_a_folder_of_that_name_is_not_replaced(page, tmp_path):
    page.index_upload([zipped(tmp_path / "dl1" / "Garden.zip", NOTES)], "")
    before = folders(page)
    other = {"a.md": "# A\n\nOne.\n", "b.md": "# B\n\nTwo.\n", "c.md": "# C\n\nThree.\n"}

    status, *_ = page.index_upload([zipped(tmp_path / "dl2" / "Garden.zip", other)], "")

    said = unescape(status)
    assert "Garden.zip is not a newer download of the export in collection 'Garden'" in said
    assert 'type it under "Collection name"' in said and "--name" not in said
    assert folders(page) == before  # the refused upload's folder is gone again
    status, *_ = page.index_upload([zipped(tmp_path / "dl3" / "kitchen.zip", other)], "")
    said = unescape(status)
    assert "a collection named 'kitchen' already holds" in said and str(tmp_path / "zips") not in said
    assert folders(page) == before and set(collections(page)) == {"kitchen", "Garden"}

    status, *_ = page.index_upload([zipped(tmp_path / "dl4" / "Garden.zip", other)], "Garden")
    assert "Collection &#x27;Garden&#x27;: 3 added" in status and "3 removed" in status  # named: replaced
    assert len(folders(page)) == 1 and folders(page) != before


def test_loose_files_chosen_again_after_an_edit_leave_one_folder(page, tmp_path):
    def choose(text: str, where: str) -> list[str]:
        folder = tmp_path / where
        folder.mkdir()
        (folder / "Pancakes.md").write_text(text)
        (folder / "Waffles.md").write_text("# Waffles\n\nHeat the iron.\n")
        return [str(folder / "Pancakes.md"), str(folder / "Waffles.md")]

    page.index_upload(choose("# Pancakes\n\nMix flour and milk.\n", "pick1"), "")
    status, *_ = page.index_upload(choose("# Pancakes\n\nMix flour, eggs and milk.\n", "pick2"), "")

    assert "Collection &#x27;Pancakes&#x27;: 0 added, 1 updated, 1 unchanged" in status
    assert len(folders(page)) == 1 and set(collections(page)) == {"kitchen", "Pancakes"}
