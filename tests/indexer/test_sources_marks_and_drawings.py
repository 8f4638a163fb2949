"""Markdown's marks a note's reader never sees (`==`, `~~`, block ids `^abc123`) and Obsidian's
Excalidraw drawings (`Drawing.excalidraw.md`), read as what they show."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from source_helpers import png, read_warnings, shape, write

import indexer.sources.base as base
from indexer.build import build_index
from indexer.sources.markdown import _MARKDOWN
from indexer.store import Index

NEW_DRAWING = """\
---

excalidraw-plugin: parsed
tags: [excalidraw]

---
==⚠  Switch to EXCALIDRAW VIEW in the MORE OPTIONS menu of this document. ⚠== You can decompress \
Drawing data with the command palette: 'Decompress current Excalidraw file'.


# Excalidraw Data

## Text Elements
水泵 ^Xk3jd9aa

Spring Cloud

<Gateway> ^ANyxaf5u

## Element Links
Xk3jd9aa: [[Pump manual]]

## Embedded Files
3f1c9a8e1f2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d: [[过滤器.png]]
5be777ea66ff22559a46b3f73b92228bd031a0be: https://example.com/web.png
ed9384fa8b333cdbfbf3128c8ed0dda48a34747b: $$Q = v \\cdot A$$

%%
## Drawing
```compressed-json
N4KAkARALgngDgUwgLgAQQQDwMYEMA2AlgCYBOuA7hADTgQBuCpAzoQPYB2KqAJrZ
```
%%
"""

# plugin 1.x: no "Excalidraw Data", `# Embedded files`, the JSON under `# Drawing` outside any comment
OLD_DRAWING = """\
---

excalidraw-plugin: parsed

---
==⚠  Switch to EXCALIDRAW VIEW in the MORE OPTIONS menu of this document. ⚠==


# Text Elements
Eureka Server ^PCHQ0nAN

# Embedded files
bd8e5d09ac51728154f300e9debe899088772a93: [[Pasted Image 20240711163913_622.png]]

