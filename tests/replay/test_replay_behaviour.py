"""Replay behaviour: the simulated clock, fills of a trades-only recording, bad inputs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from projectx.events import EventType
from projectx.exceptions import ValidationError
from projectx.replay import ReplaySourceError, bars_to_trades, replay
from projectx.strategy import Strategy

CID = "CON.F.US.MNQ.Z26"
T0 = 1_793_631_600 * 1_000_000_000
S = 1_000_000_000


def _trades(n: int, step_s: float = 1.0, start_ticks: int = 84_000) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts_ns": [T0 + round(i * step_s * 1e6) * 1000 for i in range(n)],
            "contract_id": [CID] * n,
            "event": [0] * n,
            "type": [i % 2 for i in range(n)],
            "price": [(start_ticks + (i % 7) - 3) * 0.25 for i in range(n)],
            "volume": [1] * n,
        }
    )


async def test_sleeps_and_timeouts_run_on_market_time() -> None:
    seen: dict[str, Any] = {}

    async def setup(suite: Any, clock: Any) -> None:
        async def sleeper() -> None:
            t0 = clock.now_ns()
            await clock.sleep(30)
            seen["slept"] = (t0, clock.now_ns(), suite.feed.last_ts_ns)
            try:
                await clock.wait_for(asyncio.Event().wait(), 10)
            except TimeoutError:
                seen["timeout"] = (clock.now_ns(), suite.feed.last_ts_ns)
            try:
                await clock.sleep(10_000)  # past the end of the recording
            except asyncio.CancelledError:
                seen["cancelled"] = True
                raise

        seen["task"] = asyncio.get_running_loop().create_task(sleeper())

    result = await replay(_trades(120), Strategy.from_functions(setup), timeframes=["1min"])
    await asyncio.sleep(0)
    t0, woke, last = seen["slept"]
    assert t0 == T0
    assert woke == T0 + 30 * S
    assert last == T0 + 30 * S, "every trade up to the deadline, none after, was replayed"
    assert seen["timeout"] == (T0 + 40 * S, T0 + 40 * S)
    assert seen.get("cancelled") is True
    assert result.summary.records == 120
    assert result.summary.settle_timeouts == 0


async def test_market_orders_on_bars_fill_at_the_trade_that_closed_the_bar() -> None:
    bars = pl.DataFrame(
        {
            "ts_ns": [T0 + i * 60 * S for i in range(6)],
            "open": [21000.0, 21002.0, 21001.0, 21005.5, 21004.0, 21003.0],
            "high": [21003.0, 21004.0, 21006.0, 21007.0, 21005.0, 21004.0],
            "low": [20999.0, 21000.0, 21000.5, 21004.0, 21001.0, 21002.0],
            "close": [21002.5, 21001.25, 21005.0, 21004.5, 21003.0, 21003.5],
            "volume": [40, 41, 42, 43, 44, 45],
        }
    )
    closes: list[int] = []

    async def setup(suite: Any, clock: Any) -> None:
        contract = suite["MNQ"].contract_id

        async def on_bar(event: Any) -> None:
            if event.data["timeframe"] != "1min":
                return
            closes.append(event.data["bar"].ts_ns)
            if len(closes) in (1, 3):
                await suite.client.place_market_order(contract, 0 if len(closes) == 1 else 1, 1)

        suite.on(EventType.NEW_BAR, on_bar)

    result = await replay(
        bars_to_trades(bars, CID, 60.0), Strategy.from_functions(setup), timeframes=["1min"]
    )
    fills = result.fills
    assert fills["side"].to_list() == [0, 1]
    # bar k closes at the first trade of bar k + 1: its open
    assert fills["price"].to_list() == [21002.0, 21005.5]
    assert fills["ts_ns"].to_list() == [T0 + 60 * S, T0 + 180 * S]
    assert result.summary.gross_pnl == pytest.approx((21005.5 - 21002.0) * 2.0)
    assert result.summary.net_pnl == pytest.approx(result.summary.gross_pnl - result.summary.fees)
    assert result.trades.height == 1
    assert result.trades["pnl"].to_list() == [pytest.approx(7.0)]


async def test_results_are_written(tmp_path: Path) -> None:
    async def setup(suite: Any) -> None:
        async def on_bar(event: Any) -> None:
            if event.data["timeframe"] == "1min":
                await suite.client.place_market_order(suite["MNQ"].contract_id, 0, 1)

        suite.on(EventType.NEW_BAR, on_bar)

    result = await replay(
        _trades(400), Strategy.from_functions(setup), timeframes=["1min"], out_dir=tmp_path
    )
    for name in ("fills", "trades", "equity"):
        assert pl.read_parquet(tmp_path / f"{name}.parquet").height == getattr(result, name).height
    assert (tmp_path / "summary.json").is_file()
    assert (tmp_path / "equity.png").stat().st_size > 1000
    assert result.summary.open_position == result.fills["size"].sum()
    assert result.equity.height >= 2


async def test_bad_replay_inputs_fail_before_or_without_leaking(tmp_path: Path) -> None:
    async def setup(suite: Any) -> None:
        return None

    strat = Strategy.from_functions(setup)
    with pytest.raises(ReplaySourceError):
        await replay(tmp_path / "nothing", strat)
    with pytest.raises(ValidationError):
        await replay(_trades(10), strat, timeframes=["7parsecs"])
    with pytest.raises(ValidationError):
        await replay(_trades(10), strat, balance=-1)

    async def broken(suite: Any) -> None:
        raise RuntimeError("strategy bug")

    with pytest.raises(RuntimeError, match="strategy bug"):
        await replay(_trades(10), Strategy.from_functions(broken))


async def test_every_instrument_of_a_multi_contract_recording_gets_its_own_bars() -> None:
    es = "CON.F.US.EP.Z26"
    mnq = _trades(300, step_s=0.7)
    other = pl.DataFrame(
        {
            "ts_ns": [T0 + 350_000_000 + i * 900_000_000 for i in range(220)],
            "contract_id": [es] * 220,
            "event": [0] * 220,
            "type": [1] * 220,
            "price": [(24_000 + (i * 5) % 11) * 0.25 for i in range(220)],
            "volume": [2 + i % 3 for i in range(220)],
        }
    )
    both = pl.concat([mnq, other]).sort("ts_ns", maintain_order=True)
    got: dict[str, list[tuple[int, float, float, float, float, int]]] = {}

    async def setup(suite: Any) -> None:
        return None

    async def teardown(suite: Any) -> None:
        for ctx in suite:
            df = ctx.data.get_data("5sec")
            got[ctx.contract_id] = [
                tuple(row)
                for row in df.select(
                    pl.col(df.columns[0]).cast(pl.Int64), "open", "high", "low", "close", "volume"
                ).iter_rows()
            ]

    await replay(both, Strategy.from_functions(setup, teardown), timeframes=["5sec", "1min"])
    assert set(got) == {CID, es}
    for cid, frame in ((CID, mnq), (es, other)):
        ref: dict[int, list[Any]] = {}
        for ts, px, v in frame.select("ts_ns", "price", "volume").iter_rows():
            key = ts - ts % (5 * S)
            b = ref.setdefault(key, [px, px, px, px, 0])
            b[1], b[2], b[3] = max(b[1], px), min(b[2], px), px
            b[4] += v
        closed = sorted(ref)[:-1]  # the last bar is still forming at the end
        assert [g[0] for g in got[cid]] == closed
        assert [list(g[1:]) for g in got[cid]] == [ref[k] for k in closed]


def _path(prices: list[float], volumes: list[int] | None = None) -> pl.DataFrame:
    n = len(prices)
    return pl.DataFrame(
        {
            "ts_ns": [T0 + i * 10 * S for i in range(n)],
            "contract_id": [CID] * n,
            "event": [0] * n,
            "type": [0] * n,
            "price": prices,
            "volume": volumes or [5] * n,
        }
    )


async def test_resting_limits_fill_at_the_limit_and_stops_at_the_trade_on_trades_only_data() -> (
    None
):
    # 10 s apart: a 1min bar closes at the 7th trade (60 s)
    prices = [21001.0] * 7 + [21000.75, 21000.5, 20999.75, 20999.5, 21001.0, 21002.0]
    prices += [21001.5, 20998.5, 20998.0]
    volumes = [5] * 9 + [1, 3] + [5] * 5
    orders: list[Any] = []

    async def setup(suite: Any) -> None:
        contract = suite["MNQ"].contract_id

        async def on_bar(event: Any) -> None:
            if event.data["timeframe"] == "1min" and not orders:
                orders.append(await suite.client.place_limit_order(contract, 0, 2, 21000.0))
                orders.append(await suite.client.place_stop_order(contract, 1, 2, 20999.0))

        suite.on(EventType.NEW_BAR, on_bar)

    result = await replay(
        _path(prices, volumes), Strategy.from_functions(setup), timeframes=["1min"]
    )
    fills = list(
        zip(
            result.fills["side"].to_list(),
            result.fills["size"].to_list(),
            result.fills["price"].to_list(),
            strict=True,
        )
    )
    # the limit fills at 21000.00 for the volume of each trade through it (1, then the rest),
    # the sell stop triggers on the print at 20998.50 and fills there
    assert fills == [(0, 1, 21000.0), (0, 1, 21000.0), (1, 2, 20998.5)]
    assert result.summary.open_position == 0


async def test_a_strategy_listening_to_ticks_sees_every_trade_once_in_order() -> None:
    trades = _trades(250, step_s=0.37)
    ticks: list[tuple[int, float, int]] = []
    bars_at: list[int] = []
    clock_at: list[int] = []

    async def setup(suite: Any, clock: Any) -> None:
        def on_tick(event: Any) -> None:
            d = event.data
            ticks.append((d["ts_ns"], d["price"], d["volume"]))
            clock_at.append(clock.now_ns())

        def on_bar(event: Any) -> None:
            bars_at.append(len(ticks))

        suite.on(EventType.TRADE_TICK, on_tick)
        suite.on(EventType.NEW_BAR, on_bar)

    result = await replay(trades, Strategy.from_functions(setup), timeframes=["5sec"])
    assert ticks == list(trades.select("ts_ns", "price", "volume").iter_rows())
    assert clock_at == [t for t, _, _ in ticks], "the clock is at the tick being replayed"
    # each 5sec bar closes on the first trade of the next period; as live, the dispatcher
    # emits NEW_BAR before that trade's TRADE_TICK
    boundaries = [
        i + 1
        for i, (a, b) in enumerate(zip(trades["ts_ns"], trades["ts_ns"][1:], strict=False))
        if a // (5 * S) != b // (5 * S)
    ]
    assert bars_at == boundaries
    assert result.summary.records == 250


async def test_replay_over_bars_fetched_from_the_gateway() -> None:
    from projectx.client import ProjectX
    from projectx.config import ProjectXConfig, Secret
    from projectx.replay import fetch_bars_as_trades
    from projectx.sim import Simulator
    from projectx.sim.ratelimit import RateLimitConfig

    async with Simulator(
        symbols=["MNQ"], seed=3, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        config = ProjectXConfig(
            environment="local",
            base_url=sim.base_url,
            username=sim.credentials.user_name,
            api_key=Secret(sim.credentials.api_key),
        )
        async with ProjectX(config) as client:
            bars = await client.get_bars("MNQ", "5min", limit=200)
            trades = await fetch_bars_as_trades(client, "MNQ", "5min", days=1)
            with pytest.raises(ReplaySourceError):
                await fetch_bars_as_trades(client, "MNQ", "1day")
    assert trades.height == 4 * trades.filter(pl.col("ts_ns") % (300 * S) == 0).height
    seen: list[Any] = []

    async def setup(suite: Any) -> None:
        suite.on(EventType.NEW_BAR, lambda e: seen.append(e.data["bar"]))

    await replay(trades, Strategy.from_functions(setup), timeframes=["5min"])
    # every replayed bar but the last (still forming) equals the Gateway's bar
    by_ts = {
        int(ts): (o, h, lo, c)
        for ts, o, h, lo, c in bars.select(
            pl.col("ts").cast(pl.Int64), "open", "high", "low", "close"
        ).iter_rows()
    }
    assert len(seen) >= 10
    for bar in seen:
        if bar.ts_ns in by_ts:
            assert (bar.open, bar.high, bar.low, bar.close) == by_ts[bar.ts_ns]
    assert sum(bar.ts_ns in by_ts for bar in seen) >= 150, "a meaningful overlap was compared"


async def test_progress_is_reported_while_replaying() -> None:
    seen: list[Any] = []

    async def setup(suite: Any) -> None:
        return None

    from projectx.replay import ReplayRunner, prepare

    data = prepare(_trades(3000, step_s=0.5))
    runner = ReplayRunner(
        data,
        Strategy.from_functions(setup),
        timeframes=["1sec"],
        progress=seen.append,
        progress_interval=0.0,
    )
    await runner.run()
    assert len(seen) >= 10
    done = [p.records for p in seen]
    assert done == sorted(done) and done[-1] == data.n_records == seen[-1].total
    assert seen[-1].market_s == pytest.approx((data.rec_ts[-1] - data.rec_ts[0]) / S)
