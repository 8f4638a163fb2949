from __future__ import annotations

import pytest
import torch

from mme_core.pooling import GRANULARITIES, check_granularity, last_token, pool_grid, pool_grids


def test_pool_grid_divisible_is_block_mean():
    grid = torch.arange(24 * 24 * 2, dtype=torch.float32).reshape(24, 24, 2)
    pooled = pool_grid(grid, 3)  # 8x8 blocks
    assert pooled.shape == (3, 3, 2)
    assert torch.allclose(pooled[1, 2], grid[8:16, 16:24].reshape(-1, 2).mean(0))


@pytest.mark.parametrize("n", [n for n in GRANULARITIES if n != "full"])
def test_every_n_divides_the_deepseek_grid(n):
    assert pool_grid(torch.randn(24, 24, 4), n).shape == (n, n, 4)


def test_non_square_and_non_divisible_grids():
    grid = torch.randn(5, 7, 3)
    pooled = pool_grid(grid, 3)
    assert pooled.shape == (3, 3, 3)
    # adaptive bins cover every token: the mean of the pooled grid of a constant grid is constant
    assert torch.allclose(pool_grid(torch.ones(5, 7, 3), 3), torch.ones(3, 3, 3))
    assert pool_grid(torch.randn(2, 9, 3), 4).shape == (2, 4, 3)  # never more rows than the grid has


def test_full_is_identity_and_batched_pooling_matches_single():
    grids = [torch.randn(24, 24, 4), torch.randn(6, 8, 4), torch.randn(24, 24, 4)]
    assert pool_grid(grids[1], "full") is grids[1]
    for single, batched in zip([pool_grid(g, 2) for g in grids], pool_grids(grids, 2), strict=True):
        assert torch.allclose(single, batched)


@pytest.mark.parametrize("bad", [5, 0, 48, "half", 2.5, True])
def test_unsupported_n_lists_valid_values(bad):
    with pytest.raises(ValueError, match="valid values are 1, 2, 3, 4, 6, 8, 12, 24, full"):
        check_granularity(bad)


def test_granularity_accepts_strings():
    assert check_granularity("3") == 3 and check_granularity("full") == "full"


def test_last_token_requires_left_padding():
    hidden = torch.randn(2, 4, 3)
    assert torch.equal(last_token(hidden, torch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]])), hidden[:, -1])
    with pytest.raises(ValueError, match="left-padded"):
        last_token(hidden, torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]))
