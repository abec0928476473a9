"""The native heuristics tracker against the Python model it replaced.

``tests.orderbook.reference_heuristics`` keeps the pure-Python tracker (and the old
``OrderBook`` hooks that fed it from a native book) verbatim. Random level/trade sequences —
with the level table and the events ring overflowing, resets and clears — must leave the same
icebergs, spoofs and counters in both; the native book entry points must read the book as the
old hooks did; and ``MarketFeed`` with an attached tracker must detect what the hooks detected
on the same GatewayDepth/GatewayTrade frames.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.book import OrderBook as NativeBook
from projectx._native.feed import MarketFeed
from projectx._native.isotime import format_iso
from projectx.orderbook import HeuristicConfig, OrderBook
from projectx.orderbook.heuristics import HeuristicTracker
from tests.orderbook.reference_heuristics import ReferenceBookHooks, ReferenceTracker

MS = 1_000_000
TICK = 0.25
BASE = 84_000  # 21000.0
CID = "CON.F.US.MNQ.Z26"

Tracker = HeuristicTracker | ReferenceTracker

configs = st.builds(
    HeuristicConfig,
    max_levels=st.integers(1, 6),
    max_events=st.integers(1, 5),
    iceberg_tolerance=st.sampled_from([0.0, 0.1, 0.3]),
    iceberg_max_refill_ns=st.sampled_from([2, 5, 50]),
    spoof_min_size=st.integers(1, 4),
    spoof_size_multiple=st.sampled_from([0.0, 0.5, 2.0]),
    spoof_min_distance_ticks=st.integers(0, 3),
    spoof_max_lifetime_ns=st.sampled_from([3, 10, 100]),
)
sides = st.integers(0, 1)
ticks = st.integers(-2, 2)  # negative ticks too: (side, tick) keys must not alias
dts = st.sampled_from([0, 0, 1, 1, 2, 3, 8, 40])
level_ops = st.tuples(
    st.just("level"),
    sides,
    ticks,
    st.sampled_from([0, 0, 1, 2, 5, 5, 10, 20]),
    dts,
    st.none() | st.integers(-4, 4),
    st.sampled_from([0.0, 0.5, 1.0, 2.5, 4.0]),
)
trade_ops = st.tuples(st.just("trade"), sides, ticks, st.integers(0, 10), dts, st.integers(0, 10))
# a large far order placed and pulled: what spoofs look like
spoof_ops = st.tuples(st.just("spoof"), sides, ticks, st.sampled_from([20, 60]), dts)
# a display traded away and shown again (sometimes at another size): what refills look like
cycle_ops = st.tuples(
    st.just("cycle"), sides, ticks, st.sampled_from([5, 10]), dts, st.sampled_from([0, 0, 1, 4])
)


def _pick(choice: tuple[Any, ...]) -> tuple[Any, ...]:
    """Levels 18/40, trades 9/40, refill cycles 5/40, spoofs 5/40, a reset 2/40, a clear 1/40."""
    k, level, trade, cycle, spoof = choice
    if k < 18:
        return level  # type: ignore[no-any-return]
    if k < 27:
        return trade  # type: ignore[no-any-return]
    if k < 32:
        return cycle  # type: ignore[no-any-return]
    if k < 37:
        return spoof  # type: ignore[no-any-return]
    return ("reset",) if k < 39 else ("clear",)


ops = st.tuples(st.integers(0, 39), level_ops, trade_ops, cycle_ops, spoof_ops).map(_pick)
sequences = st.lists(ops, min_size=20, max_size=200)


def run(t: Tracker, op: tuple[Any, ...], ts: int) -> int:
    """Apply one op to ``t``; returns the time after it."""
    if op[0] == "level":
        _, side, tick, size, dt, best, avg = op
        t.on_level(side, tick, size, ts + dt, best, avg)
        return int(ts + dt)
    if op[0] == "trade":
        _, side, tick, volume, dt, resting = op
        t.on_trade(side, tick, volume, ts + dt, resting)
        return int(ts + dt)
    if op[0] == "cycle":
        _, side, tick, display, dt, jitter = op
        t.on_trade(side, tick, display, ts, 0)
        t.on_level(side, tick, 0, ts, None, 1.0)
        t.on_level(side, tick, display + jitter, ts + dt, None, 1.0)
        return int(ts + dt)
    if op[0] == "spoof":
        _, side, tick, size, dt = op
        best = tick + 4 if side == 0 else tick - 4
        t.on_level(side, tick, size, ts, best, 1.0)
        t.on_level(side, tick, 0, ts + dt, best, 1.0)
        return int(ts + dt)
    if op[0] == "reset":
        t.on_reset()
    else:
        t.clear()
    return ts


def state(t: Tracker, now: int) -> tuple[Any, ...]:
    """Everything observable: queries with and without filters, counters, resting sides."""
    return (
        t.icebergs(0, None, None),  # every tracked level: the LRU order shows in the ties
        t.icebergs(1, None, 1),
        t.icebergs(2, now - 10, None),
        t.spoofs(1, None, None),
        t.spoofs(2, None, 0),
        t.spoofs(1, now - 10, None),
        t.level_updates,
        t.trade_updates,
        t.tracked_levels,
        t.spoofing_events,
        [t.resting_side(k) for k in range(-2, 3)],
    )


@settings(max_examples=400, deadline=None)
@given(configs, sequences)
def test_native_tracker_matches_the_python_model(
    cfg: HeuristicConfig, sequence: list[tuple[Any, ...]]
) -> None:
    native, model = HeuristicTracker(cfg), ReferenceTracker(cfg)
    ts = 0
    for op in sequence:
        run(model, op, ts)
        ts = run(native, op, ts)
        assert native.tracked_levels <= cfg.max_levels
        assert native.spoofing_events <= cfg.max_events
        assert state(native, ts) == state(model, ts)


def test_overflow_forgets_the_least_recently_touched_level() -> None:
    t = HeuristicTracker(HeuristicConfig(max_levels=3))
    for k in range(3):
        t.on_level(0, k, 5, k, None, 0.0)
    t.on_level(0, 0, 6, 10, None, 0.0)  # touch tick 0: tick 1 is now the oldest
    t.on_level(0, 9, 5, 11, None, 0.0)
    assert sorted(r["tick"] for r in t.icebergs(0)) == [0, 2, 9]
    assert t.tracked_levels == 3


def test_tracker_rejects_what_the_config_rejects_and_a_bad_side() -> None:
    with pytest.raises(ValueError):
        HeuristicTracker(HeuristicConfig(max_levels=2**25))
    t = HeuristicTracker()
    with pytest.raises(ValueError):
        t.on_level(2, 0, 1, 0, None, 0.0)
    with pytest.raises(ValueError):
        t.on_trade(-1, 0, 1, 0, 0)
    assert t.config == HeuristicConfig()


# ----------------------------------------------------------------------------- book entries

depth_entries = st.tuples(
    st.just("depth"),
    st.sampled_from([1, 2, 3, 4, 9, 10, 1, 2, 5, 6, 7, 8, 11, 0]),
    st.integers(-6, 6),
    st.sampled_from([0, 0, 0, -1]) | st.integers(1, 40),
    st.sampled_from([0, 1, 2, 30, 400]),
    st.sampled_from([True] * 9 + [False]),  # False: a NaN price
)
trade_entries = st.tuples(
    st.just("trade"), st.integers(-6, 6), st.integers(1, 12), st.sampled_from([-1, 0, 1]), dts
)


@settings(max_examples=300, deadline=None)
@given(configs, st.lists(depth_entries | trade_entries, max_size=150))
def test_book_entry_points_read_the_book_as_the_old_hooks_did(
    cfg: HeuristicConfig, sequence: list[tuple[Any, ...]]
) -> None:
    book = NativeBook(TICK, levels=8)  # a small window: levels outside it count too
    native, ref = HeuristicTracker(cfg), ReferenceBookHooks(book, cfg)
    ts = 0
    for op in sequence:
        if op[0] == "depth":
            _, dom_type, k, volume, dt, finite = op
            ts += dt  # ns: the configs' windows are a few ns
            price = (BASE + k) * TICK if finite else math.nan
            book.apply(dom_type, price, volume, volume, ts)
            native.feed_depth(book, dom_type, price, volume, ts)
            ref.on_depth(dom_type, price, volume, ts)
        else:
            _, k, volume, agg, dt = op
            ts += dt  # ns: the configs' windows are a few ns
            price = (BASE + k) * TICK
            book.record_trade(price, volume, agg, ts)
            native.feed_trade(book, price, volume, agg, ts)
            ref.on_trade(price, volume, agg, ts)
        assert state(native, ts) == state(ref.tracker, ts)
        assert (native.depth_entries, native.invalid_entries) == (
            ref.depth_entries,
            ref.invalid_entries,
        )


def test_the_spoof_threshold_averages_the_other_levels_of_the_side() -> None:
    """Bids 5 and 5: a new far bid of 9 is under 2 x 5 (its own size is not in the average), one
    of 11 is over it; only the second, pulled at once, is a spoof."""
    cfg = HeuristicConfig(spoof_size_multiple=2.0, spoof_min_distance_ticks=2)
    book = NativeBook(TICK)
    native, ref = HeuristicTracker(cfg), ReferenceBookHooks(book, cfg)
    entries = [
        (BASE, 5),
        (BASE - 1, 5),
        (BASE - 4, 9),
        (BASE - 4, 0),
        (BASE - 5, 11),
        (BASE - 5, 0),
    ]
    for ts, (k, volume) in enumerate(entries, start=1):
        book.apply(2, k * TICK, volume, volume, ts)
        native.feed_depth(book, 2, k * TICK, volume, ts)
        ref.on_depth(2, k * TICK, volume, ts)
    assert [(r["tick"], r["max_size"]) for r in native.spoofs(1)] == [(BASE - 5, 11)]
    assert native.spoofs(1) == ref.tracker.spoofs(1, None, None)


# ----------------------------------------------------------------------------- MarketFeed

T0 = (time.time_ns() // 1_000_000_000 - 60) * 1_000_000_000  # recent: inside the guard's window


def _item(kind: str, dom_or_side: int, k: int, volume: int, ts: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "timestamp": format_iso(ts, 6),
        "type": dom_or_side,
        "price": (BASE + k) * TICK,
        "volume": volume,
    }
    if kind == "trade":
        item["symbolId"] = "F.US.MNQ"
    return item


def _message(records: list[tuple[str, int, int, int, int]]) -> str:
    """One text message: consecutive records of one kind go into one invocation."""
    out = []
    i = 0
    while i < len(records):
        kind = records[i][0]
        items = []
        while i < len(records) and records[i][0] == kind:
            items.append(_item(*records[i]))
            i += 1
        target = "GatewayTrade" if kind == "trade" else "GatewayDepth"
        out.append(orjson.dumps({"type": 1, "target": target, "arguments": [CID, items]}))
    return "".join(m.decode() + "\x1e" for m in out)


def _scenario(seed: int) -> list[list[tuple[str, int, int, int, int]]]:
    """Messages of (kind, DomType or TradeLogType, tick offset, volume, ts): a ladder, a level
    refilled after trades (an iceberg), a large far bid pulled (a spoof), then random flow."""
    rng = random.Random(seed)
    ts = T0
    msgs: list[list[tuple[str, int, int, int, int]]] = []
    msgs.append(
        [("depth", 2, -i, 5, ts) for i in range(5)] + [("depth", 1, 1 + i, 5, ts) for i in range(5)]
    )
    for _ in range(3):  # the ask at +1 lifted and refilled
        ts += MS
        msgs.append([("trade", 0, 1, 5, ts), ("depth", 1, 1, 0, ts)])
        ts += MS
        msgs.append([("depth", 1, 1, 5, ts)])
    ts += MS
    msgs.append([("depth", 2, -7, 60, ts)])
    ts += 300 * MS
    msgs.append([("depth", 2, -7, 0, ts), ("trade", -1, 0, 2, ts)])
    for _ in range(300):
        ts += rng.choice([0, MS, 2 * MS, 30 * MS])
        n = rng.randint(1, 4)
        msg = []
        for _ in range(n):
            k = rng.randint(-8, 8)
            if rng.random() < 0.3:
                msg.append(("trade", rng.choice([-1, 0, 1]), k, rng.randint(1, 9), ts))
            else:
                dom = rng.choice([1, 2, 1, 2, 3, 4, 9, 10, 5, 7, 8, 11, 0] + [6] * (n == 1))
                side_ok = k > 0 if dom in (1, 3, 10) else k <= 0
                volume = rng.choice([0, 1, 4, 5, 8, 60]) if side_ok else 0
                msg.append(("depth", dom, k, volume, ts))
        msgs.append(msg)
    return msgs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_feed_drives_an_attached_tracker_as_the_hooks_did(seed: int) -> None:
    cfg = HeuristicConfig(spoof_size_multiple=3.0, spoof_min_distance_ticks=3, max_levels=64)
    feed = MarketFeed()
    feed.add_contract(CID, TICK, ["1min"])
    feed.band_min_ticks = 1_000
    tracker = HeuristicTracker(cfg)
    feed.attach_heuristics(CID, tracker)
    assert feed.heuristics(CID) is tracker
    # the expectation: a separate native book, each record applied in wire order, then the old
    # Python hooks with the Python model
    book = NativeBook(TICK)
    ref = ReferenceBookHooks(book, cfg)
    depth_count = 0
    for msg in _scenario(seed):
        result = feed.receive(_message(msg))
        assert result.anomalies == 0
        for kind, t, k, volume, ts in msg:
            price = (BASE + k) * TICK
            if kind == "depth":
                book.apply(t, price, volume, -1, ts)
                ref.on_depth(t, price, volume, ts)
                depth_count += 1
            else:
                book.record_trade(price, volume, t, ts)
                ref.on_trade(price, volume, t, ts)
    assert feed.book(CID).stats == book.stats  # type: ignore[union-attr]
    assert state(tracker, feed.last_ts_ns) == state(ref.tracker, feed.last_ts_ns)
    assert tracker.depth_entries == depth_count == ref.depth_entries
    # the scripted iceberg and spoof are among the detections
    assert any(r["tick"] == BASE + 1 and r["refills"] >= 3 for r in tracker.icebergs(3))
    assert any(r["tick"] == BASE - 7 and r["side"] == 0 for r in tracker.spoofs(1))
    # the manager over the feed's book reads the natively driven tracker's detections and counts
    manager = OrderBook(feed.book(CID), TICK, 0.5, "MNQ", track_heuristics=True, heuristics=cfg)  # type: ignore[arg-type]
    feed.attach_heuristics(CID, manager.heuristic_tracker)
    msg = [("depth", 1, 1, 0, feed.last_ts_ns + MS), ("trade", 0, 1, 2, feed.last_ts_ns + MS)]
    feed.receive(_message(msg))
    stats = manager.get_statistics()
    assert stats["hook_depth_updates"] == 1 and stats["hook_invalid"] == 0
    assert stats["heuristic_levels"] == 1
    assert manager.last_update_ns == feed.last_ts_ns
    feed.attach_heuristics(CID, None)
    feed.receive(_message([("depth", 1, 2, 5, feed.last_ts_ns + MS)]))
    assert manager.get_statistics()["hook_depth_updates"] == 1  # detached: not fed any more


def test_attach_needs_a_book() -> None:
    feed = MarketFeed()
    feed.add_contract(CID, TICK, ["1min"], book=False)
    with pytest.raises(ValueError):
        feed.attach_heuristics(CID, HeuristicTracker())
    with pytest.raises(KeyError):
        feed.attach_heuristics("CON.F.US.NOPE.Z26", HeuristicTracker())


def test_a_tracker_whose_init_never_ran_refuses_every_call_instead_of_crashing() -> None:
    from projectx._native.heuristics import HeuristicTracker as Native

    bare = Native.__new__(Native)
    for call in (bare.on_reset, lambda: bare.icebergs(0), lambda: bare.on_trade(0, 1, 1, 1, 1)):
        with pytest.raises(RuntimeError, match="__init__"):
            call()
    assert bare.spoofs(0) == [] and bare.tracked_levels == 0
