from __future__ import annotations

import math

import pytest
import torch

from mme_core.training.loss import InfoNCELoss, info_nce_loss


def eye(n: int) -> torch.Tensor:
    return torch.eye(n)


def test_all_zero_scores_give_log_batch_size():
    queries, positives = torch.zeros(4, 8), torch.zeros(4, 8)
    assert info_nce_loss(queries, positives).item() == pytest.approx(math.log(4))


def test_all_zero_scores_with_hard_negatives_give_log_of_candidate_count():
    queries, positives, negatives = torch.zeros(4, 8), torch.zeros(4, 8), torch.zeros(4, 3, 8)
    assert info_nce_loss(queries, positives, negatives).item() == pytest.approx(math.log(4 + 4 * 3))


def test_identical_embeddings_everywhere_are_indistinguishable():
    row = torch.nn.functional.normalize(torch.arange(1.0, 6.0), dim=0)
    same = row.expand(3, 5)
    assert info_nce_loss(same, same).item() == pytest.approx(math.log(3))


def test_query_identical_to_its_own_positive_orthogonal_to_others():
    # scores: diagonal 1/T, off-diagonal 0  =>  loss = log(1 + (B-1) e^{-1/T})
    for temperature in (1.0, 0.5, 0.05):
        expected = math.log(1 + 3 * math.exp(-1 / temperature))
        loss = info_nce_loss(eye(4), eye(4), temperature=temperature)
        assert loss.item() == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_hard_negatives_are_counted_for_every_query():
    # B=2, K=1, T=1. Candidates in order: p0=e0, p1=e1, n0=e0, n1=-e1.
    queries = positives = eye(2)
    negatives = torch.tensor([[[1.0, 0.0]], [[0.0, -1.0]]])
    row0 = math.log(math.e + 1 + math.e + 1) - 1  # scores (1, 0, 1, 0)
    row1 = math.log(1 + math.e + 1 + math.exp(-1)) - 1  # scores (0, 1, 0, -1)
    loss = info_nce_loss(queries, positives, negatives, temperature=1.0)
    assert loss.item() == pytest.approx((row0 + row1) / 2, rel=1e-6)
    assert loss.item() > info_nce_loss(queries, positives, temperature=1.0).item()


def test_hand_computed_general_case():
    queries = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    positives = torch.tensor([[0.8, 0.6], [0.0, 1.0]])
    t = 0.5
    s = [[0.8 / t, 0.0 / t], [(0.48 + 0.48) / t, 0.8 / t]]
    expected = (
        -s[0][0]
        + math.log(math.exp(s[0][0]) + math.exp(s[0][1]))
        - s[1][1]
        + math.log(math.exp(s[1][0]) + math.exp(s[1][1]))
    ) / 2
    assert info_nce_loss(queries, positives, temperature=t).item() == pytest.approx(expected, rel=1e-6)


def test_default_temperature_is_005():
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    positives = torch.tensor([[0.6, 0.8], [0.8, 0.6]])
    explicit = info_nce_loss(queries, positives, temperature=0.05)
    assert info_nce_loss(queries, positives).item() == pytest.approx(explicit.item())
    assert InfoNCELoss()(queries, positives).item() == pytest.approx(explicit.item())


@pytest.mark.parametrize("temperature", [0, 0.0, -0.05, float("nan"), "0.05", None])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match="temperature"):
        info_nce_loss(eye(2), eye(2), temperature=temperature)
    with pytest.raises(ValueError, match="temperature"):
        InfoNCELoss(temperature)


def test_shape_errors_name_the_problem():
    with pytest.raises(ValueError, match="same shape"):
        info_nce_loss(torch.zeros(2, 4), torch.zeros(3, 4))
    with pytest.raises(ValueError, match=r"\(B, D\)"):
        info_nce_loss(torch.zeros(4), torch.zeros(4))
    with pytest.raises(ValueError, match=r"\(B, K, D\)"):
        info_nce_loss(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"\(B, K, D\)"):
        info_nce_loss(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(3, 1, 4))
    with pytest.raises(ValueError, match="empty batch"):
        info_nce_loss(torch.zeros(0, 4), torch.zeros(0, 4))


def test_gradient_pulls_query_towards_its_positive():
    queries = torch.nn.functional.normalize(
        torch.randn(4, 6, generator=torch.Generator().manual_seed(0)), dim=1
    )
    queries.requires_grad_(True)
    positives = torch.nn.functional.normalize(
        torch.randn(4, 6, generator=torch.Generator().manual_seed(1)), dim=1
    )
    loss = info_nce_loss(queries, positives)
    loss.backward()
    with torch.no_grad():
        stepped = queries - 1e-3 * queries.grad
        assert info_nce_loss(stepped, positives).item() < loss.item()


def test_ignored_candidates_leave_the_softmax():
    queries, positives = torch.zeros(2, 4), torch.zeros(2, 4)
    ignore = torch.tensor([[False, True], [False, False]])  # query 0's only negative is a duplicate
    loss = info_nce_loss(queries, positives, ignore=ignore)
    assert loss.item() == pytest.approx((0.0 + math.log(2)) / 2)
    with pytest.raises(ValueError, match="own positive"):
        info_nce_loss(queries, positives, ignore=torch.tensor([[True, False], [False, False]]))
    with pytest.raises(ValueError, match=r"ignore must be \(B, B \+ B\*K\)"):
        info_nce_loss(queries, positives, ignore=torch.zeros(2, 3, dtype=torch.bool))


def test_similarities_stay_fp32_inside_bf16_autocast():
    # Near-parallel unit vectors: their cosines differ in the 3rd-4th decimal, below bf16's
    # resolution near 1, so bf16 logits at T=0.05 would shift the loss by ~1e-2.
    generator = torch.Generator().manual_seed(0)
    base = torch.nn.functional.normalize(torch.randn(1, 64, generator=generator), dim=1)
    noise = 0.03 * torch.randn(6, 64, generator=generator)
    queries = torch.nn.functional.normalize(base + noise[:3], dim=1)
    positives = torch.nn.functional.normalize(base + noise[3:], dim=1)
    exact = info_nce_loss(queries.double(), positives.double()).item()
    bf16_logits = torch.nn.functional.cross_entropy(
        (queries.bfloat16() @ positives.bfloat16().T).float() / 0.05, torch.arange(3)
    ).item()
    assert abs(bf16_logits - exact) > 1e-3  # the case really is sensitive to bf16 rounding
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = info_nce_loss(queries, positives)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(exact, abs=1e-5)
