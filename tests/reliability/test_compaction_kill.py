"""A compaction SIGKILLed at seeded random points loses nothing: the index opens with exactly the rows
it held before, takes writes again, and a later compaction finishes the job."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from indexer import Index
from indexer.maintenance import CompactionPolicy, compact_index

from .lance_rounds import STEPS_PER_ROUND, expected_states, observed_state, run_step
from .test_crash_safety import fresh_rounds_index

ROUNDS = 3  # 9 commits, ~2,800 rows of 3 x 2048-d vectors: compaction takes long enough to be hit


def kill_compaction(uri: Path, delay: float, log: Path) -> str:
    """Run compact_writer.py on `uri`, SIGKILL it `delay` s after it began; returns its output."""
    writer = Path(__file__).with_name("compact_writer.py")
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(writer), str(uri)], stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while "begin" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    return log.read_text()


def test_compaction_killed_at_random_points_loses_nothing(tmp_path):
    source = tmp_path / "source"
    fresh_rounds_index(source, ROUNDS)
    last_step = ROUNDS * STEPS_PER_ROUND - 1
    want = expected_states(last_step)[last_step]
    assert observed_state(Index.open(source)) == want

    reference = tmp_path / "reference"  # how long a whole compaction takes, to aim the kills inside it
    shutil.copytree(source, reference)
    started = time.perf_counter()
    compact_index(Index.open(reference), CompactionPolicy(keep_for=timedelta(0)))
    full = time.perf_counter() - started

    rng = random.Random(5)
    outcomes = []
    for trial in range(3):
        uri = tmp_path / f"killed{trial}"
        shutil.copytree(source, uri)
        output = kill_compaction(uri, rng.uniform(0.0, 0.6 * full), tmp_path / f"log{trial}")
        index = Index.open(uri)
        assert observed_state(index) == want, f"rows changed by a killed compaction ({output!r})"
        outcomes.append(("finished" if "end" in output else "killed", len(index.table.list_versions())))
        run_step(index, ROUNDS, 0)  # takes writes again
        compact_index(index, CompactionPolicy(keep_for=timedelta(0)))
        assert len(index.table.list_versions()) == 1
        assert observed_state(index) == expected_states(last_step + 1)[last_step + 1]
    print(f"whole compaction {full:.2f} s; kills (outcome, versions left):", outcomes)
    assert any(outcome == "killed" for outcome, _ in outcomes), outcomes
