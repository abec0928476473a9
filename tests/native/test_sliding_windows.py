"""``SlidingWindowManager`` over the native ``TickRing``: bounded windows per key, time cuts,
and typed refusals (checked against a plain Python list of the same ticks)."""

from __future__ import annotations

import numpy as np
import pytest

from projectx.data.windows import SlidingWindowManager
from projectx.exceptions import ValidationError


def test_windows_keep_the_newest_ticks_per_key_in_order() -> None:
    windows = SlidingWindowManager(capacity=100)
    expected: dict[str, list[tuple[int, float, int, int]]] = {"A": [], "B": []}
    rng = np.random.default_rng(3)
    ts = 1_000
    for _ in range(1_000):
        key = "A" if rng.random() < 0.7 else "B"
        ts += int(rng.integers(0, 5))
        tick = (
            ts,
            float(rng.integers(1, 400)) * 0.25,
            int(rng.integers(1, 9)),
            int(rng.integers(0, 2)),
        )
        windows.append(key, *tick)
        expected[key].append(tick)
    for key, ticks in expected.items():
        held = ticks[-100:]
        got = windows.latest(key, copy=True)
        assert windows.count(key) == 100
        assert got["ts"].tolist() == [t[0] for t in held]
        assert got["price"].tolist() == [t[1] for t in held]
        assert got["volume"].tolist() == [t[2] for t in held]
        assert got["side"].tolist() == [t[3] for t in held]
        cut = held[40][0]
        since = windows.since(key, cut)
        assert since["ts"].tolist() == [t[0] for t in held if t[0] >= cut]
        assert windows.latest(key, 7)["ts"].tolist() == [t[0] for t in held[-7:]]
        frame = windows.to_polars(key, 5)
        assert frame.height == 5 and frame["price"].to_list() == [t[1] for t in held[-5:]]
    stats = windows.stats()
    assert stats["windows"] == 2 and stats["held"] == 200 and stats["appended"] == 1_000
    assert isinstance(stats["bytes"], int) and stats["bytes"] > 0


def test_unknown_keys_read_empty_and_clear_empties() -> None:
    windows = SlidingWindowManager(capacity=10)
    assert windows.count("X") == 0 and len(windows.latest("X")["ts"]) == 0
    assert windows.to_polars("X").height == 0
    windows.append("X", 5, 1.0, 1)
    windows.clear("X")
    assert windows.count("X") == 0
    windows.append("X", 1, 1.0, 1)  # after a clear, time starts again
    assert windows.count("X") == 1


@pytest.mark.parametrize(
    ("key", "ts", "price", "volume", "side"),
    [
        ("", 1, 1.0, 1, 0),
        (7, 1, 1.0, 1, 0),
        ("K", 1.5, 1.0, 1, 0),
        ("K", True, 1.0, 1, 0),
        ("K", 1, float("nan"), 1, 0),
        ("K", 1, "1", 1, 0),
        ("K", 1, 1.0, -1, 0),
        ("K", 1, 1.0, 1.0, 0),
        ("K", 1, 1.0, 1, 999),
    ],
)
def test_bad_ticks_are_refused_and_leave_the_window_unchanged(
    key: object, ts: object, price: object, volume: object, side: object
) -> None:
    windows = SlidingWindowManager(capacity=10)
    with pytest.raises(ValidationError):
        windows.append(key, ts, price, volume, side)  # type: ignore[arg-type]
    assert windows.stats()["held"] == 0


def test_an_older_tick_is_refused_not_reordered() -> None:
    windows = SlidingWindowManager(capacity=10)
    windows.append("K", 100, 1.0, 1)
    with pytest.raises(ValidationError, match="older"):
        windows.append("K", 99, 1.0, 1)
    windows.append("K", 100, 1.25, 1)  # the same time is fine
    assert windows.count("K") == 2


@pytest.mark.parametrize("kwargs", [{"capacity": 0}, {"capacity": True}, {"max_keys": 0}])
def test_bad_settings_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SlidingWindowManager(**kwargs)  # type: ignore[arg-type]


def test_the_number_of_windows_is_bounded() -> None:
    windows = SlidingWindowManager(capacity=2, max_keys=2)
    windows.append("A", 1, 1.0, 1)
    windows.append("B", 1, 1.0, 1)
    with pytest.raises(ValidationError, match="max_keys"):
        windows.append("C", 1, 1.0, 1)
