"""Hypothesis fuzzing of ``MarketFeed.feed`` and the hub receive path over it.

Streams of market records whose fields take every value the spec's types allow and what a
broken or hostile peer could send (prices zero, negative, huge, strings, booleans; volumes
negative, fractional, past int64; timestamps near the int64-ns limits, without offset, invalid
dates, leap seconds, ten fractional digits; undefined enum values; items that are not objects;
extra arguments; glued and garbage records), cut into messages at arbitrary points. Properties:

- nothing escapes ``feed()`` or ``HubConnection._on_text`` (with calendar timeframes, where
  extreme times used to raise out of the bar engine);
- whatever the split, the same trades and depth entries are applied in the same order, the
  same anomalies are counted and the same other records handed back;
- everything applied passes the guard: finite positive prices on the tick grid, sizes in range,
  times in range; every closed bar is a consistent OHLCV bar.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx._native.feed import MarketFeed
from projectx.realtime.hub import HubConnection

RS = "\x1e"
MNQ = "CON.F.US.MNQ.Z25"
OTHER = "CON.F.US.EP.Z25"
TIMEFRAMES = ["1sec", "1min", "1day", "1week", "1month"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MIN_TS, MAX_TS = 946_684_800 * 10**9, 4_102_444_800 * 10**9

good_prices = st.integers(min_value=84_000, max_value=84_010).map(lambda t: t * 0.25)
good_volumes = st.integers(min_value=1, max_value=20)
good_times = st.integers(min_value=0, max_value=120).map(
    lambda s: f"2025-11-24T14:{s // 60:02d}:{s % 60:02d}.{s * 7919 % 10**6:06d}+00:00"
)


def _mostly(good: st.SearchStrategy[Any], *bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` about four times in five, else one of the hostile strategies."""
    hostile = st.one_of(*bad)
    return st.integers(min_value=0, max_value=4).flatmap(lambda k: hostile if k == 0 else good)


prices = _mostly(
    good_prices,
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 0.0, -0.0, -21000.0, 1e308, 5e-324, 10500.0, 210000.0, 21000.1]),
    st.sampled_from(["21000.25", True, None, [], {}]),
)
volumes = _mostly(
    good_volumes,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 1.5, 2.0, 10**18, 2**63 - 1, "3", False, None]),
)
timestamps = _mostly(
    good_times,
    st.sampled_from(
        [
            "2025-11-24T14:00:00.1234567891+00:00",
            "2025-11-24T14:00:00Z",
            "2025-11-24T09:00:00-05:00",
            "2016-12-31T23:59:60+00:00",
            "2025-11-24T14:00:01",
            "2025-02-30T10:00:00+00:00",
            "2262-04-11T23:47:16.854775+00:00",
            "1677-09-21T00:12:43.145225+00:00",
            "9999-12-31T23:59:59+00:00",
            "0001-01-01T00:00:00+00:00",
            "2030-01-01T00:00:00+00:00",
            "",
        ]
    ),
    st.sampled_from([None, 1764000000, True]),
)
sides = _mostly(st.sampled_from([0, 1]), st.integers(), st.sampled_from([None, "0", 1.0]))
dom_types = _mostly(st.integers(min_value=0, max_value=11), st.integers(), st.none())


