"""What every collection reader shares: the reader interface, building a document, walking a folder.

Problems *inside* a collection are `CollectionWarning`s (see `warning.py`) with a file, the reference
as written and a reason; errors that make the whole input unusable (no such folder, malformed jsonl)
raise ValueError. Text decoding lives in `text.py`, image links in `images.py`.
"""

from __future__ import annotations

import os
import posixpath
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from indexer.file_stats import StatCache, file_stat
from indexer.languages import script_language
from indexer.sources.embedded import EmbeddedImage
from indexer.sources.images import ImageLink, ImageResolver, shorten
from indexer.sources.iwork_archive import folder_size, is_package_folder, zip_folder
from indexer.sources.logseq import BlockIndex
from indexer.sources.notion import database_rows_folder
from indexer.sources.page import Parsed, ParsedPage, add_text, build_doc, end_lines, first_line
from indexer.sources.photos import keeps_loose_pictures, loose_picture, picture_items, read_header
from indexer.sources.remote import RemotePictures
from indexer.sources.site import DEPENDENCY_FOLDERS, NOT_READ, SiteLayout, not_a_note
from indexer.sources.site_i18n import translation_title
from indexer.sources.site_includes import reading_page
from indexer.sources.site_languages import page_languages
from indexer.sources.text import clean_text, decode_text, looks_binary
from indexer.sources.vault import excluded_files
from indexer.sources.videos import VIDEO_SUFFIXES, is_video, video_items, without_motion_clips
from indexer.sources.warning import REASONS, CollectionWarning, emit, warn
from mme_core.documents import IMAGE_EXTENSIONS, InterleavedDoc

__all__ = [  # the helpers readers import from here
    "REASONS",
    "CollectionReader",
    "CollectionWarning",
    "EmbeddedImage",
    "FolderReader",
    "ImageLink",
    "ImageResolver",
    "Parsed",
    "ParsedPage",
    "add_text",
    "build_doc",
    "clean_text",
    "decode_text",
    "emit",
    "end_lines",
    "first_line",
    "looks_binary",
    "shorten",
    "warn",
]

# Names of files nobody made as a note, passed over as the file browser hides them: dot files, and the
# lock file Word, Excel and PowerPoint keep beside an open document (`~$ecipe.docx`: hidden on
# Windows, 162 bytes naming who has it open, gone when it is closed; the document itself is read)
HIDDEN = (".", "~$")
MAX_TEXT_BYTES = 20_000_000  # a 20 MB note is not a note; refuse rather than stall the index
MAX_DOCUMENT_BYTES = 300_000_000  # a Word file, book or export holds its photos: bigger, still bounded


class CollectionReader(ABC):
    """Turns a collection on disk into interleaved documents with stable ids, titles and sources."""

    @abstractmethod
    def read(self, root: str | Path, stats: StatCache | None = None) -> list[InterleavedDoc]:
        """Every readable document under `root`, sorted by id; problems inside are warned about.
        With `stats`, notes it finds unchanged are not read (see `indexer.file_stats`)."""


