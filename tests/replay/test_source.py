"""Replay inputs: bars become trades that rebuild the same bars; the wire records the runner
feeds the client carry exactly the recorded rows (the native parser is the oracle)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.frames import KIND_DEPTH, KIND_QUOTE, KIND_TRADE, FrameParser
from projectx.recording import Recording
from projectx.replay import ReplaySourceError, bars_to_trades, prepare, source

CID = "CON.F.US.MNQ.Z26"
T0 = 1_793_631_600 * 1_000_000_000
MIN = 60 * 1_000_000_000


@st.composite
def _bars(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        o, c = draw(st.integers(80_000, 80_040)), draw(st.integers(80_000, 80_040))
        h = max(o, c) + draw(st.integers(0, 5))
        lo = min(o, c) - draw(st.integers(0, 5))
        rows.append(
            (T0 + i * MIN, o * 0.25, h * 0.25, lo * 0.25, c * 0.25, draw(st.integers(0, 50)))
        )
    return pl.DataFrame(
        rows, schema=["ts_ns", "open", "high", "low", "close", "volume"], orient="row"
    )


@settings(max_examples=100, deadline=None)
@given(_bars())
def test_synthetic_trades_rebuild_the_bars(bars: pl.DataFrame) -> None:
    trades = bars_to_trades(bars, CID, 60.0)
    rebuilt: dict[int, list[float]] = {}
    for ts, px, v in trades.select("ts_ns", "price", "volume").iter_rows():
        key = ts - ts % MIN
        b = rebuilt.setdefault(key, [px, px, px, px, 0])
        b[1], b[2], b[3] = max(b[1], px), min(b[2], px), px
        b[4] += v
    assert sorted(rebuilt) == bars["ts_ns"].to_list()
    for ts, o, h, lo, c, v in bars.iter_rows():
        b = rebuilt[ts]
        assert (b[0], b[1], b[2], b[3]) == (o, h, lo, c)
        # volume is kept; a bar of fewer than 4 contracts gets 1 per synthetic trade (min)
        assert b[4] == (v if v >= 4 else 3 + max(v, 1))
    assert trades["ts_ns"].is_sorted()


def test_bars_without_the_needed_columns_are_rejected() -> None:
    with pytest.raises(ReplaySourceError, match="missing"):
        bars_to_trades(pl.DataFrame({"ts_ns": [T0], "open": [1.0]}), CID, 60.0)
    with pytest.raises(ReplaySourceError, match="> 0"):
        bars_to_trades(pl.DataFrame({"ts_ns": [T0]}), CID, 0.0)


def _recording(seed: int) -> Recording:
    rng = np.random.default_rng(seed)
    rows = []
    quotes = []
    seq = 0
    t = T0
    for msg in range(60):
        t += int(rng.integers(1, 5_000)) * 1000
        kind = int(rng.integers(0, 3))
        if kind == 0:
            for _ in range(int(rng.integers(1, 3))):
                px = (84_000 + int(rng.integers(-20, 20))) * 0.25
                rows.append(
                    (
                        t,
                        CID,
                        0,
                        int(rng.integers(0, 2)),
                        px,
                        int(rng.integers(1, 9)),
                        seq,
                        msg,
                        0,
                        15,
                    )
                )
                seq += 1
        elif kind == 1:
            for _ in range(int(rng.integers(1, 5))):
                px = (84_000 + int(rng.integers(-20, 20))) * 0.25
                vol = int(rng.integers(0, 30))
                rows.append((t, CID, 1, int(rng.integers(1, 7)), px, vol, seq, msg, vol + 1, 31))
                seq += 1
        else:
            fields = int(rng.integers(0, 2048)) | 512
            quotes.append(
                (
                    t,
                    CID,
                    seq,
                    msg,
                    fields,
                    21000.25,
                    21000.0,
                    21000.5,
                    -3.0,
                    -0.01,
                    20990.0,
                    21010.0,
                    20980.0,
                    1234.0,
                    t - 1000,
                )
            )
            seq += 1
    market = pl.DataFrame(
        rows,
        schema={
            "ts_ns": pl.Int64,
            "contract_id": pl.Utf8,
            "event": pl.Int8,
            "type": pl.Int8,
            "price": pl.Float64,
            "volume": pl.Int64,
            "seq": pl.Int64,
            "msg": pl.Int64,
            "current_volume": pl.Int64,
            "fields": pl.Int32,
        },
        orient="row",
    )
    q = pl.DataFrame(
        quotes,
        schema={
            "ts_ns": pl.Int64,
            "contract_id": pl.Utf8,
            "seq": pl.Int64,
            "msg": pl.Int64,
            "fields": pl.Int32,
            "last_price": pl.Float64,
            "best_bid": pl.Float64,
            "best_ask": pl.Float64,
            "change": pl.Float64,
            "change_percent": pl.Float64,
            "open": pl.Float64,
            "high": pl.Float64,
            "low": pl.Float64,
            "volume": pl.Float64,
            "updated_ns": pl.Int64,
        },
        orient="row",
    )
    return Recording(market, q)


@pytest.mark.parametrize("slice_rows", [7, 262_144])
@pytest.mark.parametrize("seed", range(4))
def test_wire_records_carry_exactly_the_recorded_rows(
    seed: int, slice_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "_ENCODE_ROWS", slice_rows)  # records spanning encode slices
    rec = _recording(seed)
    data = prepare(rec)
    parser = FrameParser()
    parser.register_contract(data.specs[0].id)
    n = parser.feed(data.wire)
    assert not parser.others
    assert n == data.n_records
    got = parser.records()
    # reference: the rows merged by seq
    expected = []
    for r in rec.market.iter_rows(named=True):
        kind = KIND_TRADE if r["event"] == 0 else KIND_DEPTH
        expected.append((r["seq"], kind, r["ts_ns"], r["type"], r["price"], r["volume"]))
    for q in rec.quotes.iter_rows(named=True):
        price = q["last_price"] if q["fields"] & 1 else 0.0
        expected.append((q["seq"], KIND_QUOTE, q["ts_ns"], 0, price, 0))
    expected.sort()
    assert len(got) == len(expected)
    for g, (_, kind, ts, typ, price, vol) in zip(got, expected, strict=True):
        assert int(g["kind"]) == kind
        assert int(g["ts_ns"]) == ts
        assert float(g["price"]) == price
        if kind != KIND_QUOTE:
            assert (int(g["type"]), int(g["volume"])) == (typ, vol)
    quotes = got[got["kind"] == KIND_QUOTE]
    assert quotes["fields"].tolist() == [f & 2047 for f in rec.quotes["fields"].to_list()]
    # one wire record per recorded message and kind
    keys = {(r["msg"], r["event"]) for r in rec.market.iter_rows(named=True)}
    assert data.n_records == len(keys) + rec.quotes.height


def test_unreplayable_inputs_raise_clear_errors(tmp_path: object) -> None:
    with pytest.raises(ReplaySourceError, match="not found"):
        prepare("/nonexistent/recording")
    empty = pl.DataFrame(
        schema={
            "ts_ns": pl.Int64,
            "contract_id": pl.Utf8,
            "event": pl.Int8,
            "type": pl.Int8,
            "price": pl.Float64,
            "volume": pl.Int64,
        }
    )
    with pytest.raises(ReplaySourceError, match="empty"):
        prepare(empty)
    one = pl.DataFrame(
        {
            "ts_ns": [T0],
            "contract_id": [CID],
            "event": [0],
            "type": [0],
            "price": [21000.1],
            "volume": [1],
        }
    )
    with pytest.raises(ReplaySourceError, match="off the"):
        prepare(one)
    ok = one.with_columns(pl.lit(21000.25).alias("price"))
    with pytest.raises(ReplaySourceError, match="not in the recording"):
        prepare(ok, symbols=["ES"])
    with pytest.raises(ReplaySourceError):
        prepare(ok, symbols=["NOPE"])
    bad = ok.with_columns(pl.lit("CON.F.US.ZZZ.Z26").alias("contract_id"))
    with pytest.raises(ReplaySourceError, match="unknown product"):
        prepare(bad)
    with pytest.raises(ReplaySourceError, match="contract id"):
        prepare(ok.with_columns(pl.lit("garbage").alias("contract_id")))
