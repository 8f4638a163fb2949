"""CLI: `search --vectors multi --budget K` on single-vector and multi-vector indexes."""

from __future__ import annotations

import json

from index_helpers import hit_lines
from test_cli import cli  # noqa: F401  (the in-process CLI fixture)


def test_single_vector_index_refuses_multi_vector_options_before_loading_a_model(cli, notes):  # noqa: F811
    assert cli("add", notes, "--model", cli.model, "--ns", "3", "--quiet")[0] == 0
    code, out, _ = cli("stats", "--json")
    assert (json.loads(out)["vectors"], json.loads(out)["budgets"]) == ("single", [])
    code, _, err = cli("search", "--text", "sink", "--vectors", "multi", "--model", "/no/such/model")
    assert code == 2 and "holds single vectors only" in err and "cannot answer a multi-vector query" in err
    code, _, err = cli("search", "--text", "sink", "--budget", "4")
    assert code == 2 and "budget 4 asks for multi-vector search" in err
    code, _, err = cli("search", "--text", "sink", "--vectors", "single", "--budget", "4")
    assert code == 2 and "--budget 4 applies only to --vectors multi" in err
    code, _, err = cli("search", "--text", "sink", "--vectors", "many")
    assert code == 2 and "invalid choice: 'many'" in err
    code, _, err = cli("search", "--text", "sink", "--budget", "0")
    assert code == 2 and "argument --budget: must be a positive integer, got '0'" in err
    query = ("--text", "How to fix sink", "--vectors", "single", "--mode", "semantic", "-k", "2")
    code, out, _ = cli("search", *query)
    assert code == 0 and len(hit_lines(out)) == 2
