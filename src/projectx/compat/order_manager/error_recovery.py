"""project-x-py's operation recovery types and ``OperationRecoveryManager``.

The core never re-sends an order and settles every uncertain submission by its client tag, so
there is nothing to retry here: the manager only keeps project-x-py's bookkeeping of
multi-order operations (which orders were placed, which failed) and can roll one back by
cancelling its placed orders through the compat ``OrderManager``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from projectx.compat.models import OrderPlaceResponse

__all__ = [
    "OperationRecoveryManager",
    "OperationState",
    "OperationType",
    "OrderDict",
    "OrderReference",
    "RecoveryOperation",
]


class OperationType(Enum):
    """Kinds of multi-order operations."""

    BRACKET_ORDER = "bracket_order"
    OCO_PAIR = "oco_pair"
    POSITION_CLOSE = "position_close"
    BULK_CANCEL = "bulk_cancel"
    ORDER_MODIFICATION = "order_modification"


class OperationState(Enum):
    """Where an operation is."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PARTIALLY_COMPLETED = "partially_completed"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"


class OrderDict(dict[str, Any]):
    """A dict of order references that also answers ``d[0]``, ``d[1]``... in insertion order."""

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, int):
            values = list(self.values())
            if 0 <= key < len(values):
                return values[key]
            raise IndexError(f"index {key} out of range")
        return super().__getitem__(key)


@dataclass
class OrderReference:
    """One order of an operation."""

    order_id: int | None = None
    response: OrderPlaceResponse | None = None
    contract_id: str = ""
    side: int = 0
    size: int = 0
    order_type: str = ""
    price: float | None = None
    placed_successfully: bool = False
    cancel_attempted: bool = False
    cancel_successful: bool = False
    error_message: str | None = None


