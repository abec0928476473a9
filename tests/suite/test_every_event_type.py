"""Every declared EventType is emitted by the SDK during one real session against the simulator
(the only injected input is an EXPIRED order update, which the simulator cannot produce)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import orjson

from projectx.enums import OrderSide, OrderStatus
from projectx.events import Event, EventType
from projectx.exceptions import ProjectXError
from projectx.risk import RiskConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


async def test_every_declared_event_type_is_emitted(tmp_path: Path) -> None:
    async with Simulator(
        symbols=["MNQ"], seed=9, rate=100.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        suite = TradingSuite(
            "MNQ",
            timeframes=["1sec"],
            initial_days=0,
            features=["orderbook", "risk"],
            config=config_for(sim),
            stale_after=0.5,
            # any open loss warns (a daily limit far away), any realised loss breaches
            risk_config=RiskConfig(
                daily_loss_limit=1e9, warning_fraction=1e-12, max_daily_loss=0.01
            ),
            state_path=tmp_path / "risk.json",
        )
        seen: dict[EventType, Event] = {}
        for etype in EventType:
            suite.on(etype, lambda e: seen.setdefault(e.type, e))
        async with suite:
            ctx = suite["MNQ"]
            orders = suite.orders
            await eventually(lambda: EventType.NEW_BAR in seen and suite.orderbook.best_bid > 0)
            bid = suite.orderbook.best_bid
            tick = ctx.data.tick_size
            # a resting limit: placed, modified, cancelled
            resting = await orders.place_limit_order(
                ctx.contract, OrderSide.BUY, 1, bid - 40 * tick
            )
            await orders.modify_order(resting, limit_price=bid - 41 * tick)
            await orders.cancel_order(resting)
            # a rejection from the Gateway
            sim.faults.reject_next_order(2, "Rejected by the simulator")
            with contextlib.suppress(ProjectXError):
                await orders.place_market_order(ctx.contract, OrderSide.SELL, 1)
            # an expiry: the simulator has no expiring orders, so its hub sends the update
            far = await orders.place_limit_order(ctx.contract, OrderSide.SELL, 1, bid + 60 * tick)
            data = {
                "id": far.order_id,
                "accountId": suite.account.id,
                "contractId": ctx.contract_id,
                "status": int(OrderStatus.EXPIRED),
                "type": 1,
                "side": 1,
                "size": 1,
                "limitPrice": bid + 60 * tick,
                "fillVolume": 0,
                "creationTimestamp": "2026-01-01T00:00:00+00:00",
                "updateTimestamp": "2026-01-01T00:00:01+00:00",
            }
            frame = {
                "type": 1,
                "target": "GatewayUserOrder",
                "arguments": [{"action": 1, "data": data}],
            }
            sim.faults.send_frame("user", kind="raw", data=orjson.dumps(frame).decode() + "\x1e")
            await eventually(lambda: EventType.ORDER_EXPIRED in seen)
            # a market record no Gateway should send: refused, counted, reported
            bad = {"symbolId": "F.US.MNQ", "price": bid, "volume": -1, "type": 0}
            bad["timestamp"] = "2026-01-01T00:00:00+00:00"
            market_frame = {
                "type": 1,
                "target": "GatewayTrade",
                "arguments": [ctx.contract_id, [bad]],
            }
            sim.faults.send_frame(
                "market", kind="raw", data=orjson.dumps(market_frame).decode() + "\x1e"
            )
            # an anomaly: an order update without an account id is refused and reported
            del data["accountId"]
            sim.faults.send_user_event("GatewayUserOrder", data, account_id=suite.account.id)
            await eventually(lambda: EventType.ANOMALY in seen)
            # connection events: a dropped market hub, then a stall
            await sim.faults.drop_connections("market", mode="abort")
            await eventually(lambda: EventType.RECONNECTED in seen)
            sim.faults.stall_hub("market")
            await eventually(lambda: EventType.FEED_STALE in seen)
            sim.faults.resume_hub("market")

            def boom(event: Event) -> None:
                raise RuntimeError("handler bug")

            suite.on(EventType.TRADE_TICK, boom)
            await eventually(lambda: EventType.ERROR in seen)
            suite.off(EventType.TRADE_TICK, boom)
            # a market order walking a thin book: partial fills, a fill, a position, P&L; the
            # open loss warns; the realised loss of the round trip breaches
            await orders.place_market_order(ctx.contract, OrderSide.BUY, 30)
            await eventually(lambda: EventType.POSITION_OPENED in seen)
            await eventually(lambda: EventType.POSITION_PNL_UPDATE in seen)
            await eventually(lambda: EventType.RISK_LIMIT_WARNING in seen)
            # closing 30 lots across a thin book realises a loss: the daily limit is breached
            await suite.positions.close_position(ctx.contract)
            await eventually(lambda: EventType.POSITION_CLOSED in seen)
            await eventually(lambda: EventType.RISK_LIMIT_BREACHED in seen)
            assert suite.risk.halted == "max_daily_loss"
            await asyncio.sleep(0.1)
        missing = {e for e in EventType if e not in seen and not e.name.startswith("RISK_")}
        assert missing == set(), f"never emitted: {sorted(m.name for m in missing)}"
