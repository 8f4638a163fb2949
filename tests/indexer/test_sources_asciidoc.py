"""AsciiDoc notes and Antora sites: words and pictures in order, includes and attributes, what is
not a page said, problems named by the file and the target as the person wrote them."""

from __future__ import annotations

import zipfile

from source_helpers import png, read_warnings, settle, shape, write

from indexer.archives import unpack_archive
from indexer.build import build_index
from indexer.sources.site import site_layout
from indexer.store import Index

NOTE = """\
= Fix a Dripping Tap
Jane Doe <jane@example.com>
:keywords: plumbing, tap
:description: Change the washer
:imagesdir: pics
:product: Acme Tap

// a comment nobody reads
Your *{product}* drips.

== Steps

NOTE: Turn the water off first.

. Close the valve.
. Remove the handle.
+
image::handle.png[The handle]
. Take out the washer image:washer.png[washer,20] and replace it.

[source,bash]
----
echo "{product}" <1>
----

.Parts
[cols="1,2"]
|===
|Part |Use

|Washer
|Seals the valve
|===

Valve:: the part under the sink.

See xref:other.adoc[the other page], kbd:[Ctrl+S] and <<_steps>>.

include::snippets/warning.adoc[]

include::snippets/gone.adoc[]

image::missing.png[]
"""


def test_an_asciidoc_note_reads_words_and_pictures_in_order(tmp_path):
    notes = tmp_path / "notes"
    png(notes / "pics/handle.png")
    png(notes / "pics/washer.png", "green")
    write(notes / "tap.adoc", NOTE)
    write(notes / "snippets/warning.adoc", "WARNING: Do not overtighten the {product}.\n")

    docs, warned = read_warnings(notes)

    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("tap.adoc", "snippets/gone.adoc", "missing"),  # the include, by the target as written
        ("tap.adoc", "pics/missing.png", "missing"),
    ]
    assert "tap.adoc" in str(warned[0]) and "snippets/gone.adoc" in str(warned[0])
    note = next(doc for doc in docs if doc.id == "tap.adoc")
    assert note.title == "Fix a Dripping Tap"
    assert note.meta["tags"] == ["plumbing", "tap"]
    assert note.meta["properties"] == {"description": "Change the washer", "author": "Jane Doe"}
    assert shape(note, notes) == [
        "T:# Fix a Dripping Tap\n\nYour Acme Tap drips.\n\n## Steps\n\nTurn the water off first.\n\n"
        "1. Close the valve.\n2. Remove the handle.",
        "I:pics/handle.png",
        "T:3. Take out the washer",
        "I:pics/washer.png",
        'T:and replace it.\n\necho "{product}"\n\nParts\n\nPart | Use\nWasher | Seals the valve\n\n'
        "Valve: the part under the sink.\n\nSee the other page, Ctrl+S and Steps.\n\n"
        "Do not overtighten the Acme Tap.",
    ]
    # a note of its own too: in a plain folder, nothing says it is only included
    assert [doc.id for doc in docs] == ["snippets/warning.adoc", "tap.adoc"]


def test_an_antora_site_reads_its_pages_with_their_module_pictures(tmp_path):
    site = tmp_path / "docs"
    write(site / "antora.yml", "name: guide\nversion: '1.0'\nnav:\n- modules/ROOT/nav.adoc\n"
          "asciidoc:\n  attributes:\n    app: Snapper@\n")  # fmt: skip
    write(site / "README.adoc", "= About this repository\n\nHow to build the site.\n")
    write(site / "modules/ROOT/nav.adoc", "* xref:install.adoc[]\n")
    write(
        site / "modules/ROOT/pages/install.adoc",
        """\
= Install {app}

ifdef::env-site[]
include::partial$intro.adoc[]
endif::[]
ifdef::env-github[Seen on GitHub only.]

image::step1.png[]

image::admin:console.png[]

See xref:admin:settings.adoc[].
""",
    )
    write(site / "modules/ROOT/pages/_attributes.adoc", ":app: Snapper\n")
    write(site / "modules/ROOT/partials/intro.adoc", "Download {app} first.\n")
    write(site / "modules/ROOT/examples/run.sh", "snapper --help\n")
    png(site / "modules/ROOT/images/step1.png")
    png(site / "modules/ROOT/images/unused.png", "blue")
    write(site / "modules/admin/pages/settings.adoc", "= Admin Settings\n\nChange what you need.\n")
    png(site / "modules/admin/assets/images/console.png", "green")

    docs, warned = read_warnings(site)

    assert site_layout(site).kind == "Antora"
    pages = ["modules/ROOT/pages/install.adoc", "modules/admin/pages/settings.adoc"]
    assert [doc.id for doc in docs] == pages
    install = docs[0]
    assert install.title == "Install Snapper"
    assert shape(install, site) == [
        "T:# Install Snapper\n\nDownload Snapper first.",
        "I:modules/ROOT/images/step1.png",
        "I:modules/admin/assets/images/console.png",  # another module's, in the older assets/images/
        "T:See Admin Settings.",  # an xref without text shows the page's title
    ]
    said = {w.file: str(w) for w in warned if w.reason == "excluded"}
    assert "README.adoc" in said and "outside the Antora site's pages" in said["README.adoc"]
    assert "navigation" in said["modules/ROOT/nav.adoc"]
    assert "partials" in said["modules/ROOT/partials/"]
    assert "hidden" in said["modules/ROOT/pages/_attributes.adoc"]
    assert "no page shows" in said["modules/ROOT/images/"]  # unused.png, said with its folder
    assert all(w.reason == "excluded" for w in warned)


