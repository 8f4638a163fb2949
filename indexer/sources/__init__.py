"""Collection readers: a folder of Markdown / HTML pages or a wikiHow-TIIR directory → InterleavedDoc."""

from indexer.sources.base import CollectionReader, CollectionWarning, FolderReader
from indexer.sources.collection import NotesFolderReader, read_collection
from indexer.sources.html import HtmlFolderReader
from indexer.sources.markdown import MarkdownFolderReader
from indexer.sources.split import split_to_budget
from indexer.sources.tiir import TiirEvalSet, TiirReader, read_tiir_eval_set

__all__ = [
    "CollectionReader",
    "CollectionWarning",
    "FolderReader",
    "HtmlFolderReader",
    "MarkdownFolderReader",
    "NotesFolderReader",
    "TiirEvalSet",
    "TiirReader",
    "read_collection",
    "read_tiir_eval_set",
    "split_to_budget",
]
