"""Bar paging (walk backwards past the per-request cap) against a reference model server.

The model answers ``History/retrieveBars`` as spec §4.4 describes: bars with
``start <= t < end`` (or ``<= end`` for the inclusive variant), newest first, the most recent
``min(limit, cap)`` of them. The page cap is shrunk to a few bars so that many pages happen.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import projectx.client.rest as rest
from projectx._native.isotime import format_iso, parse_iso
from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.models import Contract

T0 = datetime(2025, 11, 3, tzinfo=UTC)
SEC = 10**9
T0_NS = int(T0.timestamp()) * SEC
CONTRACT = Contract(id="CON.F.US.MNQ.Z25", tick_size=0.25)


class ModelServer(ProjectX):
    """``ProjectX`` whose transport is the reference model (no network)."""

    def __init__(self, bar_seconds: list[int], cap: int, inclusive_end: bool) -> None:
        super().__init__(ProjectXConfig(username="u", api_key="k"))
        self.bar_ns = sorted({T0_NS + s * SEC for s in bar_seconds})
        self.cap = cap
        self.inclusive_end = inclusive_end
        self.calls = 0

    async def _request(self, endpoint: str, body: Any, **kw: Any) -> dict[str, Any]:
        assert endpoint == "History/retrieveBars"
        self.calls += 1
        start, end = parse_iso(body["startTime"]), parse_iso(body["endTime"])
        inside = [
            t for t in self.bar_ns if start <= t and (t <= end if self.inclusive_end else t < end)
        ]
        chosen = inside[-min(body["limit"], self.cap) :] if inside else []
        bars = [
            {"t": format_iso(t, 6), "o": 1.0, "h": 97.0, "l": 0.0, "c": (t // SEC) % 97, "v": 1}
            for t in reversed(chosen)
        ]
        return {"bars": bars, "success": True, "errorCode": 0, "errorMessage": None}


@settings(max_examples=120, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 400), max_size=120),
    cap=st.integers(1, 9),
    window=st.tuples(st.integers(0, 400), st.integers(1, 400)),
    limit=st.one_of(st.none(), st.integers(1, 150)),
    inclusive_end=st.booleans(),
)
def test_paged_bars_equal_the_reference_window(seconds, cap, window, limit, inclusive_end):
    start_s, length = window
    start = T0 + timedelta(seconds=start_s)
    end = start + timedelta(seconds=length)
    server = ModelServer(seconds, cap, inclusive_end)
    saved = rest.MAX_BARS_PER_REQUEST
    rest.MAX_BARS_PER_REQUEST = cap
    try:
        frame = asyncio.run(server.get_bars(CONTRACT, "1sec", start=start, end=end, limit=limit))
    finally:
        rest.MAX_BARS_PER_REQUEST = saved
    start_ns, end_ns = T0_NS + start_s * SEC, T0_NS + (start_s + length) * SEC
    expected = [t for t in server.bar_ns if start_ns <= t < end_ns]
    if limit is not None:
        expected = expected[-limit:]
    got = frame["ts"].dt.epoch("ns").to_list()
    assert got == expected
    assert frame["close"].to_list() == [float((t // SEC) % 97) for t in got]


def _paged(server: ModelServer, cap: int, **kw: Any) -> Any:
    saved = rest.MAX_BARS_PER_REQUEST
    rest.MAX_BARS_PER_REQUEST = cap
    try:
        return asyncio.run(server.get_bars(CONTRACT, "1sec", **kw))
    finally:
        rest.MAX_BARS_PER_REQUEST = saved


def test_full_pages_continue_until_a_short_page_or_the_start():
    # 10 bars at seconds 1..10, window [0, 11): two full pages, then an empty third page
    server = ModelServer(list(range(1, 11)), cap=5, inclusive_end=False)
    frame = _paged(server, 5, start=T0, end=T0 + timedelta(seconds=11))
    assert frame.height == 10 and server.calls == 3
    # when the oldest bar sits exactly on start, nothing older can exist: no third page
    server = ModelServer(list(range(10)), cap=5, inclusive_end=False)
    frame = _paged(server, 5, start=T0, end=T0 + timedelta(seconds=10))
    assert frame.height == 10 and server.calls == 2


@pytest.mark.parametrize("limit", [1, 5, 7])
def test_limit_stops_paging_early(limit):
    server = ModelServer(list(range(50)), cap=5, inclusive_end=False)
    saved = rest.MAX_BARS_PER_REQUEST
    rest.MAX_BARS_PER_REQUEST = 5
    try:
        frame = asyncio.run(
            server.get_bars(CONTRACT, "1sec", start=T0, end=T0 + timedelta(seconds=50), limit=limit)
        )
    finally:
        rest.MAX_BARS_PER_REQUEST = saved
    assert frame["ts"].dt.epoch("ns").to_list() == server.bar_ns[-limit:]
    assert server.calls == -(-limit // 5)
