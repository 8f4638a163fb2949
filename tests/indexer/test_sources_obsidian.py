"""Obsidian notes: wiki embeds resolved as Obsidian does, links as words, callouts, tags, front matter."""

from __future__ import annotations

import json

from source_helpers import jpeg, png, read_warnings, shape, write

VAULT_NOTE = """\
---
title: Repot a fern
tags: [plants, "#indoor"]
aliases:
  - Fern repotting
created: 2024-03-05
rating: 4.5
---
# Repotting

Look at the roots first: ![[roots.png]]

> [!tip]- Water the day before
> Moist soil holds the root ball together. ![[attachments/soil.jpg|300]]

1. Lift the fern out. ![[Fern lifted.png|200x150]]
2. Trim dead roots, see [[Pruning|how to prune]] and [[Tools#Scissors]].
3. Put it in the new pot. ![[sub/pot.jpg#half]]

> [!note]
> Plain callout body.

Embedded note: ![[Fern care]]
Done for today #garden/ferns #菜谱 #2024
"""


def make_vault(root):
    (root / ".obsidian").mkdir(parents=True)
    write(root / ".obsidian/app.json", "{}")
    png(root / "Plants/roots.png")  # next to the note
    jpeg(root / "attachments/soil.jpg")  # exact vault path
    png(root / "attachments/Fern lifted.png", "green")  # name only, found anywhere
    jpeg(root / "Plants/sub/pot.jpg", "yellow")  # relative to the note
    write(root / "Plants/Repot.md", VAULT_NOTE)
    return root


def test_vault_note_reads_embeds_in_place_and_links_as_words(tmp_path):
    root = make_vault(tmp_path / "vault")

    docs, warned = read_warnings(root)

    assert [str(w) for w in warned] == []
    [doc] = docs
    assert doc.title == "Repot a fern"
    assert shape(doc, root) == [
        "T:# Repotting\n\nLook at the roots first:",
        "I:Plants/roots.png",
        "T:Water the day before\nMoist soil holds the root ball together.",
        "I:attachments/soil.jpg",
        "T:1. Lift the fern out.",
        "I:attachments/Fern lifted.png",
        "T:2. Trim dead roots, see how to prune and Tools > Scissors.\n3. Put it in the new pot.",
        "I:Plants/sub/pot.jpg",
        "T:Plain callout body.\n\nEmbedded note: Fern care\nDone for today #garden/ferns #菜谱 #2024",
    ]
    assert not any(mark in doc.text for mark in ("[[", "]]", "[!", "---", "created:", "rating"))
    assert doc.meta["tags"] == ["plants", "indoor", "garden/ferns", "菜谱"]  # #2024 is a number
    assert doc.meta["aliases"] == ["Fern repotting"]
    assert doc.meta["properties"] == {"created": "2024-03-05", "rating": 4.5}
    json.dumps(doc.meta)  # JSON-safe, for the index's properties column
    doc.validate()


def test_exact_vault_path_wins_over_note_relative_then_name_anywhere(tmp_path):
    root = tmp_path / "v"
    (root / ".obsidian").mkdir(parents=True)
    png(root / "img/a.png", "red")  # exact path from the vault root
    png(root / "notes/img/a.png", "blue")  # the same link path relative to the note
    png(root / "notes/img/b.png", "green")  # only relative to the note
    png(root / "deep/er/c.png")  # only by name
    write(root / "notes/n.md", "x ![[img/a.png]] y ![[img/b.png]] z ![[c.png]] w ![[er/c.png]]")

    docs, warned = read_warnings(root)

    assert [(w.file, w.reason) for w in warned] == [("notes/img/a.png", "excluded")]  # shown by no note
    assert shape(docs[0], root) == [
        "T:x",
        "I:img/a.png",
        "T:y",
        "I:notes/img/b.png",
        "T:z",
        "I:deep/er/c.png",
        "T:w",
        "I:deep/er/c.png",
    ]


