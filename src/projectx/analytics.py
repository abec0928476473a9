"""Performance analytics of return series, price/equity curves and closed trades.

Pure functions over numbers (no I/O, no managers): annualised Sharpe ratio with a risk-free rate,
drawdown of a curve (depth as a fraction of the running peak, and the longest underwater
stretch), volatility metrics, a Pearson correlation matrix, closed-trade performance on an
account balance, and double top/bottom detection. Null and non-finite values are dropped from
return series; a series too short for a statistic gives ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx.exceptions import ValidationError

__all__ = [
    "Drawdown",
    "PricePattern",
    "TradePerformance",
    "VolatilityMetrics",
    "annualized_sharpe",
    "correlation_matrix",
    "double_tops_bottoms",
    "drawdown",
    "profit_factor",
    "trade_performance",
    "volatility_metrics",
    "win_rate",
]

_F64 = npt.NDArray[np.float64]


def _finite(values: Sequence[float | None] | _F64 | pl.Series, name: str) -> _F64:
    if isinstance(values, pl.Series):
        values = values.cast(pl.Float64, strict=False).to_numpy()
    try:
        arr = np.asarray(
            [np.nan if v is None else v for v in values] if isinstance(values, list) else values,
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be numbers") from None
    if arr.ndim != 1:
        raise ValidationError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr[np.isfinite(arr)]


def _check_positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValidationError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def annualized_sharpe(
    returns: Sequence[float | None] | _F64 | pl.Series,
    *,
    risk_free_rate: float = 0.0,
    periods_per_year: float = 252.0,
) -> float | None:
    """``(mean * P - risk_free_rate) / (stdev * sqrt(P))`` of per-period ``returns`` (sample
    stdev, ``P = periods_per_year``; ``risk_free_rate`` is annual). None with fewer than two
    returns or no dispersion."""
    periods = _check_positive(periods_per_year, "periods_per_year")
    arr = _finite(returns, "returns")
    if arr.size < 2:
        return None
    sd = float(arr.std(ddof=1))
    if sd == 0.0:
        return None
    return (float(arr.mean()) * periods - risk_free_rate) / (sd * math.sqrt(periods))


@dataclass(frozen=True, slots=True)
class Drawdown:
    """Drawdown of a curve: ``max_fraction`` (>= 0; 0.1 = 10 % below the running peak),
    ``max_amount`` (in the curve's units) and ``max_duration`` (the most consecutive points
    below the running peak)."""

    max_fraction: float
    max_amount: float
    max_duration: int


def drawdown(values: Sequence[float | None] | _F64 | pl.Series) -> Drawdown:
    """Drawdown of a price or equity curve; the first point is the first peak. A fraction is
    relative to a positive peak (0 while the peak is not positive)."""
    arr = _finite(values, "values")
    if arr.size == 0:
        return Drawdown(0.0, 0.0, 0)
    peak = np.maximum.accumulate(arr)
    gap = peak - arr
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(peak > 0, gap / peak, 0.0)
    longest = run = 0
    for below in gap > 0:
        run = run + 1 if below else 0
        longest = max(longest, run)
    return Drawdown(float(fraction.max()), float(gap.max()), longest)


@dataclass(frozen=True, slots=True)
class VolatilityMetrics:
    """Dispersion of per-period returns; ``rolling_*`` are over the rolling stdev of
    ``window`` returns (None when the series is shorter than ``window``)."""

    volatility: float
    annualized_volatility: float
    mean_return: float
    annualized_return: float
    rolling_mean: float | None
    rolling_max: float | None
    rolling_min: float | None


def volatility_metrics(
    returns: Sequence[float | None] | _F64 | pl.Series,
    *,
    window: int = 20,
    periods_per_year: float = 252.0,
) -> VolatilityMetrics | None:
    """Volatility (sample stdev), its annualisation (``* sqrt(P)``), the mean return and its
    annualisation (``* P``), and the rolling-volatility summary. None without returns."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise ValidationError(f"window must be an int >= 2, got {window!r}")
    periods = _check_positive(periods_per_year, "periods_per_year")
    arr = _finite(returns, "returns")
    if arr.size == 0:
        return None
    sd = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    mean = float(arr.mean())
    rolling: tuple[float | None, float | None, float | None] = (None, None, None)
    if arr.size >= window:
        windows = np.lib.stride_tricks.sliding_window_view(arr, window)
        stds = windows.std(axis=1, ddof=1)
        rolling = (float(stds.mean()), float(stds.max()), float(stds.min()))
    return VolatilityMetrics(
        sd, sd * math.sqrt(periods), mean, mean * periods, rolling[0], rolling[1], rolling[2]
    )


