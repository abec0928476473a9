"""A background task of the suite that dies is never silent: logged, an ERROR event, a health
reason; the suite goes on working."""

from __future__ import annotations

import pytest

from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from projectx.suite.builder import SuiteParts
from tests.hostile.conftest import config_for, eventually


async def test_a_dead_reconciliation_task_lowers_health_with_a_reason(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[Event] = []
    suite = TradingSuite("MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim))
    suite.on(EventType.ERROR, errors.append)
    async with suite:
        await eventually(lambda: suite.feed.trades > 3 and suite.orderbook.best_bid > 0)
        assert suite.get_stats()["health"]["score"] == 100

        async def buggy(_parts: SuiteParts) -> None:  # a bug, not a Gateway failure
            raise RuntimeError("reconcile bug")

        monkeypatch.setattr(SuiteParts, "reconcile", buggy)
        await sim.faults.drop_connections("user", mode="abort")  # RECONNECTED -> reconcile
        await eventually(lambda: any(e.data.get("source") == "task" for e in errors))
        stats = suite.get_stats()
        assert stats["task_failures"] and all(n >= 1 for n in stats["task_failures"].values())
        assert any("background tasks died" in r for r in stats["health"]["reasons"])
        # still working: trades flow, an order places and cancels
        seen = suite.feed.trades
        await eventually(lambda: suite.feed.trades > seen + 3)
        ctx = suite["MNQ"]
        order = await suite.orders.place_limit_order(
            ctx.contract, OrderSide.BUY, 1, suite.orderbook.best_bid - 40 * ctx.data.tick_size
        )
        assert await suite.orders.cancel_order(order)
        await eventually(lambda: not sim.exchange.has_working_orders())
