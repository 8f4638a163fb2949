"""Joplin exports: a RAW export folder and a .jex, each note one document with its pictures in place."""

from __future__ import annotations

import io
import os
import tarfile
import time
import zipfile

from source_helpers import png, read_warnings, shape, write

from indexer.build import build_index
from indexer.sources import read_collection
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

WORK, GARDEN = "f1" + "0" * 30, "f2" + "0" * 30
PRUNING, WATERING, MANUAL_NOTE = "a1" + "0" * 30, "a2" + "0" * 30, "a3" + "0" * 30
SECRET, BINNED, DAMAGED = "e1" + "0" * 30, "d1" + "0" * 30, "bad" + "0" * 29
LEAF, MANUAL, LOST, LOOSE = "b1" + "0" * 30, "b2" + "0" * 30, "b3" + "0" * 30, "b4" + "0" * 30
SPARE, BINNED_PICTURE = "b5" + "0" * 30, "b6" + "0" * 30
TAG, LINK, LOCKED_TAG = "c1" + "0" * 30, "c2" + "0" * 30, "c3" + "0" * 30
STAMP = "2024-03-01T09:15:42.123Z"


def item(kind: int, id_: str, title: str | None = None, body: str = "", **props) -> str:
    """An item as Joplin's exporters write it (`BaseItem.serialize`): title, body, properties."""
    fields = {"id": id_, "created_time": STAMP, "updated_time": STAMP, "user_created_time": STAMP}
    fields |= {"user_updated_time": STAMP, "encryption_cipher_text": "", "encryption_applied": "0"}
    if kind == 1:
        fields |= {"parent_id": "", "is_conflict": "0", "latitude": "0.00000000", "longitude": "0.00000000"}
        fields |= {"author": "", "source_url": "", "is_todo": "0", "todo_due": "0", "todo_completed": "0"}
        fields |= {"markup_language": "1", "deleted_time": "0"}
    fields |= {key: str(value) for key, value in props.items()} | {"type_": str(kind)}
    parts = [title] if title is not None else []
    parts += [body] if body else []
    return "\n\n".join([*parts, "\n".join(f"{key}: {value}" for key, value in fields.items())])


def export(root):
    """A small RAW export: notebooks Work > Garden, a tagged to-do note with a picture, a PDF and a
    link to another note; a note opening with its title; a note whose picture file is gone; an
    encrypted note, one in the trash, a damaged item, an attachment no note links."""
    write(root / f"{WORK}.md", item(2, WORK, "Work", parent_id=""))
    write(root / f"{GARDEN}.md", item(2, GARDEN, "Garden", parent_id=WORK))
    body = (
        f"Pinch the suckers weekly.\n\n![leaf.png]({':/' + LEAF})\n\n"
        f"See [watering](:/{WATERING}) and [the manual](:/{MANUAL})."
    )
    write(
        root / f"{PRUNING}.md",
        item(
            1,
            PRUNING,
            "Tomato pruning",
            body,
            parent_id=GARDEN,
            is_todo=1,
            todo_completed=1709300000000,
            latitude="48.85660000",
            longitude="2.35220000",
            source_url="https://example.org/tomatoes",
        ),
    )
    write(
        root / f"{WATERING}.md",
        item(1, WATERING, "Watering", "# Watering\n\nDeep soak twice a week.", parent_id=WORK),
    )
    write(
        root / f"{MANUAL_NOTE}.md",
        item(1, MANUAL_NOTE, "Broken picture", f"Seedling tray ![]({':/' + LOST})"),
    )
    write(
        root / f"{SECRET}.md", item(1, SECRET, None, encryption_applied=1, encryption_cipher_text="JED01abc")
    )
    binned = item(1, BINNED, "Old list", f"compost bins ![](:/{BINNED_PICTURE})", deleted_time=1709300000000)
    write(root / f"{BINNED}.md", binned)
    write(root / f"{DAMAGED}.md", f"Half a note\n\nbody text\n\nid: {DAMAGED}\nparent_id {WORK}")
    write(root / f"{TAG}.md", item(5, TAG, "garden"))
    write(
        root / f"{LOCKED_TAG}.md",
        item(5, LOCKED_TAG, None, encryption_applied=1, encryption_cipher_text="JED"),
    )
    write(root / f"{LINK}.md", item(6, LINK, note_id=PRUNING, tag_id=TAG))
    for resource, title, mime, ext in [
        (LEAF, "leaf.png", "image/png", "png"),
        (MANUAL, "manual.pdf", "application/pdf", "pdf"),
        (LOST, "tray.jpg", "image/jpeg", "jpg"),
        (LOOSE, "notes.pdf", "application/pdf", "pdf"),
    ]:
        write(root / f"{resource}.md", item(4, resource, title, mime=mime, file_extension=ext))
    png(root / "resources" / f"{LEAF}.png", "green")
    write(root / "resources" / f"{MANUAL}.pdf", b"%PDF-1.4 not read")
    write(root / "resources" / f"{LOOSE}.pdf", b"%PDF-1.4 no note links it")
    png(root / "resources" / f"{BINNED_PICTURE}.png", "gray")  # the trashed note's: said by it
    png(root / "resources" / f"{SPARE}.png", "white")  # a picture no note links
    return root


