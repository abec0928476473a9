"""Reconciliation with REST: at start-up, after every reconnect and after an uncertain submission.

``Order/searchOpen`` gives the working orders (unknown ones are adopted), ``Order/search`` over
the look-back window settles tracked orders that stopped working while events were missing and
finds submissions known only by their tag (lost ones too: a record in ``LOST`` is revived when
its tag turns up), and ``Trade/search`` fills in missed fills.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from projectx.client import ProjectX
from projectx.exceptions import ProjectXError
from projectx.models import Order, Trade
from projectx.orders.records import TrackedOrder
from projectx.orders.state import OrderState

__all__ = ["ReconcileReport", "Reconciler", "find_by_tag_with_retries", "search_since"]

log = logging.getLogger(__name__)


class _Target(Protocol):
    def ingest_order(self, order: Order, *, source: str, adopt: bool) -> TrackedOrder | None: ...

    def ingest_trade(self, trade: Trade) -> None: ...

    def tracked(self) -> list[TrackedOrder]: ...

    def owns_tag(self, tag: str | None) -> bool: ...


@dataclass(slots=True)
class ReconcileReport:
    """What one reconciliation saw and changed."""

    open_orders: int = 0
    searched: int = 0
    trades: int = 0
    adopted: int = 0
    settled: int = 0


class Reconciler:
    """REST side of reconciliation for one account."""

    def __init__(self, client: ProjectX, account_id: int, lookback: timedelta) -> None:
        self.client = client
        self.account_id = account_id
        self.lookback = lookback
        self._lock = asyncio.Lock()

    async def run(self, target: _Target, *, initial: bool) -> ReconcileReport:
        """Bring ``target`` in line with the Gateway (one run at a time)."""
        async with self._lock:
            return await self._run(target, initial)

    async def refresh(self, target: _Target, rec: TrackedOrder) -> None:
        """Re-read one order through REST (by id, else by tag) and apply it to ``target``."""
        try:
            if rec.order_id is not None:
                order = await self.client.get_order(rec.order_id, account_id=self.account_id)
            elif rec.custom_tag is not None and rec.submitted_ns is not None:
                found = await self.client.find_orders_by_tag(
                    rec.custom_tag, since=search_since(rec), account_id=self.account_id
                )
                order = found[0] if found else None
            else:
                return
        except ProjectXError as exc:
            log.warning("refreshing order %s failed: %s", rec.order_id, exc)
            return
        if order is not None:
            target.ingest_order(order, source="rest", adopt=False)

    async def _run(self, target: _Target, initial: bool) -> ReconcileReport:
        report = ReconcileReport()
        before = {id(r) for r in target.tracked()}
        opened = await self.client.search_open_orders(account_id=self.account_id)
        report.open_orders = len(opened)
        open_ids: set[int] = set()
        for order in opened:
            open_ids.add(order.id)
            target.ingest_order(order, source="rest", adopt=True)
        unsettled = [r for r in target.tracked() if _unsettled(r, open_ids)]
        # a lost order (uncertain submission not found by its tag) may show up by now
        lost = any(r.state is OrderState.LOST for r in target.tracked())
        since = datetime.now(UTC) - self.lookback
        if initial or unsettled or lost:
            orders = await self.client.search_orders(since, account_id=self.account_id)
            report.searched = len(orders)
            for order in orders:
                adopt = initial and target.owns_tag(order.custom_tag)
                rec = target.ingest_order(order, source="rest", adopt=adopt)
                if rec is not None and rec.is_terminal and rec in unsettled:
                    report.settled += 1
        trades = await self.client.search_trades(since, account_id=self.account_id)
        report.trades = len(trades)
        for trade in sorted(trades, key=lambda t: t.id):
            target.ingest_trade(trade)
        report.adopted = sum(1 for r in target.tracked() if id(r) not in before)
        log.info(
            "reconciled account %d: %d open, %d adopted, %d settled",
            self.account_id,
            report.open_orders,
            report.adopted,
            report.settled,
        )
        return report


def search_since(rec: TrackedOrder) -> datetime:
    """Where an ``Order/search`` for ``rec`` by tag starts (5 minutes before it was created)."""
    return datetime.fromtimestamp(rec.created_ns / 1e9, UTC) - timedelta(minutes=5)


def _unsettled(rec: TrackedOrder, open_ids: set[int]) -> bool:
    """A tracked order whose fate REST must tell: working here but not open there."""
    if not rec.is_working or (rec.emulated and not rec.triggered):
        return False
    if rec.order_id is None:
        return rec.submitted_ns is not None
    return rec.order_id not in open_ids


async def find_by_tag_with_retries(
    client: ProjectX,
    account_id: int,
    tag: str,
    *,
    since: datetime,
    checks: int,
    interval_s: float,
    found_elsewhere: TrackedOrder,
) -> Order | None:
    """Look the tag up with ``Order/search`` up to ``checks`` times, ``interval_s`` apart.

    Stops early when ``found_elsewhere`` got its order id meanwhile (a hub event carried the
    tag); then returns None and the caller reads the record.
    """
    for attempt in range(checks):
        if found_elsewhere.order_id is not None:
            return None
        try:
            found = await client.find_orders_by_tag(tag, since=since, account_id=account_id)
        except ProjectXError as exc:
            log.warning("looking up tag %s failed (%s); check %d", tag, exc, attempt + 1)
            found = []
        if found:
            return found[0]
        if attempt + 1 < checks:
            await asyncio.sleep(interval_s)
    return None
