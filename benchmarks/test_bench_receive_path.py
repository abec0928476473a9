"""The suite's receive path beside the bare native feed, on the same trade frames, in one run.

``bare``: ``MarketFeed.feed`` alone (parse, guard, bars of 3 timeframes, book tape).
``hub``: ``HubConnection``'s receive path over that feed (stats, latency histogram).
``suite``: a connected ``TradingSuite`` (order book, orders, positions, risk; and once more with
the book's per-trade heuristics) receiving the frames through its market hub's receive path —
every handler the suite wires.

Each benchmark call handles 1,000 one-trade messages (1 ms apart in event time, so 1sec bars
close once per call); divide by 1,000 for the figure per message.
Run: ``pytest benchmarks/test_bench_receive_path.py --benchmark-only``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator

import orjson
import pytest

from projectx._native.feed import MarketFeed
from projectx._native.isotime import format_iso
from projectx.config import ProjectXConfig
from projectx.realtime.hub import HubConnection
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite

BATCH = 1_000
TIMEFRAMES = ["1sec", "1min", "5min"]


def _frames(cid: str, price: float, start_ns: int, n: int = 60 * BATCH) -> list[str]:
    out = []
    for i in range(n):
        item = {
            "symbolId": "F.US.MNQ",
            "price": price + (i % 5) * 0.25,
            "timestamp": format_iso(start_ns + i * 1_000_000, 6),
            "type": i % 2,
            "volume": 1 + i % 3,
        }
        msg = {"type": 1, "target": "GatewayTrade", "arguments": [cid, [item]]}
        out.append(orjson.dumps(msg).decode() + "\x1e")
    return out


def _batches(frames: list[str]) -> Iterator[list[str]]:
    """Consecutive batches; after the last one the stream starts again one window later in
    event time would be needed, so the frames are long enough for any calibrated run."""
    chunks = [frames[i : i + BATCH] for i in range(0, len(frames), BATCH)]
    return itertools.cycle(chunks)


def _runner(handle: Callable[[str], object], frames: list[str]) -> Callable[[], None]:
    batches = _batches(frames)

    def run() -> None:
        for message in next(batches):
            handle(message)

    return run


async def _no_token() -> str:
    return "unused"


@pytest.fixture(scope="module")
def market() -> Iterator[tuple[str, float, int]]:
    """(contract id, a price near the simulator's market, a start time near now)."""
    yield "CON.F.US.MNQ.Z26", 21000.0, time.time_ns() - 30 * 1_000_000_000


def test_receive_bare_feed(benchmark, market) -> None:
    """1,000 one-trade messages through ``MarketFeed.feed`` alone."""
    cid, price, start = market
    feed = MarketFeed()
    feed.add_contract(cid, 0.25, TIMEFRAMES)
    benchmark.pedantic(_runner(feed.feed, _frames(cid, price, start)), rounds=40, iterations=1)
    assert feed.trades > 0 and feed.anomalies_total == 0


def test_receive_hub_over_feed(benchmark, market) -> None:
    """1,000 one-trade messages through ``HubConnection``'s receive path over the feed."""
    cid, price, start = market
    feed = MarketFeed()
    feed.add_contract(cid, 0.25, TIMEFRAMES)
    hub = HubConnection("http://127.0.0.1:1/hubs/market", _no_token, feed)
    benchmark.pedantic(_runner(hub._on_text, _frames(cid, price, start)), rounds=40, iterations=1)
    assert feed.trades > 0 and feed.anomalies_total == 0


@pytest.mark.parametrize(
    "features",
    [("orderbook", "risk"), ("orderbook", "orderbook_heuristics", "risk")],
    ids=["book+risk", "book+heuristics+risk"],
)
def test_receive_suite(benchmark, features: tuple[str, ...]) -> None:
    """1,000 one-trade messages through a connected suite's market-hub receive path, with the
    order book and risk (the usual set), and with the book's per-trade heuristics as well."""
    loop = asyncio.new_event_loop()

    async def start() -> tuple[Simulator, TradingSuite]:
        sim = Simulator(
            symbols=["MNQ"], seed=3, rate=1.0, rate_limits=RateLimitConfig(enabled=False)
        )
        await sim.start()
        suite = TradingSuite(
            "MNQ",
            timeframes=TIMEFRAMES,
            initial_days=0,
            features=list(features),
            config=ProjectXConfig.for_simulator(sim),
        )
        await suite.connect()
        sim.faults.stall_hub("market")  # only the benchmark's frames from here on
        return sim, suite

    sim, suite = loop.run_until_complete(start())
    try:
        cid = suite["MNQ"].contract_id
        price = sim.market.last_price(cid) or 21000.0
        assert suite.realtime is not None
        frames = _frames(cid, round(price * 4) / 4, time.time_ns() - 30 * 1_000_000_000)
        before = suite.feed.anomalies_total
        benchmark.pedantic(_runner(suite.realtime.market._on_text, frames), rounds=40, iterations=1)
        assert suite.feed.trades > 0 and suite.feed.anomalies_total == before
    finally:
        loop.run_until_complete(suite.disconnect())
        loop.run_until_complete(sim.close())
        loop.close()
