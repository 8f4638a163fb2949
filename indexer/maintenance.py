"""Compaction: keep an index's size tracking its content, not its history.

Every LanceDB commit (each write batch, delete, metadata update) is a new table version that keeps
the files of the versions before it, so an index grows with every incremental run. `compact_index`
runs LanceDB's `optimize()` on every table of the index: small fragments are merged, indices
extended, and versions outside the `CompactionPolicy` deleted with the files only they used.

Why the retention window. A reader uses one version for each query; if cleanup deletes that
version's files the query fails ("Not found", measured). LanceDB judges a version's age by when it
was committed, not by when it stopped being the latest, so a plain `cleanup_older_than` would delete
a version that was the latest a second ago. The policy therefore keeps every version that was the
latest at some moment of the last `keep_for` (and the `keep_versions` newest). Our own readers
re-check the latest version every `indexer.uri.READ_CONSISTENCY` (5 s), so the default window of 10
minutes leaves a wide margin for them; a program that opens the table with LanceDB's default (never
re-check) and keeps it open longer than the window must reopen it. A killed compaction loses
nothing: compaction is one commit of rewritten fragments, cleanup only deletes files no kept version
uses (tests/reliability/test_compaction_kill.py).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from indexer.meta import table_names
from indexer.uri import is_local

_MARGIN = timedelta(milliseconds=500)  # slack for the clock moving between our cutoff and LanceDB's
_FOREVER = timedelta(days=36500)


@dataclass(frozen=True)
class CompactionPolicy:
    """Which old table versions compaction keeps (the latest is always kept).

    keep_for: keep every version that was the latest at some moment of this window; readers that
        re-check for new versions less often than this stay safe (see the module docstring).
    keep_versions: also keep this many newest versions (counting the latest), whatever their age.
    """

    keep_for: timedelta = timedelta(minutes=10)
    keep_versions: int = 1

    def __post_init__(self) -> None:
        if self.keep_for < timedelta(0):
            raise ValueError(f"keep_for must not be negative, got {self.keep_for}")
        if not isinstance(self.keep_versions, int) or self.keep_versions < 1:
            raise ValueError(f"keep_versions must be at least 1 (the latest), got {self.keep_versions!r}")


@dataclass(frozen=True)
class CompactionReport:
    versions_before: int
    versions_after: int
    bytes_before: int | None  # local indexes only
    bytes_after: int | None

    def summary(self) -> str:
        sizes = ""
        if self.bytes_before is not None and self.bytes_after is not None:
            sizes = f"; {self.bytes_before / 1e6:.2f} MB -> {self.bytes_after / 1e6:.2f} MB"
        return f"{self.versions_before} table versions -> {self.versions_after}{sizes}"


def parse_duration(text: str) -> timedelta:
    """A duration such as "90s", "10m", "2h", "7d", or plain seconds ("0"), as a timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match:
        raise ValueError(f"duration {text!r} not understood; use e.g. 0, 90s, 10m, 2h or 7d")
    unit = {"": "seconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: float(match.group(1))})


def cleanup_cutoff(versions: list[dict], policy: CompactionPolicy, now: datetime) -> timedelta | None:
    """The `cleanup_older_than` that keeps what `policy` asks for, or None when nothing may go.

    A version may go when it is older than the `keep_versions` newest and its successor was
    committed before the window began (then it stopped being the latest before the window)."""
    ordered = sorted(versions, key=lambda v: v["version"])
    stamps = [_utc(v["timestamp"]) for v in ordered]
    window_start = now - policy.keep_for
    keep_from = len(ordered) - policy.keep_versions  # index of the oldest version kept by count
    while keep_from > 0 and stamps[keep_from] > window_start:  # its predecessor was latest in window
        keep_from -= 1
    if keep_from <= 0:
        return None
    if keep_from == len(ordered) - 1:
        return timedelta(0)  # only the latest: LanceDB never removes the latest version
    return now - stamps[keep_from] + _MARGIN


def compact_index(index, policy: CompactionPolicy | None = None) -> CompactionReport:
    """Optimize every table of `index` (an `indexer.store.Index`) and prune versions per `policy`."""
    report = compact_database(index.db, index.uri, policy)
    index.table.checkout_latest()
    return report


def compact_database(db, uri: str, policy: CompactionPolicy | None = None) -> CompactionReport:
    """`compact_index` on a LanceDB connection (`indexer.uri.connect`), for tools that need no Index."""
    policy = policy or CompactionPolicy()
    before = _directory_bytes(uri)
    versions_before = versions_after = 0
    for name in sorted(table_names(db)):
        table = db.open_table(name)
        versions_before += len(table.list_versions())
        table.optimize(cleanup_older_than=_FOREVER)  # compact and extend indices; delete nothing yet
        cutoff = cleanup_cutoff(table.list_versions(), policy, datetime.now(UTC))
        if cutoff is not None:  # measured after compacting, so the clock moves little before cleanup
            with warnings.catch_warnings():  # LanceDB warns about a zero cutoff; ours is deliberate
                warnings.simplefilter("ignore", UserWarning)
                table.optimize(cleanup_older_than=cutoff)
        versions_after += len(table.list_versions())
    return CompactionReport(versions_before, versions_after, before, _directory_bytes(uri))


def _utc(stamp: datetime) -> datetime:
    """LanceDB reports naive local-time timestamps; compare them as aware UTC."""
    return stamp.astimezone(UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _directory_bytes(uri: str) -> int | None:
    if not is_local(uri):
        return None
    root = Path(uri.removeprefix("file://"))
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