class FolderReader(CollectionReader):
    """Walks a folder recursively (sorted, hidden entries skipped, symlinks out of it refused).

    Subclasses say which file suffixes they read and how to parse one file into a `ParsedPage`.
    Ids and sources are the collection-relative POSIX path, so they survive moving the folder.
    """

    parsers: dict[str, Callable[[bytes, str], Parsed]] = {}  # None: refused, said why
    binary: frozenset[str] = frozenset()  # suffixes of formats that are binary (zip, PDF): no text check
    packages: frozenset[str] = frozenset()  # documents an app may save as a folder (`X.pages/`): one file
    packed: frozenset[str] = frozenset()  # text formats that keep their pictures inside (bigger files)
    # Suffixes many tools use too (`.json`): a file of one is read only when its check recognises it
    # (a Day One export, a Google Keep note); the others are a tool's data, passed over as code is.
    claims: dict[str, Callable[[Path], bool]] = {}

    @staticmethod
    def read_elsewhere(path: Path) -> str | None:
        """For a file read through another one (Google Keep's `.html` copy of a note read from its
        `.json`, a Joplin export's attachments): "" to pass it over, or why it is no note (said
        "excluded"); None to read it (a picture: as a document of its own when no note shows it)."""
        return None

    def __init__(
        self, verify_images: bool = True, pictures: Path | None = None, remote: RemotePictures | None = None
    ) -> None:
        self.verify_images = verify_images
        self.pictures = pictures  # where pictures kept inside notes go (None: the user's cache)
        self.remote = remote  # downloads the web pictures notes show, when asked (remote.py)

    def _resolver(self, root: Path) -> ImageResolver:
        return ImageResolver(root, verify=self.verify_images, pictures=self.pictures, remote=self.remote)

    def read(self, root: str | Path, stats: StatCache | None = None) -> list[InterleavedDoc]:
        """The documents of a folder; of one file when `root` is a file (its pictures found beside it)."""
        root = Path(root)
        one_file = root.is_file() or self._is_package(root)
        if not one_file and not root.is_dir():
            raise ValueError(f"collection folder not found: {root}")
        folder = root.parent if one_file else root
        images = self._resolver(folder)
        blocks = BlockIndex(images.root)
        excluded = excluded_files(images.root) if not one_file else lambda name: None
        docs: list[InterleavedDoc] = []
        loose: list[tuple[Path, str]] = []  # pictures, which become documents when no note shows them
        served: list[tuple[Path, str]] = []  # a website's pictures: said, when no page shows them
        shown: set[str] = set()  # root-relative real paths of the pictures notes show
        if one_file:
            notes = [images.root / root.name]
        else:
            notes = self._files(images.root, images.site, loose, served)
        for path in notes:
            name = path.relative_to(images.root).as_posix()
            if rule := excluded(name):  # its pictures still resolve for the notes that show them
                warn(
                    f"{name}: in the vault's Excluded files ({rule}), not indexed",
                    file=name,
                    reason="excluded",
                )
                continue
            if stats is not None and stats.unchanged(str(path), name, images):
                shown.update(link["real"] for link in stats.known[name].links if link.get("real"))
                continue
            found, links = self._read_recorded(path, name, images, stats, self._read_file, blocks)
            docs += found
            shown.update(link["real"] for link in links if link.get("real"))
        inside = os.path.join(str(images.root), "")
        for path, name in without_motion_clips(loose):  # a Live Photo's clip is read as its photo
            if name in shown or excluded(name):  # by name first: a real path is costly, and rarely other
                continue
            real = os.path.realpath(path)
            if not real.startswith(inside):
                warn(
                    f"{name}: symlink points outside the collection, refused",
                    file=name,
                    reason="outside the collection",
                )
                continue
            if os.path.relpath(real, images.root) in shown:
                continue
            if stats is not None and stats.unchanged(str(path), name, images):
                continue
            docs += self._read_recorded(path, name, images, stats, self._picture_doc)[0]
        _report_unshown(served, shown, images.root)
        return sorted(docs, key=lambda doc: doc.id)

    def _read_recorded(
        self, path: Path, name: str, images: ImageResolver, stats: StatCache | None, read, *args
    ):
        """The documents `read` gives for a file and the links it located (recorded in the stat cache)."""
        stat = file_stat(str(path)) if stats is not None and not path.is_dir() else None  # see file_stats
        # (a package folder's stat does not change when a file inside it does: read every time)
        images.links = []
        found = read(path, name, images, *args)
        if stats is not None:  # a note that gave no document is read again next run (it may be
            stats.record(name, stat if found else None, images.links)  # readable by then)
        links, images.links = images.links, None
        return found, links

    def _picture_doc(self, path: Path, name: str, images: ImageResolver, *_) -> list[InterleavedDoc]:
        """A picture or video no note shows, as its own document (see `photos.py`, `videos.py`)."""
        if path.suffix.lower() in VIDEO_SUFFIXES:  # its words, then its frames
            items, meta = video_items(path, name)  # nothing when unreadable (said why)
            page = ParsedPage(items, title=path.name, meta=meta)
            doc = build_doc(page, images, path.parent, name, id=name, source=name) if items else None
            return [doc] if doc is not None and doc.images else []
        size, facts = read_header(path)
        if size:
            message = f"{name}: a picture no note shows, too small to be searched alone ({size[0]}x{size[1]})"
            warn(message + "; not indexed", file=name, reason="excluded")
            return []
        text, link = picture_items(name, facts)
        meta = {"properties": facts.properties(), "place_names": dict(facts.place_names)} if facts else {}
        page = ParsedPage((text, link), title=path.name, meta=meta)
        doc = build_doc(page, images, path.parent, name, id=name, source=name)
        return [doc] if doc is not None and doc.images else []

    def read_one(self, root: str | Path, name: str, doc_id: str | None = None) -> InterleavedDoc | None:
        """The document of the file `name` (collection-relative POSIX path) as `read` gives it (the
        one with id `doc_id` when the file holds many), or None when it is gone or unreadable (warned
        about as `read` warns)."""
        images = ImageResolver(
            Path(root), verify=self.verify_images, pictures=self.pictures, remote=self.remote
        )
        path = images.root / name
        if not (path.is_file() or self._is_package(path)) or not path.resolve().is_relative_to(images.root):
            return None
        if path.suffix.lower() in IMAGE_EXTENSIONS or is_video(path.suffix.lower()):  # no note showed it
            found = self._picture_doc(path, name, images)
        else:
            found = self._read_file(path, name, images, BlockIndex(images.root))
        if doc_id is None or len(found) == 1 and found[0].id == name:
            return found[0] if found else None
        return next((doc for doc in found if doc.id == doc_id), None)

    def _files(
        self, root: Path, layout: SiteLayout, pictures: list[tuple[Path, str]], served: list[tuple[Path, str]]
    ) -> Iterator[Path]:
        """The notes to read, in order (a website's pages, not its templates: `layout`, see site.py);
        the pictures that may stand as documents go to `pictures`, a website's own (see
        `photos.keeps_loose_pictures`) to `served`."""
        may_stand = keeps_loose_pictures(layout)
        for directory, subdirs, files in os.walk(root):
            here = Path(directory).relative_to(root).as_posix()
            prefix = "" if here == "." else here + "/"
            kept = []
            for subdir in sorted(d for d in subdirs if not d.startswith(".")):
                if self._is_package(Path(directory) / subdir):  # a document saved as a folder
                    files.append(subdir)  # read as the one file it is, not walked
                elif reason := layout.folder_reason(prefix + subdir):
                    self._report_folder(Path(directory) / subdir, prefix + subdir, reason)
                else:
                    kept.append(subdir)
            subdirs[:] = kept
            for file_name in sorted(files):
                path = Path(directory) / file_name
                name, suffix = prefix + file_name, path.suffix.lower()
                if (suffix in IMAGE_EXTENSIONS or is_video(suffix)) and not file_name.startswith(HIDDEN):
                    if (elsewhere := self.read_elsewhere(path)) is not None:  # an app's attachment
                        if elsewhere:
                            warn(f"{name}: {elsewhere}; not indexed", file=name, reason="excluded")
                        continue
                    (pictures if may_stand and loose_picture(name) else served).append((path, name))
                    continue
                if file_name.startswith(HIDDEN) or (suffix not in self.parsers and suffix not in NOT_READ):
                    continue
                if suffix in self.claims and not self.claims[suffix](path):
                    continue
                if (elsewhere := self.read_elsewhere(path)) is not None:
                    if elsewhere:
                        warn(f"{name}: {elsewhere}; not indexed", file=name, reason="excluded")
                    continue
                if reason := layout.file_reason(name) or not_a_note(name):
                    warn(f"{name}: {reason}; not indexed", file=name, reason="excluded")
                    continue
                if rows := database_rows_folder(path):  # a Notion database's table (see notion.py)
                    table = f"{name}: a Notion database's table, its rows read as their pages ({rows}/)"
                    warn(table + "; not indexed", file=name, reason="excluded")
                    continue
                if suffix not in self.parsers:  # a document a person keeps among notes: said, not read
                    message = f"{name}: {NOT_READ[suffix]} are not read; not indexed"
                    warn(message, file=name, reason="unsupported type")
                    continue
                if not path.resolve().is_relative_to(root):
                    name = path.relative_to(root).as_posix()
                    warn(
                        f"{name}: symlink points outside the collection, refused",
                        file=name,
                        reason="outside the collection",
                    )
                    continue
                yield path
        _served_pictures(root, layout, served)

    def _is_package(self, path: Path) -> bool:
        return path.suffix.lower() in self.packages and is_package_folder(path)

    def _report_folder(self, folder: Path, name: str, reason: str) -> None:
        """One "excluded" line for a folder left out, when it holds a file this reader would read."""
        for _, subdirs, files in os.walk(folder):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            count = sum(
                not f.startswith(HIDDEN)
                and Path(f).suffix.lower() in self.parsers.keys() - self.claims.keys()
                and not not_a_note(f)
                for f in files
            )
            if count:
                warn(f"{name}/: {reason}; not indexed", file=name + "/", reason="excluded")
                return

    def _read_file(
        self, path: Path, name: str, images: ImageResolver, blocks: BlockIndex
    ) -> list[InterleavedDoc]:
        """The file's documents: one for a note, one per note of a file holding many; [] (warned)
        when it gives none."""
        suffix = path.suffix.lower()
        limit = MAX_DOCUMENT_BYTES if suffix in self.binary | self.packed else MAX_TEXT_BYTES
        try:
            size = folder_size(path) if path.is_dir() else path.stat().st_size
            if size > limit:
                warn(
                    f"{name}: {size:,} bytes is over the {limit:,}-byte limit, file skipped",
                    file=name,
                    reason="too large",
                )
                return []
            data = zip_folder(path) if path.is_dir() else path.read_bytes()
        except OSError as err:  # a dangling symlink, no permission, a file vanishing mid-walk
            reason = "missing" if isinstance(err, FileNotFoundError) else "unreadable"
            warn(f"{name}: cannot be read ({err.strerror or err}), skipped", file=name, reason=reason)
            return []
        if suffix not in self.binary and looks_binary(data):
            warn(f"{name}: looks like a binary file, skipped", file=name, reason="unsupported type")
            return []
        with reading_page(images.root, name, images.depend_on):  # the files its includes take in (a site's)
            parsed = self.parsers[suffix](data, name)
        if parsed is None:  # the parser said why it read nothing
            return []
        if isinstance(parsed, ParsedPage):
            if parsed.vault_title and images.in_vault(path.parent):
                parsed = replace(parsed, title=parsed.vault_title)
            if title := translation_title(images.root, name):  # a Jekyll page's words in `_i18n/<lang>/`
                parsed = replace(parsed, title=title)
            doc = build_doc(parsed, images, path.parent, name, blocks, id=name, source=name)
            return [_with_languages(doc, images, name)] if doc is not None else []
        docs, taken = [], set()
        for page in parsed:  # a file of many notes: each its own document, problems named by both
            key, twin = page.key, 1
            while key in taken:  # two notes of one key (same title and time): ids must stay unique
                twin += 1
                key = f"{page.key}-{twin}"
            taken.add(key)
            doc = build_doc(page, images, path.parent, name, blocks, id=f"{name}/{key}", source=name)
            if doc is not None:  # one of many notes of a file: its language by its script alone
                language = script_language(doc.text)
                docs.append(replace(doc, meta={**doc.meta, "language": language}) if language else doc)
        if not docs and not parsed:
            warn(f"{name}: holds no notes, file skipped", file=name, reason="empty")
        return docs


