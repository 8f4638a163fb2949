"""Collections as first-class: names, ids, moves without re-embedding, filters, what was skipped."""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pytest
from index_helpers import NOTES, CountingEncoder, write_note

from indexer import Index, IndexMismatchError, Searcher, build_index, rebuild_index
from indexer.meta import DEFAULT_TABLE, META_TABLE
from indexer.search import Filters
from indexer.sources import REASONS
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 2}


def ids(uri) -> list[str]:
    return sorted(d.id for d in Index.open(uri).documents())


def test_a_moved_folder_named_again_is_re_pointed_without_embedding(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    before = ids(uri)
    moved = tmp_path / "Documents" / "my-notes"
    moved.parent.mkdir()
    shutil.move(notes, moved)

    counting = CountingEncoder(tiny_dsvl)
    report = build_index(moved, uri, counting, name="notes", **FAST)
    assert counting.embedded == [] and report.unchanged == len(NOTES) and report.rows == len(NOTES)
    assert report.moved_from == str(notes.resolve()) and "moved from" in report.summary()
    assert ids(uri) == before
    assert Index.open(uri).meta.collections["notes"]["root"] == str(moved.resolve())


def test_a_renamed_folder_whose_old_place_is_gone_keeps_its_collection(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    renamed = notes.rename(tmp_path / "how-tos")
    counting = CountingEncoder(tiny_dsvl)
    report = build_index(renamed, uri, counting, **FAST)  # no --name: recognised by its notes
    assert (counting.embedded, report.collection, report.rows) == ([], "notes", len(NOTES))
    assert list(Index.open(uri).meta.collections) == ["notes"]


def test_a_copy_under_another_name_reuses_vectors_and_same_name_elsewhere_is_refused(
    tiny_dsvl, notes, tmp_path
):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    copy = tmp_path / "backup" / "notes"
    shutil.copytree(notes, copy)
    with pytest.raises(ValueError, match="a collection named 'notes' already holds .*--name"):
        build_index(copy, uri, tiny_dsvl, **FAST)
    counting = CountingEncoder(tiny_dsvl)
    report = build_index(copy, uri, counting, name="backup", **FAST)
    assert counting.embedded == [] and (report.added, report.reused) == (len(NOTES), len(NOTES))
    index = Index.open(uri)
    assert index.count() == 2 * len(NOTES)
    a, b = index.vectors(3), index.vectors(3)
    assert all((a[f"notes/{n}.md#0"] == b[f"backup/{n}.md#0"]).all() for n in NOTES)
    for bad in ("", "a/b", "x#y"):
        with pytest.raises(ValueError, match="invalid collection name"):
            build_index(copy, uri, tiny_dsvl, name=bad, **FAST)


def test_filters_by_collection_folder_and_tag(tiny_dsvl, tmp_path):
    def doc(doc_id: str, text: str, tags=()) -> InterleavedDoc:
        return InterleavedDoc((TextSegment(text),), id=doc_id, source=doc_id, meta={"tags": list(tags)})

    uri = tmp_path / "idx"
    build_index(
        [
            doc("garden/roses.md", "Prune roses in March", ["#Garden", "plants"]),
            doc("kitchen/bread.md", "Bake"),
        ],
        uri,
        tiny_dsvl,
        name="home",
        **FAST,
    )
    build_index([doc("garden/lawn.md", "Mow the lawn", ["garden"])], uri, tiny_dsvl, name="work", **FAST)
    searcher = Searcher.open(uri, tiny_dsvl)
    query = InterleavedDoc((TextSegment("garden work"),))

    def found(**fields) -> list[str]:
        return sorted(h.id for h in searcher.search(query, n=3, k=10, filters=Filters(**fields)))

    assert found() == ["home/garden/roses.md", "home/kitchen/bread.md", "work/garden/lawn.md"]
    assert found(collections=("work",)) == ["work/garden/lawn.md"]
    assert found(folders=("garden",)) == ["home/garden/roses.md", "work/garden/lawn.md"]
    assert found(folders=("garden/",), collections=("home",)) == ["home/garden/roses.md"]
    assert found(tags=("GARDEN",)) == ["home/garden/roses.md", "work/garden/lawn.md"]  # '#', case folded
    assert found(tags=("plants", "nothing")) == ["home/garden/roses.md"]
    assert found(tags=("it's",)) == []
    assert searcher.search(query, n=3, k=10, collections="work")[0].doc.meta["tags"] == ["garden"]


def test_searches_leave_the_demo_out_once_a_person_has_notes(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    demo = [InterleavedDoc((TextSegment("How to fix sink, synthetic"),), id=f"d{i}") for i in range(3)]
    build_index(demo, uri, tiny_dsvl, name="demo", demo=True, **FAST)
    query = InterleavedDoc((TextSegment("How to fix sink"),))
    assert {h.doc.meta["collection"] for h in Searcher.open(uri, tiny_dsvl).search(query, k=10)} == {"demo"}
    build_index(notes, uri, tiny_dsvl, **FAST)
    searcher = Searcher.open(uri, tiny_dsvl)
    assert {h.doc.meta["collection"] for h in searcher.search(query, k=10)} == {"notes"}
    chosen = searcher.search(query, k=10, collections=("demo", "notes"))
    assert {h.doc.meta["collection"] for h in chosen} == {"demo", "notes"}
    assert [c["demo"] for c in Index.open(uri).collections()] == [True, False]


def test_what_is_not_indexed_is_kept_with_its_reason(tiny_dsvl, notes, tmp_path):
    (notes / "img" / "fix-sink.png").write_bytes(b"not a picture")
    (notes / "broken-link.md").write_text("# Broken\n\nSee ![gone](img/nowhere.png)\n")
    uri = tmp_path / "idx"
    report = build_index(notes, uri, tiny_dsvl, **FAST)
    messages = sorted(item.message for item in report.skipped)
    assert len(messages) == 2
    assert "broken-link.md" in messages[0] and "img/nowhere.png" in messages[0]
    assert "fix-sink.md" in messages[1] and "img/fix-sink.png" in messages[1]
    assert all(item.reason in REASONS for item in report.skipped)
    assert sorted((i.source, i.reference, i.reason) for i in report.skipped) == [
        ("broken-link.md", "img/nowhere.png", "missing"),
        ("fix-sink.md", "img/fix-sink.png", "unreadable"),
    ]
    index = Index.open(uri)
    assert sorted(row["message"] for row in index.skipped("notes")) == messages
    assert index.collections()[0]["skipped"] == 2

    (notes / "broken-link.md").unlink()
    write_note(notes, "fix-sink", "blue", "square", NOTES["fix-sink"][2])  # repaired
    assert build_index(notes, uri, tiny_dsvl, **FAST).skipped == ()
    assert Index.open(uri).skipped() == []  # replaced by the latest run, not accumulated


def test_a_document_the_encoder_refuses_is_recorded_with_its_file(tiny_dsvl, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"GIF89a not really")
    docs = [
        InterleavedDoc((TextSegment("fine"),), id="fine.md", source="fine.md"),
        InterleavedDoc((TextSegment("see"), ImageSegment(str(bad))), id="bad.md", source="bad.md"),
    ]
    report = build_index(docs, tmp_path / "idx", tiny_dsvl, name="mine", **FAST)
    assert [(s.source, s.reason) for s in report.skipped] == [("bad.md", "unreadable")]
    assert "bad.png" in report.skipped[0].message and report.failed[0][0] == "mine/bad.md"
    assert [row["source"] for row in Index.open(tmp_path / "idx").skipped("mine")] == ["bad.md"]


def test_remove_a_collection_forgets_it_and_its_skipped_rows(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    (notes / "broken.md").write_text("# Broken\n\nA step. ![x](missing.png)\n")
    build_index(notes, uri, tiny_dsvl, **FAST)
    index = Index.open(uri)
    assert index.remove("notes") == len(NOTES) + 1
    index = Index.open(uri)
    assert (index.count(), index.meta.collections, index.skipped()) == (0, {}, [])


def test_an_index_of_the_older_schema_is_refused_then_rebuilt(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    index = Index.open(uri)
    old_fields = [f for f in index.table.schema if f.name not in ("text", "tags", "properties")]
    old = pa.schema(old_fields, metadata={"mme.schema_version": "1"})
    index.db.drop_table(DEFAULT_TABLE)
    index.db.create_table(DEFAULT_TABLE, schema=old)
    active = json.loads(index.db.open_table(META_TABLE).to_arrow()["active"][0].as_py())
    active["collections"] = [str(notes.resolve())]  # schema 1 listed root folders
    index.db.open_table(META_TABLE).add(
        pa.Table.from_pylist([{"active": json.dumps(active), "pending": None}]), mode="overwrite"
    )
    with pytest.raises(IndexMismatchError, match="older version .*python -m indexer rebuild"):
        Searcher.open(uri, tiny_dsvl)
    with pytest.raises(IndexMismatchError, match="older version"):
        build_index(notes, uri, tiny_dsvl, **FAST)
    rebuild_index(uri, tiny_dsvl, progress=False)
    assert ids(uri) == sorted(f"notes/{name}.md" for name in NOTES)
    query = InterleavedDoc((TextSegment(NOTES["fix-sink"][2]), ImageSegment(str(notes / "img/fix-sink.png"))))
    assert Searcher.open(uri, tiny_dsvl).search(query, k=1)[0].id == "notes/fix-sink.md"
