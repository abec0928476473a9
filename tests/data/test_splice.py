"""Gap repair's splice: REST decides the bars it has; live bars it lacks are kept, counted."""

from __future__ import annotations

import numpy as np

from projectx._native.ring import BarRing
from projectx.data.splice import splice_closed

S = 1_000_000_000


def _rest(*bars: tuple[int, float, int]) -> dict[str, np.ndarray]:
    ts = np.array([t for t, _, _ in bars], dtype=np.int64)
    px = np.array([p for _, p, _ in bars], dtype=np.float64)
    return {
        "ts_ns": ts,
        "open": px,
        "high": px + 1,
        "low": px - 1,
        "close": px,
        "volume": np.array([v for _, _, v in bars], dtype=np.int64),
    }


def _ring(*bars: tuple[int, float, int]) -> BarRing:
    ring = BarRing(16)
    for t, p, v in bars:
        ring.append(t, p, p, p, p, v, 3)
    return ring


def test_rest_replaces_and_adds_bars_in_the_range_and_leaves_the_rest_alone() -> None:
    ring = _ring((1 * S, 10.0, 1), (2 * S, 11.0, 1), (4 * S, 13.0, 1), (9 * S, 20.0, 1))
    written, kept = splice_closed(ring, _rest((2 * S, 11.5, 7), (3 * S, 12.0, 2)), 2 * S, 5 * S)
    bars = ring.latest()
    # 1 s outside the range: as it was; 2 s replaced, 3 s added from REST; 4 s kept (REST
    # lacked it); 9 s outside the range
    assert bars["ts"].tolist() == [1 * S, 2 * S, 3 * S, 4 * S, 9 * S]
    assert bars["close"].tolist() == [10.0, 11.5, 12.0, 13.0, 20.0]
    assert bars["volume"].tolist() == [1, 7, 2, 1, 1]
    assert bars["trades"].tolist() == [3, 0, 0, 3, 3]  # REST bars carry no trade count
    assert (written, kept) == (2, 1)


def test_an_empty_rest_answer_drops_no_live_bar() -> None:
    ring = _ring((1 * S, 10.0, 1), (2 * S, 11.0, 2))
    assert splice_closed(ring, _rest(), 0, 5 * S) == (0, 2)
    assert ring.latest()["close"].tolist() == [10.0, 11.0]
