"""What every collection reader shares: the reader interface, lenient text decoding, safe image links.

Warnings, not exceptions, for problems *inside* a collection: one bad picture or one odd file must
not stop a personal collection from being indexed. Each is a `CollectionWarning` (python `warnings`)
whose message names the file and the offending link, so the CLI can print them all with::

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        docs = read_collection(path)
    for w in caught: print(w.message)

Errors that make the whole input unusable (no such folder, malformed jsonl) raise ValueError.
"""

from __future__ import annotations

import codecs
import os
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mme_core.documents import ImageSegment, InterleavedDoc, Segment, TextSegment
from mme_core.images import check_image

MAX_TEXT_BYTES = 20_000_000  # a 20 MB note is not a note; refuse rather than stall the index
TITLE_MAX_CHARS = 200

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n (\r normalised first)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CollectionWarning(UserWarning):
    """Something in a collection was skipped or repaired; the message names the file and why."""


def warn(message: str) -> None:
    warnings.warn(message, CollectionWarning, stacklevel=3)


class CollectionReader(ABC):
    """Turns a collection on disk into interleaved documents with stable ids, titles and sources."""

    @abstractmethod
    def read(self, root: str | Path) -> list[InterleavedDoc]:
        """Every readable document under `root`, sorted by id; problems inside are warned about."""


# --- text ----------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str, declared: str | None = None) -> str:
    """Decode without ever failing: BOM, then UTF-8, then a declared charset, cp1252, latin-1.

    Anything but UTF-8 is warned about, because a wrong guess garbles accents (never structure:
    Markdown and HTML syntax is ASCII in all of these encodings).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in [*_known_codec(declared), "cp1252"]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        warn(f"{name}: not valid UTF-8, decoded as {encoding}")
        return text
    warn(f"{name}: not valid UTF-8, decoded as latin-1")
    return data.decode("latin-1")  # never fails: every byte is a code point


def _known_codec(label: str | None) -> list[str]:
    """The declared charset as Python knows it; latin-1/ascii labels mean windows-1252 (WHATWG)."""
    try:
        name = codecs.lookup(label).name if label else None
    except LookupError:
        return []
    return [] if name is None else ["cp1252" if name in ("iso8859-1", "latin-1", "ascii") else name]


def looks_binary(data: bytes) -> bool:
    """Git's rule (a NUL byte early on), but only for data that is not Unicode text: UTF-8 with a
    stray NUL is a text file with a control character, UTF-16 is mostly NULs."""
    if b"\0" not in data[:8192] or data.startswith(tuple(bom for bom, _ in _BOMS)):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def clean_text(text: str, name: str, report: Callable[[str], None] = warn) -> str:
    """Normalise newlines and strip control characters other than newline and tab."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned, removed = _CONTROL_CHARS.subn("", text)
    if removed:
        report(f"{name}: removed {removed} control character(s)")
    return cleaned


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:TITLE_MAX_CHARS]
    return ""


# --- image links ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageLink:
    """An image reference as written in a page, before it is resolved against the collection."""

    target: str


@dataclass(frozen=True)
class ParsedPage:
    """A page as its parser saw it: an optional title and text / image links in reading order."""

    items: tuple[str | ImageLink, ...]
    title: str = ""


