"""Notes brought out of note apps as Markdown: Notion's export, TextBundles (Bear, Ulysses)."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from source_helpers import png, read_warnings, shape, write
from test_sources_dayone import settle

from indexer.build import build_index
from indexer.sources import read_source
from indexer.sources.textbundle import zip_member_name
from indexer.store import Index

PAGE = "3f2a9b1c4d5e6f708192a3b4c5d6e7f8"
BREAD = "aa11bb22cc33dd44ee55ff6677889900"
PANTRY = "0099887766ff55ee44dd33cc22bb11aa"
FLOUR = "0123456789abcdef0123456789abcdef"


def notion_export(root):
    """A small export as Notion writes it: pages named `Title <id>.md`, pictures and sub-pages in the
    page's folder, %-encoded links, a callout, a link whose cut name leaves a `(` open, a database
    as a table beside its rows' pages."""
    png(root / "Recipes" / "image.png")
    write(
        root / f"Recipes {PAGE}.md",
        f"# Recipes\n\n<aside>\n💡 Keep the dough cold.\n\n</aside>\n\n![image](Recipes/image.png)\n\n"
        f"[Bread](Recipes/Bread%20{BREAD}.md)\n\n"
        f"[Sourdough (the long way)](Recipes/Sourdough%20(the%20long%20{BREAD[::-1]}.md)\n\n"
        f"[Pantry](Recipes/Pantry%20{PANTRY}.csv)\n",
    )
    write(root / "Recipes" / f"Bread {BREAD}.md", "Knead for ten minutes.\n")  # a page with no heading
    write(root / "Recipes" / f"Pantry {PANTRY}.csv", "Name,Amount\nFlour,1 kg\n")
    write(root / "Recipes" / f"Pantry {PANTRY}_all.csv", "Name,Amount\nFlour,1 kg\n")
    write(root / "Recipes" / "Pantry" / f"Flour {FLOUR}.md", "# Flour\n\nAmount: 1 kg\n\nKeep it dry.\n")
    write(root / "Recipes" / f"Spices {FLOUR[::-1]}.csv", "Name\nCumin\n")  # its rows were not kept


@pytest.mark.parametrize("vault", [False, True], ids=["folder", "opened-in-obsidian"])
def test_a_notion_export_reads_as_the_pages_a_person_saw(tmp_path, vault):
    notion_export(tmp_path)
    if vault:  # Obsidian titles a note by its file name: here the name Notion cut and tagged
        (tmp_path / ".obsidian").mkdir()
    docs, warned = read_warnings(tmp_path)
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == [  # ids keep Notion's page ids: stable across exports
        f"Recipes {PAGE}.md",
        f"Recipes/Bread {BREAD}.md",
        f"Recipes/Pantry/Flour {FLOUR}.md",
        f"Recipes/Spices {FLOUR[::-1]}.csv",  # a table whose rows were not exported: read as a table
    ]
    assert [by_id[i].title for i in sorted(by_id)] == ["Recipes", "Bread", "Flour", "Spices"]
    assert by_id[f"Recipes/Spices {FLOUR[::-1]}.csv"].segments[0].text == "Name\nCumin"
    assert shape(by_id[f"Recipes {PAGE}.md"], tmp_path) == [
        "T:# Recipes\n\n💡 Keep the dough cold.",
        "I:Recipes/image.png",
        "T:Bread\n\nSourdough (the long way)\n\nPantry",
    ]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            f"Recipes/Pantry {PANTRY}.csv",
            "excluded",
            f"Recipes/Pantry {PANTRY}.csv: a Notion database's table, its rows read as their pages "
            "(Pantry/); not indexed",
        ),
        (
            f"Recipes/Pantry {PANTRY}_all.csv",
            "excluded",
            f"Recipes/Pantry {PANTRY}_all.csv: a Notion database's table, its rows read as their pages "
            "(Pantry/); not indexed",
        ),
    ]


