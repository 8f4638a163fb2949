"""Build progress per document, by phase, for the CLI bar and the app's callback."""

from __future__ import annotations

from index_helpers import NOTES

from indexer.build import build_index
from indexer.progress import BuildProgress


def test_progress_reaches_every_document_in_each_phase_one_at_a_time(tiny_dsvl, notes, tmp_path):
    seen: list[BuildProgress] = []
    build_index(
        notes, tmp_path / "index", tiny_dsvl, ns=(1, 3), progress=False, batch_size=1, on_progress=seen.append
    )
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases == ["read", "hash", "encode", "write"]
    encode = [p.done for p in seen if p.phase == "encode"]
    assert encode == list(range(len(NOTES) + 1))  # batch_size 1: one step per document
    for phase in phases:
        last = [p for p in seen if p.phase == phase][-1]
        assert last.done == last.total == len(NOTES) and last.fraction == 1.0


def test_a_no_op_run_only_hashes(tiny_dsvl, notes, tmp_path):
    build_index(notes, tmp_path / "index", tiny_dsvl, ns=(1, 3), progress=False)
    seen: list[BuildProgress] = []
    build_index(notes, tmp_path / "index", tiny_dsvl, progress=False, on_progress=seen.append)
    assert [p.total for p in seen if p.phase == "encode"] == [0]


def test_rate_and_time_left_read_plainly():
    progress = BuildProgress("encode", done=30, total=90, seconds=10.0)
    assert progress.rate == 3.0 and progress.eta == 20.0
    assert progress.describe() == "encode: 30/90 documents (3.0/s, 20 s left)"
    assert BuildProgress("write", 0, 0, 0.0).describe() == "write: 0/0 documents (0.0/s)"
