"""`python -m indexer`: commands, segment order, exit codes (0 ok, 2 usage, 1 error) and messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from index_helpers import NOTES, hit_lines

from indexer import Index, build_index
from indexer.__main__ import main, make_parser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tiny_dsvl_dir, tmp_path, monkeypatch, capsys):
    """run(*args) -> (exit code, stdout, stderr) of the CLI in-process, index and model preset."""
    monkeypatch.delenv("MME_MODEL", raising=False)
    monkeypatch.setenv("MME_INDEX", str(tmp_path / "idx"))
    monkeypatch.setenv("MME_DTYPE", "float32")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    run.model = str(tiny_dsvl_dir)
    return run


def test_search_segments_keep_command_line_order():
    args = make_parser().parse_args(["search", "--text", "a", "--image", "x.png", "--text", "b", "--n", "4"])
    assert args.segments == [("text", "a"), ("image", "x.png"), ("text", "b")] and args.words == []
    args = make_parser().parse_args(["search", "fix", "a", "tap", "--image", "x.png", "-k", "3"])
    assert args.words == ["fix", "a", "tap"] and args.segments == [("image", "x.png")]


def test_add_search_stats_remove(cli, notes, tmp_path):
    code, out, err = cli("add", notes, "--model", cli.model, "--ns", "1,3", "--quiet", "--write-batch", "2")
    assert (code, err) == (0, "")
    assert out.startswith("5 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 5 rows in")

    picture = notes / "img" / "fix-sink.png"
    code, out, _ = cli("search", "--text", "How to fix sink", "--image", picture, "--text", "Done", "-k", "2")
    assert code == 0 and len(hit_lines(out)) == 2
    code, out, _ = cli("search", "--image", picture, "--text", "Done.", "--n", "1", "-k", "3", "--json")
    hits = json.loads(out)
    assert code == 0 and [h["rank"] for h in hits] == [1, 2, 3]
    assert all(set(h) >= {"id", "score", "title", "source", "collection", "data"} for h in hits)
    code, out, _ = cli("search", "--text", NOTES["bake-bread"][2], "--title", "BREAD", "--json")
    assert code == 0 and [h["id"] for h in json.loads(out)] == ["notes/bake-bread.md"]

    code, out, _ = cli("stats", "--json")
    stats = json.loads(out)
    assert code == 0 and (stats["documents"], stats["ns"]) == (5, [1, 3])
    assert stats["search"] == {"1": "exact", "3": "exact"}

    code, out, _ = cli("add", notes, "--quiet")  # the index remembers its model and N set
    assert code == 0 and out.startswith("0 added, 0 updated, 5 unchanged")
    assert cli("remove", "notes/fix-sink.md")[:2] == (0, "removed 1 row matching notes/fix-sink.md\n")
    assert cli("remove", notes / "img")[0] == 1  # no document lives there
    assert cli("remove", notes)[:2] == (0, "removed collection 'notes' (4 rows)\n")
    assert cli("stats")[1].splitlines()[1] == "documents: 0"


def test_stats_reads_as_text_and_keeps_non_ascii_names(cli, tmp_path):
    """`stats` printed each collection as a dict repr and all skipped references on one line, and
    `--json` escaped a Japanese file name to \\uXXXX (seen on obsidianmd/obsidian-help ja/)."""
    notes = tmp_path / "ノート"
    notes.mkdir()
    (notes / "同期.md").write_text("同期の設定 ![x](gone.png) ![[manual.pdf]]\n", encoding="utf-8")
    assert cli("add", notes, "--model", cli.model, "--ns", "1", "--quiet")[0] == 0

    code, out, _ = cli("stats", "--json")
    assert code == 0 and "同期.md" in out and "\\u" not in out
    assert {s["reason"] for s in json.loads(out)["skipped"]} == {"missing", "unsupported type"}
    code, out, _ = cli("stats")
    lines = out.splitlines()
    assert code == 0 and not [line for line in lines if "{" in line]
    assert [line for line in lines if line.lstrip().startswith("ノート:")] == [
        f"  ノート: {notes} - 1 documents, 1 parts, 0 images, 2 skipped; updated "
        + json.loads(cli("stats", "--json")[1])["collections"][0]["updated"]
    ]
    assert "  1 skipped (missing): 同期.md (gone.png)" in lines


def test_a_forgotten_model_is_said_before_torch_or_lancedb_is_imported(notes, tmp_path):
    # They cost 10-15 s on a busy 2-core machine: a person who forgot --model must not wait for them.
    script = (
        "import sys\nfrom indexer.__main__ import main\ntry:\n    code = main(sys.argv[1:])\n"
        "except SystemExit as end:\n    code = end.code\n"
        "print(code, sorted(m for m in ('torch', 'lancedb', 'transformers') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MME_MODEL"}
    done = subprocess.run(
        [sys.executable, "-c", script, "add", str(notes), "--index", str(tmp_path / "new")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert done.stdout.split() == ["2", "[]"], done.stdout + done.stderr
    assert "no model: pass --model" in done.stderr


def test_usage_errors_exit_2(cli, notes):
    assert cli()[0] == 2
    code, _, err = cli("add", notes, "--model", cli.model, "--ns", "1,5")
    assert code == 2 and "unsupported granularity N=5; valid values are 1, 2, 3, 4, 6, 8, 12, 24, full" in err
    code, _, err = cli("add", notes, "--ns", "3")  # new index, no --model, no $MME_MODEL
    assert code == 2 and "no model: pass --model" in err
    assert f"the shipped demo model: --model {ROOT / 'demo' / 'model'}" in err  # a new user's first try
    code, _, err = cli("search", "--n", "3")
    assert code == 2 and "empty query: give words, or --text and --image" in err
    code, _, err = cli("search", "--text", "   ")
    assert code == 2 and "all text is blank" in err
    code, _, err = cli("search", "--text", "x", "-k", "0")
    assert code == 2 and "argument -k: must be a positive integer, got '0'" in err
    code, _, err = cli("add", notes, "--write-batch", "-3")
    assert code == 2 and "argument --write-batch: must be a positive integer" in err
    assert cli("add", notes, "--model", cli.model, "--ns", "3", "--quiet")[0] == 0
    code, _, err = cli("search", "--text", "x", "--n", "4")
    assert code == 2 and "N=4 is not stored in" in err and "stored N: 3" in err
    code, _, err = cli("search", "--text", "x", "--n", "huge")
    assert code == 2 and "unsupported granularity N='huge'; valid values are 1, 2, 3" in err
    code, _, err = cli("search", "--text", "x", "--mod", "keyword")  # no abbreviations of --mode/--model
    assert code == 2 and "unrecognized arguments: --mod" in err
    code, _, err = cli("search", "--text", "x", "--collection", "nope")
    assert code == 2 and "no collection named 'nope'" in err and "collections: notes" in err


def test_collections_report_and_filters(cli, notes, tmp_path):
    (notes / "garden").mkdir()
    (notes / "garden" / "roses.md").write_text("# Prune roses\n\nCut above an outward bud. ![x](gone.png)\n")
    report = tmp_path / "skipped.json"
    code, out, err = cli("add", notes, "--model", cli.model, "--ns", "3", "--quiet", "--report", report)
    assert code == 0 and out.startswith("6 added")
    assert "1 skipped (" in err and "garden/roses.md" in err
    items = json.loads(report.read_text())
    assert [(i["collection"], i["message"].count("gone.png")) for i in items] == [("notes", 1)]
    code, out, err = cli(
        "add", notes, "--quiet", "--name", "copy"
    )  # same folder, second name: no re-embedding
    assert code == 0 and "6 reused known vectors" in out

    code, out, _ = cli("collections")
    assert code == 0 and out.splitlines()[0].startswith(
        f"notes: {notes.resolve()} - 6 documents, 6 parts, 5 images"
    )
    code, out, _ = cli("collections", "--json")
    assert [(c["name"], c["documents"], c["skipped"]) for c in json.loads(out)] == [
        ("notes", 6, 1),
        ("copy", 6, 1),
    ]
    code, out, _ = cli("stats", "--json")
    assert [(s["source"], s["reason"]) for s in json.loads(out)["skipped"]] == [
        ("garden/roses.md", "missing")
    ] * 2

    code, out, _ = cli("search", "--text", "roses", "--folder", "garden", "--collection", "copy", "--json")
    assert code == 0 and [h["id"] for h in json.loads(out)] == ["copy/garden/roses.md"]
    code, out, _ = cli(
        "search", "--text", "outward bud", "--mode", "keyword", "--collection", "notes", "--json"
    )
    assert code == 0 and [(h["id"], h["mode"]) for h in json.loads(out)][:1] == [
        ("notes/garden/roses.md", "keyword")
    ]
    code, _, err = cli("search", "--text", "x", "--mode", "fuzzy")
    assert code == 2 and "invalid choice: 'fuzzy'" in err
    code, out, _ = cli("remove", "copy")
    assert code == 0 and out == "removed collection 'copy' (6 rows)\n"
    assert [c["name"] for c in json.loads(cli("collections", "--json")[1])] == ["notes"]


def test_errors_exit_1_with_one_line(cli, notes, tmp_path, tiny_qwen2vl_dir):
    def one_line_error(result, *expected):
        code, _, err = result
        assert code == 1 and err.startswith("error: ") and err.count("\n") == 1, err
        for text in expected:
            assert text in err

    one_line_error(cli("add", tmp_path / "missing", "--model", cli.model), "no such file or folder")
    one_line_error(cli("search", "--text", "x"), "no index at", "python -m indexer add PATH")
    one_line_error(cli("stats", "--index", tmp_path / "other"), "no index at")
    assert cli("add", notes, "--model", cli.model, "--ns", "3", "--quiet")[0] == 0
    one_line_error(cli("search", "--image", tmp_path / "nope.jpg"), "image not found: ")
    one_line_error(cli("remove", "nothing-like-this"), "nothing in", "matches 'nothing-like-this'")
    one_line_error(
        cli("search", "--text", "x", "--model", tiny_qwen2vl_dir),
        "was built with",
        "python -m indexer rebuild",
    )
    one_line_error(cli("add", notes, "--model", tmp_path), "holds no config.json")


def test_cli_in_a_real_process_exit_codes_and_no_traceback(tmp_path):
    env = os.environ | {"PYTHONPATH": str(ROOT), "MME_INDEX": str(tmp_path / "idx")}

    def run(*args):
        command = [sys.executable, "-m", "indexer", *map(str, args)]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    usage = run("search", "--n", "3")
    assert usage.returncode == 2 and "empty query" in usage.stderr
    missing = tmp_path / "missing"
    error = run("add", missing)
    assert error.returncode == 1 and error.stderr == f"error: no such file or folder: {missing}\n"
    assert "Traceback" not in usage.stderr + error.stderr


@pytest.mark.slow  # two real processes loading torch: ~1 min on 2 shared cores
def test_sigkill_mid_build_then_resume_equals_a_clean_build(tiny_dsvl, tiny_dsvl_dir, notes, tmp_path):
    """A real process killed with SIGKILL once some batches are committed, then run again."""
    for i in range(7):  # more notes, so the kill lands mid-build
        (notes / f"extra-{i}.md").write_text(f"# Extra {i}\n\nStep {i}: turn the valve {i} times.\n")
    uri = tmp_path / "killed"
    command = [sys.executable, "-m", "indexer", "add", str(notes), "--index", str(uri), "--model"]
    command += [str(tiny_dsvl_dir), "--dtype", "float32", "--quiet", "--write-batch", "1"]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    rows = 0
    while time.monotonic() < deadline and process.poll() is None:
        rows = Index.open(uri).count() if Index.exists(uri) else 0
        if rows >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    total = len(NOTES) + 7
    assert 2 <= rows < total, f"the build was not caught mid-way ({rows} rows)"

    resumed = subprocess.run(command, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert " 0 removed, 0 failed; 12 rows" in resumed.stdout

    build_index(notes, tmp_path / "clean", tiny_dsvl, progress=False)
    killed, clean = Index.open(uri), Index.open(tmp_path / "clean")
    assert killed.count() == clean.count() == total
    assert killed.content_hashes() == clean.content_hashes()
    for n in clean.meta.ns:
        a, b = killed.vectors(n), clean.vectors(n)
        assert sorted(a) == sorted(b)
        for key in b:
            np.testing.assert_allclose(a[key], b[key], atol=2e-5)


def test_keyword_search_quotes_where_each_note_holds_the_query_s_words(cli, notes):
    assert cli("add", notes, "--model", cli.model, "--ns", "1,3", "--quiet")[0] == 0
    code, out, _ = cli("search", "--text", "rinse warm water", "--mode", "keyword", "-k", "1")
    first, quoted = out.splitlines()
    assert code == 0 and "notes/fix-sink.md  How to fix sink  [keyword]" in first
    assert quoted == "       Unscrew the trap under the sink and rinse it with warm water."  # not the title
    typed = cli("search", "rinse", "warm", "water", "--mode", "keyword", "-k", "1")  # the words as typed
    assert typed[0] == 0 and typed[1] == out
    index = os.environ["MME_INDEX"]
    code, _, err = cli("search", "--index", notes / "nowhere", index, "rinse")  # the index typed as a word
    assert code == 2 and f"but {index} is one: python -m indexer search --index {index} rinse" in err
    code, out, _ = cli("search", "--text", "dough", "--mode", "semantic", "-k", "5")
    lines = out.splitlines()  # every note is a semantic hit; only the one holding the word is quoted
    assert code == 0 and len(lines) == 6
    assert lines[lines.index(next(x for x in lines if "notes/bake-bread.md" in x)) + 1] == (
        "       Knead the dough for ten minutes and let it rise twice."
    )


def test_search_cascade_and_its_refusals_before_any_model_loads(cli, notes, tmp_path):
    code, _, err = cli("add", notes, "--model", cli.model, "--ns", "1,3", "--quiet")
    assert (code, err) == (0, "")
    code, out, _ = cli(
        "search", "--text", NOTES["fix-sink"][2], "--cascade", "--cascade-k", "4", "-k", "3", "--json"
    )
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3 and {h["stage"] for h in hits} == {"fused"}
    assert hits[0]["id"] == "notes/fix-sink.md"
    code, out, _ = cli("search", "--text", NOTES["fix-sink"][2], "--fusion", "max-n", "-k", "2")
    assert code == 0 and "semantic, fused]" in out.splitlines()[0]  # --fusion implies --cascade
    nowhere = tmp_path / "no-such-model"  # refusals come first: the model is never looked for
    for options, message in [
        (["--cascade-k", "0"], "cascade K (candidates re-scored) must be a positive integer, got 0"),
        (["--fusion", "median"], "unknown cascade fusion 'median'; fusions are mean, max-n"),
        (["--full-top", "-1"], "cascade full_top must be a whole number >= 0, got -1"),
        (["--cascade-n", "2"], "cascade first-stage N=2 is not stored in this index; stored N: 1, 3"),
        (["--cascade", "--mode", "keyword"], "the cascade re-ranks semantic search"),
    ]:
        code, _, err = cli("search", "--text", "sink", "--model", nowhere, *options)
        assert code == 2 and message in err, (options, err)


def test_search_without_n_starts_at_the_n_the_model_measured_best(cli, notes, tmp_path, tiny_dsvl_dir):
    model = tmp_path / "model"
    model.mkdir()
    for item in Path(tiny_dsvl_dir).iterdir():
        (model / item.name).symlink_to(item)
    trained = {"1": {"MRR@10": 0.9}, "3": {"MRR@10": 0.5}}
    (model / "training_report.json").write_text(json.dumps({"recipe": {}, "trained": trained}))
    assert cli("add", notes, "--model", model, "--ns", "1,3", "--quiet")[0] == 0
    query = ("search", "--text", "How to fix sink", "--mode", "semantic", "--json")
    scores = {n: [h["score"] for h in json.loads(cli(*query, "--n", n)[1])] for n in ("1", "3")}
    assert scores["1"] != scores["3"]
    code, out, _ = cli(*query)
    assert code == 0 and [h["score"] for h in json.loads(out)] == scores["1"]


def test_the_skip_summary_names_empty_notes_and_does_not_call_a_repair_a_skip(tmp_path):
    import warnings

    from source_helpers import png, write

    from indexer.skipped import Skipped, summarise
    from indexer.sources import read_collection

    write(tmp_path / "пустая.md", "---\ntags: [заготовка]\n---\n")  # properties only, as a stub is
    write(tmp_path / "управляющие.md", "текст\x07 с символом")
    write(tmp_path / "Фото.md", "![[снимок.png]]")  # two files of that name: the nearest is used
    write(tmp_path / "图床.md", "# 笔记\n\n![](https://img.example.com/2024/a.png)\n")  # PicGo's upload
    png(tmp_path / "a/снимок.png")
    png(tmp_path / "b/снимок.png")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_collection(tmp_path)

    lines = summarise([Skipped.from_warning(w) for w in caught])

    assert sorted(lines) == [
        "1 repaired (encoding): управляющие.md",
        "1 resolved to the nearest file (ambiguous): Фото.md (![[снимок.png]])",
        "1 skipped (empty): пустая.md",
        "1 skipped (excluded): b/снимок.png",  # the farther file, shown by no note: an icon, said
        "1 skipped (remote): 图床.md (https://img.example.com/2024/a.png); `add --fetch-pictures` downloads "
        "the pictures notes show from the web",
    ]


def test_a_later_part_of_a_long_note_is_numbered_as_the_page_numbers_it(cli, tmp_path):
    """A note over the token budget is indexed in parts; the second is "part 2" in the CLI as on the
    page's cards (it said "part 1", the page "part 2", for the same part)."""
    opening = "\n".join(f"Step {i}: stir the pot and wait a while." for i in range(1, 700))
    write_note = tmp_path / "long" / "stew.md"
    write_note.parent.mkdir()
    write_note.write_text(f"# Stew\n\n{opening}\n\n## Serving\n\nLadle the zebrafish stew into bowls.\n")
    assert cli("add", write_note.parent, "--model", cli.model, "--ns", "1", "--quiet")[0] == 0
    code, out, _ = cli("search", "--text", "zebrafish", "--mode", "keyword", "-k", "1", "--json")
    (hit,) = json.loads(out)
    assert code == 0 and hit["part"] >= 1  # the note was split, and the word is in a later part
    code, out, _ = cli("search", "--text", "zebrafish", "--mode", "keyword", "-k", "1")
    assert f"long/stew.md (part {hit['part'] + 1})" in out