def test_a_database_rows_properties_become_its_properties_and_tags(tmp_path):
    row = (
        "# Word Ladder II\n\n#: 126\nDifficulty: Hard\nTags: BFS, Backtracking\n"
        "Created time: June 27, 2023 9:32 PM\n\nA transformation sequence from beginWord to endWord.\n"
    )
    write(tmp_path / "Problems" / f"Word Ladder II {PAGE}.md", row)
    write(tmp_path / "Problems" / f"Notes {BREAD}.md", "# Notes\n\nNote: only a sentence, then\nmore text.\n")
    write(tmp_path / "Problems" / f"Update {FLOUR}.md", "# Update\n\nUpdate: one line is a sentence.\n")
    write(tmp_path / "Plain.md", "# Plain\n\nTags: not a Notion page\nOwner: me\n")
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    plain, notes, update, ladder = docs
    assert (update.meta["properties"], update.meta["tags"]) == ({}, [])
    assert ladder.meta["tags"] == ["BFS", "Backtracking"]
    assert ladder.meta["properties"] == {
        "#": "126",
        "Difficulty": "Hard",
        "Tags": "BFS, Backtracking",
        "Created time": "June 27, 2023 9:32 PM",
    }
    assert "Difficulty: Hard" in ladder.text  # shown on the page: still words to search by
    assert (notes.meta["properties"], notes.meta["tags"]) == ({}, [])  # a paragraph, not properties
    assert (plain.meta["properties"], plain.meta["tags"]) == ({}, [])  # not a Notion page


def test_a_page_whose_name_notion_cut_is_titled_by_its_heading_in_a_vault(tmp_path):
    (tmp_path / ".obsidian").mkdir()
    cut = "Step-by-Step Guide Buddhist Eastern Mode Bot with "  # Notion cuts at 50 characters
    write(
        tmp_path / f"{cut} {PAGE}.md",
        "# Step-by-Step Guide: Buddhist / Eastern Mode Bot with Submodes\n\nText.\n",
    )
    write(tmp_path / "Plain note.md", "# A heading\n\nObsidian titles me by my file name.\n")
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    assert [d.title for d in docs] == [
        "Plain note",
        "Step-by-Step Guide: Buddhist / Eastern Mode Bot with Submodes",
    ]


def test_an_ordinary_link_with_parentheses_is_left_as_it_is(tmp_path):
    png(tmp_path / "a(b).png")
    write(
        tmp_path / f"Page {PAGE}.md", "# Page\n\n![x](a(b).png) and [site](https://example.org/A_(b)) here\n"
    )
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    assert shape(docs[0], tmp_path) == ["T:# Page", "I:a(b).png", "T:and site here"]


def test_a_textbundle_is_one_note_titled_by_the_bundle(tmp_path):
    png(tmp_path / "Sourdough starter.textbundle" / "assets" / "jar.png")
    write(
        tmp_path / "Sourdough starter.textbundle" / "info.json",
        '{"version": 2, "type": "net.daringfireball.markdown"}',
    )
    write(
        tmp_path / "Sourdough starter.textbundle" / "text.md",
        "Feed it daily, see [[Bread]].\n\n![](assets/jar.png)\n\n#baking\n",  # Bear: no heading, wiki links
    )
    write(tmp_path / "Notes.textbundle" / "text.markdown", "# Shopping\n\nFlour.\n")
    docs, warned = read_warnings(tmp_path)
    assert warned == []  # info.json is the bundle's, not a note: passed over
    assert [(d.id, d.title) for d in docs] == [
        ("Notes.textbundle/text.markdown", "Shopping"),
        ("Sourdough starter.textbundle/text.md", "Sourdough starter"),
    ]
    assert shape(docs[1], tmp_path)[1] == "I:Sourdough starter.textbundle/assets/jar.png"
    assert docs[1].meta["tags"] == ["baking"]


