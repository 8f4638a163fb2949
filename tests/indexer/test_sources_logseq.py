"""Logseq graphs: page properties, block references and embeds, macros, highlights, drawers, the
graph's own folders, `assets/` links from pages, journal titles; its YAML-like front matter."""

from __future__ import annotations

from source_helpers import png, read_warnings, shape, write

REF = "6098a1b2-0c3d-4e5f-8a9b-0123456789ab"

SOURDOUGH = f"""\
title:: Sourdough bread
tags:: [[baking]], bread, #weekend
alias:: Levain loaf
source:: grandma
collapsed:: true

- Feed the starter the night before ^^twice^^ ![starter](../assets/starter.png){{:height 251, :width 395}}
  id:: {REF}
  collapsed:: true
- Shape it as in {{{{embed [[Shaping]]}}}}
  :LOGBOOK:
  CLOCK: [2024-05-11 Sat 09:12:01]--[2024-05-11 Sat 09:40:12] =>  00:28:11
  :END:
- Bake covered for 20 min ![crumb](assets/crumb.png)
  heading:: true
  oven:: 250 C
- {{{{query (and [[baking]] (task TODO))}}}} and `{{{{query kept}}}}` in code
- Where $x \\in {{{{1, 2}}}}$ holds
  #+BEGIN_QUOTE
  Patience is an ingredient.
  #+END_QUOTE
  #+BEGIN_QUERY
  {{:title "all bakes" :query [:find ?b]}}
  #+END_QUERY
"""

JOURNAL = f"""\
- Bread day: ((({REF}))) as always
- {{{{embed (({REF}))}}}}
- A dangling reference ((0000aaaa-0000-4000-8000-000000000000)) is dropped
- {{{{cloze rye}}}} flour, video {{{{video https://example.com/v.mp4}}}}
"""


def make_graph(root):
    write(root / "logseq/config.edn", "{:meta/version 1}\n")
    write(root / "logseq/bak/pages/Sourdough/2024-05-01.md", "- an old copy of the page\n")
    png(root / "assets/starter.png", "white")
    png(root / "assets/crumb.png", "yellow")
    write(root / "pages/recipes___Sourdough.md", SOURDOUGH)
    write(root / "journals/2024_05_12.md", JOURNAL)
    return root


def test_a_logseq_page_reads_as_logseq_shows_it(tmp_path):
    root = make_graph(tmp_path / "graph")

    docs, warned = read_warnings(root)

    assert [str(w) for w in warned] == ["logseq/: Logseq's settings and backup copies of pages; not indexed"]
    page = next(d for d in docs if d.id == "pages/recipes___Sourdough.md")
    assert page.title == "Sourdough bread"
    assert page.meta["tags"] == ["baking", "bread", "weekend"]
    assert page.meta["aliases"] == ["Levain loaf"]
    assert page.meta["properties"] == {"source": "grandma"}
    assert shape(page, root) == [
        "T:- Feed the starter the night before twice",
        "I:assets/starter.png",  # `../assets/...`: relative to the page
        "T:- Shape it as in Shaping\n- Bake covered for 20 min",
        "I:assets/crumb.png",  # `assets/...` from a page in pages/: the graph's root, as Logseq finds it
        "T:oven: 250 C\n"
        "- and {{query kept}} in code\n"
        "- Where $x \\in {{1, 2}}$ holds\n"
        "Patience is an ingredient.",
    ]


def test_block_references_and_embeds_read_as_the_blocks_words(tmp_path):
    root = make_graph(tmp_path / "graph")

    docs, _ = read_warnings(root)

    journal = next(d for d in docs if d.id == "journals/2024_05_12.md")
    assert journal.title == "2024-05-12"  # Logseq's journal file name, read as a date
    [text] = [s.text for s in journal.segments]
    assert text == (
        "- Bread day: (Feed the starter the night before twice) as always\n"
        "- Feed the starter the night before twice\n"
        "- A dangling reference is dropped\n"
        "- rye flour, video"
    )


def test_without_its_config_a_logseq_page_still_reads_its_syntax(tmp_path):
    """A page copied out of its graph: properties, macros and drawers are still Logseq's."""
    write(tmp_path / "notes/Sourdough.md", SOURDOUGH)
    png(tmp_path / "notes/assets/crumb.png")

    docs, warned = read_warnings(tmp_path / "notes")

    [page] = docs
    assert page.title == "Sourdough bread" and page.meta["aliases"] == ["Levain loaf"]
    text = " ".join(s.text for s in page.segments if hasattr(s, "text"))
    for noise in ("::", "id::", REF, "LOGBOOK", "{:height", "^^", "#+BEGIN", ":query"):
        assert noise not in text
    assert [w.reason for w in warned] == ["outside the collection"]  # ../assets/starter.png


def test_logseq_front_matter_that_is_not_yaml_is_read_line_by_line(tmp_path):
    """Older Logseq pages (and Zotero imports) write `key: [[A]], [[B]]` and `tags: #a` headers."""
    write(
        tmp_path / "notes/detr.md",
        "---\ntitle: DETR\nauthors:[[Nicolas Carion]], [[Francisco Massa]]\n"
        "tags: #attention, [[object detection]], #zotero\npublic: true\n---\n\n- Set prediction\n",
    )
    write(tmp_path / "notes/questions.md", "---\ntitle: ?\nalias: Questions\n---\n\n- Open points\n")
    write(tmp_path / "notes/colon.md", "---\ntitle: synthesis: a model\n---\n\n- Steps\n")
    write(tmp_path / "notes/broken.md", "---\ntitle: [unclosed\ntags: x\n---\n\nBody\n")  # meant as YAML

    docs, warned = read_warnings(tmp_path / "notes")

    detr = next(d for d in docs if d.id == "detr.md")
    assert detr.title == "DETR"
    assert detr.meta["tags"] == ["attention", "object detection", "zotero"]
    assert detr.meta["properties"] == {"authors": "[[Nicolas Carion]], [[Francisco Massa]]", "public": "true"}
    assert next(d for d in docs if d.id == "questions.md").title == "?"
    assert next(d for d in docs if d.id == "colon.md").title == "synthesis: a model"
    assert [(w.file, w.reason) for w in warned] == [("broken.md", "front matter")]


def test_a_persons_own_fields_stay_and_logseqs_bookkeeping_goes(tmp_path):
    """`key:: value` is also Obsidian Dataview's inline field: only Logseq's bookkeeping goes (a uuid
    `id::`, a task clock in epoch milliseconds, folding), a person's `id:: 42` or `color:: red` stays."""
    write(
        tmp_path / "notes/log.md",
        f"- DONE Sand the shelf\n  done:: 1614912467913\n  id:: {REF}\n  collapsed:: true\n"
        "  background_color:: rgb(38, 76, 155)\n"
        "- Paint it\n  color:: red\n  id:: 42\n  done:: yes\n",
    )

    docs, _ = read_warnings(tmp_path / "notes")

    assert docs[0].text == "- DONE Sand the shelf\n- Paint it\ncolor: red\nid: 42\ndone: yes"