# Drawing
```json
{"type": "excalidraw", "elements": [{"type": "text", "text": "Eureka Server"}]}
```
"""


def test_highlight_and_strikethrough_markers_go_their_words_stay(tmp_path):
    write(
        tmp_path / "笔记.md",
        "# 笔记\n\n这是 ==重点== 和 ~~删掉的~~ 字，==**加粗的重点**==。\n\n"
        "Compare a == b == c, and x==1 stays, as head==tail, waitStatus==0 do.\n\n`code ==kept== ~~too~~`\n",
    )

    [doc], warned = read_warnings(tmp_path)

    assert doc.text == (
        "# 笔记\n\n这是 重点 和 删掉的 字，加粗的重点。\n\n"
        "Compare a == b == c, and x==1 stays, as head==tail, waitStatus==0 do.\n\n"
        "code ==kept== ~~too~~"
    )
    assert warned == []


def test_emphasis_beside_korean_and_japanese_particles_reads_as_words_latin_rules_unchanged(tmp_path):
    # the Korean and Japanese Obsidian help: a particle straight after the marked words, often
    # after a bracket or an ellipsis, where CommonMark kept the markers as text
    write(
        tmp_path / "도움말.md",
        "# 지도 뷰\n\n뷰 메뉴에서 **지도(Map)**를 선택해요. **링크된 언급**과 ~~옛 이름~~은 없어요.\n\n"
        "2. **要約…**を選択します。Obsidian Headless**（オープンベータ）**をインストール。\n"
        "3. もう一つの方法は、_バックリンク_を使うことです。\n\n"
        "snake_case_name, 2 * 3 * 4, a ** b, **bold**text and foo*bar*baz stay as CommonMark has them.\n",
    )

    [doc], warned = read_warnings(tmp_path)

    assert doc.text == (
        "# 지도 뷰\n\n뷰 메뉴에서 지도(Map)를 선택해요. 링크된 언급과 옛 이름은 없어요.\n\n"
        "2. 要約…を選択します。Obsidian Headless（オープンベータ）をインストール。\n"
        "3. もう一つの方法は、バックリンクを使うことです。\n\n"
        "snake_case_name, 2 * 3 * 4, a ** b, boldtext and foobarbaz stay as CommonMark has them."
    )
    assert warned == []


def _links(markdown: str) -> list[tuple[str, str]]:
    """Each link of the one paragraph `markdown` as (its target, its words)."""
    [inline] = [t for t in _MARKDOWN.parse(markdown) if t.type == "inline"]
    links, inside = [], None
    for token in inline.children:
        if token.type == "link_open":
            inside = [token.attrGet("href"), ""]
        elif token.type == "link_close":
            links.append(tuple(inside))
            inside = None
        elif token.type == "text" and inside is not None:
            inside[1] += token.content
    return links


def test_a_highlight_opened_in_a_link_label_and_closed_after_it_leaves_the_link_whole(tmp_path):
    assert (
        _links("see [==important](a.md) note==")
        == _links("see [important](a.md) note")
        == [("a.md", "important")]
    )
    assert _links("[a ==b](c.md)== d, then [e](f.md)") == [("c.md", "a b"), ("f.md", "e")]
    # opened before a link and closed in its label: the link is read first, the marks stay words
    assert _links("==see [this== one](a.md)") == [("a.md", "this== one")]
    # around a whole link, with brackets in code or a stray one: a mark as before
    assert _links("==see [this](a.md) too== and ==`]` ok==, ==1] x==") == [("a.md", "this")]
    png(tmp_path / "pump.png", size=(320, 240))
    write(
        tmp_path / "Pump.md",
        "see [==important](a.md) note== and ![==the pump](pump.png) shown==.\n\n"
        "==see [this](a.md) too== and ==`]` ok==, ==1] x==\n",
    )

    [doc], warned = read_warnings(tmp_path)

    assert shape(doc, tmp_path) == [
        "T:see important note and",
        "I:pump.png",
        "T:shown.\n\nsee this too and ] ok, 1] x",
    ]
    assert warned == []


def test_block_ids_are_dropped_where_obsidian_hides_them(tmp_path):
    write(
        tmp_path / "Notes.md",
        "A paragraph that is linked to. ^para-1\n\n"
        "- an item ^item2\n- 2^10 is kept, and so is x^2 mid-line\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n^table3\n\n```\nkept in code ^abc\n```\n",
    )

    [doc], _ = read_warnings(tmp_path)

    assert "^para-1" not in doc.text and "^item2" not in doc.text and "^table3" not in doc.text
    assert "A paragraph that is linked to.\n" in doc.text
    assert "- an item\n- 2^10 is kept, and so is x^2 mid-line" in doc.text
    assert "kept in code ^abc" in doc.text


def test_an_excalidraw_drawing_reads_as_its_texts_and_pictures(tmp_path):
    png(tmp_path / "附件/过滤器.png", size=(320, 240))
    write(tmp_path / "Excalidraw/水泵 2024-03-01.excalidraw.md", NEW_DRAWING)

    [doc], warned = read_warnings(tmp_path)

    assert doc.title == "水泵 2024-03-01"
    assert shape(doc, tmp_path) == [
        "T:水泵\n\nSpring Cloud\n\n<Gateway>\n\nQ = v \\cdot A",
        "I:附件/过滤器.png",
    ]
    assert doc.meta["tags"] == ["excalidraw"] and doc.meta["properties"] == {}
    # the web picture on the canvas is said, as in any note; the picture placed on it is in place
    assert [(w.file, w.reason) for w in warned] == [("Excalidraw/水泵 2024-03-01.excalidraw.md", "remote")]


def test_what_is_written_on_the_back_of_a_drawing_is_read_before_its_texts(tmp_path):
    back = "# Pump notes\n\n```mermaid\ngraph TD\n  A[Inlet] --> B[Filter]\n```\n\nCheck the seal yearly.\n\n"
    # what is below the back is wrapped in an HTML comment, as some do to hide it once published
    drawing = NEW_DRAWING.replace("---\n==⚠", f"---\n{back}<!--\n==⚠").replace(
        "%%\n## Drawing", "%%\n-->\n## Drawing"
    )
    png(tmp_path / "过滤器.png", size=(320, 240))
    write(tmp_path / "Pump.excalidraw.md", drawing)

    [doc], _ = read_warnings(tmp_path)

    assert doc.text.startswith(
        "# Pump notes\n\ngraph TD\n  A[Inlet] --> B[Filter]\n\nCheck the seal yearly.\n\n水泵"
    )
    assert "EXCALIDRAW" not in doc.text and "-->" not in doc.text.split("Check the seal")[1]
    assert len(doc.images) == 1


def test_the_drawing_exported_beside_it_is_its_picture_not_a_photo_of_its_own(tmp_path):
    png(tmp_path / "附件/过滤器.png", size=(320, 240))
    png(tmp_path / "Excalidraw/Pump.excalidraw.png", "blue", size=(640, 480))  # the plugin's auto-export
    write(tmp_path / "Excalidraw/Pump.excalidraw.md", NEW_DRAWING)
    png(tmp_path / "Excalidraw/Other.excalidraw.png", "green", size=(640, 480))  # no drawing of this name

    docs, warned = read_warnings(tmp_path)

    drawing = next(d for d in docs if d.title == "Pump")
    assert [p.split("/")[-1] for p in shape(drawing, tmp_path) if p.startswith("I:")] == [
        "Pump.excalidraw.png",
        "过滤器.png",
    ]
    assert sorted(d.title for d in docs) == ["Other.excalidraw.png", "Pump"]  # as any photo, alone
    assert [w.reason for w in warned] == ["remote"]


def test_an_old_plugin_drawing_leaves_its_json_out(tmp_path):
    png(tmp_path / "Pasted Image 20240711163913_622.png", size=(320, 240))
    write(tmp_path / "Spring.md", OLD_DRAWING)  # named by hand: its front matter says what it is

    [doc], warned = read_warnings(tmp_path)

    assert (doc.title, doc.text) == ("Spring", "Eureka Server")
    assert len(doc.images) == 1 and warned == []


def test_a_note_embedding_a_drawing_or_canvas_names_it_without_a_warning(tmp_path):
    write(tmp_path / "Pump.excalidraw.md", NEW_DRAWING.replace("[[过滤器.png]]", "[[nothing.png]]"))
    write(
        tmp_path / "Board.canvas",
        json.dumps({"nodes": [{"id": "1", "type": "text", "text": "Plan", "x": 0, "y": 0}]}),
    )
    write(tmp_path / "Overview.md", "See ![[Pump.excalidraw|400]] and ![[Board.canvas]].\n")

    docs, warned = read_warnings(tmp_path)

    overview = next(d for d in docs if d.title == "Overview")
    assert overview.text == "See Pump and Board.canvas."
    assert {d.title for d in docs} == {"Overview", "Pump", "Board"}
    # only the drawing's own picture that is not there, and its web picture, are said
    assert sorted(w.reason for w in warned) == ["missing", "remote"]


def test_of_the_light_and_dark_exports_the_drawing_shows_the_one_its_front_matter_says(tmp_path):
    """The plugin names its exports after the drawing: `.excalidraw.png`, or `.light.png` and
    `.dark.png` when it exports both; an SVG export is the drawing's picture only when no PNG is."""
    plain = NEW_DRAWING.replace("[[过滤器.png]]", "[[nothing.png]]")
    dark = plain.replace("tags: [excalidraw]", "tags: [excalidraw]\nexcalidraw-export-dark: true")
    for folder, drawing in (("light", plain), ("dark", dark)):
        write(tmp_path / folder / "Pump.excalidraw.md", drawing)
        png(tmp_path / folder / "Pump.excalidraw.dark.png", "black", size=(640, 480))
        png(tmp_path / folder / "Pump.excalidraw.light.png", "white", size=(640, 480))
        write(tmp_path / folder / "Pump.excalidraw.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    write(tmp_path / "svg/Valve.excalidraw.md", plain)
    drawing = "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='48'><circle r='9'/></svg>"
    write(tmp_path / "svg/Valve.excalidraw.light.svg", drawing)

    docs, warned = read_warnings(tmp_path)

    pictures = {d.source: [p for p in shape(d, tmp_path) if p.startswith("I:")] for d in docs}
    assert pictures == {
        "light/Pump.excalidraw.md": ["I:light/Pump.excalidraw.light.png"],
        "dark/Pump.excalidraw.md": ["I:dark/Pump.excalidraw.dark.png"],
        "svg/Valve.excalidraw.md": ["I:svg/Valve.excalidraw.light.svg"],  # drawn (mme_core/svg.py)
    }  # and the other theme's export, or the SVG beside a PNG, is no photo of its own
    said = sorted((w.file, w.reason, w.reference) for w in warned if w.reason != "remote")
    assert said == [
        ("dark/Pump.excalidraw.md", "missing", "![[nothing.png]]"),
        ("light/Pump.excalidraw.md", "missing", "![[nothing.png]]"),
        ("svg/Valve.excalidraw.md", "missing", "![[nothing.png]]"),
    ]


def test_an_export_appearing_changing_or_going_away_later_has_the_drawing_read_again(
    tiny_dsvl, tmp_path, monkeypatch
):
    """The stat cache knows the drawing depends on its export's names, as a page on its includes."""
    vault = tmp_path / "vault"
    write(vault / ".obsidian/app.json", "{}")
    drawing = "---\nexcalidraw-plugin: parsed\n---\n# Excalidraw Data\n## Text Elements\n水泵 ^Xk3jd9aa\n"
    write(vault / "Excalidraw/Pump.excalidraw.md", drawing)
    write(vault / "Notes.md", "# Notes\n\nNothing drawn here.\n")
    read = []
    read_file = base.FolderReader._read_file
    monkeypatch.setattr(
        base.FolderReader,
        "_read_file",
        lambda self, path, name, *a: read.append(name) or read_file(self, path, name, *a),
    )

    def add(*written):  # a stat within 50 ms of a write is not trusted (file_stats.py): date them back
        when = time.time() - 5
        for path in written:
            os.utime(path, (when, when))
        read.clear()
        report = build_index(vault, tmp_path / "index", tiny_dsvl, ns=(1, 3), progress=False)
        docs = {d.source: d for d in Index.open(tmp_path / "index").documents()}
        return report, docs

    export = vault / "Excalidraw/Pump.excalidraw.png"
    report, docs = add(*vault.rglob("*"))
    assert docs["Excalidraw/Pump.excalidraw.md"].images == [] and report.skipped == ()
    report, _ = add()
    assert read == [] and report.unchanged == 2  # a no-op run reads nothing
    png(export, "blue", size=(640, 480))  # the plugin exports it
    report, docs = add(export)
    assert read == ["Excalidraw/Pump.excalidraw.md"]
    assert [Path(p.path).name for p in docs["Excalidraw/Pump.excalidraw.md"].images] == [
        "Pump.excalidraw.png"
    ]
    assert sorted(docs) == ["Excalidraw/Pump.excalidraw.md", "Notes.md"]  # no photo of its own
    png(export, "green", size=(640, 480))  # drawn again
    os.utime(export, (time.time() - 9, time.time() - 9))
    report, docs = add()
    assert read == ["Excalidraw/Pump.excalidraw.md"] and report.updated == 1
    export.unlink()
    report, docs = add()
    assert read == ["Excalidraw/Pump.excalidraw.md"]
    assert docs["Excalidraw/Pump.excalidraw.md"].images == [] and report.skipped == ()
    assert Index.open(tmp_path / "index").skipped() == []  # nothing said missing
    report, _ = add()
    assert read == [] and report.unchanged == 2
