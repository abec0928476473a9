"""projectx.compat.realtime_data_manager against the simulator: frames equal the core's bars
(renamed columns, configured zone), summaries equal hand computations, callbacks carry the
core's trades, typed errors on bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from projectx.compat.exceptions import ProjectXDataError, ProjectXError
from projectx.compat.realtime_data_manager import RealtimeDataManager
from tests.compat.data_env import DataEnv, eventually, make_data_env


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[DataEnv]:
    async for e in make_data_env(tmp_path):
        yield e


def _core(env: DataEnv, tf: str, bars: int | None = None) -> pl.DataFrame:
    return env.ctx.data.get_data(tf, bars, include_forming=True)


async def test_get_data_is_the_cores_bars_in_pxpy_columns(env: DataEnv) -> None:
    for tf in ("1min", "5min"):
        got = await env.data.get_data(tf)
        core = _core(env, tf)
        assert got is not None
        assert got.columns == ["timestamp", "open", "high", "low", "close", "volume"]
        assert str(got["timestamp"].dtype.time_zone) == env.client.config.timezone  # type: ignore[attr-defined]
        assert got.height == core.height
        for col in ("open", "high", "low", "close", "volume"):
            assert got[col].to_list() == core[col].to_list(), col
        same_instants = got["timestamp"].dt.convert_time_zone("UTC") == core["ts"]
        assert bool(same_instants.all())
    tail = await env.data.get_data("1min", bars=3)
    assert tail is not None and tail["close"].to_list() == _core(env, "1min", 3)["close"].to_list()
    assert await env.data.get_data("15min") is None  # not tracked: None, as project-x-py
    with pytest.raises(ProjectXDataError):
        await env.data.get_data("1min", bars=0)
    with pytest.raises(ProjectXDataError):
        await env.data.get_data("7parsecs")


async def test_prices_and_summaries_equal_hand_computations(env: DataEnv) -> None:
    price = await env.data.get_current_price()
    assert price == env.ctx.data.get_current_price() == await env.data.get_latest_price()
    frame = await env.data.get_data("1min", 20)
    assert frame is not None and frame.height == 20
    assert price == frame["close"][-1]  # the forming bar is the last row
    rng = await env.data.get_price_range(bars=20, timeframe="1min")
    assert rng is not None
    highs, lows = frame["high"].to_list(), frame["low"].to_list()
    assert rng["high"] == max(highs) and rng["low"] == min(lows)
    assert rng["range"] == pytest.approx(max(highs) - min(lows))
    assert rng["avg_range"] == pytest.approx(
        sum(h - lo for h, lo in zip(highs, lows, strict=True)) / 20
    )
    vol = await env.data.get_volume_stats(bars=20, timeframe="1min")
    volumes = frame["volume"].to_list()
    assert vol is not None and vol["total"] == sum(volumes)
    assert vol["average"] == pytest.approx(sum(volumes) / 20)
    assert vol["current"] == volumes[-1]
    assert vol["relative"] == pytest.approx(volumes[-1] / (sum(volumes) / 20))
    ohlc = await env.data.get_ohlc("1min")
    last = frame.row(-1, named=True)
    assert ohlc is not None and ohlc["open"] == last["open"] and ohlc["volume"] == last["volume"]
    latest = await env.data.get_latest_bars(count=2, timeframe="1min")
    assert latest is not None and latest["open"].to_list() == frame["open"].to_list()[-2:]


async def test_readiness_bars_since_and_min_bars(env: DataEnv) -> None:
    held = (await env.data.get_data("5min")).height  # type: ignore[union-attr]
    assert await env.data.is_data_ready(min_bars=held, timeframe="5min")
    assert not await env.data.is_data_ready(min_bars=held + 1, timeframe="5min")
    one_min = (await env.data.get_data("1min")).height  # type: ignore[union-attr]
    assert await env.data.is_data_ready(min_bars=min(held, one_min))
    assert not await env.data.is_data_ready(min_bars=max(held, one_min) + 1)
    assert not await env.data.is_data_ready(min_bars=1, timeframe="15min")
    assert await env.data.get_data_or_none("5min", min_bars=held + 1) is None
    assert (await env.data.get_data_or_none("5min", min_bars=held)) is not None
    frame = await env.data.get_data("1min")
    assert frame is not None
    since = frame["timestamp"][-4]
    got = await env.data.get_bars_since(since, "1min")
    assert got is not None and got.height == 4
    assert got["open"].to_list() == frame["open"].to_list()[-4:]
    naive = since.replace(tzinfo=None)  # read in the manager's zone, as in project-x-py
    again = await env.data.get_bars_since(naive, "1min")
    assert again is not None and again.height == 4
    with pytest.raises(ProjectXDataError):
        await env.data.get_bars_since("yesterday", "1min")  # type: ignore[arg-type]


async def test_mtf_session_and_memory_stats(env: DataEnv) -> None:
    mtf = await env.data.get_mtf_data()
    assert set(mtf) == {"1min", "5min"}
    assert mtf["5min"]["close"].to_list() == _core(env, "5min")["close"].to_list()
    rth = await env.data.get_session_data("1min", "RTH")
    core_rth = env.ctx.data.get_session_data("1min", "RTH")
    assert rth is not None and rth["close"].to_list() == core_rth["close"].to_list()
    with pytest.raises(ProjectXDataError):
        await env.data.get_session_data("1min", "LUNCH")
    stats = await env.data.get_memory_stats()
    engine = env.ctx.data.stats()["engine"]["timeframes"]
    assert stats["timeframe_stats"] == {k: v["stored"] for k, v in engine.items()}
    assert stats["total_bars_stored"] == sum(v["stored"] for v in engine.values())
    assert (await env.data.get_stats())["name"] == "realtime_data_manager"
    assert env.data.is_running


@pytest.mark.parametrize("name", ["tick", "trade_tick", "market_trade"])
async def test_trade_callbacks_carry_the_cores_trades(env: DataEnv, name: str) -> None:
    seen: list[Any] = []
    await env.data.add_callback(name, lambda ev: seen.append(ev))
    await eventually(lambda: len(seen) >= 5)
    grid = env.ctx.contract.tick_size
    for ev in seen:
        assert ev["price"] == ev.data["price"] and ev["size"] >= 1
        assert abs(ev["price"] / grid - round(ev["price"] / grid)) < 1e-9
        assert ev["symbol"] == "MNQ"
    with pytest.raises(ProjectXDataError):
        await env.data.add_callback("bar_closed", lambda ev: None)


async def test_standalone_manager_refuses_live_use(env: DataEnv) -> None:
    manager = RealtimeDataManager("MNQ", env.client, None, env.events, timeframes=["5min"])
    assert await manager.get_data("5min") is None
    with pytest.raises(ProjectXError):
        await manager.initialize()
