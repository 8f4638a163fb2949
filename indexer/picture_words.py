"""Words in pictures: the text each picture shows, read once (OCR), so keyword search finds a note by
what its screenshots, photographed pages and labelled diagrams say.

How-to notes put much of what matters in pictures: a settings dialog, a terminal, a label on a
part, a recipe card photographed. The model sees a picture as N x N pooled tokens, which hold its
look, not its words; keyword search reads the `text` column, which held no picture's words. With
`add --read-pictures`, each distinct picture is read by RapidOCR (PP-OCR detection and recognition
on ONNX Runtime; its models ship inside the wheel: nothing is downloaded), which reads Chinese and
Latin-script text, mixed. The words go to the row's `text` (keyword search and its highlights) and
to its properties as `picture_words`, one string per picture in order (the card shows the words a
query matched under their picture). They never go to the model: the model reads the picture.

Reading costs about 0.4 s a photo and 1-2.5 s a screenshot full of text on a 2-core CPU
(docs/BENCHMARKS.md, "Words in pictures"), so it is the index's choice, remembered in its metadata
and kept by later runs until turned off. Each picture is decoded at most `MAX_SIDE` on its longer
side (JPEG at reduced size, as for the model), so a 48-megapixel photo costs what a 4-megapixel one
does. What was read is kept in the `picture_words` table (image sha256, reader, words) beside the
index: a picture is read once, whichever notes show it and however often they change; entries no
row refers to are dropped with the vision cache's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import replace
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pyarrow as pa

from indexer.meta import table_names
from indexer.schema import sql_string
from indexer.skipped import Skipped
from indexer.svg_words import is_svg, words_of_svg
from mme_core.documents import InterleavedDoc
from mme_core.images import decode_image, fit_within

PICTURE_WORDS_TABLE = "picture_words"
PROPERTY = "picture_words"  # in a document's meta: one string per picture, in order
MAX_SIDE = 2000  # RapidOCR's own working size: a larger picture only costs decoding
MIN_SCORE = 0.5  # recognition confidence below which a line is noise (RapidOCR's default)
_SCHEMA = pa.schema(
    [pa.field("image", pa.string()), pa.field("reader", pa.string()), pa.field("words", pa.string())]
)
_IN_CHUNK = 500  # hashes per `IN (...)` clause
# Detection at most 1280 on the longer side (RapidOCR's default scales the *shorter* side up to 736:
# a 740 x 133 strip became 4096 x 736), one line recognised at a time, no upside-down check. On 12
# real screenshots, one after the other: peak RSS 941 MB (389 MB of it imports) against 1240 MB,
# 40 s against 53 s, 332 lines found against 339.
ENGINE_PARAMS = {
    "Global.log_level": "error",
    "Global.text_score": MIN_SCORE,
    "Det.limit_type": "max",
    "Det.limit_side_len": 1280,
    "Rec.rec_batch_num": 1,
    "Global.use_cls": False,  # no upside-down line check: notes' pictures are upright (EXIF applied)
}
_INSTALL = "reading words in pictures needs RapidOCR: pip install 'rapidocr>=3.10,<4' 'onnxruntime>=1.20'"


class PictureReaderMissing(ValueError):
    """RapidOCR or ONNX Runtime is not installed (they are in requirements.txt)."""


def check_available() -> None:
    """Refuse at once, before a collection is read, when the text reader is not installed."""
    if find_spec("rapidocr") is None or find_spec("onnxruntime") is None:
        raise PictureReaderMissing(_INSTALL)


class PictureReader:
    """RapidOCR, loaded on first use (~1 s; ~500 MB while reading, let go after an index run)."""

    def __init__(self) -> None:
        self._engine = None
        self._lock = threading.Lock()
        self.pictures_read = 0  # how many pictures this reader really read (tests count cache hits)

    @property
    def name(self) -> str:
        """Whose words a cached entry holds: another reader or working size reads again."""
        try:
            version = metadata.version("rapidocr")
        except metadata.PackageNotFoundError:
            version = "missing"
        detection = ENGINE_PARAMS["Det.limit_side_len"]
        return f"rapidocr {version}, side {MAX_SIDE}, detection {detection}, lines of 2+ characters"

    def release(self) -> None:
        """Let the models go (~500 MB while reading): embedding comes next and needs the memory."""
        with self._lock:
            self._engine = None

    def _load(self):
        with self._lock:
            if self._engine is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as err:
                    raise PictureReaderMissing(_INSTALL) from err
                self._engine = RapidOCR(params=ENGINE_PARAMS | _gpu_params())
        return self._engine

    def read(self, path: str, name: str) -> str:
        """The picture's lines of text, top to bottom, one per line ("" when it shows none).
        A picture that cannot be decoded raises ValueError naming it as `name`. An SVG's words are
        its own text, read exactly (`indexer.svg_words`), not what OCR makes of its drawing."""
        if is_svg(path):
            return words_of_svg(path)
        with open(path, "rb") as stream:
            data = stream.read()
        image = decode_image(data, name, fit_within(MAX_SIDE))
        engine = self._load()
        try:
            result = engine(image)
        except Exception as err:  # onnxruntime or OpenCV on one odd picture: that picture alone
            raise ValueError(f"the text reader failed on {name}: {err}") from err
        self.pictures_read += 1
        lines = result.txts or ()
        scores = result.scores or (1.0,) * len(lines)
        kept = (line.strip() for line, score in zip(lines, scores, strict=True) if score >= MIN_SCORE)
        return "\n".join(line for line in kept if len(line) > 1)  # one character: an icon read as 日, 三


def _gpu_params() -> dict:
    """On a machine whose ONNX Runtime has CUDA (onnxruntime-gpu installed), read on the GPU."""
    import onnxruntime

    cuda = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    return {"EngineConfig.onnxruntime.use_cuda": True} if cuda else {}


class PictureWordsCache:
    """The words read from each picture, kept in the index's database (see the module doc)."""

    def __init__(self, db) -> None:
        self.db = db
        self.table = db.open_table(PICTURE_WORDS_TABLE) if PICTURE_WORDS_TABLE in table_names(db) else None

    def lookup(self, images: Iterable[str], reader: str) -> dict[str, str]:
        if self.table is None:
            return {}
        wanted, found = sorted(set(images)), {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = ", ".join(sql_string(h) for h in wanted[start : start + _IN_CHUNK])
            where = f"reader = {sql_string(reader)} AND image IN ({chunk})"
            rows = self.table.search().where(where).select(["image", "words"]).limit(None).to_arrow()
            found |= dict(zip(rows["image"].to_pylist(), rows["words"].to_pylist(), strict=True))
        return found

    def store(self, words: dict[str, str], reader: str) -> None:
        """One commit for all of a run's new entries."""
        if not words:
            return
        rows = [{"image": image, "reader": reader, "words": text} for image, text in words.items()]
        if self.table is None:
            self.table = self.db.create_table(PICTURE_WORDS_TABLE, schema=_SCHEMA, exist_ok=True)
        merge = self.table.merge_insert(["image", "reader"]).when_matched_update_all()
        merge.when_not_matched_insert_all().execute(pa.Table.from_pylist(rows, schema=_SCHEMA))

    def prune(self, referenced: set[str]) -> int:
        """Delete entries of pictures no row shows any more; returns how many."""
        if self.table is None:
            return 0
        stored = set(self.table.search().select(["image"]).limit(None).to_arrow()["image"].to_pylist())
        gone = sorted(stored - referenced)
        for start in range(0, len(gone), _IN_CHUNK):
            chunk = ", ".join(sql_string(h) for h in gone[start : start + _IN_CHUNK])
            self.table.delete(f"image IN ({chunk})")
        return len(gone)


def shared_reader() -> PictureReader:
    """One reader per process: the app's runs do not load the models again."""
    global _SHARED
    if _SHARED is None:
        _SHARED = PictureReader()
    return _SHARED


_SHARED: PictureReader | None = None


def add_picture_words(
    docs: list[InterleavedDoc], cache: PictureWordsCache, reader: PictureReader, root: str = "", progress=None
) -> tuple[list[InterleavedDoc], list[Skipped]]:
    """`docs` with their pictures' words in `meta["picture_words"]` (left out when no picture shows
    any), and what could not be read. Each picture is read once, a cached one not at all; one that
    cannot be read keeps its document, indexed without that picture's words, and is reported.
    `root`: the collection's folder (pictures are named relative to it); `progress(total)`: a
    context manager (a `PhaseProgress`) made once the number of pictures to read is known and
    advanced per picture."""
    hashes: dict[str, str] = {}  # path -> sha256: one hash per file, however many notes show it
    for doc in docs:
        for image in doc.images:
            if image.path not in hashes:
                try:
                    hashes[image.path] = image.content_hash()
                except ValueError:
                    pass  # an unreadable file: its document fails at hashing, as without words
    known = cache.lookup(hashes.values(), reader.name)
    bar = progress(len(set(hashes.values()) - set(known))) if progress is not None else nullcontext()
    with bar as shown:
        try:
            out, fresh, skipped = _read_all(docs, hashes, known, reader, root, shown)
        finally:
            reader.release()
    cache.store(fresh, reader.name)
    return out, skipped


def _read_all(docs, hashes, known, reader, root, bar):
    fresh: dict[str, str] = {}
    refused: set[str] = set()
    skipped: list[Skipped] = []
    out = []
    for doc in docs:
        words = []
        for image in doc.images:
            digest = hashes.get(image.path)
            if digest is not None and digest not in known and digest not in fresh and digest not in refused:
                label = picture_label(image.path, root)
                try:
                    fresh[digest] = reader.read(image.path, label)
                except PictureReaderMissing:
                    raise
                except (ValueError, OSError) as err:
                    refused.add(digest)
                    source = doc.source or doc.id
                    message = f"{source}: the words in {label} were not read ({err})"
                    skipped.append(Skipped(source, label, "picture words", message))
                if bar is not None:
                    bar.advance()
            words.append(known.get(digest) or fresh.get(digest) or "")
        meta = {key: value for key, value in doc.meta.items() if key != PROPERTY}
        if any(words):
            meta[PROPERTY] = words
        out.append(replace(doc, meta=meta) if meta != doc.meta else doc)
    return out, fresh, skipped


def picture_label(path: str, root: str) -> str:
    """A picture as the person finds it: its path inside the collection, else its file name (a
    picture kept inside a note lives in the index's own folder, which the person never named)."""
    try:
        return Path(path).relative_to(root).as_posix() if root else Path(path).name
    except ValueError:
        return Path(path).name


_QUERY_WORDS: dict[str, str] = {}  # sha256 -> words of pictures queried in this process (newest last)
_QUERY_WORDS_KEPT = 256


def query_picture_words(db, images) -> str:
    """The words a query's pictures show, for keyword search on an index that reads them: a picture
    of the collection (or one asked before) costs a lookup; a new one is read once (0.5-2.5 s of CPU;
    the reader then stays loaded for the next query). A picture that cannot be read raises
    ValueError naming it by its file name."""
    reader = shared_reader()
    digests = {image.path: image.content_hash() for image in images}
    known = PictureWordsCache(db).lookup(set(digests.values()) - set(_QUERY_WORDS), reader.name)
    words = []
    for path, digest in digests.items():
        if digest not in known and digest not in _QUERY_WORDS:
            _QUERY_WORDS[digest] = reader.read(path, Path(path).name)
            while len(_QUERY_WORDS) > _QUERY_WORDS_KEPT:
                _QUERY_WORDS.pop(next(iter(_QUERY_WORDS)))
        words.append(known.get(digest) or _QUERY_WORDS.get(digest) or "")
    return "\n".join(text for text in words if text)
