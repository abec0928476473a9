"""OrderBook agrees with the pure-Python reference model on random depth streams.

Streams mix every DomType (and out-of-range codes), float-noisy and off-grid prices, invalid
prices and volumes, crossing updates, resets, far jumps of the whole market, and single far levels
on both sides (deep levels thousands of ticks away, levels near another far centre that later
comes back into range, the same far prices again and again). The (small) window must be
invisible: checked after every entry, return code, best levels, counts, totals and the whole book
rebuilt from the window views plus the outside store; at the end the tape and every counter.
``apply_batch`` must give exactly what per-entry ``apply`` gives. With a tiny outside store the
book may lose levels, but only deep ones, each counted, and never a level it was not sent.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx._native.book import OrderBook
from tests.reference.book_model import WINDOW_KEYS, BookModel

TICKS = [0.25, 0.1, 0.03125, 0.00005, 1.0, 5.0, 0.3]
LEVELS = 32
TAPE = 8
CENTRES = [1_000, 1_020, 1_000 + 5 * LEVELS, -3_000, 250_000]
BID_TYPES = (2, 4, 9)

Entry = tuple[int, float, int, int, int]


def nudge(price: float, ulps: int) -> float:
    """``price`` moved by ``ulps`` units in the last place (float noise)."""
    towards = math.inf if ulps > 0 else -math.inf
    for _ in range(abs(ulps)):
        price = math.nextafter(price, towards)
    return price


@st.composite
def entries(draw: st.DrawFn, tick: float) -> list[Entry]:
    """A random depth stream for a contract with this tick size."""
    out: list[Entry] = []
    centre = draw(st.sampled_from(CENTRES))
    for ts in range(draw(st.integers(1, 60))):
        if draw(st.integers(0, 14)) == 0:
            centre = draw(st.sampled_from(CENTRES))  # far jump
        dom_type = draw(
            st.one_of(
                st.sampled_from([1, 2, 1, 2, 3, 4, 9, 10]),
                st.integers(0, 11),
                st.sampled_from([-1, 12, 255]),
            )
        )
        where = draw(st.integers(0, 9))
        if where == 0:  # a level near another (far) centre: far now, maybe in range later
            ticks = draw(st.sampled_from(CENTRES)) + draw(st.integers(-12, 12))
        elif where == 1:  # a deep level far from the touch, on its own side
            away = draw(st.integers(LEVELS // 2, 100 * LEVELS))
            ticks = centre - away if dom_type in BID_TYPES else centre + away
        else:
            ticks = centre + draw(st.integers(-12, 12))
        kind = draw(st.integers(0, 19))
        if kind == 0:
            price = draw(st.sampled_from([math.nan, math.inf, -math.inf, 1e300]))
        elif kind == 1:
            price = (ticks + draw(st.sampled_from([0.2, -0.3, 0.4]))) * tick  # off grid
        else:
            price = nudge(ticks * tick, draw(st.integers(-3, 3)))
        roll = draw(st.integers(0, 29))
        volume = -1 if roll == 0 else 0 if roll <= 6 else draw(st.integers(1, 50))
        current = draw(st.integers(0, 50))
        out.append((dom_type, price, volume, current, 10 * ts))
    return out


def apply_all(book: OrderBook, stream: list[Entry]) -> None:
    for entry in stream:
        book.apply(*entry)


def columns(stream: list[Entry]) -> tuple[np.ndarray, ...]:
    return (
        np.array([e[0] for e in stream], dtype=np.int32),
        np.array([e[1] for e in stream], dtype=np.float64),
        np.array([e[2] for e in stream], dtype=np.int64),
        np.array([e[3] for e in stream], dtype=np.int64),
        np.array([e[4] for e in stream], dtype=np.int64),
    )


def ticks_of(prices: np.ndarray | float, tick: float) -> list[int]:
    """Prices read from the book back to ticks, checking they sit on the grid."""
    values = np.atleast_1d(np.asarray(prices, dtype=np.float64))
    out = []
    for p in values.tolist():
        t = round(p / tick)
        assert abs(p - t * tick) <= 1e-9 * max(1.0, abs(p)), (p, tick)
        out.append(t)
    return out


def book_stats(book: OrderBook) -> dict[str, object]:
    """The native counters the window-less model also has."""
    return {k: v for k, v in book.stats.items() if k not in WINDOW_KEYS}


def stored_levels(book: OrderBook, side: int) -> dict[int, int]:
    """Every level of a side, read raw: the window view plus the outside store, which must be
    disjoint, outside the window, and counted by ``levels_outside``."""
    view = book.bid_sizes if side == 0 else book.ask_sizes
    base = book.base_ticks
    levels = {base + int(i): int(view[i]) for i in np.flatnonzero(view)}
    ticks, sizes = book.outside_levels(side)
    assert ticks.tolist() == sorted(set(ticks.tolist()))
    for t, s in zip(ticks.tolist(), sizes.tolist(), strict=True):
        assert not base <= t < base + book.levels and s > 0
        levels[t] = s
    return levels


def assert_same_levels(book: OrderBook, model: BookModel) -> None:
    """The whole book, both stores together, equals the model's dicts."""
    assert stored_levels(book, 0) == model.bids
    assert stored_levels(book, 1) == model.asks
    assert book.levels_outside == sum(len(book.outside_levels(s)[0]) for s in (0, 1))
    assert book.levels_outside == book.stats["levels_outside"]


