"""Crash safety with multivector columns: `python -m indexer add` with a multi-vector model,
SIGKILLed at seeded random points and resumed, ends equal to a clean build, multi-vectors included
(every budget column of every row, exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.indexing_throughput import make_collection
from indexer import Index
from indexer.multivector import mv_columns

from .test_crash_safety import NOTES, VECTOR_ATOL, clean_build, kill_and_resume


def multi_vectors(index: Index) -> dict:
    columns = mv_columns(index.meta.ns, index.meta.budgets)
    rows = index.scan(["key", *columns]).to_pylist()
    return {row["key"]: {c: np.array(row[c], np.float32) for c in columns} for row in rows}


@pytest.mark.slow  # killed and resumed CLI processes, ~1 min on 2 shared cores
def test_sigkill_then_resume_keeps_multivector_columns_exact(tmp_path, tiny_multi, tiny_multi_dir):
    notes = tmp_path / "notes"
    make_collection(notes, NOTES, seed=12)
    clean = clean_build(notes, tmp_path / "clean", tiny_multi)
    assert clean.meta.vectors == "multi"
    history = kill_and_resume(notes, tmp_path / "killed", tiny_multi_dir, clean, kills=2, seed=3)
    assert any(e["killed"] and 0 < e["rows"] < NOTES for e in history), history
    got, want = multi_vectors(Index.open(tmp_path / "killed")), multi_vectors(clean)
    assert sorted(got) == sorted(want)
    for key, columns in want.items():
        for column, vectors in columns.items():
            np.testing.assert_allclose(got[key][column], vectors, atol=VECTOR_ATOL, rtol=0)
