"""OrderBook window and outside store: the book is right for any set of levels.

The ladder window follows the touch; levels outside it are kept in a bounded store per side; a
window move is rate-limited; what the store cannot hold is lost and counted (see ``ext/book.pyx``).
"""

from __future__ import annotations

import pytest

from projectx._native.book import OrderBook
from projectx.enums import DomType
from tests.reference.book_model import BookModel

T = 0.25
MNQ = 84_000  # 21000.0 in ticks


def px(ticks: int) -> float:
    return ticks * T


def levels_of(book: OrderBook, n: int = 10_000) -> tuple[list[tuple[int, int]], ...]:
    """Both sides best first, as (ticks, size)."""
    bp, bs, ap, asz = book.top(n)
    return (
        [(round(p / T), s) for p, s in zip(bp.tolist(), bs.tolist(), strict=True)],
        [(round(p / T), s) for p, s in zip(ap.tolist(), asz.tolist(), strict=True)],
    )


def model_levels(model: BookModel) -> tuple[list[tuple[int, int]], ...]:
    bt, bs, at, asz = model.top(10_000)
    return list(zip(bt, bs, strict=True)), list(zip(at, asz, strict=True))


def mnq_book(**kw: int) -> tuple[OrderBook, BookModel]:
    """A default-sized book and the model holding 10 bids from 21000.0 and 10 asks from 21000.25."""
    book = OrderBook(T, **kw)
    model = BookModel(T)
    for i in range(10):
        for b in (book, model):
            b.apply(DomType.BID, px(MNQ - i), 10 + i, 0, 0)
            b.apply(DomType.ASK, px(MNQ + 1 + i), 20 + i, 0, 0)
    return book, model


def idle(book: OrderBook, n: int) -> None:
    """``n`` entries that change no level (session highs), so that a window move is due again."""
    for _ in range(n):
        book.apply(DomType.HIGH, px(MNQ), 0, 0, 0)


def both(book: OrderBook, model: BookModel, *entry: float) -> None:
    dom_type, price, volume = entry
    assert book.apply(int(dom_type), price, int(volume), 0, 0) == model.apply(
        int(dom_type), price, int(volume), 0, 0
    )


@pytest.mark.parametrize("away", [2_048, 2_049, 3_000, 1_000_000])
@pytest.mark.parametrize("side", [DomType.BID, DomType.ASK])
def test_a_deep_level_far_from_the_touch_is_kept_and_the_touch_stays(
    away: int, side: DomType
) -> None:
    book, model = mnq_book()
    base = book.base_ticks
    far = MNQ - away if side == DomType.BID else MNQ + 1 + away
    both(book, model, side, px(far), 7)
    assert (book.best_bid, book.best_ask) == (21000.0, 21000.25)
    assert (book.best_bid_size, book.best_ask_size) == (10, 20)
    assert levels_of(book) == model_levels(model)
    assert book.base_ticks == base and book.recentres == 0
    inside = base <= far < base + book.levels
    assert book.levels_outside == (0 if inside else 1) and book.levels_lost == 0
    assert book.size_at(px(far)) == 7
    both(book, model, side, px(far), 0)  # and it can be removed again
    assert levels_of(book) == model_levels(model) and book.levels_outside == 0


def test_a_new_touch_outside_the_window_moves_it_and_keeps_every_level() -> None:
    book, model = mnq_book(levels=64)
    both(book, model, DomType.BID, px(MNQ + 5_000), 3)  # through every ask: a gap up
    both(book, model, DomType.ASK, px(MNQ + 5_001), 4)
    assert book.recentres == 1
    assert book.base_ticks <= MNQ + 5_000 < book.base_ticks + book.levels
    assert levels_of(book) == model_levels(model)  # the old bids are held outside
    assert book.levels_outside == 10 and book.stats["crossed_levels_removed"] == 10
    ticks, sizes = book.outside_levels(0)
    assert ticks.tolist() == [MNQ - i for i in range(9, -1, -1)]
    assert sizes.tolist() == [10 + i for i in range(9, -1, -1)]


