"""Test strategy: EMA(3)/EMA(8) cross of 1sec closes; market orders, always in the market
after the first cross (reverse = 2 lots), one lot. Records its signals in ``SIGNALS``."""

from __future__ import annotations

from typing import Any

from projectx.events import EventType

TIMEFRAMES = ["1sec", "5sec", "1min"]

SIGNALS: list[tuple[int, int, float]] = []  # (bar ts_ns, side 0 buy / 1 sell, bar close)
ERRORS: list[BaseException] = []
_state: dict[str, Any] = {}


def _ema(prev: float | None, value: float, n: int) -> float:
    if prev is None:
        return value
    k = 2.0 / (n + 1)
    return prev + k * (value - prev)


async def setup(suite: Any, clock: Any) -> None:
    SIGNALS.clear()
    ERRORS.clear()
    _state.clear()
    _state.update(fast=None, slow=None, pos=0, bars=0)
    symbol = suite.symbols[0]
    contract = suite[symbol].contract_id

    async def on_bar(event: Any) -> None:
        data = event.data
        if data["timeframe"] != "1sec":
            return
        bar = data["bar"]
        _state["bars"] += 1
        fast = _state["fast"] = _ema(_state["fast"], bar.close, 3)
        slow = _state["slow"] = _ema(_state["slow"], bar.close, 8)
        if _state["bars"] < 3:
            return
        want = 1 if fast > slow else -1 if fast < slow else 0
        pos = _state["pos"]
        if want == 0 or want == pos:
            return
        size = 1 if pos == 0 else 2
        side = 0 if want > 0 else 1
        SIGNALS.append((bar.ts_ns, side, bar.close))
        _state["pos"] = want
        try:
            await suite.client.place_market_order(contract, side, size)
        except Exception as exc:  # pragma: no cover - surfaced by the test
            ERRORS.append(exc)

    suite.on(EventType.NEW_BAR, on_bar)


async def teardown(suite: Any) -> None:
    pos = _state.get("pos", 0)
    if pos:
        contract = suite[suite.symbols[0]].contract_id
        await suite.client.place_market_order(contract, 1 if pos > 0 else 0, 1)
        _state["pos"] = 0