def test_ambiguous_name_takes_the_nearest_file_and_warns(tmp_path):
    root = tmp_path / "v"
    png(root / "a/photo.png", "red")
    png(root / "b/c/photo.png", "blue")
    png(root / "b/photo.PNG", "green")  # names compare case-insensitively
    write(root / "b/c/d/note.md", "see ![[Photo.png|100]]")

    docs, warned = read_warnings(root)

    assert shape(docs[0], root) == ["T:see", "I:b/c/photo.png"]  # one step up beats two
    warning, *unshown = warned  # the two files not taken are shown by no note: icon-sized, said
    assert [(w.file, w.reason) for w in unshown] == [("a/photo.png", "excluded"), ("b/photo.PNG", "excluded")]
    assert (warning.file, warning.reference, warning.reason) == (
        "b/c/d/note.md",
        "![[Photo.png|100]]",
        "ambiguous",
    )
    assert str(warning) == (
        "b/c/d/note.md: 3 files match ![[Photo.png|100]]; used the nearest, b/c/photo.png "
        "(not b/photo.PNG, a/photo.png)"
    )


def test_cjk_names_subfolders_and_an_attachments_folder_without_a_vault(tmp_path):
    root = tmp_path / "菜谱"  # no .obsidian: the wiki syntax works in any Markdown folder
    jpeg(root / "附件/红烧肉 成品.jpg")
    png(root / "荤菜/步骤1.png")
    write(root / "荤菜/红烧肉.md", "# 红烧肉\n\n![[步骤1.png]]\n焯水后下锅。\n\n![[红烧肉 成品.jpg]]")

    docs, warned = read_warnings(root)

    assert warned == []
    assert (docs[0].id, docs[0].title) == ("荤菜/红烧肉.md", "红烧肉")
    assert shape(docs[0], root) == [
        "T:# 红烧肉",
        "I:荤菜/步骤1.png",
        "T:焯水后下锅。",
        "I:附件/红烧肉 成品.jpg",
    ]


def test_unsupported_missing_and_escaping_embeds_are_reported_by_name(tmp_path):
    root = tmp_path / "v"
    write(root / "drawing.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')  # draws nothing
    write(root / "manual.pdf", b"%PDF-1.4\n")
    png(tmp_path / "secret.png")
    write(root / "n.md", "a ![[drawing.svg]] b ![[manual.pdf#page=3]] c ![[gone.png]] d ![[../secret.png]] e")

    docs, warned = read_warnings(root)

    assert shape(docs[0], root) == ["T:a b c d e"]
    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("manual.pdf", "", "unreadable"),  # the file itself, read as a PDF: a damaged one
        ("n.md", "![[drawing.svg]]", "unreadable"),
        ("n.md", "![[manual.pdf#page=3]]", "unsupported type"),
        ("n.md", "![[gone.png]]", "missing"),
        ("n.md", "![[../secret.png]]", "outside the collection"),
    ]
    said = "n.md: image skipped, SVG draws nothing (every pixel transparent): ![[drawing.svg]]"
    assert str(warned[1]) == said
    assert str(warned[3]) == "n.md: image skipped, file not found: ![[gone.png]]"


def test_code_spans_and_code_blocks_keep_their_embeds_and_tags_as_code(tmp_path):
    png(tmp_path / "real.png")
    png(tmp_path / "in-code.png")
    note = (
        "Use `![[in-code.png]]` and `#notatag` inline.\n\n"
        "```md\n![[in-code.png]]\n![md](in-code.png)\n#fenced\n```\n\n"
        "    ![[in-code.png]] #indented\n\n"
        "Real one: ![[real.png]] #real"
    )
    write(tmp_path / "code.md", note)

    docs, warned = read_warnings(tmp_path)

    assert [(w.file, w.reason) for w in warned] == [("in-code.png", "excluded")]  # shown by no note
    [doc] = docs
    assert [im.path.rsplit("/", 1)[1] for im in doc.images] == ["real.png"]
    assert "![[in-code.png]]\n![md](in-code.png)\n#fenced" in doc.text  # code stays verbatim
    assert doc.meta["tags"] == ["real"]


