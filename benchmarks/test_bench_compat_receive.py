"""A project-x-py script's receive path on ``projectx.compat`` beside the core suite's, in one run.

``core``: a connected core ``TradingSuite`` with the order book and risk; ``compat``: the same
suite built by ``projectx.compat.TradingSuite.create`` (project-x-py's ``orderbook`` and
``risk_manager`` features), whose order book also samples the spread after every depth message.
Both receive the same frames through the market hub's receive path: 1,000 one-record messages
per call, trades only or trades and depth alternating. Divide by 1,000 for the figure per
message.
Run: ``pytest benchmarks/test_bench_compat_receive.py --benchmark-only``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from projectx._native.isotime import format_iso
from projectx.compat import TradingSuite as CompatSuite
from projectx.config import ProjectXConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite

BATCH = 1_000
TIMEFRAMES = ["1min", "5min"]


def _frames(cid: str, price: float, start_ns: int, depth: bool, n: int = 40 * BATCH) -> list[str]:
    out = []
    for i in range(n):
        ts = format_iso(start_ns + i * 1_000_000, 6)
        if depth and i % 2:
            side = 1 + i % 4 // 2  # 1 ask, 2 bid (DomType)
            level = price + (0.25 * (1 + i % 3) if side == 1 else -0.25 * (1 + i % 3))
            item: dict[str, Any] = {"timestamp": ts, "type": side, "price": level, "volume": i % 7}
            target = "GatewayDepth"
        else:
            item = {"price": price + (i % 5) * 0.25, "timestamp": ts, "type": i % 2, "volume": 1}
            target = "GatewayTrade"
        msg = {"type": 1, "target": target, "arguments": [cid, [item]]}
        out.append(orjson.dumps(msg).decode() + "\x1e")
    return out


def _runner(handle: Callable[[str], object], frames: list[str]) -> Callable[[], None]:
    batches = itertools.cycle([frames[i : i + BATCH] for i in range(0, len(frames), BATCH)])

    def run() -> None:
        for message in next(batches):
            handle(message)

    return run


async def _core(sim: Simulator) -> TradingSuite:
    suite = TradingSuite(
        "MNQ",
        timeframes=TIMEFRAMES,
        initial_days=0,
        features=["orderbook", "risk"],
        config=ProjectXConfig.for_simulator(sim),
    )
    await suite.connect()
    return suite


async def _compat(sim: Simulator) -> TradingSuite:
    base = sim.base_url
    env = {
        "PROJECT_X_USERNAME": sim.credentials.user_name,
        "PROJECT_X_API_KEY": sim.credentials.api_key,
        "PROJECTX_API_URL": f"{base}/api",
        "PROJECTX_USER_HUB_URL": f"{base}/hubs/user",
        "PROJECTX_MARKET_HUB_URL": f"{base}/hubs/market",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        suite = await CompatSuite.create(
            "MNQ", timeframes=TIMEFRAMES, features=["orderbook", "risk_manager"], initial_days=0
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return suite.core


@pytest.fixture(params=["core", "compat"])
def suite_kind(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """(kind, an async builder of a connected core suite over a simulator)."""
    yield request.param, {"core": _core, "compat": _compat}[request.param]


@pytest.mark.parametrize("depth", [False, True], ids=["trades", "trades+depth"])
def test_receive_core_vs_compat(benchmark, suite_kind, depth: bool) -> None:
    """1,000 one-record messages through the market hub of a core or a compat suite."""
    _kind, build = suite_kind
    loop = asyncio.new_event_loop()

    async def start() -> tuple[Simulator, TradingSuite]:
        sim = Simulator(
            symbols=["MNQ"], seed=3, rate=1.0, rate_limits=RateLimitConfig(enabled=False)
        )
        await sim.start()
        suite = await build(sim)
        sim.faults.stall_hub("market")  # only the benchmark's frames from here on
        return sim, suite

    sim, suite = loop.run_until_complete(start())
    try:
        cid = suite["MNQ"].contract_id
        price = round((sim.market.last_price(cid) or 21000.0) * 4) / 4
        frames = _frames(cid, price, time.time_ns() - 30 * 1_000_000_000, depth)
        before = suite.feed.anomalies_total
        assert suite.realtime is not None
        benchmark.pedantic(_runner(suite.realtime.market._on_text, frames), rounds=30, iterations=1)
        assert suite.feed.trades > 0 and suite.feed.anomalies_total == before
    finally:
        loop.run_until_complete(suite.disconnect())
        loop.run_until_complete(sim.close())
        loop.close()
