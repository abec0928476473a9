"""The state machine: illegal transitions refused and counted; property test vs a reference."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.enums import OrderStatus
from projectx.events import EventBus, EventType
from projectx.orders import OrderManager, OrderState
from projectx.orders.state import TRANSITIONS, is_legal
from projectx.realtime.client import UserEvent

CID = "CON.F.US.MNQ.Z25"
ACCOUNT = 7001


def manager() -> OrderManager:
    px = ProjectX(ProjectXConfig(environment="local", base_url="http://127.0.0.1:9"))
    return OrderManager(px, EventBus(), account_id=ACCOUNT)


def order_event(oid: int, status: int, fill: int, size: int = 3) -> UserEvent:
    data: dict[str, Any] = {
        "id": oid,
        "accountId": ACCOUNT,
        "contractId": CID,
        "status": int(status),
        "type": 1,
        "side": 0,
        "size": size,
        "limitPrice": 100.0,
        "fillVolume": fill,
    }
    return UserEvent("GatewayUserOrder", 1, data)


def test_a_filled_order_cannot_reopen_and_the_attempt_is_counted() -> None:
    om = manager()
    om.on_user_event(order_event(1, OrderStatus.OPEN, 0))
    om.on_user_event(order_event(1, OrderStatus.FILLED, 3))
    om.on_user_event(order_event(1, OrderStatus.OPEN, 0))
    om.on_user_event(order_event(1, OrderStatus.CANCELLED, 3))
    rec = om.get_order(1)
    assert rec is not None and rec.state is OrderState.FILLED
    assert om.stats()["illegal_transitions"] == 2


def test_fill_volume_never_goes_down() -> None:
    om = manager()
    om.on_user_event(order_event(2, OrderStatus.OPEN, 2))
    om.on_user_event(order_event(2, OrderStatus.OPEN, 1))
    rec = om.get_order(2)
    assert rec is not None and rec.fill_volume == 2 and rec.state is OrderState.PARTIALLY_FILLED
    assert om.stats()["illegal_transitions"] == 1


def test_malformed_events_are_counted_not_raised() -> None:
    om = manager()
    om.on_user_event(UserEvent("GatewayUserOrder", 1, {"id": "x-not-an-id"}))
    assert om.stats()["malformed_events"] == 1


def test_every_terminal_state_is_absorbing_and_pending_only_leads_to_submission() -> None:
    for state in OrderState:
        if state.is_terminal:
            assert TRANSITIONS[state] == frozenset()
    assert not is_legal(OrderState.PENDING, OrderState.WORKING)
    assert not is_legal(OrderState.WORKING, OrderState.REJECTED)
    assert is_legal(OrderState.PARTIALLY_FILLED, OrderState.PARTIALLY_FILLED)


# ---- property test: random Gateway snapshots vs an obviously correct reference model
_RANK = {"submitted": 0, "working": 1, "partial": 2}


def reference(snapshots: list[tuple[int, int]], size: int) -> tuple[str, int, int]:
    """(final state, fill volume, refused count) of a simple lifecycle model."""
    state, fill, refused = "submitted", 0, 0
    for status, f in snapshots:
        if status in (1, 6, 8):
            if f >= size:
                new = "filled"
            elif f > 0:
                new = "partial"
            else:
                new = "working" if status == 1 else "submitted"
        else:
            new = {2: "filled", 3: "cancelled", 4: "expired", 5: "rejected"}[status]
        if new in ("cancelled", "expired", "rejected"):
            f = max(f, fill)
        if f < fill:  # a stale snapshot: fills never go down
            refused += 1
            continue
        if new == state:
            fill = max(fill, f)
            continue
        terminal = state in ("filled", "cancelled", "expired", "rejected")
        backwards = new in _RANK and state in _RANK and _RANK[new] < _RANK[state]
        late_reject = new == "rejected" and state != "submitted"
        if terminal or backwards or late_reject or new == "submitted":
            refused += 1
            continue
        state, fill = new, f
    return state, fill, refused


_NAMES = {
    "submitted": OrderState.SUBMITTED,
    "working": OrderState.WORKING,
    "partial": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "cancelled": OrderState.CANCELLED,
    "expired": OrderState.EXPIRED,
    "rejected": OrderState.REJECTED,
}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1, 2, 3, 4, 5, 6, 8]), st.integers(0, 3)),
        min_size=1,
        max_size=12,
    )
)
def test_state_machine_matches_the_reference_model(snapshots: list[tuple[int, int]]) -> None:
    size = 3
    snaps = [(s, size if s == 2 else f) for s, f in snapshots]
    om = manager()
    seen: list[EventType] = []
    for et in (EventType.ORDER_FILLED, EventType.ORDER_CANCELLED):
        om.bus.on(et, lambda ev: seen.append(ev.type))
    om.on_user_event(order_event(9, 6, 0, size))  # adopted as submitted
    for status, fill in snaps:
        om.on_user_event(order_event(9, status, fill, size))
    rec = om.get_order(9)
    assert rec is not None
    state, fill, refused = reference(snaps, size)
    assert rec.state is _NAMES[state]
    assert rec.fill_volume == fill
    assert om.stats()["illegal_transitions"] == refused
    assert seen.count(EventType.ORDER_FILLED) == (1 if state == "filled" else 0)


def test_an_expired_order_emits_order_expired_once() -> None:
    om = manager()
    seen: list[EventType] = []
    om.bus.on(EventType.ORDER_EXPIRED, lambda ev: seen.append(ev.type))
    om.on_user_event(order_event(5, OrderStatus.OPEN, 0))
    om.on_user_event(order_event(5, OrderStatus.EXPIRED, 0))
    om.on_user_event(order_event(5, OrderStatus.EXPIRED, 0))
    rec = om.get_order(5)
    assert rec is not None and rec.state is OrderState.EXPIRED
    assert seen == [EventType.ORDER_EXPIRED] and om.stats()["expired"] == 1
