"""Google Keep notes from a Takeout export: each note's JSON a document, its `.html` copy not another."""

from __future__ import annotations

import json
import os
import time
import zipfile

from source_helpers import jpeg, png, read_warnings, shape, write

from indexer.build import build_index
from indexer.sources import read_collection, read_source
from mme_core.documents import InterleavedDoc, TextSegment

# What Takeout writes beside each note: an HTML copy showing the same note (its pictures inline)
HTML_COPY = (
    '<?xml version="1.0" ?>\n<!DOCTYPE html><html><head><title>{title}</title></head><body>'
    '<div class="note"><div class="heading">Aug 26, 2021, 12:52:26 PM</div>'
    '<div class="title">{title}</div><div class="content">{title} as a web page</div></div></body></html>'
)
# Takeout's summary page at the top of the export (its title in the account's language)
SUMMARY = (
    '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Google Datenexport – Archivinhalte</title>'
    '<style type="text/css">/* -------- Archive summary styles ---------- */\n.archive-summary {}\n'
    "</style></head><body><h1>Archiv für someone@example.com</h1><h2>Google Notizen</h2></body></html>"
)


def keep_note(folder, stem: str, html: bool = True, **fields) -> dict:
    """A note as Takeout writes it: `<stem>.json` (Keep's keys, its flags first) and `<stem>.html`."""
    note = {
        "color": "DEFAULT",
        "isTrashed": False,
        "isPinned": False,
        "isArchived": False,
        "textContent": "",
        "title": "",
        "userEditedTimestampUsec": 1629964346280000,
        "createdTimestampUsec": 1629964333125000,
        **fields,
    }
    write(folder / f"{stem}.json", json.dumps(note, ensure_ascii=False, separators=(",", ":")))
    if html:
        write(folder / f"{stem}.html", HTML_COPY.format(title=note["title"] or stem))
    return note


def takeout(root):
    """A small export: a checklist, a note with a photo, a drawing and web links, untitled notes,
    a photo Takeout names `.jpeg` but wrote as `.jpg`, Labels.txt and the summary page."""
    keep = root / "Takeout" / "Keep"
    keep_note(
        keep,
        "Shopping",
        title="Shopping",
        textContent="",
        listContent=[
            {"text": "milk", "isChecked": True},
            {"text": "sourdough  flour", "isChecked": False},
            {"text": "", "isChecked": False},
        ],
        labels=[{"name": "groceries"}, {"name": "home"}],
        isPinned=True,
        color="YELLOW",
    )
    png(keep / "1629964295873.139657380.png", "white", (80, 60))  # a drawing
    jpeg(keep / "15b807dfd35.9d0e780fc8254993.jpg", "green")
    keep_note(
        keep,
        "Bike repair",
        title="Bike repair",
        textContent="Chain slips on the big cog.\n\n* tighten the derailleur\n# not a heading",
        attachments=[
            {"filePath": "15b807dfd35.9d0e780fc8254993.jpg", "mimetype": "image/jpeg"},
            {"filePath": "1629964295873.139657380.png", "mimetype": "image/png"},
        ],
        annotations=[
            {
                "description": "A shop",
                "source": "WEBLINK",
                "title": "Derailleur guide",
                "url": "https://x.org/d",
            },
            {"source": "WEBLINK", "title": "", "url": "https://x.org/bare"},
        ],
        isArchived=True,
    )
    keep_note(keep, "2021-08-26T12_50_07.132+05_00", textContent="\nhello world\nsecond line")
    jpeg(keep / "1629964333125.746683646.jpg", "red")
    keep_note(
        keep,
        "2021-08-26T14_23_07.058+05_00",
        attachments=[{"filePath": "1629964333125.746683646.jpeg", "mimetype": "image/jpeg"}],
    )
    write(keep / "Labels.txt", "groceries\nhome\n")
    write(root / "Takeout" / "archive_browser.html", SUMMARY)
    return keep


