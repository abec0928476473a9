"""The recorder keeps every market record the hub delivered, in order, across rotating parts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.exceptions import ProjectXError, ValidationError
from projectx.recording import Recorder, RecordingFormatError, read_manifest, read_recording
from projectx.sim import Simulator
from projectx.sim.clock import ManualClock, parse_ts
from projectx.sim.ratelimit import RateLimitConfig

START_NS = 1_793_631_600 * 1_000_000_000


def _config(sim: Simulator) -> ProjectXConfig:
    return ProjectXConfig(
        environment="local",
        base_url=sim.base_url,
        username=sim.credentials.user_name,
        api_key=Secret(sim.credentials.api_key),
    )


def _expected(target: str, cid: str, data: Any) -> list[tuple[Any, ...]]:
    """Reference rows of one published market event (kind, contract, fields...)."""
    if target == "GatewayTrade":
        return [
            ("T", cid, parse_ts(t["timestamp"]), t["type"], t["price"], t["volume"]) for t in data
        ]
    if target == "GatewayDepth":
        return [
            (
                "D",
                cid,
                parse_ts(e["timestamp"]),
                e["type"],
                e["price"],
                e["volume"],
                e["currentVolume"],
            )
            for e in data
        ]
    q = data
    return [
        (
            "Q",
            cid,
            parse_ts(q["timestamp"]),
            q["lastPrice"],
            q["bestBid"],
            q["bestAsk"],
            q["high"],
            q["low"],
            float(q["volume"]),
        )
    ]


def _recorded(directory: Path) -> list[tuple[Any, ...]]:
    rec = read_recording(directory)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    for r in rec.market.iter_rows(named=True):
        if r["event"] == 0:
            row = ("T", r["contract_id"], r["ts_ns"], r["type"], r["price"], r["volume"])
        else:
            row = (
                "D",
                r["contract_id"],
                r["ts_ns"],
                r["type"],
                r["price"],
                r["volume"],
                r["current_volume"],
            )
        rows.append((r["seq"], row))
    for q in rec.quotes.iter_rows(named=True):
        row = (
            "Q",
            q["contract_id"],
            q["ts_ns"],
            q["last_price"],
            q["best_bid"],
            q["best_ask"],
            q["high"],
            q["low"],
            q["volume"],
        )
        rows.append((q["seq"], row))
    rows.sort(key=lambda x: x[0])
    assert [s for s, _ in rows] == list(range(len(rows))), "seq must number every row once"
    return [r for _, r in rows]


async def _until(predicate: Any, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


@pytest.mark.parametrize("rows_per_part", [1_000_000, 97])
async def test_every_published_market_record_is_recorded_in_order(
    tmp_path: Path, rows_per_part: int
) -> None:
    clock = ManualClock(START_NS)
    sim = Simulator(
        symbols=["MNQ", "ES"],
        seed=5,
        rate=40.0,
        clock=clock,
        rate_limits=RateLimitConfig(enabled=False),
    )
    published: list[tuple[str, str, Any]] = []
    original = sim.hubs.publish_market

    def spy(events: Any) -> int:
        events = list(events)
        published.extend(events)
        return original(events)

    sim.hubs.publish_market = spy  # type: ignore[method-assign]
    await sim.start_server()
    out = tmp_path / "rec"
    try:
        async with ProjectX(_config(sim)) as client:
            recorder = Recorder(client, ["MNQ", "ES"], out, rows_per_part=rows_per_part)
            await recorder.start()
            cids = [c.contract_id for c in recorder.contracts]
            snapshot: list[tuple[Any, ...]] = []
            for cid in cids:  # what the hub sends on subscribe (clock not moved since)
                snapshot += _expected("GatewayDepth", cid, sim.market.depth_snapshot(cid))
                snapshot += _expected("GatewayQuote", cid, sim.market.full_quote(cid))
            parser = recorder.feed.parser
            await _until(lambda: recorder.stats().records >= len(snapshot))
            sent = 0
            for _ in range(60):
                clock.advance(250_000_000)
                sent += sim.pump_once()
                await _until(lambda s=sent: parser.records_total >= s + 2 * len(cids) + 6)
                await recorder.maybe_flush()
            manifest = await recorder.close()
    finally:
        await sim.close()

    expected = list(snapshot)
    for target, cid, data in published:
        expected += _expected(target, cid, data)
    got = _recorded(out)
    # the snapshot may interleave per contract; everything after it is in wire order
    assert sorted(got[: len(snapshot)], key=repr) == sorted(snapshot, key=repr)
    assert got[len(snapshot) :] == expected[len(snapshot) :]
    assert any(r[0] == "T" for r in got) and any(r[0] == "Q" for r in got)
    assert manifest.complete
    assert manifest.counts["rows"] == len(expected)
    assert manifest.counts["reconnects"] == 0
    assert sum(p.rows for p in manifest.parts) == len(expected)
    on_disk = read_manifest(out)
    assert on_disk.counts == manifest.counts
    n_market = len(list(out.glob("market-*.parquet")))
    assert n_market == len([p for p in manifest.parts if p.kind == "market"])
    if rows_per_part < 1000:
        assert n_market > 1, "small parts must rotate"


async def test_recording_directory_replays_in_the_simulator(tmp_path: Path) -> None:
    """A recording directory is a valid ``projectx sim --replay`` input."""
    clock = ManualClock(START_NS)
    async with (
        Simulator(
            symbols=["MNQ"],
            seed=2,
            rate=50.0,
            clock=clock,
            rate_limits=RateLimitConfig(enabled=False),
        ) as sim,
        ProjectX(_config(sim)) as client,
    ):
        recorder = Recorder(client, ["MNQ"], tmp_path / "r")
        await recorder.start()
        for _ in range(20):
            clock.advance(200_000_000)
            sim.pump_once()
            await asyncio.sleep(0.005)
        await _until(lambda: recorder.stats().trades > 0)
        await recorder.close()
    from projectx.sim.replay import market_from_recording

    replay_clock = ManualClock(START_NS)
    market = market_from_recording(tmp_path / "r", clock=replay_clock, shift=False)
    market.advance(START_NS + 10 * 1_000_000_000)
    trades = read_recording(tmp_path / "r").market.filter(pl.col("event") == 0)
    cid = next(iter(market.markets))
    assert market.last_price(cid) == trades["price"][-1]


async def test_bad_recorder_inputs_are_rejected(tmp_path: Path) -> None:
    async with Simulator(symbols=["MNQ"], rate=0.0) as sim, ProjectX(_config(sim)) as client:
        with pytest.raises(ValidationError):
            Recorder(client, [], tmp_path / "a")
        with pytest.raises(ValidationError):
            Recorder(client, ["MNQ", "MNQ"], tmp_path / "a")
        with pytest.raises(ValidationError):
            Recorder(client, ["MNQ"], tmp_path / "a", rows_per_part=0)
        with pytest.raises(ProjectXError):
            await Recorder(client, ["NOPE"], tmp_path / "b").start()
        rec = Recorder(client, ["MNQ"], tmp_path / "c")
        await rec.start()
        await rec.close()
        with pytest.raises(ValidationError, match="already holds a recording"):
            await Recorder(client, ["MNQ"], tmp_path / "c").start()
        again = Recorder(client, ["MNQ"], tmp_path / "c", overwrite=True)
        await again.start()
        await again.close()
        (tmp_path / "f").write_text("x")
        with pytest.raises(ValidationError, match="not a directory"):
            await Recorder(client, ["MNQ"], tmp_path / "f").start()


def test_unreadable_recordings_raise_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingFormatError, match="not found"):
        read_recording(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecordingFormatError, match="manifest"):
        read_recording(tmp_path / "empty")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(RecordingFormatError, match="Parquet"):
        read_recording(tmp_path / "bad.parquet")
    pl.DataFrame({"ts_ns": [1], "price": [1.0]}).write_parquet(tmp_path / "cols.parquet")
    with pytest.raises(RecordingFormatError, match="missing column"):
        read_recording(tmp_path / "cols.parquet")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(RecordingFormatError, match="manifest"):
        read_recording(tmp_path / "m")


async def test_recording_survives_a_dropped_market_hub(tmp_path: Path) -> None:
    async with (
        Simulator(
            symbols=["MNQ"], seed=9, rate=200.0, rate_limits=RateLimitConfig(enabled=False)
        ) as sim,
        ProjectX(_config(sim)) as client,
    ):
        recorder = Recorder(client, ["MNQ"], tmp_path / "r")
        await recorder.start()
        await _until(lambda: recorder.stats().trades >= 20)
        assert await sim.faults.drop_connections("market", mode="abort") == 1
        dropped_ns = time.time_ns()
        await _until(
            lambda: recorder.realtime is not None and recorder.realtime.market.stats.reconnects >= 1
        )
        trades_then = recorder.stats().trades
        await _until(lambda: recorder.stats().trades >= trades_then + 20)
        manifest = await recorder.close()
        cid = recorder.contracts[0].contract_id
        series = sim.market.history._series[cid]
        streamed = set(zip(series.ts.tolist(), series.vol.tolist(), strict=True))
    assert manifest.counts["reconnects"] >= 1
    trades = read_recording(tmp_path / "r").market.filter(pl.col("event") == 0)
    got = list(zip(trades["ts_ns"].to_list(), trades["volume"].to_list(), strict=True))
    assert set(got) <= streamed, "every recorded trade is one the market printed"
    assert len(got) == len(set(got)), "nothing recorded twice"
    assert max(t for t, _ in got) > dropped_ns, "recording went on after the reconnect"
