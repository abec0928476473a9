"""Replay results: fills, round-trip trades, equity curve, summary; Parquet files and a chart.

Everything is computed from the simulator exchange's own records (its fills, P&L, fees and
balance), never from the client's view, so a report does not depend on the trading managers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["ReplayResult", "ReplaySummary", "round_trips"]

_NS = 1_000_000_000


@dataclass(slots=True)
class ReplaySummary:
    """Headline figures of a replay."""

    strategy: str
    symbols: list[str]
    timeframes: list[str]
    records: int  #: wire messages replayed
    rows: int  #: trades + depth entries + quotes replayed
    start_ns: int
    end_ns: int
    wall_s: float  #: set-up, replay loop and teardown
    loop_s: float  #: the replay loop alone (first message to last)
    fills: int
    round_trips: int
    winners: int
    gross_pnl: float
    fees: float
    net_pnl: float
    start_balance: float
    end_balance: float
    max_drawdown: float
    open_position: int
    settle_timeouts: int = 0

    @property
    def records_per_s(self) -> float:
        """Replay speed in wire messages per wall second of the replay loop."""
        return self.records / self.loop_s if self.loop_s > 0 else math.inf

    @property
    def market_seconds_per_s(self) -> float:
        """Simulated seconds per wall second."""
        span = (self.end_ns - self.start_ns) / _NS
        return span / self.loop_s if self.loop_s > 0 else math.inf

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        span = (self.end_ns - self.start_ns) / _NS
        win = f"{100.0 * self.winners / self.round_trips:.0f}%" if self.round_trips else "-"
        return [
            f"strategy        {self.strategy} on {', '.join(self.symbols)} "
            f"({', '.join(self.timeframes)})",
            f"replayed        {self.records:,} messages ({self.rows:,} rows), "
            f"{span:,.0f} s of market time in {self.wall_s:.2f} s (set-up included)",
            f"speed           {self.records_per_s:,.0f} messages/s, "
            f"{self.market_seconds_per_s:,.0f} market s per s (replay loop)",
            f"fills           {self.fills}   round trips {self.round_trips}   winners {win}",
            f"P&L             gross {self.gross_pnl:,.2f}   fees {self.fees:,.2f}   "
            f"net {self.net_pnl:,.2f}",
            f"balance         {self.start_balance:,.2f} -> {self.end_balance:,.2f}   "
            f"max drawdown {self.max_drawdown:,.2f}",
            f"open position   {self.open_position}",
        ]


@dataclass(slots=True)
class ReplayResult:
    """What :func:`projectx.replay.replay` returns."""

    summary: ReplaySummary
    fills: pl.DataFrame  #: every fill of the exchange, in order
    trades: pl.DataFrame  #: round trips (FIFO), see :func:`round_trips`
    equity: pl.DataFrame  #: ts_ns, equity (balance + open P&L)
    files: dict[str, Path] = field(default_factory=dict)

    def write(self, directory: str | Path, *, chart: bool = True) -> dict[str, Path]:
        """Write fills/trades/equity Parquet files, ``summary.json`` and (with matplotlib)
        ``equity.png`` to ``directory``; return the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        for name, df in (("fills", self.fills), ("trades", self.trades), ("equity", self.equity)):
            path = out / f"{name}.parquet"
            df.write_parquet(path)
            files[name] = path
        summary = asdict(self.summary)
        summary["records_per_s"] = self.summary.records_per_s
        summary["market_seconds_per_s"] = self.summary.market_seconds_per_s
        path = out / "summary.json"
        path.write_text(json.dumps(summary, indent=2, default=_json_default), encoding="utf-8")
        files["summary"] = path
        if chart:
            png = plot_equity(self, out / "equity.png")
            if png is not None:
                files["chart"] = png
        self.files.update(files)
        return files


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def round_trips(fills: pl.DataFrame, point_values: dict[str, float]) -> pl.DataFrame:
    """Pair fills into round trips per contract, first in first out.

    ``point_values``: contract id -> currency per 1.0 of price (tick value / tick size). Each
    closing quantity against an opening lot gives one row: ``contract_id``, ``side`` (1 long,
    -1 short), ``size``, ``entry_ns``, ``exit_ns``, ``entry_price``, ``exit_price``, ``pnl``.
    """
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "contract_id",
            "side",
            "size",
            "entry_ns",
            "exit_ns",
            "entry_price",
            "exit_price",
            "pnl",
        )
    }
    lots: dict[str, list[list[Any]]] = {}
    for cid, ts, side, size, price in zip(
        fills["contract_id"].to_list(),
        fills["ts_ns"].to_list(),
        fills["side"].to_list(),
        fills["size"].to_list(),
        fills["price"].to_list(),
        strict=True,
    ):
        sign = 1 if side == 0 else -1
        book = lots.setdefault(cid, [])
        left = int(size)
        while left and book and book[0][0] != sign:
            lot = book[0]
            take = min(left, lot[1])
            rows["contract_id"].append(cid)
            rows["side"].append(lot[0])
            rows["size"].append(take)
            rows["entry_ns"].append(lot[3])
            rows["exit_ns"].append(ts)
            rows["entry_price"].append(lot[2])
            rows["exit_price"].append(price)
            rows["pnl"].append(
                round((price - lot[2]) * lot[0] * take * point_values.get(cid, 1.0), 2) + 0.0
            )
            lot[1] -= take
            left -= take
            if lot[1] == 0:
                book.pop(0)
        if left:
            book.append([sign, left, price, ts])
    return pl.DataFrame(
        rows,
        schema={
            "contract_id": pl.Utf8,
            "side": pl.Int8,
            "size": pl.Int64,
            "entry_ns": pl.Int64,
            "exit_ns": pl.Int64,
            "entry_price": pl.Float64,
            "exit_price": pl.Float64,
            "pnl": pl.Float64,
        },
    )


def max_drawdown(equity: list[float]) -> float:
    """Largest fall from a running peak (>= 0)."""
    peak = -math.inf
    worst = 0.0
    for v in equity:
        peak = max(peak, v)
        worst = max(worst, peak - v)
    return round(worst, 2)


def plot_equity(result: ReplayResult, path: Path) -> Path | None:
    """Equity curve (and fills) as a PNG; None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    eq = result.equity
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    try:
        if eq.height:
            t = eq["ts_ns"].cast(pl.Datetime("ns", "UTC")).to_list()
            ax.plot(t, eq["equity"].to_list(), linewidth=1.0, label="equity")
        s = result.summary
        ax.set_title(
            f"{s.strategy}: net {s.net_pnl:,.2f}, max drawdown {s.max_drawdown:,.2f}, "
            f"{s.round_trips} round trips"
        )
        ax.set_ylabel("account value")
        ax.grid(True, alpha=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
