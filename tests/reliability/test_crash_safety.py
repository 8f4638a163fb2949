"""Crash safety: `python -m indexer add` SIGKILLed at seeded random points and resumed ends equal to
a clean build; a LanceDB write killed in the middle leaves the previous version readable.

After every kill the index is checked as it stands: it opens, holds no duplicate, and every row in
it is final (the same content hash and vectors as in the clean build), so a resumed run only adds
what is missing. The default run kills twice; the `slow` ones kill more often, and also during an
update (edited and deleted notes) and at more points of a write.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bench.indexing_throughput import make_collection
from indexer import Index, build_index

from .lance_rounds import (
    STEPS_PER_ROUND,
    expected_states,
    index_meta,
    observed_state,
    run_step,
    upsert_batch,
)

REPO = Path(__file__).resolve().parents[2]
WRITE_BATCH = 2  # documents per LanceDB commit: many commits, so kills land between and inside them
NOTES = 40
VECTOR_ATOL = 1e-6


def add_command(notes: Path, uri: Path, model_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "indexer", "add", str(notes), "--index", str(uri), "--model", str(model_dir),
        "--dtype", "float32", "--device", "cpu", "--quiet", "--batch-size", "1",
        "--write-batch", str(WRITE_BATCH),
    ]  # fmt: skip


def rows_in(uri: Path) -> int:
    return Index.open(uri).count() if Index.exists(uri) else 0


def table_version(uri: Path) -> int:
    return Index.open(uri).table.version if Index.exists(uri) else 0


def remaining_commits(uri: Path, target: Index) -> int:
    """Commits a run still has to make to reach `target`: one per write batch of rows missing or
    stale, plus one for deleting rows that should be gone."""
    if not Index.exists(uri):
        return -(-target.count() // WRITE_BATCH)
    have, want = Index.open(uri).content_hashes(), target.content_hashes()
    stale = sum(have.get(key) != content for key, content in want.items())
    return -(-stale // WRITE_BATCH) + (1 if set(have) - set(want) else 0)


def version_reached(uri: Path, goal: int):
    return lambda: table_version(uri) >= goal


def run_and_kill(command: list[str], ready, extra_delay: float) -> bool:
    """Start `command`, wait until `ready()` (it has committed what the caller wants), then a little
    longer (`extra_delay` s, a random fraction of a commit), and SIGKILL it. True if it was killed."""
    env = os.environ | {"PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    try:
        while process.poll() is None and time.monotonic() < deadline and not ready():
            time.sleep(0.02)
        time.sleep(extra_delay)
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    return killed


def row_states(index: Index) -> dict:
    """{key: (content hash, {n: vector})} of every row."""
    hashes = index.content_hashes()
    vectors = {n: index.vectors(n) for n in index.meta.ns}
    return {key: (content, {n: vectors[n][key] for n in vectors}) for key, content in hashes.items()}


def same_row(a, b) -> bool:
    return a[0] == b[0] and all(np.allclose(a[1][n], b[1][n], atol=VECTOR_ATOL, rtol=0) for n in b[1])


def assert_rows_are_final(uri: Path, *builds: Index) -> None:
    """Whatever a killed run left opens, holds no duplicate, and each of its rows is exactly the row
    of one of the clean `builds` (before or after the change being indexed): nothing half-written."""
    if not Index.exists(uri):
        return
    index = Index.open(uri)  # metadata and table readable
    keys = index.scan(["key"])["key"].to_pylist()
    assert len(keys) == len(set(keys)), "duplicate rows after a kill"
    wanted = [row_states(build) for build in builds]
    for key, row in row_states(index).items():
        assert any(key in rows and same_row(row, rows[key]) for rows in wanted), f"row {key} is not final"


def assert_equals_clean_build(uri: Path, clean: Index) -> None:
    index = Index.open(uri)
    keys = index.scan(["key"])["key"].to_pylist()
    assert len(keys) == len(set(keys)) == clean.count()
    assert index.content_hashes() == clean.content_hashes()
    assert sorted(d.id for d in index.documents()) == sorted(d.id for d in clean.documents())
    assert {d.id: d.segments for d in index.documents()} == {d.id: d.segments for d in clean.documents()}
    for n in clean.meta.ns:
        got, want = index.vectors(n), clean.vectors(n)
        assert sorted(got) == sorted(want)
        for key in want:
            np.testing.assert_allclose(got[key], want[key], atol=VECTOR_ATOL, rtol=0)


def kill_and_resume(notes, uri, model_dir, clean, kills: int, seed: int, before=None) -> list[dict]:
    """`kills` killed runs in a row, each resuming the last, then one run to the end; each kill lands
    after a seeded random number of that run's commits plus a random fraction of one."""
    rng = random.Random(seed)
    command = add_command(notes, uri, model_dir)
    history = []
    for _ in range(kills):
        remaining = remaining_commits(uri, clean)
        if remaining == 0:
            break
        start_version = table_version(uri)
        commits = rng.randint(1, max(1, remaining // 2))  # leave work for the kills after this one
        delay = rng.uniform(0.0, 0.25)
        killed = run_and_kill(command, version_reached(uri, start_version + commits), delay)
        history.append(
            {"after_commits": commits, "delay": round(delay, 3), "killed": killed, "rows": rows_in(uri)}
        )
        assert_rows_are_final(uri, clean, *([before] if before is not None else []))
    finished = subprocess.run(
        command, env=os.environ | {"PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=900
    )
    assert finished.returncode == 0, finished.stderr
    assert f"0 failed; {clean.count()} rows" in finished.stdout
    assert_equals_clean_build(uri, clean)
    return history


def clean_build(notes: Path, uri: Path, encoder) -> Index:
    build_index(notes, uri, encoder, progress=False, batch_size=1, write_batch=WRITE_BATCH)
    return Index.open(uri)


def test_sigkill_at_two_random_points_then_resume_equals_a_clean_build(tiny_dsvl, tiny_dsvl_dir, tmp_path):
    notes = tmp_path / "notes"
    make_collection(notes, NOTES, seed=11)
    clean = clean_build(notes, tmp_path / "clean", tiny_dsvl)
    history = kill_and_resume(notes, tmp_path / "killed", tiny_dsvl_dir, clean, kills=2, seed=0)
    assert any(e["killed"] and 0 < e["rows"] < NOTES for e in history), history
    print("kill points:", history)


def test_an_add_killed_while_creating_the_index_is_created_again_by_the_next(tiny_dsvl, tmp_path):
    """LanceDB lists a table's folder a moment before its first version is committed: a kill in that
    moment left a metadata folder that is not yet an index, and every later `add` failed on it."""
    notes = tmp_path / "notes"
    make_collection(notes, 4, seed=3)
    clean = clean_build(notes, tmp_path / "clean", tiny_dsvl)
    uri = tmp_path / "killed"
    (uri / "index_meta.lance" / "data").mkdir(parents=True)  # what the killed creation left
    assert not Index.exists(uri)  # not an index yet: searching it says so, it is not half-read
    build_index(notes, uri, tiny_dsvl, progress=False, batch_size=1, write_batch=WRITE_BATCH)
    assert_equals_clean_build(uri, clean)


@pytest.mark.slow  # 5 + 3 killed processes, ~3 min on 2 shared cores
@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_at_many_random_points_through_a_build_and_an_update(
    tiny_dsvl, tiny_dsvl_dir, tmp_path, seed
):
    notes = tmp_path / "notes"
    make_collection(notes, NOTES, seed=11)
    uri = tmp_path / "killed"
    clean = clean_build(notes, tmp_path / "clean", tiny_dsvl)
    history = kill_and_resume(notes, uri, tiny_dsvl_dir, clean, kills=5, seed=seed)
    assert sum(e["killed"] and 0 < e["rows"] < NOTES for e in history) >= 3, history
    print("build kill points:", history)

    # Update under fire: 32 notes edited, 4 deleted, 3 added; killed 3 times, resumed. (16 edits were
    # too few commits: a kill's random delay once let the run finish them all, leaving nothing to kill.)
    for i in range(0, 32):
        note = notes / f"note{i:05d}.md"
        note.write_text(note.read_text() + f"\n3. Edited step {i}.\n")
    for i in range(33, 37):  # deleted with their photos (left alone, each would be a document)
        (notes / f"note{i:05d}.md").unlink()
        for j in range(2):
            (notes / "img" / f"{i}-{j}.png").unlink()
    make_collection(tmp_path / "more", 3, seed=12)
    for i in range(3):
        (tmp_path / "more" / f"note{i:05d}.md").rename(notes / f"extra{i}.md")
        for j in range(2):
            (tmp_path / "more" / "img" / f"{i}-{j}.png").rename(notes / "img" / f"extra{i}-{j}.png")
        text = (notes / f"extra{i}.md").read_text().replace(f"img/{i}-", f"img/extra{i}-")
        (notes / f"extra{i}.md").write_text(text)
    clean_update = clean_build(notes, tmp_path / "clean-update", tiny_dsvl)
    assert clean_update.count() == NOTES - 4 + 3
    history = kill_and_resume(notes, uri, tiny_dsvl_dir, clean_update, kills=3, seed=seed + 100, before=clean)
    assert sum(e["killed"] for e in history) >= 2, history
    print("update kill points:", history)


# --- an interrupted LanceDB write ------------------------------------------------------------------


def kill_writer_once(
    uri: Path, first_round: int, last_round: int, delay: float, log: Path
) -> tuple[int, int]:
    """Run lance_writer.py over rounds, SIGKILL it `delay` s after its first write began.
    Returns (last step it finished, last step it began), global step numbers."""
    writer = Path(__file__).with_name("lance_writer.py")
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(writer), str(uri), str(first_round), str(last_round)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while "begin" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        assert process.poll() is None, f"the writer ended before it was killed:\n{log.read_text()}"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    words = log.read_text().split()
    ended = [int(n) for word, n in zip(words, words[1:], strict=False) if word == "end"]
    began = [int(n) for word, n in zip(words, words[1:], strict=False) if word == "begin"]
    before = first_round * STEPS_PER_ROUND - 1  # the last step done before the writer started
    return (ended[-1] if ended else before), (began[-1] if began else before)


def check_after_killed_write(uri: Path, ended: int, began: int) -> str:
    """The index opens and holds exactly the state after the last finished step, or after the step
    under way if its commit landed just before the kill; older versions still read."""
    states = expected_states(max(ended, began))
    index = Index.open(uri)
    observed = observed_state(index)
    legal = {ended: states[ended]} | ({began: states[began]} if began > ended else {})
    matched = [step for step, state in legal.items() if observed == state]
    assert matched, f"state matches no legal step (last ended {ended}, last began {began})"
    table = index.table
    versions = [v.version if hasattr(v, "version") else v["version"] for v in table.list_versions()]
    for version in versions[-4:]:
        table.checkout(version)
        table.count_rows()  # every recent version is readable
    table.checkout_latest()
    return "inside" if matched[0] == ended and began > ended else "between"


def fresh_rounds_index(uri: Path, rounds_done: int) -> Index:
    index = Index.open_or_create(uri, index_meta())
    for round_ in range(rounds_done):
        for step in range(STEPS_PER_ROUND):
            run_step(index, round_, step)
    return index


def test_a_lancedb_write_killed_midway_leaves_the_previous_version_readable(tmp_path):
    uri = tmp_path / "index"
    fresh_rounds_index(uri, 1)
    ended, began = kill_writer_once(
        uri, 1, 12, delay=random.Random(3).uniform(0.3, 1.5), log=tmp_path / "log"
    )
    where = check_after_killed_write(uri, ended, began)
    print(f"killed {where} commits; last step begun {began}, last finished {ended}")
    # The index takes writes again, from where it stood.
    index = Index.open(uri)
    before = index.count()
    run_step(index, 40, 0)  # 1,000 rows, none of which exist yet
    assert index.count() == before + len(upsert_batch(40)[0])


@pytest.mark.slow  # 6 writer processes loading torch, ~1.5 min
def test_lancedb_writes_killed_at_many_points(tmp_path):
    rng = random.Random(4)
    kinds = []
    for trial in range(6):
        uri = tmp_path / f"index{trial}"
        fresh_rounds_index(uri, 1)
        ended, began = kill_writer_once(uri, 1, 12, delay=rng.uniform(0.0, 3.0), log=tmp_path / f"log{trial}")
        kinds.append(check_after_killed_write(uri, ended, began))
    assert "inside" in kinds, kinds  # at least one kill hit a commit in progress
