"""mdBook books (their pages, the files `{{#include}}` takes in, the built copy left out) and Jekyll's
picture includes: read as the built site shows them; ordinary folders sharing a file name read as before."""

from __future__ import annotations

import os
import time

from source_helpers import png, read_warnings, shape, write

from indexer.build import build_index
from indexer.sources import site_includes
from indexer.sources.markdown import parse_markdown
from indexer.store import Index

BOOK_TOML = '[book]\ntitle = "电烙铁入门"\nauthors = ["Li"]\nlanguage = "zh-CN"\n'


def excluded(warned) -> list[tuple[str, str]]:
    return [(w.file, str(w)) for w in warned if w.reason == "excluded"]


def others(warned) -> list[tuple[str, str, str]]:
    return [(w.reason, w.file, str(w)) for w in warned if w.reason != "excluded"]


def test_an_mdbook_reads_its_pages_with_includes_and_pictures_and_leaves_out_the_built_book(tmp_path):
    write(tmp_path / "book.toml", BOOK_TOML + '\n[build]\nbuild-dir = "public"\n')
    write(tmp_path / "src/SUMMARY.md", "# Summary\n\n- [焊接](./solder.md)\n")
    png(tmp_path / "src/img/iron.png")
    png(tmp_path / "src/logo.png", color="green")
    write(
        tmp_path / "src/code/blink.rs",
        "// ANCHOR: setup\nlet led = pin.into_output();\n// ANCHOR_END: setup\n"
        "loop {\n    led.toggle();\n}\n",
    )
    write(tmp_path / "src/parts/warn.md", "小心烫手。 ![](img/iron.png)\n")  # as mdBook: from the page
    write(
        tmp_path / "src/solder.md",
        "{{#title 焊接步骤}}\n# 焊接\n\n<!-- toc -->\n\n{{#include parts/warn.md}}\n\n"
        "```rust\n{{#include code/blink.rs:setup}}\n```\n\n"
        "```rust\n{{#rustdoc_include code/blink.rs:4:6}}\n```\n\n"
        "{{#playground code/blink.rs:2}}\n\n![烙铁](img/iron.png) ![](/logo.png)\n\n"
        "写法：`\\{{#include file.rs}}`。 {{#tabs }}\n",
    )
    write(tmp_path / "public/solder.html", "<h1>焊接</h1><p>小心烫手。</p>")  # the built book, committed
    write(tmp_path / "theme/index.hbs", "<html>{{ content }}</html>")
    write(tmp_path / "theme/head.md", "templates")
    write(tmp_path / "README.md", "# The repository\n\nRun mdbook serve.")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["src/solder.md"]  # the part it includes is no chapter of its own
    assert docs[0].title == "焊接步骤"
    assert shape(docs[0], tmp_path) == [
        "T:# 焊接\n\n小心烫手。",
        "I:src/img/iron.png",  # the included part's picture, from the page including it (as mdBook)
        "T:let led = pin.into_output();\n\nloop {\n    led.toggle();\n}\n\nlet led = pin.into_output();",
        "I:src/img/iron.png",
        "I:src/logo.png",  # root-absolute: from src/
        "T:写法：{{#include file.rs}}。",
    ]
    assert sorted(excluded(warned)) == [
        ("README.md", "README.md: outside the mdBook site's pages (src/); not indexed"),
        ("public/", "public/: the built book; not indexed"),
        ("src/SUMMARY.md", "src/SUMMARY.md: the book's table of contents, not a note; not indexed"),
        (
            "src/parts/warn.md",
            "src/parts/warn.md: not in the book's table of contents (SUMMARY.md), not a page of the book;"
            " not indexed",
        ),
        ("theme/", "theme/: mdBook's page templates, not pages; not indexed"),
    ]
    assert others(warned) == []


