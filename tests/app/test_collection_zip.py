"""Collection uploads: zips are checked for traversal, links and bombs; folders must be under a root."""

from __future__ import annotations

import stat
import warnings
import zipfile

import pytest

from webapp.collection import ZipLimits, extract_zip, resolve_folder


def make_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_good_zip_unpacks_into_a_new_folder(tmp_path, image_factory):
    image = open(image_factory("red"), "rb").read()
    archive = make_zip(
        tmp_path / "notes.zip",
        {"notes/a.md": b"# A\n\n![x](img/a.png)\n", "notes/img/a.png": image, "notes/run.sh": b"rm -rf /"},
    )
    folder = extract_zip(archive, tmp_path / "out")
    assert folder.name == "notes"  # the zip's one folder is the collection
    assert (folder / "a.md").read_bytes().startswith(b"# A")
    assert (folder / "img" / "a.png").read_bytes() == image
    assert not (folder / "run.sh").exists()  # not a collection file type
    assert extract_zip(archive, tmp_path / "out") == folder  # same zip again: reused, not duplicated
    assert [p.name for p in (tmp_path / "out").iterdir() if p.is_dir()] == [folder.parent.name]


def test_a_zipped_graph_or_vault_reads_as_the_folder_on_disk(tmp_path, image_factory):
    """What says what kind of folder it is comes along (Logseq's config, a vault's app.json, a site's
    config), so do Org and MDX notes and the documents the reader reports as not read."""
    from indexer.sources import read_collection

    archive = make_zip(
        tmp_path / "Graph.zip",
        {
            "Graph/logseq/config.edn": b"{}",
            "Graph/logseq/bak/pages/old.md": b"- an old copy\n",
            "Graph/.obsidian/app.json": b'{"userIgnoreFilters": ["drafts/"]}',
            "Graph/.obsidian/workspace.json": b"{}",
            "Graph/drafts/wip.md": b"- not yet\n",
            "Graph/pages/bread.org": b"#+TITLE: Bread\n* Knead\n",
            "Graph/pages/chain.mdx": b"import X from 'y';\n\n# Chain\n",
            "Graph/assets/manual.pdf": b"%PDF-1.4",
            "Graph/assets/crumb.png": open(image_factory("red"), "rb").read(),
            "__MACOSX/Graph/._bread.org": b"junk",
        },
    )
    folder = extract_zip(archive, tmp_path / "out")
    assert folder.name == "Graph" and not (folder / ".obsidian" / "workspace.json").exists()
    with pytest.warns() as caught:
        docs = read_collection(folder)
    # the graph's picture no page shows is a document of its own, as in the folder on disk
    assert sorted(d.id for d in docs) == ["assets/crumb.png", "pages/bread.org", "pages/chain.mdx"]
    said = sorted(str(w.message) for w in caught if "not indexed" in str(w.message))
    assert [w.message.reason for w in caught if w.message.file == "assets/manual.pdf"] == ["unreadable"]
    assert said == [
        "drafts/wip.md: in the vault's Excluded files (drafts/), not indexed",
        "logseq/: Logseq's settings and backup copies of pages; not indexed",
    ]


def test_a_zipped_sphinx_site_keeps_its_conf_py_and_reads_its_rst_pages(tmp_path, image_factory):
    from indexer.sources import read_collection

    archive = make_zip(
        tmp_path / "Docs.zip",
        {
            "Docs/conf.py": b"project = 'Pipettes'\n",
            "Docs/index.rst": b"Pipettes\n========\n\n.. figure:: _static/tip.png\n\n   A tip.\n",
            "Docs/_static/tip.png": open(image_factory("red"), "rb").read(),
            "Docs/_build/html/_sources/index.rst.txt": b"Pipettes\n========\n",
            "Docs/setup.py": b"import os",
        },
    )
    folder = extract_zip(archive, tmp_path / "out")
    assert (folder / "conf.py").is_file() and not (folder / "setup.py").exists()
    with pytest.warns() as caught:
        [doc] = read_collection(folder)
    assert doc.id == "index.rst" and doc.title == "Pipettes"
    assert [type(s).__name__ for s in doc.segments] == ["TextSegment", "ImageSegment", "TextSegment"]
    assert [str(w.message) for w in caught] == ["_build/: the built Sphinx site; not indexed"]


TRAVERSAL_NAMES = ["../evil.md", "a/../../evil.md", "/etc/evil.md", "C:/evil.md", "..\\evil.md"]


