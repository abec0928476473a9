"""Test strategy with resting orders: on an EMA(3)/EMA(8) cross of 1sec closes, when flat and
with no working order, enter with a market order and protect it with a take-profit limit and a
stop-loss stop 3 ticks away; once flat again, cancel what is left. ``SIGNALS`` records every
decision (bar ts_ns, action, price)."""

from __future__ import annotations

from typing import Any

from projectx.events import EventType

TIMEFRAMES = ["1sec"]
FEATURES: list[str] = []

SIGNALS: list[tuple[int, str, float]] = []
ERRORS: list[BaseException] = []


async def setup(suite: Any, clock: Any) -> None:
    SIGNALS.clear()
    ERRORS.clear()
    state: dict[str, Any] = {"fast": None, "slow": None, "bars": 0}
    contract = suite[suite.symbols[0]].contract_id
    tick = 0.25

    async def on_bar(event: Any) -> None:
        if event.data["timeframe"] != "1sec":
            return
        bar = event.data["bar"]
        state["bars"] += 1
        for key, n in (("fast", 3), ("slow", 8)):
            prev = state[key]
            state[key] = bar.close if prev is None else prev + 2 / (n + 1) * (bar.close - prev)
        try:
            positions = [p for p in await suite.client.search_open_positions() if p.size]
            orders = await suite.client.search_open_orders()
            if not positions and orders:
                for order in orders:
                    await suite.client.cancel_order(order.id)
                SIGNALS.append((bar.ts_ns, "cancel", float(len(orders))))
                return
            if positions or orders or state["bars"] < 3 or state["fast"] == state["slow"]:
                return
            long = state["fast"] > state["slow"]
            side, exit_side = (0, 1) if long else (1, 0)
            SIGNALS.append((bar.ts_ns, "long" if long else "short", bar.close))
            await suite.client.place_market_order(contract, side, 1)
            sign = 1 if long else -1
            await suite.client.place_limit_order(
                contract, exit_side, 1, bar.close + sign * 3 * tick
            )
            await suite.client.place_stop_order(contract, exit_side, 1, bar.close - sign * 3 * tick)
        except Exception as exc:  # pragma: no cover - surfaced by the test
            ERRORS.append(exc)

    suite.on(EventType.NEW_BAR, on_bar)


async def teardown(suite: Any) -> None:
    for order in await suite.client.search_open_orders():
        await suite.client.cancel_order(order.id)
    for p in await suite.client.search_open_positions():
        if p.size:
            await suite.client.close_position(p.contract_id)
