"""Analytics against small, obviously correct reference computations."""

from __future__ import annotations

import math
import statistics

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.exceptions import ValidationError
from projectx.positions import analytics

pnl_lists = st.lists(st.integers(-500, 500).map(float), max_size=40)


def ref_max_drawdown(pnls: list[float], start: float) -> float:
    equity = [start]
    for p in pnls:
        equity.append(equity[-1] + p)
    return max(
        (equity[i] - equity[j] for i in range(len(equity)) for j in range(i, len(equity))),
        default=0.0,
    )


def ref_quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@settings(max_examples=200, deadline=None)
@given(pnl_lists, st.integers(-1000, 1000).map(float))
def test_trade_statistics_match_the_reference(pnls: list[float], start: float) -> None:
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    assert analytics.win_rate(pnls) == (len(wins) / len(pnls) if pnls else None)
    pf = analytics.profit_factor(pnls)
    if losses:
        assert pf == pytest.approx(sum(wins) / -sum(losses))
    else:
        assert pf == (math.inf if wins else None)
    assert analytics.max_drawdown(pnls, start) == pytest.approx(ref_max_drawdown(pnls, start))
    sharpe = analytics.sharpe_ratio(pnls)
    if len(pnls) >= 2 and statistics.stdev(pnls) > 0:
        assert sharpe == pytest.approx(statistics.mean(pnls) / statistics.stdev(pnls))
    else:
        assert sharpe is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(-300, 300).map(lambda x: x / 10_000), min_size=3, max_size=50),
    st.lists(st.integers(-300, 300).map(lambda x: x / 10_000), min_size=3, max_size=50),
    st.integers(-100_000, 100_000).map(float),
    st.integers(-100_000, 100_000).map(float),
)
def test_historical_var_is_the_quantile_of_past_portfolio_pnl(
    a: list[float], b: list[float], wa: float, wb: float
) -> None:
    n = min(len(a), len(b))
    a_, b_ = a[-n:], b[-n:]
    exposures = {"A": wa, "B": wb}
    var = analytics.historical_var(exposures, {"A": a, "B": b}, confidence=0.95)
    if not wa and not wb:
        assert var == 0.0
        return
    if wa and wb:  # both held: the last common bars
        pnl = [wa * x + wb * y for x, y in zip(a_, b_, strict=True)]
    elif wa:
        pnl = [wa * x for x in a]
    else:
        pnl = [wb * y for y in b]
    expected = max(0.0, -ref_quantile(pnl, 0.05))
    assert var == pytest.approx(expected, abs=1e-6)


def test_returns_come_from_closes_of_a_polars_frame() -> None:
    frame = pl.DataFrame({"close": [100.0, 110.0, 99.0, 99.0]})
    out = analytics.returns_array(frame)
    assert out.tolist() == pytest.approx([0.1, -0.1, 0.0])
    with pytest.raises(ValidationError):
        analytics.returns_array(pl.DataFrame({"open": [1.0, 2.0]}))
    with pytest.raises(ValidationError):
        analytics.returns_array(np.ones((2, 2)))


def test_correlation_risk_of_two_instruments() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(0, 0.01, 200)
    b = 0.8 * a + rng.normal(0, 0.004, 200)
    c = rng.normal(0, 0.01, 200)
    out = analytics.correlation_risk({"A": 10_000.0, "B": 5_000.0}, {"A": a, "B": b})
    assert out["matrix"]["A"]["B"] == pytest.approx(statistics.correlation(list(a), list(b)))
    assert out["max_pair"][:2] == ("A", "B")
    # opposite positions in correlated instruments hedge: diversification ratio well above 1
    hedged = analytics.correlation_risk({"A": 10_000.0, "B": -12_500.0}, {"A": a, "B": b})
    same = analytics.correlation_risk({"A": 10_000.0, "B": 12_500.0}, {"A": a, "B": b})
    assert hedged["diversification_ratio"] > same["diversification_ratio"] >= 1.0 - 1e-9
    indep = analytics.correlation_risk({"A": 1.0, "C": 1.0}, {"A": a, "C": c})
    assert abs(indep["average_correlation"]) < 0.2
    assert analytics.historical_var({"A": 1.0}, {}) is None
    with pytest.raises(ValidationError):
        analytics.historical_var({"A": 1.0}, {"A": a}, confidence=1.5)
