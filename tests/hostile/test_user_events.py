"""User-hub events a broken or hostile Gateway could send (issue #14, item 6), over real sockets.

Each test injects events with :meth:`Faults.send_user_event` (the engine's state is untouched,
so the simulator's REST answers stay the truth) and asserts three things: still working (market
data flows, an order places and cancels), reported (a counter by reason plus an ``ANOMALY``
event and a health reason), consistent with the simulator (positions, fees and P&L, open orders).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.orders import OrderState
from projectx.sim import Simulator
from projectx.suite import TradingSuite
from tests.hostile.conftest import config_for, eventually

USER = "sim.trader"


class Session:
    """A connected suite plus what the tests read from it and from the simulator."""

    def __init__(self, sim: Simulator, suite: TradingSuite) -> None:
        self.sim = sim
        self.suite = suite
        self.anomalies: list[Event] = []
        suite.on(EventType.ANOMALY, self.anomalies.append)

    @property
    def aid(self) -> int:
        assert self.suite.account is not None
        return self.suite.account.id

    @property
    def cid(self) -> str:
        return self.suite["MNQ"].contract_id

    def rest(self, endpoint: str, **body: Any) -> dict[str, Any]:
        """The simulator's own answer (in process: no fault applies)."""
        result: dict[str, Any] = self.sim.exchange.handle(
            endpoint, USER, {"accountId": self.aid, **body}
        )
        return result

    # -- the simulator's truth ------------------------------------------------------------------
    def truth_positions(self) -> dict[str, int]:
        rows = self.rest("Position/searchOpen")["positions"]
        return {p["contractId"]: p["size"] if p["type"] == 1 else -p["size"] for p in rows}

    def truth_open_orders(self) -> set[int]:
        return {o["id"] for o in self.rest("Order/searchOpen")["orders"]}

    def truth_trades(self) -> list[dict[str, Any]]:
        return list(self.rest("Trade/search", startTimestamp="2000-01-01T00:00:00Z")["trades"])

    def truth_fees(self) -> float:
        return sum(t["fees"] + (t.get("commissions") or 0.0) for t in self.truth_trades())

    def truth_realized(self) -> float:
        return sum(t.get("profitAndLoss") or 0.0 for t in self.truth_trades())

    # -- the SDK's view -------------------------------------------------------------------------
    def positions(self) -> dict[str, int]:
        return {p.contract_id: p.size for p in self.suite.positions.get_all_positions()}

    def open_orders(self) -> set[int | None]:
        return {r.order_id for r in self.suite.orders.open_orders()}

    def assert_consistent(self) -> None:
        pm = self.suite.positions
        assert self.positions() == self.truth_positions()
        assert self.open_orders() == self.truth_open_orders()
        assert pm.total_fees() == pytest.approx(self.truth_fees())
        assert pm.realized_pnl() == pytest.approx(self.truth_realized())

    def health_reasons(self) -> list[str]:
        reasons: list[str] = self.suite.get_stats()["health"]["reasons"]
        return reasons

    def reported(self, reason: str) -> bool:
        return any(e.data["reason"] == reason for e in self.anomalies) and any(
            reason in r for r in self.health_reasons()
        )

    # -- actions ----------------------------------------------------------------------------------
    def inject(self, target: str, data: Any, **kw: Any) -> None:
        assert self.sim.faults.send_user_event(target, data, account_id=self.aid, **kw) == 1

    async def still_working(self) -> None:
        """Market data flows; a limit order places, works and cancels."""
        feed = self.suite.feed
        trades = feed.trades
        await eventually(lambda: feed.trades > trades, what="market trades after the anomaly")
        market = self.sim.market
        tick = self.suite["MNQ"].data.tick_size
        bid = market.best_bid(self.cid)
        assert bid is not None
        rec = await self.suite.orders.place_limit_order(
            self.suite["MNQ"].contract, OrderSide.BUY, 1, bid - 40 * tick
        )
        await eventually(lambda: rec.state is OrderState.WORKING, what="the order working")
        assert await self.suite.orders.cancel_order(rec)
        await eventually(lambda: rec.state is OrderState.CANCELLED, what="the order cancelled")

    async def hold_long(self, size: int = 1) -> None:
        """A real position (market buy) the SDK and the simulator agree on."""
        await self.suite.orders.place_market_order(self.suite["MNQ"].contract, OrderSide.BUY, size)
        await eventually(lambda: self.positions() == {self.cid: size}, what="the long position")
        await eventually(
            lambda: self.suite.positions.total_fees() == pytest.approx(self.truth_fees())
        )


@pytest.fixture
async def session(sim: Simulator, tmp_path: Path) -> AsyncIterator[Session]:
    suite = TradingSuite(
        "MNQ",
        timeframes=["1min"],
        initial_days=0,
        features=["orderbook", "risk"],
        config=config_for(sim),
        state_path=tmp_path / "risk.json",
    )
    async with suite:
        yield Session(sim, suite)


