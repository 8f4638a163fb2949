"""One entry point that recognises what kind of collection a path is."""

from __future__ import annotations

from pathlib import Path

from indexer.file_stats import StatCache
from indexer.sources.asciidoc import parse_asciidoc
from indexer.sources.base import FolderReader, Parsed
from indexer.sources.canvas import parse_canvas
from indexer.sources.csv_table import parse_csv
from indexer.sources.dayone import SNIFF_BYTES, is_dayone_export, parse_dayone, starts_as_dayone
from indexer.sources.doc import parse_doc
from indexer.sources.docx import parse_docx
from indexer.sources.enex import parse_enex
from indexer.sources.epub import parse_epub
from indexer.sources.html import HtmlFolderReader
from indexer.sources.iwork import is_keynote, parse_iwork
from indexer.sources.iwork_archive import is_package_folder
from indexer.sources.joplin_jex import parse_jex
from indexer.sources.joplin_raw import parse_markdown_or_joplin
from indexer.sources.joplin_raw import read_elsewhere as joplin_elsewhere
from indexer.sources.keep import is_keep_note, parse_keep
from indexer.sources.keep import read_elsewhere as keep_elsewhere
from indexer.sources.markdown import MarkdownFolderReader
from indexer.sources.notebook import parse_notebook
from indexer.sources.odp import parse_odp
from indexer.sources.odt import parse_odt
from indexer.sources.onenote import parse_one
from indexer.sources.org import parse_org
from indexer.sources.pdf import parse_pdf
from indexer.sources.powerpoint import parse_pptx
from indexer.sources.ppt import parse_ppt
from indexer.sources.remote import RemotePictures
from indexer.sources.rst import parse_rst
from indexer.sources.rtf import parse_rtf
from indexer.sources.siyuan import parse_siyuan
from indexer.sources.spreadsheet import parse_spreadsheet
from indexer.sources.textbundle import parse_bundle_text, parse_textpack
from indexer.sources.tiir import TiirReader, is_tiir_dir
from mme_core.documents import InterleavedDoc


def is_notes_json(path: Path) -> bool:
    """A JSON file of notes: a Day One journal export or a Google Keep note (read: its first bytes)."""
    return is_dayone_export(path) or is_keep_note(path)


def parse_notes_json(data: bytes, name: str) -> Parsed:
    """A claimed JSON file, read by the reader of the app that wrote it (see `is_notes_json`)."""
    return parse_dayone(data, name) if starts_as_dayone(data[:SNIFF_BYTES]) else parse_keep(data, name)


def read_elsewhere(path: Path) -> str | None:
    """A file read through others (see `FolderReader.read_elsewhere`): Google Keep's and Joplin's."""
    found = keep_elsewhere(path)
    return found if found is not None else joplin_elsewhere(path)


class NotesFolderReader(FolderReader):
    """Markdown, Org, reStructuredText, AsciiDoc and plain-text notes, Jupyter notebooks, Word and
    OpenDocument texts, PowerPoint and Impress presentations, Apple Pages, Keynote and Numbers files,
    PDF files, Obsidian canvases, Evernote exports, Day One journals, Google Keep notes (Takeout), Joplin
    exports (RAW folders, `.jex`), SiYuan notebooks, Bear backups and saved HTML pages side by side, as
    personal collections mix them; EPUB books beside them, a document per chapter."""

    parsers = {
        **MarkdownFolderReader.parsers,
        **HtmlFolderReader.parsers,
        ".md": parse_markdown_or_joplin,  # a Joplin RAW export's items are `.md` files
        ".jex": parse_jex,
        ".org": parse_org,
        ".rst": parse_rst,
        ".adoc": parse_asciidoc,  # AsciiDoc notes and Antora documentation pages
        ".asciidoc": parse_asciidoc,
        ".canvas": parse_canvas,
        ".ipynb": parse_notebook,
        ".enex": parse_enex,
        ".txt": parse_bundle_text,  # plain text; Bear's TextBundles keep their Markdown in text.txt
        ".epub": parse_epub,
        ".pdf": parse_pdf,
        ".docx": parse_docx,
        ".doc": parse_doc,  # Word 97-2003 (and the RTF, HTML or .docx files Word saves under that name)
        ".odt": parse_odt,  # LibreOffice Writer; `.fodt` is its flat (one XML file) form
        ".fodt": parse_odt,
        ".pptx": parse_pptx,
        ".ppt": parse_ppt,  # PowerPoint 97-2003, read by our own reader of the binary format
        ".one": parse_one,  # a OneNote section: a document per page
        ".rtf": parse_rtf,  # TextEdit and WordPad; an RTFD package is a folder holding TXT.rtf
        ".odp": parse_odp,  # LibreOffice Impress; `.fodp` flat
        ".fodp": parse_odp,
        **dict.fromkeys((".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"), parse_spreadsheet),
        **dict.fromkeys((".pages", ".key", ".numbers"), parse_iwork),  # Apple iWork, files or folders
        ".csv": parse_csv,
        ".tsv": parse_csv,
        ".json": parse_notes_json,
        ".bearbk": parse_textpack,  # Bear's backup: its notes as TextBundles in a zip
        ".textpack": parse_textpack,
        ".sy": parse_siyuan,  # SiYuan's documents: a JSON tree of blocks each
    }
    claims = {".json": is_notes_json, ".key": is_keynote}  # other JSON files are a tool's data, other
    claimed_as = {  # `.key` files a TLS or SSH key (text): to say so
        ".json": "Day One journal exports and Google Keep notes",
        ".key": "Keynote presentations",
    }
    read_elsewhere = staticmethod(read_elsewhere)  # a Keep note's `.html` copy, Joplin's notebooks
    packed = frozenset({".ipynb", ".enex", ".json"})
    binary = frozenset(
        {".epub", ".pdf", ".docx", ".doc", ".odt", ".pptx", ".ppt", ".odp", ".one", ".rtf", ".bearbk"}
        | {".textpack", ".jex", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".pages", ".key", ".numbers"}
    )
    packages = frozenset({".pages", ".key", ".numbers"})  # saved as a folder too: read as one file


