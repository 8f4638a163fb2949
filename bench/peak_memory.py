"""Peak resident memory of an indexing run, and the phase it happened in.

    python -m bench.peak_memory -- python -m indexer add FOLDER --index NEW --model demo/model

Runs the command as a child process, samples its resident size every 0.25 s (psutil) and reads the
phase from its progress bars on stderr ("encode: 40%"), then prints the peak, when and in which
phase it came, and the resident size through the run. Used for "Memory on a picture-heavy
collection" in docs/BENCHMARKS.md: a peak that grows through a phase (a high-water mark) reads
differently from one large call.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import threading
import time

import psutil

_PROGRESS = re.compile(r"(\w[\w ]*?):\s+(\d+)%")
Samples = list[tuple[float, float]]  # (seconds, MB)
Events = list[tuple[float, str, int]]  # (seconds, phase, percent)


def run(
    command: list[str], every: float = 0.25
) -> tuple[list[tuple[float, float]], list[tuple[float, str, int]]]:
    """(samples of (seconds, MB), progress events of (seconds, phase, percent)) of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    events: Events = []

    def read_progress() -> None:
        line = b""
        while chunk := child.stderr.read(1):
            line += chunk
            if chunk in (b"\r", b"\n"):
                if match := _PROGRESS.match(line.decode("utf-8", "replace").strip()):
                    events.append((time.perf_counter() - started, match.group(1), int(match.group(2))))
                line = b""

    threading.Thread(target=read_progress, daemon=True).start()
    process, samples = psutil.Process(child.pid), []
    while child.poll() is None:
        try:
            samples.append((time.perf_counter() - started, process.memory_info().rss / 2**20))
        except psutil.Error:
            break
        time.sleep(every)
    return samples, events


def phase_at(events: Events, when: float) -> str:
    seen = [f"{phase} {percent}%" for at, phase, percent in events if at <= when]
    return seen[-1] if seen else "starting"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to measure, after --")
    command = [part for part in parser.parse_args(argv).command if part != "--"]
    if not command:
        parser.error("give the command to measure after --")
    samples, events = run(command)
    if not samples:
        raise SystemExit("the command ended before a sample was taken")
    peak_at, peak = max(samples, key=lambda sample: sample[1])
    print(f"peak {peak:.0f} MB at {peak_at:.1f} s ({phase_at(events, peak_at)}), run {samples[-1][0]:.1f} s")
    for at, megabytes in samples[:: max(1, len(samples) // 20)]:
        print(f"{at:7.1f} s {megabytes:7.0f} MB  {phase_at(events, at)}")


if __name__ == "__main__":
    main()
