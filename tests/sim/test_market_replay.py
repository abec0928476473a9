"""Replay of a recorded Parquet file through the market (format in projectx.sim.replay)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from projectx.sim.clock import ManualClock, format_ts, parse_ts
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator
from projectx.sim.replay import RecordingError, market_from_recording

T0 = parse_ts("2026-11-24T14:00:00Z")
REC0 = parse_ts("2026-09-01T13:30:00Z")  # when the (invented) recording was made
MS = 1_000_000
OLD = "CON.F.US.MNQ.U26"

# (offset ms, contract, event, type, price, volume)
ROWS: list[tuple[int, str, int, int, float, int]] = [
    (0, OLD, 1, 6, 0.0, 0),  # Reset
    (0, OLD, 1, 2, 20000.0, 5),
    (0, OLD, 1, 2, 19999.75, 7),
    (0, OLD, 1, 2, 19999.0, 9),  # gap below 19999.75
    (0, OLD, 1, 1, 20000.25, 2),
    (0, OLD, 1, 1, 20001.0, 4),  # gap above 20000.25
    (1, OLD, 0, 0, 20000.25, 2),  # buy trade takes the best ask
    (2, OLD, 1, 1, 20000.25, 0),  # level removed
    (2, OLD, 1, 10, 20001.0, 4),  # new best ask
    (3, OLD, 0, 1, 20000.0, 1),
    (4, "CON.F.US.ZZZ.U26", 0, 0, 1.0, 1),  # a product the simulator does not serve
]


def write(tmp_path: Path, rows: list[tuple[Any, ...]] = ROWS, **override: Any) -> Path:
    cols = {
        "ts_ns": [REC0 + r[0] * MS for r in rows],
        "contract_id": [r[1] for r in rows],
        "event": [r[2] for r in rows],
        "type": [r[3] for r in rows],
        "price": [r[4] for r in rows],
        "volume": [r[5] for r in rows],
    } | override
    path = tmp_path / "rec.parquet"
    pl.DataFrame(
        cols,
        schema_overrides={"ts_ns": pl.Int64, "event": pl.Int8, "type": pl.Int8},
    ).write_parquet(path)
    return path


def replay(tmp_path: Path, **kw: Any) -> tuple[ManualClock, MarketSimulator]:
    clock = ManualClock(T0)
    specs = resolve_symbols(["MNQ"], T0)
    return clock, market_from_recording(write(tmp_path), clock=clock, contracts=specs, **kw)


def test_replay_streams_the_recorded_rows_at_shifted_times(tmp_path: Path) -> None:
    _, m = replay(tmp_path)
    (cid,) = m.contracts
    assert cid == "CON.F.US.MNQ.Z26"  # recorded U26 plays as today's front month
    events = m.advance(T0 + 10 * MS)
    depth = [d for t, _, d in events if t == "GatewayDepth"]
    trades = [d[0] for t, _, d in events if t == "GatewayTrade"]
    assert [(e["type"], e["price"], e["volume"]) for e in depth[0]] == [
        (6, 0, 0),
        (2, 20000.0, 5),
        (2, 19999.75, 7),
        (2, 19999.0, 9),
        (1, 20000.25, 2),
        (1, 20001.0, 4),
    ]
    assert all(e["timestamp"] == format_ts(T0) for e in depth[0])
    assert [(t["price"], t["volume"], t["type"], t["timestamp"]) for t in trades] == [
        (20000.25, 2, 0, format_ts(T0 + 1 * MS)),
        (20000.0, 1, 1, format_ts(T0 + 3 * MS)),
    ]
    assert m.book_levels(cid, 0) == [(20000.0, 5), (19999.75, 7), (19999.0, 9)]
    assert m.book_levels(cid, 1) == [(20001.0, 4)]
    quote = m.full_quote(cid)
    assert (quote["lastPrice"], quote["bestBid"], quote["bestAsk"]) == (20000.0, 20000.0, 20001.0)
    assert quote["volume"] == 3
    assert m.advance(T0 + 3600 * 10**9) == []  # the replay has ended


def test_replay_is_paced_by_the_clock(tmp_path: Path) -> None:
    _, m = replay(tmp_path)
    assert [t for t, _, _ in m.advance(T0)] == ["GatewayDepth", "GatewayQuote"]
    assert [t for t, _, _ in m.advance(T0 + 1 * MS)] == ["GatewayTrade", "GatewayQuote"]


def test_speed_and_unshifted_times(tmp_path: Path) -> None:
    _, fast = replay(tmp_path, speed=2.0)
    trades = [d[0]["timestamp"] for t, _, d in fast.advance(T0 + 10 * MS) if t == "GatewayTrade"]
    assert trades == [format_ts(T0 + MS // 2), format_ts(T0 + 3 * MS // 2)]
    clock = ManualClock(REC0)
    m = market_from_recording(write(tmp_path), clock=clock, shift=False)
    trades = [d[0]["timestamp"] for t, _, d in m.advance(REC0 + 10 * MS) if t == "GatewayTrade"]
    assert trades[0] == format_ts(REC0 + MS)


def test_bars_come_from_the_replayed_trades(tmp_path: Path) -> None:
    clock, m = replay(tmp_path)
    clock.advance(60 * 10**9)
    m.advance(clock.now_ns())
    (cid,) = m.contracts
    bars = m.history.retrieve_bars(
        cid, 2, 1, T0 - 3600 * 10**9, T0 + 3600 * 10**9, 10, True, clock.now_ns()
    )
    assert bars == [
        {
            "t": "2026-11-24T14:00:00+00:00",
            "o": 20000.25,
            "h": 20000.25,
            "l": 20000.0,
            "c": 20000.0,
            "v": 3,
        }
    ]


def test_exchange_fills_against_the_replayed_book_with_gaps(tmp_path: Path) -> None:
    clock, m = replay(tmp_path)
    (cid,) = m.contracts
    x = Exchange(m, clock)
    x.add_user("u", "k", [{"id": 1, "name": "A", "balance": 1e6}])
    clock.advance(10 * MS)
    env = x.handle(
        "Order/place", "u", {"accountId": 1, "contractId": cid, "type": 2, "side": 1, "size": 14}
    )
    assert env["success"]
    fills = x.handle("Trade/search", "u", {"accountId": 1})["trades"]
    assert sorted((t["price"], t["size"]) for t in fills) == [
        (19999.0, 2),
        (19999.75, 7),
        (20000.0, 5),
    ]


def test_products_are_taken_from_the_file_when_no_contracts_are_given(tmp_path: Path) -> None:
    rows = [r for r in ROWS if "ZZZ" not in r[1]]
    m = market_from_recording(write(tmp_path, rows), clock=ManualClock(T0))
    assert list(m.contracts) == ["CON.F.US.MNQ.Z26"]


def test_bad_recordings_raise_a_typed_error(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    with pytest.raises(RecordingError, match="not found"):
        market_from_recording(tmp_path / "missing.parquet", clock=clock)
    path = tmp_path / "short.parquet"
    pl.DataFrame({"ts_ns": [1], "price": [1.0]}).write_parquet(path)
    with pytest.raises(RecordingError, match="missing column"):
        market_from_recording(path, clock=clock)
    off_tick = [(0, OLD, 0, 0, 20000.1, 1)]
    with pytest.raises(RecordingError, match="grid"):
        market_from_recording(write(tmp_path, off_tick), clock=clock)
    with pytest.raises(RecordingError):  # only an unknown product and no contracts given
        market_from_recording(write(tmp_path, [(0, "CON.F.US.ZZZ.U26", 0, 0, 1.0, 1)]), clock=clock)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not parquet")
    with pytest.raises(RecordingError, match="Parquet"):
        market_from_recording(garbage, clock=clock)
