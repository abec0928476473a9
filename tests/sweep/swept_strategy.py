"""Test strategy with parameters: EMA(fast)/EMA(slow) cross of 1sec closes, market orders, one
lot, always in the market after the first cross (a reversal trades 2 lots), flat at the end.
``pause_s`` blocks ``setup`` for that many wall seconds (changes no result: it gives the tests a
window in which a task is surely running)."""

from __future__ import annotations

import time
from typing import Any

from projectx.events import EventType

TIMEFRAMES = ["1sec"]
FEATURES: list[str] = []
PARAMS: dict[str, Any] = {"fast": 3, "slow": 8, "pause_s": 0.0}


def _ema(prev: float | None, value: float, n: int) -> float:
    return value if prev is None else prev + 2.0 / (n + 1) * (value - prev)


async def setup(suite: Any, clock: Any) -> None:
    fast_n, slow_n = int(PARAMS["fast"]), int(PARAMS["slow"])
    if fast_n >= slow_n:
        raise ValueError(f"fast ({fast_n}) must be below slow ({slow_n})")
    time.sleep(float(PARAMS["pause_s"]))  # noqa: ASYNC251 - on purpose: the worker is busy
    state: dict[str, Any] = {"fast": None, "slow": None, "pos": 0, "bars": 0}
    contract = suite[suite.symbols[0]].contract_id
    suite.sweep_state = state

    async def on_bar(event: Any) -> None:
        if event.data["timeframe"] != "1sec":
            return
        close = event.data["bar"].close
        state["bars"] += 1
        state["fast"] = _ema(state["fast"], close, fast_n)
        state["slow"] = _ema(state["slow"], close, slow_n)
        if state["bars"] < slow_n // 2:
            return
        want = 1 if state["fast"] > state["slow"] else -1 if state["fast"] < state["slow"] else 0
        if want in (0, state["pos"]):
            return
        size = 1 if state["pos"] == 0 else 2
        state["pos"] = want
        await suite.client.place_market_order(contract, 0 if want > 0 else 1, size)

    suite.on(EventType.NEW_BAR, on_bar)


async def teardown(suite: Any) -> None:
    state = suite.sweep_state
    if state["pos"]:
        contract = suite[suite.symbols[0]].contract_id
        await suite.client.place_market_order(contract, 1 if state["pos"] > 0 else 0, 1)
        state["pos"] = 0