def jex(folder, path, extra=()):
    """The folder as Joplin's JEX exporter packs it (a plain tar), with `extra` (name, bytes) members."""
    with tarfile.open(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.add(file, file.relative_to(folder).as_posix())
        for name, data in extra:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


EXPECTED = sorted(
    [  # (file, reason) said of the export
        (f"{BINNED}.md", "excluded"),  # in the trash
        (f"{DAMAGED}.md", "unreadable"),
        (f"{MANUAL_NOTE}.md", "missing"),  # its picture's file is gone
        (f"{PRUNING}.md", "unsupported type"),  # the PDF it links
        (f"{SECRET}.md", "unreadable"),  # encrypted
        (f"{LOCKED_TAG}.md", "unreadable"),  # an encrypted tag
        (f"resources/{LOOSE}.pdf", "excluded"),  # no note links it
        (f"resources/{SPARE}.png", "excluded"),
    ]
)


def test_a_raw_export_reads_each_note_as_joplin_shows_it(tmp_path):
    root = export(tmp_path / "joplin-export")
    docs, warned = read_warnings(root)
    assert [(d.id, d.title) for d in docs] == sorted(
        [
            (f"{PRUNING}.md", "Tomato pruning"),
            (f"{WATERING}.md", "Watering"),
            (f"{MANUAL_NOTE}.md", "Broken picture"),
        ]
    )
    by_id = {d.id: d for d in docs}
    pruning = by_id[f"{PRUNING}.md"]
    assert shape(pruning, root) == [
        "T:Tomato pruning\n\nPinch the suckers weekly.",
        f"I:resources/{LEAF}.png",
        "T:See watering and the manual.",  # a link to a note and to a PDF: their words
    ]
    assert pruning.meta["tags"] == ["garden"]
    assert pruning.meta["properties"] == {
        "notebook": "Work / Garden",
        "created": "2024-03-01T09:15:42Z",
        "updated": "2024-03-01T09:15:42Z",
        "todo": "done",
        "completed": "2024-03-01T13:33:20Z",
        "source_url": "https://example.org/tomatoes",
        "location": "48.85660, 2.35220",
    }
    assert shape(by_id[f"{WATERING}.md"], root) == ["T:# Watering\n\nDeep soak twice a week."]  # once
    text = " ".join(s.text for d in docs for s in d.segments if isinstance(s, TextSegment))
    assert "parent_id" not in text and "type_" not in text and "compost" not in text
    assert sorted((w.file, w.reason) for w in warned) == EXPECTED
    said = {w.file: str(w) for w in warned}
    assert "a PDF (manual.pdf) is not read" in said[f"{PRUNING}.md"]
    assert "encrypted" in said[f"{SECRET}.md"] and "trash" in said[f"{BINNED}.md"]
    assert "tray.jpg" not in said[f"{MANUAL_NOTE}.md"] and LOST in said[f"{MANUAL_NOTE}.md"]


def test_a_jex_reads_as_its_folder_without_unpacking_it(tmp_path):
    archive = jex(export(tmp_path / "raw"), tmp_path / "Garden notes.jex")
    docs, warned = read_warnings(archive)
    assert [d.id for d in docs] == sorted(f"Garden notes.jex/{n}" for n in (PRUNING, WATERING, MANUAL_NOTE))
    pruning = next(d for d in docs if d.id.endswith(PRUNING))
    assert [type(s).__name__ for s in pruning.segments] == ["TextSegment", "ImageSegment", "TextSegment"]
    assert pruning.meta["tags"] == ["garden"] and pruning.meta["properties"]["notebook"] == "Work / Garden"
    assert sorted(w.reason for w in warned) == sorted(
        ["excluded", "unreadable", "missing", "unsupported type", "unreadable", "unreadable", "excluded"]
    )  # as the folder; the encrypted items and the attachments no note links one line each
    assert {w.file for w in warned} == {"Garden notes.jex"}
    said = " ".join(map(str, warned))
    assert f"a Joplin note ({SECRET}) still encrypted" in said  # which note, in a .jex
    assert "Garden notes.jex: 1 tag still encrypted" in said  # the other items: one line
    assert f"2 attachment(s) no note of the export links ({LOOSE}.pdf, {SPARE}.png)" in said
    assert not any(str(tmp_path) in str(w) for w in warned)
    assert not (tmp_path / "resources").exists()


def test_a_cut_or_hostile_jex_is_read_as_far_as_it_is_safe_and_said(tmp_path):
    raw = export(tmp_path / "raw")
    hostile = jex(raw, tmp_path / "hostile.jex", extra=[("../escape.md", b"x"), ("/etc/evil.md", b"y")])
    docs, warned = read_warnings(hostile)
    assert len(docs) == 3 and not (tmp_path / "escape.md").exists()
    assert sorted(w.reference for w in warned if w.reason == "outside the collection") == [
        "../escape.md",
        "/etc/evil.md",
    ]
    full = jex(raw, tmp_path / "full.jex")
    with tarfile.open(full) as archive:  # cut inside the second note, as an interrupted download is
        at = archive.getmember(f"{WATERING}.md").offset_data + 20
    cut = write(tmp_path / "cut" / "cut.jex", full.read_bytes()[:at])
    docs, warned = read_warnings(cut)
    assert [d.id for d in docs] == [f"cut.jex/{PRUNING}"]  # the note before the cut
    assert [(w.file, w.reason) for w in warned] == [("cut.jex", "unreadable")] * 2 + [("cut.jex", "missing")]
    assert f"{WATERING}.md cannot be read (the export is cut inside it" in str(warned[1])
    assert str(warned[2]).endswith(f"shows a picture the export does not hold, skipped: :/{LEAF}")
    garbage = write(tmp_path / "bad" / "notes.jex", b"this is not a tar at all" * 40)
    docs, warned = read_warnings(garbage)
    assert docs == [] and [(w.file, w.reason) for w in warned] == [("notes.jex", "unreadable")]


def test_markdown_named_like_an_item_outside_an_export_is_markdown(tmp_path):
    write(tmp_path / f"{'9' * 32}.md", "# Plain note\n\nid: not joplin\n\nJust words.")
    [doc] = read_collection(tmp_path)
    assert doc.title == "Plain note" and "Just words." in doc.segments[-1].text


def test_an_export_is_indexed_and_searched_by_body_word_and_tag(tiny_dsvl, tmp_path):
    from indexer import Searcher

    root, uri = export(tmp_path / "joplin-export"), tmp_path / "index"
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when))
    report = build_index(root, uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.added == 3
    again = build_index(root, uri, tiny_dsvl, ns=(1,), progress=False)  # the notes not read again
    assert (again.notes_read, again.unchanged) == (4, 3)  # those giving none are (trash, encrypted, damaged)
    write(root / f"{TAG}.md", item(5, TAG, "vegetables"))  # the tag renamed: its note read again
    os.utime(root / f"{TAG}.md", (when + 10, when + 10))
    renamed = build_index(root, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (renamed.notes_read, renamed.unchanged) == (5, 2)
    archive = jex(root, tmp_path / "Garden.jex")
    assert build_index(archive, uri, tiny_dsvl, ns=(1,), progress=False).added == 3
    searcher = Searcher.open(uri, None, warm=False)

    def keyword(text: str, **filters) -> list[str]:
        query = InterleavedDoc((TextSegment(text),))
        return [hit.id for hit in searcher.search(query, k=6, mode="keyword", **filters)]

    both = {f"joplin-export/{PRUNING}.md", f"Garden/Garden.jex/{PRUNING}"}  # the folder's, the .jex's
    assert set(keyword("suckers")[:2]) == both
    assert set(keyword("soak")[:2]) == {f"joplin-export/{WATERING}.md", f"Garden/Garden.jex/{WATERING}"}
    assert f"joplin-export/{WATERING}.md" not in keyword("soak", tags=("garden",))  # Watering has no tag
    assert keyword("suckers", tags=("garden",)) == []  # the tag's name before it was renamed
    assert set(keyword("suckers", tags=("vegetables",))) == both
    [hit] = searcher.search(InterleavedDoc((TextSegment("suckers"),)), k=1, mode="keyword")
    assert any(isinstance(s, ImageSegment) for s in hit.doc.segments)
    assert "parent_id" not in " ".join(s.text for s in hit.doc.segments if isinstance(s, TextSegment))


def test_a_jex_uploaded_alone_and_a_zipped_raw_export_read_on_the_page(tmp_path):
    from webapp.collection import DEFAULT_ZIP_LIMITS, extract_zip
    from webapp.uploads import gather_upload

    raw = export(tmp_path / "joplin-export")
    (tmp_path / "browser").mkdir()
    archive = jex(raw, tmp_path / "browser" / "Garden notes.jex")
    upload = gather_upload([archive], tmp_path / "uploads", DEFAULT_ZIP_LIMITS)
    assert upload.left_out == () and upload.name == "Garden notes"
    docs = read_collection(upload.folder)
    assert [d.id.split("/")[-1] for d in docs] == sorted([PRUNING, WATERING, MANUAL_NOTE])
    zipped = tmp_path / "joplin-export.zip"
    with zipfile.ZipFile(zipped, "w") as out:
        for path in sorted(raw.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(tmp_path).as_posix())
    folder = extract_zip(zipped, tmp_path / "unzipped")
    docs, warned = read_warnings(folder)
    assert [d.id for d in docs] == sorted(f"{n}.md" for n in (PRUNING, WATERING, MANUAL_NOTE))
    assert sorted((w.file, w.reason) for w in warned) == EXPECTED


def test_an_html_note_and_a_notebook_renamed_between_two_reads(tmp_path):
    root = export(tmp_path / "joplin-export")
    rose = "e2" + "0" * 30
    html = '<p>Rose <b>blight</b> spots</p><img src=":/' + LEAF + '" alt="leaf"><p>Spray weekly.</p>'
    write(root / f"{rose}.md", item(1, rose, "Roses", html, parent_id=GARDEN, markup_language=2))
    then = time.time() - 100
    os.utime(root, (then, then))
    docs = {d.id: d for d in read_collection(root)}
    assert shape(docs[f"{rose}.md"], root) == [
        "T:Roses\n\nRose blight spots",
        f"I:resources/{LEAF}.png",
        "T:Spray weekly.",
    ]
    write(root / f"{GARDEN}.md", item(2, GARDEN, "Vegetable garden", parent_id=WORK))  # renamed in Joplin
    os.utime(root, (then, then))  # the folder itself unchanged, as when an export is written over
    docs = {d.id: d for d in read_collection(root)}
    assert docs[f"{rose}.md"].meta["properties"]["notebook"] == "Work / Vegetable garden"