def test_each_note_is_a_document_as_keep_shows_it_and_its_html_copy_is_not(tmp_path):
    takeout(tmp_path)
    docs, warned = read_warnings(tmp_path)
    root = tmp_path.resolve()
    assert [d.id for d in docs] == [  # no `.html` copy, no photo standing alone: the notes show them
        "Takeout/Keep/2021-08-26T12_50_07.132+05_00.json",
        "Takeout/Keep/2021-08-26T14_23_07.058+05_00.json",
        "Takeout/Keep/Bike repair.json",
        "Takeout/Keep/Shopping.json",
    ]
    untitled, photo_only, bike, shopping = docs
    assert shopping.title == "Shopping"
    assert shape(shopping, root) == ["T:Shopping\n\n[x] milk\n[ ] sourdough flour"]
    assert shopping.meta["tags"] == ["groceries", "home"]
    assert shopping.meta["properties"] == {
        "pinned": True,
        "color": "yellow",
        "created": "2021-08-26T07:52:13Z",
        "edited": "2021-08-26T07:52:26Z",
    }
    # plain text as written (no Markdown read in it), web links as text, pictures after it all
    assert shape(bike, root) == [
        "T:Bike repair\n\nChain slips on the big cog.\n\n* tighten the derailleur\n# not a heading\n\n"
        "Derailleur guide (https://x.org/d)\nhttps://x.org/bare",
        "I:Takeout/Keep/15b807dfd35.9d0e780fc8254993.jpg",
        "I:Takeout/Keep/1629964295873.139657380.png",
    ]
    assert bike.meta["properties"]["archived"] is True
    assert (untitled.title, shape(untitled, root)) == ("hello world", ["T:hello world\nsecond line"])
    # no title, no text: its date from Takeout's file name; `.jpeg` in the JSON, `.jpg` on disk
    assert photo_only.title == "2021-08-26 14:23"
    assert shape(photo_only, root) == ["I:Takeout/Keep/1629964333125.746683646.jpg"]
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    assert said == [
        (
            "Takeout/Keep/Labels.txt",
            "excluded",
            "Takeout/Keep/Labels.txt: Google Keep's list of label names (each note's labels are its tags); "
            "not indexed",
        ),
        (
            "Takeout/archive_browser.html",
            "excluded",
            "Takeout/archive_browser.html: Google Takeout's summary of the export (what it holds, not a "
            "note); not indexed",
        ),
    ]


