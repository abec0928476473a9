"""Errors of the order layer (all under :class:`~projectx.exceptions.ProjectXError`)."""

from __future__ import annotations

from projectx.exceptions import OrderRejectedError, ProjectXError, ValidationError

__all__ = ["OrderNotFilledError", "OrderRefusedError", "UnsupportedOrderTypeError"]


class OrderRefusedError(ValidationError):
    """The risk gate refused the order before anything was sent."""


class UnsupportedOrderTypeError(OrderRejectedError):
    """The Gateway refused an order type for this account (stop-limit without the capability)."""


class OrderNotFilledError(ProjectXError):
    """``wait_for_fill`` ended because the order reached another terminal state."""

    def __init__(self, message: str, *, order_id: int | None, state: str) -> None:
        super().__init__(message)
        self.order_id = order_id
        self.state = state