def test_a_zip_of_books_is_a_collection_read_a_chapter_a_document(tmp_path, image_factory):
    """An EPUB is a note file of the upload (it needs no note beside it) and its chapters documents."""
    from indexer.sources import read_collection

    opf = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Knots</dc:title></metadata><manifest>'
        '<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="p" href="p.png" media-type="image/png"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    book = make_zip(
        tmp_path / "knots.epub",
        {
            "mimetype": b"application/epub+zip",
            "META-INF/container.xml": container.encode(),
            "OPS/book.opf": opf.encode(),
            "OPS/c1.xhtml": b'<html><body><h1>Bowline</h1><p>Make a loop.</p><img src="p.png"/></body>',
            "OPS/p.png": open(image_factory("red"), "rb").read(),
        },
    )
    archive = make_zip(tmp_path / "books.zip", {"books/knots.epub": book.read_bytes()})
    folder = extract_zip(archive, tmp_path / "out")
    (doc,) = read_collection(folder)
    assert (doc.id, doc.title, len(doc.images)) == ("knots.epub/OPS/c1.xhtml", "Bowline — Knots", 1)


@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_traversal_names_are_refused_and_nothing_is_written(tmp_path, name):
    archive = make_zip(tmp_path / "bad.zip", {"ok.md": b"# ok", name: b"# evil"})
    with pytest.raises(ValueError, match="points outside the collection folder"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "evil.md").exists()
    assert not any((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_symlink_members_are_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.md", b"# ok")
        info = zipfile.ZipInfo("notes/link.md")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        extract_zip(archive, tmp_path / "out")


def test_a_zip_bomb_is_refused_by_ratio(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"a.md": b"# a", "big.md": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(ValueError, match="zip bomb"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any(p.is_dir() for p in (tmp_path / "out").iterdir())


def test_total_size_file_count_and_zip_size_limits(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"n{i}.md": b"# note %d" % i for i in range(30)})
    with pytest.raises(ValueError, match="30 files; the limit is 10"):
        extract_zip(archive, tmp_path / "out", ZipLimits(max_files=10))
    with pytest.raises(ValueError, match="unpacks to"):
        extract_zip(archive, tmp_path / "out", ZipLimits(max_total_bytes=100))
    with pytest.raises(ValueError, match="the limit is 0 MB"):
        extract_zip(archive, tmp_path / "out", ZipLimits(max_zip_bytes=10))


def test_a_member_larger_than_it_claims_is_stopped_while_extracting(tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"a.md": b"# a " * 1000}, compression=zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    # Shrink the declared uncompressed size in the central directory (offset 24 of the entry).
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="cannot unpack liar.zip: Bad CRC-32|larger than it claims"):
        extract_zip(archive, tmp_path / "out")
    leftovers = list((tmp_path / "out").rglob("*.md")) if (tmp_path / "out").exists() else []
    assert leftovers == []


def test_an_encrypted_member_is_refused_with_a_message(tmp_path):
    archive = make_zip(tmp_path / "locked.zip", {"a.md": b"# a"}, compression=zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag bit in both headers
        at = data.find(header)
        flag_offset = at + (6 if header == b"PK\x03\x04" else 8)
        data[flag_offset] |= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="cannot unpack locked.zip"):
        extract_zip(archive, tmp_path / "out")


def test_a_zip_of_word_documents_is_a_collection_without_words_lock_files(tmp_path):
    """A .docx is a note (it is itself a zip: stored as it is); Word's `~$` lock file is left out."""
    import io

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as document:
        document.writestr("word/document.xml", "<w:document/>")
    archive = make_zip(
        tmp_path / "lab.zip",
        {"lab/salt.docx": inner.getvalue(), "lab/~$salt.docx": b"\x05alice" + b"\0" * 156},
    )
    folder = extract_zip(archive, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["salt.docx"]
    assert (folder / "salt.docx").read_bytes() == inner.getvalue()


def test_not_a_zip_and_nothing_to_index(tmp_path, image_factory):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"%PDF-1.4")
    with pytest.raises(ValueError, match="not a zip file"):
        extract_zip(fake, tmp_path / "out")
    only_scripts = make_zip(tmp_path / "tools.zip", {"run.sh": b"#!/bin/sh\n", "tool.py": b"print(1)\n"})
    with pytest.raises(ValueError, match="nothing to index"):
        extract_zip(only_scripts, tmp_path / "out")
    # a zip of photos is a collection: each picture no note shows is a document of its own
    members = {"a.png": open(image_factory(), "rb").read(), "a.mov": b"\x00\x00\x00\x14ftypqt  "}
    members["memo.m4a"] = b"\x00\x00\x00\x18ftypM4A "
    photos = extract_zip(make_zip(tmp_path / "pics.zip", members), tmp_path / "photos")
    assert (photos / "a.png").is_file() and (photos / "a.mov").is_file()  # a phone's video is read too
    assert not (photos / "memo.m4a").exists()  # a recording is not unpacked: only said
    with pytest.raises(ValueError, match="zip not found"):
        extract_zip(tmp_path / "missing.zip", tmp_path / "out")


def test_folders_must_lie_under_an_allowed_root(tmp_path):
    root = tmp_path / "allowed"
    (root / "notes").mkdir(parents=True)
    assert resolve_folder(str(root / "notes"), (root,)) == (root / "notes").resolve()
    for outside in ("/etc", str(root / ".."), str(root / "notes" / ".." / "..")):
        with pytest.raises(ValueError, match="only folders and files under"):
            resolve_folder(outside, (root,))
    with pytest.raises(ValueError, match="disabled in this app"):
        resolve_folder(str(root / "notes"), ())
    with pytest.raises(ValueError, match=r"no such folder or file: .*allowed/missing$"):
        resolve_folder(str(root / "missing"), (root,))
    (root / "manual.pdf").write_bytes(b"%PDF-1.4")  # one file is a collection of its own
    assert resolve_folder(f" {root / 'manual.pdf'} ", (root,)) == (root / "manual.pdf").resolve()
    with pytest.raises(ValueError, match="only folders and files under"):
        resolve_folder(str(tmp_path / "elsewhere.pdf"), (root,))
    with pytest.raises(ValueError, match="enter the path"):
        resolve_folder("  ", (root,))


def test_a_sites_hidden_config_and_pictures_are_kept_other_hidden_files_are_not(tmp_path, image_factory):
    image = open(image_factory("red"), "rb").read()
    archive = make_zip(
        tmp_path / "book.zip",
        {
            "book/SUMMARY.md": b"* [Intro](README.md)",
            "book/README.md": b"![](.gitbook/assets/cover.png)",
            "book/.gitbook/assets/cover.png": image,  # GitBook keeps its pictures in a hidden folder
            "book/.gitbook/assets/notes.js": b"alert(1)",
            "book/docs/.vuepress/config.js": b"module.exports = {}",  # says what kind of site this is
            "book/docs/.vuepress/public/logo.png": image,
            "book/.git/config": b"[core]",
        },
    )
    folder = extract_zip(archive, tmp_path / "out")
    kept = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert kept == [
        ".gitbook/assets/cover.png",
        "README.md",
        "SUMMARY.md",
        "docs/.vuepress/config.js",
        "docs/.vuepress/public/logo.png",
    ]


def test_a_zipped_mdbook_keeps_the_listings_its_pages_include(tmp_path):
    """A book's chapters take their code from files that are not notes (`{{#include}}`): kept, so
    the chapter reads as on disk; other such files, and includes naming files outside, are not."""
    from indexer.sources import CollectionWarning, read_collection

    archive = make_zip(
        tmp_path / "book.zip",
        {
            "book/book.toml": b'[book]\ntitle = "Guessing game"\n',
            "book/src/SUMMARY.md": b"- [Setup](ch01.md)\n",
            "book/src/ch01.md": (
                b"# Setup\n\n```rust\n{{#include ../listings/ch01/main.rs:2:3}}\n```\n\n"
                b"{{#include ../../../etc/passwd}}\n"
            ),
            "book/listings/ch01/main.rs": b'fn main() {\n    let guess = 42;\n    println!("{guess}");\n}\n',
            "book/listings/ch01/unused.rs": b"fn other() {}\n",
            "book/scripts/deploy.py": b"print('deploy')\n",
        },
    )
    folder = extract_zip(archive, tmp_path / "out")
    kept = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert kept == ["book.toml", "listings/ch01/main.rs", "src/SUMMARY.md", "src/ch01.md"]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        [doc] = read_collection(folder)
    assert 'let guess = 42;\n    println!("{guess}");' in doc.text
    said = [(w.message.file, w.message.reason) for w in caught if issubclass(w.category, CollectionWarning)]
    assert ("src/ch01.md", "outside the collection") in said and ("src/ch01.md", "missing") not in said