def test_an_antora_page_names_a_missing_picture_and_include_as_written(tmp_path):
    site = tmp_path / "site"
    write(site / "antora.yml", "name: guide\nversion: ~\n")
    page = "= Home\n\ninclude::partial$gone.adoc[]\n\nimage::shots/gone.png[]\n"
    write(site / "modules/ROOT/pages/index.adoc", page)

    docs, warned = read_warnings(site)

    assert [(w.file, w.reference, w.reason) for w in warned] == [
        ("modules/ROOT/pages/index.adoc", "partial$gone.adoc", "missing"),
        ("modules/ROOT/pages/index.adoc", "shots/gone.png", "missing"),
    ]
    assert shape(docs[0], site) == ["T:# Home"]


def test_an_asciidoc_file_the_reader_cannot_parse_is_named_and_the_run_goes_on(tmp_path):
    notes = tmp_path / "notes"
    nested = "".join("=" * (4 + depth) + "\n" for depth in range(3000))  # blocks inside blocks
    write(notes / "deep.adoc", "= Deep\n\n" + nested + "Words at the bottom.\n")
    write(notes / "fine.adoc", "= Fine\n\nStill read.\n")

    docs, warned = read_warnings(notes)

    assert [(w.file, w.reason) for w in warned] == [("deep.adoc", "markup")]
    assert "deep.adoc" in str(warned[0]) and "read as plain text" in str(warned[0])
    assert [doc.id for doc in docs] == ["deep.adoc", "fine.adoc"]
    assert "Words at the bottom." in docs[0].text  # its words are still found


def test_includes_take_the_lines_and_tags_they_name_and_never_leave_the_collection(tmp_path):
    notes = tmp_path / "notes"
    write(tmp_path / "secret.adoc", "Outside words.\n")
    write(notes / "parts.adoc", "one\ntwo\nthree\n// tag::keep[]\nkept words\n// end::keep[]\nnot kept\n")
    includes = ["parts.adoc[lines=2..3]", "parts.adoc[tag=keep]", "../secret.adoc[]"]
    includes += ["https://example.com/a.adoc[]", "page.adoc[]"]
    write(notes / "page.adoc", "= Page\n\n" + "\n\n".join(f"include::{i}" for i in includes) + "\n")

    docs, warned = read_warnings(notes)

    page = next(doc for doc in docs if doc.id == "page.adoc")
    assert page.text.split("\n\n") == ["# Page", "two three", "kept words"]
    assert [(w.reference, w.reason) for w in warned] == [
        ("../secret.adoc", "outside the collection"),
        ("https://example.com/a.adoc", "remote"),
        ("page.adoc", "other"),  # includes itself
    ]


def test_modular_docs_includes_move_sections_down_and_name_another_component_once(tmp_path):
    site = tmp_path / "site"
    write(site / "antora.yml", "name: install\nversion: ~\n")
    write(
        site / "modules/ROOT/partials/proc_boot.adoc", "= Booting\n\n.Procedure\n. Press F12.\n. Pick USB.\n"
    )
    page = """\
= Installing

include::partial$proc_boot.adoc[leveloffset=+1]

Back on the page.

include::5.5@other:admin:partial$table.adoc[tag=a]

include::5.5@other:admin:partial$table.adoc[tag=b]
"""
    write(site / "modules/ROOT/pages/install.adoc", page)

    docs, warned = read_warnings(site)

    steps = "Procedure\n1. Press F12.\n2. Pick USB."
    assert docs[0].text.split("\n\n") == ["# Installing", "## Booting", steps, "Back on the page."]
    missing = [(w.reference, w.reason) for w in warned if w.reason != "excluded"]
    assert missing == [("5.5@other:admin:partial$table.adoc", "missing")]  # said once, not per tag
    assert "another Antora component" in str(next(w for w in warned if w.reason == "missing"))


