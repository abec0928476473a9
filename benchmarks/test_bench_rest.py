"""REST client benchmarks: model parsing from wire dicts and ``get_bars`` end to end.

* ``parse_order`` / ``parse_bar`` / ``parse_trade``: one ``from_wire`` call on a realistic dict.
* ``bars_to_frame_20k``: 20,000 wire bars -> the polars frame (no network).
* ``get_bars_20k``: ``ProjectX.get_bars`` of 20,000 one-second bars from the in-process
  simulator over loopback (request, server aggregation, JSON, parse, frame), rate limits off.

Run: ``PYTHONPATH=src python -m pytest benchmarks/test_bench_rest.py -p no:cacheprovider``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from projectx._native.isotime import format_iso
from projectx.client import ProjectX
from projectx.client.bars import bars_to_frame
from projectx.config import ProjectXConfig
from projectx.models import Bar, Order, Trade

ORDER = {
    "id": 2900000120,
    "accountId": 7001,
    "contractId": "CON.F.US.MNQ.Z25",
    "symbolId": "F.US.MNQ",
    "creationTimestamp": "2025-11-24T14:12:30.531104+00:00",
    "updateTimestamp": "2025-11-24T14:12:30.549003+00:00",
    "status": 2,
    "type": 2,
    "side": 0,
    "size": 2,
    "limitPrice": None,
    "stopPrice": None,
    "fillVolume": 2,
    "filledPrice": 21021.75,
    "customTag": "strat-a-000017",
}
TRADE = {
    "id": 2555000301,
    "accountId": 7001,
    "contractId": "CON.F.US.MNQ.Z25",
    "creationTimestamp": "2025-11-24T14:20:41.003117+00:00",
    "price": 21031.75,
    "profitAndLoss": 40.0,
    "fees": 0.74,
    "side": 1,
    "size": 2,
    "voided": False,
    "orderId": 2900000123,
}
BAR = {
    "t": "2025-11-24T14:15:00+00:00",
    "o": 21010.25,
    "h": 21013.0,
    "l": 21008.5,
    "c": 21012.0,
    "v": 412,
}


def test_parse_order(benchmark: Any) -> None:
    """One ``Order.from_wire`` on a 15-field wire dict with two ISO timestamps."""
    order = benchmark(Order.from_wire, ORDER)
    assert order.id == ORDER["id"]


def test_parse_trade(benchmark: Any) -> None:
    """One ``Trade.from_wire`` on an 11-field wire dict with one ISO timestamp."""
    trade = benchmark(Trade.from_wire, TRADE)
    assert trade.order_id == TRADE["orderId"]


def test_parse_bar(benchmark: Any) -> None:
    """One ``Bar.from_wire`` on a 6-field wire bar (t, o, h, l, c, v)."""
    bar = benchmark(Bar.from_wire, BAR)
    assert bar.volume == 412


def test_bars_to_frame_20k(benchmark: Any) -> None:
    """``bars_to_frame`` on 20,000 already-decoded wire bar dicts -> polars frame (no JSON, no
    network; building the list is untimed). ``ns_per_bar`` in extra_info."""
    t0 = 1_764_000_000 * 10**9
    wire = [
        {
            "t": format_iso(t0 - i * 10**9, 6),
            "o": 1.0 + i,
            "h": 2.0 + i,
            "l": 0.5 + i,
            "c": 1.5 + i,
            "v": i + 1,
        }
        for i in range(20_000)
    ]
    frame = benchmark(bars_to_frame, wire)
    assert frame.height == 20_000
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_bar"] = benchmark.stats.stats.median * 1e9 / 20_000


def test_decode_and_frame_20k_response(benchmark: Any) -> None:
    """Client CPU for one full retrieveBars answer: JSON bytes -> polars frame."""
    t0 = 1_764_000_000 * 10**9
    body = orjson.dumps(
        {
            "bars": [
                {
                    "t": format_iso(t0 - i * 10**9, 6),
                    "o": 21000.25 + (i % 3) * 0.25,
                    "h": 21001.0,
                    "l": 20999.5,
                    "c": 21000.75,
                    "v": 1 + i % 9,
                }
                for i in range(20_000)
            ],
            "success": True,
            "errorCode": 0,
            "errorMessage": None,
        }
    )

    def run() -> Any:
        return bars_to_frame(orjson.loads(body)["bars"])

    frame = benchmark(run)
    assert frame.height == 20_000
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ns_per_bar"] = benchmark.stats.stats.median * 1e9 / 20_000


@pytest.fixture(scope="module")
def harness() -> Any:
    """A loop, a running simulator (rate limits off) and a connected client + MNQ contract."""
    from projectx.sim import Simulator
    from projectx.sim.ratelimit import RateLimitConfig

    loop = asyncio.new_event_loop()
    sim = Simulator(symbols=["MNQ"], seed=3, rate=5.0, rate_limits=RateLimitConfig(enabled=False))
    loop.run_until_complete(sim.start())
    cfg = ProjectXConfig(
        environment="local",
        base_url=sim.base_url,
        username=sim.credentials.user_name,
        api_key=sim.credentials.api_key,
        general_limit=10_000,
        bars_limit=10_000,
    )
    px = ProjectX(cfg)
    loop.run_until_complete(px.connect())
    contract = loop.run_until_complete(px.resolve_contract("MNQ"))
    yield loop, px, contract
    loop.run_until_complete(px.close())
    loop.run_until_complete(sim.close())
    loop.close()


def test_get_bars_20k(benchmark: Any, harness: Any) -> None:
    """``ProjectX.get_bars`` of 20,000 1sec bars from the in-process simulator over loopback
    (request, server aggregation, JSON, parse, frame); simulator and login are untimed."""
    loop, px, contract = harness
    end = datetime.now(UTC) - timedelta(minutes=1)

    def run() -> Any:
        return loop.run_until_complete(
            px.get_bars(contract, "1sec", end=end, start=end - timedelta(days=3), limit=20_000)
        )

    frame = benchmark.pedantic(run, rounds=8, warmup_rounds=1)
    assert frame.height == 20_000
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["bars_per_s"] = 20_000 / benchmark.stats.stats.median
