"""Reading a recording back: a directory from ``projectx record`` or one Parquet file.

A single file needs only the six columns of the simulator's replay format
(:data:`projectx.sim.replay.RECORDING_COLUMNS`); ``seq``/``msg`` and quotes are optional.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from projectx.recording.schema import (
    MARKET_COLUMNS,
    QUOTE_COLUMNS,
    Manifest,
    RecordingFormatError,
    read_manifest,
)

__all__ = ["Recording", "read_recording"]

_REQUIRED = MARKET_COLUMNS[:6]


@dataclass(slots=True)
class Recording:
    """A recording in memory: market rows (trades + depth) and quotes, each sorted by arrival."""

    market: pl.DataFrame
    quotes: pl.DataFrame
    manifest: Manifest | None = None

    @property
    def contract_ids(self) -> list[str]:
        """Contracts in order of first appearance."""
        ids = pl.concat([self.market.select("contract_id"), self.quotes.select("contract_id")])[
            "contract_id"
        ]
        return list(ids.unique(maintain_order=True).to_list())

    @property
    def rows(self) -> int:
        """Market rows plus quotes."""
        return self.market.height + self.quotes.height


def _read(paths: list[Path]) -> list[pl.DataFrame]:
    out = []
    for p in paths:
        try:
            out.append(pl.read_parquet(p))
        except Exception as exc:  # polars raises several error types for bad files
            raise RecordingFormatError(f"cannot read {p} as Parquet: {exc}") from None
    return out


def _market(frames: list[pl.DataFrame], where: Path) -> pl.DataFrame:
    for f in frames:
        missing = [c for c in _REQUIRED if c not in f.columns]
        if missing:
            raise RecordingFormatError(f"{where}: missing column(s) {', '.join(missing)}")
    has_seq = all("seq" in f.columns for f in frames) and frames
    cols = [c for c in MARKET_COLUMNS if all(c in f.columns for f in frames)]
    if not frames:
        return pl.DataFrame(
            schema={
                "ts_ns": pl.Int64,
                "contract_id": pl.Utf8,
                "event": pl.Int8,
                "type": pl.Int8,
                "price": pl.Float64,
                "volume": pl.Int64,
            }
        )
    df = pl.concat([f.select(cols) for f in frames], how="vertical_relaxed")
    df = df.with_columns(
        pl.col("ts_ns").cast(pl.Int64),
        pl.col("contract_id").cast(pl.Utf8),
        pl.col("event").cast(pl.Int8),
        pl.col("type").cast(pl.Int8),
        pl.col("price").cast(pl.Float64),
        pl.col("volume").cast(pl.Int64),
    )
    if df.select(pl.col(list(_REQUIRED)).null_count()).sum_horizontal().item():
        raise RecordingFormatError(f"{where}: null values in the recording")
    bad = df.filter(~pl.col("event").is_in([0, 1]))
    if bad.height:
        raise RecordingFormatError(
            f"{where}: event must be 0 (trade) or 1 (depth), got {bad['event'][0]}"
        )
    return df.sort("seq" if has_seq else "ts_ns", maintain_order=True)


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """Load a recording directory (manifest + parts) or a single market Parquet file."""
    p = Path(path)
    if p.is_dir():
        manifest = read_manifest(p)
        market_parts = sorted(p.glob("market-*.parquet"))
        quote_parts = sorted(p.glob("quotes-*.parquet"))
        market = _market(_read(market_parts), p)
        qframes = _read(quote_parts)
        for f in qframes:
            missing = [c for c in QUOTE_COLUMNS if c not in f.columns]
            if missing:
                raise RecordingFormatError(f"{p}: quotes missing column(s) {', '.join(missing)}")
        quotes = (
            pl.concat([f.select(QUOTE_COLUMNS) for f in qframes], how="vertical_relaxed").sort(
                "seq", maintain_order=True
            )
            if qframes
            else _empty_quotes()
        )
        return Recording(market, quotes, manifest)
    if p.is_file():
        return Recording(_market(_read([p]), p), _empty_quotes(), None)
    raise RecordingFormatError(f"recording not found: {p}")


def _empty_quotes() -> pl.DataFrame:
    schema: dict[str, type[pl.DataType]] = {c: pl.Float64 for c in QUOTE_COLUMNS}
    schema.update(
        ts_ns=pl.Int64,
        contract_id=pl.Utf8,
        seq=pl.Int64,
        msg=pl.Int64,
        fields=pl.Int32,
        updated_ns=pl.Int64,
    )
    return pl.DataFrame(schema=schema)
