"""End to end with a real tiny multi-vector checkpoint (meta tokens 16,16, budgets 1, 2, 4, 8, 16),
built offline and loaded through `MMEEncoder.from_pretrained`: build, search, CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from test_cli import cli  # noqa: F401  (the in-process CLI fixture)

from indexer import Index, build_index
from indexer.meta import IndexMismatchError
from indexer.multivector import maxsim, mv_column
from indexer.search import Searcher
from mme_core.documents import InterleavedDoc, TextSegment


def test_build_stores_every_budget_and_maxsim_search_equals_numpy(tiny_multi, notes, tmp_path):
    uri = tmp_path / "ix"
    report = build_index(notes, uri, tiny_multi, ns=(1, 3), progress=False, write_batch=2)
    assert report.added == 5
    index = Index.open(uri)
    budgets = tuple(tiny_multi.budgets)
    assert (index.meta.vectors, index.meta.budgets, index.schema_version) == ("multi", budgets, 3)
    docs = index.documents()
    keys = [f"{d.id}#{d.part}" for d in docs]
    want = tiny_multi.encode_all_multi(docs, ns=(3,))[3]  # (5, 16, dim)
    stored = index.scan(["key", mv_column(3, 4)]).to_pylist()
    by_key = {row["key"]: np.array(row[mv_column(3, 4)], np.float32) for row in stored}
    for position, key in enumerate(keys):  # budget 4 is exactly the first 4 document vectors
        np.testing.assert_allclose(by_key[key], want[position, :4], atol=1e-5)

    query = InterleavedDoc((TextSegment("Unscrew the trap under the sink"),))
    searcher = Searcher.open(uri, tiny_multi, warm=False)
    matrix = tiny_multi.encode_multi([query], n=3, prompt_name="query")[0]  # (16, dim)
    for budget in (1, 4, 16):
        hits = searcher.search(query, n=3, k=5, mode="semantic", budget=budget)
        scores = maxsim(matrix[:budget], want[:, :budget])
        order = np.argsort(-scores)
        assert [h.id for h in hits] == [docs[i].id for i in order]
        np.testing.assert_allclose([h.score for h in hits], scores[order], atol=1e-4)
    single = searcher.search(query, n=3, k=5, mode="semantic", vectors="single")
    assert {h.budget for h in single} == {None} and len(single) == 5
    hybrid = searcher.search(query, n=3, k=3, mode="hybrid", budget=2)
    assert len(hybrid) == 3 and hybrid[0].mode == "hybrid"


def test_rerun_copies_and_encoder_mismatch(tiny_multi, tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "ix"
    build_index(notes, uri, tiny_multi, ns=(3,), progress=False)
    shutil.copytree(notes, tmp_path / "copy")  # same content: multi-vectors reused, not re-embedded
    report = build_index(tmp_path / "copy", uri, tiny_multi, progress=False)
    assert (report.added, report.reused) == (5, 5)
    index = Index.open(uri)
    rows = index.scan(["id", mv_column(3, 16)]).to_pylist()
    vectors = {row["id"].partition("/")[2]: np.array(row[mv_column(3, 16)]) for row in rows}
    assert len(rows) == 10 and all(v.shape == (16, tiny_multi.dim) for v in vectors.values())
    with pytest.raises(IndexMismatchError, match="built with"):
        build_index(notes, uri, tiny_dsvl, progress=False)


def test_cli_multi_vector_search_and_budget_errors(cli, notes, tiny_multi_dir):  # noqa: F811
    code, out, _ = cli("add", notes, "--model", tiny_multi_dir, "--ns", "3", "--quiet")
    assert code == 0 and "multi-vector index: budgets 1, 2, 4, 8, 16" in out
    code, out, _ = cli("search", "--text", "fix the sink", "--budget", "4", "--mode", "semantic", "--json")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 5 and {h["budget"] for h in hits} == {4}
    code, out, _ = cli("search", "--text", "fix the sink", "--vectors", "single", "--mode", "semantic")
    assert code == 0 and "budget" not in out
    code, _, err = cli("search", "--text", "fix the sink", "--budget", "3")
    assert code == 2 and "budget 3 is not one of this index's budgets; valid budgets are 1, 2, 4, 8, 16" in (
        err
    )
    code, out, _ = cli("stats", "--json")
    assert (json.loads(out)["vectors"], json.loads(out)["budgets"]) == ("multi", [1, 2, 4, 8, 16])
