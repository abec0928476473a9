"""``Submitter``: sends an order once and binds its Gateway id.

The record is registered under its tag *before* it is sent, so hub events that arrive ahead of
the REST answer find it. An uncertain outcome is settled by looking the tag up
(``uncertain_checks`` times, ``uncertain_interval_s`` apart): found -> tracked; not found ->
the record ends ``LOST`` and the error is re-raised. Nothing is ever re-sent. A cancel asked
for while the order was being placed goes out once its id is known.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from projectx.client import ProjectX
from projectx.enums import OrderType
from projectx.exceptions import (
    OrderRejectedError,
    OrderSubmissionUncertainError,
    ProjectXError,
    ValidationError,
)
from projectx.models import Contract, Order
from projectx.orders.errors import UnsupportedOrderTypeError
from projectx.orders.lifecycle import OrderLifecycle, now_ns
from projectx.orders.reconcile import find_by_tag_with_retries, search_since
from projectx.orders.records import OrderRequest, TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.requests import RequestBuilder
from projectx.orders.state import OrderState
from projectx.orders.stats import OrderStats
from projectx.plausibility import AnomalyLog
from projectx.validation import Bracket

__all__ = ["SubmitSettings", "Submitter"]

log = logging.getLogger(__name__)

_LIMIT_TYPES = (OrderType.LIMIT, OrderType.STOP_LIMIT)
_NOT_WORKING = 3  # Cancel/ModifyOrderErrorCode "Rejected" (e.g. "Order is not working")


class SubmitSettings(Protocol):
    """What a submitter reads from its manager at each call."""

    uncertain_checks: int
    uncertain_interval_s: float

    def ingest_order(self, order: Order, *, source: str, adopt: bool) -> TrackedOrder | None:
        """Apply an order snapshot found on the Gateway."""
        ...

    def report_error(self, message: str, data: dict[str, Any]) -> None:
        """Emit an ``ERROR`` event from the order layer."""
        ...

    async def refresh(self, rec: TrackedOrder) -> None:
        """Re-read one order through REST and apply it."""
        ...


class Submitter:
    """Sends records through the REST client for one account (see the module docstring).

    ``on_bound(rec)`` runs when a record gets its Gateway id (native-bracket children are
    claimed there); ``cancel_later(rec)`` sends a deferred cancel in a task.
    """

    def __init__(
        self,
        client: ProjectX,
        account_id: int,
        settings: SubmitSettings,
        *,
        lifecycle: OrderLifecycle,
        requests: RequestBuilder,
        anomalies: AnomalyLog,
        on_bound: Callable[[TrackedOrder], None],
        cancel_later: Callable[[TrackedOrder], None],
    ) -> None:
        self.client = client
        self.account_id = account_id
        self.settings = settings
        self.lifecycle = lifecycle
        self.registry: OrderRegistry = lifecycle.registry
        self.stats: OrderStats = lifecycle.stats
        self.requests = requests
        self.anomalies = anomalies
        self.on_bound = on_bound
        self.cancel_later = cancel_later

    def record(self, req: OrderRequest, *, emulated: bool = False) -> TrackedOrder:
        """A new record for ``req``, registered under its tag (nothing sent yet)."""
        rec = TrackedOrder.from_request(req, created_ns=now_ns(), emulated=emulated)
        self.registry.add(rec)
        return rec

    def bind(self, rec: TrackedOrder, order_id: int) -> None:
        """``rec`` got its Gateway id: index it, apply early fills, send a deferred cancel."""
        if rec.order_id == order_id:
            return
        self.registry.bind(rec, order_id)
        self.on_bound(rec)
        self.lifecycle.apply_orphans(rec)
        if rec.cancel_requested and not rec.is_terminal:
            # cancelled while its placement was in flight (e.g. the other OCO leg filled)
            log.info("order %s: sending the cancel requested while it was placed", order_id)
            self.cancel_later(rec)

    def lose(self, rec: TrackedOrder, why: str) -> None:
        """An uncertain submission not found by its tag: end it as LOST, report it."""
        if rec.is_terminal:
            return
        self.lifecycle.advance(rec, OrderState.LOST, rec.fill_volume, "local")
        self.stats.lost += 1
        rec.error = why
        self.anomalies.report(
            "Order/place",
            "order_lost",
            f"order with tag {rec.custom_tag} not found after {self.settings.uncertain_checks} "
            f"checks ({why})",
            order=rec,
            custom_tag=rec.custom_tag,
            contract_id=rec.contract_id,
        )

    async def send(self, req: OrderRequest, *, gate: bool = True) -> TrackedOrder:
        """Gate (unless ``gate`` is False), record and submit ``req``."""
        if gate:
            await self.requests.gate(req)
        rec = self.record(req)
        return await self.submit(rec, req.contract)

    async def submit(
        self,
        rec: TrackedOrder,
        contract: Contract,
        *,
        order_type: OrderType | None = None,
        stop_loss: Bracket | None = None,
        take_profit: Bracket | None = None,
    ) -> TrackedOrder:
        """Send ``rec`` once; on an uncertain outcome reconcile it by tag (never re-send)."""
        otype = order_type or rec.order_type
        assert rec.custom_tag is not None
        rec.submitted_ns = now_ns()
        self.lifecycle.advance(rec, OrderState.SUBMITTED, rec.fill_volume, "local")
        try:
            order_id = await self.client.place_order(
                contract,
                rec.side,
                rec.size,
                otype,
                limit_price=rec.limit_price if otype in _LIMIT_TYPES else None,
                stop_price=rec.stop_price
                if otype in (OrderType.STOP, OrderType.STOP_LIMIT)
                else None,
                trail_price=rec.trail_price if otype is OrderType.TRAILING_STOP else None,
                custom_tag=rec.custom_tag,
                stop_loss=stop_loss,
                take_profit=take_profit,
                account_id=self.account_id,
            )
        except OrderRejectedError as exc:
            rec.error = str(exc)
            if exc.order_id is not None:
                self.bind(rec, exc.order_id)
            self.lifecycle.advance(rec, OrderState.REJECTED, rec.fill_volume, "rest")
            raise
        except OrderSubmissionUncertainError as exc:
            order_id = await self._recover(rec, exc)
        except asyncio.CancelledError:
            if rec.order_id is None:
                rec.uncertain = True  # it may have reached the Gateway: reconcile finds it by tag
            raise
        except BaseException:
            if rec.order_id is None and rec.state is OrderState.SUBMITTED:
                # nothing reached the Gateway (connection refused, bad input): forget it
                self.registry.drop_tag(rec.custom_tag)
                rec.discard_unsent()
            raise
        self.bind(rec, order_id)
        answered = now_ns()
        self.stats.record_placed(
            otype.name.lower(),
            rec.size,
            rec.limit_price if otype in _LIMIT_TYPES else None,
            (answered - (rec.submitted_ns or answered)) / 1e9,
            answered,
        )
        self.lifecycle.ensure_placed(rec)
        return rec

    async def submit_stop_limit(self, rec: TrackedOrder, contract: Contract) -> TrackedOrder:
        """Submit a Gateway stop-limit (type 3); a capability refusal raises
        :class:`UnsupportedOrderTypeError`."""
        try:
            return await self.submit(rec, contract)
        except OrderRejectedError as exc:
            if exc.error_code == 2 and "unsupported" in str(exc).lower():
                raise UnsupportedOrderTypeError(
                    f"the Gateway refused a stop-limit order on account {self.account_id} "
                    f"({exc}); use emulate=True for a client-side trigger",
                    order_id=exc.order_id,
                    endpoint=exc.endpoint,
                    status=exc.status,
                    error_code=exc.error_code,
                ) from exc
            raise

    async def send_triggered(self, rec: TrackedOrder) -> None:
        """Send the limit of a triggered emulated stop-limit (failures become ``ERROR``)."""
        contract = await self.requests.contract(rec.contract_id)
        try:
            await self.submit(rec, contract, order_type=OrderType.LIMIT)
        except ProjectXError as exc:
            self.settings.report_error(
                "emulated stop-limit: sending the limit failed", {"order": rec, "error": exc}
            )

    async def modify(
        self,
        rec: TrackedOrder,
        size: int | None,
        limit_price: float | None,
        stop_price: float | None,
        trail_price: float | None,
    ) -> None:
        """Send a modify of the working order ``rec`` (validated values) and take them."""
        if rec.emulated and not rec.triggered:
            rec.apply_modify(size, limit_price, stop_price)
            return
        if rec.order_id is None:
            raise ValidationError("the order has no Gateway id yet")
        rec.modify_pending += 1
        try:
            await self.client.modify_order(
                rec.order_id,
                size=size,
                limit_price=limit_price,
                stop_price=stop_price,
                trail_price=trail_price,
                account_id=self.account_id,
            )
        finally:
            rec.modify_pending -= 1
        rec.apply_modify(size, limit_price, stop_price, trail_price)

    async def cancel(self, rec: TrackedOrder) -> bool:
        """Cancel ``rec``; False when it was no longer working (already filled...)."""
        if rec.is_terminal:
            return False
        rec.cancel_requested = True
        if rec.emulated and not rec.triggered:
            self.lifecycle.advance(rec, OrderState.CANCELLED, rec.fill_volume, "local")
            return True
        if rec.order_id is None:
            # still being placed: the cancel is sent as soon as the Gateway id is known
            return True
        try:
            await self.client.cancel_order(rec.order_id, account_id=self.account_id)
        except OrderRejectedError as exc:
            if exc.error_code == _NOT_WORKING:
                await self.settings.refresh(rec)
                return False
            raise
        return True

    async def _recover(self, rec: TrackedOrder, exc: OrderSubmissionUncertainError) -> int:
        """Look for ``rec`` by tag after an uncertain send; its id, or re-raise ``exc``."""
        assert rec.custom_tag is not None
        self.stats.uncertain += 1
        rec.uncertain = True
        checks = self.settings.uncertain_checks
        found = await find_by_tag_with_retries(
            self.client,
            self.account_id,
            exc.custom_tag or rec.custom_tag,
            since=search_since(rec),
            checks=checks,
            interval_s=self.settings.uncertain_interval_s,
            found_elsewhere=rec,
        )
        if found is not None:
            self.settings.ingest_order(found, source="rest", adopt=False)
        if rec.order_id is None:
            log.error("order with tag %s not found after %d checks", rec.custom_tag, checks)
            self.lose(rec, str(exc))
            raise exc
        rec.uncertain = False
        self.stats.recovered_by_tag += 1
        log.warning("uncertain order %s found by tag %s; not re-sent", rec.order_id, rec.custom_tag)
        return rec.order_id
