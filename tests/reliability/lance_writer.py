"""Child process for the interrupted-write test: replays rounds of `lance_rounds` on an index,
printing `begin S` / `end S` around every step S (one LanceDB commit each), until killed.

    python lance_writer.py INDEX_URI FIRST_ROUND LAST_ROUND
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lance_rounds import STEPS_PER_ROUND, run_step  # noqa: E402

from indexer.store import Index  # noqa: E402


def main(uri: str, first: int, last: int) -> None:
    index = Index.open(uri)
    for round_ in range(first, last + 1):
        for step in range(STEPS_PER_ROUND):
            number = round_ * STEPS_PER_ROUND + step
            print(f"begin {number}", flush=True)
            run_step(index, round_, step)
            print(f"end {number}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