@dataclass
class ImageResolver:
    """Resolves image links to files inside `root`, never touching anything outside it or remote.

    Policy: a link that is remote (any URL scheme, `//host`), resolves outside the collection root
    (`..`, absolute, or a symlink pointing out), does not exist, or does not decode (0-byte, corrupt,
    unsupported, too large) is skipped with a warning naming the file and the link; the surrounding
    text is kept. Verdicts are cached per resolved path so a picture reused on many pages is decoded
    once. `verify=False` checks existence and size only (for datasets with hundreds of thousands of
    images, where the encoder's own decode reports the rare corrupt file).
    """

    root: Path
    verify: bool = True
    report: Callable[[str], None] = warn
    _verdicts: dict[str, str | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self._root_prefix = os.path.join(str(self.root), "")  # string ops: 3x faster than pathlib

    def resolve(self, target: str, base_dir: Path | str, name: str) -> ImageSegment | None:
        """The image segment for `target` as written in file `name` (relative to `base_dir`)."""
        target = target.strip()
        if not target:
            self.report(f"{name}: image with an empty link skipped")
            return None
        parts = urlsplit(target)
        if parts.netloc or len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
            self.report(f"{name}: image URL not fetched, skipped: {shorten(target)}")
            return None
        path = unquote(parts.path).replace("\\", "/")  # notes written on Windows use backslashes
        real = os.path.realpath(os.path.join(base_dir, path))  # follows symlinks before the check
        if not real.startswith(self._root_prefix):
            self.report(f"{name}: image link points outside the collection, refused: {target}")
            return None
        if real not in self._verdicts:
            self._verdicts[real] = self._check(real)
        problem = self._verdicts[real]
        if problem:
            self.report(f"{name}: image skipped, {problem}: {target}")
            return None
        return ImageSegment(real)

    def _check(self, real: str) -> str | None:
        try:
            size = os.stat(real).st_size
        except OSError:
            return "file not found"
        if not os.path.isfile(real):
            return "not a file"
        if size == 0:
            return "file is empty (0 bytes)"
        if self.verify:
            try:
                check_image(real, name=real)  # reads the data through without a full-size decode
            except ValueError as err:
                return str(err).split(":")[0]  # "corrupt or truncated image", "image too large", ...
        return None


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_doc(
    page: ParsedPage, images: ImageResolver, base_dir: Path, name: str, **provenance
) -> InterleavedDoc | None:
    """Resolve a parsed page's images and merge adjacent text; None (warned) if nothing is left."""
    segments: list[Segment] = []
    for item in page.items:
        if isinstance(item, ImageLink):
            image = images.resolve(item.target, base_dir, name)
            if image is not None:
                segments.append(image)
        elif segments and isinstance(segments[-1], TextSegment):
            previous = segments[-1].text  # joined where an image was skipped: no double space
            segments[-1] = TextSegment(previous + (item.lstrip(" \t") if previous[-1:].isspace() else item))
        else:
            segments.append(TextSegment(item))
    segments = [_tidy(s) for s in segments]
    segments = [s for s in segments if isinstance(s, ImageSegment) or s.text]
    if not segments:
        warn(f"{name}: no text and no readable image, document skipped")
        return None
    title = page.title.strip()[:TITLE_MAX_CHARS] or first_line(
        next((s.text for s in segments if isinstance(s, TextSegment)), "")
    )
    return InterleavedDoc(tuple(segments), title=title, **provenance)


def _tidy(segment: Segment) -> Segment:
    if isinstance(segment, ImageSegment):
        return segment
    text = re.sub(r"[ \t]+\n", "\n", segment.text)
    return TextSegment(re.sub(r"\n{3,}", "\n\n", text).strip())


# --- folders -------------------------------------------------------------------------------------


class FolderReader(CollectionReader):
    """Walks a folder recursively (sorted, hidden entries skipped, symlinks out of it refused).

    Subclasses say which file suffixes they read and how to parse one file into a `ParsedPage`.
    Ids and sources are the collection-relative POSIX path, so they survive moving the folder.
    """

    parsers: dict[str, Callable[[bytes, str], ParsedPage]] = {}

    def __init__(self, verify_images: bool = True) -> None:
        self.verify_images = verify_images

    def read(self, root: str | Path) -> list[InterleavedDoc]:
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"collection folder not found: {root}")
        images = ImageResolver(root, verify=self.verify_images)
        docs = []
        for path in self._files(images.root):
            name = path.relative_to(images.root).as_posix()
            doc = self._read_file(path, name, images)
            if doc is not None:
                docs.append(doc)
        return sorted(docs, key=lambda doc: doc.id)

    def _files(self, root: Path) -> Iterator[Path]:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            for file_name in sorted(files):
                path = Path(directory) / file_name
                if file_name.startswith(".") or path.suffix.lower() not in self.parsers:
                    continue
                if not path.resolve().is_relative_to(root):
                    warn(
                        f"{path.relative_to(root).as_posix()}: symlink points outside the collection, refused"
                    )
                    continue
                yield path

    def _read_file(self, path: Path, name: str, images: ImageResolver) -> InterleavedDoc | None:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            warn(f"{name}: {size:,} bytes is over the {MAX_TEXT_BYTES:,}-byte limit, file skipped")
            return None
        data = path.read_bytes()
        if looks_binary(data):
            warn(f"{name}: looks like a binary file, skipped")
            return None
        page = self.parsers[path.suffix.lower()](data, name)
        return build_doc(page, images, path.parent, name, id=name, source=name)