def _position(s: Session, **fields: Any) -> dict[str, Any]:
    data = {
        "id": 88001,
        "accountId": s.aid,
        "contractId": s.cid,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "type": 1,
        "size": 1,
        "averagePrice": 20000.0,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not _DROP}


def _order(s: Session, **fields: Any) -> dict[str, Any]:
    data = {
        "id": 3_100_000_001,
        "accountId": s.aid,
        "contractId": s.cid,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "updateTimestamp": "2026-01-05T15:00:00+00:00",
        "status": 1,
        "type": 1,
        "side": 0,
        "size": 1,
        "limitPrice": 19000.0,
        "fillVolume": 0,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not _DROP}


def _trade(s: Session, **fields: Any) -> dict[str, Any]:
    data = {
        "id": 2_600_000_001,
        "accountId": s.aid,
        "contractId": s.cid,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "price": 20000.0,
        "profitAndLoss": 500.0,
        "fees": 123.0,
        "side": 1,
        "size": 1,
        "voided": False,
        "orderId": 3_100_000_777,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not _DROP}


_DROP = object()


async def test_a_long_position_with_a_negative_size_is_refused_and_reconciled(
    session: Session,
) -> None:
    s = session
    await s.hold_long(1)
    before = s.suite.reconciliations
    s.inject("GatewayUserPosition", _position(s, type=1, size=-3))
    await eventually(lambda: s.suite.realtime.anomalies.by_reason["position_negative_size"] == 1)
    await eventually(lambda: s.suite.reconciliations > before, what="a reconciliation")
    await eventually(lambda: not s.suite.reconciling)
    # the SDK still holds what the Gateway holds: long 1, not SHORT 3
    assert s.positions() == {s.cid: 1}
    assert s.reported("position_negative_size")
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


async def test_a_fill_of_an_order_never_placed_is_not_booked(session: Session) -> None:
    s = session
    await s.hold_long(1)
    fees, risk_fees = s.suite.positions.total_fees(), s.suite.risk.state.fees
    s.inject("GatewayUserTrade", _trade(s), action=0)
    pm = s.suite.positions
    await eventually(lambda: pm.anomalies.by_reason["fill_unconfirmed"] == 1, what="the refusal")
    # neither P&L, fees nor the risk manager's day saw it
    assert pm.total_fees() == fees and s.suite.risk.state.fees == risk_fees
    assert pm.stats()["fills_unconfirmed"] == 1 and pm.stats()["fills_held"] == 0
    assert s.reported("fill_unconfirmed")
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


async def test_a_fill_of_an_order_placed_outside_the_sdk_is_booked(session: Session) -> None:
    """The other side of the rule: fills of the account are real P&L, whoever placed them."""
    s = session
    body = {"contractId": s.cid, "type": 2, "side": 0, "size": 2, "customTag": "manual-1"}
    placed = s.rest("Order/place", **body)  # as the trading platform would
    assert placed["success"]
    await eventually(lambda: s.positions() == {s.cid: 2}, what="the external position")
    await eventually(lambda: s.suite.positions.total_fees() == pytest.approx(s.truth_fees()))
    assert s.suite.positions.anomalies.total == 0 and s.truth_fees() > 0
    s.assert_consistent()
    await s.still_working()


async def test_an_order_update_without_an_account_id_is_refused(session: Session) -> None:
    s = session
    s.inject("GatewayUserOrder", _order(s, accountId=_DROP))
    await eventually(lambda: s.suite.realtime.anomalies.by_reason["missing_account_id"] == 1)
    assert s.suite.orders.get_order(3_100_000_001) is None  # no phantom working order
    assert s.reported("missing_account_id")
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


async def test_a_duplicate_fill_id_with_another_quantity_is_reported_and_rest_decides(
    session: Session,
) -> None:
    s = session
    await s.hold_long(1)
    real = s.truth_trades()[0]
    before = s.suite.reconciliations
    s.inject("GatewayUserTrade", {**real, "size": 5}, action=0)
    await eventually(lambda: s.suite.realtime.anomalies.by_reason["fill_conflict"] == 1)
    await eventually(lambda: s.suite.reconciliations > before and not s.suite.reconciling)
    rec = s.suite.orders.get_order(real["orderId"])
    assert rec is not None and rec.fill_volume == 1 and rec.state is OrderState.FILLED
    assert [t.size for t in s.suite.positions.trades()] == [1]
    assert s.reported("fill_conflict")
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


