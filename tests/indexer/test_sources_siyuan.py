"""SiYuan workspaces and notebooks: each `.sy` document read in order with its pictures, its titles,
tags and notebook; SiYuan's own folders and database views said, never passed over."""

from __future__ import annotations

import json

from source_helpers import png, read_warnings, settle, shape, write

from indexer.build import build_index
from indexer.store import Index

BOX = "20210808180117-6v0mkxr"
PARENT = "20200923234011-ieuun1p"
CHILD = "20210808180303-axh6q1d"


def text(words: str) -> dict:
    return {"Type": "NodeText", "Data": words}


def mark(kind: str, words: str, **more) -> dict:
    return {"Type": "NodeTextMark", "TextMarkType": kind, "TextMarkTextContent": words, **more}


def paragraph(*inline: dict) -> dict:
    return {"Type": "NodeParagraph", "Children": list(inline)}


def image(dest: str) -> dict:
    parts = [{"Type": "NodeBang"}, {"Type": "NodeLinkText", "Data": "image.png"}]
    return {"Type": "NodeImage", "Data": "span", "Children": [*parts, {"Type": "NodeLinkDest", "Data": dest}]}


def item(*blocks: dict, number: int | None = None, done: bool | None = None) -> dict:
    data = {"Typ": 1, "Num": number} if number else {"BulletChar": 42}
    task = [] if done is None else [{"Type": "NodeTaskListItemMarker", "TaskListItemChecked": done}]
    return {"Type": "NodeListItem", "ListData": data, "Children": [*task, *blocks]}


def document(doc_id: str, title: str, *blocks: dict, **properties: str) -> str:
    props = {"id": doc_id, "title": title, "type": "doc", "updated": "20260315155758", **properties}
    tree = {"ID": doc_id, "Spec": "2", "Type": "NodeDocument", "Properties": props, "Children": list(blocks)}
    return json.dumps(tree, ensure_ascii=False)


def workspace(root):
    """A SiYuan workspace: settings, one notebook with a document and a sub-document, its assets,
    and SiYuan's own folders (history copies, templates, a plugin's README)."""
    write(root / "conf/conf.json", '{"appearance": {}}')
    data = root / "data"
    write(data / BOX / ".siyuan/conf.json", json.dumps({"name": "厨房笔记", "sort": 1}, ensure_ascii=False))
    png(data / "assets/pot-20240507233205-gidj803.png", size=(120, 90))
    heading = {"Type": "NodeHeading", "HeadingLevel": 2, "Children": [text("准备")]}
    table = {
        "Type": "NodeTable",
        "Children": [
            {"Type": "NodeTableRow", "Children": [{"Type": "NodeTableCell", "Children": [text("盐")]}]},
            {
                "Type": "NodeTableRow",
                "Children": [
                    {"Type": "NodeTableCell", "Children": [image("assets/pot-20240507233205-gidj803.png")]},
                    {"Type": "NodeTableCell", "Children": [text("锅")]},
                ],
            },
        ],
    }
    write(
        data / BOX / f"{PARENT}.sy",
        document(PARENT, "汤", paragraph(text("总览")), tags="厨房,汤/冬天", alias="soup"),
    )
    write(
        data / BOX / PARENT / f"{CHILD}.sy",
        document(
            CHILD,
            "番茄蛋汤",
            heading,
            paragraph(text("先"), mark("strong", "烧水"), text("\u200b，按 "), mark("kbd", "Ctrl")),
            paragraph(text("看锅："), image("assets/pot-20240507233205-gidj803.png"), text("水开了")),
            {"Type": "NodeList", "Children": [item(paragraph(text("切番茄")), number=1)]},
            {"Type": "NodeList", "Children": [item(paragraph(text("买蛋")), done=True)]},
            {"Type": "NodeCallout", "CalloutTitle": "提示", "Children": [paragraph(text("少放盐"))]},
            paragraph(mark("block-ref", "汤", TextMarkBlockRefID=PARENT), text(" "), mark("tag", "快手菜")),
            paragraph(mark("inline-memo", "蛋", TextMarkInlineMemoContent="土鸡蛋更香")),
            table,
            {"Type": "NodeVideo", "Data": '<video controls="controls" src="assets/boil.mp4"></video>'},
            {"Type": "NodeAttributeView", "AttributeViewID": "20251230141813-9w627cg"},
            {
                "Type": "NodeBlockQueryEmbed",
                "Children": [{"Type": "NodeBlockQueryEmbedScript", "Data": "SELECT"}],
            },
            **{"custom-difficulty": "easy"},
        ),
    )
    write(root / f"history/2026-06-01-101010-update/{BOX}/{PARENT}.sy", document(PARENT, "汤 (old)"))
    write(data / "templates/daily.md", "# {{now | date}}")
    write(data / "plugins/siyuan-plugin-x/README.md", "# A plugin")
    write(data / "storage/av/20251230141813-9w627cg.json", "{}")
    return data


