"""Image links → image files inside the collection, never anything outside it or remote.

Two link kinds: Markdown/HTML links (`![alt](path)`, `<img src>`) resolve relative to the note, as
every Markdown renderer does (a `/rooted/path` that is not a file inside the collection is read from
the collection root, as GitHub does); inside an Obsidian vault, or in a note that uses wiki links, a
link that does not resolve there falls back to Obsidian's rule. Wiki embeds (`![[name.png]]`, in
any folder) resolve the way Obsidian does: the exact path from the collection root, then relative to
the note, then the file name anywhere (see `vault.py`); an ambiguous name takes the nearest file and
warns "ambiguous".

Every link not indexed is a `CollectionWarning` naming the note and the link as written, with its
reason: "remote" (any URL scheme, `//host`; but a GitHub link to a file of this very repository is
read from the collection, see `repository.py`), "outside the collection" (`..`, absolute, or a
symlink pointing out), "missing", "unsupported type" (PDF, audio, a `data:` URI of anything
else...), "too large", "unreadable" (empty, corrupt). An SVG is drawn (`mme_core/svg.py`) from its
own content: the files and URLs it links to are said, "picture links", and not read. Verdicts are
cached per file so a picture reused on many pages is decoded once. Pictures kept inside the note
(`data:` URIs, a notebook's outputs) are stored in a pictures folder and checked the same way (see
`embedded.py`). A video link resolves as a picture's and is read in place, its length and keyframes
(`note_videos.py`); a web video is not fetched ("remote"). `verify=False` checks existence and
size only (for datasets with hundreds of thousands of images, where the encoder's own decode
reports the rare corrupt file).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from indexer.file_stats import file_stat
from indexer.sources.embedded import (
    PICTURE_TYPES,
    EmbeddedImage,
    data_uri_picture,
    picture_bytes,
    store_picture,
)
from indexer.sources.note_videos import NoteVideos
from indexer.sources.remote import RemotePictures
from indexer.sources.repository import own_file, repository_names
from indexer.sources.site import MEDIA_TYPES, site_layout
from indexer.sources.vault import AttachmentIndex, in_vault
from indexer.sources.warning import CollectionWarning, emit
from mme_core.documents import IMAGE_EXTENSIONS, ImageSegment
from mme_core.image_checks import check_image
from mme_core.svg import linked_files

# Embeds people put in notes that are not pictures the encoder can read; reported by name. An
# embedded canvas (`![[board.canvas]]`) or drawing (`![[pump.excalidraw]]`, the note
# `pump.excalidraw.md`) is not here: both are documents of their own, embedded as notes are.
UNSUPPORTED_EMBEDS = frozenset(
    ".pdf .mp3 .wav .m4a .ogg .flac .3gp .webm .mp4 .m4v .mov .mkv .ogv .avi "
    ".base .docx .xlsx .pptx .doc .xls .ppt .zip".split()
)
# Files a note shows rather than links to (an embed or file card of anything else is a note)
ATTACHMENTS = (*IMAGE_EXTENSIONS, *UNSUPPORTED_EMBEDS)
_OBJECT_REPR = re.compile(
    r"\s*\([^()]*<_io\.\w+ object at 0x[0-9a-f]+>[^()]*\)|\s*<_io\.\w+ object at 0x[0-9a-f]+>"
)


@dataclass(frozen=True)
class ImageLink:
    """An image reference as written in a page, before it is resolved against the collection.

    `target` is the path part (no `|size`, no `#anchor`), `written` the reference as the person wrote
    it (for messages), `wiki` marks an Obsidian embed, resolved by Obsidian's rules; `obsidian` marks
    a Markdown link in a note that uses wiki links, so was written in Obsidian (falls back to its rule
    even where the vault's `.obsidian/` folder was left out, as in vaults published to git).
    """

    target: str
    written: str = ""
    wiki: bool = False
    obsidian: bool = False


@dataclass
class ImageResolver:
    root: Path
    verify: bool = True
    report: Callable[[CollectionWarning], None] = emit
    pictures: Path | None = None  # where pictures kept inside notes are stored (see embedded.py)
    remote: RemotePictures | None = None  # downloads web pictures when asked (see remote.py)
    _verdicts: dict[str, tuple[str, str] | None] = field(default_factory=dict, init=False)
    _links: dict[str, str] = field(default_factory=dict, init=False)  # SVG -> the links not read
    _vault_dirs: dict[str, bool] = field(default_factory=dict, init=False)
    _reported: set[tuple[str, str, str]] = field(default_factory=set, init=False)
    # When a list: every link located from the file system is recorded here (`indexer.file_stats`)
    links: list[dict] | None = field(default=None, init=False)
    videos: NoteVideos = field(init=False)  # the videos notes show, read in place

    def __post_init__(self) -> None:
        self.videos = NoteVideos(self.pictures)
        self.root = Path(self.root).resolve()
        self._root_prefix = os.path.join(str(self.root), "")  # string ops: 3x faster than pathlib
        self._attachments = AttachmentIndex(self.root)
        self._names = repository_names(self.root)  # its GitHub links to itself are read here
        self.site = site_layout(self.root)  # what kind of folder, where a website finds its pictures

    def resolve(
        self, link: ImageLink | str, base_dir: Path | str, name: str
    ) -> ImageSegment | list[str | ImageSegment | None] | None:
        """The image segment for `link` as written in file `name` (relative to `base_dir`), or None;
        for a video, its words and pictures in order (None: a picture not stored)."""
        link = link if isinstance(link, ImageLink) else ImageLink(link)
        target, written = link.target.strip(), (link.written or link.target).strip()

        def skip(reason: str, message: str) -> None:
            self._skip(name, written, reason, message)

        if not target:
            return skip("missing", "image with an empty link skipped")
        parts = urlsplit(target)
        if parts.scheme.lower() == "data":
            try:
                picture = data_uri_picture(target, shorten(written))
            except ValueError as err:
                return skip("unreadable", f"inline data: image skipped, {err}: {shorten(written)}")
            return self.embedded(picture, name)
        path = (target if link.wiki else unquote(parts.path)).replace("\\", "/")  # Windows backslashes
        if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
            parts = parts._replace(scheme="", netloc="")  # `file:///Users/me/a.png`: a path (see `_tails`)
        suffix = PurePosixPath(path).suffix.lower()
        what = "video" if MEDIA_TYPES.get(suffix) == "videos" else "image"  # a video: read in place
        if parts.netloc or len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
            own = own_file(parts, self._names, self._root_prefix) if parts.netloc else None
            if own is None and what == "video":  # web videos are not downloaded
                return skip("remote", f"video URL not fetched, skipped: {shorten(written)}")
            if own is None:
                return self._downloaded(target, written, name, skip)
            link, path = ImageLink("/" + own), "/" + own  # this repository's own file: read from here
        if what == "video" and not _videos_read():  # without PyAV (said once, by `videos.available`)
            return skip("unsupported type", f"video not read (PyAV is not installed): {written}")
        if suffix in UNSUPPORTED_EMBEDS and what == "image":
            return skip("unsupported type", f"{suffix} files are not indexed as images, skipped: {written}")
        real, outside, nearest = self._locate(path, str(base_dir), link.wiki, link.obsidian, name)
        if self.links is not None:
            self.links.append(self._dependency(path, link, real, outside, nearest))
        if real is None and outside:
            return skip(
                "outside the collection", f"{what} link points outside the collection, refused: {written}"
            )
        if real is None:
            return skip("missing", f"{what} skipped, file not found: {written}")
        if what == "video":  # its length, then its keyframes as pictures (`note_videos.py`)
            items = self.videos.items(real, written, skip)
            return [item if isinstance(item, str) else self.embedded(item, name) for item in items]
        if real not in self._verdicts:
            self._verdicts[real] = self._check(real, suffix)
        verdict = self._verdicts[real]
        if verdict is not None:
            reason, problem = verdict
            return skip(reason, f"image skipped, {problem.replace(chr(0), written)}")
        self._drawn_alone(real, suffix, skip)
        if len(nearest) > 1:
            others = ", ".join(nearest[1:4]) + (", ..." if len(nearest) > 4 else "")
            skip(
                "ambiguous",
                f"{len(nearest)} files match {written}; used the nearest, {nearest[0]} (not {others})",
            )
        return ImageSegment(real)

    def _downloaded(self, url: str, written: str, name: str, skip) -> ImageSegment | None:
        """A web picture, downloaded when the person asked (`remote`), else said as not fetched."""
        if self.remote is None or urlsplit(url).scheme.lower() not in ("http", "https"):
            return skip("remote", f"image URL not fetched, skipped: {shorten(written)}")
        got = self.remote.fetch(url)
        if isinstance(got, str):
            return skip("remote", f"image URL could not be downloaded ({got}), skipped: {shorten(written)}")
        mime, stored = got
        return self.embedded(EmbeddedImage(mime, "", written, load=Path(stored).read_bytes), name)

    def embedded(self, picture: EmbeddedImage, name: str) -> ImageSegment | None:
        """The image segment of a picture held inside note `name`, stored in `self.pictures` (see
        `embedded.py`); or None, reported with its reason as a link would be."""
        written = picture.written

        def skip(reason: str, message: str) -> None:
            self._skip(name, written, reason, message)

        suffix = PICTURE_TYPES.get(picture.mime)
        if suffix is None:
            return skip("unsupported type", f"{picture.mime} pictures are not indexed, skipped: {written}")
        try:
            data = picture_bytes(picture)
        except ValueError as err:
            return skip("unreadable", f"picture skipped, {err}: {written}")
        if not data:
            return skip("unreadable", f"picture skipped, it is empty (0 bytes): {written}")
        real = store_picture(data, suffix, self.pictures)
        if self.links is not None:  # the note is read again if the cached copy goes away
            self.links.append({"embedded": real, "real": None, "outside": False, "nearest": []})
        if real not in self._verdicts:
            self._verdicts[real] = self._check(real, suffix)
        if verdict := self._verdicts[real]:
            reason, problem = verdict
            return skip(reason, f"picture skipped, {problem.replace(chr(0), written)}")
        self._drawn_alone(real, suffix, skip)
        return ImageSegment(real, name=f"{name}: {written}")

    def _drawn_alone(self, real: str, suffix: str, skip: Callable[[str, str], None]) -> None:
        """Say the files and URLs an SVG links to, which are not read: it is drawn from its own
        content only (see `mme_core/svg.py`), never from a file outside the collection."""
        if suffix not in (".svg", ".svgz") or not self.verify:
            return
        if real not in self._links:
            try:
                with open(real, "rb") as stream:
                    links = linked_files(stream.read())
            except (OSError, ValueError):
                links = []  # unreadable: said by the picture's own check
            self._links[real] = ", ".join(shorten(link, 60) for link in links[:3])
        if shown := self._links[real]:
            skip("picture links", f"SVG drawn without the files it links to (not read): {shown}")

    def _skip(self, name: str, written: str, reason: str, message: str) -> None:
        if (name, written, reason) not in self._reported:  # a note showing one bad link twice: said once
            self._reported.add((name, written, reason))
            self.report(CollectionWarning(f"{name}: {message}", file=name, reference=written, reason=reason))

    def depend_on(self, name: str) -> None:
        """Record that what the note being read says depends on the collection file `name`
        (root-relative POSIX: a Logseq page holding a referenced block, a file a page includes, a
        drawing's exported picture), so the stat cache reads the note again when that file changes,
        appears or goes away, as it does when a picture changes. Exactly that file: no name lookup."""
        if self.links is not None:
            link = self._dependency(name, ImageLink(name, wiki=True), self._exact(name), False, [])
            self.links.append({**link, "exact": True})

    def _exact(self, name: str) -> str | None:
        """The real path of the collection file `name` (root-relative), None when it is none."""
        real = os.path.realpath(os.path.join(self.root, name))
        return real if real.startswith(self._root_prefix) and os.path.isfile(real) else None

    def in_vault(self, base_dir: Path | str) -> bool:
        """True when the folder `base_dir` is inside an Obsidian vault (a `.obsidian/` above it)."""
        return in_vault(str(base_dir), self._vault_dirs)

    def _dependency(self, path: str, link: ImageLink, real, outside: bool, nearest: list[str]) -> dict:
        """What this link's resolution depended on, relative to the root (a moved folder keeps it)."""
        stat = file_stat(real) if real is not None else None
        return {
            "path": path,
            "wiki": link.wiki,
            "obsidian": link.obsidian,
            "real": None if real is None else os.path.relpath(real, self.root),
            "outside": outside,
            "nearest": list(nearest),
            "size": stat and stat[0],
            "mtime_ns": stat and stat[1],
        }

    def relocate(self, link: dict, note_path: str) -> tuple[str | None, bool, list[str]]:
        """A recorded link located again, now, by the same rules: (real relative, outside, nearest)."""
        if link.get("exact"):  # a file the note depends on (`depend_on`), not a link to look up
            real = self._exact(link["path"])
            return (None if real is None else os.path.relpath(real, self.root)), False, []
        note_dir = os.path.dirname(note_path)
        note = Path(os.path.relpath(note_path, self.root)).as_posix()
        real, outside, nearest = self._locate(
            link["path"], note_dir, link["wiki"], link.get("obsidian", False), note
        )
        return (None if real is None else os.path.relpath(real, self.root)), outside, list(nearest)

    def _locate(
        self, path: str, base_dir: str, wiki: bool, obsidian: bool = False, note: str = ""
    ) -> tuple[str | None, bool, list[str]]:
        """(real path or None, whether a candidate escaped the collection, name matches nearest first);
        `note`: the linking file, collection-relative (where a website looks for its pictures)."""
        if wiki:
            path = path.lstrip("/")
            candidates = [os.path.join(self.root, path), os.path.join(base_dir, path)]
        else:  # `/img/a.png`: an absolute path inside the collection, else from its root (as GitHub reads
            # it), else from its static/ folder (where Hugo and Docusaurus sites keep site-root files)
            candidates = [os.path.join(base_dir, path)]
            if path.startswith("/"):
                rooted = path.lstrip("/")
                candidates += [os.path.join(self.root, rooted), os.path.join(self.root, "static", rooted)]
            # a site's own places: VuePress' `.vuepress/public/`, a Hexo post's asset folder... (site.py)
            candidates += [os.path.join(self.root, c) for c in self.site.link_candidates(path, note)]
            candidates = list(dict.fromkeys(candidates))  # a site's served `static/` is also the rule above
        outside = False
        for candidate in candidates:
            real = os.path.realpath(candidate)  # follows symlinks before the check
            if not real.startswith(self._root_prefix):
                # `/pix/a.webp` is a site-root link: "outside" only if that absolute file exists
                outside |= not (candidate == path and not os.path.lexists(candidate))
            elif os.path.lexists(candidate) and (wiki is False or os.path.isfile(real)):
                return real, False, []  # a Markdown link to a folder is "not a file", reported below
        if outside and not wiki:
            return None, True, []  # refused, never looked up elsewhere
        note_dir = Path(base_dir).resolve().relative_to(self.root).as_posix() if base_dir else ""
        note_dir = "" if note_dir == "." else note_dir
        tails = [path] if wiki or obsidian or in_vault(base_dir, self._vault_dirs) else []
        if not wiki and (path.startswith("/") or _folder_gone(path, base_dir)):
            tails += _tails(path)  # a path on another machine, or in a folder left behind (`_tails`)
        for tail in tails:
            matches = self._attachments.find(tail, note_dir)
            for match in matches:
                real = os.path.realpath(os.path.join(self.root, match))
                if real.startswith(self._root_prefix):
                    return real, False, matches
        return None, outside, []

    def _check(self, real: str, suffix: str) -> tuple[str, str] | None:
        """(reason, problem with NUL standing for the link) or None when the file is a usable image."""
        try:
            size = os.stat(real).st_size
        except OSError:
            return "missing", "file not found: \0"
        if not os.path.isfile(real):
            return "missing", "not a file: \0"
        if size == 0:
            return "unreadable", "file is empty (0 bytes): \0"
        if self.verify:
            try:
                check_image(real, name="\0")  # reads the data through without a full-size decode
            except OSError as err:
                return "unreadable", f"cannot be read ({err.strerror}): \0"
            except ValueError as err:
                problem = _OBJECT_REPR.sub("", str(err))
                if "too large" in problem:
                    return "too large", problem
                known = suffix in IMAGE_EXTENSIONS
                return ("unreadable" if known else "unsupported type"), problem
        return None


def _videos_read() -> bool:
    from indexer.sources.videos import available  # noqa: PLC0415 (it imports photos, which imports this)

    return available()


def _folder_gone(path: str, base_dir: str) -> bool:
    """Whether a relative link names a folder that is not beside the note (`img/a.png`, no `img/`).
    A link to a file by its name alone, or into a folder that is there, is not looked up elsewhere
    outside a vault: a picture missing from where the note says is said missing."""
    folder = posixpath.dirname(path)
    return bool(folder.strip("./")) and not os.path.isdir(os.path.join(base_dir, folder))


def _tails(path: str) -> list[str]:
    """A link that is not in the collection, from the longest tail to the file's name: a note links
    its pictures where they were when it was written, in a folder that did not come along (files
    uploaded loose arrive side by side), or on another machine (Typora's
    `C:\\Users\\me\\AppData\\Roaming\\Typora\\typora-user-images\\image-2021….png`, a Mac's
    `/Users/me/notes/imgs/a.png`, `file:///…`), and the person brought them along inside the
    collection. Found there (nearest to the note first, as Obsidian finds a name), not missing."""
    parts = posixpath.normpath(path).lstrip("/").split("/")
    while parts and parts[0] in ("..", "."):
        parts.pop(0)  # `../img/a.png`: the folder it climbed to is not here, its tail may be
    if not parts or ".." in parts:
        return []
    return ["/".join(parts[start:]) for start in range(len(parts))]


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