def assert_same_book(book: OrderBook, model: BookModel, tick: float) -> None:
    bp, bs, ap, asz = book.top(4 * LEVELS)
    mbt, mbs, mat, mas = model.top(4 * LEVELS)
    assert ticks_of(bp, tick) == mbt and bs.tolist() == mbs
    assert ticks_of(ap, tick) == mat and asz.tolist() == mas
    assert book.total_bid_size == sum(model.bids.values())
    assert book.total_ask_size == sum(model.asks.values())
    assert_same_levels(book, model)
    assert book_stats(book) == model.stats()
    tape = book.tape()
    expected = model.tape[-TAPE:]
    assert tape["ts_ns"].tolist() == [r.ts_ns for r in expected]
    assert ticks_of(tape["price"], tick) == [r.ticks for r in expected]
    assert tape["volume"].tolist() == [r.volume for r in expected]
    assert tape["current_volume"].tolist() == [r.current_volume for r in expected]
    assert tape["aggressor"].tolist() == [r.aggressor for r in expected]
    assert tape["kind"].tolist() == [r.kind for r in expected]
    for value, model_ticks in (
        (book.session_low, model.session_low_ticks),
        (book.session_high, model.session_high_ticks),
        (book.last_trade_price, model.last_trade_ticks),
    ):
        if model_ticks is None:
            assert math.isnan(value)
        else:
            assert ticks_of(value, tick) == [model_ticks]


def is_deep_far(book: OrderBook, model: BookModel, entry: Entry, tick: float) -> bool:
    """Whether ``entry`` adds a level outside the window that is not its side's new touch,
    while that touch is inside the window."""
    dom_type, price, volume = entry[0], entry[1], entry[2]
    snapped = model.to_ticks(price)
    if dom_type not in (1, 2) or volume <= 0 or snapped is None:
        return False
    t = snapped[0]
    if book.base_ticks <= t < book.base_ticks + book.levels:
        return False
    best = model.best_bid_ticks() if dom_type == 2 else model.best_ask_ticks()
    if best is None or not book.base_ticks <= best < book.base_ticks + book.levels:
        return False
    return t < best if dom_type == 2 else t > best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), tick=st.sampled_from(TICKS))
def test_book_matches_the_reference_model_entry_by_entry(data: st.DataObject, tick: float) -> None:
    stream = data.draw(entries(tick))
    book = OrderBook(tick, levels=LEVELS, tape_capacity=TAPE)
    model = BookModel(tick, tape_capacity=TAPE)
    for entry in stream:
        deep_far = is_deep_far(book, model, entry, tick)
        base = book.base_ticks
        assert book.apply(*entry) == model.apply(*entry), entry
        if deep_far:  # never move the window off the touch to hold a deep level
            assert book.base_ticks == base, entry
        assert_same_levels(book, model)
        assert book.levels_lost == 0
        bid, ask = model.best_bid_ticks(), model.best_ask_ticks()
        if bid is None:
            assert math.isnan(book.best_bid) and book.best_bid_size == 0
        else:
            assert ticks_of(book.best_bid, tick) == [bid]
            assert book.best_bid_size == model.bids[bid]
        if ask is None:
            assert math.isnan(book.best_ask) and book.best_ask_size == 0
        else:
            assert ticks_of(book.best_ask, tick) == [ask]
            assert book.best_ask_size == model.asks[ask]
        if bid is not None and ask is not None:
            assert bid < ask  # never crossed nor locked after an update
        assert (book.bid_levels, book.ask_levels) == (len(model.bids), len(model.asks))
    assert_same_book(book, model, tick)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), tick=st.sampled_from(TICKS))
