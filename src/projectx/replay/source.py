"""What a replay plays: recorded rows as arrays for the engine, and the recorded messages as
SignalR wire records for the client.

Inputs: a recording (:class:`projectx.recording.Recording`, a recording directory, or one
Parquet file in the simulator's replay format) or bars (:func:`bars_to_trades`).

Times are truncated to whole microseconds (the wire's precision). Contracts are matched to the
simulator's contracts by product root (``CON.F.US.MNQ.Z26`` ->
``MNQ``) at the time of the first recorded row, so the strategy trades the contract the
simulator serves for that root then.

Wire records are rebuilt from the rows, vectorised with polars: one ``GatewayTrade`` /
``GatewayDepth`` record per recorded message and contract (rows of a recording without message
numbers: one trade per record, depth rows of the same time and contract in one record), one
``GatewayQuote`` per quote row carrying only the fields that were on the wire.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx.recording.reader import Recording, read_recording
from projectx.recording.schema import RecordingFormatError
from projectx.sim.contracts import ContractSpec, resolve_symbols

__all__ = [
    "EVENT_QUOTE",
    "ReplayData",
    "ReplaySourceError",
    "bars_to_trades",
    "fetch_bars_as_trades",
    "prepare",
]

EVENT_QUOTE = 2
_I64 = npt.NDArray[np.int64]

_QUOTE_WIRE = (  # (bit, wire key, column)
    (1, "lastPrice", "last_price"),
    (2, "bestBid", "best_bid"),
    (4, "bestAsk", "best_ask"),
    (8, "change", "change"),
    (16, "changePercent", "change_percent"),
    (32, "open", "open"),
    (64, "high", "high"),
    (128, "low", "low"),
    (256, "volume", "volume"),
)
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.6f+00:00"
_ENCODE_ROWS = 262_144


class ReplaySourceError(ValueError):
    """The recording or bars cannot be replayed."""


@dataclass(slots=True)
class ReplayData:
    """Everything the runner needs, as flat arrays (rows, then records)."""

    specs: list[ContractSpec]  #: replayed contracts (index = contract code)
    symbols: list[str]  #: the suite's instrument names (CME tickers: MNQ, ES, NQ), same order
    touch_only: list[str]  #: contract ids without depth rows
    first_ticks: dict[str, int]
    # rows (trades, depth entries, quotes) in arrival order
    row_ts: _I64
    row_cidx: _I64
    row_event: _I64
    row_type: _I64
    row_ticks: _I64
    row_volume: _I64
    # records (wire messages), each a contiguous row range
    rec_ts: _I64  #: latest row time of the record
    rec_cidx: _I64
    rec_event: _I64
    rec_row0: _I64
    rec_row1: _I64
    rec_off: _I64  #: byte offsets into ``wire`` (n_records + 1)
    wire: bytes

    @property
    def n_records(self) -> int:
        """Wire records (messages)."""
        return len(self.rec_ts)

    @property
    def n_rows(self) -> int:
        """Rows: trades + depth entries + quotes."""
        return len(self.row_ts)

    @property
    def n_trades(self) -> int:
        """Trade rows."""
        return int(np.count_nonzero(self.row_event == 0))


def bars_to_trades(bars: pl.DataFrame, contract_id: str, timeframe_s: float) -> pl.DataFrame:
    """Four synthetic trades per bar, in the simulator's recording format.

    ``bars`` has ``ts_ns`` (or ``timestamp``), ``open``, ``high``, ``low``, ``close``,
    ``volume``. A bar starting at ``t`` of length ``T`` becomes trades at ``t`` (open),
    ``t + T/4`` and ``t + T/2`` (low then high for an up bar, close >= open; high then low for a
    down bar: the path that visits the far extreme last) and ``t + 3T/4`` (close), all before the
    next bar opens. The bar volume is split in four (the remainder goes to the close), at least 1
    each. Rebuilt bars of the same timeframe equal the input (volume aside when it was < 4).
    """
    if timeframe_s <= 0:
        raise ReplaySourceError(f"timeframe_s must be > 0, got {timeframe_s}")
    cols = set(bars.columns)
    ts_col = "ts_ns" if "ts_ns" in cols else "timestamp" if "timestamp" in cols else None
    missing = [c for c in ("open", "high", "low", "close", "volume") if c not in cols]
    if ts_col is None or missing:
        raise ReplaySourceError(
            f"bars need ts_ns (or timestamp), open, high, low, close, volume; missing "
            f"{', '.join(missing + ([] if ts_col else ['ts_ns']))}"
        )
    ts = bars[ts_col]
    if ts.dtype != pl.Int64:
        ts = ts.cast(pl.Datetime("ns", "UTC")).cast(pl.Int64)
    ts_ns = ts.to_numpy().astype(np.int64)
    o, h, lo, c = (bars[k].to_numpy().astype(np.float64) for k in ("open", "high", "low", "close"))
    vol = np.maximum(bars["volume"].to_numpy().astype(np.int64), 0)
    step = int(timeframe_s * 1e9) // 4
    step -= step % 1000
    if step <= 0:
        raise ReplaySourceError("timeframe too short for synthetic trades")
    up = c >= o
    second = np.where(up, lo, h)
    third = np.where(up, h, lo)
    q = vol // 4
    v_each = np.maximum(q, 1)
    v_close = np.maximum(vol - 3 * q, 1)
    n = len(ts_ns)
    out_ts = np.empty(4 * n, dtype=np.int64)
    out_px = np.empty(4 * n, dtype=np.float64)
    out_v = np.empty(4 * n, dtype=np.int64)
    for k, (px, v) in enumerate(((o, v_each), (second, v_each), (third, v_each), (c, v_close))):
        out_ts[k::4] = ts_ns + k * step
        out_px[k::4] = px
        out_v[k::4] = v
    order = np.argsort(out_ts, kind="stable")
    return pl.DataFrame(
        {
            "ts_ns": out_ts[order],
            "contract_id": [contract_id] * (4 * n),
            "event": np.zeros(4 * n, dtype=np.int8),
            "type": np.zeros(4 * n, dtype=np.int8),
            "price": out_px[order],
            "volume": out_v[order],
        }
    )


def _root(contract_id: str) -> str:
    parts = str(contract_id).split(".")
    if len(parts) < 4:
        raise ReplaySourceError(f"not a Gateway contract id: {contract_id!r}")
    return parts[3]


def _load(source: Recording | pl.DataFrame | str | os.PathLike[str]) -> Recording:
    if isinstance(source, Recording):
        return source
    if isinstance(source, pl.DataFrame):
        from projectx.recording.reader import _empty_quotes, _market

        return Recording(_market([source], Path("<DataFrame>")), _empty_quotes(), None)
    try:
        return read_recording(source)
    except RecordingFormatError as exc:
        raise ReplaySourceError(str(exc)) from None


def prepare(
    source: Recording | pl.DataFrame | str | os.PathLike[str],
    *,
    symbols: list[str] | None = None,
) -> ReplayData:
    """Load ``source`` and build the arrays and the wire bytes (see the module docstring).

    ``symbols`` (roots or tickers: ``MNQ``, ``ES``) keeps only those contracts; default: every
    recorded one.
    """
    rec = _load(source)
    market = rec.market
    if market.height == 0 and rec.quotes.height == 0:
        raise ReplaySourceError("the recording is empty")
    ids = rec.contract_ids
    first_ts = int(
        min(
            int(market["ts_ns"].min()) if market.height else 2**62,  # type: ignore[arg-type]
            int(rec.quotes["ts_ns"].min()) if rec.quotes.height else 2**62,  # type: ignore[arg-type]
        )
    )
    roots = list(dict.fromkeys(_root(c) for c in ids))
    wanted = roots
    if symbols:
        try:
            wanted = [s.root for s in resolve_symbols([x.strip() for x in symbols], first_ts)]
        except ValueError as exc:
            raise ReplaySourceError(str(exc)) from None
    unknown = [s for s in wanted if s not in roots]
    if unknown:
        raise ReplaySourceError(f"{', '.join(unknown)} not in the recording (has {roots})")
    try:
        specs = resolve_symbols(wanted, first_ts)
    except ValueError as exc:
        raise ReplaySourceError(f"unknown product in the recording: {exc}") from None
    by_root = {root: i for i, root in enumerate(wanted)}
    keep = [c for c in ids if _root(c) in by_root]
    code = {c: by_root[_root(c)] for c in keep}

    has_seq = "seq" in market.columns and (rec.quotes.height == 0 or "seq" in rec.quotes.columns)
    frames = [_market_rows(market, code, has_seq)]
    if rec.quotes.height:
        frames.append(_quote_rows(rec.quotes, code))
    rows = pl.concat(frames, how="diagonal_relaxed")
    rows = rows.sort("order", maintain_order=True) if has_seq else rows
    # the wire carries microseconds: the replay's clock and the client see the same times
    rows = rows.with_columns(pl.col("ts_ns") - pl.col("ts_ns") % 1000)
    if rows.height == 0:
        raise ReplaySourceError("no rows of the chosen contracts in the recording")

    ticks = np.zeros(rows.height, dtype=np.int64)
    price = rows["price"].to_numpy()
    cidx = rows["cidx"].to_numpy().astype(np.int64)
    event = rows["event"].to_numpy().astype(np.int64)
    for i, spec in enumerate(specs):
        sel = cidx == i
        t = np.rint(price[sel] / spec.tick_size)
        off = np.abs(t * spec.tick_size - price[sel]) > spec.tick_size * 1e-6
        bad = off & (event[sel] == 0)
        if bad.any():
            p = float(price[sel][np.flatnonzero(bad)[0]])
            raise ReplaySourceError(f"price {p} of {spec.root} is off the {spec.tick_size} grid")
        ticks[sel] = t.astype(np.int64)

    wire, recs = _encode(rows, specs)
    rec_event = recs["event"].to_numpy().astype(np.int64)
    first_ticks: dict[str, int] = {}
    touch_only: list[str] = []
    for i, spec in enumerate(specs):
        trades = np.flatnonzero((cidx == i) & (event == 0))
        if len(trades):
            first_ticks[spec.id] = int(ticks[trades[0]])
        if not np.any((cidx == i) & (event == 1)):
            touch_only.append(spec.id)
    lengths = recs["nbytes"].to_numpy().astype(np.int64)
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    return ReplayData(
        specs=specs,
        symbols=[s.ticker for s in specs],
        touch_only=touch_only,
        first_ticks=first_ticks,
        row_ts=rows["ts_ns"].to_numpy().astype(np.int64),
        row_cidx=cidx,
        row_event=event,
        row_type=rows["type"].to_numpy().astype(np.int64),
        row_ticks=ticks,
        row_volume=rows["volume"].to_numpy().astype(np.int64),
        rec_ts=recs["ts"].to_numpy().astype(np.int64),
        rec_cidx=recs["cidx"].to_numpy().astype(np.int64),
        rec_event=rec_event,
        rec_row0=recs["row0"].to_numpy().astype(np.int64),
        rec_row1=recs["row1"].to_numpy().astype(np.int64),
        rec_off=off,
        wire=wire,
    )


def _market_rows(market: pl.DataFrame, code: dict[str, int], has_seq: bool) -> pl.DataFrame:
    df = market.filter(pl.col("contract_id").is_in(list(code)))
    n = df.height
    cols: list[Any] = [
        pl.col("ts_ns"),
        pl.col("contract_id").replace_strict(code, return_dtype=pl.Int64).alias("cidx"),
        pl.col("event").cast(pl.Int64),
        pl.col("type").cast(pl.Int64),
        pl.col("price"),
        pl.col("volume"),
        (pl.col("current_volume") if "current_volume" in df.columns else pl.col("volume")).alias(
            "current_volume"
        ),
        (pl.col("seq") if has_seq else pl.int_range(0, n, dtype=pl.Int64)).alias("order"),
    ]
    if "msg" in df.columns:
        cols.append(pl.col("msg").cast(pl.Int64))
    else:
        # no message numbers: each trade alone; depth rows of one time and contract together
        key_change = (
            (pl.col("event") == 0)
            | (pl.col("ts_ns") != pl.col("ts_ns").shift(1))
            | (pl.col("contract_id") != pl.col("contract_id").shift(1))
            | (pl.col("event") != pl.col("event").shift(1))
        ).fill_null(True)
        cols.append(key_change.cast(pl.Int64).cum_sum().alias("msg"))
    return df.select(cols).with_columns(
        pl.lit(0, dtype=pl.Int32).alias("fields"),
    )


def _quote_rows(quotes: pl.DataFrame, code: dict[str, int]) -> pl.DataFrame:
    df = quotes.filter(pl.col("contract_id").is_in(list(code)))
    return df.select(
        pl.col("ts_ns"),
        pl.col("contract_id").replace_strict(code, return_dtype=pl.Int64).alias("cidx"),
        pl.lit(EVENT_QUOTE, dtype=pl.Int64).alias("event"),
        pl.lit(0, dtype=pl.Int64).alias("type"),
        pl.col("last_price").alias("price"),
        pl.lit(0, dtype=pl.Int64).alias("volume"),
        pl.lit(0, dtype=pl.Int64).alias("current_volume"),
        pl.col("seq").alias("order"),
        pl.col("msg").cast(pl.Int64),
        pl.col("fields").cast(pl.Int32),
        *[pl.col(c).alias("q_" + c) for _, _, c in _QUOTE_WIRE if c != "last_price"],
        pl.col("updated_ns"),
    )


def _num(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Float64).cast(pl.Utf8)


def _encode(rows: pl.DataFrame, specs: list[ContractSpec]) -> tuple[bytes, pl.DataFrame]:
    """Wire records for ``rows`` (one big UTF-8 blob) and a per-record table."""
    cids = {i: s.id for i, s in enumerate(specs)}
    symids = {i: s.symbol_id for i, s in enumerate(specs)}
    symid = (
        pl.lit(specs[0].symbol_id)
        if len(specs) == 1
        else pl.col("cidx").replace_strict(symids, return_dtype=pl.Utf8)
    )
    ts_str = pl.col("ts_ns").cast(pl.Datetime("ns", "UTC")).dt.strftime(_TS_FORMAT)
    vol = pl.col("volume").cast(pl.Utf8)
    trade_item = pl.concat_str(
        [
            pl.lit('{"symbolId":"'),
            symid,
            pl.lit('","price":'),
            _num("price"),
            pl.lit(',"timestamp":"'),
            ts_str,
            pl.lit('","type":'),
            pl.col("type").cast(pl.Utf8),
            pl.lit(',"volume":'),
            vol,
            pl.lit("}"),
        ]
    )
    depth_item = pl.concat_str(
        [
            pl.lit('{"timestamp":"'),
            ts_str,
            pl.lit('","type":'),
            pl.col("type").cast(pl.Utf8),
            pl.lit(',"price":'),
            _num("price"),
            pl.lit(',"volume":'),
            vol,
            pl.lit(',"currentVolume":'),
            pl.col("current_volume").cast(pl.Utf8),
            pl.lit("}"),
        ]
    )
    has_quotes = "q_best_bid" in rows.columns
    if has_quotes:
        parts: list[pl.Expr] = [
            pl.lit('{"symbol":"'),
            symid,
            pl.lit('"'),
        ]
        for bit, key, col in _QUOTE_WIRE:
            src = "price" if col == "last_price" else "q_" + col
            parts.append(
                pl.when((pl.col("fields") & bit) != 0)
                .then(pl.concat_str([pl.lit(f',"{key}":'), _num(src)]))
                .otherwise(pl.lit(""))
            )
        parts.append(
            pl.when((pl.col("fields") & 1024) != 0)
            .then(
                pl.concat_str(
                    [
                        pl.lit(',"lastUpdated":"'),
                        pl.col("updated_ns").cast(pl.Datetime("ns", "UTC")).dt.strftime(_TS_FORMAT),
                        pl.lit('"'),
                    ]
                )
            )
            .otherwise(pl.lit(""))
        )
        parts.append(pl.concat_str([pl.lit(',"timestamp":"'), ts_str, pl.lit('"}')]))
        quote_item = pl.concat_str(parts)
    else:
        quote_item = pl.lit("")
    event = pl.col("event")
    present = set(rows["event"].unique().to_list())
    branches = [(k, e) for k, e in ((0, trade_item), (1, depth_item)) if k in present]
    if EVENT_QUOTE in present:
        branches.append((EVENT_QUOTE, quote_item))
    item: pl.Expr = branches[-1][1]
    for k, e in reversed(branches[:-1]):  # polars evaluates every branch: only present kinds
        item = pl.when(event == k).then(e).otherwise(item)
    new_rec = (
        (event == EVENT_QUOTE)
        | (event != event.shift(1))
        | (pl.col("cidx") != pl.col("cidx").shift(1))
        | (pl.col("msg") != pl.col("msg").shift(1))
    ).fill_null(True)
    # every row becomes [record head] item [record tail or ","]: no group-by needed
    target = (
        pl.when(event == 0)
        .then(pl.lit("GatewayTrade"))
        .when(event == 1)
        .then(pl.lit("GatewayDepth"))
        .otherwise(pl.lit("GatewayQuote"))
    )
    is_quote = event == EVENT_QUOTE
    head = pl.concat_str(
        [
            pl.lit('{"type":1,"target":"'),
            target,
            pl.lit('","arguments":["'),
            pl.lit(specs[0].id)
            if len(specs) == 1
            else pl.col("cidx").replace_strict(cids, return_dtype=pl.Utf8),
            pl.when(is_quote).then(pl.lit('",')).otherwise(pl.lit('",[')),
        ]
    )
    tail = pl.when(is_quote).then(pl.lit("]}\x1e")).otherwise(pl.lit("]]}\x1e"))
    flags = rows.select(new_rec.alias("first"), new_rec.shift(-1, fill_value=True).alias("last"))
    text = pl.concat_str(
        [
            pl.when(pl.col("first")).then(head).otherwise(pl.lit("")),
            item,
            pl.when(pl.col("last")).then(tail).otherwise(pl.lit(",")),
        ]
    )
    # the text is built in slices so that only one slice of strings is alive at a time
    blobs: list[bytes] = []
    sizes: list[pl.Series] = []
    with_flags = pl.concat([rows, flags], how="horizontal")
    for start in range(0, rows.height, _ENCODE_ROWS):
        chunk = with_flags.slice(start, _ENCODE_ROWS).select(text.alias("text"))["text"]
        sizes.append(chunk.str.len_bytes().cast(pl.Int64))
        blobs.append(chunk.str.join("").item().encode())
    wire = b"".join(blobs)
    del blobs
    df = rows.select(
        pl.col("ts_ns"),
        pl.col("cidx"),
        event.alias("event"),
    ).with_columns(
        flags["first"],
        pl.concat(sizes).alias("nbytes"),
        flags["first"].cast(pl.Int64).cum_sum().alias("rec"),
        pl.int_range(0, rows.height, dtype=pl.Int64).alias("row"),
    )
    if bool(df["first"].all()):
        recs = df.select(
            pl.col("ts_ns").alias("ts"),
            "cidx",
            "event",
            pl.col("row").alias("row0"),
            (pl.col("row") + 1).alias("row1"),
            "nbytes",
        )
    else:
        recs = df.group_by("rec", maintain_order=True).agg(
            pl.col("ts_ns").max().alias("ts"),
            pl.col("cidx").first(),
            pl.col("event").first(),
            pl.col("row").first().alias("row0"),
            (pl.col("row").last() + 1).alias("row1"),
            pl.col("nbytes").sum(),
        )
    return wire, recs


async def fetch_bars_as_trades(
    client: Any,
    symbol: str,
    timeframe: str = "1min",
    *,
    days: float = 5.0,
) -> pl.DataFrame:
    """``days`` of ``timeframe`` bars of ``symbol`` from ``History/retrieveBars`` (a connected
    :class:`~projectx.client.ProjectX`), as synthetic trades (:func:`bars_to_trades`) ready
    for :func:`projectx.replay.replay`. Intraday timeframes only."""
    from datetime import UTC, datetime, timedelta

    from projectx.timeframes import parse_timeframe

    tf = parse_timeframe(timeframe)
    if tf.is_calendar:
        raise ReplaySourceError("replay over day/week/month bars is not supported")
    if not days > 0:
        raise ReplaySourceError(f"days must be > 0, got {days}")
    contract = await client.resolve_contract(symbol)
    end = datetime.now(UTC)
    bars = await client.get_bars(contract, tf.name, start=end - timedelta(days=days), end=end)
    if bars.height == 0:
        raise ReplaySourceError(f"no {tf.name} bars of {contract.id} in the last {days} days")
    frame = bars.select(
        pl.col("ts").cast(pl.Int64).alias("ts_ns"), "open", "high", "low", "close", "volume"
    )
    return bars_to_trades(frame, contract.id, tf.length_ns / 1e9)