def bear_backup(
    path, notes: dict[str, dict[str, bytes]], wrapper: str = "Bear Notes 2019-10-21.bearbk/"
) -> None:
    """A Bear backup as Bear writes it: a zip of `<note>.textbundle/` folders (text.txt, info.json,
    assets/)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for note, files in notes.items():
            for inside, data in files.items():
                archive.writestr(f"{wrapper}{note}.textbundle/{inside}", data)
    write(path, buffer.getvalue())


def png_bytes(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def test_a_bear_backup_is_read_note_by_note_with_its_pictures(tmp_path):
    info = b'{"net.shinyfrog.bear": {"trashed": 0}, "version": 2}'
    bear_backup(
        tmp_path / "Backup.bearbk",
        {
            "Welcome": {
                "text.txt": b"# Welcome to Bear\n\n[assets/Welcome@2x.png]\n\nWrite with #markdown.\n",
                "info.json": info,
                "assets/Welcome@2x.png": png_bytes("blue"),
            },
            "Shopping": {
                "text.txt": b"Flour, eggs. See [[Welcome]]\n\n![](assets/gone.jpg)\n",
                "info.json": info,
            },
            "Empty": {"text.txt": b"", "info.json": info},
        },
    )
    docs, warned = read_warnings(tmp_path)
    assert [(d.id, d.title) for d in docs] == [
        ("Backup.bearbk/Shopping", "Shopping"),
        ("Backup.bearbk/Welcome", "Welcome to Bear"),
    ]
    welcome = docs[1]
    assert [type(s).__name__ for s in welcome.segments] == ["TextSegment", "ImageSegment", "TextSegment"]
    assert welcome.meta["tags"] == ["markdown"]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        ("Backup.bearbk", "empty", "Backup.bearbk (Empty): no text and no readable image, document skipped"),
        (
            "Backup.bearbk",
            "missing",
            "Backup.bearbk: note 'Shopping' shows a picture the backup does not hold, skipped: "
            "assets/gone.jpg",
        ),
    ]


def test_bears_tab_indented_lists_are_lists_not_code(tmp_path):
    # Bear indents a list a tab per level; opening a list after a blank line, that was code
    text = (
        b"Estimations\n\n\t- [x] diag tout eNATL60\n\t- [ ] filtrage\n\t\t- [x] mail Andy\n\nFin\n\n"
        b"- rapport\n\t- figures\n\n```\n\tcode stays\n```\n"
    )
    bear_backup(tmp_path / "B.bearbk", {"Julien": {"text.txt": text, "info.json": b"{}"}})

    [doc], _ = read_warnings(tmp_path)

    assert doc.text == (
        "Estimations\n\n- [x] diag tout eNATL60\n- [ ] filtrage\n  - [x] mail Andy\n\nFin\n\n"
        "- rapport\n  - figures\n\n\tcode stays"
    )


def test_bad_bear_backups_are_named_and_nothing_else_is_lost(tmp_path):
    write(tmp_path / "Damaged.bearbk", b"PK\x03\x04 not really a zip")
    write(tmp_path / "Empty.bearbk", b"")
    write(tmp_path / "Other.bearbk", _zip({"notes/readme.md": b"# Not a bundle\n"}))
    write(tmp_path / "One note.textpack", _zip({"text.md": b"Just a line\n", "assets/a.png": png_bytes()}))
    write(tmp_path / "Loose.textbundle" / "text.txt", b"Loose note\n\n[assets/b.png]\n")
    png(tmp_path / "Loose.textbundle" / "assets" / "b.png")
    write(tmp_path / "keep.md", "# Keep\n\nStill here.\n")
    docs, warned = read_warnings(tmp_path)
    assert [(d.id, d.title, len(d.images)) for d in docs] == [
        ("Loose.textbundle/text.txt", "Loose", 1),  # Bear's text.txt is Markdown, its picture in place
        ("One note.textpack", "One note", 0),  # a picture the text does not show is not read
        ("keep.md", "Keep", 0),
    ]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            "Damaged.bearbk",
            "unreadable",
            "Damaged.bearbk: not a zip archive of notes (damaged or another format), skipped",
        ),
        ("Empty.bearbk", "empty", "Empty.bearbk: an empty file, skipped"),
        ("Other.bearbk", "empty", "Other.bearbk: holds no TextBundle (no text.md), skipped"),
    ]


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for inside, data in files.items():
            archive.writestr(inside, data)
    return buffer.getvalue()


def test_a_note_name_zipped_on_macos_reads_as_the_person_wrote_it():
    # macOS zips UTF-8 names without the UTF-8 flag, accents decomposed: Python reads them as cp437
    info = zipfile.ZipInfo("Bear Pro et the\u0300mes.textbundle/text.txt".encode().decode("cp437"))
    info.flag_bits = 0
    assert info.filename == "Bear Pro et the╠Çmes.textbundle/text.txt"
    assert zip_member_name(info) == "Bear Pro et thèmes.textbundle/text.txt"


def test_a_bear_backup_is_indexed_once_and_followed_note_by_note(tiny_dsvl, tmp_path):
    folder, uri = tmp_path / "bear", tmp_path / "index"
    note = {"text.txt": b"# Jam\n\n[assets/jar.png]\n", "assets/jar.png": png_bytes("purple")}
    bear_backup(
        folder / "Notes.bearbk", {"Jam": note, "Tea": {"text.txt": b"# Tea\n\nSteep four minutes.\n"}}
    )
    write(folder / "list.md", "# Errands\n\nPost office.\n")
    settle(folder)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (first.added, first.notes_read) == (3, 2)

    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded, again.removed) == (0, 3, 0, 0)
    assert sorted(d.id for d in Index.open(uri).documents()) == [
        "bear/Notes.bearbk/Jam",
        "bear/Notes.bearbk/Tea",
        "bear/list.md",
    ]
    doc = read_source(folder, "Notes.bearbk", "Notes.bearbk/Jam")  # a hit re-read from its backup
    assert doc is not None and doc.title == "Jam" and len(doc.images) == 1