def test_trash_voice_memos_missing_pictures_and_broken_notes_are_said_the_rest_read(tmp_path):
    keep = tmp_path / "Keep"
    keep_note(keep, "Old idea", title="Old idea", textContent="gone", isTrashed=True)
    write(keep / "1700000000000.amr", b"#!AMR\n" + bytes(64))  # a voice memo beside its note
    keep_note(
        keep,
        "Call plumber",
        title="Call plumber",
        textContent="call the plumber about the boiler",  # Keep's transcript of the memo
        attachments=[
            {"filePath": "1700000000000.amr", "mimetype": "audio/amr"},
            {"filePath": "gone.png", "mimetype": "image/png"},
            {"filePath": "clip.mpg", "mimetype": "video/mpeg"},  # not a kind read (an .mp4: in place)
        ],
    )
    keep_note(keep, "Cut", title="Cut", textContent="cut short")
    (keep / "Cut.json").write_bytes((keep / "Cut.json").read_bytes()[:-20])  # its HTML copy is read
    write(keep / "Broken.json", '{"color":"DEFAULT","isTrashed":false,"isArchived":false,"textContent":"ha')
    write(keep / "List.json", '[{"isTrashed": false, "isArchived": false}]')  # not a note: a tool's data
    write(keep / "package.json", '{"name": "site", "isTrashed": false}')
    write(keep / "notes.md", "# Still here\n\nRead as ever.\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["Keep/Call plumber.json", "Keep/Cut.html", "Keep/notes.md"]
    assert docs[0].text == "Call plumber\n\ncall the plumber about the boiler"  # kept, no picture
    assert docs[1].title == "Cut"
    said = sorted((w.file, w.reason, w.reference, str(w)) for w in warned)
    assert said == [
        (
            "Keep/Broken.json",
            "unreadable",
            "",
            "Keep/Broken.json: the Keep note is damaged (JSON error at line 1, column 71); skipped",
        ),
        (
            "Keep/Call plumber.json",
            "missing",
            "gone.png",
            "Keep/Call plumber.json: image skipped, file not found: gone.png",
        ),
        (
            "Keep/Call plumber.json",
            "unsupported type",
            "1700000000000.amr",
            "Keep/Call plumber.json: a voice memo (1700000000000.amr) is not read",
        ),
        (
            "Keep/Call plumber.json",
            "unsupported type",
            "clip.mpg",
            "Keep/Call plumber.json: a video (clip.mpg) is not read",
        ),
        (
            "Keep/Cut.json",
            "unreadable",
            "",
            "Keep/Cut.json: the Keep note is damaged (JSON error at line 1, column 157); "
            "its copy Cut.html is read instead",
        ),
        ("Keep/Old idea.json", "excluded", "", "Keep/Old idea.json: in Keep's trash, not indexed"),
    ]


def test_one_note_given_alone_and_a_note_read_again_by_its_source(tmp_path):
    keep = takeout(tmp_path)
    [doc] = read_collection(keep / "Bike repair.json")
    assert doc.id == "Bike repair.json" and len(doc.images) == 2  # its pictures found beside it
    again = read_source(tmp_path, "Takeout/Keep/Shopping.json", "Takeout/Keep/Shopping.json")
    assert again is not None and again.meta["tags"] == ["groceries", "home"]


def test_a_zipped_takeout_export_reads_as_the_folder_on_disk(tmp_path):
    from webapp.collection import extract_zip

    takeout(tmp_path / "export")
    keep = tmp_path / "export" / "Takeout" / "Keep"
    write(keep / "1700000000000.3gp", bytes(64))
    memo = {"filePath": "1700000000000.3gp", "mimetype": "audio/3gpp"}
    keep_note(keep, "Memo", title="Memo", attachments=[memo])
    archive = tmp_path / "takeout-20240920T140112Z-001.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((tmp_path / "export").rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(tmp_path / "export").as_posix())
    folder = extract_zip(archive, tmp_path / "unpacked")
    docs, warned = read_warnings(folder)
    assert folder.name == "Takeout"
    assert [d.id for d in docs] == [
        "Keep/2021-08-26T12_50_07.132+05_00.json",
        "Keep/2021-08-26T14_23_07.058+05_00.json",
        "Keep/Bike repair.json",
        "Keep/Memo.json",
        "Keep/Shopping.json",
    ]
    assert [len(d.images) for d in docs] == [0, 1, 2, 0, 0]
    assert sorted((w.file, w.reason) for w in warned) == [
        ("Keep/Labels.txt", "excluded"),
        ("Keep/Memo.json", "unsupported type"),  # the memo, said once, by its note
        ("archive_browser.html", "excluded"),
    ]


def test_an_export_is_indexed_searched_by_checklist_word_and_label(tiny_dsvl, tmp_path):
    from indexer import Searcher

    keep, uri = takeout(tmp_path / "export"), tmp_path / "index"
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [keep, *keep.iterdir()]:
        os.utime(path, (when, when))
    report = build_index(keep, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (report.added, report.collection, report.notes_read) == (4, "Keep", 4)
    again = build_index(keep, uri, tiny_dsvl, ns=(1,), progress=False)  # nothing read again
    assert (again.notes_read, again.unchanged, again.embedded) == (0, 4, 0)
    searcher = Searcher.open(uri, None, warm=False)

    def keyword(text: str, **filters) -> list[str]:
        query = InterleavedDoc((TextSegment(text),))
        return [hit.id for hit in searcher.search(query, k=5, mode="keyword", **filters)]

    assert keyword("sourdough")[0] == "Keep/Shopping.json"  # a checklist item's word
    assert keyword("derailleur")[0] == "Keep/Bike repair.json"  # a web link's title
    assert keyword("milk", tags=("groceries",)) == ["Keep/Shopping.json"]  # its label, a tag
    assert "Keep/Bike repair.json" not in keyword("derailleur", tags=("groceries",))
    [hit] = searcher.search(InterleavedDoc((TextSegment("derailleur"),)), k=1, mode="keyword")
    assert len(hit.doc.images) == 2 and hit.doc.meta["properties"]["archived"] is True
