"""Soak test (issue #10 item 3): 10M+ market messages and thousands of orders through a suite with
every feature on, sampling memory, event-loop lag and latency every few seconds.

    nice python benchmarks/soak.py --messages 10_000_000 --out benchmarks/soak_report

The in-process simulator's burst API (``publish_market``) streams pre-built GatewayTrade,
GatewayDepth and GatewayQuote invocations (one market *message* = one invocation record; the hub
packs several records into each WebSocket frame, and a depth message may carry several entries:
both counts are reported). Timestamps are the wall clock at publication, so the suite's bars close
in real time and ``now - trade timestamp`` in a TRADE_TICK handler is the end-to-end latency.
Publication is paced by back-pressure (at most ``--in-flight`` records published and not yet
parsed by the client) and capped at ``--max-rate`` messages per second.

Meanwhile an order driver places and cancels resting limit orders and sends market orders
through ``suite.orders``; a timer task measures its own oversleep (event-loop lag); a sampler
records RSS (``/proc/self/statm``), lag and latency percentiles, throughput and the sizes of the
bounded structures every ``--sample-s`` seconds. Writes ``soak.json``, ``soak.md`` and
``soak.png`` to ``--out``. Memory is "flat" when RSS after warm-up grows by less than
``--flat-mb``; lag is "bounded" when its p99 in every window stays under ``--lag-bound-ms``.
The simulator runs in the same process, so the lag includes its publishing work (an upper bound
for the client alone).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from projectx.config import ProjectXConfig
from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.exceptions import ProjectXError
from projectx.sim import Simulator
from projectx.sim.clock import format_ts
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite

SYMBOL = "MNQ"
TIMEFRAMES = ["1sec", "5sec", "1min", "5min"]
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


# ------------------------------------------------------------------------ message generator
class MessageFactory:
    """Pre-built market messages around a random-walk price; only timestamps change."""

    def __init__(self, contract_id: str, symbol_id: str, tick: float, seed: int) -> None:
        self.cid = contract_id
        rng = np.random.default_rng(seed)
        steps = rng.choice([-1, 0, 0, 1], size=200_000)
        self.path = (84_000 + np.cumsum(steps)).astype(np.int64)  # price in ticks
        self.tick = tick
        self.i = 0
        self.symbol_id = symbol_id
        self.rng = random.Random(seed)
        # one message = one invocation record; entries per depth message vary (1-3)
        self.kinds = ["t"] * 4 + ["d"] * 5 + ["q"]

    def batch(self, n: int) -> tuple[list[tuple[str, str, Any]], int]:
        """``n`` messages stamped now; returns them and the number of depth entries."""
        ts = format_ts(time.time_ns())
        out: list[tuple[str, str, Any]] = []
        entries = 0
        cid, tick, path, sym = self.cid, self.tick, self.path, self.symbol_id
        rng = self.rng
        for _ in range(n):
            self.i = (self.i + 1) % len(path)
            px = float(path[self.i]) * tick
            kind = rng.choice(self.kinds)
            if kind == "t":
                trade = {
                    "symbolId": sym,
                    "price": px,
                    "timestamp": ts,
                    "type": rng.randint(0, 1),
                    "volume": rng.randint(1, 5),
                }
                out.append(("GatewayTrade", cid, [trade]))
            elif kind == "d":
                k = rng.randint(1, 3)
                entries += k
                levels = []
                for j in range(k):
                    bid = rng.random() < 0.5
                    off = (j + 1) * tick
                    levels.append(
                        {
                            "timestamp": ts,
                            "type": 2 if bid else 1,
                            "price": px - off if bid else px + off,
                            "volume": rng.randint(0, 40),
                            "currentVolume": 0,
                        }
                    )
                out.append(("GatewayDepth", cid, levels))
            else:
                out.append(
                    (
                        "GatewayQuote",
                        cid,
                        {
                            "symbol": sym,
                            "lastPrice": px,
                            "bestBid": px - tick,
                            "bestAsk": px,
                            "volume": self.i,
                            "lastUpdated": ts,
                            "timestamp": ts,
                        },
                    )
                )
        return out, entries


# ----------------------------------------------------------------------------- order driver
@dataclasses.dataclass
class OrderDriver:
    """Resting limit orders placed and cancelled, and market orders, at ``per_s`` actions/s."""

    suite: TradingSuite
    sim: Simulator
    per_s: float
    placed: int = 0
    cancelled: int = 0
    market: int = 0
    failed: int = 0
    latencies_ms: list[float] = dataclasses.field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        orders = self.suite.orders
        ctx = self.suite[SYMBOL]
        cid = ctx.contract_id
        tick = float(ctx.contract.tick_size or 0.25)
        side = OrderSide.BUY
        i = 0
        while not stop.is_set():
            i += 1
            t0 = time.perf_counter()
            try:
                if i % 10 == 0:
                    side = OrderSide.SELL if side is OrderSide.BUY else OrderSide.BUY
                    await orders.place_market_order(cid, side, 1)
                    self.market += 1
                else:
                    working = [r for r in orders.open_orders(cid) if r.order_id is not None]
                    if len(working) >= 20:
                        await orders.cancel_order(working[0])
                        self.cancelled += 1
                    bids = self.sim.market.book_levels(cid, 0)
                    if bids:
                        price = bids[0][0] - 40 * tick  # far from the market: rests
                        await orders.place_limit_order(cid, OrderSide.BUY, 1, price)
                        self.placed += 1
                self.latencies_ms.append((time.perf_counter() - t0) * 1e3)
            except ProjectXError:
                self.failed += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0 / self.per_s)


# ---------------------------------------------------------------------------------- sampler
@dataclasses.dataclass
class Probe:
    """Loop-lag timer and TRADE_TICK latency collector (reset at each sample)."""

    period_s: float = 0.01
    lags_ms: list[float] = dataclasses.field(default_factory=list)
    latencies_ms: list[float] = dataclasses.field(default_factory=list)
    ticks: int = 0

    async def lag_timer(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            t = loop.time()
            await asyncio.sleep(self.period_s)
            self.lags_ms.append(max(0.0, (loop.time() - t - self.period_s) * 1e3))

    def on_tick(self, event: Event) -> None:
        self.ticks += 1
        if self.ticks % 8 == 0:  # sample: the handler itself must stay cheap
            self.latencies_ms.append((time.time_ns() - event.data["ts_ns"]) / 1e6)


def _sizes(suite: TradingSuite) -> dict[str, int]:
    data = suite[SYMBOL].data
    queues = [
        len(e.worker._queue)
        for entries in suite.bus._handlers.values()
        for e in entries
        if e.worker is not None
    ]
    om = suite.orders
    return {
        "closed_bars": sum(len(data.engine.closed(tf)["ts"]) for tf in TIMEFRAMES),
        "async_queue_max": max(queues, default=0),
        "orders_tracked": len(om.tracked()),
        "orphan_trades": len(om._orphan_trades),
        "position_trades": len(suite.positions._trades),
    }


# ------------------------------------------------------------------------------------- main
async def soak(args: argparse.Namespace) -> dict[str, Any]:
    async with Simulator(
        symbols=[SYMBOL], seed=args.seed, rate=5.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        # the soak is a stress test, not a Gateway-budget test
        config = ProjectXConfig.for_simulator(sim, general_limit=1_000_000)
        suite = TradingSuite(
            SYMBOL,
            timeframes=TIMEFRAMES,
            features=tuple(args.features.split(",")),
            initial_days=0.05,
            config=config,
        )
        probe = Probe()
        counts: dict[str, int] = {}

        def counter(name: str) -> Callable[[Event], None]:
            def handler(event: Event) -> None:
                counts[name] = counts.get(name, 0) + 1

            return handler

        async def slow_bar(event: Event) -> None:
            counts["bars_async"] = counts.get("bars_async", 0) + 1
            await asyncio.sleep(0.001)

        suite.on(EventType.TRADE_TICK, probe.on_tick)
        suite.on(EventType.QUOTE_UPDATE, counter("quotes"))
        suite.on(EventType.MARKET_DEPTH_UPDATE, counter("depth"))
        suite.on(EventType.NEW_BAR, counter("bars"))
        suite.on(EventType.NEW_BAR, slow_bar)
        suite.on(EventType.ORDER_FILLED, counter("fills"))
        suite.on(EventType.POSITION_PNL_UPDATE, counter("pnl_updates"))
        await suite.connect()
        # the order manager keeps at most max_finished finished orders (10,000 by default);
        # a smaller cap is reached during warm-up, so the run shows whether the cap holds
        suite.orders.max_finished = args.max_finished
        stop = asyncio.Event()
        ctx = suite[SYMBOL]
        factory = MessageFactory(
            ctx.contract_id, "F.US.MNQ", float(ctx.contract.tick_size or 0.25), args.seed
        )
        driver = OrderDriver(suite, sim, args.orders_per_s)
        tasks = [
            asyncio.create_task(probe.lag_timer(stop)),
            asyncio.create_task(driver.run(stop)),
        ]
        rt = suite.realtime
        assert rt is not None
        market = rt.market
        base_records = market.stats.records
        published = entries = 0
        samples: list[dict[str, Any]] = []
        snap0: Any = None
        growth: list[dict[str, Any]] = []
        if args.tracemalloc:
            tracemalloc.start()
        t_start = time.monotonic()
        next_sample = t_start + args.sample_s
        last_pub, last_t = 0, t_start
        try:
            while published < args.messages:
                in_flight = published - (market.stats.records - base_records)
                ahead = published > args.max_rate * (time.monotonic() - t_start)
                if in_flight > args.in_flight or ahead:
                    await asyncio.sleep(0.001)
                else:
                    n = min(args.batch, args.messages - published)
                    events, k = factory.batch(n)
                    sim.publish_market(events)
                    published += n
                    entries += k
                    await asyncio.sleep(0)
                now = time.monotonic()
                if now >= next_sample:
                    next_sample += args.sample_s
                    s = {
                        "t_s": round(now - t_start, 2),
                        "messages": published,
                        "msg_per_s": round((published - last_pub) / (now - last_t)),
                        "rss_mb": round(rss_mb(), 2),
                        "lag_p50_ms": round(_pct(probe.lags_ms, 50), 3),
                        "lag_p99_ms": round(_pct(probe.lags_ms, 99), 3),
                        "lag_max_ms": round(max(probe.lags_ms, default=math.nan), 3),
                        "latency_p50_ms": round(_pct(probe.latencies_ms, 50), 3),
                        "latency_p99_ms": round(_pct(probe.latencies_ms, 99), 3),
                        "latency_p999_ms": round(_pct(probe.latencies_ms, 99.9), 3),
                        "orders": driver.placed + driver.market,
                        **_sizes(suite),
                    }
                    samples.append(s)
                    print(json.dumps(s), flush=True)
                    probe.lags_ms.clear()
                    probe.latencies_ms.clear()
                    if (
                        args.tracemalloc
                        and snap0 is None
                        and published >= args.warmup * args.messages
                    ):
                        snap0 = tracemalloc.take_snapshot()
                    last_pub, last_t = published, now
            # drain: every record parsed
            for _ in range(1200):  # at most 60 s
                if market.stats.records - base_records >= published:
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(Exception):
                    await task
        elapsed = time.monotonic() - t_start
        if snap0 is not None:
            diff = tracemalloc.take_snapshot().compare_to(snap0, "lineno")
            growth = [
                {
                    "where": f"{d.traceback[0].filename.split('/')[-1]}:{d.traceback[0].lineno}",
                    "kib": round(d.size_diff / 1024, 1),
                    "blocks": d.count_diff,
                }
                for d in diff[:15]
            ]
            tracemalloc.stop()
        stats = suite.get_stats()
        await suite.disconnect()
    return {
        "args": vars(args),
        "python": sys.version.split()[0],
        "loop": args.loop,
        "elapsed_s": round(elapsed, 1),
        "messages": published,
        "depth_entries": entries,
        "records_parsed": market.stats.records - base_records,
        "ws_frames_received": stats["hubs"]["market"]["messages"],
        "orders": {
            "limit_placed": driver.placed,
            "market": driver.market,
            "cancelled": driver.cancelled,
            "failed": driver.failed,
            "place_ms_p50": round(_pct(driver.latencies_ms, 50), 2),
            "place_ms_p99": round(_pct(driver.latencies_ms, 99), 2),
        },
        "events": counts,
        "trade_ticks": probe.ticks,
        "bus_dropped": stats["events"]["dropped"],
        "sim_orders_kept": len(sim.exchange.orders),
        "heap_growth_after_warmup": growth,
        "samples": samples,
    }


def summarize(report: dict[str, Any], warmup: float, flat_mb: float, lag_bound_ms: float) -> None:
    """Add the verdicts (flat memory after warm-up, bounded lag) to ``report``."""
    samples = report["samples"]
    after = [s for s in samples if s["messages"] >= warmup * report["messages"]]
    rss = [s["rss_mb"] for s in after]
    growth = (max(rss) - rss[0]) if rss else math.nan
    slope = math.nan
    if len(after) >= 3:
        x = np.array([s["messages"] for s in after], dtype=float) / 1e6
        slope = float(np.polyfit(x, np.array(rss), 1)[0])
    lag_p99 = [s["lag_p99_ms"] for s in samples if not math.isnan(s["lag_p99_ms"])]
    report["summary"] = {
        "messages": report["messages"],
        "elapsed_s": report["elapsed_s"],
        "msg_per_s": round(report["messages"] / report["elapsed_s"]),
        "rss_after_warmup_mb": rss[0] if rss else None,
        "rss_end_mb": rss[-1] if rss else None,
        "rss_growth_after_warmup_mb": round(growth, 2),
        "rss_slope_mb_per_million_msgs": round(slope, 3),
        "lag_p99_ms_worst_window": max(lag_p99, default=math.nan),
        "lag_p99_ms_median_window": float(np.median(lag_p99)) if lag_p99 else math.nan,
        "lag_max_ms": max((s["lag_max_ms"] for s in samples), default=math.nan),
        "latency_p50_ms_median": float(np.median([s["latency_p50_ms"] for s in samples])),
        "latency_p99_ms_median": float(np.median([s["latency_p99_ms"] for s in samples])),
        "flat_memory": bool(growth < flat_mb),
        "bounded_lag": bool(max(lag_p99, default=math.inf) < lag_bound_ms),
    }


def write_outputs(report: dict[str, Any], out: Path, name: str = "soak") -> None:
    """``<name>.json``, ``<name>.md`` and ``<name>.png`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1, default=str))
    s = report["summary"]
    lines = [
        "# Soak report",
        "",
        f"Python {report['python']}, loop {report['loop']}, "
        f"features {report['args']['features']}, timeframes {', '.join(TIMEFRAMES)}.",
        "",
        "| figure | value |",
        "| --- | --- |",
    ]
    lines += [f"| {k} | {v} |" for k, v in s.items()]
    lines += [
        f"| depth entries | {report['depth_entries']} |",
        f"| WebSocket frames received | {report['ws_frames_received']} |",
        f"| orders | {report['orders']} |",
        f"| events | {report['events']} |",
        f"| bus dropped (slow async handler) | {report['bus_dropped']} |",
        "",
        f"![soak]({name}.png)",
        "",
    ]
    (out / f"{name}.md").write_text("\n".join(lines))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = report["samples"]
    x = [sm["messages"] / 1e6 for sm in samples]
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    axes[0].plot(x, [sm["rss_mb"] for sm in samples])
    axes[0].set_ylim(0, max(sm["rss_mb"] for sm in samples) * 1.15)
    axes[0].set_ylabel("RSS (MiB)")
    axes[0].set_title(
        f"RSS growth after warm-up {s['rss_growth_after_warmup_mb']} MiB "
        f"({s['rss_slope_mb_per_million_msgs']} MiB per million messages)",
        fontsize=9,
    )
    axes[1].plot(x, [sm["lag_p99_ms"] for sm in samples], label="p99")
    axes[1].plot(x, [sm["lag_max_ms"] for sm in samples], label="max", alpha=0.6)
    axes[1].set_ylabel("loop lag (ms)")
    axes[1].legend()
    axes[2].plot(x, [sm["latency_p50_ms"] for sm in samples], label="p50")
    axes[2].plot(x, [sm["latency_p99_ms"] for sm in samples], label="p99")
    axes[2].set_ylabel("trade latency (ms)")
    axes[2].set_xlabel("market messages (millions)")
    axes[2].legend()
    fig.suptitle(f"soak: {report['messages']:,} messages, {s['elapsed_s']} s")
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=80)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit 1 when memory is not flat or lag not bounded."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=10_000_000)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--in-flight", type=int, default=2_000)
    p.add_argument("--max-rate", type=float, default=50_000.0, help="messages per second")
    p.add_argument("--orders-per-s", type=float, default=40.0)
    p.add_argument("--sample-s", type=float, default=5.0)
    p.add_argument("--features", default="orderbook,orderbook_heuristics,risk")
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="uvloop")
    p.add_argument("--max-finished", type=int, default=300, help="OrderManager cap")
    p.add_argument("--tracemalloc", action="store_true", help="attribute heap growth by file")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warmup", type=float, default=0.1, help="fraction of messages")
    p.add_argument("--flat-mb", type=float, default=8.0)
    p.add_argument("--lag-bound-ms", type=float, default=250.0)
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "soak_report")
    args = p.parse_args(argv)
    if args.loop == "uvloop":
        import uvloop

        runner: Any = uvloop.run
    else:
        runner = asyncio.run
    report = runner(soak(args))
    summarize(report, args.warmup, args.flat_mb, args.lag_bound_ms)
    write_outputs(report, args.out)
    print(json.dumps(report["summary"], indent=1))
    ok = report["summary"]["flat_memory"] and report["summary"]["bounded_lag"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