def test_inline_tags_skip_headings_urls_links_and_escapes(tmp_path):
    write(
        tmp_path / "t.md",
        "# Heading not a tag\n\n## Sub #draft\n\n"
        "See https://example.com/page#section and <https://example.com/#auto> and [x](y#z).\n"
        "Escaped \\#nope, glued word#nope, #Draft again, #a/b/c, #under_score, #1984, #2024/q1.\n",
    )
    [doc], _ = read_warnings(tmp_path)
    assert doc.meta["tags"] == ["draft", "a/b/c", "under_score", "2024/q1"]


def test_links_aliases_headings_and_transclusions_read_as_text(tmp_path):
    write(
        tmp_path / "links.md",
        "[[Note]], [[Folder/Other note.md]], [[Note|shown words]], [[Note#Part one#Step 2]], "
        "[[Note#^block1]], [[#Local heading]], ![[Other note]], ![[Other note#Section|Alias]].\n\n"
        "| Table | Cell |\n|---|---|\n| [[Note\\|piped alias]] | x |\n",
    )
    [doc], warned = read_warnings(tmp_path)
    assert warned == []
    assert doc.text == (
        "Note, Folder/Other note, shown words, Note > Part one > Step 2, Note, Local heading, "
        "Other note, Alias.\n\nTable | Cell |\npiped alias | x |"
    )


def test_callouts_lose_their_markers_and_keep_title_and_body(tmp_path):
    write(
        tmp_path / "c.md",
        "> [!warning] Hot oil\n> Keep the lid near.\n\n> [!info]+\n> Folded open.\n\n"
        "> [!QUOTE]-Title glued\n> body\n\n> A plain quote [!not a callout]\n",
    )
    [doc], _ = read_warnings(tmp_path)
    assert doc.text == (
        "Hot oil\nKeep the lid near.\n\nFolded open.\n\nTitle glued\nbody\n\nA plain quote [!not a callout]"
    )


def test_markdown_links_fall_back_to_obsidian_lookup_only_inside_a_vault(tmp_path):
    for root, vault in ((tmp_path / "vault", True), (tmp_path / "plain", False)):
        if vault:
            (root / ".obsidian").mkdir(parents=True)
        png(root / "attachments/Pasted image 1.png")
        write(root / "notes/n.md", "text ![](Pasted%20image%201.png)")
        docs, warned = read_warnings(root)
        if vault:
            assert (shape(docs[0], root), warned) == (["T:text", "I:attachments/Pasted image 1.png"], [])
        else:
            assert shape(docs[0], root) == ["T:text"]
            assert [(w.reason, w.reference) for w in warned] == [
                ("missing", "Pasted%20image%201.png"),
                ("excluded", ""),  # so the picture is shown by no note (an icon: said, not indexed)
            ]


def test_a_note_written_in_obsidian_resolves_markdown_links_as_obsidian_without_its_settings(tmp_path):
    """Vaults published to git usually leave `.obsidian/` out (obsidianmd/obsidian-help has none): a
    note that itself uses wiki links was written against Obsidian's "name anywhere" rule."""
    png(tmp_path / "Attachments/bases-noshadow.png")
    write(tmp_path / "Bases/紹介.md", "See [[Views]].\n\n![Example base](bases-noshadow.png#interface)")
    write(tmp_path / "Bases/plain.md", "No wiki links here. ![x](bases-noshadow.png)")
    docs, warned = read_warnings(tmp_path)
    by_id = {d.id: d for d in docs}
    assert shape(by_id["Bases/紹介.md"], tmp_path) == ["T:See Views.", "I:Attachments/bases-noshadow.png"]
    assert shape(by_id["Bases/plain.md"], tmp_path) == ["T:No wiki links here."]
    assert [(w.file, w.reason) for w in warned] == [("Bases/plain.md", "missing")]


