"""Buffers market records and writes them as rotating Parquet parts (format: :mod:`.schema`)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx._native.frames import KIND_DEPTH, KIND_QUOTE, KIND_TRADE, RECORD_DTYPE
from projectx.recording.schema import (
    EVENT_DEPTH,
    EVENT_TRADE,
    MARKET_COLUMNS,
    QUOTE_COLUMNS,
    Manifest,
    PartInfo,
    write_manifest,
)

__all__ = ["PartWriter"]

_Records = npt.NDArray[np.void]


class PartWriter:
    """Collects native market records (``RECORD_DTYPE`` arrays) and writes Parquet parts.

    ``append(records, contract_ids, msg)`` takes one message's records; ``contract_ids`` maps the
    records' ``contract`` index to a contract id. A part is written when ``rows_per_part`` rows
    are buffered or ``part_seconds`` have passed since the last part (so a crash loses at most
    that much), and at :meth:`close`. The manifest is rewritten after every part.
    """

    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        *,
        rows_per_part: int = 1_000_000,
        part_seconds: float = 300.0,
        compression: str = "zstd",
    ) -> None:
        if rows_per_part < 1:
            raise ValueError(f"rows_per_part must be >= 1, got {rows_per_part}")
        if part_seconds <= 0:
            raise ValueError(f"part_seconds must be > 0, got {part_seconds}")
        self.directory = directory
        self.manifest = manifest
        self.rows_per_part = rows_per_part
        self.part_seconds = part_seconds
        self.compression = compression
        self._chunks: list[_Records] = []
        self._chunk_seq: list[int] = []
        self._chunk_msg: list[int] = []
        self._chunk_cids: list[list[str]] = []
        self._buffered = 0
        self._seq = 0
        self._part_no = 0
        self._last_part = time.monotonic()
        self._counts = {"trades": 0, "depth": 0, "quotes": 0, "messages": 0, "rows": 0}
        self.bytes_written = 0
        self.extra_counts: dict[str, int] = {}

    @property
    def counts(self) -> dict[str, int]:
        """Rows appended so far: trades, depth, quotes, rows (all three), messages; plus
        ``extra_counts`` (the recorder adds ``reconnects`` of the market hub)."""
        return {**self._counts, **self.extra_counts}

    @property
    def buffered(self) -> int:
        """Rows not yet written."""
        return self._buffered

    def append(self, records: _Records, contract_ids: list[str], msg: int) -> None:
        """Buffer one message's records (copied)."""
        n = len(records)
        self._counts["messages"] += 1
        if n == 0:
            return
        kinds = records["kind"]
        self._counts["trades"] += int(np.count_nonzero(kinds == KIND_TRADE))
        self._counts["depth"] += int(np.count_nonzero(kinds == KIND_DEPTH))
        self._counts["quotes"] += int(np.count_nonzero(kinds == KIND_QUOTE))
        self._counts["rows"] += n
        self._chunks.append(np.array(records, dtype=RECORD_DTYPE, copy=True))
        self._chunk_seq.append(self._seq)
        self._chunk_msg.append(msg)
        self._chunk_cids.append(contract_ids)
        self._seq += n
        self._buffered += n

    def due(self) -> bool:
        """Whether a part should be written now."""
        if self._buffered >= self.rows_per_part:
            return True
        return self._buffered > 0 and time.monotonic() - self._last_part >= self.part_seconds

    async def flush(self) -> None:
        """Write the buffered rows as the next part(s) (in a worker thread)."""
        if not self._buffered:
            return
        chunks, seqs, msgs, cids = self._chunks, self._chunk_seq, self._chunk_msg, self._chunk_cids
        self._chunks, self._chunk_seq, self._chunk_msg, self._chunk_cids = [], [], [], []
        self._buffered = 0
        self._last_part = time.monotonic()
        market, quotes = _frames(chunks, seqs, msgs, cids)
        no = self._part_no
        self._part_no += 1
        parts = await asyncio.to_thread(self._write, no, market, quotes)
        self.manifest.parts.extend(parts)
        self.manifest.counts = self.counts
        write_manifest(self.directory, self.manifest)

    def _write(self, no: int, market: pl.DataFrame, quotes: pl.DataFrame) -> list[PartInfo]:
        out: list[PartInfo] = []
        for kind, df in (("market", market), ("quotes", quotes)):
            if df.height == 0:
                continue
            name = f"{kind}-{no:05d}.parquet"
            path = self.directory / name
            tmp = path.with_suffix(".parquet.tmp")
            df.write_parquet(tmp, compression=self.compression)  # type: ignore[arg-type]
            tmp.replace(path)
            self.bytes_written += path.stat().st_size
            ts = df["ts_ns"]
            out.append(PartInfo(name, kind, df.height, int(ts.min()), int(ts.max())))  # type: ignore[arg-type]
        return out

    async def close(self, ended_ns: int) -> Manifest:
        """Write what is left and mark the manifest complete."""
        await self.flush()
        self.manifest.ended_ns = ended_ns
        self.manifest.counts = self.counts
        self.manifest.complete = True
        write_manifest(self.directory, self.manifest)
        return self.manifest


def _frames(
    chunks: list[_Records], seqs: list[int], msgs: list[int], cids: list[list[str]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    recs = np.concatenate(chunks)
    lengths = np.array([len(c) for c in chunks], dtype=np.int64)
    seq = np.concatenate(
        [np.arange(s, s + len(c), dtype=np.int64) for s, c in zip(seqs, chunks, strict=True)]
    )
    msg = np.repeat(np.array(msgs, dtype=np.int64), lengths)
    names: list[str] = []
    for ids, c in zip(cids, chunks, strict=True):
        names.extend(ids[i] for i in c["contract"].tolist())
    contract = np.array(names, dtype=object)
    kind = recs["kind"]
    m = (kind == KIND_TRADE) | (kind == KIND_DEPTH)
    q = kind == KIND_QUOTE
    event = np.where(kind[m] == KIND_TRADE, EVENT_TRADE, EVENT_DEPTH).astype(np.int8)
    market = pl.DataFrame(
        {
            "ts_ns": recs["ts_ns"][m],
            "contract_id": pl.Series(contract[m].tolist(), dtype=pl.Utf8),
            "event": event,
            "type": recs["type"][m].astype(np.int8),
            "price": recs["price"][m],
            "volume": recs["volume"][m],
            "seq": seq[m],
            "msg": msg[m],
            "current_volume": recs["current_volume"][m],
            "fields": recs["fields"][m].astype(np.int32),
        }
    ).select(MARKET_COLUMNS)
    cols: dict[str, Any] = {
        "ts_ns": recs["ts_ns"][q],
        "contract_id": pl.Series(contract[q].tolist(), dtype=pl.Utf8),
        "seq": seq[q],
        "msg": msg[q],
        "fields": recs["fields"][q].astype(np.int32),
        "last_price": recs["price"][q],
        "best_bid": recs["bid"][q],
        "best_ask": recs["ask"][q],
        "change": recs["change"][q],
        "change_percent": recs["change_pct"][q],
        "open": recs["open"][q],
        "high": recs["high"][q],
        "low": recs["low"][q],
        "volume": recs["session_volume"][q],
        "updated_ns": recs["updated_ns"][q],
    }
    quotes = pl.DataFrame(cols).select(QUOTE_COLUMNS)
    return market, quotes
