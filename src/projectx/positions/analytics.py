"""Portfolio analytics and risk figures (pure functions over P&L lists and return series).

Closed-trade statistics take the net P&L of each round trip in closing order. Value at risk is
historical: the loss not exceeded with the given confidence over one bar, from the bar returns
of the held instruments weighted by their signed notional exposure. Return series may be given
as a polars DataFrame with a ``close`` column (simple returns are taken) or as a 1-D sequence /
NumPy array that already holds returns. The per-trade figures shared with other curves (win rate,
profit factor, drawdown, Sharpe) are :mod:`projectx.analytics`'s, re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from projectx import analytics as core
from projectx.analytics import profit_factor, win_rate
from projectx.exceptions import ValidationError

__all__ = [
    "ReturnsInput",
    "correlation_risk",
    "historical_var",
    "hold_times_s",
    "max_drawdown",
    "profit_factor",
    "returns_array",
    "risk_metrics",
    "sharpe_ratio",
    "trade_statistics",
    "win_rate",
]

ReturnsInput = Any
"""A polars DataFrame with a ``close`` column, or a 1-D sequence/array of returns."""

_F64 = npt.NDArray[np.float64]


class RoundTripLike(Protocol):
    """What :func:`hold_times_s` reads of a round trip."""

    @property
    def opened_ns(self) -> int | None:
        """When it opened (epoch ns)."""
        ...

    @property
    def closed_ns(self) -> int | None:
        """When it closed (epoch ns)."""
        ...


def max_drawdown(pnls: Sequence[float], start_equity: float = 0.0) -> float:
    """Largest peak-to-trough fall (>= 0) of the equity curve ``start_equity + cumsum(pnls)``;
    the starting equity counts as a peak (:func:`projectx.analytics.drawdown`'s amount)."""
    curve = np.concatenate(([start_equity], start_equity + np.cumsum(np.asarray(pnls, float))))
    return core.drawdown(curve).max_amount


def sharpe_ratio(pnls: Sequence[float], *, periods: float = 1.0) -> float | None:
    """``mean / stdev`` (sample stdev) of per-trade P&L, times ``sqrt(periods)`` to annualise
    (:func:`projectx.analytics.annualized_sharpe` without a risk-free rate); None with fewer
    than two trades or no dispersion."""
    return core.annualized_sharpe(list(pnls), periods_per_year=periods)


def returns_array(data: ReturnsInput) -> _F64:
    """Bar returns from a polars frame (``close`` -> simple returns) or a returns sequence."""
    columns = getattr(data, "columns", None)
    if columns is not None:
        if "close" not in columns:
            raise ValidationError("a returns frame needs a 'close' column")
        closes = np.asarray(data["close"].to_numpy(), dtype=np.float64)
        closes = closes[np.isfinite(closes)]
        if closes.size < 2:
            return np.empty(0, dtype=np.float64)
        if np.any(closes[:-1] == 0.0):
            raise ValidationError("closes must be non-zero to form returns")
        out: _F64 = closes[1:] / closes[:-1] - 1.0
        return out
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 1:
        raise ValidationError(f"returns must be one-dimensional, got shape {arr.shape}")
    return arr[np.isfinite(arr)]


def _aligned(returns: Mapping[str, ReturnsInput], keys: Sequence[str]) -> _F64:
    """Matrix (bars x instruments) of the last common bars of every series."""
    series = [returns_array(returns[k]) for k in keys]
    n = min((s.size for s in series), default=0)
    if n == 0:
        return np.empty((0, len(keys)), dtype=np.float64)
    return np.column_stack([s[s.size - n :] for s in series])


def historical_var(
    exposures: Mapping[str, float],
    returns: Mapping[str, ReturnsInput],
    *,
    confidence: float = 0.95,
) -> float | None:
    """One-bar historical VaR (a positive currency amount) of signed notional ``exposures``.

    Each past bar's portfolio P&L is ``sum(exposure_i * return_i)``; VaR is minus its
    ``1 - confidence`` quantile (linear interpolation), floored at 0. None when an exposed
    instrument has no returns. Instruments without exposure are ignored.
    """
    if not 0.0 < confidence < 1.0:
        raise ValidationError(f"confidence must be in (0, 1), got {confidence}")
    keys = [k for k, v in exposures.items() if v != 0.0]
    if not keys:
        return 0.0
    if any(k not in returns for k in keys):
        return None
    matrix = _aligned(returns, keys)
    if matrix.shape[0] == 0:
        return None
    weights = np.asarray([exposures[k] for k in keys], dtype=np.float64)
    pnl = matrix @ weights
    return max(0.0, -float(np.quantile(pnl, 1.0 - confidence)))


def correlation_risk(
    exposures: Mapping[str, float], returns: Mapping[str, ReturnsInput]
) -> dict[str, Any]:
    """Correlation of the held instruments' returns and what it does to portfolio risk.

    Returns ``matrix`` (``{a: {b: corr}}``), ``max_pair`` (``(a, b, corr)`` of the most
    correlated pair, or None), ``average_correlation`` (mean off-diagonal), and
    ``diversification_ratio``: sum of stand-alone volatilities of the exposures over the
    portfolio's volatility (1.0 = no diversification; > 1 diversified; None if undefined).
    """
    keys = [k for k, v in exposures.items() if v != 0.0 and k in returns]
    out: dict[str, Any] = {
        "matrix": {},
        "max_pair": None,
        "average_correlation": None,
        "diversification_ratio": None,
    }
    if not keys:
        return out
    matrix = _aligned(returns, keys)
    if matrix.shape[0] < 2:
        return out
    sd = matrix.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(matrix, rowvar=False) if len(keys) > 1 else np.ones((1, 1))
    corr = np.atleast_2d(corr)
    out["matrix"] = {
        a: {b: float(corr[i, j]) for j, b in enumerate(keys)} for i, a in enumerate(keys)
    }
    pairs = [
        (keys[i], keys[j], float(corr[i, j]))
        for i in range(len(keys))
        for j in range(i + 1, len(keys))
        if math.isfinite(float(corr[i, j]))
    ]
    if pairs:
        out["max_pair"] = max(pairs, key=lambda p: p[2])
        out["average_correlation"] = sum(p[2] for p in pairs) / len(pairs)
    weights = np.asarray([exposures[k] for k in keys], dtype=np.float64)
    port_sd = float((matrix @ weights).std(ddof=1))
    standalone = float(np.sum(np.abs(weights) * sd))
    if port_sd > 0.0 and math.isfinite(port_sd):
        out["diversification_ratio"] = standalone / port_sd
    return out


def trade_statistics(
    pnls: Sequence[float], *, start_equity: float = 0.0, periods: float = 1.0
) -> dict[str, Any]:
    """Closed-trade statistics of the round trips' net ``pnls`` (in closing order): count, win
    rate, profit factor, max drawdown, Sharpe, average win and loss, their sum, how many won
    and lost, and the largest win and loss (None when there was none)."""
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    return {
        "trades": len(pnls),
        "win_rate": win_rate(pnls),
        "profit_factor": profit_factor(pnls),
        "max_drawdown": max_drawdown(pnls, start_equity),
        "sharpe": sharpe_ratio(pnls, periods=periods),
        "average_win": sum(wins) / len(wins) if wins else None,
        "average_loss": sum(losses) / len(losses) if losses else None,
        "net_pnl": sum(pnls),
        "winning_trades": len(wins),
        "losing_trades": len(losses),
        "largest_win": max(wins) if wins else None,
        "largest_loss": min(losses) if losses else None,
    }


def risk_metrics(
    exposure: Mapping[str, float],
    returns: Mapping[str, ReturnsInput] | None = None,
    *,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Total and net exposure of the signed ``exposure`` per instrument, and with ``returns``
    the one-bar historical VaR and the correlation risk (None without)."""
    out: dict[str, Any] = {
        "total_exposure": sum(abs(v) for v in exposure.values()),
        "net_exposure": sum(exposure.values()),
        "exposure_by_instrument": exposure,
        "var": None,
        "confidence": confidence,
        "correlation": None,
    }
    if returns is not None:
        out["var"] = historical_var(exposure, returns, confidence=confidence)
        out["correlation"] = correlation_risk(exposure, returns)
    return out


def hold_times_s(trips: Sequence[RoundTripLike]) -> list[float]:
    """Seconds each round trip was held (trips without both timestamps left out)."""
    return [
        (t.closed_ns - t.opened_ns) / 1e9
        for t in trips
        if t.opened_ns is not None and t.closed_ns is not None
    ]