def test_apply_batch_equals_per_entry_apply(data: st.DataObject, tick: float) -> None:
    stream = data.draw(entries(tick))
    single = OrderBook(tick, levels=LEVELS, tape_capacity=TAPE)
    apply_all(single, stream)
    batch = OrderBook(tick, levels=LEVELS, tape_capacity=TAPE)
    split = data.draw(st.integers(0, len(stream)))
    applied = batch.apply_batch(*columns(stream[:split]))
    applied += batch.apply_batch(*columns(stream[split:]))
    assert applied == single.stats["applied"]
    assert batch.stats == single.stats
    assert batch.base_ticks == single.base_ticks
    assert batch.bid_sizes.tolist() == single.bid_sizes.tolist()
    assert batch.ask_sizes.tolist() == single.ask_sizes.tolist()
    for side in (0, 1):
        for a, b in zip(batch.outside_levels(side), single.outside_levels(side), strict=True):
            assert a.tolist() == b.tolist()
    for a, b in zip(batch.top(LEVELS), single.top(LEVELS), strict=True):
        assert a.tolist() == b.tolist()
    for name, col in batch.tape().items():
        assert col.tolist() == single.tape()[name].tolist()


@settings(max_examples=60, deadline=None)
@given(data=st.data(), tick=st.sampled_from(TICKS), n=st.integers(0, LEVELS + 2))
def test_top_and_its_variants_agree_with_the_models_sorted_levels(
    data: st.DataObject, tick: float, n: int
) -> None:
    stream = data.draw(entries(tick))
    book = OrderBook(tick, levels=LEVELS, tape_capacity=TAPE)
    model = BookModel(tick, tape_capacity=TAPE)
    for entry in stream:
        book.apply(*entry)
        model.apply(*entry)
    bp, bs, ap, asz = book.top(n)
    mbt, mbs, mat, mas = model.top(n)
    assert ticks_of(bp, tick) == mbt and bs.tolist() == mbs
    assert ticks_of(ap, tick) == mat and asz.tolist() == mas
    for side, (prices, sizes) in enumerate((book.depth(0, n), book.depth(1, n))):
        assert prices.tolist() == (bp if side == 0 else ap).tolist()
        assert sizes.tolist() == (bs if side == 0 else asz).tolist()
    out = (np.empty(n), np.empty(n, dtype=np.int64), np.empty(n), np.empty(n, dtype=np.int64))
    assert book.top_into(*out) == (len(mbt), len(mat))
    assert out[0][: len(mbt)].tolist() == bp.tolist() and np.isnan(out[0][len(mbt) :]).all()
    assert out[3][: len(mat)].tolist() == asz.tolist() and not out[3][len(mat) :].any()
    for t, size in list(model.bids.items()) + list(model.asks.items()):
        assert book.size_at(t * tick) == size


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), tick=st.sampled_from(TICKS), capacity=st.integers(1, 3))
def test_a_full_outside_store_loses_only_deep_levels_and_counts_each(
    data: st.DataObject, tick: float, capacity: int
) -> None:
    stream = data.draw(entries(tick))
    book = OrderBook(tick, levels=LEVELS, tape_capacity=TAPE, outside_capacity=capacity)
    model = BookModel(tick, tape_capacity=TAPE)
    exact = True
    for entry in stream:
        lost = book.levels_lost
        assert book.apply(*entry) == model.apply(*entry), entry
        for side, want in ((0, model.bids), (1, model.asks)):
            got = stored_levels(book, side)
            # whatever it lost, the book never holds a level or a size it was not sent
            assert got.items() <= want.items()
            assert len(want) - len(got) <= book.levels_lost
            assert len(book.outside_levels(side)[0]) <= capacity
        if exact and book.levels_lost > lost:
            exact = False
            # the first loss is a deep level: both touches are still the venue's
            assert (book.bid_levels > 0) == (model.best_bid_ticks() is not None)
            assert (book.ask_levels > 0) == (model.best_ask_ticks() is not None)
            if model.bids:
                assert ticks_of(book.best_bid, tick) == [model.best_bid_ticks()]
            if model.asks:
                assert ticks_of(book.best_ask, tick) == [model.best_ask_ticks()]
        if exact:
            assert_same_levels(book, model)
            assert book_stats(book) == model.stats()
    assert book.stats["volume_lost"] >= book.levels_lost  # every lost level had a size
