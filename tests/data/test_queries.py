"""projectx.data.queries: bars since a moment, range and volume summaries, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from projectx.data import queries
from projectx.exceptions import ValidationError

T0 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def _frame() -> pl.DataFrame:
    rows = [(10.0, 12.0, 9.0, 11.0, 5), (11.0, 15.0, 10.5, 14.0, 7), (14.0, 14.5, 8.0, 9.0, 12)]
    return pl.DataFrame(
        {
            "ts": [T0 + timedelta(minutes=i) for i in range(len(rows))],
            "open": [r[0] for r in rows],
            "high": [r[1] for r in rows],
            "low": [r[2] for r in rows],
            "close": [r[3] for r in rows],
            "volume": [r[4] for r in rows],
        }
    )


def test_bars_since_is_inclusive_and_zone_independent() -> None:
    frame = _frame()
    chicago = (T0 + timedelta(minutes=1)).astimezone(ZoneInfo("America/Chicago"))
    got = queries.bars_since(frame, chicago)
    assert got["volume"].to_list() == [7, 12]
    assert queries.bars_since(frame, T0 + timedelta(seconds=61))["volume"].to_list() == [12]
    with pytest.raises(ValidationError):
        queries.bars_since(frame, datetime(2026, 12, 7, 15, 0))  # naive


def test_range_stats_by_hand() -> None:
    stats = queries.range_stats(_frame())
    assert stats is not None
    assert (stats["high"], stats["low"], stats["range"]) == (15.0, 8.0, 7.0)
    assert stats["avg_range"] == pytest.approx(((12 - 9) + (15 - 10.5) + (14.5 - 8)) / 3)
    assert queries.range_stats(_frame().head(0)) is None


def test_volume_summary_by_hand() -> None:
    stats = queries.volume_summary(_frame())
    assert stats is not None
    assert stats["total"] == 24.0 and stats["average"] == 8.0 and stats["current"] == 12.0
    assert stats["relative"] == pytest.approx(12 / 8)
    assert queries.volume_summary(_frame().head(0)) is None
