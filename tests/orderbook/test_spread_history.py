"""The native book's own spread history equals a SpreadTracker sampled after every message."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.book import OrderBook as NativeBook
from projectx.orderbook.spread import BookSpreadHistory, SpreadTracker

TICK = 0.25
BASE = 84_000  # ticks: 21,000.00
MS = 1_000_000


def _messages(draw: st.DrawFn) -> list[list[tuple[int, int, int]]]:
    """Depth messages: lists of (DomType, tick, volume), one update time per message."""
    entry = st.tuples(
        st.sampled_from([1, 2, 3, 4, 6]),  # ask, bid, best ask, best bid, reset
        st.integers(BASE - 6, BASE + 6),
        st.integers(0, 9),
    )
    return draw(st.lists(st.lists(entry, min_size=1, max_size=5), min_size=1, max_size=40))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_book_keeps_what_a_tracker_sampling_after_each_message_keeps(
    data: st.DataObject,
) -> None:
    messages = data.draw(st.composite(_messages)())
    native = NativeBook(TICK, levels=64)
    history = BookSpreadHistory(native, TICK, capacity=1_000)
    reference = SpreadTracker(TICK, capacity=1_000)
    for i, message in enumerate(messages):
        ts = (i + 1) * MS
        for dom_type, tick, volume in message:
            native.apply(dom_type, tick * TICK, volume, volume, ts)
        reference.sample(ts, native.best_bid, native.best_ask)  # after the whole message
    ts_arr, values = native.spread_history()
    expected = list(reference._samples)
    assert list(zip(ts_arr.tolist(), values.tolist(), strict=True)) == expected
    got, want = history.stats(), reference.stats()
    assert got.keys() == want.keys()
    for key, value in want.items():
        other = got[key]  # type: ignore[literal-required]
        if isinstance(value, float) and math.isnan(value):
            assert isinstance(other, float) and math.isnan(other), key
        else:
            assert other == pytest.approx(value), key
    assert len(history) == len(reference)


def test_a_full_ring_keeps_the_latest_samples_and_reset_forgets_them() -> None:
    native = NativeBook(TICK, levels=64)
    native.keep_spread_history(3)
    native.apply(2, BASE * TICK, 5, 5, 1 * MS)  # bid only: no spread, nothing kept
    for k in range(1, 6):  # the ask steps away: spreads 1..5 ticks at times 2..6 ms
        native.apply(1, (BASE + k) * TICK, 5, 5, (k + 1) * MS)
        if k > 1:  # the old ask goes in the same update: only the final state is a sample
            native.apply(1, (BASE + k - 1) * TICK, 0, 0, (k + 1) * MS)
    ts, values = native.spread_history()
    assert ts.tolist() == [4 * MS, 5 * MS, 6 * MS]
    assert values.tolist() == [3 * TICK, 4 * TICK, 5 * TICK]
    assert native.spread_seen == 1 + 5 + 4
    native.reset()
    assert [len(a) for a in native.spread_history()] == [0, 0]


def test_hand_samples_follow_the_same_rules_and_an_unkept_history_refuses_them() -> None:
    native = NativeBook(TICK, levels=64)
    with pytest.raises(RuntimeError, match="keep_spread_history"):
        native.record_spread(1, 0.5)
    history = BookSpreadHistory(native, TICK)
    history.sample(1 * MS, 100.0, 100.5)
    history.sample(1 * MS, 100.0, 100.25)  # the same time: the later value counts
    history.sample(2 * MS, 100.0, 100.25)  # unchanged: not kept
    history.sample(3 * MS, math.nan, 100.25)  # a side empty: not kept
    ts, values = native.spread_history()
    assert ts.tolist() == [1 * MS] and values.tolist() == [0.25]
    assert history.seen == 4
    history.close()
    assert len(history) == 0 and history.seen == 0
    assert np.array_equal(native.spread_history()[0], np.empty(0, np.int64))
    native.apply(2, BASE * TICK, 5, 5, 4 * MS)  # closed: the book no longer samples
    assert native.spread_seen == 0


def test_sample_times_never_go_backwards_and_only_finite_spreads_are_kept() -> None:
    native = NativeBook(TICK, levels=64)
    native.keep_spread_history(16)
    native.record_spread(12, 1.0)
    native.record_spread(5, 2.0)  # an earlier stamp: the value at the latest time so far
    native.record_spread(20, math.inf)  # not a spread: not kept
    native.record_spread(30, 3.0)
    ts, values = native.spread_history()
    assert ts.tolist() == [12, 30] and values.tolist() == [2.0, 3.0]


def test_histories_over_one_book_share_it_until_the_last_one_closes() -> None:
    native = NativeBook(TICK, levels=64)
    first = BookSpreadHistory(native, TICK)
    first.sample(1 * MS, 100.0, 100.5)
    second = BookSpreadHistory(native, TICK)  # joins: the samples so far stay
    second.sample(2 * MS, 100.0, 100.25)
    assert len(first) == len(second) == 2
    first.close()
    assert len(second) == 2 and native.spread_capacity > 0  # still sampling for the other
    second.close()
    assert native.spread_capacity == 0
    native.keep_spread_history(8)  # started by other code: joined, never stopped from here
    third = BookSpreadHistory(native, TICK)
    third.close()
    assert native.spread_capacity == 8