def test_levels_outside_come_back_into_the_window_when_it_returns() -> None:
    book, model = mnq_book(levels=64)
    both(book, model, DomType.BID, px(MNQ - 3_000), 5)  # deep: stored outside
    both(book, model, DomType.BID, px(MNQ + 5_000), 3)  # the touch jumps up: window follows
    both(book, model, DomType.BID, px(MNQ + 5_000), 0)  # and is gone again
    assert book.best_bid == px(MNQ) and book.levels_outside == 11
    both(book, model, DomType.BID, px(MNQ + 1), 2)  # a new touch near the old one, too soon:
    assert book.recentres == 1 and book.stats["recentres_deferred"] == 1  # held outside
    assert levels_of(book) == model_levels(model) and book.levels_outside == 12
    idle(book, 16)
    both(book, model, DomType.BID, px(MNQ + 1), 3)  # now the window comes back
    assert book.recentres == 2 and book.levels_outside == 1
    assert book.base_ticks <= MNQ - 9 and book.base_ticks + book.levels > MNQ + 1
    assert levels_of(book) == model_levels(model)
    assert book.outside_levels(0)[0].tolist() == [MNQ - 3_000]


def test_a_wide_spread_centres_the_window_between_both_touches() -> None:
    book = OrderBook(1.0, levels=16)
    book.apply(DomType.BID, 100.0, 1, 0, 0)  # anchors: window [92, 108)
    book.apply(DomType.ASK, 110.0, 2, 0, 0)  # new (only) ask outside: move to the mid, 105
    assert book.base_ticks == 97 and book.levels_outside == 0
    book.apply(DomType.ASK, 130.0, 0, 0, 0)  # removing a level that is not there: a no-op
    book.apply(DomType.ASK, 110.0, 0, 0, 0)
    idle(book, 4)
    book.apply(DomType.ASK, 130.0, 2, 0, 0)  # too wide for both: centred on the new touch
    assert book.base_ticks == 122 and book.outside_levels(0)[0].tolist() == [100]
    assert (book.best_bid, book.best_ask, book.spread) == (100.0, 130.0, 30.0)
    assert book.recentres == 2 and book.bid_levels == 1


def test_alternating_far_prices_move_the_window_at_most_once_per_gap() -> None:
    """A hostile peer swapping the touch between two far prices: moves are rate-limited to one
    per ``levels // 4`` entries, the book stays exact, every deferred move is counted."""
    levels = 64
    book = OrderBook(T, levels=levels)
    model = BookModel(T)
    both(book, model, DomType.ASK, px(MNQ + 1), 5)
    n = 400
    for i in range(n):
        far = MNQ - 3_000 if i % 2 else MNQ - 9_000
        both(book, model, DomType.BID, px(far), 1)  # the only bid: the touch, far from the ask
        assert levels_of(book) == model_levels(model)
        both(book, model, DomType.BID, px(far), 0)
    stats = book.stats
    assert 1 <= stats["recentres"] <= 2 * n // (levels // 4) + 1
    assert stats["recentres_deferred"] > 0 and book.levels_lost == 0
    assert levels_of(book) == model_levels(model)


def test_a_trending_market_moves_the_window_without_deferring_or_losing() -> None:
    book = OrderBook(T, levels=64)
    model = BookModel(T)
    for step in range(2_000):  # the touch walks up a tick per step, 5 levels a side
        t = MNQ + step
        both(book, model, DomType.BID, px(t), 1 + step % 7)
        both(book, model, DomType.BID, px(t - 5), 0)
        both(book, model, DomType.ASK, px(t + 6), 2)
        both(book, model, DomType.ASK, px(t + 1), 0)
    assert levels_of(book) == model_levels(model)
    stats = book.stats
    assert stats["recentres"] >= 2_000 // 64 and stats["recentres_deferred"] == 0
    assert book.levels_outside == 0 and book.levels_lost == 0