def test_a_component_kept_among_notes_does_not_turn_the_notes_into_a_site(tmp_path):
    notes = tmp_path / "notes"
    write(notes / "groceries.md", "# Groceries\n\nMilk.\n")
    write(notes / "work/antora.yml", "name: handbook\nversion: ~\n")  # not where a repository keeps docs
    write(notes / "work/modules/ROOT/pages/index.adoc", "= Handbook\n\nWords.\n")
    write(tmp_path / "repo/docs/antora.yml", "name: handbook\nversion: ~\n")  # where it does
    write(tmp_path / "repo/docs/modules/ROOT/pages/index.adoc", "= Handbook\n\nWords.\n")
    write(tmp_path / "repo/README.md", "# The code\n")

    assert site_layout(notes).kind == ""
    assert [doc.id for doc in read_warnings(notes)[0]] == [
        "groceries.md",
        "work/modules/ROOT/pages/index.adoc",
    ]
    assert site_layout(tmp_path / "repo").kind == "Antora"
    docs, warned = read_warnings(tmp_path / "repo")
    assert [doc.id for doc in docs] == ["docs/modules/ROOT/pages/index.adoc"]
    assert [(w.file, w.reason) for w in warned] == [("README.md", "excluded")]


def test_a_zipped_antora_site_keeps_the_examples_its_pages_include(tmp_path):
    archive = tmp_path / "handbook-docs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handbook/docs/antora.yml", "name: handbook\nversion: ~\n")
        page = "= Run\n\n[source,bash]\n----\ninclude::example$run.sh[]\n----\n"
        zipped.writestr("handbook/docs/modules/ROOT/pages/run.adoc", page)
        zipped.writestr("handbook/docs/modules/ROOT/examples/run.sh", "snapper --serve\n")
        zipped.writestr("handbook/src/main.sh", "echo code\n")  # code beside the docs stays out

    unpacked = unpack_archive(archive, tmp_path / "out")
    docs, warned = read_warnings(unpacked.folder)

    assert [doc.text for doc in docs] == ["# Run\n\nsnapper --serve"]
    assert not warned
    assert not (unpacked.folder / "src").exists()


def test_a_page_is_read_again_when_its_partial_appears_or_changes(tiny_dsvl, tmp_path):
    site = tmp_path / "site"
    write(site / "antora.yml", "name: handbook\nversion: ~\n")
    write(site / "modules/ROOT/pages/solder.adoc", "= Solder\n\ninclude::partial$steps.adoc[]\n")
    write(site / "modules/ROOT/pages/tin.adoc", "= Tin\n\nWipe the tip.\n")
    settle(site)
    uri = tmp_path / "index"
    first = build_index(site, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert ("modules/ROOT/pages/solder.adoc", "missing") in [(s.source, s.reason) for s in first.skipped]
    write(site / "modules/ROOT/partials/steps.adoc", "Heat the joint.\n")
    settle(site / "modules/ROOT/partials", age=5)
    report = build_index(site, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (report.updated, report.unchanged) == (1, 1)  # the page including it; tin.adoc untouched
    write(site / "modules/ROOT/partials/steps.adoc", "Heat the joint, then add solder.\n")
    settle(site / "modules/ROOT/partials", age=2)
    report = build_index(site, uri, tiny_dsvl, ns=(1, 3), progress=False)
    assert (report.updated, report.unchanged) == (1, 1)
    page = next(d for d in Index.open(uri).documents() if d.source == "modules/ROOT/pages/solder.adoc")
    assert "then add solder" in page.text


def test_includes_repeated_and_nested_are_bounded_and_said(tmp_path, monkeypatch):
    from indexer.sources import asciidoc_include

    monkeypatch.setattr(asciidoc_include, "MAX_PAGE_INCLUDE_CHARS", 1000)
    notes = tmp_path / "notes"
    write(notes / "part.adoc", "include::line.adoc[]\n" * 10)  # each include takes ten more
    write(notes / "line.adoc", "x" * 99 + "\n")
    write(notes / "page.adoc", "= Page\n\n" + "include::part.adoc[]\n" * 5)

    docs, warned = read_warnings(notes)

    page = next(doc for doc in docs if doc.id == "page.adoc")
    assert len(page.text) < 1000 and page.text.count("x" * 99) >= 5  # some of the 50 lines named
    assert ("page.adoc", "line.adoc", "too large") in [(w.file, w.reference, w.reason) for w in warned]


def test_a_hugo_page_in_asciidoc_takes_its_front_matter(tmp_path):
    site = tmp_path / "blog"
    write(site / "hugo.toml", 'title = "Repairs"\n')
    page = "---\ntitle: Fix the gate\ntags: [garden, hinge]\n---\n\n== Tools\n\nA *spanner*.\n"
    write(site / "content/posts/gate.adoc", page)

    docs, warned = read_warnings(site)

    [gate] = docs
    assert (gate.title, gate.meta["tags"]) == ("Fix the gate", ["garden", "hinge"])
    assert gate.text == "## Tools\n\nA spanner."  # the front matter is not text
    assert not warned
