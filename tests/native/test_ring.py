"""Columnar ring buffers: bounded memory, newest-N windows, zero-copy when contiguous."""

from __future__ import annotations

from collections import deque

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native import ring as ring_module
from projectx._native.ring import BarRing, ColumnRing, TickRing

BAR_NAMES = ("ts", "open", "high", "low", "close", "volume", "trades")


def bar(i: int) -> tuple[int, float, float, float, float, int, int]:
    return (i * 60, i + 0.25, i + 1.5, i - 1.0, i + 0.5, 10 * i, i % 7)


def filled(capacity: int, count: int) -> BarRing:
    r = BarRing(capacity)
    for i in range(count):
        r.append(*bar(i))
    return r


def test_empty_ring_has_no_rows() -> None:
    r = BarRing(4)
    assert (len(r), r.capacity, r.total) == (0, 4, 0)
    assert all(len(v) == 0 for v in r.latest().values())
    assert r.to_polars().height == 0


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        BarRing(0)


def test_latest_rows_are_oldest_first_after_wrapping() -> None:
    r = filled(5, 8)
    assert (len(r), r.total) == (5, 8)
    got = r.latest(4)
    assert list(got) == list(BAR_NAMES)
    assert got["ts"].tolist() == [bar(i)[0] for i in range(4, 8)]
    assert got["close"].tolist() == [bar(i)[4] for i in range(4, 8)]


def test_memory_stays_bounded_by_capacity() -> None:
    r = filled(16, 1000)
    assert all(a.shape == (16,) for a in r.arrays)
    assert r.total == 1000 and len(r) == 16


def test_contiguous_window_is_a_view_and_wrapped_window_a_copy() -> None:
    r = filled(5, 7)  # slots: [5, 6, 2, 3, 4] -> head at 2
    assert r.is_contiguous(2)
    assert np.shares_memory(r.column("ts", 2), r.arrays[0])
    assert not r.is_contiguous(3)
    wrapped = r.column("ts", 3)
    assert not np.shares_memory(wrapped, r.arrays[0])
    assert wrapped.tolist() == [240, 300, 360]


def test_copy_flag_detaches_from_the_ring() -> None:
    r = filled(8, 3)
    assert not np.shares_memory(r.column("open", copy=True), r.arrays[1])


def test_n_is_clamped_and_negative_n_rejected() -> None:
    r = filled(8, 3)
    assert len(r.column("ts", 100)) == 3
    assert len(r.column("ts", 0)) == 0
    with pytest.raises(ValueError):
        r.latest(-1)
    with pytest.raises(KeyError):
        r.column("nope")


def test_to_polars_types_and_values() -> None:
    r = filled(10, 4)
    df = r.to_polars(3)
    assert df.columns == list(BAR_NAMES)
    assert df.schema["ts"] == pl.Datetime("ns", "UTC")
    assert df.schema["open"] == pl.Float64 and df.schema["volume"] == pl.Int64
    assert df["ts"].dt.epoch("ns").to_list() == [60, 120, 180]
    assert df.rows() == [
        tuple(v if k else pl.Series([v]).cast(pl.Datetime("ns", "UTC"))[0] for k, v in enumerate(b))
        for b in (bar(1), bar(2), bar(3))
    ]


def test_to_polars_is_zero_copy_when_contiguous() -> None:
    r = filled(10, 4)
    df = r.to_polars()
    assert np.shares_memory(df["close"].to_numpy(), r.arrays[4])
    owned = r.to_polars(copy=True)
    assert not np.shares_memory(owned["close"].to_numpy(), r.arrays[4])
    assert owned.equals(df)


def test_fast_and_public_polars_construction_agree() -> None:
    r = filled(6, 9)
    arrays = [r.column(name) for name in r.names]
    fast = ring_module._frame_fast(r.names, arrays, r.time_columns)
    public = ring_module._frame_public(r.names, arrays, r.time_columns)
    assert fast.equals(public) and fast.schema == public.schema


def test_tick_ring_reuses_the_mechanism() -> None:
    t = TickRing(3)
    for i in range(5):
        t.append(i, 100.0 + i, i + 1, 1 if i % 2 else -1)
    assert t.names == ("ts", "price", "volume", "side")
    assert t.arrays[3].dtype == np.int8
    df = t.to_polars()
    assert df["price"].to_list() == [102.0, 103.0, 104.0]
    assert df["side"].to_list() == [-1, 1, -1]


def test_generic_ring_validates_columns() -> None:
    with pytest.raises(ValueError):
        ColumnRing(4, [("ts", np.float64)])  # the time column must be int64
    with pytest.raises(ValueError):
        ColumnRing(4, [("a", np.int64), ("a", np.int64)], time_columns=())
    with pytest.raises(ValueError):
        ColumnRing(4, [(f"c{i}", np.int64) for i in range(9)], time_columns=())


def test_clear_forgets_rows_but_keeps_the_total() -> None:
    r = filled(4, 6)
    r.clear()
    assert len(r) == 0 and r.total == 6
    r.append(*bar(9))
    assert r.column("ts").tolist() == [540]


def test_extend_rejects_ragged_columns() -> None:
    r = BarRing(4)
    with pytest.raises(ValueError):
        r.extend([1, 2], [1.0], [1.0], [1.0], [1.0], [1], [1])
    with pytest.raises(ValueError):
        r.extend([1], [1.0])


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 10**6)),
        st.tuples(st.just("extend"), st.lists(st.integers(0, 10**6), max_size=25)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(1, 12), ops=OPS, n=st.one_of(st.none(), st.integers(0, 15)))
def test_ring_matches_a_bounded_deque(
    capacity: int, ops: list[tuple[str, object]], n: int | None
) -> None:
    r = BarRing(capacity)
    model: deque[tuple[int, ...]] = deque(maxlen=capacity)
    appended = 0
    for op, arg in ops:
        if op == "append":
            row = bar(int(arg))  # type: ignore[call-overload]
            r.append(*row)
            model.append(row)
            appended += 1
        else:
            rows = [bar(v) for v in arg]  # type: ignore[union-attr]
            r.extend(*(np.array(c) for c in zip(*rows, strict=True)) if rows else ([],) * 7)
            model.extend(rows)
            appended += len(rows)
    expected = list(model) if n is None else list(model)[max(0, len(model) - n) :]
    got = r.latest(n)
    rows = list(zip(*(got[name].tolist() for name in BAR_NAMES), strict=True))
    assert rows == expected
    assert (len(r), r.total) == (len(model), appended)
    df = r.to_polars(n)
    assert df.with_columns(df["ts"].dt.epoch("ns")).rows() == expected
