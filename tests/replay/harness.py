"""A deterministic live run: a simulator on a ManualClock, stepped one market step at a time,
with a recorder and a strategy-driven suite attached over real sockets."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.recording import Recorder
from projectx.replay.runner import _bus_busy
from projectx.sim import Simulator
from projectx.sim.clock import ManualClock
from projectx.sim.ratelimit import RateLimitConfig
from projectx.strategy import Strategy
from projectx.suite import TradingSuite

START_NS = 1_793_631_600 * 1_000_000_000  # 2026-11-02 15:00:00 UTC, a Monday


class CountingClient(ProjectX):
    """REST client that counts calls in flight."""

    inflight = 0

    async def _send(
        self, endpoint: str, body: Any, token: str | None
    ) -> tuple[int, str | None, bytes]:
        self.inflight += 1
        try:
            return await super()._send(endpoint, body, token)
        finally:
            self.inflight -= 1


def config_for(sim: Simulator) -> ProjectXConfig:
    """A config for a live run against ``sim``."""
    return ProjectXConfig.for_simulator(sim)


async def _until(predicate: Any, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("live run: condition not reached")
        await asyncio.sleep(0.0005)


async def live_run(
    strategy: Strategy,
    out: Path,
    *,
    seconds: float,
    seed: int = 11,
    rate: float = 20.0,
    symbol: str = "MNQ",
) -> dict[str, Any]:
    """Run ``strategy`` live for ``seconds`` of market time while recording to ``out``.

    Returns the exchange's fills of the suite's account, the number of market records
    published to each subscriber and the recorder's manifest.
    """
    clock = ManualClock(START_NS)
    sim = Simulator(
        symbols=[symbol],
        seed=seed,
        rate=rate,
        clock=clock,
        rate_limits=RateLimitConfig(enabled=False),
    )
    await sim.start_server()
    expected_user = 0
    received_user = 0

    def on_exchange(target: str, account_id: int, argument: Any) -> None:
        nonlocal expected_user
        expected_user += 1

    sim.exchange.add_user_event_listener(on_exchange)
    try:
        async with ProjectX(config_for(sim)) as rec_client:
            recorder = Recorder(rec_client, [symbol], out)
            await recorder.start()
            client = CountingClient(config_for(sim))
            await client.connect()
            suite = TradingSuite(
                symbol,
                timeframes=list(strategy.timeframes or ("1sec",)),
                initial_days=0,
                client=client,
                stale_after=None,
            )
            await suite.connect()
            assert suite.realtime is not None

            def on_user(event: Any) -> None:
                nonlocal received_user
                received_user += 1

            suite.realtime.on_user_event(on_user)
            account_id = suite.account.id if suite.account else 0
            # both subscribers received the subscribe snapshots (depth + quote)
            feeds = (suite.feed, recorder.feed)
            await _until(lambda: all(f.quotes >= 1 and f.depth_updates >= 1 for f in feeds))
            base_suite = suite.feed.parser.records_total
            base_rec = recorder.feed.parser.records_total
            await strategy.setup(suite)

            async def settle() -> None:
                stable = 0
                while stable < 3:
                    await asyncio.sleep(0.0005)
                    quiet = (
                        not _bus_busy(suite.bus)
                        and client.inflight == 0
                        and received_user >= expected_user
                    )
                    stable = stable + 1 if quiet else 0

            published = 0
            end_ns = START_NS + int(seconds * 1e9)
            market = sim.market
            while True:
                next_ns = market._heap[0][0]
                if next_ns > end_ns:
                    break
                clock.set(next_ns)
                published += sim.pump_once()
                per_sub = published // 2
                await _until(
                    lambda p=per_sub: (
                        suite.feed.parser.records_total - base_suite >= p
                        and recorder.feed.parser.records_total - base_rec >= p
                    )
                )
                await settle()
            await strategy.teardown(suite)
            await settle()
            manifest = await recorder.close()
            fills = [t for _, t in sim.exchange.account_trades(account_id)]
            balance = sim.exchange.accounts[account_id].balance
            await suite.disconnect()
            await client.close()
    finally:
        await sim.close()
    return {
        "fills": fills,
        "published_per_subscriber": published // 2,
        "manifest": manifest,
        "balance": balance,
        "recorder_messages": recorder.feed.parser.records_total - base_rec,
    }