@dataclass
class RecoveryOperation:
    """A multi-order operation and what happened to each of its orders."""

    operation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    operation_type: OperationType | str = OperationType.BRACKET_ORDER
    state: OperationState = OperationState.PENDING
    started_at: float = field(default_factory=time.time)
    completed_at: float | None = None
    orders: OrderDict = field(default_factory=OrderDict)
    oco_pairs: list[tuple[int, int]] = field(default_factory=list)
    position_tracking: dict[str, list[int]] = field(default_factory=dict)
    rollback_actions: list[Callable[..., Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    last_error: str | None = None
    max_retries: int = 3
    retry_count: int = 0
    retry_delay: float = 1.0
    required_orders: int = 0
    successful_orders: int = 0

    @property
    def type(self) -> str:
        """The operation type's value."""
        t = self.operation_type
        return t.value if isinstance(t, OperationType) else str(t)

    @property
    def id(self) -> str:
        """``operation_id``."""
        return self.operation_id


class _Canceller(Protocol):
    async def cancel_order(self, order_id: int, account_id: int | None = None) -> bool: ...


class OperationRecoveryManager:
    """Bookkeeping of multi-order operations (see the module docstring)."""

    def __init__(self, order_manager: _Canceller) -> None:
        self.order_manager = order_manager
        self.active_operations: dict[str, RecoveryOperation] = {}
        self.operation_history: list[RecoveryOperation] = []
        self.recovery_stats: dict[str, int] = {
            "operations_started": 0,
            "operations_completed": 0,
            "operations_failed": 0,
            "recovery_attempts": 0,
            "successful_recoveries": 0,
        }

    async def start_operation(
        self,
        operation_type: OperationType | str,
        max_retries: int = 3,
        retry_delay: float = 1.0,
    ) -> RecoveryOperation:
        """Open an operation."""
        op = RecoveryOperation(
            operation_type=operation_type,
            state=OperationState.IN_PROGRESS,
            max_retries=max_retries,
            retry_delay=retry_delay,
        )
        self.active_operations[op.operation_id] = op
        self.recovery_stats["operations_started"] += 1
        return op

    def _op(self, operation_or_id: RecoveryOperation | str) -> RecoveryOperation | None:
        if isinstance(operation_or_id, RecoveryOperation):
            return operation_or_id
        return self.active_operations.get(operation_or_id)

    async def add_order_to_operation(
        self,
        operation_or_id: RecoveryOperation | str,
        contract_id_or_order_id: str | None = None,
        side_or_order_type: int | str | None = None,
        size_or_details: int | dict[str, Any] | None = None,
        order_type: str | None = None,
        price: float | None = None,
        contract_id: str | None = None,
        side: int | None = None,
        size: int | None = None,
    ) -> OrderReference | None:
        """Add an order (``contract_id, side, size, order_type, price`` positionally, or by
        keyword) to an operation; None when the operation is unknown."""
        op = self._op(operation_or_id)
        if op is None:
            return None
        ref = OrderReference(
            contract_id=contract_id or str(contract_id_or_order_id or ""),
            side=side
            if side is not None
            else (side_or_order_type if isinstance(side_or_order_type, int) else 0),
            size=size
            if size is not None
            else (size_or_details if isinstance(size_or_details, int) else 0),
            order_type=order_type
            or (side_or_order_type if isinstance(side_or_order_type, str) else ""),
            price=price,
        )
        op.orders[f"{ref.order_type or 'order'}_{len(op.orders)}"] = ref
        op.required_orders += 1
        return ref

    async def record_order_success(
        self, operation: RecoveryOperation, order_ref: OrderReference, response: OrderPlaceResponse
    ) -> None:
        """An order of ``operation`` was placed."""
        order_ref.response = response
        order_ref.order_id = response.orderId
        order_ref.placed_successfully = True
        operation.successful_orders += 1

    async def record_order_failure(
        self,
        operation_or_id: RecoveryOperation | str,
        order_ref_or_id: OrderReference | str,
        error: str,
    ) -> None:
        """An order of the operation failed."""
        op = self._op(operation_or_id)
        if op is None:
            return
        if isinstance(order_ref_or_id, OrderReference):
            order_ref_or_id.error_message = error
        op.errors.append(error)
        op.last_error = error

    async def add_oco_pair(
        self, operation: RecoveryOperation, order1_ref: OrderReference, order2_ref: OrderReference
    ) -> None:
        """Record two placed orders of ``operation`` as an OCO pair."""
        if order1_ref.order_id is not None and order2_ref.order_id is not None:
            operation.oco_pairs.append((order1_ref.order_id, order2_ref.order_id))

    async def add_position_tracking(
        self,
        operation: RecoveryOperation,
        contract_id: str,
        order_ref: OrderReference,
        tracking_type: str,
    ) -> None:
        """Record that a placed order of ``operation`` protects ``contract_id``."""
        if order_ref.order_id is not None:
            operation.position_tracking.setdefault(contract_id, []).append(order_ref.order_id)

    async def complete_operation(self, operation: RecoveryOperation) -> bool:
        """Close ``operation``: completed when every order was placed, else failed."""
        ok = operation.successful_orders >= operation.required_orders
        operation.state = OperationState.COMPLETED if ok else OperationState.FAILED
        operation.completed_at = time.time()
        self.recovery_stats["operations_completed" if ok else "operations_failed"] += 1
        self.active_operations.pop(operation.operation_id, None)
        self.operation_history.append(operation)
        return ok

    async def force_rollback_operation(self, operation_id: str) -> bool:
        """Cancel every placed order of an active operation; True when all cancels worked."""
        op = self.active_operations.get(operation_id)
        if op is None:
            return False
        op.state = OperationState.ROLLING_BACK
        self.recovery_stats["recovery_attempts"] += 1
        ok = True
        for ref in op.orders.values():
            if ref.order_id is None or not ref.placed_successfully:
                continue
            ref.cancel_attempted = True
            try:
                ref.cancel_successful = await self.order_manager.cancel_order(ref.order_id)
            except Exception as exc:
                ref.error_message = str(exc)
                ref.cancel_successful = False
            ok = ok and ref.cancel_successful
        op.state = OperationState.ROLLED_BACK
        op.completed_at = time.time()
        if ok:
            self.recovery_stats["successful_recoveries"] += 1
        self.active_operations.pop(operation_id, None)
        self.operation_history.append(op)
        return ok

    def get_operation_status(self, operation_id: str) -> dict[str, Any] | None:
        """An operation's state and orders (active or finished); None when unknown."""
        op = self.active_operations.get(operation_id) or next(
            (o for o in self.operation_history if o.operation_id == operation_id), None
        )
        if op is None:
            return None
        return {
            "operation_id": op.operation_id,
            "operation_type": op.type,
            "state": op.state.value,
            "started_at": op.started_at,
            "completed_at": op.completed_at,
            "required_orders": op.required_orders,
            "successful_orders": op.successful_orders,
            "retry_count": op.retry_count,
            "max_retries": op.max_retries,
            "errors": list(op.errors),
            "last_error": op.last_error,
            "orders": [vars(ref).copy() for ref in op.orders.values()],
            "oco_pairs": list(op.oco_pairs),
            "position_tracking": dict(op.position_tracking),
        }

    def get_recovery_statistics(self) -> dict[str, Any]:
        """Counters, success rates and the active operations' ids."""
        s = self.recovery_stats
        started = s["operations_started"]
        attempts = s["recovery_attempts"]
        return {
            **s,
            "active_operations": len(self.active_operations),
            "history_operations": len(self.operation_history),
            "success_rate": s["operations_completed"] / started if started else 0.0,
            "recovery_success_rate": s["successful_recoveries"] / attempts if attempts else 0.0,
            "active_operation_ids": list(self.active_operations),
        }

    async def cleanup_stale_operations(self, max_age_hours: float = 24.0) -> int:
        """Forget active operations older than ``max_age_hours``; return how many."""
        cutoff = time.time() - max_age_hours * 3600.0
        stale = [k for k, op in self.active_operations.items() if op.started_at < cutoff]
        for key in stale:
            self.operation_history.append(self.active_operations.pop(key))
        return len(stale)
