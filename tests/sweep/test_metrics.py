"""The figures a sweep adds to the replay report's: Sharpe per trade and exposure."""

from __future__ import annotations

import math

import polars as pl
import pytest

from projectx.sweep.metrics import exposure, sharpe

S = 1_000_000_000


def _fills(rows: list[tuple[int, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["ts_ns", "contract_id", "side", "size"], orient="row"
    ).with_columns(pl.col("side").cast(pl.Int8))


def test_sharpe_is_mean_over_sample_deviation_of_trade_pnl() -> None:
    assert sharpe([1.0, 3.0]) == pytest.approx(2.0 / math.sqrt(2.0))
    assert sharpe([-2.0, 1.0, 4.0]) == pytest.approx(1.0 / 3.0)
    assert sharpe([]) is None
    assert sharpe([5.0]) is None
    assert sharpe([2.0, 2.0]) is None


def test_exposure_is_the_share_of_market_time_in_a_position() -> None:
    # long 10 s -> 30 s, flat, short 60 s -> (still open at the end, 100 s)
    fills = _fills([(10 * S, "A", 0, 1), (30 * S, "A", 1, 1), (60 * S, "A", 1, 2)])
    assert exposure(fills, 0, 100 * S) == pytest.approx((20 + 40) / 100)
    # a reversal in one fill keeps the position open
    fills = _fills([(10 * S, "A", 0, 1), (20 * S, "A", 1, 2), (40 * S, "A", 0, 1)])
    assert exposure(fills, 0, 100 * S) == pytest.approx(0.30)
    # two contracts: open while either is
    fills = _fills(
        [(10 * S, "A", 0, 1), (20 * S, "B", 1, 1), (30 * S, "A", 1, 1), (50 * S, "B", 0, 1)]
    )
    assert exposure(fills, 0, 100 * S) == pytest.approx(0.40)
    assert exposure(_fills([]), 0, 100 * S) == 0.0
    assert exposure(fills, 5, 5) == 0.0