def test_a_siyuan_workspace_reads_each_document_in_order_with_its_pictures_tags_and_notebook(tmp_path):
    workspace(tmp_path)
    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == [f"data/{BOX}/{PARENT}.sy", f"data/{BOX}/{PARENT}/{CHILD}.sy"]
    soup, tomato = docs
    assert (
        soup.title == "汤" and soup.meta["tags"] == ["厨房", "汤/冬天"] and soup.meta["aliases"] == ["soup"]
    )
    assert soup.meta["properties"]["notebook"] == "厨房笔记"
    assert tomato.title == "番茄蛋汤"
    pot = "I:data/assets/pot-20240507233205-gidj803.png"
    assert shape(tomato, tmp_path) == [
        "T:# 番茄蛋汤\n\n## 准备\n\n先烧水，按 Ctrl\n\n看锅：",
        pot,
        # a list's items and a table's rows follow one another
        "T:水开了\n\n1. 切番茄\n- [x] 买蛋\n\n提示\n\n少放盐\n\n汤 #快手菜#\n\n蛋 (土鸡蛋更香)\n\n盐\n锅",
        pot,  # a table cell's picture, after its row
    ]
    assert tomato.meta["tags"] == ["快手菜"]
    assert tomato.meta["properties"] == {
        "notebook": "厨房笔记 / 汤",  # the notebook, then the parent document's title
        "created": "2021-08-08T18:03:03",
        "updated": "2026-03-15T15:57:58",
        "difficulty": "easy",
    }
    said = sorted((w.file, w.reason, str(w)) for w in warned)
    child = f"data/{BOX}/{PARENT}/{CHILD}.sy"
    assert said == [  # `conf/` and `storage/` hold no file a note could be: passed over as code is
        (child, "missing", f"{child}: video skipped, file not found: assets/boil.mp4"),  # read in place
        (
            child,
            "unsupported type",
            f"{child}: a database view (20251230141813-9w627cg) is not read: its rows are SiYuan's own data",
        ),
        ("data/plugins/", "excluded", "data/plugins/: SiYuan plugins (an app's files); not indexed"),
        ("data/templates/", "excluded", "data/templates/: SiYuan's templates, not notes; not indexed"),
        ("history/", "excluded", "history/: SiYuan's history: earlier copies of pages; not indexed"),
    ]


def test_a_notebook_folder_alone_finds_its_own_assets_and_says_a_missing_picture(tmp_path):
    box = tmp_path / BOX
    write(box / ".siyuan/conf.json", '{"name": "Garden"}')
    png(box / "assets/bed-20240101010101-abcdefg.png", size=(64, 48))
    write(
        box / f"{PARENT}.sy",
        document(
            PARENT,
            "Raised beds",
            paragraph(text("Fill with soil."), image("assets/bed-20240101010101-abcdefg.png")),
            paragraph(image("assets/gone-20240101010101-hijklmn.png"), image("https://example.com/a.png")),
        ),
    )
    docs, warned = read_warnings(box)
    assert [shape(d, box) for d in docs] == [
        ["T:# Raised beds\n\nFill with soil.", "I:assets/bed-20240101010101-abcdefg.png"]
    ]
    assert docs[0].meta["properties"]["notebook"] == "Garden"
    assert sorted((w.reason, w.reference) for w in warned) == [
        ("missing", "assets/gone-20240101010101-hijklmn.png"),
        ("remote", "https://example.com/a.png"),
    ]


def test_a_sy_file_that_is_no_siyuan_document_is_said_by_name(tmp_path):
    write(tmp_path / "broken.sy", '{"ID": "x", "Type": ')
    write(tmp_path / "other.sy", '{"Type": "NodeParagraph"}')
    write(tmp_path / "note.md", "A note beside them.")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["note.md"]
    said = sorted((w.file, w.reason, str(w).split(" (")[0]) for w in warned)
    assert said == [
        ("broken.sy", "unreadable", "broken.sy: not a SiYuan document"),
        ("other.sy", "unreadable", "other.sy: not a SiYuan document"),
    ]


def test_renaming_a_parent_document_updates_its_childrens_notebook_on_the_next_run(tiny_dsvl, tmp_path):
    data = workspace(tmp_path / "ws")
    settle(tmp_path / "ws")
    uri = tmp_path / "index"
    build_index(tmp_path / "ws", uri, tiny_dsvl, ns=(1,), progress=False)
    again = build_index(tmp_path / "ws", uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.unchanged, again.embedded) == (2, 0)  # nothing read again
    write(data / BOX / f"{PARENT}.sy", document(PARENT, "冬天的汤", paragraph(text("总览"))))
    settle(data / BOX, age=5)
    report = build_index(tmp_path / "ws", uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.updated == 2  # the parent, and its child whose notebook names it
    child = next(d for d in Index.open(uri).documents() if d.id.endswith(f"{CHILD}.sy"))
    assert child.meta["properties"]["notebook"] == "厨房笔记 / 冬天的汤"


def test_a_zipped_notebook_keeps_its_hidden_name_and_reads_as_on_disk(tmp_path):
    import zipfile

    from indexer.archives import unpack_archive

    box = tmp_path / "on-disk" / BOX
    write(box / ".siyuan/conf.json", '{"name": "Garden"}')
    png(box / "assets/bed-20240101010101-abcdefg.png", size=(64, 48))
    write(
        box / f"{PARENT}.sy",
        document(PARENT, "Beds", paragraph(image("assets/bed-20240101010101-abcdefg.png"))),
    )
    write(box / ".siyuan/sort.json", "{}")  # other hidden files stay behind
    archive = tmp_path / "Garden.sy.zip"  # SiYuan's "Export .sy.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(box.rglob("*")):
            if path.is_file():
                out.write(path, f"{BOX}/{path.relative_to(box).as_posix()}")

    unpacked = unpack_archive(archive, tmp_path / "unpacked")
    assert sorted(
        p.relative_to(unpacked.folder).as_posix() for p in unpacked.folder.rglob("*") if p.is_file()
    ) == [
        ".siyuan/conf.json",
        f"{PARENT}.sy",
        "assets/bed-20240101010101-abcdefg.png",
    ]
    docs, _ = read_warnings(unpacked.folder)
    assert [(d.title, d.meta["properties"]["notebook"], len(d.images)) for d in docs] == [
        ("Beds", "Garden", 1)
    ]