def test_includes_that_escape_loop_are_missing_or_huge_are_said_and_the_page_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(site_includes, "MAX_INCLUDE_CHARS", 40)
    monkeypatch.setattr(site_includes, "MAX_INCLUDE_BYTES", 2000)
    write(tmp_path / "src/dump.csv", "x,y\n" * 600)
    write(tmp_path / "book.toml", BOOK_TOML)
    write(tmp_path / "src/SUMMARY.md", "- [a](a.md)\n- [self](./self.md)\n")
    write(tmp_path / "src/self.md", "Self: {{#include self.md}}\n")
    write(tmp_path / "src/big.txt", "".join(f"line {i}\n" for i in range(100)))
    write(tmp_path / "src/blob.bin", bytes(range(256)) * 4)
    write(tmp_path.parent / "secret.txt", "password")
    write(
        tmp_path / "src/a.md",
        "# Steps\n\nOne.\n\n{{#include ../../secret.txt}}\n{{#include /etc/passwd}}\n{{#include gone.rs}}\n"
        "{{#include self.md}}\n{{#include blob.bin}}\n{{#include big.txt}}\n{{#include dump.csv}}\nTwo.\n",
    )

    docs, warned = read_warnings(tmp_path)

    page = next(d for d in docs if d.id == "src/a.md")
    assert "password" not in page.text and "root:" not in page.text
    assert page.text.startswith("# Steps\n\nOne.\n\nSelf:\n\nline 0\nline 1\n")
    assert "line 5" not in page.text and page.text.endswith("Two.")
    a = "src/a.md"
    assert [item for item in others(warned) if item[1] == a] == [
        (
            "outside the collection",
            a,
            f"{a}: included file is outside the collection, refused: {{{{#include ../../secret.txt}}}}",
        ),
        (
            "outside the collection",
            a,
            f"{a}: included file is outside the collection, refused: {{{{#include /etc/passwd}}}}",
        ),
        ("missing", a, f"{a}: included file not found, left out: {{{{#include gone.rs}}}}"),
        ("other", a, f"{a}: includes itself, left out: {{{{#include self.md}}}}"),
        ("unsupported type", a, f"{a}: included file is not text, left out: {{{{#include blob.bin}}}}"),
        (
            "too large",
            a,
            f"{a}: included file is too long, only its first 40 characters read: {{{{#include big.txt}}}}",
        ),
        ("too large", a, f"{a}: included file is over 2,000 bytes, left out: {{{{#include dump.csv}}}}"),
    ]
    assert ("other", "src/self.md", "src/self.md: includes itself, left out: {{#include self.md}}") in others(
        warned
    )


def test_an_mdbook_one_folder_down_with_its_own_source_folder(tmp_path):
    write(tmp_path / "Cargo.toml", '[package]\nname = "blinky"\n')
    write(tmp_path / "src/main.rs", "fn main() {}\n")
    write(tmp_path / "docs/book.toml", '[book]\nsrc = "pages"\n[output.html]\n')
    write(tmp_path / "docs/pages/SUMMARY.md", "- [Wiring](wiring.md)\n")
    png(tmp_path / "docs/pages/wiring.png")
    write(
        tmp_path / "docs/pages/wiring.md",
        "# Wiring\n\n![](/wiring.png)\n\n```rust\n{{#include ../../src/main.rs}}\n```\n",
    )
    write(tmp_path / "docs/book/wiring.html", "<p>built</p>")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["docs/pages/wiring.md"]
    assert shape(docs[0], tmp_path) == ["T:# Wiring", "I:docs/pages/wiring.png", "T:fn main() {}"]
    assert ("docs/book/", "docs/book/: the built book; not indexed") in excluded(warned)


def test_a_book_toml_of_another_tool_or_a_src_folder_alone_is_an_ordinary_folder(tmp_path):
    other = tmp_path / "other"
    write(other / "book.toml", '[package]\nname = "library"\n')  # not mdBook's: no [book] nor [output]
    write(other / "src/SUMMARY.md", "# Summary of the loans\n")
    write(other / "book/notes.md", "# Notes\n")
    plain = tmp_path / "plain"
    write(plain / "src/SUMMARY.md", "# Summary\n\nWhat I read.\n")
    write(plain / "book/chapter.md", "# Chapter\n")
    no_summary = tmp_path / "nosummary"
    write(no_summary / "book.toml", BOOK_TOML)
    write(no_summary / "src/intro.md", "# Intro\n")

    for folder, ids in (
        (other, ["book/notes.md", "src/SUMMARY.md"]),
        (plain, ["book/chapter.md", "src/SUMMARY.md"]),
        (no_summary, ["src/intro.md"]),
    ):
        docs, warned = read_warnings(folder)
        assert [d.id for d in docs] == ids
        assert excluded(warned) == []


