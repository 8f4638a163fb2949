"""Collection readers on real files made in tmp dirs (real PNG/JPEG through PIL), and splitting."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from source_helpers import jpeg, png, read_with_warnings, shape, write

from indexer.sources import (
    CollectionWarning,
    TiirReader,
    read_collection,
    read_tiir_eval_set,
    split_to_budget,
)
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

# --- Markdown ------------------------------------------------------------------------------------

MARKDOWN_NOTE = """\
![cover](img/cover.png)

# Unclog a sink

Before you start, look at the trap: <img src="img/trap one.jpg" alt="trap">

## Steps

1. Put a bucket under the pipe. ![bucket](<img/trap one.jpg>)
2. Unscrew the trap.
   ![ref style][trap]
3. Clean it and screw it back.

<p align="center"><img src="../shared/done.png"></p>

Last words.

![end](img/cover.png)

[trap]: img/cover.png
"""


def test_markdown_images_in_every_position_and_structure_kept(tmp_path):
    root = tmp_path / "notes"
    png(root / "kitchen/img/cover.png")
    jpeg(root / "kitchen/img/trap one.jpg")
    png(root / "shared/done.png", "green")
    write(root / "kitchen/sink.md", MARKDOWN_NOTE)

    docs, warned = read_with_warnings(root)

    assert warned == []
    [doc] = docs
    assert (doc.id, doc.title, doc.source) == ("kitchen/sink.md", "Unclog a sink", "kitchen/sink.md")
    assert shape(doc, root) == [
        "I:kitchen/img/cover.png",
        "T:# Unclog a sink\n\nBefore you start, look at the trap:",
        "I:kitchen/img/trap one.jpg",
        "T:## Steps\n\n1. Put a bucket under the pipe.",
        "I:kitchen/img/trap one.jpg",
        "T:2. Unscrew the trap.",
        "I:kitchen/img/cover.png",
        "T:3. Clean it and screw it back.",
        "I:shared/done.png",
        "T:Last words.",
        "I:kitchen/img/cover.png",
    ]
    doc.validate()  # every image the reader emits decodes


def test_a_note_without_a_title_heading_is_titled_by_its_file_name(tmp_path):
    """As Obsidian and wikis show it: obsidianmd/obsidian-help's notes have no `# Title`, and their
    first `## Section` or first sentence made a poor title (`Sync設定` for `Sync設定と選択的同期.md`)."""
    write(tmp_path / "Sync/Sync設定と選択的同期.md", "Intro sentence.\n\n## Sync設定\n\nbody")
    write(tmp_path / "アウトゴーイングリンク.md", "アウトゴーイングリンクは、コアプラグインです。")
    write(tmp_path / "fern.md", "Intro.\n\n# Repot a fern\n\n## Roots")  # an H1 anywhere wins
    write(tmp_path / "docs/README.md", "Start here\n\n## Install")  # a generic name is no title
    write(tmp_path / "docs/index.md", "## Overview\n\nbody")
    docs, _ = read_with_warnings(tmp_path)
    assert {d.id: d.title for d in docs} == {
        "Sync/Sync設定と選択的同期.md": "Sync設定と選択的同期",
        "アウトゴーイングリンク.md": "アウトゴーイングリンク",
        "fern.md": "Repot a fern",
        "docs/README.md": "Install",
        "docs/index.md": "Overview",
    }


def test_folder_order_ids_and_titles_are_stable(tmp_path):
    root = tmp_path / "c"
    write(root / "b.md", "no heading here\nsecond line")
    write(root / "a/z.markdown", "---\ntitle: 'From front matter'\n---\n# Heading\ntext")
    write(root / "a/page.htm", "<title>Saved page</title><p>hello</p>")
    write(root / ".obsidian/hidden.md", "# hidden")
    write(root / "notes.txt", "not a page")

    first, _ = read_with_warnings(root)
    second, _ = read_with_warnings(root)

    assert [d.id for d in first] == ["a/page.htm", "a/z.markdown", "b.md", "notes.txt"]
    assert [d.title for d in first] == ["Saved page", "From front matter", "b", "not a page"]
    assert first == second


# --- HTML ----------------------------------------------------------------------------------------


def test_html_visible_text_and_local_images_in_dom_order(tmp_path):
    root = tmp_path / "saved"
    png(root / "Page_files/one.png")
    jpeg(root / "Page_files/two.jpg")
    write(
        root / "page.html",
        """<!doctype html><html><head><title>Fix a &amp; b</title>
        <script>document.write("NO SCRIPT TEXT")</script><style>p { color: red }</style></head>
        <body><nav><a href="/">MENU LINK</a></nav>
        <h1>Fix a drawer</h1><p>Take the drawer <b>out</b>.</p>
        <img src="Page_files/one.png">
        <ol><li>Loosen the screws <img src="./Page_files/two.jpg"></li><li>Slide it back</li></ol>
        <div hidden>HIDDEN TEXT</div><img src="https://cdn.example.com/ad.png">
        </body></html>""",
    )

    docs, warned = read_with_warnings(root)

    [doc] = docs
    assert doc.title == "Fix a & b"
    assert shape(doc, root) == [
        "T:# Fix a drawer\n\nTake the drawer out.",
        "I:Page_files/one.png",
        "T:1. Loosen the screws",
        "I:Page_files/two.jpg",
        "T:2. Slide it back",
    ]
    assert not any(word in doc.text for word in ("NO SCRIPT", "MENU", "HIDDEN", "color"))
    assert warned == ["page.html: image URL not fetched, skipped: https://cdn.example.com/ad.png"]


def test_html_table_cells_holding_paragraphs_keep_their_row_on_one_line(tmp_path):
    """Word (and pages saved from it) write every table cell as paragraphs: a row stays one line."""
    write(
        tmp_path / "table.html",
        "<h1>Buffer</h1><table><tr><th><p>Reagent</p></th><th><p>Amount</p></th></tr>"
        "<tr><td><p>NaCl</p></td><td><p>8 g</p><p>(weigh twice)</p></td></tr></table><p>Mix.</p>",
    )
    [doc], warned = read_with_warnings(tmp_path)
    assert warned == []
    assert doc.text == "# Buffer\n\nReagent | Amount\nNaCl | 8 g (weigh twice)\n\nMix."


def test_html_nested_list_items_keep_their_indent(tmp_path):
    """A sub-step reads as one: "  - cotton" under "2. Hang a string", not a step of its own."""
    write(
        tmp_path / "steps.html",
        "<h1>Crystals</h1><ol><li>Stir</li><li>Hang a string<ul><li>cotton works best</li></ul></li></ol>",
    )
    [doc], warned = read_with_warnings(tmp_path)
    assert warned == []
    assert doc.text == "# Crystals\n\n1. Stir\n\n2. Hang a string\n\n  - cotton works best"


@pytest.mark.parametrize(
    ("declared", "title", "body", "used"),
    [
        ("shift_jis", "台所", "シンクの掃除", "shift_jis"),
        ("iso-8859-1", "“Quoted” café", "Ça marche", "cp1252"),  # browsers read latin-1 labels as cp1252
    ],
)
def test_html_declared_charset_is_honoured(tmp_path, declared, title, body, used):
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={declared}">'
    page += f"<title>{title}</title></head><p>{body}</p>"
    write(tmp_path / "page.html", page.encode(used))
    docs, warned = read_with_warnings(tmp_path)
    assert (docs[0].title, docs[0].text) == (title, body)
    assert warned == [f"page.html: not valid UTF-8, decoded as {used}"]


# --- bad input -----------------------------------------------------------------------------------


def test_broken_link_skips_the_image_and_keeps_the_text(tmp_path):
    png(tmp_path / "pics/ok.png")
    write(
        tmp_path / "n.md", "before ![gone](missing/photo.png) middle ![ok](pics\\ok.png) after ![dir](pics)"
    )
    docs, warned = read_with_warnings(tmp_path)
    assert shape(docs[0], tmp_path) == ["T:before middle", "I:pics/ok.png", "T:after"]  # Windows \\ works
    assert warned == [
        "n.md: image skipped, file not found: missing/photo.png",
        "n.md: image skipped, not a file: pics",
    ]


def test_oversized_text_file_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr("indexer.sources.base.MAX_TEXT_BYTES", 100)
    write(tmp_path / "big.md", "word " * 30)
    write(tmp_path / "small.md", "word")
    docs, warned = read_with_warnings(tmp_path)
    assert [d.id for d in docs] == ["small.md"]
    assert warned == ["big.md: 150 bytes is over the 100-byte limit, file skipped"]


def test_empty_corrupt_and_unsupported_images_are_skipped_with_a_warning(tmp_path):
    write(tmp_path / "empty.png", b"")
    full = png(tmp_path / "full.png", size=(64, 64)).read_bytes()
    write(tmp_path / "truncated.png", full[: len(full) // 2])
    write(tmp_path / "doc.jpg", b"%PDF-1.4\n1 0 obj << >> endobj\n")
    write(tmp_path / "vector.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    links = "![](empty.png) ![](truncated.png) ![](doc.jpg) ![](vector.svg) ![](full.png)"
    write(tmp_path / "n.md", "text " + links)

    docs, warned = read_with_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == ["T:text", "I:full.png"]
    assert warned[0] == "n.md: image skipped, file is empty (0 bytes): empty.png"
    assert warned[1].startswith("n.md: image skipped, corrupt or truncated image: truncated.png")
    assert warned[2] == "n.md: image skipped, unreadable image: doc.jpg (cannot identify image file)"
    assert warned[3] == "n.md: image skipped, SVG draws nothing (every pixel transparent): vector.svg"


def test_a_document_left_empty_is_skipped_not_fatal(tmp_path):
    write(tmp_path / "only-broken.md", "![x](nope.png)\n\n   \n")
    write(tmp_path / "fine.md", "fine")
    docs, warned = read_with_warnings(tmp_path)
    assert [d.id for d in docs] == ["fine.md"]
    assert "only-broken.md: no text and no readable image, document skipped" in warned


def test_non_utf8_text_is_decoded_with_a_fallback_and_control_characters_are_stripped(tmp_path):
    write(tmp_path / "legacy.md", "# Crème brûlée\r\nTorch the sugar\x07 – evenly\x1b.".encode("cp1252"))
    write(tmp_path / "latin.md", b"caf\xe9 \x81\x8d")  # bytes cp1252 leaves undefined: latin-1
    write(tmp_path / "bom16.md", "# Ünïcode\r\nline two".encode("utf-16"))
    write(tmp_path / "controls.md", "a\x00b\tc\x0cd\x7fe\u009bf\rg".encode())
    write(tmp_path / "binary.md", bytes(range(256)) * 4)

    docs, warned = read_with_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert by_id["legacy.md"].text == "# Crème brûlée\n\nTorch the sugar – evenly."
    assert by_id["latin.md"].text == "café \x81\x8d".replace("\x81", "").replace("\x8d", "").strip()
    assert by_id["bom16.md"].text == "# Ünïcode\n\nline two"
    assert by_id["controls.md"].text == "ab\tcdef\ng"
    assert "binary.md" not in by_id
    assert sorted(warned) == [
        "binary.md: looks like a binary file, skipped",
        "controls.md: removed 4 control character(s)",
        "latin.md: not valid UTF-8, decoded as latin-1",
        "latin.md: removed 2 control character(s)",
        "legacy.md: not valid UTF-8, decoded as cp1252",
        "legacy.md: removed 2 control character(s)",
    ]


def test_links_escaping_the_collection_are_refused_and_never_read(tmp_path, monkeypatch):
    root = tmp_path / "collection"
    outside = png(tmp_path / "secret.png")
    inside = png(root / "pics/in.png")
    os.symlink(outside, root / "pics/sneaky.png")
    write(tmp_path / "elsewhere.md", "# outside note")
    os.symlink(tmp_path / "elsewhere.md", root / "linked-note.md")
    write(
        root / "n.md",
        f"a ![](../secret.png) b ![](pics/../../secret.png) c ![]({outside}) d ![](pics/sneaky.png) "
        f"e ![]({inside}) f <img src='../secret.png'> ![](file://{outside})",
    )
    touched: list[str] = []
    real_read_bytes, real_open = pathlib.Path.read_bytes, Image.open
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda p: touched.append(str(p)) or real_read_bytes(p))
    monkeypatch.setattr(Image, "open", lambda fp, *a, **k: touched.append(str(fp)) or real_open(fp, *a, **k))

    docs, warned = read_with_warnings(root)

    assert [d.id for d in docs] == ["n.md"]
    assert shape(docs[0], root) == ["T:a b c d e", "I:pics/in.png", "T:f"]  # absolute inside: allowed
    refused = [w for w in warned if "outside the collection" in w]
    assert refused == [
        "linked-note.md: symlink points outside the collection, refused",
        "n.md: image link points outside the collection, refused: ../secret.png",
        "n.md: image link points outside the collection, refused: pics/../../secret.png",
        f"n.md: image link points outside the collection, refused: {outside}",
        "n.md: image link points outside the collection, refused: pics/sneaky.png",
        f"n.md: image link points outside the collection, refused: file://{outside}",
        "pics/sneaky.png: symlink points outside the collection, refused",  # nor a picture of its own
    ]  # the <img src='../secret.png'> repeats a link already reported for this note: said once
    assert not any("secret" in path or "elsewhere" in path for path in touched)


def test_pictures_linked_where_they_were_on_another_machine_are_found_in_the_collection(tmp_path):
    # Typora on Windows links a pasted picture where it keeps it; a Mac note its absolute path; the
    # person brought both pictures along in the collection. They were "file not found".
    root = tmp_path / "notes"
    typora = png(root / "assets/image-20210101123456789.png")
    mac = png(root / "trips/imgs/tent.png", "green")
    png(root / "other/imgs/tent.png", "blue", (320, 240))  # the same name farther away: not the one
    write(
        root / "trips/露营.md",
        "# 露营\n\n"
        "![](C:\\Users\\me\\AppData\\Roaming\\Typora\\typora-user-images\\image-20210101123456789.png)"
        " 搭帐篷\n\n"
        "![](/Users/alice/Documents/notes/trips/imgs/tent.png) ![](file:///Users/alice/trips/imgs/tent.png)\n\n"
        "![](/Users/alice/Documents/gone.png) ![](C:/Users/me/../../secret.png)\n",
    )

    docs, warned = read_with_warnings(root)

    note = next(d for d in docs if d.id == "trips/露营.md")
    assert [Path(i.path) for i in note.images] == [typora.resolve(), mac.resolve(), mac.resolve()]
    assert warned == [
        "trips/露营.md: image skipped, file not found: /Users/alice/Documents/gone.png",
        "trips/露营.md: image skipped, file not found: C:/Users/me/../../secret.png",
    ]


def test_remote_urls_are_never_fetched(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the reader tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    png(tmp_path / "local.png")
    write(
        tmp_path / "n.md",
        "![](http://example.com/a.png) ![](https://example.com/b.jpg) ![](//cdn.example.com/c.png) "
        "![](data:image/png;base64,iVBORw0KGgo=) ![](ftp://example.com/d.png) ![](local.png) done "
        "![](file:///etc/passwd.png)",
    )
    write(tmp_path / "p.html", '<p>page</p><img src="https://example.com/e.png"><img srcset="x">')

    docs, warned = read_with_warnings(tmp_path)

    assert [shape(d, tmp_path) for d in docs] == [["I:local.png", "T:done"], ["T:page"]]
    remote = [w for w in warned if "image URL not fetched" in w]
    assert len(remote) == 5
    # a file: URL is a path on the machine the note was written on: looked for in the collection only
    assert "n.md: image skipped, file not found: file:///etc/passwd.png" in warned
    png_signature_only = "data:image/png;base64,iVBORw0KGgo="  # read (never fetched), found broken
    unreadable = f"n.md: picture skipped, unreadable image: {png_signature_only} (cannot identify image file)"
    assert unreadable in warned
    assert "p.html: image with an empty link skipped" in warned


def test_this_repositorys_own_pictures_linked_by_github_url_are_read_from_the_collection(tmp_path):
    # kaityo256/zenn-content shows 66 of its own pictures by their GitHub address (Zenn needs it so):
    # all were skipped as remote although every file was in the clone being indexed.
    root = tmp_path / "zenn-content"
    png(root / "articles/diff/less.png")
    png(root / "images/ls 2.png", "green")
    own = "https://github.com/kaityo256/zenn-content"
    write(
        root / "articles/diff.md",
        f"# 色付き\n\n![]({own}/raw/main/articles/diff/less.png) one\n\n"
        "![](https://raw.githubusercontent.com/OldName/Zenn-Content/refs/heads/main/images/ls%202.png)"
        " two\n\n"
        f'<img src="{own}/blob/main/images/ls%202.png?raw=true"> three\n\n'
        "![](https://github.com/someone/other/raw/main/articles/diff/less.png) "  # another repository
        f"![]({own}/raw/main/articles/diff/gone.png) "  # not in this copy: still a remote link
        f"![]({own}/raw/main/../secret.png) four\n",
    )
    clone = tmp_path / "checkout"  # a folder named otherwise: its git remote names the repository
    png(clone / "img/a.png")
    write(clone / ".git/config", '[remote "origin"]\n\turl = git@github.com:me/notes.git\n')
    write(clone / "a.md", "![](https://github.com/me/notes/raw/master/img/a.png) seen")

    download = tmp_path / "notes-main"  # GitHub's "Download ZIP" of me/notes, unpacked
    png(download / "img/a.png")
    write(download / "a.md", "![](https://raw.githubusercontent.com/me/notes/main/img/a.png) zip")

    docs, warned = read_with_warnings(root)
    clone_docs, clone_warned = read_with_warnings(clone)
    download_docs, download_warned = read_with_warnings(download)

    assert shape(docs[0], root) == [
        "T:# 色付き",
        "I:articles/diff/less.png",
        "T:one",
        "I:images/ls 2.png",
        "T:two",
        "I:images/ls 2.png",
        "T:three\n\nfour",
    ]
    assert sorted(w.split("skipped: ")[-1] for w in warned) == [
        f"{own}/raw/main/../secret.png",
        f"{own}/raw/main/articles/diff/gone.png",
        "https://github.com/someone/other/raw/main/articles/diff/less.png",
    ]
    assert shape(clone_docs[0], clone) == ["I:img/a.png", "T:seen"]
    assert clone_warned == []
    assert (shape(download_docs[0], download), download_warned) == (["I:img/a.png", "T:zip"], [])


def test_unusable_collection_paths_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="collection not found: .*nowhere"):
        read_collection(tmp_path / "nowhere")
    write(tmp_path / "run.sh", "echo hi")
    with pytest.raises(ValueError, match=r"cannot index run\.sh on its own: .*\.enex.*\.md.*\.pdf"):
        read_collection(tmp_path / "run.sh")
    write(tmp_path / "settings.json", '{"theme": "dark"}')
    with pytest.raises(ValueError, match=r"cannot index settings\.json: \.json files are read only as Day"):
        read_collection(tmp_path / "settings.json")


def test_sixty_four_image_document_is_read_in_order(tmp_path):
    for i in range(64):
        png(tmp_path / f"img/{i:02d}.png", (i * 4, 0, 0))
    steps = "\n\n".join(f"Step {i}: ![](img/{i:02d}.png)" for i in range(64))
    write(tmp_path / "many.md", "# Many\n\n" + steps)
    [doc] = read_collection(tmp_path)
    assert [Path(im.path).name for im in doc.images] == [f"{i:02d}.png" for i in range(64)]
    assert doc.segments[0] == TextSegment("# Many\n\nStep 0:")


# --- wikiHow-TIIR --------------------------------------------------------------------------------


def make_tiir(root: Path, docs: list | None = None) -> Path:
    png(root / "doc_images/a.png")
    jpeg(root / "doc_images/b.jpg")
    png(root / "query_images/q.png", "green")
    docs = docs or [
        {
            "id": "d2",
            "data": ["How to wash a car", "Rinse it.", "doc_images/a.png", "Dry.", "doc_images/b.jpg"],
        },
        {"id": 1, "data": ["doc_images/b.jpg", "How to dry a cat\nCarefully."]},
    ]
    lines = [json.dumps(d) for d in docs]
    write(root / "docs.jsonl", "\n".join(lines) + "\n\n")
    write(root / "queries.jsonl", json.dumps({"qid": "q1", "data": ["my car", "query_images/q.png"]}) + "\n")
    write(root / "qrels.jsonl", json.dumps({"qid": "q1", "did": "d2"}) + "\n")
    return root


def test_tiir_documents_queries_and_qrels(tmp_path):
    root = make_tiir(tmp_path / "tiir")
    docs, warned = read_with_warnings(root)
    assert warned == []
    assert [(d.id, d.title, d.source) for d in docs] == [
        ("1", "How to dry a cat", "docs.jsonl"),
        ("d2", "How to wash a car", "docs.jsonl"),
    ]
    assert shape(docs[1], root) == [
        "T:How to wash a car",
        "T:Rinse it.",
        "I:doc_images/a.png",
        "T:Dry.",
        "I:doc_images/b.jpg",
    ]
    evaluation = read_tiir_eval_set(root)
    assert evaluation.relevant == {"q1": {"d2"}}
    assert shape(evaluation.queries["q1"], root) == ["T:my car", "I:query_images/q.png"]


def test_tiir_missing_images_are_counted_in_one_warning(tmp_path):
    docs = [{"id": f"d{i}", "data": [f"text {i}", f"doc_images/missing{i}.png"]} for i in range(50)]
    root = make_tiir(tmp_path, docs + [{"id": "x", "data": ["doc_images/gone.png"]}])
    found, warned = read_with_warnings(root)
    assert len(found) == 50 and all(not d.images for d in found)
    assert len(warned) == 1 and "52 problem(s)" in warned[0] and "missing0.png" in warned[0]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"id": "x", "data": ["a"]', "docs.jsonl:2: not valid JSON"),
        ('["id", "data"]', "docs.jsonl:2: expected a JSON object, got list"),
        ('{"data": ["a"]}', "docs.jsonl:2: missing key 'id'"),
        ('{"id": true, "data": ["a"]}', "docs.jsonl:2: 'id' must be a non-empty string or integer, got True"),
        ('{"id": "x", "data": "a"}', "docs.jsonl:2: 'data' must be a list of strings"),
        ('{"id": "x", "data": ["a", 3]}', "docs.jsonl:2: 'data' must be a list of strings; item 1 is a int"),
        ('{"id": "ok", "data": ["dup"]}', "docs.jsonl:2: duplicate id 'ok'"),
    ],
)
def test_tiir_malformed_lines_name_file_and_line(tmp_path, bad_line, message):
    write(tmp_path / "docs.jsonl", '{"id": "ok", "data": ["fine"]}\n' + bad_line + "\n")
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        read_collection(tmp_path)


def test_tiir_bad_qrels_and_missing_files(tmp_path):
    root = make_tiir(tmp_path)
    write(root / "qrels.jsonl", '{"qid": "q1", "did": "d2"}\n{"qid": "q9", "did": "d2"}\n')
    with pytest.raises(ValueError, match=r"qrels.jsonl: qid 'q9' is not in queries.jsonl"):
        read_tiir_eval_set(root)
    (root / "queries.jsonl").unlink()
    with pytest.raises(ValueError, match="queries.jsonl not found"):
        read_tiir_eval_set(root)
    with pytest.raises(ValueError, match="image root not found"):
        TiirReader(images_root=tmp_path / "no-images").read(root)


def test_tiir_image_paths_escaping_the_image_root_are_refused(tmp_path):
    png(tmp_path / "outside.png")
    root = make_tiir(tmp_path / "t", [{"id": "a", "data": ["text", "../outside.png", "/etc/x.png"]}])
    docs, warned = read_with_warnings(root)
    assert shape(docs[0], root) == ["T:text"]
    assert "2 problem(s)" in warned[0] and "outside the collection" in warned[0]


# --- splitting -----------------------------------------------------------------------------------


def words_and_images(doc: InterleavedDoc) -> int:
    return sum(len(s.text.split()) if isinstance(s, TextSegment) else 9 for s in doc.segments)


def rebuilt(parts: list[InterleavedDoc], title: str) -> tuple[list[str], list[str]]:
    """Words and image paths of all parts in order, with the repeated title taken off."""
    words, images = [], []
    for part in parts:
        segments = part.segments
        if part.part > 0 and segments[0] == TextSegment(title):
            segments = segments[1:]
        for s in segments:
            (words.extend(s.text.split()) if isinstance(s, TextSegment) else images.append(s.path))
    return words, images


def test_documents_within_budget_are_returned_unchanged():
    doc = InterleavedDoc((TextSegment("short"),), id="a", title="t")
    assert split_to_budget([doc], words_and_images, budget=10) == [doc]
    with pytest.raises(ValueError, match="budget must be a positive number"):
        split_to_budget([doc], words_and_images, budget=0)


def test_split_at_steps_keeps_images_with_their_step(tmp_path):
    a, b, c = (str(png(tmp_path / f"{n}.png")) for n in "abc")
    doc = InterleavedDoc(
        (
            TextSegment("# Fix a tap\n\nYou need a wrench and patience."),  # 10 words
            TextSegment("## Step 1\nClose the valve under the sink."),  # 9
            ImageSegment(a),  # 9
            TextSegment("## Step 2\nOpen the tap to drain it.\n3. Unscrew the handle slowly"),  # 9 + 5
            ImageSegment(b),
            TextSegment("4. Replace the washer with a new one\n## Done\nTest it."),  # 8 + 4
            ImageSegment(c),
        ),
        id="tap.md",
        title="Fix a tap",
        source="tap.md",
    )
    parts = split_to_budget([doc], words_and_images, budget=24)

    title = TextSegment("Fix a tap")
    assert [p.segments for p in parts] == [
        (TextSegment("# Fix a tap\n\nYou need a wrench and patience."),),
        (title, TextSegment("## Step 1\nClose the valve under the sink."), ImageSegment(a)),
        (title, TextSegment("## Step 2\nOpen the tap to drain it.")),
        (title, TextSegment("3. Unscrew the handle slowly"), ImageSegment(b)),
        (title, TextSegment("4. Replace the washer with a new one\n## Done\nTest it."), ImageSegment(c)),
    ]
    assert [p.part for p in parts] == [0, 1, 2, 3, 4]
    assert all((p.id, p.title, p.source) == ("tap.md", "Fix a tap", "tap.md") for p in parts)
    assert max(words_and_images(p) for p in parts) == 24
    assert rebuilt(parts, "Fix a tap") == rebuilt([doc], "Fix a tap")


def test_hard_split_of_over_long_text_and_of_a_single_huge_word():
    paragraph = " ".join(f"w{i}" for i in range(1000))
    huge_word = "x" * 5000
    doc = InterleavedDoc((TextSegment(paragraph + "\n\n" + huge_word),), id="long", title="Long")

    def chars_and_words(d: InterleavedDoc) -> int:
        return sum(len(s.text.split()) + len(s.text) // 100 for s in d.segments if isinstance(s, TextSegment))

    parts = split_to_budget([doc], chars_and_words, budget=50)

    assert all(chars_and_words(p) <= 50 for p in parts)
    words, _ = rebuilt(parts, "Long")
    assert words[:1000] == paragraph.split() and "".join(words[1000:]) == huge_word


def test_images_are_never_split_and_an_oversized_one_gets_its_own_part(tmp_path):
    images = [str(png(tmp_path / f"{i}.png")) for i in range(64)]
    doc = InterleavedDoc(tuple(ImageSegment(p) for p in images), id="many", title="Many")
    parts = split_to_budget([doc], words_and_images, budget=100)  # title (1) + 11 images (99) per part
    assert [len(p.images) for p in parts] == [11] * 5 + [9]
    assert [im.path for p in parts for im in p.images] == images

    with pytest.warns(CollectionWarning, match=r"a document: an image alone costs 9 tokens \(budget 5\)"):
        hi_and_image = InterleavedDoc((TextSegment("hi"), ImageSegment(images[0])))
        solo = split_to_budget([hi_and_image], words_and_images, budget=5)
    assert [s for p in solo for s in p.segments] == [TextSegment("hi"), ImageSegment(images[0])]


def test_read_then_split_a_real_collection(tmp_path):
    for i in range(6):
        png(tmp_path / f"img/{i}.png")
    steps = "\n".join(f"{i + 1}. " + "word " * 30 + f"![](img/{i}.png)" for i in range(6))
    write(tmp_path / "guide.md", "# Guide\n\nIntro.\n\n" + steps)
    docs = read_collection(tmp_path)
    parts = split_to_budget(docs, words_and_images, budget=90)
    assert len(parts) == 3 and all(words_and_images(p) <= 90 for p in parts)
    assert [len(p.images) for p in parts] == [2, 2, 2]
    assert [p.segments[1].text.split()[0] for p in parts[1:]] == ["3.", "5."]


def test_split_with_the_real_tiny_encoder_then_every_part_encodes(tmp_path, tiny_dsvl):
    for i in range(64):
        png(tmp_path / f"img/{i:02d}.png", (i * 4, 90, 0), size=(48, 32))
    steps = "\n".join(f"{i + 1}. Turn screw {i} a quarter. ![](img/{i:02d}.png)" for i in range(64))
    prose = "\n\n".join(f"## Section {s}\n\n" + "Loosen the nut and wipe the thread. " * 40 for s in range(8))
    write(tmp_path / "big.md", "# Assemble the shelf\n\n" + steps + "\n\n" + prose)
    docs = read_collection(tmp_path)

    def full_cost(doc: InterleavedDoc) -> int:
        return tiny_dsvl.count_tokens(doc, "full")

    assert full_cost(docs[0]) > 64 * tiny_dsvl.tokens_per_image("full")
    parts = split_to_budget(docs, full_cost, budget=4096)

    assert len(parts) >= 10 and all(full_cost(p) <= 4096 for p in parts)
    assert [im.path for p in parts for im in p.images] == [im.path for im in docs[0].images]
    assert rebuilt(parts, "Assemble the shelf") == rebuilt(docs, "Assemble the shelf")
    first_and_last = [parts[0], parts[-1]]  # images-heavy and prose-only; all 64 images would take ~13 s
    vectors = tiny_dsvl.encode(first_and_last, n=1)
    assert vectors.shape == (2, tiny_dsvl.dim)


def test_site_root_links_resolve_inside_the_collection_or_its_static_folder(tmp_path):
    root = tmp_path / "site"
    png(root / "static" / "pix" / "pie.png", "red")  # Hugo / Docusaurus keep pictures in static/
    png(root / "img" / "cake.png", "blue")  # Jekyll-style: the site root is the folder itself
    write(root / "content" / "pie.md", "# Pie\n\nBake it. ![pie](/pix/pie.png) ![cake](/img/cake.png)\n")
    write(root / "content" / "gone.md", "# Gone\n\nText. ![x](/pix/nowhere.png)\n")
    docs, warned = read_with_warnings(root)
    pie = next(d for d in docs if d.id == "content/pie.md")
    assert shape(pie, root) == ["T:# Pie\n\nBake it.", "I:static/pix/pie.png", "I:img/cake.png"]
    assert any("gone.md" in w and "/pix/nowhere.png" in w for w in warned)


def test_phone_photos_in_heic_and_avif_are_pictures_of_the_note(tmp_path):
    for name, kind in (("IMG_0001.HEIC", "HEIF"), ("pan.avif", "AVIF")):
        Image.new("RGB", (64, 48), "orange").save(tmp_path / name, format=kind)
    write(tmp_path / "n.md", "Fry it. ![](IMG_0001.HEIC) Then flip. ![[pan.avif]]")

    docs, warned = read_with_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == ["T:Fry it.", "I:IMG_0001.HEIC", "T:Then flip.", "I:pan.avif"]
    assert warned == []


def test_a_picture_path_written_with_spaces_is_the_picture(tmp_path):
    # Typora and Joplin write a picture's path as it is, spaces and all; CommonMark ends the link at
    # the first space, so the picture was lost and `![](assets/my` read as words.
    png(tmp_path / "assets/my photo.png")
    png(tmp_path / "assets/b.png", "blue")
    write(
        tmp_path / "typora.md",
        '# Shelf\n\nDrill here ![](assets/my photo.png) then ![step](assets/b.png "Step 2") done '
        "![](assets/no such file.png)\n\n```md\n![](assets/my photo.png)\n```\n",
    )

    docs, warned = read_with_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == [
        "T:# Shelf\n\nDrill here",
        "I:assets/my photo.png",
        "T:then",
        "I:assets/b.png",  # a title after the path is a title, as before
        "T:done\n\n![](assets/my photo.png)",
    ]
    assert len(warned) == 1 and "assets/no such file.png" in warned[0] and "not found" in warned[0]


def test_picture_sizes_written_in_image_links_keep_the_picture_and_leave_no_words(tmp_path):
    # Zenn / HackMD / Azure DevOps wikis size a picture inside its link (`=500x`): CommonMark then
    # saw no link, so the picture was lost without a word and its syntax read as words; Pandoc's
    # `{width=50%}` after the picture was read as words.
    png(tmp_path / "images/fig 1.png")
    png(tmp_path / "images/b.png", "blue")
    write(
        tmp_path / "zenn.md",
        "# 図\n\n![有限体](/images/fig%201.png =500x)\n*キャプション*\n\n"
        '![](/images/b.png "title" =250x100) ![](images/b.png =x50%)\n\n'
        "Pandoc ![w](images/b.png){width=50%} kramdown ![k](images/b.png){: .small} "
        "kept ![p](images/b.png){braces} end\n\n```md\n![](x.png =500x)\n```\n",
    )

    docs, warned = read_with_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == [
        "T:# 図",
        "I:images/fig 1.png",
        "T:キャプション",
        "I:images/b.png",
        "I:images/b.png",
        "T:Pandoc",
        "I:images/b.png",
        "T:kramdown",
        "I:images/b.png",
        "T:kept",
        "I:images/b.png",
        "T:{braces} end\n\n![](x.png =500x)",
    ]
    assert warned == []
