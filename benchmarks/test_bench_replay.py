"""Replay speed: messages per second through the full stack (issue 8 target: >= 200k msg/s for
a trades-only recording with 3 timeframes).

A synthetic trades-only recording of one MNQ contract (``N_TRADES`` trades, ~20 trades per
market second, a random walk in whole ticks) is replayed with the timeframes 1min, 5min and
15min and a strategy that handles every NEW_BAR (EMA cross on 1min closes, market orders).

* ``loop``: the replay loop only (messages/s from the first message to the last): engine
  market, native feed, market dispatcher, bar closes, NEW_BAR events, strategy handlers, order
  round trips and the settle steps. Set-up (simulator, suite connect) is outside the timing.
  Parametrised over the suite features: ``orderbook`` (the suite's default: the order-book
  manager hooks every trade) and none.
* ``end_to_end``: :func:`projectx.replay.replay` on the in-memory recording (no features): wire
  encoding of the recording (``prepare``), simulator and suite set-up, the loop and the result.
* ``prepare``: the wire encoding alone.

``extra_info["msgs_per_s"]`` is N / median. Run:
``PYTHONPATH=src python -m pytest benchmarks/test_bench_replay.py -p no:cacheprovider``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import polars as pl
import pytest

from projectx.events import EventType
from projectx.replay import ReplayRunner, prepare, replay
from projectx.strategy import Strategy

N_TRADES = 200_000
TIMEFRAMES = ["1min", "5min", "15min"]
START_NS = 1_793_631_600 * 1_000_000_000


def trades_only(n: int, per_s: float = 20.0, seed: int = 1) -> pl.DataFrame:
    """A trades-only MNQ recording: ``n`` trades, ~``per_s`` per second, tick random walk."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1e9 / per_s, n).astype(np.int64) // 1000 * 1000 + 1000
    ticks = 84_000 + np.cumsum(rng.choice([-1, 0, 1], n))
    return pl.DataFrame(
        {
            "ts_ns": START_NS + np.cumsum(gaps),
            "contract_id": ["CON.F.US.MNQ.Z26"] * n,
            "event": np.zeros(n, np.int8),
            "type": rng.integers(0, 2, n).astype(np.int8),
            "price": ticks * 0.25,
            "volume": rng.integers(1, 5, n),
        }
    )


def ema_strategy() -> Strategy:
    """EMA(5)/EMA(20) cross on 1min closes that reverses with market orders."""

    async def setup(suite: Any, clock: Any) -> None:
        state: dict[str, Any] = {"fast": None, "slow": None, "pos": 0}
        contract = suite[suite.symbols[0]].contract_id

        async def on_bar(event: Any) -> None:
            if event.data["timeframe"] != "1min":
                return
            close = event.data["bar"].close
            for key, n in (("fast", 5), ("slow", 20)):
                prev = state[key]
                state[key] = close if prev is None else prev + 2 / (n + 1) * (close - prev)
            want = 1 if state["fast"] > state["slow"] else -1
            if want != state["pos"]:
                size = 1 if state["pos"] == 0 else 2
                state["pos"] = want
                await suite.client.place_market_order(contract, 0 if want > 0 else 1, size)

        suite.on(EventType.NEW_BAR, on_bar)

    return Strategy.from_functions(setup, name="bench-ema")


@pytest.fixture(scope="module")
def recording() -> pl.DataFrame:
    """The ``N_TRADES`` recording shared by the replay benchmarks."""
    return trades_only(N_TRADES)


@pytest.mark.parametrize("features", [("orderbook",), ()], ids=["orderbook", "no_features"])
def test_bench_replay_loop(
    benchmark: Any, recording: pl.DataFrame, features: tuple[str, ...]
) -> None:
    """``ReplayRunner._loop`` over the 200,000-trade recording (bars 1/5/15 min, EMA strategy),
    with the orderbook feature vs none; runner start, strategy setup and settle are in setup
    (untimed). Target: >= 200k msgs/s."""
    data = prepare(recording)
    loop = asyncio.new_event_loop()
    runners: list[ReplayRunner] = []

    def setup() -> tuple[tuple[ReplayRunner], dict[str, Any]]:
        runner = ReplayRunner(data, ema_strategy(), timeframes=TIMEFRAMES, features=features)

        async def start() -> None:
            await runner._start()
            await runner.strategy.setup(runner.suite, runner.clock)
            await runner._settle()

        loop.run_until_complete(start())
        runners.append(runner)
        return (runner,), {}

    def run(runner: ReplayRunner) -> None:
        loop.run_until_complete(runner._loop())

    try:
        benchmark.pedantic(run, setup=setup, rounds=5, iterations=1)
    finally:
        for runner in runners:
            loop.run_until_complete(runner._stop())
        loop.close()
    fills = len(runners[-1].exchange._trades.get(9001, []))
    benchmark.extra_info["fills"] = fills
    benchmark.extra_info["settles"] = runners[-1].settles
    if benchmark.stats is not None:
        benchmark.extra_info["msgs_per_s"] = data.n_records / benchmark.stats.stats.median
    assert runners[-1].records_done == data.n_records
    assert fills > 0


def test_bench_replay_end_to_end(benchmark: Any, recording: pl.DataFrame) -> None:
    """One ``replay()`` call on the 200,000-trade recording (no features): wire encoding,
    simulator and suite set-up, the loop and the result, all timed (cf. ``loop``)."""
    loop = asyncio.new_event_loop()
    try:
        result = benchmark.pedantic(
            lambda: loop.run_until_complete(
                replay(recording, ema_strategy(), timeframes=TIMEFRAMES, features=())
            ),
            rounds=3,
            iterations=1,
        )
    finally:
        loop.close()
    if benchmark.stats is not None:
        benchmark.extra_info["msgs_per_s"] = N_TRADES / benchmark.stats.stats.median
    assert result.summary.records == N_TRADES


def test_bench_replay_prepare(benchmark: Any, recording: pl.DataFrame) -> None:
    """``prepare()`` alone: wire encoding of the 200,000-trade polars recording."""
    data = benchmark.pedantic(lambda: prepare(recording), rounds=3, iterations=1)
    if benchmark.stats is not None:
        benchmark.extra_info["msgs_per_s"] = N_TRADES / benchmark.stats.stats.median
    assert data.n_records == N_TRADES
