"""LatencyHistogram: percentiles within the bucket error of numpy's, exact min/max/mean."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.latency import LatencyHistogram


def _nearest_rank(values: np.ndarray, q: float) -> int:
    ordered = np.sort(values)
    rank = max(1, int(np.ceil(q / 100.0 * len(ordered))))
    return int(ordered[rank - 1])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=400),
    st.sampled_from([1.0, 50.0, 90.0, 99.0, 99.9, 100.0]),
)
def test_percentile_is_within_one_sixteenth_of_the_nearest_rank_value(
    values: list[int], q: float
) -> None:
    h = LatencyHistogram()
    h.record_many(values)
    arr = np.array(values, dtype=np.int64)
    truth = _nearest_rank(arr, q)
    got = h.percentile(q)
    assert abs(got - truth) <= max(1, truth // 16)
    assert h.count == len(values) and h.min_ns == arr.min() and h.max_ns == arr.max()
    assert h.mean_ns == pytest.approx(float(np.mean(arr.astype(np.float64))), rel=1e-9)


def test_small_values_are_exact_and_negatives_are_counted_as_zero() -> None:
    h = LatencyHistogram("x")
    for v in (3, 3, 7, -5):
        h.record(v)
    assert h.negatives == 1 and h.min_ns == 0
    assert [h.percentile(q) for q in (25, 50, 75, 100)] == [0, 3, 3, 7]


def test_merge_equals_recording_everything_in_one_histogram() -> None:
    rng = np.random.default_rng(3)
    a_vals = rng.lognormal(9, 1.5, 5000).astype(np.int64)
    b_vals = rng.lognormal(12, 0.5, 3000).astype(np.int64)
    a, b, both = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    a.record_many(a_vals.tolist())
    b.record_many(b_vals.tolist())
    both.record_many([*a_vals.tolist(), *b_vals.tolist()])
    a.merge(b)
    assert a.snapshot() == both.snapshot()


def test_empty_histogram_and_bad_percentiles() -> None:
    h = LatencyHistogram()
    assert h.percentile(50) == 0 and h.snapshot()["count"] == 0
    with pytest.raises(ValueError):
        h.percentile(0)
    with pytest.raises(ValueError):
        h.percentile(100.5)
    h.record(10)
    h.reset()
    assert h.count == 0 and h.max_ns == 0
