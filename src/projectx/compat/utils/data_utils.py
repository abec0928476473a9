"""project-x-py's DataFrame helpers: row count, last value and a descriptive snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

__all__ = ["create_data_snapshot", "get_polars_last_value", "get_polars_rows"]

_NUMERIC = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64)


def get_polars_rows(df: pl.DataFrame) -> int:
    """The number of rows (0 for anything without a ``height``)."""
    return int(getattr(df, "height", 0))


def get_polars_last_value(df: pl.DataFrame, column: str) -> Any:
    """The last value of ``column`` (None for an empty frame)."""
    if df.is_empty():
        return None
    return df[column][-1]


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def create_data_snapshot(data: pl.DataFrame, description: str = "") -> dict[str, Any]:
    """A summary of ``data``: ``description``, ``row_count``, ``columns``, ``empty`` and, when
    not empty, ``dtypes``, ``created_at``, the ``time_range`` (and ``timespan`` in seconds) of
    the first column whose name contains "time", and min/max/mean/std ``statistics`` of every
    numeric column."""
    if data.is_empty():
        return {"description": description, "row_count": 0, "columns": [], "empty": True}
    snapshot: dict[str, Any] = {
        "description": description,
        "row_count": data.height,
        "columns": data.columns,
        "dtypes": {name: str(dtype) for name, dtype in data.schema.items()},
        "empty": False,
        "created_at": datetime.now(),
    }
    time_column = next((c for c in data.columns if "time" in c.lower()), None)
    if time_column is not None:
        first, last = data[time_column][0], data[time_column][-1]
        if first is not None and last is not None:
            snapshot["time_range"] = {"start": first, "end": last}
            if isinstance(first, datetime) and isinstance(last, datetime):
                snapshot["timespan"] = (last - first).total_seconds()
    numeric = [name for name, dtype in data.schema.items() if dtype in _NUMERIC]
    if numeric:
        snapshot["statistics"] = {
            name: {
                "min": _as_float(data[name].min()),
                "max": _as_float(data[name].max()),
                "mean": _as_float(data[name].mean()),
                "std": _as_float(data[name].std()),
            }
            for name in numeric
        }
    return snapshot