def _item(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An item with every key, or (one time in six) with a random subset of them."""
    every, some = st.fixed_dictionaries(fields), st.fixed_dictionaries({}, optional=fields)
    return st.integers(min_value=0, max_value=5).flatmap(lambda k: some if k == 0 else every)


trade_items = _item(price=prices, volume=volumes, timestamp=timestamps, type=sides)
depth_items = _item(
    price=prices, volume=volumes, currentVolume=volumes, timestamp=timestamps, type=dom_types
)
quote_items = _item(
    lastPrice=prices, bestBid=prices, bestAsk=prices, change=prices, volume=volumes,
    timestamp=timestamps, lastUpdated=timestamps,
)  # fmt: skip


@st.composite
def market_record(draw: st.DrawFn) -> str:
    target, items = draw(
        st.sampled_from(
            [
                ("GatewayTrade", trade_items),
                ("GatewayDepth", depth_items),
                ("GatewayQuote", quote_items),
            ]
        )
    )
    contract = draw(st.sampled_from([MNQ, MNQ, MNQ, OTHER]))
    many = draw(st.lists(_mostly(items, st.sampled_from([1, "x", None])), max_size=4))
    data: Any = many if target != "GatewayQuote" or draw(st.booleans()) else (many or [{}])[0]
    arguments: list[Any] = [contract, data]
    if draw(st.integers(0, 9)) == 0:
        arguments.append(draw(st.sampled_from([None, {}, "extra"])))
    if draw(st.integers(0, 19)) == 0:
        arguments = arguments[:1]
    message = {"type": 1, "target": target, "arguments": arguments}
    return json.dumps(message, separators=(",", ":"))  # ints past 64 bits too


records = st.one_of(
    market_record(),
    market_record(),
    market_record(),
    st.sampled_from(['{"type":6}', '{"type":3,"invocationId":"9","result":null}', "garbage", "[]"]),
    st.tuples(market_record(), market_record()).map(lambda pair: pair[0] + pair[1]),  # glued
    market_record().map(lambda r: r[: len(r) // 2]),  # truncated
)


def _new_feed() -> MarketFeed:
    feed = MarketFeed()
    feed.add_contract(MNQ, 0.25, TIMEFRAMES)
    feed.wall_clock = False  # the stream is the reference: generated times are in 2025
    return feed


def _run(feed: MarketFeed, messages: list[bytes]) -> tuple[list[Any], list[Any], list[bytes]]:
    trades: list[Any] = []
    depth: list[Any] = []
    others: list[bytes] = []
    for message in messages:
        feed.feed(message)
        trades.extend(feed.last_trades())
        depth.extend(feed.last_depth())
        others.extend(feed.others)
    return trades, depth, others


def _check_applied(feed: MarketFeed, trades: list[Any], depth: list[Any]) -> None:
    for _cid, price, volume, side, ts in trades:
        assert 0 < price < float("inf") and abs(price / 0.25 - round(price / 0.25)) < 1e-6
        assert 1 <= volume <= feed.max_volume and side in (-1, 0, 1)
        assert MIN_TS <= ts < MAX_TS
    for _cid, dom_type, _price, volume, ts in depth:
        assert 0 <= dom_type <= 11 and volume >= 0 and MIN_TS <= ts < MAX_TS
    engine = feed.bars(MNQ)
    assert engine is not None
    for tf in TIMEFRAMES:
        bars = engine.closed(tf)
        for i in range(len(bars["ts"])):
            o, h, lo, c = (float(bars[k][i]) for k in ("open", "high", "low", "close"))
            assert lo <= min(o, c) and max(o, c) <= h and int(bars["volume"][i]) >= 1


@SETTINGS
@given(
    stream=st.lists(records, min_size=1, max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=6),
)
def test_feed_never_raises_and_does_not_depend_on_the_split(
    stream: list[str], cuts: list[int]
) -> None:
    data = (RS.join(stream) + RS).encode()
    whole = _new_feed()
    expected = _run(whole, [data])
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    split = _new_feed()
    got = _run(split, [p for p in pieces if p])
    assert got == expected
    assert split.anomalies() == whole.anomalies()
    assert split.quarantined() == whole.quarantined()
    _check_applied(split, *got[:2])


@SETTINGS
@given(stream=st.lists(records, min_size=1, max_size=12), cut=st.integers(min_value=0))
def test_the_hub_receive_path_over_a_market_feed_never_raises(stream: list[str], cut: int) -> None:
    async def run() -> None:
        async def no_token() -> str:
            raise AssertionError("no connection is opened")

        feed = _new_feed()
        hub = HubConnection("ws://127.0.0.1:1/hubs/market", no_token, feed, name="market")
        applied: list[Any] = []
        hub.on_native(lambda parser, n: applied.extend(feed.last_trades()))
        data = RS.join(stream) + RS
        at = cut % (len(data) + 1)
        for message in (data[:at], data[at:]):
            if message:
                hub._on_text(message)
        _check_applied(feed, applied, [])
        assert feed.trades == len(applied)

    asyncio.run(run())