def read_collection(
    path: str | Path,
    stats: StatCache | None = None,
    pictures: Path | None = None,
    remote: RemotePictures | None = None,
) -> list[InterleavedDoc]:
    """Documents of a TIIR directory (it holds docs.jsonl) or of a folder of notes (Markdown, MDX, Org,
    reStructuredText, AsciiDoc, Jupyter notebooks, Word and OpenDocument texts, presentations, PDF files,
    EPUB books, Evernote exports, Day One journals, Google Keep notes, Joplin exports, SiYuan notebooks,
    Bear backups, HTML, text, canvases). Folder documents are sorted by id, the collection-relative POSIX
    path (also their `source`); TIIR documents by their dataset id. `stats`: a folder's notes found
    unchanged are not read (`indexer.file_stats`; a TIIR folder is always read whole). Problems inside the
    collection are CollectionWarnings (see `indexer.sources.base`); an unusable path is a ValueError.
    `pictures`: where pictures kept inside notes are stored (default: the user's picture cache, see
    `embedded.py`). `remote`: downloads the pictures notes show from the web (see `remote.py`); None:
    such links are said, not fetched."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"collection not found: {path}")
    if path.is_file() or (path.suffix.lower() in NotesFolderReader.packages and is_package_folder(path)):
        check_one_file(path)
        return NotesFolderReader(pictures=pictures, remote=remote).read(path, stats)
    if not path.is_dir():
        raise ValueError(f"not a folder or a file: {path}")
    if is_tiir_dir(path):
        return TiirReader().read(path)
    return NotesFolderReader(pictures=pictures, remote=remote).read(path, stats)


def check_one_file(path: Path) -> None:
    """A file given as a collection must be a note or document the readers read. An archive (a
    Takeout, Notion or vault export as downloaded) is unpacked by the caller first (`indexer.archives`):
    here it is refused with what to do."""
    from indexer.archive_formats import archive_suffix

    suffix = path.suffix.lower()
    if suffix != ".jex" and archive_suffix(path.name):  # a Joplin export (.jex, a tar) is read as it is
        raise ValueError(
            f"cannot index {path.name} as a note: it is an archive; `python -m indexer add {path.name}` "
            "and the page's Collection tab unpack zip and tar archives, other kinds are unpacked by hand"
        )
    if suffix not in NotesFolderReader.parsers:
        raise ValueError(
            f"cannot index {path.name} on its own: a collection is a folder, or one note or document "
            f"({', '.join(sorted(NotesFolderReader.parsers))})"
        )
    if suffix in NotesFolderReader.claims and not NotesFolderReader.claims[suffix](path):
        read_as = NotesFolderReader.claimed_as[suffix]
        raise ValueError(f"cannot index {path.name}: {suffix} files are read only as {read_as}")


def read_source(
    root: str | Path,
    source: str,
    doc_id: str,
    pictures: Path | None = None,
    remote: RemotePictures | None = None,
) -> InterleavedDoc | None:
    """The one document `read_collection(root)` gives with this source and (reader) id, read as the
    index read it; None when it is gone. A folder note is found by its source path alone; a TIIR
    folder (every record's source is its docs.jsonl) is read whole and searched by id."""
    root = Path(root)
    if root.is_file() or (root.suffix.lower() in NotesFolderReader.packages and is_package_folder(root)):
        if source != root.name:
            return None
        return NotesFolderReader(pictures=pictures, remote=remote).read_one(root.parent, source, doc_id)
    if not root.is_dir():
        return None
    if is_tiir_dir(root):
        return next((doc for doc in TiirReader().read(root) if doc.id == doc_id), None)
    return NotesFolderReader(pictures=pictures, remote=remote).read_one(root, source, doc_id)
