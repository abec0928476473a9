"""project-x-py's ``OrderManager`` over the core :class:`projectx.orders.OrderManager`.

Every order goes through the core manager (client tag, sent once, validated before sending,
tracked by hub events with REST as the fallback); this class keeps project-x-py's names,
arguments (``side`` 0/1, ``order_type`` ints, ``account_id``) and answers
(:class:`~projectx.compat.models.OrderPlaceResponse`, camelCase
:class:`~projectx.compat.models.Order`, dicts with its keys). Prices are aligned to the tick as
project-x-py aligns them. Core errors are raised as project-x-py's classes
(:class:`~projectx.compat.exceptions.ProjectXOrderError` for refused orders).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from projectx.compat.exceptions import ProjectXError, ProjectXOrderError
from projectx.compat.models import Order, OrderPlaceResponse
from projectx.compat.order_manager._base import place_response
from projectx.compat.order_manager.bracket_orders import BracketOrderMixin
from projectx.compat.order_manager.error_recovery import OperationRecoveryManager
from projectx.compat.order_manager.order_types import OrderTypesMixin
from projectx.compat.order_manager.position_orders import PositionOrderMixin
from projectx.compat.order_manager.tracking import OrderTrackingMixin
from projectx.enums import OrderStatus
from projectx.events import EventBus as CoreBus
from projectx.orders import OrderManager as CoreOrderManager
from projectx.orders.state import OrderState

if TYPE_CHECKING:
    from projectx.compat.client import ProjectX
    from projectx.compat.event_bus import EventBus

__all__ = ["UTC", "OrderManager"]


def _ms(seconds: float | None) -> float:
    return float(seconds) * 1000.0 if seconds is not None else 0.0


class OrderManager(OrderTrackingMixin, OrderTypesMixin, BracketOrderMixin, PositionOrderMixin):
    """project-x-py's order manager (``suite.orders``).

    Built by a compat ``TradingSuite`` over its core suite's manager (:meth:`_adopt`), or as
    in project-x-py: ``OrderManager(client, event_bus)`` then ``await initialize()``, which
    builds a core manager on the client's core client and the bus's core bus.
    """

    def __init__(
        self, project_x_client: ProjectX, event_bus: EventBus, config: dict[str, Any] | None = None
    ) -> None:
        self.project_x = project_x_client
        self.event_bus = event_bus
        self.config: dict[str, Any] = dict(config or {})
        self._setup()

    def _setup(self) -> None:
        self._init_tracker("order_manager")
        self._callbacks = {}
        self._handlers = {}
        self._position_orders = {}
        self._oco = {}
        self._recovery = OperationRecoveryManager(self)
        self._owns_core = False
        self._started = False

    @classmethod
    def _adopt(cls, core: CoreOrderManager, *, client: ProjectX, events: EventBus) -> Self:
        """A compat manager over an existing core manager (its owner keeps its lifecycle)."""
        if not isinstance(core, CoreOrderManager):
            raise ProjectXError("_adopt needs a projectx.orders.OrderManager")
        self = cls.__new__(cls)
        self.project_x = client
        self.event_bus = events
        self.config = {}
        self._setup()
        self._core = core
        self._started = True
        return self

    @property
    def core(self) -> CoreOrderManager:
        """The core :class:`projectx.orders.OrderManager` this one adapts."""
        core: CoreOrderManager | None = getattr(self, "_core", None)
        if core is None:
            raise ProjectXOrderError("the order manager is not initialized: await initialize()")
        return core

    async def initialize(self, realtime_client: Any = None) -> bool:
        """Build (when not adopted) and start the core manager: adopt the account's working
        orders. ``realtime_client`` is accepted for project-x-py's signature (the core
        manager is fed by whoever owns the user hub: the suite)."""
        if getattr(self, "_core", None) is None:
            client = self.project_x.core
            account = client.account
            if account is None:
                raise ProjectXOrderError("no account selected: authenticate the client first")
            bus = self.event_bus.core
            self._core = CoreOrderManager(
                client, bus if bus is not None else CoreBus(), account_id=account.id
            )
            self._owns_core = True
        if not self._started:
            with self._guard("initialize", ProjectXOrderError):
                await self._core.start()
            self._started = True
        return True

    async def cleanup(self) -> None:
        """Close the core manager when this one built it; drop callbacks."""
        await self.shutdown_background_tasks()
        if self._owns_core:
            await self._core.close()
        self._callbacks.clear()

    # -- placing ------------------------------------------------------------------------------
    async def place_order(
        self,
        contract_id: str,
        order_type: int,
        side: int,
        size: int,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        linked_order_id: int | None = None,
        account_id: int | None = None,
        stop_loss_bracket: dict[str, Any] | None = None,
        take_profit_bracket: dict[str, Any] | None = None,
    ) -> OrderPlaceResponse:
        """Place any order type (1 limit, 2 market, 3 stop-limit, 4 stop, 5 trailing stop with
        ``trail_price`` a distance, 6 join bid, 7 join ask). ``stop_loss_bracket`` /
        ``take_profit_bracket`` (``{"ticks": n}``) make it a bracket entry in the core."""
        if stop_loss_bracket or take_profit_bracket:
            return await self._tick_bracket(
                contract_id,
                order_type,
                side,
                size,
                limit_price,
                stop_loss_bracket,
                take_profit_bracket,
                custom_tag,
                account_id,
            )
        rec = await self._place(
            contract_id,
            order_type,
            side,
            size,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            custom_tag=custom_tag,
            account_id=account_id,
        )
        self._link(rec.order_id, linked_order_id)
        return place_response(rec)

    async def _tick_bracket(
        self,
        contract_id: str,
        order_type: int,
        side: int,
        size: int,
        limit_price: float | None,
        stop_loss: dict[str, Any] | None,
        take_profit: dict[str, Any] | None,
        custom_tag: str | None,
        account_id: int | None,
    ) -> OrderPlaceResponse:
        if order_type not in (1, 2):
            raise ProjectXOrderError("a bracket entry must be a limit (1) or market (2) order")
        self._check_account(account_id)
        contract = await self._contract(contract_id)
        with self._guard("place_order", ProjectXOrderError):
            bracket = await self._core.place_bracket_order(
                contract,
                side,
                size,
                limit_price if order_type == 1 else None,
                stop_loss_ticks=int(stop_loss["ticks"]) if stop_loss else None,
                take_profit_ticks=int(take_profit["ticks"]) if take_profit else None,
                custom_tag=custom_tag,
                snap=True,
            )
        return place_response(bracket.entry)

    # -- queries ------------------------------------------------------------------------------
    async def search_open_orders(
        self, contract_id: str | None = None, side: int | None = None, account_id: int | None = None
    ) -> list[Order]:
        """Working orders (``Order/searchOpen``), of ``contract_id`` and ``side`` when given."""
        cid = (await self._contract(contract_id)).id if contract_id else None
        with self._guard("search_open_orders", ProjectXOrderError):
            orders = await self.core.client.search_open_orders(
                account_id=account_id or self.account_id
            )
        return [
            Order.from_core(o)
            for o in orders
            if (cid is None or o.contract_id == cid) and (side is None or o.side == side)
        ]

    async def search_orders(
        self,
        start_timestamp: datetime | None = None,
        end_timestamp: datetime | None = None,
        contract_id: str | None = None,
        account_id: int | None = None,
    ) -> list[Order]:
        """Orders of every status created between ``start_timestamp`` (default 30 days before
        the end) and ``end_timestamp`` (default now); naive datetimes are UTC."""
        end = end_timestamp or datetime.now(UTC)
        end = end if end.tzinfo is not None else end.replace(tzinfo=UTC)
        start = start_timestamp or end - timedelta(days=30)
        start = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
        cid = (await self._contract(contract_id)).id if contract_id else None
        with self._guard("search_orders", ProjectXOrderError):
            orders = await self.core.client.search_orders(
                start, end, account_id=account_id or self.account_id
            )
        return [Order.from_core(o) for o in orders if cid is None or o.contract_id == cid]

    async def query_orders(
        self,
        statuses: list[int] | None = None,
        contract_id: str | None = None,
        page_size: int = 50,
        page_offset: int = 0,
        include_total_count: bool = False,
        account_id: int | None = None,
    ) -> list[Order]:
        """``Order/v2/query`` (every page), then the ``page_size`` orders from
        ``page_offset``; ``include_total_count`` changes nothing here."""
        with self._guard("query_orders", ProjectXOrderError):
            orders = await self.core.client.query_orders(
                statuses=statuses,
                contract=contract_id,
                account_id=account_id or self.account_id,
            )
        return [Order.from_core(o) for o in orders[page_offset : page_offset + page_size]]

    async def get_order_by_id(self, order_id: int) -> Order | None:
        """The order as tracked by the core, else as the Gateway reports it; None if unknown."""
        rec = self._tracked(order_id)
        if rec is not None:
            return self._order(rec)
        with self._guard("get_order_by_id", ProjectXOrderError):
            order = await self.core.client.get_order(int(order_id), account_id=self.account_id)
        return Order.from_core(order) if order is not None else None

    async def is_order_filled(self, order_id: str | int) -> bool:
        """Whether the order is completely filled (tracked state, else the Gateway's status)."""
        rec = self._tracked(order_id)
        if rec is not None:
            return rec.state is OrderState.FILLED
        order = await self.get_order_by_id(int(order_id))
        return order is not None and order.status == int(OrderStatus.FILLED)

    # -- modify / cancel ----------------------------------------------------------------------
    async def modify_order(
        self,
        order_id: int,
        limit_price: float | None = None,
        stop_price: float | None = None,
        size: int | None = None,
        trail_price: float | None = None,
    ) -> bool:
        """Change a working order (only the given fields; prices aligned to the tick)."""
        if limit_price is None and stop_price is None and size is None and trail_price is None:
            return True
        rec = self._tracked(order_id)
        if rec is None:
            raise ProjectXOrderError(f"Order not found: {order_id}")
        with self._guard("modify_order", ProjectXOrderError):
            await self.core.modify_order(
                rec,
                size=size,
                limit_price=limit_price,
                stop_price=stop_price,
                trail_price=trail_price,
                snap=True,
            )
        return True

    async def cancel_order(self, order_id: int, account_id: int | None = None) -> bool:
        """Cancel a working order; False when it was no longer working (filled...)."""
        self._check_account(account_id)
        rec = self._tracked(order_id)
        if rec is None:
            raise ProjectXOrderError(f"Order not found: {order_id}")
        with self._guard("cancel_order", ProjectXOrderError):
            return await self.core.cancel_order(rec)

    async def cancel_all_orders(
        self, contract_id: str | None = None, account_id: int | None = None
    ) -> dict[str, Any]:
        """Cancel every working order (of ``contract_id``): ``{"total", "cancelled",
        "failed", "errors": [{"order_id", "error"}]}``."""
        self._check_account(account_id)
        cid = (await self._contract(contract_id)).id if contract_id else None
        targets = self.core.open_orders(cid)
        results = await asyncio.gather(
            *(self.core.cancel_order(r) for r in targets), return_exceptions=True
        )
        out: dict[str, Any] = {"total": len(targets), "cancelled": 0, "failed": 0, "errors": []}
        for rec, res in zip(targets, results, strict=True):
            # False: no longer working; cancelled all the same when its OCO partner's cancel
            # took it down first (a bracket's legs)
            gone = rec.state is OrderState.CANCELLED or rec.group_cancel or rec.cancel_requested
            if res is True or (res is False and gone):
                out["cancelled"] += 1
                continue
            out["failed"] += 1
            if isinstance(res, BaseException):
                out["errors"].append({"order_id": rec.order_id, "error": str(res)})
        return out

    # -- statistics ---------------------------------------------------------------------------
    def get_order_statistics(self) -> dict[str, Any]:
        """project-x-py's order statistics, from the core manager's counters."""
        s = self.core.stats()
        by_type: dict[str, int] = s["placed_by_type"]
        last = s["last_order_ns"]
        return {
            "orders_placed": s["placed"],
            "orders_filled": s["filled"],
            "orders_cancelled": s["cancelled"],
            "orders_rejected": s["rejected"],
            "orders_modified": s["modified"],
            "fill_rate": s["fill_rate"],
            "avg_fill_time_ms": _ms(s["avg_fill_time_s"]),
            "rejection_rate": s["rejection_rate"],
            "market_orders": by_type.get("market", 0),
            "limit_orders": by_type.get("limit", 0),
            "stop_orders": by_type.get("stop", 0) + by_type.get("stop_limit", 0),
            "bracket_orders": s["brackets"],
            "last_order_time": (
                datetime.fromtimestamp(last / 1e9, UTC).isoformat() if last is not None else None
            ),
            "avg_order_response_time_ms": _ms(s["avg_response_time_s"]),
            "fastest_fill_ms": _ms(s["fastest_fill_s"]),
            "slowest_fill_ms": _ms(s["slowest_fill_s"]),
            "total_volume": s["total_volume"],
            "total_value": float(s["total_value"]),
            "avg_order_size": s["average_size"],
            "largest_order": s["largest_order"],
            "risk_violations": 0,
            "order_validation_failures": s["refused"],
        }

    def _own_stats(self) -> dict[str, Any]:
        return self.get_order_statistics()

    async def get_order_statistics_async(self) -> dict[str, Any]:
        """:meth:`get_order_statistics` plus health, errors and the component statistics."""
        return {
            **self.get_order_statistics(),
            "health_score": await self.get_health_score(),
            "error_count": await self.get_error_count(),
            "recent_errors": await self.get_recent_errors(),
            "component_stats": await self.get_stats(),
        }

    async def get_health_status(self) -> dict[str, Any]:
        """``{"status": "healthy" | "degraded", "metrics", "circuit_breaker_state",
        "issues"}`` from the core's counters and this component's health."""
        s = self.get_order_statistics()
        report = self._health.get_health_score()
        issues = list(report.reasons)
        return {
            "status": "healthy" if report.score >= 70 else "degraded",
            "metrics": {
                "fill_rate": s["fill_rate"],
                "rejection_rate": s["rejection_rate"],
                "total_orders": s["orders_placed"],
                "orders_filled": s["orders_filled"],
                "orders_rejected": s["orders_rejected"],
            },
            "circuit_breaker_state": self.get_circuit_breaker_status()["state"],
            "issues": issues,
        }

    def get_circuit_breaker_status(self) -> dict[str, Any]:
        """The REST client's circuit breaker (the core's), in project-x-py's keys."""
        breaker = self.core.client.circuit
        state = breaker.state.value
        return {
            "state": state,
            "failure_count": breaker.consecutive_failures,
            "last_failure_time": None,
            "threshold": breaker.failure_threshold,
            "reset_time_seconds": breaker.recovery_timeout,
            "time_until_reset": 0.0,
            "is_healthy": state != "open",
            "retry_config": {},
        }

    # -- project-x-py's recovery manager (the core never re-sends: nothing to roll back) -------
    def get_recovery_statistics(self) -> dict[str, Any]:
        """Counters of project-x-py's operation recovery (see :mod:`.error_recovery`)."""
        return self._recovery.get_recovery_statistics()

    async def get_operation_status(self, operation_id: str) -> dict[str, Any] | None:
        """Status of a recovery operation (None when unknown)."""
        return self._recovery.get_operation_status(operation_id)

    async def force_rollback_operation(self, operation_id: str) -> bool:
        """Cancel the orders of a recovery operation."""
        return await self._recovery.force_rollback_operation(operation_id)

    async def cleanup_stale_operations(self, max_age_hours: float = 24.0) -> int:
        """Forget recovery operations older than ``max_age_hours``."""
        return await self._recovery.cleanup_stale_operations(max_age_hours)
