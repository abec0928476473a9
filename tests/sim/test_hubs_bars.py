"""End to end: the bars ``History/retrieveBars`` serves equal the bars rebuilt from the trades
the market hub streamed (issue 3, "Done when"), with a manual clock for determinism."""

from __future__ import annotations

from datetime import datetime

import pytest

from projectx.sim import Simulator
from projectx.sim.clock import ManualClock
from projectx.sim.ratelimit import RateLimitConfig
from tests.sim.conftest import RawHub, login, post

NS = 1_000_000_000
START_NS = 1_764_000_007 * NS + 123_000  # not on a minute boundary


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS).astimezone().isoformat()


def _rebuild(trades: list[dict], bar_s: int) -> dict[int, tuple[float, float, float, float, int]]:
    """Reference aggregation: bar open time (s) -> (o, h, l, c, v), trades in arrival order."""
    bars: dict[int, list] = {}
    for tr in trades:
        ts = datetime.fromisoformat(tr["timestamp"]).timestamp()
        key = int(ts // bar_s * bar_s)
        px, vol = tr["price"], tr["volume"]
        if key not in bars:
            bars[key] = [px, px, px, px, vol]
        else:
            b = bars[key]
            b[1] = max(b[1], px)
            b[2] = min(b[2], px)
            b[3] = px
            b[4] += vol
    return {k: tuple(v) for k, v in bars.items()}


@pytest.mark.parametrize(("unit", "unit_number", "bar_s"), [(1, 30, 30), (2, 1, 60), (2, 2, 120)])
async def test_retrieve_bars_equal_bars_from_streamed_trades(http, unit, unit_number, bar_s):
    clock = ManualClock(START_NS)
    async with Simulator(
        symbols=["MNQ"],
        seed=21,
        rate=40.0,
        clock=clock,
        rate_limits=RateLimitConfig(enabled=False),
    ) as sim:
        cid = sim.contract_ids[0]
        token = await login(http, sim)
        hub = await RawHub.connect(http, sim.market_hub_url, token)
        assert "result" in await hub.invoke("SubscribeContractTrades", cid)
        queued = 0
        for _ in range(6 * 60):  # six minutes of market time, one second per pump
            clock.advance(NS)
            queued += sim.pump_once()
        trades: list[dict] = []
        for _ in range(queued):
            msg = await hub.wait_for(lambda m: m.get("target") == "GatewayTrade")
            assert msg["arguments"][0] == cid
            trades.extend(msg["arguments"][1])
        await hub.close()
        assert len(trades) > 50
        now_ns = clock.now_ns()
        body = {
            "contractId": cid,
            "live": False,
            "startTime": _iso(START_NS),
            "endTime": _iso(now_ns),
            "unit": unit,
            "unitNumber": unit_number,
            "limit": 1000,
            "includePartialBar": False,
        }
        status, env = await post(http, sim, "History/retrieveBars", body, token)
        assert status == 200 and env["success"] is True, env
    served = {
        int(datetime.fromisoformat(b["t"]).timestamp()): (b["o"], b["h"], b["l"], b["c"], b["v"])
        for b in env["bars"]
    }
    times = [datetime.fromisoformat(b["t"]).timestamp() for b in env["bars"]]
    assert times == sorted(times, reverse=True)  # newest first
    rebuilt = _rebuild(trades, bar_s)
    first_full = -(-START_NS // (bar_s * NS)) * bar_s  # first bar wholly after the start
    last_closed = now_ns // (bar_s * NS) * bar_s  # bars before this one are complete
    window = {k: v for k, v in rebuilt.items() if first_full <= k < last_closed}
    assert window, "no complete bar in the streamed window"
    assert {k: v for k, v in served.items() if first_full <= k < last_closed} == window
