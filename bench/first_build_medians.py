"""Medians of a collection's first build, this checkout and another alternated in one sitting.

    python -m bench.first_build_medians --real /tmp/real/dishes --compare /work/wt/base --rounds 3

One first build is noisy on a shared 2-core machine (+-10 % between runs a minute apart), so
`bench.indexing_throughput`'s single side-by-side row can land either side of a target. Here each
round builds the collection once with the other checkout and once with this one, each in a fresh
process (`indexing_throughput.run_child`, the same child the throughput bench runs), and the medians
over the rounds are compared: documents/s and CPU seconds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.indexing_throughput import ROOT, run_child

NS = (1, 2, 3, 4, 6)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--real", required=True, help="the collection's folder")
    parser.add_argument("--compare", required=True, help="the other checkout (built first each round)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    trees = {"other": Path(args.compare), "this": ROOT}
    rates: dict[str, list[float]] = {name: [] for name in trees}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    for round_ in range(1, args.rounds + 1):
        for name, code in trees.items():
            work = Path(tempfile.mkdtemp(prefix="mme-medians-"))
            try:
                run = run_child(Path(args.real), work / "index", NS, args.threads, code=code, first_only=True)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            first = run["runs"][0]
            rates[name].append(first["parts"] / first["wall"])
            cpu[name].append(first["cpu"])
            said = f"round {round_} {name}: {rates[name][-1]:.1f} docs/s, {first['cpu']:.1f} CPU s"
            print(said, flush=True)
    for name, code in trees.items():
        each = ", ".join(f"{rate:.1f}" for rate in rates[name])
        print(
            f"{name} ({code}): median {statistics.median(rates[name]):.1f} docs/s ({each}), "
            f"median {statistics.median(cpu[name]):.1f} CPU s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
