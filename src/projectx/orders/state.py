"""The order state machine (issue #6): one explicit table of legal transitions.

``Pending`` (built locally, not sent) -> ``Submitted`` (``Order/place`` sent, or the Gateway says
pending/suspended) -> ``Working`` (resting) -> ``PartiallyFilled`` -> ``Filled`` | ``Cancelled`` |
``Rejected`` | ``Expired``. Anything else (a filled order "re-opening", a cancelled order filling,
a fill volume going down) is refused by :func:`is_legal` and counted by the manager.

``Lost`` ends a submission whose outcome was uncertain and that reconciliation could not find by
its tag: the SDK does not know whether the Gateway holds it. It is terminal for the table (no
transition leaves it); if the order turns up later (a hub event or a REST search carrying its
tag) the manager explicitly revives the record (``Lost`` -> ``Submitted``) and applies what was
seen, counting it as found after being lost.
"""

from __future__ import annotations

from enum import StrEnum

from projectx.enums import OrderStatus

__all__ = ["TERMINAL_STATES", "TRANSITIONS", "OrderState", "is_legal", "state_from_gateway"]


class OrderState(StrEnum):
    """Client-side lifecycle state of a tracked order."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    WORKING = "working"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    LOST = "lost"
    """Uncertain submission not found by its tag: neither working nor cancelled, unknown."""

    @property
    def is_terminal(self) -> bool:
        """Filled, cancelled, rejected or expired: no transition leaves this state."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        OrderState.FILLED,
        OrderState.CANCELLED,
        OrderState.REJECTED,
        OrderState.EXPIRED,
        OrderState.LOST,
    }
)

_S = OrderState
TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    _S.PENDING: frozenset({_S.SUBMITTED, _S.CANCELLED, _S.REJECTED}),
    _S.SUBMITTED: frozenset(
        {
            _S.WORKING,
            _S.PARTIALLY_FILLED,
            _S.FILLED,
            _S.CANCELLED,
            _S.REJECTED,
            _S.EXPIRED,
            _S.LOST,
        }
    ),
    _S.WORKING: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELLED, _S.EXPIRED}),
    # a partially filled order may fill more (a self-transition carrying a larger fill volume)
    _S.PARTIALLY_FILLED: frozenset({_S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELLED, _S.EXPIRED}),
    _S.FILLED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.EXPIRED: frozenset(),
    _S.LOST: frozenset(),  # left only by an explicit revival (see the module docstring)
}
"""Legal moves. Staying in the same state (no new fill) is not a transition at all."""


def is_legal(old: OrderState, new: OrderState) -> bool:
    """Whether ``old -> new`` is in :data:`TRANSITIONS`."""
    return new in TRANSITIONS[old]


def state_from_gateway(
    status: OrderStatus | int | None, filled: int, size: int
) -> OrderState | None:
    """The state a Gateway ``status`` with ``filled`` of ``size`` contracts means.

    ``None`` when the status says nothing about the lifecycle (``PendingCancellation``,
    ``None`` or a value this SDK does not know): the current state is kept.
    """
    if (
        status == OrderStatus.OPEN
        or status == OrderStatus.PENDING
        or status == OrderStatus.SUSPENDED
    ):
        if filled >= size > 0:
            return OrderState.FILLED
        if filled > 0:
            return OrderState.PARTIALLY_FILLED
        return OrderState.WORKING if status == OrderStatus.OPEN else OrderState.SUBMITTED
    if status == OrderStatus.FILLED:
        return OrderState.FILLED
    if status == OrderStatus.CANCELLED:
        return OrderState.CANCELLED
    if status == OrderStatus.REJECTED:
        return OrderState.REJECTED
    if status == OrderStatus.EXPIRED:
        return OrderState.EXPIRED
    return None
