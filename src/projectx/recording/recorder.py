"""``Recorder``: subscribes to quotes, trades and depth and writes every record to Parquet.

    async with ProjectX(config) as client:
        async with Recorder(client, ["MNQ"], "rec/") as rec:
            await rec.run(duration=60)

Works the same against the simulator and the real Gateway: it uses the SDK's own market-hub
connection (reconnects and resubscribes included). Every record the hub delivers for the
subscribed contracts is kept, in arrival order: the records the native parser handled (read from
its record array right after each message) and the ones it left to the generic path (parsed
here from JSON). Format: :mod:`projectx.recording.schema`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from projectx._native.feed import MarketFeed
from projectx._native.frames import (
    FIELD_CURRENT_VOLUME,
    FIELD_PRICE,
    FIELD_TIMESTAMP,
    FIELD_TYPE,
    FIELD_VOLUME,
    KIND_DEPTH,
    KIND_QUOTE,
    KIND_TRADE,
    QUOTE_FIELDS,
    RECORD_DTYPE,
)
from projectx._native.isotime import parse_iso
from projectx.client import ProjectX
from projectx.exceptions import ValidationError
from projectx.realtime.client import RealtimeClient
from projectx.recording.schema import MANIFEST_NAME, ContractInfo, Manifest
from projectx.recording.writer import PartWriter

__all__ = ["Recorder", "RecorderStats"]

log = logging.getLogger(__name__)

_QUOTE_COLUMNS = {
    "lastPrice": "price",
    "bestBid": "bid",
    "bestAsk": "ask",
    "change": "change",
    "changePercent": "change_pct",
    "open": "open",
    "high": "high",
    "low": "low",
    "volume": "session_volume",
}
_TARGET_KIND = {"GatewayTrade": KIND_TRADE, "GatewayDepth": KIND_DEPTH, "GatewayQuote": KIND_QUOTE}


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """A progress snapshot."""

    elapsed_s: float
    messages: int  #: WebSocket messages received on the market hub
    bytes: int  #: bytes received on the market hub
    records: int  #: records written or buffered (trades + depth entries + quotes)
    trades: int
    depth: int
    quotes: int
    bytes_written: int  #: Parquet bytes on disk so far
    parts: int

    @property
    def rate(self) -> float:
        """Records per second since the start."""
        return self.records / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def line(self) -> str:
        """One progress line: messages, bytes, rate."""
        return (
            f"{self.elapsed_s:7.1f}s  messages {self.messages:,}  records {self.records:,} "
            f"(trades {self.trades:,}, depth {self.depth:,}, quotes {self.quotes:,})  "
            f"received {_human(self.bytes)}  written {_human(self.bytes_written)}  "
            f"{self.rate:,.0f} rec/s"
        )


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class Recorder:
    """Records the market data of ``symbols`` to the directory ``out`` (see module docstring).

    ``client`` must be a connected :class:`~projectx.client.ProjectX`. ``out`` must not hold a
    recording already (pass ``overwrite=True`` to replace one).
    """

    def __init__(
        self,
        client: ProjectX,
        symbols: Sequence[str],
        out: str | Path,
        *,
        rows_per_part: int = 1_000_000,
        part_seconds: float = 300.0,
        overwrite: bool = False,
    ) -> None:
        syms = [s.strip() for s in symbols if isinstance(s, str) and s.strip()]
        if not syms or len(syms) != len(list(symbols)):
            raise ValidationError("symbols must be one or more non-empty strings")
        if len(set(syms)) != len(syms):
            raise ValidationError(f"duplicate symbols in {syms!r}")
        if rows_per_part < 1:
            raise ValidationError(f"rows_per_part must be >= 1, got {rows_per_part}")
        if part_seconds <= 0:
            raise ValidationError(f"part_seconds must be > 0, got {part_seconds}")
        self.client = client
        self.symbols = syms
        self.out = Path(out)
        self._rows_per_part = rows_per_part
        self._part_seconds = part_seconds
        self._overwrite = overwrite
        self.feed = MarketFeed()
        self.realtime: RealtimeClient | None = None
        self.writer: PartWriter | None = None
        self.contracts: list[ContractInfo] = []
        self._started = 0.0
        self._closed = False
        self.errors = 0

    async def __aenter__(self) -> Recorder:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- lifecycle ----------------------------------------------------------------------------
    def _prepare_directory(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise ValidationError(f"{out} exists and is not a directory")
        out.mkdir(parents=True, exist_ok=True)
        existing = [p for p in out.iterdir() if p.name == MANIFEST_NAME or p.suffix == ".parquet"]
        if existing:
            if not self._overwrite:
                raise ValidationError(
                    f"{out} already holds a recording (pass overwrite=True / --overwrite)"
                )
            for p in existing:
                p.unlink()

    async def start(self) -> None:
        """Resolve the contracts, open the market hub and subscribe."""
        self._prepare_directory()
        for symbol in self.symbols:
            contract = await self.client.resolve_contract(symbol)
            tick = contract.tick_size or 0.01
            self.contracts.append(ContractInfo(contract.id, symbol, tick, contract.tick_value))
            self.feed.add_contract(contract.id, tick, ("1min",), book=False)
        manifest = Manifest(
            source=self.client.config.api_url,
            contracts=list(self.contracts),
            started_ns=time.time_ns(),
        )
        self.writer = PartWriter(
            self.out,
            manifest,
            rows_per_part=self._rows_per_part,
            part_seconds=self._part_seconds,
        )
        cfg = self.client.config
        self.realtime = RealtimeClient(
            self.client.token_factory,
            cfg.user_hub_url,
            cfg.market_hub_url,
            feed=self.feed,
            session=self.client.http_session,
            token_rejected=self.client.invalidate_token,
        )
        market = self.realtime.market
        if not hasattr(market, "on_native"):
            raise ValidationError("the recorder needs the aiohttp hub transport")
        market.on_native(self._on_native)
        for target in _TARGET_KIND:
            market.on(target, self._fallback(target))
        self._started = time.monotonic()
        await market.start()
        for info in self.contracts:
            await self.realtime.subscribe_market(info.contract_id)

    async def run(
        self,
        duration: float | None = None,
        *,
        stop: asyncio.Event | None = None,
        on_progress: Callable[[RecorderStats], None] | None = None,
        progress_interval: float = 1.0,
    ) -> Manifest:
        """Record until ``duration`` seconds passed or ``stop`` is set; then close."""
        if duration is not None and duration <= 0:
            raise ValidationError(f"duration must be > 0, got {duration}")
        if self.writer is None:
            await self.start()
        stop = stop or asyncio.Event()
        deadline = None if duration is None else time.monotonic() + duration
        try:
            while not stop.is_set():
                wait = progress_interval
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    wait = min(wait, left)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=wait)
                await self.maybe_flush()
                if on_progress is not None:
                    on_progress(self.stats())
        finally:
            manifest = await self.close()
        if on_progress is not None:
            on_progress(self.stats())
        return manifest

    async def maybe_flush(self) -> None:
        """Write a part if one is due (row limit or age)."""
        if self.writer is not None and self.writer.due():
            await self.writer.flush()

    async def close(self) -> Manifest:
        """Stop the hub, write the remaining rows and the final manifest (idempotent)."""
        if self.writer is None:
            raise ValidationError("the recorder was never started")
        if not self._closed:
            self._closed = True
            if self.realtime is not None:
                await self.realtime.market.close()
                # a reconnect means data may be missing between the drop and the resubscribe
                self.writer.extra_counts["reconnects"] = self.realtime.market.stats.reconnects
            await self.writer.close(time.time_ns())
        return self.writer.manifest

    # -- stats ----------------------------------------------------------------------------------
    def stats(self) -> RecorderStats:
        """Progress so far."""
        counts = self.writer.counts if self.writer else {}
        hub = self.realtime.market.stats if self.realtime else None
        return RecorderStats(
            elapsed_s=time.monotonic() - self._started if self._started else 0.0,
            messages=hub.messages if hub else 0,
            bytes=hub.bytes if hub else 0,
            records=counts.get("rows", 0),
            trades=counts.get("trades", 0),
            depth=counts.get("depth", 0),
            quotes=counts.get("quotes", 0),
            bytes_written=self.writer.bytes_written if self.writer else 0,
            parts=len(self.writer.manifest.parts) if self.writer else 0,
        )

    # -- hub callbacks --------------------------------------------------------------------------
    def _msg(self) -> int:
        assert self.realtime is not None
        return int(self.realtime.market.stats.messages)

    def _on_native(self, parser: Any, n: int) -> None:
        writer = self.writer
        if writer is None or self._closed:
            return
        writer.append(self.feed.records(), self.feed.contracts, self._msg())

    def _fallback(self, target: str) -> Callable[[list[Any]], None]:
        kind = _TARGET_KIND[target]

        def handler(arguments: list[Any]) -> None:
            writer = self.writer
            if writer is None or self._closed:
                return
            try:
                recs = _records_from_json(kind, arguments)
            except (TypeError, ValueError, KeyError) as exc:
                self.errors += 1
                log.warning("recorder: unreadable %s record skipped: %s", target, exc)
                return
            if recs is not None:
                cid, arr = recs
                writer.append(arr, [cid], self._msg())

        return handler


def _records_from_json(kind: int, arguments: list[Any]) -> tuple[str, np.ndarray] | None:
    """Records of one market invocation that the native parser did not take."""
    if len(arguments) < 2 or not isinstance(arguments[0], str):
        raise ValueError("expected [contractId, data]")
    cid, data = arguments[0], arguments[1]
    items = data if isinstance(data, list) else [data]
    out = np.zeros(len(items), dtype=RECORD_DTYPE)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError("market item is not an object")
        r = out[i]
        r["kind"] = kind
        fields = 0
        ts = item.get("timestamp")
        if isinstance(ts, str):
            r["ts_ns"] = parse_iso(ts)
            fields |= FIELD_TIMESTAMP if kind != KIND_QUOTE else QUOTE_FIELDS["timestamp"]
        if kind == KIND_QUOTE:
            for key, col in _QUOTE_COLUMNS.items():
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    r[col] = float(value)
                    fields |= QUOTE_FIELDS[key]
            upd = item.get("lastUpdated")
            if isinstance(upd, str):
                r["updated_ns"] = parse_iso(upd)
                fields |= QUOTE_FIELDS["lastUpdated"]
        else:
            for key, col, bit in (
                ("price", "price", FIELD_PRICE),
                ("volume", "volume", FIELD_VOLUME),
                ("type", "type", FIELD_TYPE),
                ("currentVolume", "current_volume", FIELD_CURRENT_VOLUME),
            ):
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    r[col] = value
                    fields |= bit
        r["fields"] = fields
    return cid, out
