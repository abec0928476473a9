"""projectx.compat.models and .exceptions: project-x-py's shapes over the core's."""

from __future__ import annotations

import pytest

from projectx import exceptions as core_errors
from projectx import models as core
from projectx.compat import exceptions as compat_errors
from projectx.compat.models import Instrument, Order, Position, Trade, symbol_of
from projectx.enums import OrderSide, OrderStatus, OrderType
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState
from projectx.positions.records import PositionInfo

NS = 1_000_000_000


def test_from_api_ignores_unknown_fields_and_reads_filled_size() -> None:
    order = Order.from_api(
        {
            "id": 7, "accountId": 1, "contractId": "CON.F.US.MNQ.Z26",
            "creationTimestamp": "2026-12-07T10:00:00+00:00", "updateTimestamp": None,
            "status": 1, "type": 1, "side": 0, "size": 3, "filledSize": 1,
            "limitPrice": 100.0, "somethingNew": True,
        }
    )  # fmt: skip
    assert (order.fillVolume, order.remaining_size) == (1, 2)
    assert order.filled_percent == pytest.approx(100 / 3)
    assert order.is_open and order.is_working and not order.is_terminal
    assert (order.side_str, order.type_str, order.status_str, order.symbol) == (
        "BUY", "LIMIT", "OPEN", "MNQ",
    )  # fmt: skip


def test_from_core_converts_units_and_timestamps() -> None:
    contract = core.Contract(
        "CON.F.US.MNQ.Z26", "MNQZ6", "Micro E-mini Nasdaq", 0.25, 0.5, True, "F.US.MNQ"
    )
    inst = Instrument.from_core(contract)
    assert (inst.id, inst.tickSize, inst.tickValue, inst.activeContract) == (
        "CON.F.US.MNQ.Z26", 0.25, 0.5, True,
    )  # fmt: skip
    short = core.Position(5, 1, "CON.F.US.ES.Z26", 1_765_000_000 * NS, 2, -3, 6000.0)
    pos = Position.from_core(short)
    assert (pos.size, pos.signed_size, pos.direction) == (3, -3, "SHORT")
    assert pos.creationTimestamp.startswith("2025-12-06T05:46:40")
    assert pos.unrealized_pnl(5990.0, 50.0) == 3 * 10 * 50.0
    assert pos["averagePrice"] == 6000.0
    trade = Trade.from_core(
        core.Trade(
            9, 1, "CON.F.US.ES.Z26", 1_765_000_000 * NS, 6000.0, None, 1.4, None, 1, 1, False, 5
        )
    )
    assert (trade.profitAndLoss, trade.side, trade.orderId, trade.voided) == (None, 1, 5, False)


def test_from_info_gives_project_x_py_a_type_and_an_unsigned_size() -> None:
    info = PositionInfo("CON.F.US.MNQ.Z26", 11, -2, 100.5, 101.0, -1.0, 0.0, 0.0, None, 2.0)
    pos = Position.from_info(info, account_id=4)
    assert (pos.id, pos.accountId, pos.type, pos.size, pos.averagePrice) == (11, 4, 2, 2, 100.5)


@pytest.mark.parametrize(
    ("state", "gateway", "status"),
    [
        (OrderState.PENDING, None, OrderStatus.PENDING),
        (OrderState.WORKING, OrderStatus.OPEN, OrderStatus.OPEN),
        (OrderState.FILLED, OrderStatus.OPEN, OrderStatus.FILLED),  # the fill outran the status
        (OrderState.CANCELLED, None, OrderStatus.CANCELLED),
        (OrderState.REJECTED, None, OrderStatus.REJECTED),
    ],
)
def test_from_tracked_reports_the_managers_state(
    state: OrderState, gateway: OrderStatus | None, status: OrderStatus
) -> None:
    rec = TrackedOrder(
        contract_id="CON.F.US.MNQ.Z26", side=OrderSide.SELL, size=1, order_type=OrderType.STOP,
        stop_price=99.0, order_id=3, state=state, gateway_status=gateway,
    )  # fmt: skip
    order = Order.from_tracked(rec, account_id=8)
    assert (order.status, order.side, order.type, order.stopPrice, order.accountId) == (
        int(status), 1, 4, 99.0, 8,
    )  # fmt: skip


def test_symbol_of() -> None:
    assert symbol_of("CON.F.US.MGC.G27") == "MGC"
    assert symbol_of("weird") == "weird"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (core_errors.AuthenticationError("no"), compat_errors.ProjectXAuthenticationError),
        (core_errors.RateLimitError("slow", status=429), compat_errors.ProjectXRateLimitError),
        (core_errors.OrderRejectedError("no", error_code=2), compat_errors.ProjectXOrderError),
        (core_errors.InsufficientMarginError("funds"), compat_errors.ProjectXOrderError),
        (core_errors.ConnectionError("down"), compat_errors.ProjectXConnectionError),
        (core_errors.CircuitOpenError("open"), compat_errors.ProjectXConnectionError),
        (core_errors.APIError("bad", status=503), compat_errors.ProjectXServerError),
        (core_errors.APIError("bad", status=404), compat_errors.ProjectXClientError),
        (core_errors.ValidationError("size"), compat_errors.ProjectXDataError),
    ],
)
def test_core_errors_become_project_x_py_classes(
    error: core_errors.ProjectXError, expected: type[compat_errors.ProjectXError]
) -> None:
    with pytest.raises(expected) as caught, compat_errors.translating():
        raise error
    assert type(caught.value) is expected
    assert caught.value.__cause__ is error
    assert isinstance(caught.value, core_errors.ProjectXError)  # `except projectx.ProjectXError`
    assert str(caught.value) == str(error)


def test_validation_errors_take_the_callers_class_and_codes_survive() -> None:
    refused = compat_errors.ProjectXOrderError
    with pytest.raises(refused) as caught, compat_errors.translating(invalid=refused):
        raise core_errors.ValidationError("size must be >= 1")
    assert "size must be >= 1" in str(caught.value)
    rejected = compat_errors.translate(core_errors.OrderRejectedError("no", error_code=5))
    assert rejected.error_code == 5 and rejected.response_data == {}


def test_uncertain_submission_keeps_its_tag() -> None:
    out = compat_errors.translate(
        core_errors.OrderSubmissionUncertainError("timeout", custom_tag="px-1")
    )
    assert isinstance(out, compat_errors.OrderSubmissionUncertainError)
    assert out.custom_tag == "px-1" and out.payload == {"customTag": "px-1"}


def test_messages_are_redacted() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    err = compat_errors.ProjectXError(f"login failed with {token}")
    assert token not in str(err)
