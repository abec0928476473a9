"""Terminal views of a running :class:`~projectx.suite.TradingSuite` (used by ``projectx demo``).

``Dashboard.render()`` builds a rich renderable (bars per timeframe, top of book, working orders,
position and P&L, message rate and latency percentiles); ``status_line()`` is the one-line
summary the headless mode prints. Both only read state — nothing here changes the suite.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

if TYPE_CHECKING:
    from projectx.suite import InstrumentContext, TradingSuite

__all__ = ["Dashboard", "fmt_bar", "position_summary"]


def fmt_bar(bar: Any) -> str:
    """``O H L C V`` of a bar, or ``-``."""
    if bar is None:
        return "-"
    return f"O {bar.open:.2f} H {bar.high:.2f} L {bar.low:.2f} C {bar.close:.2f} V {bar.volume}"


def position_summary(ctx: InstrumentContext) -> dict[str, float | int] | None:
    """``size`` (signed), ``average_price``, ``unrealized``, ``realized`` of the instrument."""
    positions = ctx.positions
    if positions is None:
        return None
    position = positions.get_position(ctx.contract_id)
    realized = float(positions.realized_pnl(ctx.contract_id))
    if position is None:
        return {"size": 0, "average_price": 0.0, "unrealized": 0.0, "realized": realized}
    return {
        "size": int(position.size),
        "average_price": float(position.average_price),
        "unrealized": float(position.unrealized_pnl or 0.0),
        "realized": realized,
    }


class Dashboard:
    """Renders a suite; keeps a little history to compute message rates."""

    def __init__(self, suite: TradingSuite, *, levels: int = 5) -> None:
        self.suite = suite
        self.levels = levels
        self._last_messages = 0
        self._last_t = time.monotonic()
        self.rate = 0.0

    def sample_rate(self) -> float:
        """Market messages per second since the previous call."""
        now = time.monotonic()
        messages = self.suite.feed.messages
        elapsed = max(1e-9, now - self._last_t)
        self.rate = (messages - self._last_messages) / elapsed
        self._last_messages, self._last_t = messages, now
        return self.rate

    def status_line(self) -> str:
        """One line: message rate, latency percentiles, health, P&L per instrument."""
        stats = self.suite.get_stats()
        market = stats["hubs"].get("market", {})
        cpu = market.get("process_latency", {})
        parts = [
            f"msgs/s {self.rate:,.0f}",
            f"cpu/msg p50 {cpu.get('p50_ns', 0) / 1e3:.1f}µs "
            f"p99 {cpu.get('p99_ns', 0) / 1e3:.1f}µs",
            f"health {stats['health']['score']}",
        ]
        for ctx in self.suite:
            pos = position_summary(ctx)
            if pos is not None:
                parts.append(
                    f"{ctx.symbol} pos {pos['size']:+d} uPnL {pos['unrealized']:+.2f} "
                    f"rPnL {pos['realized']:+.2f}"
                )
        return " | ".join(parts)

    def render(self) -> RenderableType:
        """The whole dashboard."""
        stats = self.suite.get_stats()
        market = stats["hubs"].get("market", {})
        cpu = market.get("process_latency", {})
        header = Table.grid(padding=(0, 2))
        header.add_row(
            f"uptime {stats['uptime_s']:.0f}s",
            f"messages/s {self.rate:,.0f}",
            f"client CPU/msg p50 {cpu.get('p50_ns', 0) / 1e3:.1f} µs "
            f"p99 {cpu.get('p99_ns', 0) / 1e3:.1f} µs",
            f"health {stats['health']['score']}/100",
            f"account {stats['account']}",
        )
        panels: list[RenderableType] = [header]
        for ctx in self.suite:
            panels.append(self._instrument(ctx, stats["instruments"].get(ctx.symbol, {})))
        return Group(*panels)

    def _instrument(self, ctx: InstrumentContext, stats: dict[str, Any]) -> Panel:
        bars = Table(title="bars", expand=True)
        bars.add_column("tf")
        bars.add_column("forming")
        bars.add_column("last closed")
        for tf in ctx.data.timeframes:
            bars.add_row(
                tf.name,
                fmt_bar(ctx.data.get_forming_bar(tf.name)),
                fmt_bar(ctx.data.get_last_closed_bar(tf.name)),
            )
        book = Table(title="book", expand=True)
        for name in ("bid size", "bid", "ask", "ask size"):
            book.add_column(name, justify="right")
        native = self.suite.feed.book(ctx.contract_id)
        if native is not None:
            bp, bs, ap, asz = native.top(self.levels)
            for i in range(self.levels):
                book.add_row(
                    str(bs[i]) if bs[i] else "",
                    f"{bp[i]:.2f}" if bs[i] else "",
                    f"{ap[i]:.2f}" if asz[i] else "",
                    str(asz[i]) if asz[i] else "",
                )
        orders = Table(title="working orders", expand=True)
        for name in ("id", "side", "type", "size", "price", "state"):
            orders.add_column(name)
        if ctx.orders is not None:
            for order in ctx.orders.open_orders(ctx.contract_id)[:8]:
                price = order.limit_price or order.stop_price or order.trail_price
                orders.add_row(
                    str(order.order_id),
                    order.side.name,
                    order.order_type.name,
                    str(order.size),
                    f"{price:.2f}" if price else "mkt",
                    order.state.name,
                )
        pos = position_summary(ctx)
        pnl = (
            f"position {pos['size']:+d} @ {pos['average_price']:.2f}   "
            f"unrealised {pos['unrealized']:+.2f}   realised {pos['realized']:+.2f}"
            if pos is not None
            else "positions: not tracked"
        )
        age = stats.get("data", {}).get("new_bar_age", {})
        footer = (
            f"{pnl}   |   NEW_BAR age p50 {age.get('p50_ns', 0) / 1e3:.0f} µs "
            f"p99 {age.get('p99_ns', 0) / 1e3:.0f} µs"
        )
        grid = Table.grid(expand=True)
        grid.add_row(bars, book)
        return Panel(Group(grid, orders, footer), title=f"{ctx.symbol}  {ctx.contract_id}")
