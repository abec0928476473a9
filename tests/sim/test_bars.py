"""History/retrieveBars: bars equal the OHLCV of the trades the market streamed (spec §4.4).

The reference aggregator below buckets trades with ``datetime`` arithmetic (a different method
from the NumPy implementation) and keeps OHLCV in plain Python.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from projectx.sim.clock import NS_PER_S, ManualClock, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator

T0 = parse_ts("2026-11-24T14:00:00Z")
HOUR = 3600 * NS_PER_S


def _label(ts_ns: int, unit: int, n: int) -> datetime:
    dt = datetime.fromtimestamp(ts_ns // 1000 / 1e6, tz=UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    if unit in (1, 2, 3):
        length = timedelta(seconds={1: 1, 2: 60, 3: 3600}[unit] * n)
        return epoch + (dt - epoch) // length * length
    day = datetime(dt.year, dt.month, dt.day, tzinfo=UTC)
    if unit == 4:
        return epoch + timedelta(days=(day - epoch).days // n * n)
    if unit == 5:
        monday = datetime(1970, 1, 5, tzinfo=UTC)
        return monday + timedelta(weeks=(day - monday).days // 7 // n * n)
    months = (dt.year - 1970) * 12 + dt.month - 1
    months = months // n * n
    return datetime(1970 + months // 12, months % 12 + 1, 1, tzinfo=UTC)


def reference_bars(
    trades: list[tuple[int, float, int]], unit: int, n: int, start_ns: int, end_ns: int
) -> list[dict[str, Any]]:
    """Ascending bars with ``start <= t < end`` from (ts_ns, price, volume) trades."""
    bars: dict[datetime, list[Any]] = {}
    for ts, price, vol in sorted(trades, key=lambda t: t[0]):
        key = _label(ts, unit, n)
        b = bars.get(key)
        if b is None:
            bars[key] = [price, price, price, price, vol]
        else:
            b[1] = max(b[1], price)
            b[2] = min(b[2], price)
            b[3] = price
            b[4] += vol
    out = []
    start = datetime.fromtimestamp(start_ns / 1e9, tz=UTC)
    end = datetime.fromtimestamp(end_ns / 1e9, tz=UTC)
    for key in sorted(bars):
        if start <= key < end:
            o, h, lo, c, v = bars[key]
            out.append({"t": key, "o": o, "h": h, "l": lo, "c": c, "v": v})
    return out


class World:
    def __init__(self, rate: float = 5.0, seconds: int = 2 * 3600) -> None:
        self.clock = ManualClock(T0)
        self.spec = resolve_symbols(["MNQ"], T0)[0]
        self.market = MarketSimulator(
            [self.spec], seed=11, rate_per_s=rate, clock=self.clock, history_days=3
        )
        self.x = Exchange(self.market, self.clock)
        self.x.add_user("u", "k", [{"id": 1, "name": "A"}])
        self.streamed: list[tuple[int, float, int]] = []
        self.run(seconds)

    def run(self, seconds: int) -> None:
        self.clock.advance(seconds * NS_PER_S)
        for target, _, data in self.market.advance(self.clock.now_ns()):
            if target == "GatewayTrade":
                for item in data:
                    self.streamed.append(
                        (parse_ts(item["timestamp"]), item["price"], item["volume"])
                    )

    def bars(self, **body: Any) -> dict[str, Any]:
        req = {
            "contractId": self.spec.id,
            "live": False,
            "startTime": "2026-11-24T14:00:00Z",
            "endTime": "2026-11-25T00:00:00Z",
            "unit": 2,
            "unitNumber": 1,
            "limit": 20_000,
            "includePartialBar": True,
        } | body
        return self.x.handle("History/retrieveBars", "u", req)


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def all_trades(world: World) -> list[tuple[int, float, int]]:
    ts, ticks, vol = world.market.history.trades(world.spec.id)
    p = world.spec.price
    return [(t, p(k), v) for t, k, v in zip(ts.tolist(), ticks.tolist(), vol.tolist(), strict=True)]


def _norm(bars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b | {"t": datetime.fromisoformat(b["t"])} for b in bars]


@pytest.mark.parametrize(("unit", "n"), [(1, 1), (1, 15), (2, 1), (2, 5), (2, 7), (3, 1)])
def test_served_bars_equal_bars_rebuilt_from_the_streamed_trades(
    world: World, unit: int, n: int
) -> None:
    env = world.bars(unit=unit, unitNumber=n)
    assert env["success"] and env["errorCode"] == 0
    served = _norm(env["bars"])
    expected = reference_bars(world.streamed, unit, n, T0, world.clock.now_ns() + HOUR)
    assert served == list(reversed(expected))  # newest first
    assert all(b["v"] > 0 for b in served)


def test_streamed_trades_are_the_tail_of_the_history(world: World) -> None:
    ts, ticks, vol = world.market.history.trades(world.spec.id)
    tail = list(
        zip(
            ts[-len(world.streamed) :].tolist(),
            ticks[-len(world.streamed) :].tolist(),
            vol[-len(world.streamed) :].tolist(),
            strict=True,
        )
    )
    assert [(t, world.spec.price(k), v) for t, k, v in tail] == world.streamed
    assert ts[0] < T0 - 24 * HOUR  # pre-generated warm-up history exists
    assert list(ts) == sorted(ts)


@pytest.mark.parametrize(("unit", "n"), [(2, 30), (3, 4), (4, 1), (4, 2), (5, 1), (6, 1)])
def test_calendar_and_long_bars_over_history_plus_stream(
    world: World, all_trades: list[tuple[int, float, int]], unit: int, n: int
) -> None:
    trades = all_trades
    start = "2026-10-01T00:00:00Z"
    env = world.bars(unit=unit, unitNumber=n, startTime=start)
    expected = reference_bars(trades, unit, n, parse_ts(start), world.clock.now_ns() + HOUR)
    assert _norm(env["bars"]) == list(reversed(expected))
    assert len(expected) >= 1


def test_limit_keeps_the_most_recent_bars(world: World) -> None:
    full = world.bars()["bars"]
    top = world.bars(limit=3)["bars"]
    assert top == full[:3]
    assert [b["t"] for b in full] == sorted((b["t"] for b in full), reverse=True)


def test_partial_bar_included_only_on_request_and_keeps_forming() -> None:
    w = World(rate=20.0, seconds=90)  # clock at 14:01:30: the 14:01 bar is still forming
    with_partial = w.bars(limit=5)["bars"]
    without = w.bars(limit=5, includePartialBar=False)["bars"]
    assert with_partial[0]["t"] == "2026-11-24T14:01:00+00:00"
    assert without[0]["t"] == "2026-11-24T14:00:00+00:00"
    assert without == with_partial[1:]
    v_before = with_partial[0]["v"]
    w.run(20)
    assert w.bars(limit=1)["bars"][0]["v"] > v_before


def test_window_bounds_use_the_bar_open_time(world: World) -> None:
    bars = world.bars(startTime="2026-11-24T14:10:00Z", endTime="2026-11-24T14:20:00Z")["bars"]
    ts = [datetime.fromisoformat(b["t"]) for b in bars]
    assert ts and min(ts) >= datetime(2026, 11, 24, 14, 10, tzinfo=UTC)
    assert max(ts) < datetime(2026, 11, 24, 14, 20, tzinfo=UTC)


def test_limit_is_capped_at_20000(world: World) -> None:
    env = world.bars(unit=1, unitNumber=1, limit=50_000, startTime="2026-11-01T00:00:00Z")
    assert len(env["bars"]) == 20_000


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"contractId": "CON.F.US.NOPE.Z26"}, 1),
        ({"unit": 0}, 2),
        ({"unit": 7}, 2),
        ({"unit": 9}, 2),
        ({"unitNumber": 0}, 3),
        ({"unitNumber": -5}, 3),
        ({"limit": 0}, 4),
        ({"limit": -1}, 4),
    ],
)
def test_validation_codes(world: World, change: dict[str, Any], code: int) -> None:
    env = world.bars(**change)
    assert (env["success"], env["errorCode"], env["bars"]) == (False, code, None)


def test_empty_window_gives_no_bars(world: World) -> None:
    env = world.bars(startTime="2030-01-01T00:00:00Z", endTime="2030-01-02T00:00:00Z")
    assert env["success"] and env["bars"] == []
