"""Compaction: old versions go, the index's size follows its content, readers keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from index_helpers import NOTES

from indexer import Index, Searcher, build_index
from indexer.__main__ import main
from indexer.maintenance import CompactionPolicy, cleanup_cutoff, compact_index, parse_duration

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def versions(*minutes_ago: float) -> list[dict]:
    """Versions 1.. committed the given minutes before NOW (oldest first)."""
    return [
        {"version": i, "timestamp": NOW - timedelta(minutes=m)} for i, m in enumerate(minutes_ago, start=1)
    ]


def test_cutoff_keeps_every_version_that_was_latest_inside_the_window():
    history = versions(60, 30, 20, 5, 1)  # v3 was the latest from 20 to 5 minutes ago
    cutoff = cleanup_cutoff(history, CompactionPolicy(keep_for=timedelta(minutes=10)), NOW)
    border = NOW - cutoff
    assert [v["version"] for v in history if v["timestamp"] >= border] == [3, 4, 5]


def test_cutoff_keeps_the_newest_versions_by_count_and_nothing_when_all_are_recent():
    history = versions(60, 50, 40, 30)
    cutoff = cleanup_cutoff(history, CompactionPolicy(keep_for=timedelta(0), keep_versions=2), NOW)
    assert [v["version"] for v in history if v["timestamp"] >= NOW - cutoff] == [3, 4]
    assert cleanup_cutoff(versions(3, 2, 1), CompactionPolicy(), NOW) is None
    assert cleanup_cutoff(versions(1), CompactionPolicy(keep_for=timedelta(0)), NOW) is None
    only_latest = cleanup_cutoff(history, CompactionPolicy(keep_for=timedelta(0)), NOW)
    assert only_latest == timedelta(0)  # LanceDB never removes the latest version


@pytest.mark.parametrize("text", ["", "ten minutes", "-5m", "5w", "1.2.3h"])
def test_bad_durations_and_policies_are_refused(text):
    with pytest.raises(ValueError, match="duration .* not understood"):
        parse_duration(text)
    with pytest.raises(ValueError, match="keep_versions"):
        CompactionPolicy(keep_versions=0)
    with pytest.raises(ValueError, match="keep_for"):
        CompactionPolicy(keep_for=timedelta(seconds=-1))


def test_durations():
    assert parse_duration("0") == timedelta(0)
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("7d") == timedelta(days=7)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def edit_two_notes(notes: Path, run: int) -> None:
    for name in list(NOTES)[:2]:
        note = notes / f"{name}.md"
        note.write_text(note.read_text() + f"\nEdit {run}.\n")


def test_size_follows_content_over_incremental_runs(notes, tiny_dsvl, tmp_path):
    """Four incremental runs: without compaction the index keeps every version's files; with it the
    index ends about as large as after the first run, and holds the same rows."""
    sizes = {}
    for name, policy in {"none": None, "latest only": CompactionPolicy(keep_for=timedelta(0))}.items():
        uri = tmp_path / name
        copy = tmp_path / f"notes-{name.replace(' ', '-')}"
        copy.mkdir()
        for path in notes.rglob("*"):
            if path.is_file():
                (copy / path.relative_to(notes)).parent.mkdir(parents=True, exist_ok=True)
                (copy / path.relative_to(notes)).write_bytes(path.read_bytes())
        build_index(copy, uri, tiny_dsvl, progress=False, name="notes", write_batch=1, compaction=policy)
        first = folder_bytes(uri)
        for run in range(4):
            edit_two_notes(copy, run)
            options = {"name": "notes", "write_batch": 1, "compaction": policy}
            report = build_index(copy, uri, tiny_dsvl, progress=False, **options)
            assert report.updated == 2
        sizes[name] = (first, folder_bytes(uri), len(Index.open(uri).table.list_versions()))
    print("bytes after the first run, after four more, versions:", sizes)
    assert sizes["none"][1] > 1.5 * sizes["none"][0], sizes  # the growth the issue reports
    assert sizes["latest only"][1] < 1.2 * sizes["latest only"][0], sizes
    assert sizes["latest only"][2] == 1
    kept, grown = Index.open(tmp_path / "latest only"), Index.open(tmp_path / "none")
    assert kept.content_hashes() == grown.content_hashes()
    assert kept.documents() and {d.id for d in kept.documents()} == {d.id for d in grown.documents()}


def test_a_searcher_opened_before_a_build_keeps_working_after_the_default_compaction(
    notes, tiny_dsvl, tmp_path
):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, progress=False, write_batch=1)
    searcher = Searcher.open(uri, tiny_dsvl, warm=False)
    vector = Index.open(uri).vectors(3)
    key, probe = next(iter(vector.items()))
    edit_two_notes(notes, 0)
    build_index(notes, uri, tiny_dsvl, progress=False, write_batch=1)  # default policy
    compact_index(Index.open(uri))
    hits = searcher.search_vector(probe, n=3, k=len(NOTES))
    assert len(hits) == len(NOTES)  # the version it read was the latest moments ago: kept


def test_compact_command(notes, tiny_dsvl, tmp_path, capsys):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, progress=False, write_batch=1, compaction=None)
    before = len(Index.open(uri).table.list_versions())
    assert main(["compact", "--index", str(uri), "--keep-for", "0"]) == 0
    out = capsys.readouterr().out
    assert f"compacted {uri}:" in out and "MB ->" in out
    assert before > 1 and len(Index.open(uri).table.list_versions()) == 1
    assert len(Index.open(uri).documents()) == len(NOTES)


def test_compact_command_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compact", "--index", str(tmp_path), "--keep-for", "soon"])
    assert exit_.value.code == 2
    assert "--keep-for: duration 'soon' not understood" in capsys.readouterr().err
    assert main(["compact", "--index", str(tmp_path / "nothing-here")]) == 1
    assert f"no index at {tmp_path / 'nothing-here'}" in capsys.readouterr().err
