"""OrderBook: every DomType, best-level tracking, crossing, tape and the array API (the window and
its outside store: ``test_book_window.py``)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from projectx._native.book import BOOK_APPLIED, BOOK_IGNORED, BOOK_INVALID, OrderBook
from projectx.enums import DomType

T = 0.25


def book_with(levels: int = 64, **entries: list[tuple[float, int]]) -> OrderBook:
    """A book holding the given ``bids``/``asks`` as plain Bid/Ask entries."""
    book = OrderBook(T, levels=levels)
    for price, size in entries.get("bids", []):
        book.apply(DomType.BID, price, size, size, 0)
    for price, size in entries.get("asks", []):
        book.apply(DomType.ASK, price, size, size, 0)
    return book


def levels_of(book: OrderBook, n: int = 100) -> tuple[list[tuple[float, int]], ...]:
    bp, bs, ap, asz = book.top(n)
    return list(zip(bp.tolist(), bs.tolist(), strict=True)), list(
        zip(ap.tolist(), asz.tolist(), strict=True)
    )


# ------------------------------------------------------------------ level entries


def test_bid_and_ask_entries_set_replace_and_remove_levels() -> None:
    book = OrderBook(T, levels=64)
    assert book.apply(DomType.BID, 100.0, 5, 5, 1) == BOOK_APPLIED
    assert book.apply(DomType.ASK, 100.5, 7, 7, 1) == BOOK_APPLIED
    book.apply(DomType.BID, 100.0, 9, 9, 2)  # replaces, does not add
    assert levels_of(book) == ([(100.0, 9)], [(100.5, 7)])
    book.apply(DomType.ASK, 100.5, 0, 0, 3)
    assert levels_of(book) == ([(100.0, 9)], [])
    assert math.isnan(book.best_ask) and book.best_ask_size == 0
    assert (book.total_bid_size, book.total_ask_size) == (9, 0)


def test_best_levels_move_to_the_next_level_when_the_top_empties() -> None:
    book = book_with(bids=[(99.0, 1), (100.0, 2), (98.0, 3)], asks=[(101.0, 4), (103.0, 5)])
    assert (book.best_bid, book.best_bid_size, book.best_ask, book.best_ask_size) == (
        100.0,
        2,
        101.0,
        4,
    )
    book.apply(DomType.BID, 100.0, 0, 0, 0)
    book.apply(DomType.ASK, 101.0, 0, 0, 0)
    assert (book.best_bid, book.best_ask) == (99.0, 103.0)
    assert book.spread == 4.0 and book.mid == 101.0
    book.apply(DomType.BID, 99.0, 0, 0, 0)
    book.apply(DomType.BID, 98.0, 0, 0, 0)
    assert math.isnan(book.best_bid) and math.isnan(book.spread) and math.isnan(book.mid)
    assert book.bid_levels == 0 and book.ask_levels == 1


@pytest.mark.parametrize("dom_type", [DomType.BEST_BID, DomType.NEW_BEST_BID])
def test_best_bid_entries_clear_stale_bids_above_them(dom_type: DomType) -> None:
    book = book_with(bids=[(100.0, 1), (100.25, 2), (99.0, 3)], asks=[(102.0, 1)])
    book.apply(dom_type, 99.5, 6, 6, 0)
    assert levels_of(book)[0] == [(99.5, 6), (99.0, 3)]
    stats = book.stats
    assert (stats["stale_levels_cleared"], stats["stale_volume_cleared"]) == (2, 3)
    assert stats["by_type"][dom_type.name.lower()] == 1


@pytest.mark.parametrize("dom_type", [DomType.BEST_ASK, DomType.NEW_BEST_ASK])
def test_best_ask_entries_clear_stale_asks_below_them(dom_type: DomType) -> None:
    book = book_with(bids=[(99.0, 1)], asks=[(100.0, 4), (100.25, 2), (101.0, 3)])
    book.apply(dom_type, 100.5, 6, 6, 0)
    assert levels_of(book)[1] == [(100.5, 6), (101.0, 3)]
    assert book.stats["stale_levels_cleared"] == 2
    assert book.stats["stale_volume_cleared"] == 6


def test_best_entry_with_zero_volume_leaves_the_next_level_as_top() -> None:
    book = book_with(bids=[(100.0, 1), (99.75, 2), (99.0, 3)])
    book.apply(DomType.NEW_BEST_BID, 99.75, 0, 0, 0)
    assert levels_of(book)[0] == [(99.0, 3)]


def test_best_entry_at_the_current_top_only_sets_its_size() -> None:
    book = book_with(bids=[(100.0, 1), (99.75, 2)])
    book.apply(DomType.BEST_BID, 100.0, 8, 8, 0)
    assert levels_of(book)[0] == [(100.0, 8), (99.75, 2)]
    assert book.stats["stale_levels_cleared"] == 0


# ------------------------------------------------------------------ trade, fill, reset, stats


def test_trades_go_to_the_tape_with_the_aggressor_inferred_from_the_book() -> None:
    book = book_with(bids=[(100.0, 5)], asks=[(100.5, 5)])
    book.apply(DomType.TRADE, 100.5, 2, 3, 10)  # lifts the offer: buyer
    book.apply(DomType.TRADE, 100.0, 1, 4, 11)  # hits the bid: seller
    book.apply(DomType.TRADE, 100.25, 1, 0, 12)  # inside the spread: unknown
    book.apply(DomType.TRADE, 101.0, 4, 0, 13)  # through the offer: buyer
    tape = book.tape()
    assert tape["ts_ns"].tolist() == [10, 11, 12, 13]
    assert tape["price"].tolist() == [100.5, 100.0, 100.25, 101.0]
    assert tape["volume"].tolist() == [2, 1, 1, 4]
    assert tape["current_volume"].tolist() == [3, 4, 0, 0]
    assert tape["aggressor"].tolist() == [0, 1, -1, 0]
    assert tape["kind"].tolist() == [5, 5, 5, 5]
    assert levels_of(book) == ([(100.0, 5)], [(100.5, 5)])  # resting sizes untouched
    assert book.last_trade_price == 101.0
    assert book.stats["by_type"]["trade"] == 4


def test_a_trade_on_an_empty_book_has_an_unknown_aggressor() -> None:
    book = OrderBook(T)
    book.apply(DomType.TRADE, 100.0, 1, 0, 1)
    assert book.tape()["aggressor"].tolist() == [-1]


def test_fills_go_to_the_tape_as_kind_11_and_do_not_move_the_last_trade() -> None:
    book = book_with(bids=[(100.0, 5)], asks=[(100.5, 5)])
    book.apply(DomType.FILL, 100.0, 3, 2, 7)
    tape = book.tape()
    assert tape["kind"].tolist() == [11] and tape["aggressor"].tolist() == [1]
    assert math.isnan(book.last_trade_price)
    assert levels_of(book) == ([(100.0, 5)], [(100.5, 5)])
    assert book.stats["by_type"]["fill"] == 1


def test_reset_clears_the_book_but_keeps_tape_and_session_stats() -> None:
    book = book_with(bids=[(100.0, 5), (99.0, 1)], asks=[(100.5, 5)])
    book.apply(DomType.TRADE, 100.5, 1, 0, 1)
    book.apply(DomType.LOW, 95.0, 0, 0, 1)
    assert book.apply(DomType.RESET, 0.0, 0, 0, 2) == BOOK_APPLIED
    assert levels_of(book) == ([], [])
    assert (book.total_bid_size, book.total_ask_size, book.bid_levels) == (0, 0, 0)
    assert book.tape_len == 1 and book.session_low == 95.0
    assert not book.bid_sizes.any() and not book.ask_sizes.any()
    book.apply(DomType.BID, 50.0, 2, 2, 3)  # far away: an empty book re-anchors, no recentre
    assert levels_of(book) == ([(50.0, 2)], [])
    assert book.stats["recentres"] == 0


def test_reset_ignores_its_price_even_when_it_is_garbage() -> None:
    book = book_with(bids=[(100.0, 5)])
    assert book.apply(DomType.RESET, math.nan, -1, -1, 0) == BOOK_APPLIED
    assert book.bid_levels == 0


def test_low_and_high_set_session_stats_to_the_latest_value() -> None:
    book = OrderBook(T)
    assert math.isnan(book.session_low) and math.isnan(book.session_high)
    book.apply(DomType.LOW, 95.0, 0, 0, 1)
    book.apply(DomType.HIGH, 105.0, 0, 0, 1)
    book.apply(DomType.LOW, 96.0, 0, 0, 2)  # the server's value, not a running minimum
    assert (book.session_low, book.session_high) == (96.0, 105.0)
    assert book.bid_levels == book.ask_levels == 0


@pytest.mark.parametrize("dom_type", [0, -1, 12, 99, 2**31 - 1, -(2**31)])
def test_unknown_and_out_of_range_types_are_counted_and_ignored(dom_type: int) -> None:
    book = book_with(bids=[(100.0, 5)])
    assert book.apply(dom_type, 101.0, 3, 3, 0) == BOOK_IGNORED
    assert levels_of(book) == ([(100.0, 5)], [])
    stats = book.stats
    assert stats["ignored"] == 1
    assert stats["by_type"]["unknown"] == (1 if dom_type == 0 else 0)
    assert stats["out_of_range_types"] == (0 if dom_type == 0 else 1)


@pytest.mark.parametrize(
    ("dom_type", "price", "volume"),
    [
        (DomType.BID, math.nan, 1),
        (DomType.ASK, math.inf, 1),
        (DomType.NEW_BEST_BID, -math.inf, 1),
        (DomType.BID, 1e300, 1),
        (DomType.ASK, 100.0, -1),
        (DomType.TRADE, 100.0, -2),
        (DomType.FILL, math.nan, 1),
        (DomType.LOW, math.nan, 0),
        (DomType.HIGH, 1e300, 0),
    ],
)
def test_invalid_entries_are_counted_and_change_nothing(
    dom_type: DomType, price: float, volume: int
) -> None:
    book = book_with(bids=[(100.0, 5)], asks=[(100.5, 1)])
    assert book.apply(dom_type, price, volume, 0, 0) == BOOK_INVALID
    assert levels_of(book) == ([(100.0, 5)], [(100.5, 1)])
    assert book.tape_len == 0 and math.isnan(book.session_low) and math.isnan(book.session_high)
    assert book.stats["invalid"] == 1 and book.stats["applied"] == 2


# ------------------------------------------------------------------ crossing


def test_a_bid_through_the_asks_wins_and_removes_the_crossed_asks() -> None:
    book = book_with(bids=[(99.0, 1)], asks=[(100.0, 2), (100.25, 3), (100.5, 4)])
    book.apply(DomType.BID, 100.25, 6, 6, 0)
    assert levels_of(book) == ([(100.25, 6), (99.0, 1)], [(100.5, 4)])
    stats = book.stats
    assert stats["crossed_events"] == 1
    assert (stats["crossed_levels_removed"], stats["crossed_volume_removed"]) == (2, 5)


def test_an_ask_through_the_bids_wins_and_removes_the_crossed_bids() -> None:
    book = book_with(bids=[(100.0, 2), (99.75, 3), (99.0, 1)], asks=[(101.0, 1)])
    book.apply(DomType.ASK, 99.75, 6, 6, 0)
    assert levels_of(book) == ([(99.0, 1)], [(99.75, 6), (101.0, 1)])
    assert book.stats["crossed_levels_removed"] == 2


def test_a_locked_book_counts_as_crossed() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(100.5, 1)])
    book.apply(DomType.ASK, 100.0, 3, 3, 0)
    assert levels_of(book) == ([], [(100.0, 3), (100.5, 1)])
    assert book.stats["crossed_events"] == 1


def test_a_bid_below_the_best_bid_never_counts_as_crossed() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(100.5, 1)])
    book.apply(DomType.BID, 99.0, 3, 3, 0)
    book.apply(DomType.ASK, 100.5, 0, 0, 0)
    assert book.stats["crossed_events"] == 0


# ------------------------------------------------------------------ window (see test_book_window)


def test_sizes_view_and_ladder_prices_line_up() -> None:
    book = OrderBook(T, levels=8)
    book.apply(DomType.BID, 100.0, 3, 3, 0)
    book.apply(DomType.ASK, 100.5, 4, 4, 0)
    prices = book.ladder_prices()
    bids, asks = book.bid_sizes, book.ask_sizes
    assert prices[bids > 0].tolist() == [100.0] and bids[bids > 0].tolist() == [3]
    assert prices[asks > 0].tolist() == [100.5]
    assert prices[0] == book.base_ticks * T
    with pytest.raises(ValueError):
        bids[0] = 1


# ------------------------------------------------------------------ ticks


@pytest.mark.parametrize(
    ("tick", "noisy", "exact"),
    [
        (0.1, 0.1 + 0.2, 0.3),
        (0.1, 21000.1 + 1e-9, 21000.1),
        (0.00005, 1.08765 + 3e-16, 1.08765),
        (0.03125, 113.46875 * (1 + 1e-15), 113.46875),
        (0.25, 21021.749999999996, 21021.75),
        (5.0, math.nextafter(49900.0, math.inf), 49900.0),
        (1.0, math.nextafter(-42.0, 0.0), -42.0),
        (0.3, 0.1 + 0.2, 0.3),
    ],
)
def test_float_noise_snaps_to_the_nearest_tick(tick: float, noisy: float, exact: float) -> None:
    book = OrderBook(tick, levels=64)
    book.apply(DomType.BID, noisy, 1, 1, 0)
    assert book.best_bid == pytest.approx(exact, rel=1e-14)
    assert book.size_at(exact) == 1
    assert book.stats["off_grid"] == 0


def test_reciprocal_ticks_read_back_as_the_exact_decimal() -> None:
    book = OrderBook(0.1, levels=64)
    book.apply(DomType.BID, 0.30000000000000004, 1, 1, 0)
    assert book.best_bid == 0.3
    book2 = OrderBook(0.00005)
    book2.apply(DomType.ASK, 1.0876500000000002, 1, 1, 0)
    assert book2.best_ask == 1.08765


def test_off_grid_prices_are_snapped_and_counted() -> None:
    book = OrderBook(T, levels=64)
    book.apply(DomType.BID, 100.1, 1, 1, 0)  # 0.4 tick above 100.0
    book.apply(DomType.ASK, 100.4, 1, 1, 0)  # 0.4 tick below 100.5
    assert (book.best_bid, book.best_ask) == (100.0, 100.5)
    assert book.stats["off_grid"] == 2


def test_half_ticks_round_up() -> None:
    book = OrderBook(1.0, levels=64)
    book.apply(DomType.BID, 10.5, 1, 1, 0)
    book.apply(DomType.BID, -3.5, 1, 1, 0)
    assert book.top(5)[0].tolist() == [11.0, -3.0]


# ------------------------------------------------------------------ reads


def test_top_returns_fresh_arrays_best_first() -> None:
    book = book_with(bids=[(99.0, 1), (100.0, 2), (98.0, 3)], asks=[(101.0, 4), (100.5, 5)])
    bp, bs, ap, asz = book.top(2)
    assert (bp.dtype, bs.dtype, ap.dtype, asz.dtype) == (
        np.float64,
        np.int64,
        np.float64,
        np.int64,
    )
    assert bp.tolist() == [100.0, 99.0] and bs.tolist() == [2, 1]
    assert ap.tolist() == [100.5, 101.0] and asz.tolist() == [5, 4]
    bs[0] = 999
    assert book.best_bid_size == 2
    assert [len(a) for a in book.top(0)] == [0, 0, 0, 0]
    with pytest.raises(ValueError):
        book.top(-1)


def test_top_into_fills_caller_arrays_and_pads_missing_levels() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(100.5, 5), (101.0, 4)])
    bp, bs = np.full(3, 7.0), np.full(3, 7, dtype=np.int64)
    ap, asz = np.full(2, 7.0), np.full(2, 7, dtype=np.int64)
    assert book.top_into(bp, bs, ap, asz) == (1, 2)
    assert bp[0] == 100.0 and np.isnan(bp[1:]).all() and bs.tolist() == [2, 0, 0]
    assert ap.tolist() == [100.5, 101.0] and asz.tolist() == [5, 4]
    strided = np.zeros(6)
    book.top_into(strided[::2], np.zeros(3, dtype=np.int64), ap, asz)
    assert strided[0] == 100.0 and strided[1] == 0.0


def test_top_into_rejects_wrong_arrays() -> None:
    book = OrderBook(T)
    f, i = np.zeros(2), np.zeros(2, dtype=np.int64)
    with pytest.raises(TypeError, match="bid_sizes"):
        book.top_into(f, np.zeros(2, dtype=np.int32), f, i)
    with pytest.raises(TypeError, match="ask_prices"):
        book.top_into(f, i, np.zeros(2, dtype=np.float32), i)
    ro = np.zeros(2)
    ro.flags.writeable = False
    with pytest.raises(TypeError, match="bid_prices"):
        book.top_into(ro, i, f, i)
    with pytest.raises(ValueError, match="differ in length"):
        book.top_into(np.zeros(3), i, f, i)
    with pytest.raises(TypeError):
        book.top_into(np.zeros((2, 2)), i, f, i)


def test_depth_reads_one_side_and_validates_its_side() -> None:
    book = book_with(bids=[(99.0, 1), (100.0, 2)], asks=[(101.0, 4)])
    prices, sizes = book.depth(0, 5)
    assert prices.tolist() == [100.0, 99.0] and sizes.tolist() == [2, 1]
    prices, sizes = book.depth(1, 5)
    assert prices.tolist() == [101.0] and sizes.tolist() == [4]
    with pytest.raises(ValueError):
        book.depth(2, 5)


def test_size_at_reads_either_side_or_one_side() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(101.0, 4)])
    assert book.size_at(100.0) == 2 and book.size_at(101.0) == 4
    assert book.size_at(100.0, side=1) == 0 and book.size_at(101.0, side=1) == 4
    assert book.size_at(5000.0) == 0  # outside the window
    with pytest.raises(ValueError):
        book.size_at(math.nan)
    with pytest.raises(ValueError):
        book.size_at(100.0, side=3)


def test_the_tape_ring_keeps_the_latest_records_oldest_first() -> None:
    book = OrderBook(T, tape_capacity=4)
    for k in range(6):
        book.apply(DomType.TRADE, 100.0 + k * T, k + 1, 0, 1000 + k)
    assert (book.tape_len, book.tape_total) == (4, 6)
    tape = book.tape()
    assert tape["ts_ns"].tolist() == [1002, 1003, 1004, 1005]
    assert tape["volume"].tolist() == [3, 4, 5, 6]
    assert book.tape(2)["ts_ns"].tolist() == [1004, 1005]
    assert book.tape(0)["price"].tolist() == []
    assert book.tape(100)["ts_ns"].tolist() == [1002, 1003, 1004, 1005]
    view = book.tape(2)["ts_ns"]  # contiguous: a read-only view
    with pytest.raises(ValueError):
        view[0] = 1
    with pytest.raises(ValueError):
        book.tape(-1)


def test_reset_method_returns_to_the_fresh_state() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(101.0, 4)])
    book.apply(DomType.TRADE, 101.0, 1, 0, 0)
    book.apply(DomType.HIGH, 102.0, 0, 0, 0)
    book.apply(99, 0.0, 0, 0, 0)
    book.reset()
    fresh = OrderBook(T, levels=64)
    assert book.stats == fresh.stats
    assert book.tape_len == 0 and math.isnan(book.session_high) and book.bid_levels == 0


def test_constructor_rejects_bad_arguments() -> None:
    for tick in (0.0, -0.25, math.nan, math.inf):
        with pytest.raises(ValueError, match="tick_size"):
            OrderBook(tick)
    with pytest.raises(ValueError, match="levels"):
        OrderBook(T, levels=1)
    with pytest.raises(ValueError, match="tape_capacity"):
        OrderBook(T, tape_capacity=0)


def test_repr_shows_the_top_of_book() -> None:
    book = book_with(bids=[(100.0, 2)], asks=[(101.0, 4)])
    assert "best_bid=100.0x2" in repr(book) and "best_ask=101.0x4" in repr(book)


# ------------------------------------------------------------------ batch


def batch_columns(entries: list[tuple[int, float, int]], type_dtype: type = np.int64) -> tuple:
    return (
        np.array([e[0] for e in entries], dtype=type_dtype),
        np.array([e[1] for e in entries], dtype=np.float64),
        np.array([e[2] for e in entries], dtype=np.int64),
        np.array([e[2] for e in entries], dtype=np.int64),
        np.arange(len(entries), dtype=np.int64),
    )


def test_apply_batch_accepts_int32_types_and_counts_what_it_applied() -> None:
    book = OrderBook(T)
    entries = [(2, 100.0, 1), (1, 100.5, 2), (0, 0.0, 0), (2, math.nan, 1), (5, 100.5, 1)]
    assert book.apply_batch(*batch_columns(entries, np.int32)) == 3
    assert levels_of(book) == ([(100.0, 1)], [(100.5, 2)])
    assert book.stats["invalid"] == 1 and book.stats["ignored"] == 1


def test_apply_batch_never_wraps_huge_type_codes_into_valid_ones() -> None:
    book = OrderBook(T)
    cols = batch_columns([(2**32 + 2, 100.0, 1), (-(2**32) + 1, 100.0, 1)])
    assert book.apply_batch(*cols) == 0
    assert book.bid_levels == 0 and book.stats["out_of_range_types"] == 2


def test_apply_batch_reads_strided_and_read_only_columns() -> None:
    entries = [(2, 100.0, 1), (1, 101.0, 2), (2, 99.0, 3)]
    book = OrderBook(T)
    cols = [np.repeat(c, 2)[::2] for c in batch_columns(entries)]
    for c in cols:
        c.flags.writeable = False
    book.apply_batch(*cols)
    assert levels_of(book) == ([(100.0, 1), (99.0, 3)], [(101.0, 2)])


def test_apply_batch_rejects_bad_columns() -> None:
    book = OrderBook(T)
    types, prices, vols, cur, ts = batch_columns([(2, 100.0, 1), (1, 101.0, 2)])
    with pytest.raises(ValueError, match="differ in length"):
        book.apply_batch(types, prices[:1], vols, cur, ts)
    with pytest.raises(TypeError, match="price"):
        book.apply_batch(types, prices.astype(np.float32), vols, cur, ts)
    with pytest.raises(TypeError, match="volume"):
        book.apply_batch(types, prices, vols.astype(np.float64), cur, ts)
    with pytest.raises(TypeError, match="dom_type"):
        book.apply_batch([2, 1], prices, vols, cur, ts)
    with pytest.raises(TypeError, match="dom_type"):
        book.apply_batch(types.astype(np.int16), prices, vols, cur, ts)
    with pytest.raises(TypeError, match="ts_ns"):
        book.apply_batch(types, prices, vols, cur, ts.astype(np.uint64))
    assert book.stats["updates"] == 0


def test_a_large_gil_free_batch_equals_per_entry_updates() -> None:
    rng = np.random.default_rng(7)
    n = 5000
    types = rng.choice([1, 2, 3, 4, 5, 9, 10, 11], n)
    ticks = 400 + np.cumsum(rng.integers(-2, 3, n)) + rng.integers(-6, 7, n)
    prices = ticks * T
    vols = rng.integers(0, 20, n)
    ts = np.arange(n, dtype=np.int64)
    batch, single = OrderBook(T, levels=32), OrderBook(T, levels=32)
    batch.apply_batch(types, prices, vols, vols, ts)
    for k in range(n):
        single.apply(int(types[k]), float(prices[k]), int(vols[k]), int(vols[k]), int(ts[k]))
    assert batch.stats == single.stats and batch.stats["recentres"] > 0
    for a, b in zip(batch.top(100), single.top(100), strict=True):
        assert a.tolist() == b.tolist()
    for name, col in batch.tape().items():
        assert col.tolist() == single.tape()[name].tolist()


def test_reads_during_a_gil_free_batch_raise_instead_of_seeing_a_half_updated_book() -> None:
    rng = np.random.default_rng(11)
    n = 2_000_000
    types = rng.choice([1, 2], n).astype(np.int32)
    prices = (400 + rng.integers(-30, 31, n)) * T
    vols = rng.integers(0, 9, n)
    ts = np.zeros(n, dtype=np.int64)
    errors: list[str] = []
    for _attempt in range(5):
        book = OrderBook(T)
        worker = threading.Thread(target=book.apply_batch, args=(types, prices, vols, vols, ts))
        worker.start()
        while worker.is_alive() and not errors:
            try:
                book.top(5)
            except RuntimeError as exc:
                errors.append(str(exc))
                with pytest.raises(RuntimeError):
                    book.apply(2, 100.0, 1, 1, 0)
                with pytest.raises(RuntimeError):
                    book.reset()
        worker.join()
        if errors:
            break
    assert errors and "apply_batch" in errors[0]
    assert book.stats["updates"] == n  # the batch itself completed untouched
