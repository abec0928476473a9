"""Order-layer anomalies without a server: refused events, the LOST state."""

from __future__ import annotations

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.events import Event, EventBus, EventType
from projectx.orders import OrderManager, OrderState
from projectx.orders.state import TRANSITIONS, is_legal
from projectx.realtime.client import UserEvent

ACCOUNT = 7001
ORDER = {
    "id": 2_900_000_001,
    "accountId": ACCOUNT,
    "contractId": "CON.F.US.MNQ.Z25",
    "status": 1,
    "type": 1,
    "side": 0,
    "size": 1,
    "limitPrice": 100.0,
    "fillVolume": 0,
}


def manager(bus: EventBus) -> OrderManager:
    px = ProjectX(ProjectXConfig(environment="local", base_url="http://127.0.0.1:9"))
    return OrderManager(px, bus, account_id=ACCOUNT)


def test_an_order_event_without_an_account_is_no_phantom_order_of_ours() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.on(EventType.ANOMALY, seen.append)
    om = manager(bus)
    data = {k: v for k, v in ORDER.items() if k != "accountId"}
    om.on_user_event(UserEvent("GatewayUserOrder", 1, data))
    assert om.get_order(ORDER["id"]) is None and om.open_orders() == []
    assert om.anomalies.by_reason["missing_account_id"] == 1
    assert [e.data["reason"] for e in seen] == ["missing_account_id"]
    om.on_user_event(UserEvent("GatewayUserOrder", 1, ORDER))
    assert om.get_order(ORDER["id"]) is not None


def test_an_event_refused_at_the_boundary_is_skipped() -> None:
    om = manager(EventBus())
    om.on_user_event(UserEvent("GatewayUserOrder", 1, ORDER, refused="fill_conflict"))
    assert om.get_order(ORDER["id"]) is None and om.anomalies.total == 0


def test_lost_is_terminal_and_reached_only_from_a_submission() -> None:
    assert OrderState.LOST.is_terminal and TRANSITIONS[OrderState.LOST] == frozenset()
    assert is_legal(OrderState.SUBMITTED, OrderState.LOST)
    assert not is_legal(OrderState.WORKING, OrderState.LOST)
    assert not is_legal(OrderState.PENDING, OrderState.LOST)
