"""Order round trip against the in-process simulator over loopback.

``place_to_working``: ``OrderManager.place_limit_order`` of a limit far from the market until the
user hub's Open event made the record ``working`` (ORDER_PLACED emitted); then the order is
cancelled and its Cancelled event awaited (``cancel_to_cancelled``). 500 orders per run; p50/p99
of each leg are stored in ``extra_info`` (microseconds) and printed.

Run: ``PYTHONPATH=src python -m pytest benchmarks/test_bench_orders.py -p no:cacheprovider -s``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.enums import OrderSide
from projectx.events import EventBus, EventType
from projectx.orders import OrderManager, OrderState
from projectx.realtime.client import RealtimeClient
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

N_ORDERS = 500
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
if uvloop is not None:
    LOOPS["uvloop"] = uvloop.new_event_loop


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _round_trips(n: int) -> tuple[list[float], list[float]]:
    async with Simulator(
        symbols=["MNQ"], seed=3, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        config = ProjectXConfig(
            environment="local",
            base_url=sim.base_url,
            username=sim.credentials.user_name,
            api_key=Secret(sim.credentials.api_key),
            general_limit=1_000_000,
        )
        async with ProjectX(config) as px:
            account = await px.select_account()
            contract = await px.resolve_contract("MNQ")
            sim.market.set_book(contract.id, bid=20000.0, ask=20000.25, sizes=10, last=20000.0)
            bus = EventBus()
            placed: list[int] = []
            bus.on(EventType.ORDER_PLACED, lambda ev: placed.append(1))
            om = OrderManager(px, bus, account_id=account.id)
            async with RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url) as rt:
                rt.on_user_event(om.on_user_event)
                await rt.subscribe_user(account.id)
                await om.start()
                place_us: list[float] = []
                cancel_us: list[float] = []
                for i in range(n):
                    t0 = time.perf_counter()
                    rec = await om.place_limit_order(
                        contract, OrderSide.BUY, 1, 19900.0 - (i % 40) * 0.25
                    )
                    await om.track(rec).wait_for_status(OrderState.WORKING, 10)
                    t1 = time.perf_counter()
                    await om.cancel_order(rec)
                    await om.track(rec).wait_for_status(OrderState.CANCELLED, 10)
                    t2 = time.perf_counter()
                    place_us.append((t1 - t0) * 1e6)
                    cancel_us.append((t2 - t1) * 1e6)
                await om.close()
            await bus.aclose()
            assert len(placed) == n and om.stats()["illegal_transitions"] == 0
            return place_us, cancel_us


@pytest.mark.parametrize("loop_name", list(LOOPS))
def test_order_round_trip(benchmark: Any, loop_name: str) -> None:
    """One run, asyncio vs uvloop: simulator + client set-up, then 500 place->working and
    cancel->cancelled round trips over loopback. The run time includes set-up; the per-leg
    p50/p99 in extra_info time only each leg (perf_counter)."""
    results: dict[str, tuple[list[float], list[float]]] = {}

    def run() -> None:
        loop = LOOPS[loop_name]()
        try:
            results["last"] = loop.run_until_complete(_round_trips(N_ORDERS))
        finally:
            loop.close()

    benchmark.pedantic(run, rounds=1, iterations=1)
    place_us, cancel_us = results["last"]
    info = {
        "orders": len(place_us),
        "place_to_working_p50_us": _pct(place_us, 50),
        "place_to_working_p99_us": _pct(place_us, 99),
        "cancel_to_cancelled_p50_us": _pct(cancel_us, 50),
        "cancel_to_cancelled_p99_us": _pct(cancel_us, 99),
    }
    benchmark.extra_info.update(info)
    print(f"\n[{loop_name}] " + ", ".join(f"{k}={v:.0f}" for k, v in info.items()))