def test_a_full_outside_store_loses_the_deepest_levels_and_counts_them() -> None:
    book = OrderBook(T, levels=64, outside_capacity=3)
    book.apply(DomType.BID, px(MNQ), 10, 0, 0)
    book.apply(DomType.ASK, px(MNQ + 1), 20, 0, 0)
    for k, size in ((1_000, 1), (2_000, 2), (3_000, 3), (500, 4)):  # 500 evicts 3000
        book.apply(DomType.BID, px(MNQ - k), size, 0, 0)
    book.apply(DomType.BID, px(MNQ - 4_000), 5, 0, 0)  # deeper than all held: lost itself
    book.apply(DomType.ASK, px(MNQ + 1_000), 6, 0, 0)
    assert book.outside_levels(0)[0].tolist() == [MNQ - 2_000, MNQ - 1_000, MNQ - 500]
    assert book.stats["levels_lost"] == book.levels_lost == 2
    assert book.stats["volume_lost"] == 3 + 5
    assert book.levels_outside == 4 and book.stats["levels_outside"] == 4
    assert (book.best_bid, book.best_ask) == (px(MNQ), px(MNQ + 1))


def test_a_window_move_into_a_full_store_keeps_the_levels_nearest_the_touch() -> None:
    book = OrderBook(1.0, levels=16, outside_capacity=2)
    for t in (100, 99, 98, 97):
        book.apply(DomType.BID, float(t), t - 90, 0, 0)
    book.apply(DomType.BID, 500.0, 1, 0, 0)  # new touch far above: all four bids go outside
    assert book.outside_levels(0)[0].tolist() == [99, 100] and book.levels_lost == 2
    assert book.stats["volume_lost"] == 7 + 8
    assert levels_of(book) == ([(2000, 1), (400, 10), (396, 9)], [])


def test_stale_and_crossed_clearing_reach_the_levels_outside() -> None:
    book, model = mnq_book(levels=64)
    both(book, model, DomType.ASK, px(MNQ + 5_000), 1)  # deep asks, held outside
    both(book, model, DomType.ASK, px(MNQ + 6_000), 2)
    both(book, model, DomType.BID, px(MNQ - 7_000), 3)  # and a deep bid
    both(book, model, DomType.NEW_BEST_BID, px(MNQ - 7_000), 4)  # every better bid is stale
    assert book.stats["stale_levels_cleared"] == 10
    assert levels_of(book) == model_levels(model)
    both(book, model, DomType.BID, px(MNQ + 5_500), 5)  # crosses 10 near asks + 1 outside
    assert book.stats["crossed_levels_removed"] == 11
    assert levels_of(book) == model_levels(model)
    assert (book.best_bid, book.best_ask) == (px(MNQ + 5_500), px(MNQ + 6_000))


def test_reset_clears_the_outside_store_and_keeps_the_counters() -> None:
    book, _ = mnq_book(levels=64, outside_capacity=1)
    book.apply(DomType.BID, px(MNQ - 3_000), 1, 0, 0)
    book.apply(DomType.BID, px(MNQ - 4_000), 1, 0, 0)  # lost
    book.apply(DomType.RESET, 0.0, 0, 0, 0)
    assert book.levels_outside == 0 and book.bid_levels == 0 and book.levels_lost == 1
    book.apply(DomType.BID, px(MNQ - 4_000), 2, 0, 0)  # an empty book anchors on it
    assert book.levels_outside == 0 and book.best_bid == px(MNQ - 4_000)
    book.reset()
    assert book.levels_lost == 0 and book.stats["volume_lost"] == 0


def test_the_tape_aggressor_reads_a_touch_held_outside() -> None:
    book = OrderBook(1.0, levels=16)
    book.apply(DomType.BID, 100.0, 1, 0, 0)
    book.apply(DomType.ASK, 101.0, 1, 0, 0)
    book.apply(DomType.BID, 100.0, 0, 0, 0)
    book.apply(DomType.BID, 50.0, 1, 0, 0)  # now the touch, but outside the window
    assert book.levels_outside == 1 and book.best_bid == 50.0
    book.apply(DomType.TRADE, 50.0, 1, 0, 1)
    book.apply(DomType.TRADE, 101.0, 1, 0, 2)
    assert book.tape()["aggressor"].tolist() == [1, 0]


def test_outside_capacity_is_validated() -> None:
    for bad in (0, -1, 1 << 25):
        with pytest.raises(ValueError, match="outside_capacity"):
            OrderBook(T, outside_capacity=bad)
    assert OrderBook(T).outside_capacity == 1024
    with pytest.raises(ValueError, match="side"):
        OrderBook(T).outside_levels(2)