def test_an_mdbook_beside_a_gitbook_config_is_read_as_the_mdbook(tmp_path):
    write(tmp_path / "book.toml", BOOK_TOML)
    write(tmp_path / "book.json", '{"root": "."}')  # an old GitBook config left in the repository
    write(tmp_path / "SUMMARY.md", "- [Old](old.md)\n")
    write(tmp_path / "old.md", "# Old\n")
    write(tmp_path / "src/SUMMARY.md", "- [New](new.md)\n")
    write(tmp_path / "src/new.md", "# New\n")

    docs, _ = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["src/new.md"]


def test_directives_outside_a_collection_show_nothing():
    page = parse_markdown(b"# A\n\n{{#include x.rs}} text {{#title T}}\n", "a.md")
    assert page.title == "T" and page.items == ("# A\n\ntext\n\n",)


def settle(root, age: int = 10) -> None:
    when = time.time() - age
    for path in root.rglob("*"):
        os.utime(path, (when, when))


def test_a_page_is_read_again_when_a_file_it_includes_changes(tiny_dsvl, tmp_path):
    book = tmp_path / "book"
    write(book / "book.toml", BOOK_TOML)
    write(book / "src/SUMMARY.md", "# Summary\n\n- [Flux](a.md)\n- [Tin](<b.md>)\n")
    write(book / "src/a.md", "# Flux\n\n```\n{{#include steps.txt}}\n```\n")
    write(book / "src/b.md", "# Tin\n\nWipe the tip.\n")
    write(book / "src/steps.txt", "heat the joint\n")
    settle(book)
    uri = tmp_path / "index"
    build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    again = build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (again.unchanged, again.embedded) == (3, 0)  # a.md, b.md and steps.txt (a note of its own)
    write(book / "src/steps.txt", "heat the joint, then add solder\n")
    settle(book / "src", age=5)
    report = build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (report.updated, report.unchanged) == (2, 1)  # steps.txt, and a.md that includes it
    page = next(d for d in Index.open(uri).documents() if d.source == "src/a.md")
    assert "then add solder" in page.text