def test_front_matter_tag_and_alias_spellings(tmp_path):
    write(tmp_path / "a.md", "---\ntags: cooking, quick  dinner\nalias: Single alias\n---\nbody #Cooking")
    write(
        tmp_path / "b.md", "---\ntitle: 42\ntag: '#one'\naliases: [x, 3]\nwhen: 2024-01-02 10:30:00\n---\nb"
    )
    write(tmp_path / "c.md", "---\n---\nempty front matter")
    write(tmp_path / "d.md", '---\ncategories: ["[[Recipes]]", Soups]\ncategory: cooking\n---\nd')
    write(tmp_path / "e.md", "---\ncategories: linux shell\ntopics: [wsl]\n---\ne")  # Jekyll, Zenn
    docs, warned = read_warnings(tmp_path)
    by_id = {d.id: d for d in docs}
    assert warned == []
    assert by_id["a.md"].meta == {
        "tags": ["cooking", "quick", "dinner"],  # #Cooking is the same tag
        "aliases": ["Single alias"],
        "properties": {},
    }
    assert by_id["b.md"].title == "42"
    assert by_id["b.md"].meta == {
        "tags": ["one"],
        "aliases": ["x", "3"],
        "properties": {"when": "2024-01-02T10:30:00"},
    }
    assert (by_id["c.md"].text, by_id["c.md"].title) == ("empty front matter", "c")  # the file name
    assert by_id["d.md"].meta["tags"] == ["Recipes", "Soups", "cooking"]  # categories classify: tags
    assert by_id["e.md"].meta["tags"] == ["linux", "shell", "wsl"] and by_id["e.md"].meta["properties"] == {}


def test_malformed_front_matter_is_warned_and_the_note_indexed_without_it(tmp_path):
    write(tmp_path / "bad.md", "---\ntitle: [unclosed\ntags: x\n---\n# Still here\n\nBody text.")
    write(tmp_path / "list.md", "---\n- just\n- a list\n---\nList body.")

    docs, warned = read_warnings(tmp_path)

    by_id = {d.id: d for d in docs}
    assert by_id["bad.md"].title == "Still here"
    assert by_id["bad.md"].text == "# Still here\n\nBody text."
    assert by_id["bad.md"].meta == {"tags": [], "aliases": [], "properties": {}}
    assert by_id["list.md"].text == "List body."
    assert [(w.file, w.reason) for w in warned] == [("bad.md", "front matter"), ("list.md", "front matter")]
    assert str(warned[0]).startswith("bad.md: front matter is not valid YAML (")
    assert "line 3" in str(warned[0])
    assert str(warned[1]) == "list.md: front matter is not a list of `key: value` properties, ignored"


def test_rooted_links_read_from_the_collection_root_and_never_escape(tmp_path):
    root = tmp_path / "notes"
    png(root / "Image/pic.png")
    png(tmp_path / "secret.png")
    outside = (tmp_path / "secret.png").as_posix()  # an absolute path that exists, out of the collection
    write(
        root / "sub/n.md",
        f"a ![](/Image/pic.png) b ![[/Image/pic.png]] c ![](/secret.png) d ![]({outside}) e",
    )

    docs, warned = read_warnings(root)

    assert shape(docs[0], root) == ["T:a", "I:Image/pic.png", "T:b", "I:Image/pic.png", "T:c d e"]
    # /secret.png is a site-root link found nowhere in the collection: missing, not "outside"
    assert [(w.reference, w.reason) for w in warned] == [
        ("/secret.png", "missing"),
        (outside, "outside the collection"),
    ]


def test_html_pages_carry_the_same_meta_keys(tmp_path):
    write(tmp_path / "page.html", "<title>T</title><p>hello #nottag</p>")
    [doc], _ = read_warnings(tmp_path)
    assert doc.meta == {"tags": [], "aliases": [], "properties": {}}