def _catalogue(s: Session) -> list[tuple[str, Any, str]]:
    """What the spec's types allow a hostile peer to send, and the reason each is refused."""
    return [
        ("GatewayUserOrder", _order(s, id=-7), "id_not_positive"),
        ("GatewayUserOrder", _order(s, id=0), "id_not_positive"),
        ("GatewayUserOrder", _order(s, id=2**63), "id_out_of_range"),
        ("GatewayUserOrder", _order(s, id="x"), "malformed"),
        ("GatewayUserOrder", _order(s, id=None), "malformed"),
        ("GatewayUserOrder", _order(s, accountId=None), "missing_account_id"),
        ("GatewayUserOrder", _order(s, accountId=9999), "foreign_account"),
        ("GatewayUserOrder", _order(s, contractId=_DROP), "missing_contract_id"),
        ("GatewayUserOrder", _order(s, status=42), "unknown_status"),
        ("GatewayUserOrder", _order(s, status=_DROP), "missing_status"),
        ("GatewayUserOrder", _order(s, side=7), "unknown_side"),
        ("GatewayUserOrder", _order(s, type=99), "unknown_type"),
        ("GatewayUserOrder", _order(s, size=0), "size_out_of_range"),
        ("GatewayUserOrder", _order(s, size=2**40), "size_out_of_range"),
        ("GatewayUserOrder", _order(s, fillVolume=3), "fill_volume_above_size"),
        ("GatewayUserOrder", _order(s, fillVolume=-1), "fill_volume_out_of_range"),
        ("GatewayUserOrder", _order(s, limitPrice="cheap"), "malformed"),
        ("GatewayUserOrder", _order(s, limitPrice="NaN"), "malformed"),
        ("GatewayUserOrder", _order(s, creationTimestamp=12), "malformed"),
        ("GatewayUserPosition", _position(s, size=-1, type=2), "position_negative_size"),
        ("GatewayUserPosition", _position(s, type=0), "position_type_invalid"),
        ("GatewayUserPosition", _position(s, type=9), "position_type_invalid"),
        ("GatewayUserPosition", _position(s, size=True), "malformed"),
        ("GatewayUserPosition", _position(s, contractId=""), "missing_contract_id"),
        ("GatewayUserPosition", _position(s, averagePrice=None), "missing_average_price"),
        ("GatewayUserPosition", _position(s, id=-1), "id_not_positive"),
        ("GatewayUserTrade", _trade(s, size=0), "size_out_of_range"),
        ("GatewayUserTrade", _trade(s, size=-2), "size_out_of_range"),
        ("GatewayUserTrade", _trade(s, fees=-5.0), "negative_fees"),
        ("GatewayUserTrade", _trade(s, orderId=_DROP), "missing_order_id"),
        ("GatewayUserTrade", _trade(s, side=3), "unknown_side"),
        ("GatewayUserTrade", _trade(s, price=_DROP), "missing_price"),
        ("GatewayUserTrade", _trade(s, price="Infinity"), "malformed"),
        ("GatewayUserAccount", {"id": -1, "balance": 1.0}, "id_not_positive"),
        ("GatewayUserAccount", {"id": "me", "balance": 1.0}, "malformed"),
    ]


async def test_every_hostile_shape_of_the_spec_types_is_refused(session: Session) -> None:
    """Wrong types, missing keys, nulls, huge ints, negative ids, strings for numbers, unknown
    enum values: each refused and counted by reason, nothing of them reaches the books."""
    s = session
    await s.hold_long(1)
    cases = _catalogue(s)
    for target, data, _ in cases:
        s.inject(target, data)
    want: dict[str, int] = {}
    for _, _, reason in cases:
        want[reason] = want.get(reason, 0) + 1
    log = s.suite.realtime.anomalies
    await eventually(lambda: log.total == len(cases), what="every hostile event refused")
    assert dict(log.by_reason) == want
    await eventually(lambda: not s.suite.reconciling)
    assert s.suite.orders.get_order(3_100_000_001) is None
    assert len(s.anomalies) >= len(cases) and s.health_reasons()
    s.assert_consistent()
    await s.still_working()
    s.assert_consistent()


async def test_a_refused_event_leaves_the_records_around_it_intact(session: Session) -> None:
    """One frame: a good event, a hostile one, a good one: both good ones are applied."""
    s = session
    await s.hold_long(1)
    updates: list[Event] = []
    s.suite.on(EventType.ACCOUNT_UPDATE, updates.append)

    def account(balance: float) -> str:
        data = {"id": s.aid, "name": "x", "balance": balance, "canTrade": True}
        args = [{"action": 1, "data": data}]
        return orjson.dumps({"type": 1, "target": "GatewayUserAccount", "arguments": args}).decode()

    bad = [{"action": 1, "data": _position(s, size=-9)}]
    hostile = orjson.dumps({"type": 1, "target": "GatewayUserPosition", "arguments": bad})
    data = "\x1e".join([account(12_345.0), hostile.decode(), account(12_346.0)]) + "\x1e"
    s.sim.faults.send_frame("user", kind="raw", data=data)
    seen = lambda: [e.data["balance"] for e in updates]  # noqa: E731
    await eventually(lambda: {12_345.0, 12_346.0} <= set(seen()), what="both good events")
    assert s.suite.realtime.anomalies.total == 1
    await eventually(lambda: not s.suite.reconciling)
    assert s.suite.realtime.user.connected
    assert s.reported("position_negative_size")
    s.assert_consistent()
    await s.still_working()
