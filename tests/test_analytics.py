"""projectx.analytics: return, drawdown and trade statistics against direct computations."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from projectx import analytics
from projectx.exceptions import ValidationError


def test_annualized_sharpe() -> None:
    r = np.array([0.01, -0.02, 0.015, 0.003])
    expected = (r.mean() * 12 - 0.01) / (r.std(ddof=1) * math.sqrt(12))
    assert analytics.annualized_sharpe(
        r, risk_free_rate=0.01, periods_per_year=12
    ) == pytest.approx(expected)
    assert analytics.annualized_sharpe([0.01]) is None
    assert analytics.annualized_sharpe(pl.Series([None, 0.01, 0.02])) is not None
    with pytest.raises(ValidationError):
        analytics.annualized_sharpe(r, periods_per_year=0)


def test_drawdown() -> None:
    d = analytics.drawdown([100.0, 120.0, 90.0, 95.0, 130.0, 125.0])
    assert d.max_fraction == pytest.approx(30 / 120) and d.max_amount == 30.0
    assert d.max_duration == 2
    assert analytics.drawdown([]) == analytics.Drawdown(0.0, 0.0, 0)


def test_volatility_metrics() -> None:
    r = [0.01, 0.02, -0.01, 0.0, 0.03]
    v = analytics.volatility_metrics(r, window=3)
    assert v is not None
    assert v.volatility == pytest.approx(np.std(r, ddof=1))
    windows = [np.std(r[i : i + 3], ddof=1) for i in range(3)]
    assert v.rolling_max == pytest.approx(max(windows))
    assert analytics.volatility_metrics(r, window=10).rolling_mean is None  # type: ignore[union-attr]
    assert analytics.volatility_metrics([]) is None


def test_correlation_matrix_uses_pairwise_rows() -> None:
    f = pl.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [2.0, 4.0, 5.0, 8.0], "k": [1, 1, 1, 1]})
    m = analytics.correlation_matrix(f, ["a", "b", "k"])
    assert m["a"]["b"] == pytest.approx(1.0) and m["a"]["k"] is None and m["b"]["b"] == 1.0
    with pytest.raises(ValidationError):
        analytics.correlation_matrix(f, ["zz"])


def test_trade_performance() -> None:
    p = analytics.trade_performance([100.0, -50.0, 0.0, 25.0], 1000.0)
    assert p is not None
    assert (p.total_trades, p.total_pnl, p.win_rate) == (4, 75.0, 0.5)
    assert p.profit_factor == 125.0 / 50.0 and p.expectancy == 75.0 / 4
    assert p.max_drawdown == pytest.approx(50 / 1100) and p.max_drawdown_duration == 3
    assert analytics.trade_performance([], 1000.0) is None
    assert analytics.trade_performance([0.0], 1000.0).profit_factor is None  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        analytics.trade_performance([math.nan], 1000.0)


def test_double_tops_bottoms() -> None:
    prices = [10.0] * 4 + [8.0] + [10.0] * 2 + [8.1] + [10.0] * 6
    _, bottoms = analytics.double_tops_bottoms(prices, window=4)
    assert bottoms[0] == analytics.PricePattern(4, 7, 8.0, 2.0)
    _, none = analytics.double_tops_bottoms(prices, window=4, tolerance=0.001)
    assert none == []
    with pytest.raises(ValidationError):
        analytics.double_tops_bottoms([1.0, -1.0], window=1)