def test_obsidian_notes_are_titled_by_their_file_name_not_a_template_heading(tmp_path):
    # A vault's template puts section headings in every note; Obsidian titles a note by its file name
    vault = tmp_path / "хранилище"
    (vault / ".obsidian").mkdir(parents=True)
    write(vault / "заметки/сон.md", "# Описание\n\nЛожиться до полуночи.")
    write(vault / "заметки/Сборка мусора.md", "---\ntitle: Мусор в JVM\n---\n# Описание\n\nКорни.")
    write(vault / "README.md", "# О хранилище\n\nКак устроено.")  # generic name: its heading
    # the same note in a plain folder, once without and once with wiki links (vault left out of git)
    write(tmp_path / "plain/сон.md", "# Описание\n\nЛожиться до полуночи.")
    write(tmp_path / "git/сон.md", "# Описание\n\nЛожиться до полуночи, см. [[режим дня]].")

    def titles(folder):
        return {d.id: d.title for d in read_warnings(tmp_path / folder)[0]}

    assert titles("хранилище") == {
        "заметки/сон.md": "сон",
        "заметки/Сборка мусора.md": "Мусор в JVM",  # a title: property still wins
        "README.md": "О хранилище",  # a generic file name: its heading
    }
    assert titles("git") == {"сон.md": "сон"}  # wiki links: written in Obsidian, its .obsidian/ left out
    assert titles("plain") == {"сон.md": "Описание"}  # plain Markdown: the first # Heading titles


def test_obsidian_comments_are_hidden_text_and_their_embeds_and_tags_are_not_read(tmp_path):
    png(tmp_path / "виден.png")
    png(tmp_path / "скрыт.png", "blue")
    write(
        tmp_path / "Рисунок.md",
        "Подпись ![[виден.png]] %%черновик ![[скрыт.png]] #секрет%% конец #метка\n"
        '%%\n## Drawing\n```json\n{"type": "excalidraw", "elements": []}\n```\n%%\n'
        "Код: `50%%` остаётся.\n\n"
        "%% незакрытый комментарий\nдо конца заметки\n\n# и этот раздел\n",
    )

    [doc], warned = read_warnings(tmp_path)

    # the hidden embed is not even looked up: its picture is shown by no note (icon-sized, said)
    assert [(w.file, w.reason) for w in warned] == [("скрыт.png", "excluded")]
    assert shape(doc, tmp_path) == ["T:Подпись", "I:виден.png", "T:конец #метка\n\nКод: 50%% остаётся."]
    assert doc.meta["tags"] == ["метка"]


def test_plugin_query_blocks_are_not_read_as_the_notes_text_other_code_is(tmp_path):
    write(
        tmp_path / "Проект.md",
        "> [!todo]- Задачи\n> ```tasks\n> not done\n> group by heading\n> ```\n\n"
        '```dataviewjs\ndv.table(["файл"], dv.pages("#проект").map(p => [p.file.link]))\n```\n\n'
        "```Dataview\nLIST FROM #проект\n```\n\n```table-of-contents\n```\n\n"
        "План работ.\n\n```java\nSystem.gc();\n```\n",
    )

    [doc], _ = read_warnings(tmp_path)

    assert doc.text == "Задачи\n\nПлан работ.\n\nSystem.gc();"
    assert doc.meta["tags"] == []


def test_footnote_texts_are_kept_and_their_markers_dropped_even_one_word_ones(tmp_path):
    write(
        tmp_path / "Клонирование.md",
        "Метод бросает исключение[^1], см. [доки][d] и сноску[^2].\n\n"
        "[^1]: `CloneNotSupportedException`\n[^2]: Правило Де Моргана: текст\n\n[d]: https://docs.example.org\n",
    )
    write(
        tmp_path / "部署.md",
        "必须按照《系统初始化》[^initdoc]文档进行。\n\n`[^code]` 和 [^ 不是]\n\n"
        "```\n[^fenced]: kept in code\n```\n\n[^initdoc]: 系统初始化文档\n",
    )

    docs, _ = read_warnings(tmp_path)

    assert [d.text for d in docs] == [
        # a one-word definition was a link definition (dropped, its marker a link "^1")
        "Метод бросает исключение, см. доки и сноску.\n\n"
        "CloneNotSupportedException\nПравило Де Моргана: текст",
        # the marker's label was read as a word inside the sentence
        "必须按照《系统初始化》文档进行。\n\n[^code] 和 [^ 不是]\n\n"
        "[^fenced]: kept in code\n\n系统初始化文档",
    ]


