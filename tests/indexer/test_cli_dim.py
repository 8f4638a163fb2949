"""`--dim`: a Matryoshka index records its dim, is searched at it, and refuses another dim."""

from __future__ import annotations

import pytest
from index_helpers import hit_lines

from indexer import Index
from indexer.__main__ import main


def _run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_add_with_dim_records_it_and_search_uses_it(notes, tiny_qwen3vl_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MME_DTYPE", "float32")
    index = tmp_path / "idx"
    model = str(tiny_qwen3vl_dir)
    code, _, err = _run(
        capsys, "add", notes, "--index", index, "--model", model, "--dim", "64", "--ns", "2", "--quiet"
    )
    assert (code, err) == (0, "")
    assert Index.open(str(index)).meta.dim == 64
    code, out, _ = _run(
        capsys, "search", "--index", index, "--text", "How to fix sink", "--n", "2", "-k", "2"
    )
    assert code == 0 and len(hit_lines(out)) == 2  # the index's own model and dim
    code, _, err = _run(capsys, "add", notes, "--index", index, "--model", model, "--ns", "2", "--quiet")
    assert code == 1 and "was built with" in err  # the full 128-d encoder may not write here


@pytest.mark.parametrize("dim", ["0", "abc"])
def test_bad_dim_is_a_usage_error(dim, notes, tmp_path, capsys):
    code, _, err = _run(capsys, "add", notes, "--index", tmp_path / "i", "--dim", dim)
    assert code == 2 and "--dim" in err


def test_dim_the_model_cannot_give_is_refused(notes, tiny_dsvl_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MME_DTYPE", "float32")
    args = ("add", notes, "--index", tmp_path / "i", "--model", tiny_dsvl_dir, "--dim", "32")
    code, _, err = _run(capsys, *args)
    assert code == 1 and "has no Matryoshka output dims" in err
