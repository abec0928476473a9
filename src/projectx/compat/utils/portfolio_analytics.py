"""project-x-py's portfolio analytics, mapped to :mod:`projectx.analytics`.

Shapes are project-x-py's (dicts with its keys, a DataFrame for the correlation matrix).
Content is correct where project-x-py's was not: ``calculate_max_drawdown`` measures against
the running peak (project-x-py's rolling window left the peak null until the last row);
``expectancy`` is the mean P&L per trade; a drawdown lasts while equity is below its peak.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from projectx import analytics
from projectx.exceptions import ValidationError

__all__ = [
    "calculate_correlation_matrix",
    "calculate_max_drawdown",
    "calculate_portfolio_metrics",
    "calculate_sharpe_ratio",
    "calculate_volatility_metrics",
]

_NUMERIC = (pl.Float64, pl.Float32, pl.Int64, pl.Int32)


def _require(data: pl.DataFrame, column: str) -> None:
    if column not in data.columns:
        raise ValidationError(f"Column '{column}' not found in data")


def calculate_correlation_matrix(
    data: pl.DataFrame, columns: list[str] | None = None, _method: str = "pearson"
) -> pl.DataFrame:
    """Pearson correlations of ``columns`` (default: the numeric ones) as a frame with a
    ``column`` name column and one column per input (undefined correlations are 0.0)."""
    if _method != "pearson":
        raise ValidationError(f"only the pearson method is supported, got {_method!r}")
    names = columns or [n for n, t in data.schema.items() if t in _NUMERIC]
    if not names:
        raise ValidationError("No numeric columns found")
    matrix = analytics.correlation_matrix(data, names)
    rows = [{"column": a, **{b: matrix[a][b] or 0.0 for b in names}} for a in names]
    return pl.from_dicts(rows)


def _returns(data: pl.DataFrame, price_column: str, return_column: str | None) -> pl.Series:
    if return_column is not None:
        _require(data, return_column)
        return data[return_column]
    return data[price_column].cast(pl.Float64).pct_change()


def calculate_volatility_metrics(
    data: pl.DataFrame,
    price_column: str = "close",
    return_column: str | None = None,
    window: int = 20,
) -> dict[str, Any]:
    """``volatility``, ``annualized_volatility`` (252 periods), ``mean_return``,
    ``annualized_return`` and, with at least ``window`` returns, ``avg_/max_/min_rolling_
    volatility``; ``{"error": ...}`` without data."""
    _require(data, price_column)
    if data.is_empty():
        return {"error": "No data available"}
    metrics = analytics.volatility_metrics(
        _returns(data, price_column, return_column), window=window
    )
    if metrics is None:
        return {"error": "No valid returns data"}
    out: dict[str, Any] = {
        "volatility": metrics.volatility,
        "annualized_volatility": metrics.annualized_volatility,
        "mean_return": metrics.mean_return,
        "annualized_return": metrics.annualized_return,
    }
    if metrics.rolling_mean is not None:
        out["avg_rolling_volatility"] = metrics.rolling_mean
        out["max_rolling_volatility"] = metrics.rolling_max
        out["min_rolling_volatility"] = metrics.rolling_min
    return out


def calculate_sharpe_ratio(
    data: pl.DataFrame,
    return_column: str = "returns",
    risk_free_rate: float = 0.02,
    periods_per_year: int = 252,
) -> float:
    """Annualised Sharpe ratio of the per-period returns in ``return_column`` over the annual
    ``risk_free_rate``; 0.0 when undefined (fewer than two returns, no dispersion)."""
    _require(data, return_column)
    value = analytics.annualized_sharpe(
        data[return_column], risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
    )
    return 0.0 if value is None else value


def calculate_max_drawdown(data: pl.DataFrame, price_column: str = "close") -> dict[str, Any]:
    """``max_drawdown`` (<= 0: -0.1 is 10 % below the running peak, project-x-py's sign) and
    ``max_drawdown_duration`` (the most consecutive bars below the peak)."""
    _require(data, price_column)
    if data.is_empty():
        return {"max_drawdown": 0.0, "max_drawdown_duration": 0}
    result = analytics.drawdown(data[price_column])
    return {"max_drawdown": -result.max_fraction, "max_drawdown_duration": result.max_duration}


def calculate_portfolio_metrics(
    trades: list[dict[str, Any]], initial_balance: float = 100000.0
) -> dict[str, Any]:
    """Performance of closed ``trades`` (each a dict with ``pnl``; missing means 0) from
    ``initial_balance``; ``{"error": ...}`` without trades. ``max_drawdown`` is a fraction of the
    running peak (>= 0); ``profit_factor`` is ``inf`` without losses (0.0 with neither)."""
    if not trades:
        return {"error": "No trades provided"}
    pnls = [t.get("pnl", 0) for t in trades]
    perf = analytics.trade_performance(pnls, initial_balance)
    assert perf is not None
    factor = perf.profit_factor
    return {
        "total_trades": perf.total_trades,
        "total_pnl": perf.total_pnl,
        "total_return": perf.total_return,
        "win_rate": perf.win_rate,
        "profit_factor": (math.inf if perf.gross_loss == 0 and perf.gross_profit > 0 else 0.0)
        if factor is None
        else factor,
        "avg_win": perf.avg_win,
        "avg_loss": perf.avg_loss,
        "max_drawdown": perf.max_drawdown,
        "max_drawdown_duration": perf.max_drawdown_duration,
        "expectancy": perf.expectancy,
        "gross_profit": perf.gross_profit,
        "gross_loss": perf.gross_loss,
        "largest_win": perf.largest_win,
        "largest_loss": perf.largest_loss,
    }
