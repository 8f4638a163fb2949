"""Child process for the killed-compaction test: compacts an index, keeping only the latest version,
printing `begin` first; it imports no torch, so it starts fast and the kill lands in the compaction.

    python compact_writer.py INDEX_URI
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from indexer.maintenance import CompactionPolicy, compact_database  # noqa: E402
from indexer.uri import connect  # noqa: E402

if __name__ == "__main__":
    db = connect(sys.argv[1])
    print("begin", flush=True)
    report = compact_database(db, sys.argv[1], CompactionPolicy(keep_for=timedelta(0)))
    print("end", report.summary(), flush=True)