def correlation_matrix(
    frame: pl.DataFrame, columns: Sequence[str]
) -> dict[str, dict[str, float | None]]:
    """Pearson correlation of every pair of ``columns`` over the rows where both are present
    (``{a: {b: r}}``; 1.0 on the diagonal; None where undefined: fewer than two rows or a
    constant column)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(f"frame has no column(s) {', '.join(missing)}")
    out: dict[str, dict[str, float | None]] = {a: {} for a in columns}
    for i, a in enumerate(columns):
        out[a][a] = 1.0
        for b in columns[i + 1 :]:
            pair = frame.select(
                pl.col(a).cast(pl.Float64).alias("a"), pl.col(b).cast(pl.Float64).alias("b")
            ).drop_nulls()
            x, y = pair["a"].to_numpy(), pair["b"].to_numpy()
            keep = np.isfinite(x) & np.isfinite(y)
            x, y = x[keep], y[keep]
            r: float | None = None
            if x.size >= 2 and x.std() > 0 and y.std() > 0:
                r = float(np.corrcoef(x, y)[0, 1])
            out[a][b] = out[b][a] = r
    return out


@dataclass(frozen=True, slots=True)
class TradePerformance:
    """Performance of closed trades on an account: counts, P&L, the equity curve's drawdown
    (``max_drawdown`` a fraction of the running peak, ``max_drawdown_duration`` in trades) and
    ``expectancy`` (mean P&L per trade)."""

    total_trades: int
    total_pnl: float
    total_return: float
    win_rate: float
    profit_factor: float | None
    avg_win: float
    avg_loss: float
    max_drawdown: float
    max_drawdown_duration: int
    expectancy: float
    gross_profit: float
    gross_loss: float
    largest_win: float
    largest_loss: float


def win_rate(pnls: Sequence[float]) -> float | None:
    """Fraction of trades with P&L > 0 (None without trades)."""
    if not pnls:
        return None
    return sum(1 for p in pnls if p > 0) / len(pnls)


def profit_factor(pnls: Sequence[float]) -> float | None:
    """Gross profit / gross loss; ``inf`` with profits and no loss; None without trades or when
    there is neither profit nor loss."""
    gains = sum(p for p in pnls if p > 0)
    losses = -sum(p for p in pnls if p < 0)
    if losses == 0:
        return math.inf if gains > 0 else None
    return gains / losses


def trade_performance(pnls: Sequence[float], initial_balance: float) -> TradePerformance | None:
    """Closed-trade performance of net ``pnls`` (closing order) from ``initial_balance``.

    ``profit_factor`` is gross profit / gross loss (``inf`` with profits and no loss, None
    with neither); ``total_return`` is total P&L / ``initial_balance``. None without trades.
    """
    balance = _check_positive(initial_balance, "initial_balance")
    values = _finite(list(pnls), "pnls")
    if values.size != len(pnls):
        raise ValidationError("pnls must be finite numbers")
    if values.size == 0:
        return None
    wins, losses = values[values > 0], values[values < 0]
    gross_profit, gross_loss = float(wins.sum()), float(-losses.sum())
    factor = profit_factor(values.tolist())
    curve = drawdown(np.concatenate(([balance], balance + np.cumsum(values))))
    total = float(values.sum())
    return TradePerformance(
        total_trades=int(values.size),
        total_pnl=total,
        total_return=total / balance,
        win_rate=wins.size / values.size,
        profit_factor=factor,
        avg_win=float(wins.mean()) if wins.size else 0.0,
        avg_loss=float(losses.mean()) if losses.size else 0.0,
        max_drawdown=curve.max_fraction,
        max_drawdown_duration=curve.max_duration,
        expectancy=total / values.size,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        largest_win=float(values.max()),
        largest_loss=float(values.min()),
    )


@dataclass(frozen=True, slots=True)
class PricePattern:
    """A double top or bottom: the two extremes' positions, the first one's price and the
    ``strength`` (high - low of the window around the first extreme)."""

    index1: int
    index2: int
    price: float
    strength: float


def double_tops_bottoms(
    prices: Sequence[float], *, window: int = 20, tolerance: float = 0.02
) -> tuple[list[PricePattern], list[PricePattern]]:
    """``(double_tops, double_bottoms)`` of ``prices``.

    A point ``i`` (with ``window`` points on each side) that is the highest (lowest) of
    ``prices[i - window : i + window + 1]`` starts a double top (bottom) when a later point ``j``
    in ``[i + window // 2, i + window)`` is within ``tolerance`` (relative) of its price; the
    first such ``j`` is taken.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValidationError(f"window must be an int >= 1, got {window!r}")
    if not 0 < tolerance < 1:
        raise ValidationError(f"tolerance must be in (0, 1), got {tolerance!r}")
    arr = np.asarray(prices, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValidationError("prices must be finite and > 0")
    tops: list[PricePattern] = []
    bottoms: list[PricePattern] = []
    n = arr.size
    for i in range(window, n - window):
        around = arr[i - window : i + window + 1]
        high, low, price = float(around.max()), float(around.min()), float(arr[i])
        later = arr[i + window // 2 : min(i + window, n)]
        close = np.nonzero(np.abs(later - price) / price < tolerance)[0]
        if close.size == 0:
            continue
        j = i + window // 2 + int(close[0])
        if price == high:
            tops.append(PricePattern(i, j, price, high - low))
        if price == low:
            bottoms.append(PricePattern(i, j, price, high - low))
    return tops, bottoms
