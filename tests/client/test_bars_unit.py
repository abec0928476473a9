"""Bar specs, wire -> polars conversion and page merging against a plain-Python reference."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.isotime import format_iso
from projectx.client.bars import (
    BAR_SCHEMA,
    BarSpec,
    bars_to_frame,
    default_start,
    merge_pages,
    resolve_bar_spec,
)
from projectx.enums import BarUnit
from projectx.exceptions import APIError, ValidationError

MINUTE_NS = 60 * 10**9
T0 = 1_732_000_000 * 10**9


def _wire(ts_ns: int, close: float, volume: int = 1) -> dict[str, object]:
    return {
        "t": format_iso(ts_ns, 6),
        "o": close,
        "h": close + 1,
        "l": close - 1,
        "c": close,
        "v": volume,
    }


def test_timeframes_and_units_map_to_retrievebars_arguments():
    assert resolve_bar_spec("5min") == BarSpec(BarUnit.MINUTE, 5)
    assert resolve_bar_spec("1hr") == BarSpec(BarUnit.HOUR, 1)
    assert resolve_bar_spec("15sec") == BarSpec(BarUnit.SECOND, 15)
    assert resolve_bar_spec("1day") == BarSpec(BarUnit.DAY, 1)
    assert resolve_bar_spec("1week") == BarSpec(BarUnit.WEEK, 1)
    assert resolve_bar_spec("1month") == BarSpec(BarUnit.MONTH, 1)
    assert resolve_bar_spec(None, BarUnit.HOUR, 4) == BarSpec(BarUnit.HOUR, 4)
    assert resolve_bar_spec(None, 2, 3) == BarSpec(BarUnit.MINUTE, 3)


@pytest.mark.parametrize(
    ("timeframe", "unit", "number"),
    [
        ("7minutes", None, 1),
        ("0min", None, 1),
        (None, None, 1),
        (None, 9, 1),
        (None, 7, 1),
        (None, BarUnit.MINUTE, 0),
        ("5min", BarUnit.MINUTE, 1),
        (None, BarUnit.UNSPECIFIED, 1),
    ],
)
def test_unknown_timeframes_raise_validation_error(timeframe, unit, number):
    with pytest.raises(ValidationError):
        resolve_bar_spec(timeframe, unit, number)


def test_frame_has_the_documented_schema_and_values():
    frame = bars_to_frame([_wire(T0 + MINUTE_NS, 2.0, 5), _wire(T0, 1.0, 7)])
    assert frame.schema == pl.Schema(BAR_SCHEMA)
    assert frame["ts"].dt.epoch("ns").to_list() == [T0 + MINUTE_NS, T0]
    assert frame["close"].to_list() == [2.0, 1.0]
    assert frame["volume"].to_list() == [5, 7]
    assert frame["ts"][0] == datetime.fromtimestamp((T0 + MINUTE_NS) // 10**9, UTC)


def test_malformed_bars_raise_api_error():
    with pytest.raises(APIError):
        bars_to_frame([{"t": "nope", "o": 1, "h": 1, "l": 1, "c": 1, "v": 1}])
    with pytest.raises(APIError):
        bars_to_frame([{"t": format_iso(T0, 6), "o": 1, "h": 1, "l": 1, "c": 1}])


@settings(max_examples=150, deadline=None)
@given(
    pages=st.lists(
        st.lists(st.tuples(st.integers(0, 500), st.integers(0, 10**6)), max_size=40),
        min_size=1,
        max_size=6,
    ),
    limit=st.one_of(st.none(), st.integers(1, 300)),
)
def test_merge_matches_reference(pages, limit):
    # each page: (minute index, close); newest page first; within a page any order
    frames = [
        bars_to_frame([_wire(T0 + m * MINUTE_NS, float(c)) for m, c in page]) for page in pages
    ]
    merged = merge_pages(frames, limit)
    # reference: the first occurrence of each minute (newest page wins), ascending, last `limit`
    seen: dict[int, float] = {}
    for page in pages:
        for m, c in page:
            seen.setdefault(m, float(c))
    expected = sorted(seen.items())
    if limit is not None:
        expected = expected[-limit:]
    got_ts = [(t - T0) // MINUTE_NS for t in merged["ts"].dt.epoch("ns").to_list()]
    assert got_ts == [m for m, _ in expected]
    assert merged["close"].to_list() == [c for _, c in expected]


def test_default_start_leaves_room_for_gaps():
    end = datetime(2025, 11, 24, tzinfo=UTC)
    start = default_start(end, BarSpec(BarUnit.MINUTE, 1), 1000)
    assert (end - start).total_seconds() >= 1000 * 60 * 2 + 4 * 86400
