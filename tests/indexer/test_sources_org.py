"""Org notes (Emacs Org mode, org-roam, Logseq's Org pages): words and pictures in order, metadata."""

from __future__ import annotations

from source_helpers import jpeg, png, read_warnings, shape, write

ORG_NOTE = """\
:PROPERTIES:
:ID:       5b1c0c1e-roam-node
:ROAM_ALIASES: "Bike chain" chain
:END:
#+TITLE: Replace a /bike/ chain
#+FILETAGS: :bike:repair:
#+AUTHOR: Ana
#+STARTUP: overview

# a note to self, not shown
* TODO [#A] Measure the old chain :tools:
SCHEDULED: <2024-05-12 Sun>
:LOGBOOK:
CLOCK: [2024-05-11 Sat 09:12]--[2024-05-11 Sat 09:40] =>  0:28
:END:
Count the links with *care* and =chain-tool=.
[[file:photos/old-chain.jpg]]
#+CAPTION: The new chain on the big ring
#+ATTR_HTML: :width 300
[[./photos/new chain.png]]
** Tools
| tool | size |
|------+------|
| pliers | 10 mm |
See [[https://example.com/guide][the maker's guide]], [[*Tools]] and [[Chain wear]]; [[https://example.com]].
#+BEGIN_SRC sh
echo "*not emphasis*"
#+END_SRC
#+BEGIN_COMMENT
draft words
#+END_COMMENT
#+BEGIN_QUOTE
Ride it in gently.
#+END_QUOTE
[[file:manual.pdf]] [[file:photos/missing.jpg][a thumbnail link with a description]]
"""


def test_an_org_note_reads_as_org_shows_it(tmp_path):
    jpeg(tmp_path / "notes/photos/old-chain.jpg")
    png(tmp_path / "notes/photos/new chain.png")
    write(tmp_path / "notes/manual.pdf", b"%PDF-1.4\n%%EOF")
    write(tmp_path / "notes/chain.org", ORG_NOTE)

    docs, warned = read_warnings(tmp_path / "notes")

    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("chain.org", "[[file:manual.pdf]]", "unsupported type"),  # Org would show it inline: not a picture
        ("manual.pdf", "", "unreadable"),  # read as a PDF: a damaged one
    ]
    [note] = docs
    assert note.title == "Replace a bike chain"
    assert note.meta["tags"] == ["bike", "repair", "tools"]
    assert note.meta["aliases"] == ["Bike chain", "chain"]
    assert note.meta["properties"] == {"author": "Ana"}
    assert shape(note, tmp_path / "notes") == [
        "T:# TODO Measure the old chain\nCount the links with care and chain-tool.",
        "I:photos/old-chain.jpg",
        "T:The new chain on the big ring",
        "I:photos/new chain.png",
        "T:## Tools\n"
        "tool | size\n"
        "pliers | 10 mm\n"
        "See the maker's guide, Tools and Chain wear; .\n"
        'echo "*not emphasis*"\n'
        "Ride it in gently.\n"
        "a thumbnail link with a description",
    ]


def test_logseq_org_pages_read_their_tags_macros_and_block_references(tmp_path):
    write(tmp_path / "graph/logseq/config.edn", "{}\n")
    write(
        tmp_path / "graph/pages/non-local.org",
        "#+TITLE: Non-local\n#+tags: [[graph network]], #attention\n#+publication date: 2020-03-28\n\n"
        "** Attention\n:PROPERTIES:\n:heading: true\n:END:\n*** ^^Soft^^ attention is differentiable\n"
        ":PROPERTIES:\n:id: 5fe93262-f9e8-408a-a255-846024a37549\n:END:\n*****\n",
    )
    write(
        tmp_path / "graph/pages/tree filter.org",
        "#+TITLE: Tree filter\n\n* Why\n** {{{embed ((5fe93262-f9e8-408a-a255-846024a37549))}}}\n",
    )

    docs, warned = read_warnings(tmp_path / "graph")

    by_title = {d.title: d for d in docs}
    assert by_title["Non-local"].meta["tags"] == ["graph network", "attention"]
    assert by_title["Non-local"].meta["properties"] == {"publication date": "2020-03-28"}
    assert by_title["Non-local"].text == "## Attention\n\n### Soft attention is differentiable"
    assert by_title["Tree filter"].text == "# Why\n\n## Soft attention is differentiable"
    assert [str(w) for w in warned] == []
