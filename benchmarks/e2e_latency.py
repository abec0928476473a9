"""End-to-end latency and throughput: simulator -> market hub (real WebSocket on 127.0.0.1) ->
TradingSuite (native parse -> 3-timeframe bars + order book -> NEW_BAR handler).

    python benchmarks/e2e_latency.py [--rate 5000] [--seconds 10] [--loop uvloop|asyncio]

Phase 1 (paced): the simulator sends one-trade GatewayTrade messages at ``--rate`` messages/s;
each trade's timestamp advances 0.2 s of market time, so a 1-second bar closes every 5 trades.
Reported: client CPU per message (HubConnection receive path), p50/p99 latency from the
simulator's send call to "bar updated" (the suite's dispatcher saw the record, after the native
bar engine ran), and p50/p99 from the closing tick's send to the NEW_BAR handler.
Phase 2 (flood): as fast as possible, measures end-to-end trades/s the suite absorbs.
Simulator and client share one process and one event loop (the send side competes for the same
core), so the figures are an upper bound on what a separate client process would see.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from projectx._native.latency import LatencyHistogram
from projectx.config import ProjectXConfig
from projectx.events import Event, EventType
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite

NS = 1_000_000_000


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns // 1000 / 1e6, UTC).isoformat()


async def run(rate: float, seconds: float) -> dict[str, object]:
    async with Simulator(
        symbols=["MNQ"], seed=1, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        config = ProjectXConfig.for_simulator(sim)
        suite = TradingSuite(
            "MNQ", timeframes=["1sec", "1min", "5min"], initial_days=0, config=config
        )
        send_ns: list[int] = []
        closing: dict[int, int] = {}  # bar label -> index of the trade that closed it
        recv = LatencyHistogram("send->bar updated")
        new_bar = LatencyHistogram("closing tick send->NEW_BAR handler")
        seen = 0

        def on_new_bar(event: Event) -> None:
            if event.data["timeframe"] != "1sec":
                return
            idx = closing.get(event.data["bar"].ts_ns)
            if idx is not None:
                new_bar.record(time.perf_counter_ns() - send_ns[idx])

        async with suite:
            cid = suite["MNQ"].contract_id
            suite.on(EventType.NEW_BAR, on_new_bar)

            def on_native(parser: object, n: int) -> None:
                nonlocal seen
                now = time.perf_counter_ns()
                total = suite.feed.trades
                for i in range(seen, min(total, len(send_ns))):
                    recv.record(now - send_ns[i])
                seen = total

            suite.realtime.market.on_native(on_native)  # type: ignore[union-attr]
            await asyncio.sleep(0.3)
            base_trades = suite.feed.trades
            seen = base_trades
            send_ns.extend([0] * base_trades)
            t0_market = (time.time_ns() // NS + 10) * NS
            price = 20000.0
            rng = np.random.default_rng(1)
            steps = rng.choice([-0.25, 0.0, 0.25], size=int(rate * seconds) + 10)

            def trade(i: int) -> tuple[str, str, list[dict[str, object]]]:
                ts = t0_market + i * (NS // 5)
                return (
                    "GatewayTrade",
                    cid,
                    [
                        {
                            "symbolId": "F.US.MNQ",
                            "price": price + float(steps[: i + 1].sum()),
                            "timestamp": _iso(ts),
                            "type": i % 2,
                            "volume": 1 + i % 3,
                        }
                    ],
                )

            # phase 1: paced
            n_total = int(rate * seconds)
            started = time.perf_counter()
            i = 0
            while i < n_total:
                due = min(n_total, int((time.perf_counter() - started) * rate) + 1)
                while i < due:
                    msg = trade(i)
                    if i % 5 == 0 and i:
                        label = t0_market + (i - 1) * (NS // 5)
                        closing[label - label % NS] = base_trades + i
                    send_ns.append(time.perf_counter_ns())
                    sim.publish_market([msg])
                    i += 1
                await asyncio.sleep(0.0005)
            deadline = time.monotonic() + 10
            while suite.feed.trades < base_trades + n_total and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            hub = suite.realtime.market  # type: ignore[union-attr]
            cpu = hub.process_latency.snapshot()
            # phase 2: flood
            flood = 200_000
            msgs = [trade(n_total + k) for k in range(flood)]
            before = suite.feed.trades
            t0 = time.perf_counter()
            for k in range(0, flood, 1000):
                sim.publish_market(msgs[k : k + 1000])
                await asyncio.sleep(0)
            deadline = time.monotonic() + 60
            while suite.feed.trades < before + flood and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            elapsed = time.perf_counter() - t0
            received = suite.feed.trades - before
        return {
            "paced_rate_msgs_s": rate,
            "paced_messages": n_total,
            "client_cpu_us_per_message": {
                "p50": cpu["p50_ns"] / 1e3,
                "p99": cpu["p99_ns"] / 1e3,
                "mean": cpu["mean_ns"] / 1e3,
            },
            "send_to_bar_updated_us": {
                "p50": recv.percentile(50) / 1e3,
                "p99": recv.percentile(99) / 1e3,
                "count": recv.count,
            },
            "closing_tick_to_new_bar_handler_us": {
                "p50": new_bar.percentile(50) / 1e3 if new_bar.count else None,
                "p99": new_bar.percentile(99) / 1e3 if new_bar.count else None,
                "count": new_bar.count,
            },
            "flood_trades_per_s": received / elapsed,
            "flood_received": received,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="uvloop")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(run(args.rate, args.seconds))
    else:
        result = asyncio.run(run(args.rate, args.seconds))
    for key, value in result.items():
        print(f"{key:38s} {value}")


if __name__ == "__main__":
    main()
