"""``OrderIntake``: what the manager hears about its account's orders (hub or REST).

User-hub events are filtered to the account and decoded (hand-built ones go through the same
plausibility check); order snapshots are matched by id, then by tag (reviving a lost order),
else adopted; fills are applied or kept until their order is known; a flat position cancels
the protective legs left over from finished client-side entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from projectx.models import Order, Position, Trade
from projectx.orders.bracket_placer import NativeChildren
from projectx.orders.brackets import BracketOrder
from projectx.orders.lifecycle import OrderLifecycle, now_ns
from projectx.orders.records import TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.state import OrderState
from projectx.orders.stats import OrderStats
from projectx.orders.submit import Submitter
from projectx.plausibility import AnomalyError, AnomalyLog, decode_user_entity
from projectx.realtime.client import UserEvent

__all__ = ["OrderIntake"]

log = logging.getLogger(__name__)


class OrderIntake:
    """Applies hub events, order snapshots and fills of one account.

    ``owns_tag(tag)`` tells our tags from others; ``cancel_soon(rec)`` cancels in a task.
    """

    def __init__(
        self,
        submitter: Submitter,
        *,
        children: NativeChildren,
        owns_tag: Callable[[str | None], bool],
        cancel_soon: Callable[[TrackedOrder], None],
    ) -> None:
        self.submitter = submitter
        self.account_id = submitter.account_id
        self.lifecycle: OrderLifecycle = submitter.lifecycle
        self.registry: OrderRegistry = submitter.registry
        self.stats: OrderStats = submitter.stats
        self.anomalies: AnomalyLog = submitter.anomalies
        self.children = children
        self.owns_tag = owns_tag
        self.cancel_soon = cancel_soon

    def on_user_event(self, ev: UserEvent) -> None:
        """Apply one user-hub event (see :meth:`projectx.orders.OrderManager.on_user_event`)."""
        if ev.refused is not None or ev.target == "GatewayUserAccount":
            return
        entity = ev.entity
        if entity is None:
            try:
                entity = decode_user_entity(ev.target, ev.data)
            except AnomalyError as exc:
                self.stats.malformed_events += 1
                self.anomalies.refuse(ev.target, exc)
                return
        if isinstance(entity, Order):
            if entity.account_id == self.account_id:
                self.ingest_order(entity, source="hub", adopt=True)
        elif isinstance(entity, Trade):
            if entity.account_id == self.account_id:
                self.ingest_trade(entity)
        elif (
            isinstance(entity, Position)
            and entity.size == 0
            and entity.account_id == self.account_id
        ):
            assert entity.contract_id is not None
            self.on_flat(entity.contract_id)

    def on_flat(self, contract_id: str) -> None:
        """The position went flat: protective legs of finished client-side entries are orphans."""
        working = [r for r in self.registry.tracked() if r.is_working]
        for rec in [r for r in working if r.contract_id == contract_id]:
            group = rec.group
            if (
                isinstance(group, BracketOrder)
                and not group.native
                and rec is not group.entry
                and group.entry.is_terminal
                and not rec.group_cancel
            ):
                log.info(
                    "position %s flat: cancelling protective order %s", contract_id, rec.order_id
                )
                self.cancel_soon(rec)

    def ingest_order(self, order: Order, *, source: str, adopt: bool) -> TrackedOrder | None:
        """Apply an order snapshot (hub or REST); unknown orders are adopted when ``adopt``."""
        rec = self.registry.get(order.id)
        if rec is None and order.custom_tag is not None:
            by_tag = self.registry.find_by_tag(order.custom_tag)
            if by_tag is not None and by_tag.order_id is None:
                rec = by_tag
                if rec.state is OrderState.LOST:
                    rec.revive()
                    self.stats.found_after_lost += 1
                    self.registry.unfinish(rec)
                    log.warning("lost order with tag %s found after all", rec.custom_tag)
                self.submitter.bind(rec, order.id)
        if rec is None:
            return self._adopt(order) if adopt else None
        self.lifecycle.apply_snapshot(rec, order, source)
        return rec

    def ingest_trade(self, trade: Trade) -> None:
        """Apply one fill (duplicates, voided fills and re-emissions are ignored)."""
        if trade.order_id is None:
            return
        rec = self.registry.get(trade.order_id)
        if rec is None:
            self.registry.stash_orphan(trade)
            return
        self.lifecycle.apply_trade(rec, trade)

    def _adopt(self, order: Order) -> TrackedOrder:
        rec = TrackedOrder.from_order(order, ours=self.owns_tag(order.custom_tag), now_ns=now_ns())
        self.registry.adopt(rec)
        if not self.children.claim_as_child(rec, order):
            self.stats.adopted += 1
        self.lifecycle.apply_orphans(rec)
        return rec
