"""What a sweep replays: recordings (``projectx record``) and bars files (``projectx bars``).

A recording is a directory or a market Parquet file in the simulator's replay format. A bars
file is a ``.parquet`` or ``.csv`` file with ``open``, ``high``, ``low``, ``close`` columns (and
``contract_id``, ``timeframe``, ``ts_ns``/``timestamp``, ``volume``, as ``projectx bars --out``
writes it); it is replayed as ``projectx replay FILE`` replays it: four synthetic trades per bar
(:func:`projectx.replay.bars_to_trades`). Either way the driver reads each input once into a
:class:`~projectx.replay.ReplayData`, which the runner puts in Ray's object store once.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from projectx.exceptions import ValidationError
from projectx.recording import RecordingFormatError
from projectx.replay import ReplayData, ReplaySourceError, bars_to_trades, prepare
from projectx.timeframes import TimeframeError, parse_timeframe

__all__ = ["BARS_COLUMNS", "is_bars_file", "load_input", "read_bars"]

#: the columns that make a Parquet/CSV file a bars file rather than a recording
BARS_COLUMNS = frozenset({"open", "high", "low", "close"})


def _read_table(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(path) if path.suffix.lower() == ".csv" else pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for unreadable files
        raise ValidationError(f"cannot read {path}: {exc}") from None


def is_bars_file(path: Path) -> bool:
    """Whether ``path`` is a bars file (a ``.parquet``/``.csv`` file with OHLC columns)."""
    if path.is_dir() or path.suffix.lower() not in (".parquet", ".csv"):
        return False
    if path.suffix.lower() == ".parquet":
        try:
            columns = set(pl.read_parquet_schema(path))
        except Exception as exc:  # polars raises several error types for unreadable files
            raise ValidationError(f"cannot read {path}: {exc}") from None
    else:
        try:
            columns = set(pl.read_csv(path, n_rows=0).columns)  # the header only
        except Exception as exc:  # polars raises several error types for unreadable files
            raise ValidationError(f"cannot read {path}: {exc}") from None
    return columns >= BARS_COLUMNS


def read_bars(path: Path) -> pl.DataFrame:
    """A bars file as the synthetic trades ``projectx replay FILE`` replays."""
    df = _read_table(path)
    for col in ("contract_id", "timeframe"):
        if col not in df.columns or df.height == 0:
            raise ValidationError(f"{path}: a bars file needs a {col!r} column and rows")
    if df["contract_id"].n_unique() != 1 or df["timeframe"].n_unique() != 1:
        raise ValidationError(f"{path}: a bars file holds one contract and one timeframe")
    try:
        tf = parse_timeframe(str(df["timeframe"][0]))
    except TimeframeError as exc:
        raise ValidationError(f"{path}: {exc}") from None
    if tf.is_calendar:
        raise ValidationError(f"{path}: replay over day/week/month bars is not supported")
    try:
        return bars_to_trades(df, str(df["contract_id"][0]), tf.length_ns / 1e9)
    except ReplaySourceError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def load_input(path: Path, symbols: list[str] | None) -> ReplayData:
    """One input prepared for replay (a recording, or a bars file; see the module docstring)."""
    try:
        source: pl.DataFrame | Path = read_bars(path) if is_bars_file(path) else path
        return prepare(source, symbols=symbols)
    except (ReplaySourceError, RecordingFormatError) as exc:
        raise ValidationError(f"{path}: {exc}") from None