def test_notes_in_the_vaults_excluded_files_are_reported_not_indexed_their_pictures_still_used(tmp_path):
    vault = tmp_path / "хранилище"
    write(
        vault / ".obsidian/app.json",
        json.dumps({"userIgnoreFilters": ["шаблоны/", "/^журнал/[^/]+$/", "/[unclosed/"]}),
    )
    png(vault / "шаблоны/вложения/схема.png")  # an excluded folder may hold the attachments
    write(vault / "шаблоны/Проект.md", "# {{title}}\n\nШаблон проекта.")
    write(vault / "журнал/2026-01-01.md", "Запись дня.")
    write(vault / "журнал/итоги/год.md", "Итоги года.")  # deeper: the regex leaves it in
    write(vault / "заметки/Схема.md", "Схема узла: ![[схема.png]]")

    docs, warned = read_warnings(vault)

    assert [d.id for d in docs] == ["журнал/итоги/год.md", "заметки/Схема.md"]
    assert shape(docs[1], vault) == ["T:Схема узла:", "I:шаблоны/вложения/схема.png"]
    assert sorted((w.file, w.reason, str(w)) for w in warned) == [
        (
            "журнал/2026-01-01.md",
            "excluded",
            "журнал/2026-01-01.md: in the vault's Excluded files (/^журнал/[^/]+$/), not indexed",
        ),
        (
            "шаблоны/Проект.md",
            "excluded",
            "шаблоны/Проект.md: in the vault's Excluded files (шаблоны/), not indexed",
        ),
    ]


def test_a_canvas_reads_its_cards_in_reading_order(tmp_path):
    """An Obsidian canvas (JSON Canvas): text cards as Markdown, picture cards in place, note cards
    by name, group labels, top to bottom then left to right; a file that is not one is said."""
    vault = tmp_path / "vault"
    write(vault / ".obsidian/app.json", "{}")
    png(vault / "img/board.png")
    jpeg(vault / "attachments/oil.jpg")
    nodes = [
        {"id": "f", "type": "text", "text": "Oil twice ![[oil.jpg]]", "x": 0, "y": 300},
        {"id": "a", "type": "text", "text": "# Plan\n\nCut the **boards**", "x": 0, "y": 0},
        {"id": "b", "type": "file", "file": "img/board.png", "x": 300, "y": 0},
        {"id": "c", "type": "file", "file": "Notes/Sanding.md", "x": 0, "y": 200},
        {"id": "d", "type": "group", "label": "Finishing", "x": -50, "y": 150},
        {"id": "e", "type": "link", "url": "https://example.com/oil", "x": 0, "y": 400},
    ]
    write(vault / "Shelf.canvas", json.dumps({"nodes": nodes, "edges": []}))
    write(vault / "Broken.canvas", "{not json")

    docs, warned = read_warnings(vault)

    [canvas] = docs
    assert canvas.title == "Shelf"
    assert shape(canvas, vault) == [
        "T:# Plan\n\nCut the boards",
        "I:img/board.png",
        "T:Finishing\n\nSanding\n\nOil twice",
        "I:attachments/oil.jpg",
    ]
    assert [(w.file, w.reason) for w in warned] == [("Broken.canvas", "unsupported type")]
    assert str(warned[0]).startswith("Broken.canvas: not a JSON canvas (")


def test_an_inline_footnote_keeps_its_words_in_place_without_its_marks(tmp_path):
    write(
        tmp_path / "Sink.md",
        "Seal it with tape.^[Teflon, *12 mm* wide.] Match `^[a-z]+` in code ^[second note].\n\n"
        "An open ^[mark never closed\n\nand a] later bracket.\n",
    )

    (doc,) = read_warnings(tmp_path)[0]

    assert doc.text == (
        "Seal it with tape. (Teflon, 12 mm wide.) Match ^[a-z]+ in code (second note).\n\n"
        "An open (mark never closed\n\nand a] later bracket."  # a footnote ends with its paragraph
    )