def _with_languages(doc: InterleavedDoc, images: ImageResolver, name: str) -> InterleavedDoc:
    """`doc` with its language and translation key, when found (`site_languages.py`)."""
    properties = doc.meta.get("properties") or {}
    found = page_languages(images.root, images.site, name, properties, doc.text)
    return replace(doc, meta={**doc.meta, **found}) if found else doc


def _report_unshown(served: list[tuple[Path, str]], shown: set[str], root: Path) -> None:
    """One "excluded" line per folder for a website's pictures that no page shows: its theme's art
    and screenshots no page uses are not documents of their own, and are not passed over in silence.
    Its videos are said on a line of their own (a video a page shows is read in it)."""
    unshown: Counter[tuple[str, bool]] = Counter()
    for path, name in served:
        if name in shown or os.path.relpath(os.path.realpath(path), root) in shown:
            continue
        unshown[posixpath.dirname(name), path.suffix.lower() in VIDEO_SUFFIXES] += 1
    for (folder, video), count in sorted(unshown.items()):
        where = f"{folder}/" if folder else "./"
        what = (
            "video(s) of the website (its pages' media)"
            if video
            else "picture(s) of the website that no page shows"
        )
        message = f"{where}: {count} {what}; not indexed"
        warn(message, file=where, reason="excluded")


def _served_pictures(root: Path, layout: SiteLayout, served: list[tuple[Path, str]]) -> None:
    """Add the pictures of the folders a site serves as they are (`static/`, `.vuepress/public/`),
    which the walk for notes leaves out, so that those no page shows are said too."""
    known = {name for _, name in served}
    for folder in sorted(f for f in set(layout.served) if f and (root / f).is_dir()):
        for directory, subdirs, files in os.walk(root / folder):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in DEPENDENCY_FOLDERS)
            prefix = Path(directory).relative_to(root).as_posix() + "/"
            for file_name in sorted(files):
                suffix = Path(file_name).suffix.lower()
                if (suffix in IMAGE_EXTENSIONS or is_video(suffix)) and not file_name.startswith(HIDDEN):
                    if (name := prefix + file_name) not in known:
                        served.append((Path(directory) / file_name, name))
