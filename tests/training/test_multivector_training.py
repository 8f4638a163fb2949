"""Multi-vector training: Matryoshka MaxSim loss values, loss falling at every budget, exact resume."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from mme_core import MMEEncoder
from mme_core.multivector import META_TOKENS_FILE
from mme_core.training import TrainConfig
from mme_core.training.cli import main as train_main
from mme_core.training.loop import train
from mme_core.training.multivector_loss import matryoshka_maxsim_losses

BUDGETS = (1, 2, 4)


def test_equal_scores_give_log_of_the_candidate_count_at_every_budget():
    queries = torch.zeros(3, 2, 4)
    queries[..., 0] = 1.0  # every vector the same: every MaxSim score equal
    docs = queries.repeat(1, 2, 1)  # (3, 4, 4)
    negatives = docs.unsqueeze(1).repeat(1, 2, 1, 1)  # (3, 2, 4, 4)
    losses = matryoshka_maxsim_losses(queries, docs, negatives, BUDGETS, 0.05)
    assert set(losses) == set(BUDGETS)
    for value in losses.values():
        assert value.item() == pytest.approx(math.log(3 + 6), rel=1e-6)


def test_maxsim_loss_matches_a_hand_computed_case():
    # Query 0's two vectors each find a perfect match in doc 0 and a cosine 0 in doc 1.
    queries = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])  # (2, 2, 2)
    docs = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, -1.0]]])  # (2, 2, 2)
    losses = matryoshka_maxsim_losses(queries, docs, None, (1, 2), temperature=1.0)
    # budget 1: query 0 (1,0) -> doc 0 (1,0) = 1, doc 1 (-1,0) = -1; query 1 (0,1) -> 0 and 0
    assert losses[1].item() == pytest.approx((-math.log(math.e / (math.e + 1 / math.e)) + math.log(2)) / 2)
    # budget 2 (mean over 2 query vectors): query 0 -> (1 + 1) / 2 = 1 vs (0 + 0) / 2 = 0
    q0 = -math.log(math.e / (math.e + 1))
    # query 1 vectors (0,1),(1,0): doc 0 -> (1 + 1) / 2 = 1 is NOT its target; doc 1 -> 0
    q1 = -math.log(1 / (1 + math.e))
    assert losses[2].item() == pytest.approx((q0 + q1) / 2, rel=1e-6)


def test_loss_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"\(B, M, D\)"):
        matryoshka_maxsim_losses(torch.zeros(2, 4), torch.zeros(2, 4), None, (1,), 0.05)
    with pytest.raises(ValueError, match="at least one budget"):
        matryoshka_maxsim_losses(torch.zeros(2, 1, 4), torch.zeros(2, 1, 4), None, (), 0.05)


def mv_config(mini_tiir, tiny_dsvl_dir, out, **options) -> TrainConfig:
    values = dict(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(out), strategy="random", ns=(1, 2),
        batch_size=8, num_negatives=1, learning_rate=5e-3, max_steps=8, warmup_steps=1, seed=0,
        meta_tokens=(2, 4), budgets=BUDGETS,
    )  # fmt: skip
    return TrainConfig(**{**values, **options})


def test_loss_falls_at_every_budget_and_the_head_loads_with_the_adapter(mini_tiir, tiny_dsvl_dir, tmp_path):
    result = train(mv_config(mini_tiir, tiny_dsvl_dir, tmp_path / "run"), progress=False)
    rows = [json.loads(line) for line in result.log_path.read_text().splitlines()]

    def mean_loss(part, suffix):
        return np.mean([v for r in part for k, v in r["pairs"].items() if k.endswith(suffix)])

    for budget in BUDGETS:
        first, last = mean_loss(rows[:3], f"@{budget}"), mean_loss(rows[-3:], f"@{budget}")
        assert last < first - 0.1, (budget, first, last)
    assert (result.final_dir / META_TOKENS_FILE).is_file()
    encoder = MMEEncoder.from_pretrained(
        str(tiny_dsvl_dir), adapter=str(result.final_dir), device="cpu", dtype="float32"
    )
    assert encoder.meta_tokens == (2, 4) and encoder.budgets == BUDGETS


def test_multi_vector_run_resumes_exactly(mini_tiir, tiny_dsvl_dir, tmp_path):
    out = tmp_path / "run"
    config = mv_config(mini_tiir, tiny_dsvl_dir, out, max_steps=4, save_every=2, lora_dropout=0.3)
    straight = train(config, progress=False)
    straight_head = load_file(out / "adapter" / META_TOKENS_FILE)
    resumed = train(config, resume=str(out / "checkpoint-000002"), progress=False)
    assert resumed.losses == straight.losses[2:]  # bit-identical
    resumed_head = load_file(out / "adapter" / META_TOKENS_FILE)
    assert all(torch.equal(straight_head[k], resumed_head[k]) for k in ("query", "document"))
    # A single-vector run cannot continue a multi-vector checkpoint.
    single = mv_config(mini_tiir, tiny_dsvl_dir, out, max_steps=4, meta_tokens=(), budgets=())
    with pytest.raises(ValueError, match="meta_tokens"):
        train(single, resume=str(out / "checkpoint-000002"), progress=False)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--meta-tokens", "4"], "two counts Q,D"),
        (["--meta-tokens", "4,4", "--budgets", "1,8"], "ascending distinct vector counts from 1 to 4"),
        (["--budgets", "1,2"], "budgets need meta_tokens"),
    ],
)
def test_cli_refuses_bad_multi_vector_flags(mini_tiir, tmp_path, capsys, flags, message):
    code = train_main(["--model", "x", "--data", str(mini_tiir), "--out", str(tmp_path / "o"), *flags])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
