"""What a person may type as a query, through the library, the CLI and the app: text over the token
budget is refused with both numbers (never truncated), control characters are removed, text that is
not valid Unicode (undecodable bytes from a terminal) is refused by name, and none of it crashes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.appclient import QueueCaller
from indexer import Searcher, build_index
from indexer.__main__ import main as cli_main
from indexer.query import (
    QUERY_BUDGET,
    QueryTooLongError,
    check_query_tokens,
    clean_query_text,
    model_max_tokens,
    query_token_limit,
)
from mme_core import ImageSegment, InterleavedDoc, TextSegment

REPO = Path(__file__).resolve().parents[2]
LONG_TEXT = " ".join(f"word{i % 97} turn valve" for i in range(500))  # ~8,900 chars, ~5,900 tokens


@pytest.fixture(scope="module")
def small_index(tiny_dsvl, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("query-notes")
    for name, text in [("sink", "Unscrew the trap under the sink."), ("bread", "Knead the dough twice.")]:
        (folder / f"{name}.md").write_text(f"# {name}\n\n{text}\n")
    uri = str(tmp_path_factory.mktemp("query-index") / "idx")
    build_index(str(folder), uri, tiny_dsvl, ns=(1, 3), progress=False)
    return uri


class RecordingEncoder:
    """Forwards everything; remembers whether anything was embedded."""

    def __init__(self, inner) -> None:
        self.inner, self.encoded = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, *args, **kwargs):
        self.encoded += 1
        return self.inner.encode(*args, **kwargs)


# --- the policy, on its own ------------------------------------------------------------------------


def test_control_characters_are_removed_newlines_and_tabs_kept():
    assert clean_query_text("fix\x00 the\x07 sink\x1b[31m\x7f\x85") == ("fix the sink[31m", 5)
    assert clean_query_text("step 1\r\nstep 2\rstep\t3") == ("step 1\nstep 2\nstep\t3", 0)
    assert clean_query_text("emoji 🚰, RTL \u202e and zero-width \u200b stay") == (
        "emoji 🚰, RTL \u202e and zero-width \u200b stay",
        0,
    )


def test_undecodable_text_is_refused_naming_the_byte_and_where():
    undecodable = b"caf\xe9 au lait".decode("utf-8", "surrogateescape")  # what a terminal hands Python
    with pytest.raises(ValueError, match=r"--text 1 is not valid UTF-8 text.*byte 0xe9.*position 4"):
        clean_query_text(undecodable, "--text 1")
    with pytest.raises(ValueError, match="not valid UTF-8"):
        clean_query_text("lone \ud800 surrogate")
    with pytest.raises(ValueError, match="must be text"):
        clean_query_text(b"bytes")


def test_the_limit_is_the_budget_or_the_models_positions_whichever_is_smaller(tiny_dsvl, tiny_qwen2vl):
    assert model_max_tokens(tiny_dsvl) == model_max_tokens(tiny_qwen2vl) == 4096  # the tiny configs
    assert query_token_limit(tiny_dsvl) == QUERY_BUDGET == 4096
    assert query_token_limit(tiny_dsvl, budget=100_000) == 4096  # never past the model's positions
    assert query_token_limit(tiny_dsvl, budget=512) == 512


def test_a_query_at_the_limit_passes_one_token_more_is_refused(tiny_dsvl, image_factory):
    query = InterleavedDoc((TextSegment("fix the sink"), ImageSegment(image_factory()), TextSegment("next?")))
    tokens = tiny_dsvl.count_tokens(query, 3, prompt_name="query")
    assert check_query_tokens(tiny_dsvl, query, 3, budget=tokens) == tokens
    with pytest.raises(QueryTooLongError) as info:
        check_query_tokens(tiny_dsvl, query, 3, budget=tokens - 1)
    assert (info.value.tokens, info.value.limit) == (tokens, tokens - 1)
    assert "use fewer than its 1 images or a smaller N" in str(info.value)


# --- through the library ---------------------------------------------------------------------------


def test_the_searcher_refuses_an_over_long_query_before_embedding_it(tiny_dsvl, small_index):
    encoder = RecordingEncoder(tiny_dsvl)
    searcher = Searcher.open(small_index, encoder, warm=False)
    huge = InterleavedDoc((TextSegment(LONG_TEXT * 40),))  # ~240k tokens: minutes to embed, if allowed
    with pytest.raises(
        QueryTooLongError, match=r"the query is too long: [\d,]+ tokens at N=3, at most 4,096"
    ):
        searcher.search(huge, n=3)
    assert encoder.encoded == 0
    assert searcher.search(InterleavedDoc((TextSegment("sink"),)), n=3, k=2)  # a normal query still works
    assert encoder.encoded == 1


# --- through the CLI -------------------------------------------------------------------------------


def run_cli(capsys, *args) -> tuple[int, str, str]:
    try:
        code = cli_main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_refuses_an_over_long_query_with_exit_2(small_index, capsys):
    code, out, err = run_cli(
        capsys, "search", "--index", small_index, "--dtype", "float32", "--text", LONG_TEXT
    )
    assert code == 2 and out == ""
    assert "the query is too long" in err and "at most 4,096" in err and "Traceback" not in err


def test_cli_removes_control_characters_with_a_warning(small_index, capsys):
    code, out, err = run_cli(capsys, "search", "--index", small_index, "--dtype", "float32", "--text", "sink")
    clean_hits = out
    code, out, err = run_cli(
        capsys, "search", "--index", small_index, "--dtype", "float32", "--text", "si\x00nk\x1b"
    )
    assert code == 0 and out == clean_hits
    assert "warning: removed 2 control character(s) from the query text" in err
    code, _, err = run_cli(capsys, "search", "--index", small_index, "--text", "\x00\x07")
    assert code == 2 and "all text is blank" in err


def test_cli_refuses_undecodable_text(small_index, capsys):
    undecodable = b"caf\xe9".decode("utf-8", "surrogateescape")
    code, _, err = run_cli(capsys, "search", "--index", small_index, "--text", "ok", "--text", undecodable)
    assert code == 2 and "--text number 2 is not valid UTF-8 text" in err and "byte 0xe9" in err


def test_cli_in_a_real_process_given_latin1_bytes_exits_2_without_a_traceback(small_index):
    """The bytes a Latin-1 terminal sends for "café", in a UTF-8 locale."""
    env = os.environ | {"PYTHONPATH": str(REPO), "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    command = [sys.executable.encode(), b"-m", b"indexer", b"search", b"--index", small_index.encode()]
    result = subprocess.run([*command, b"--text", b"caf\xe9"], env=env, capture_output=True, timeout=600)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "not valid UTF-8 text" in stderr and "byte 0xe9" in stderr and "Traceback" not in stderr


# --- through the app -------------------------------------------------------------------------------


def test_app_api_refuses_over_long_and_undecodable_queries_and_cleans_control_characters(live_app):
    from gradio_client import Client

    client = Client(live_app[0], verbose=False)
    with pytest.raises(Exception, match=r"the query is too long: [\d,]+ tokens at N=3, at most 4,096"):
        client.predict([LONG_TEXT], 3, 5, api_name="/search")
    # httpx (so gradio_client) cannot even encode a lone surrogate; raw JSON can carry one.
    undecodable = QueueCaller(live_app[0]).call(
        QueueCaller(live_app[0]).event("search"),
        [["ok", "a\udcff"], 3, 5, "", None, None, None, "", None, None, "", False, ""],
    )
    assert not undecodable.success and "query item 2 is not valid UTF-8 text" in undecodable.error
    with pytest.raises(Exception, match="the query is empty"):
        client.predict(["\x00\x07", "  "], 3, 5, api_name="/search")
    clean = client.predict(["fold the paper in half"], 3, 5, api_name="/search")
    noisy = client.predict(["fold\x00 the paper\x1b in\x07 half"], 3, 5, api_name="/search")
    assert [(h["id"], h["score"]) for h in noisy] == [(h["id"], h["score"]) for h in clean]


# mode, collections, folder, tags, budget, cascade, language of translated pages, every language, taken
PAGE_CHOICES = ["hybrid", [], "", [], 0, False, "", False, ""]


def test_app_page_shows_the_refusals_inline(live_app):
    caller = QueueCaller(live_app[0])
    search = caller.event("search_1")  # the Search button
    for items, message in [
        ([{"type": "text", "text": LONG_TEXT}], "the query is too long"),
        ([{"type": "text", "text": "bad \udcff"}], "not valid UTF-8 text"),
        ([{"type": "text", "text": "\x00"}], "the query is empty"),
    ]:
        outcome = caller.call(search, [items, 3, 5, *PAGE_CHOICES])
        assert outcome.success and "mme-error" in outcome.data[0] and message in outcome.data[0], outcome
    outcome = caller.call(search, [[{"type": "text", "text": "fold\x00 the paper"}], 3, 5, *PAGE_CHOICES])
    assert outcome.success and "mme-error" not in outcome.data[0]
