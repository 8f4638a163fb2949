"""The Ray Data engine on a local Ray (2 CPUs): the same index as the local engine (ids, content hashes,
vectors to 1e-5, a multi-vector model's meta-token columns too, failures named alike), incremental on
re-runs, and clear errors for bad options."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from index_helpers import NOTES, write_note

from indexer import Index, build_index
from indexer.__main__ import main
from indexer.multivector import mv_columns
from indexer.ray_build import (
    RAY_MISSING,
    EmbedActor,
    EncoderSpec,
    RayConfig,
    build_index_ray,
    pack,
    start_ray,
)
from indexer.schema import vector_column

ray = pytest.importorskip("ray")  # in requirements-dev.txt; kept out of the base install


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_ray_engine_builds_the_same_index_as_the_local_one(
    local_ray, notes, tiny_dsvl, tiny_dsvl_dir, tmp_path, capsys
):
    local = build_index(notes, tmp_path / "local", tiny_dsvl, progress=False)
    uri = tmp_path / "ray"
    code, out, err = run(
        capsys, "add", notes, "--index", uri, "--model", tiny_dsvl_dir, "--dtype", "float32",
        "--device", "cpu", "--quiet", "--engine", "ray", "--workers", "2", "--batch-size", "2",
        "--write-batch", "2",
    )  # fmt: skip
    assert code == 0, err
    assert f"{len(NOTES)} added" in out and local.added == len(NOTES)

    on_ray, on_local = Index.open(uri), Index.open(tmp_path / "local")
    assert on_ray.content_hashes() == on_local.content_hashes()
    assert {d.id: d.segments for d in on_ray.documents()} == {d.id: d.segments for d in on_local.documents()}
    for n in on_local.meta.ns:
        got, want = on_ray.vectors(n), on_local.vectors(n)
        assert sorted(got) == sorted(want)
        for key in want:
            np.testing.assert_allclose(got[key], want[key], atol=1e-5, rtol=0)

    note = notes / "bake-bread.md"
    note.write_text(note.read_text() + "\nCool it on a rack.\n")
    spec = EncoderSpec(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    report = build_index_ray(notes, uri, tiny_dsvl, progress=False, config=RayConfig(workers=1), spec=spec)
    assert (report.added, report.updated, report.unchanged, report.failed) == (0, 1, len(NOTES) - 1, ())
    build_index(notes, tmp_path / "local", tiny_dsvl, progress=False)
    key = next(k for k in Index.open(uri).content_hashes() if "bake-bread" in k)
    edited = Index.open(uri).vectors(3, [key])[key]
    np.testing.assert_allclose(edited, Index.open(tmp_path / "local").vectors(3, [key])[key], atol=1e-5)
    again = build_index_ray(notes, uri, tiny_dsvl, progress=False, config=RayConfig(workers=1), spec=spec)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(NOTES))


def test_ray_engine_embeds_a_multi_vector_model_like_the_local_one(
    local_ray, tiny_multi, tiny_multi_dir, tmp_path
):
    """Single and meta-token vectors from the same forward on the workers, stored in the same columns."""
    notes = tmp_path / "notes"
    for name, (color, shape, text) in list(NOTES.items())[:3]:
        write_note(notes, name, color, shape, text)
    ns, spec = (1, 3), EncoderSpec(str(tiny_multi_dir), device="cpu", dtype="float32")
    build_index(notes, tmp_path / "local", tiny_multi, ns, progress=False, write_batch=2)
    report = build_index_ray(
        notes,
        tmp_path / "ray",
        tiny_multi,
        ns,
        progress=False,
        write_batch=2,
        config=RayConfig(workers=1),
        spec=spec,
    )
    assert (report.added, report.failed) == (3, ())

    on_ray, on_local = Index.open(tmp_path / "ray"), Index.open(tmp_path / "local")
    assert (on_ray.meta.vectors, on_ray.meta.budgets) == ("multi", tuple(tiny_multi.budgets))
    assert sorted(on_ray.content_hashes()) == sorted(on_local.content_hashes())
    assert on_ray.count() == 3
    columns = ["key", *map(vector_column, ns), *mv_columns(ns, on_ray.meta.budgets)]
    got = {row["key"]: row for row in on_ray.scan(columns).to_pylist()}
    want = {row["key"]: row for row in on_local.scan(columns).to_pylist()}
    assert sorted(got) == sorted(want)
    for key, row in want.items():
        for column in columns[1:]:
            np.testing.assert_allclose(
                np.array(got[key][column], np.float32), np.array(row[column], np.float32), atol=1e-5, rtol=0,
                err_msg=f"{key} {column}",
            )  # fmt: skip


def test_a_worker_names_an_undecodable_picture_as_the_person_wrote_it(
    tiny_dsvl, tiny_dsvl_dir, tmp_path, monkeypatch
):
    """The worker writes shipped pictures under its own names; its errors still name the original,
    and the copies are gone once the batch is embedded."""
    import tempfile

    from indexer.sources import read_collection

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    notes = tmp_path / "notes"
    write_note(notes, "good", "red", "circle", "A red circle.")
    write_note(notes, "bad", "blue", "square", "A blue square.")
    docs = sorted(read_collection(notes), key=lambda doc: doc.id)  # bad.md, good.md
    whole = (notes / "img" / "bad.png").read_bytes()
    (notes / "img" / "bad.png").write_bytes(whole[:60])  # header only: it fails when decoded
    spec = EncoderSpec(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    actor = EmbedActor(spec, (3,), tiny_dsvl.fingerprint, 2)
    out = actor({"position": np.array([0, 1]), "doc": np.array([pack(doc) for doc in docs], dtype=object)})
    assert out["error"][1] == ""
    assert str(notes / "img" / "bad.png") in out["error"][0] and "mme-ray-images" not in out["error"][0]
    good = tiny_dsvl.encode_all([docs[1]], ns=(3,))[3][0]
    np.testing.assert_allclose(out["vec_3"][1], good, atol=1e-5)
    assert not out["vec_3"][0].any()
    assert list(scratch.iterdir()) == []  # no picture copies left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "2"], "--workers only apply with --engine ray"),
        (["--ray-address", "auto"], "--ray-address only apply with --engine ray"),
        (["--engine", "ray", "--gpus-per-worker", "-1"], "--gpus-per-worker must not be negative, got -1"),
        (["--engine", "ray", "--workers", "0"], "must be a positive integer"),
        (["--engine", "dask"], "invalid choice: 'dask'"),
    ],
)
def test_bad_engine_options_are_usage_errors(notes, tmp_path, capsys, args, message):
    code, _, err = run(capsys, "add", notes, "--index", tmp_path / "idx", "--model", "unused", *args)
    assert code == 2 and message in err
    assert not (tmp_path / "idx").exists()


def test_missing_ray_is_named_with_the_install_command(notes, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(RuntimeError, match="pip install -r requirements-ray.txt"):
        start_ray(RayConfig())
    command = ("add", notes, "--index", tmp_path / "idx", "--engine", "ray", "--model", "never-loaded")
    code, _, err = run(capsys, *command)  # Ray is started (or found missing) before any model loads
    assert code == 1 and f"error: {RAY_MISSING}" in err
    assert not (tmp_path / "idx").exists()
