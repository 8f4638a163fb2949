"""A Ray build (`python -m indexer add --engine ray`) SIGKILLed after some rows were written, then run
again, ends equal to an uninterrupted local build: same ids, vectors to 1e-5, no row twice.

Slow: two local Ray clusters start (~15-20 s each on 2 cores; the test took ~4 min on a busy machine),
in subprocesses so the kill takes the driver and every Ray process it started down at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from bench.indexing_throughput import make_collection
from indexer import Index, build_index

pytest.importorskip("ray")  # in requirements-dev.txt; kept out of the base install

REPO = Path(__file__).resolve().parents[2]
NOTES = 24
VECTOR_ATOL = 1e-5


def ray_add(folder: Path, uri: Path, model: Path) -> list[str]:
    return [
        sys.executable, "-m", "indexer", "add", str(folder), "--index", str(uri), "--model", str(model),
        "--dtype", "float32", "--device", "cpu", "--quiet", "--engine", "ray", "--workers", "2",
        "--batch-size", "2", "--write-batch", "2",
    ]  # fmt: skip


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the driver's process group and every process it started: Ray's actor workers start
    their own sessions, so the group alone would leave them running."""
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    for child in started:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait(timeout=30)


def rows_written(uri: Path) -> int:
    try:
        return Index.open(uri).count() if Index.exists(uri) else 0
    except Exception:  # the index is being created this instant
        return 0


@pytest.mark.slow
def test_a_killed_ray_build_resumes_to_the_local_result(tiny_dsvl, tiny_dsvl_dir, tmp_path):
    folder = tmp_path / "notes"
    make_collection(folder, NOTES, seed=5)
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    uri = tmp_path / "ray"
    process = subprocess.Popen(
        ray_add(folder, uri, tiny_dsvl_dir),
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the Ray processes it starts die with it
    )
    try:
        deadline = time.monotonic() + 300
        while rows_written(uri) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, "the Ray build ended before it could be killed"
    finally:
        kill_tree(process)
    partial = Index.open(uri)
    written = partial.count()
    assert 2 <= written < NOTES  # killed mid-run, some batches committed
    keys = partial.scan(["key"])["key"].to_pylist()
    assert len(keys) == len(set(keys))

    finished = subprocess.run(
        ray_add(folder, uri, tiny_dsvl_dir), env=env, cwd=REPO, capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    local = tmp_path / "local"
    build_index(folder, local, tiny_dsvl, progress=False)

    on_ray, on_local = Index.open(uri), Index.open(local)
    keys = on_ray.scan(["key"])["key"].to_pylist()
    assert len(keys) == len(set(keys)) == NOTES
    assert on_ray.content_hashes() == on_local.content_hashes()
    for n in on_local.meta.ns:
        got, want = on_ray.vectors(n), on_local.vectors(n)
        assert got.keys() == want.keys()
        assert max(float(np.abs(got[k] - want[k]).max()) for k in want) <= VECTOR_ATOL
