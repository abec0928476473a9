"""``projectx demo``: the SDK doing its job end to end, with no account and no network.

1. Starts the Gateway simulator in-process on 127.0.0.1 (``run_demo(config=...)`` points it at
   another Gateway instead).
2. Creates a :class:`~projectx.suite.TradingSuite` for the symbols with 1sec/1min/5min bars
   warmed up from REST, the order book, orders, positions and risk.
3. Runs :mod:`projectx.strategies.ema_cross` (an EMA cross that enters with a bracket: a stop
   and a target around a market entry) — or your strategy file (``--strategy FILE``, the same
   contract as ``projectx replay``, see :mod:`projectx.strategy`) — unless ``--no-trade``.
4. Shows a live dashboard (rich) — bars forming and closed per timeframe, top of book, working
   orders, position and P&L, messages/s and latency percentiles — or, with ``--headless``,
   plain log lines: every closed bar, every order event and fill, and a status line.
5. On ``--duration`` or Ctrl-C: stops the strategy, cancels the working orders, flattens the
   position, prints a summary and exits cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from projectx.config import ProjectXConfig
from projectx.dashboard import Dashboard, fmt_bar, position_summary
from projectx.events import Event, EventType
from projectx.sim import Simulator
from projectx.strategies import ema_cross
from projectx.strategy import clock_of, load_strategy
from projectx.suite import TradingSuite

__all__ = ["run_demo"]

TIMEFRAMES = ("1sec", "1min", "5min")
_ORDER_EVENTS = (
    EventType.ORDER_PLACED,
    EventType.ORDER_PARTIAL_FILL,
    EventType.ORDER_FILLED,
    EventType.ORDER_CANCELLED,
    EventType.ORDER_REJECTED,
)


class _Log:
    """Headless output: one line per event worth seeing, counters for the summary."""

    def __init__(self, out: TextIO, started: float) -> None:
        self.out = out
        self.started = started
        self.bars: dict[str, int] = {}
        self.fills = 0
        self.orders = 0
        self.pnl_lines = 0
        self.last_pnl: dict[str, float] = {}
        self.enabled = True

    def line(self, text: str) -> None:
        if self.enabled:
            print(f"[{time.monotonic() - self.started:6.1f}s] {text}", file=self.out, flush=True)

    def on_bar(self, event: Event) -> None:
        tf = event.data["timeframe"]
        self.bars[tf] = self.bars.get(tf, 0) + 1
        flag = " (repaired from REST)" if event.data.get("repaired") else ""
        self.line(f"NEW_BAR {event.instrument} {tf:>4} {fmt_bar(event.data['bar'])}{flag}")

    def on_order(self, event: Event) -> None:
        data = event.data if isinstance(event.data, dict) else {}
        order = data.get("order")
        if event.type is EventType.ORDER_PLACED:
            self.orders += 1
        if event.type is EventType.ORDER_FILLED:
            self.fills += 1
        if order is not None:
            price = order.filled_price or order.limit_price or order.stop_price
            self.line(
                f"{event.type.name} {event.instrument} #{order.order_id} {order.role.name} "
                f"{order.side.name} {order.size} {order.order_type.name}"
                + (f" @ {price:.2f}" if price else "")
            )
        else:
            self.line(f"{event.type.name} {event.instrument} {data}")

    def on_pnl(self, suite: TradingSuite) -> None:
        for ctx in suite:
            pos = position_summary(ctx)
            if pos is None:
                continue
            total = round(pos["unrealized"] + pos["realized"], 2)
            if self.last_pnl.get(ctx.symbol) != total:
                self.last_pnl[ctx.symbol] = total
                self.pnl_lines += 1
                self.line(
                    f"P&L {ctx.symbol}: position {pos['size']:+d} unrealised "
                    f"{pos['unrealized']:+.2f} realised {pos['realized']:+.2f} total {total:+.2f}"
                )


async def run_demo(
    symbols: Sequence[str],
    duration: float,
    out: TextIO,
    *,
    rate: float = 50.0,
    seed: int = 1,
    trade: bool = True,
    headless: bool = True,
    config: ProjectXConfig | None = None,
    strategy_params: dict[str, Any] | None = None,
    strategy: str | None = None,
) -> dict[str, Any]:
    """Run the demo for ``duration`` seconds (or until Ctrl-C); returns a summary dict."""
    async with contextlib.AsyncExitStack() as stack:
        simulated = config is None
        if config is None:
            sim = await stack.enter_async_context(
                Simulator(symbols=list(symbols), seed=seed, rate=rate)
            )
            config = ProjectXConfig.for_simulator(sim)
            print(f"simulator on {sim.base_url} ({', '.join(sim.contract_ids)})", file=out)
        started = time.monotonic()
        log = _Log(out, started)
        # the simulator's accounts are new every run: keep its risk state out of the user's
        state_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="projectx-demo-"))
        suite = TradingSuite(
            list(symbols),
            timeframes=TIMEFRAMES,
            features=("orderbook", "risk"),
            initial_days=0.05,
            config=config,
            state_path=Path(state_dir) / "risk-state.json" if simulated else None,
        )
        suite.on(EventType.NEW_BAR, log.on_bar)
        for etype in _ORDER_EVENTS:
            suite.on(etype, log.on_order)
        await suite.connect()
        stack.push_async_callback(suite.disconnect)
        for ctx in suite:
            warm = ctx.data.stats()["warmup_bars"]
            log.line(f"{ctx.symbol}: {ctx.contract_id}, warm-up bars from REST {warm}")
        user_strategy = load_strategy(strategy) if strategy and trade else None
        strategies: list[ema_cross.EmaCross] = []
        if user_strategy is not None:
            await user_strategy.setup(suite, clock_of(suite))
        elif trade:
            strategies = await ema_cross.setup(suite, **(strategy_params or {}))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, stop.set)
        dashboard = Dashboard(suite)
        try:
            await _run_until(stop, duration, suite, dashboard, log, out, headless)
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
            log.enabled = True
            if user_strategy is not None:
                await user_strategy.teardown(suite)
            await ema_cross.teardown(suite)
            flat = await _flatten(suite, log)
        stats = suite.get_stats()
        summary: dict[str, Any] = {
            "bars_closed": dict(log.bars),
            "orders_placed": log.orders,
            "fills": log.fills,
            "pnl_changes": log.pnl_lines,
            "signals": [s for strategy in strategies for s in strategy.signals],
            "flat": flat,
            "stats": stats,
        }
        log.line(
            f"done: bars closed {summary['bars_closed']}, orders placed {log.orders}, "
            f"fills {log.fills}, P&L updates {log.pnl_lines}, "
            f"messages {suite.feed.messages}, health {stats['health']['score']}"
        )
        return summary


async def _run_until(
    stop: asyncio.Event,
    duration: float,
    suite: TradingSuite,
    dashboard: Dashboard,
    log: _Log,
    out: TextIO,
    headless: bool,
) -> None:
    deadline = time.monotonic() + duration
    if headless:
        next_status = time.monotonic() + 2.0
        while not stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
            log.on_pnl(suite)
            if time.monotonic() >= next_status:
                dashboard.sample_rate()
                log.line(dashboard.status_line())
                next_status += 2.0
        return
    from rich.console import Console
    from rich.live import Live

    log.enabled = False  # the dashboard shows the same state
    console = Console(file=out)
    with Live(dashboard.render(), console=console, refresh_per_second=4) as live:
        while not stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.25)
            dashboard.sample_rate()
            log.on_pnl(suite)
            live.update(dashboard.render())


async def _flatten(suite: TradingSuite, log: _Log) -> bool:
    """Cancel working orders and close positions (bounded in time); True when the Gateway
    then reports no open position and no working order."""
    for ctx in suite:
        try:
            if ctx.orders is not None:
                await asyncio.wait_for(ctx.orders.cancel_all_orders(ctx.contract_id), 10)
            if ctx.positions is not None:
                await asyncio.wait_for(ctx.positions.close_position(ctx.contract_id), 10)
            else:  # no position manager: ask the Gateway directly
                open_positions = await suite.client.search_open_positions()
                if any(p.contract_id == ctx.contract_id for p in open_positions):
                    await suite.client.close_position(ctx.contract_id)
        except Exception as exc:  # the summary must still print
            log.line(f"{ctx.symbol}: could not flatten cleanly: {exc}")
            continue
        pos = position_summary(ctx)
        if pos is not None:
            log.line(f"{ctx.symbol}: flat; realised P&L {pos['realized']:+.2f}")
    for _ in range(50):  # the Gateway's view, after the closes were processed
        positions = await suite.client.search_open_positions()
        orders = await suite.client.search_open_orders()
        if not positions and not orders:
            return True
        await asyncio.sleep(0.1)
    log.line(f"not flat: {len(positions)} position(s), {len(orders)} working order(s)")
    return False
