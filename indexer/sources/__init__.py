"""Collection readers: a folder of Markdown / Org / reST / HTML notes or a TIIR folder → InterleavedDoc.

    docs = read_collection(path)                     # ValueError if `path` is unusable as a whole
    parts = split_to_budget(docs, lambda d: encoder.count_tokens(d, n=max_n), budget=4096)

Problems inside a collection (broken, remote, escaping, unsupported or corrupt image links, notes
that cannot be read, guessed encodings) are `CollectionWarning`s with `.file`, `.reference` and
`.reason`; record them with `warnings.catch_warnings(record=True)` and
`warnings.simplefilter("always", CollectionWarning)` (see `warning.py`). Markdown readers put
`tags`, `aliases` and `properties` on `InterleavedDoc.meta` (see `markdown.py` for the syntax read).
"""

from indexer.sources.base import REASONS, CollectionReader, CollectionWarning, FolderReader
from indexer.sources.collection import NotesFolderReader, read_collection, read_source
from indexer.sources.html import HtmlFolderReader
from indexer.sources.markdown import MarkdownFolderReader
from indexer.sources.split import split_to_budget
from indexer.sources.tiir import TiirEvalSet, TiirReader, read_tiir_eval_set

__all__ = [
    "REASONS",
    "CollectionReader",
    "CollectionWarning",
    "FolderReader",
    "HtmlFolderReader",
    "MarkdownFolderReader",
    "NotesFolderReader",
    "TiirEvalSet",
    "TiirReader",
    "read_collection",
    "read_source",
    "read_tiir_eval_set",
    "split_to_budget",
]