def test_a_page_whose_include_was_missing_is_read_again_when_the_file_appears(tiny_dsvl, tmp_path):
    book = tmp_path / "book"
    write(book / "book.toml", BOOK_TOML)
    write(book / "src/SUMMARY.md", "# Summary\n\n- [Flux](a.md)\n")
    write(book / "src/a.md", "# Flux\n\n{{#include parts/steps.md}}\n")
    settle(book)
    uri = tmp_path / "index"
    first = build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert ("src/a.md", "missing") in [(s.source, s.reason) for s in first.skipped]
    again = build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (again.unchanged, again.notes_read) == (1, 0)  # still cached: nothing read
    write(book / "src/parts/steps.md", "Heat the joint.\n")
    settle(book / "src/parts", age=5)
    report = build_index(book, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert "missing" not in [s.reason for s in report.skipped]
    assert (report.updated, report.notes_read) == (1, 1)  # a.md (steps.md is no page of the book)
    page = next(d for d in Index.open(uri).documents() if d.source == "src/a.md")
    assert "Heat the joint." in page.text


# --- Jekyll picture includes -----------------------------------------------------------------------


def test_jekyll_picture_includes_are_the_picture_with_its_caption(tmp_path):
    write(tmp_path / "_config.yml", "title: Lab notes\n")
    write(
        tmp_path / "_includes/image.html",
        '<figure><img src="{{ include.url | relative_url }}" alt="{{ include.description }}">'
        "<figcaption>{{ include.description }}</figcaption></figure>\n",
    )
    write(  # the picture's folder is the template's: `name=` is no common parameter
        tmp_path / "_includes/shot.html",
        '{% if include.full %}<img src="{{ site.baseurl }}/assets/shots/{{ include.name }}">'
        '{% else %}<img src="{{ site.baseurl }}/assets/thumbs/{{ include.name }}">{% endif %}\n',
    )
    write(tmp_path / "_includes/toc.html", "<nav>{{ content | toc }}</nav>\n")
    write(tmp_path / "_includes/screenshot.html", SCREENSHOT)
    png(tmp_path / "assets/images/login.png", color="yellow")
    png(tmp_path / "assets/adc.png")
    png(tmp_path / "assets/thumbs/board.png", color="blue")
    png(tmp_path / "assets/fig.png", color="green")
    write(
        tmp_path / "_posts/2024-01-02-adc.md",
        "---\ntitle: ADC\n---\n{% include toc.html %}\nEnable the clock.\n"
        '{% include image.html url="/assets/adc.png" description="RCGCADC register" width="100%" %}\n'
        'Then the board:\n{% include shot.html\n   name="board.png"\n   alt="The board"\n%}\n'
        '{% include figure.html image="/assets/fig.png" caption="Figure <b>1</b>" %}\n'
        "{% include picture.html src=page.hero %}\n"
        '{% include screenshot.html img="login.png" caption="Log in" %}\n'
        '{% raw %}Usage: {% include image.html url="x.png" %}{% endraw %}\n',
    )

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["_posts/2024-01-02-adc.md"]
    assert shape(docs[0], tmp_path) == [
        "T:Enable the clock.",
        "I:assets/adc.png",
        "T:RCGCADC register\nThen the board:",
        "I:assets/thumbs/board.png",  # the branch naming a file of the collection
        "T:The board",
        "I:assets/fig.png",  # a theme's figure.html (not in _includes/): its common parameters
        "T:Figure 1",
        "I:assets/images/login.png",  # `{{ include.img | prepend: '/assets/images/' }}`
        'T:Log in\nUsage: {% include image.html url="x.png" %}',
    ]
    assert others(warned) == []


def test_jekyll_includes_not_showing_pictures_show_nothing(tmp_path):
    write(tmp_path / "_config.yml", "title: Notes\n")
    write(
        tmp_path / "_includes/image.html", "<div class='note'>{{ include.text }}</div>\n"
    )  # named so, no picture
    write(  # a card's default cover is its theme's art, not a picture the page names
        tmp_path / "_includes/event-card.html",
        '<img src="/assets/{% if event.image %}events/{{ event.image }}{% else %}covers/c.png{% endif %}">\n',
    )
    png(tmp_path / "assets/covers/c.png")
    write(
        tmp_path / "notes.md",
        '# Notes\n\n{% include image.html url="/a.png" %}\n{% include toc.html %}\n'
        '{% include callout.html\n  text="x" width="50%"\n%}\n'
        "{% include event-card.html item=event %}\nEnd.\n",
    )

    docs, warned = read_warnings(tmp_path)

    assert [shape(d, tmp_path) for d in docs] == [["T:# Notes\n\nEnd."]]
    assert others(warned) == []


SCREENSHOT = (
    "<figure><img src=\"{% if include.img contains '//' %}{{ include.img }}{% else %}"
    "{{ include.img | prepend: '/assets/images/' | relative_url }}{% endif %}\">"
    "<figcaption>{{ include.caption }}</figcaption></figure>\n"
)


def test_a_missing_picture_of_an_include_is_said(tmp_path):
    write(tmp_path / "_config.yml", "title: Notes\n")
    write(tmp_path / "_includes/screenshot.html", SCREENSHOT)
    write(
        tmp_path / "howto.md",
        '# How\n\n{% include image.html url="/assets/step2.png" description="Step 2" %}\n'
        '{% include screenshot.html img="step3.png" %}\n',
    )

    docs, warned = read_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == ["T:# How\n\nStep 2"]
    assert others(warned) == [
        ("missing", "howto.md", "howto.md: image skipped, file not found: /assets/step2.png"),
        ("missing", "howto.md", "howto.md: image skipped, file not found: /assets/images/step3.png"),
    ]


def test_a_picture_include_on_a_jekyll_html_page_is_the_picture(tmp_path):
    write(tmp_path / "_config.yml", "title: Notes\n")
    png(tmp_path / "assets/team.png")
    write(
        tmp_path / "about.html",
        "---\ntitle: About\n---\n<p>Our bench.</p>\n"
        '{% include image.html url="/assets/team.png" caption="The team & tools" %}\n',
    )

    docs, warned = read_warnings(tmp_path)

    assert shape(docs[0], tmp_path) == ["T:Our bench.", "I:assets/team.png", "T:The team & tools"]
    assert others(warned) == []
