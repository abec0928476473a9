"""Liquidity levels, support/resistance and statistics against dict references."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.enums import DomType
from projectx.orderbook.analytics import SupportResistanceLevel
from tests.orderbook.helpers import BASE, Entry, Pair, depth_sequences, ladder, make_pair, px

Row = tuple[float, int, int, int, float]


def ref_liquidity(pair: Pair, min_volume: int) -> list[tuple[float, int, str, int]]:
    m = pair.model
    rows = []
    bb, ba = m.best_bid_ticks(), m.best_ask_ticks()
    for t, s in m.bids.items():
        if s >= min_volume:
            assert bb is not None
            rows.append((px(t), s, "bid", bb - t))
    for t, s in m.asks.items():
        if s >= min_volume:
            assert ba is not None
            rows.append((px(t), s, "ask", t - ba))
    rows.sort(key=lambda r: (-r[1], r[3], r[0]))
    return rows


@settings(max_examples=150, deadline=None)
@given(depth_sequences(), st.integers(1, 20), st.one_of(st.none(), st.integers(1, 12)))
def test_liquidity_levels_match_reference(
    entries: list[Entry], min_volume: int, top_k: int | None
) -> None:
    pair = make_pair(entries, levels=128)
    got = pair.book.get_liquidity_levels(min_volume=min_volume, top_k=top_k)
    ref = ref_liquidity(pair, min_volume)
    if top_k is not None:
        ref = ref[:top_k]
    assert list(got.iter_rows()) == ref


def test_liquidity_one_side() -> None:
    pair = make_pair(ladder({BASE: 3, BASE - 4: 30}, {BASE + 1: 20}))
    got = pair.book.get_liquidity_levels(side="bid", top_k=None)
    assert list(got.iter_rows()) == [(px(BASE - 4), 30, "bid", 4), (px(BASE), 3, "bid", 0)]


def ref_sr(pair: Pair, trades: list[tuple[int, int]], levels: int) -> tuple[list[Row], list[Row]]:
    m = pair.model
    bb, ba = m.best_bid_ticks(), m.best_ask_ticks()
    if bb is not None and ba is not None:
        ref2 = bb + ba
    elif trades:
        ref2 = 2 * trades[-1][0]
    elif bb is not None:
        ref2 = 2 * bb
    elif ba is not None:
        ref2 = 2 * ba
    else:
        return [], []
    sup: dict[int, list[int]] = {}
    res: dict[int, list[int]] = {}
    for t, s in m.bids.items():
        if 2 * t < ref2:
            sup.setdefault(t, [0, 0])[0] += s
    for t, s in m.asks.items():
        if 2 * t > ref2:
            res.setdefault(t, [0, 0])[0] += s
    for t, v in trades:
        if 2 * t < ref2:
            sup.setdefault(t, [0, 0])[1] += v
        elif 2 * t > ref2:
            res.setdefault(t, [0, 0])[1] += v

    def rank(d: dict[int, list[int]]) -> list[Row]:
        rows = [(px(t), r + x, r, x, abs(2 * t - ref2) / 2) for t, (r, x) in d.items() if r + x]
        rows.sort(key=lambda row: (-row[1], row[4]))
        return rows[:levels]

    return rank(sup), rank(res)


def as_rows(items: list[SupportResistanceLevel]) -> list[Row]:
    return [
        (i["price"], i["strength"], i["resting_volume"], i["traded_volume"], i["distance_ticks"])
        for i in items
    ]


@settings(max_examples=150, deadline=None)
@given(
    depth_sequences(),
    st.lists(st.tuples(st.integers(-15, 15), st.integers(1, 20)), max_size=30),
    st.integers(1, 6),
)
def test_support_resistance_matches_reference(
    entries: list[Entry], raw: list[tuple[int, int]], levels: int
) -> None:
    pair = make_pair(entries, levels=128)
    trades = [(BASE + off, v) for off, v in raw]
    for i, (t, v) in enumerate(trades):
        pair.book.on_trade(px(t), v, i % 2, i)
    got = pair.book.get_support_resistance_levels(levels)
    if not trades:  # no GatewayTrade yet: the depth tape's Trade records are the trades
        trades = [(r.ticks, r.volume) for r in pair.model.tape if r.kind == 5]
    sup, res = ref_sr(pair, trades, levels)
    # equal strength and distance can only be one price per side, so the order is total
    assert as_rows(got["support"]) == sup
    assert as_rows(got["resistance"]) == res


def test_support_resistance_hand_checked() -> None:
    pair = make_pair(ladder({BASE: 5, BASE - 2: 12}, {BASE + 1: 4, BASE + 3: 9}))
    book = pair.book
    book.on_trade(px(BASE), 10, 1, 1)  # heavy trading at the best bid
    book.on_trade(px(BASE + 3), 1, 0, 2)
    got = book.get_support_resistance_levels(2)
    assert got["reference_price"] == (px(BASE) + px(BASE + 1)) / 2
    assert [(s["price"], s["strength"]) for s in got["support"]] == [
        (px(BASE), 15),
        (px(BASE - 2), 12),
    ]
    assert [(r["price"], r["strength"]) for r in got["resistance"]] == [
        (px(BASE + 3), 10),
        (px(BASE + 1), 4),
    ]
    empty = make_pair().book.get_support_resistance_levels()
    assert math.isnan(empty["reference_price"]) and empty["support"] == []


def test_statistics_reflect_native_counters() -> None:
    pair = make_pair(ladder({BASE: 10, BASE - 1: 4}, {BASE + 1: 5}), levels=64)
    pair.apply(
        [
            (int(DomType.ASK), px(BASE - 1), 6, 5),  # crosses: resync
            (int(DomType.TRADE), px(BASE - 1), 2, 6),
            (int(DomType.FILL), px(BASE - 1), 2, 6),
            (int(DomType.BID), px(BASE + 9000), 1, 7),  # far, through the ask: re-centre
            (int(DomType.BID), px(BASE - 9000), 1, 7),  # deep: held outside the window
        ]
    )
    stats = pair.book.get_statistics()
    assert stats["recentres"] == 1 and stats["levels_outside"] == 1
    pair.apply([(int(DomType.RESET), 0.0, 0, 8), (int(DomType.BID), float("nan"), 1, 9)])
    stats = pair.book.get_statistics()
    model = pair.model.stats()
    assert stats["crossed_resyncs"] == model["crossed_events"] == 2
    assert stats["levels_outside"] == stats["levels_lost"] == 0
    assert stats["updates"] == model["updates"]
    assert stats["invalid"] == 1 and stats["resets"] == 1
    assert stats["depth_trades"] == 1 and stats["depth_fills"] == 1
    assert stats["bid_levels"] == 0 and stats["ask_levels"] == 0
    assert stats["symbol"] == "MNQ" and stats["tick_size"] == 0.25
