"""``OrderRegistry``: the orders of one manager indexed by Gateway id and client tag.

Also keeps the bounded queue of finished orders (the oldest are forgotten once more than
``max_finished`` are kept) and the fills that arrived before their order (orphan trades).
"""

from __future__ import annotations

import contextlib
from collections import deque

from projectx.exceptions import ValidationError
from projectx.models import Trade
from projectx.orders.brackets import BracketOrder, OcoPair
from projectx.orders.records import TrackedOrder

__all__ = ["MAX_ORPHAN_ORDERS", "OrderRegistry"]

MAX_ORPHAN_ORDERS = 10_000
"""At most this many order ids with early fills are kept (the oldest are dropped)."""


class OrderRegistry:
    """Index of tracked orders by id and tag, finished queue and orphan trades."""

    def __init__(self, max_finished: int) -> None:
        #: records by client tag (registered before the order is sent)
        self.by_tag: dict[str, TrackedOrder] = {}
        #: records by Gateway order id (once known)
        self.by_id: dict[int, TrackedOrder] = {}
        #: fills whose order is not tracked yet, by order id
        self.orphan_trades: dict[int, list[Trade]] = {}
        #: finished records, oldest first
        self.finished: deque[TrackedOrder] = deque()
        #: how many finished records are kept
        self.max_finished = max_finished

    # -- queries ---------------------------------------------------------------------------
    def tracked(self) -> list[TrackedOrder]:
        """Every record, once each (by tag first, then those known only by id)."""
        seen: dict[int, TrackedOrder] = {id(r): r for r in self.by_tag.values()}
        for r in self.by_id.values():
            seen.setdefault(id(r), r)
        return list(seen.values())

    def get(self, order_id: int) -> TrackedOrder | None:
        """The record with this Gateway id."""
        return self.by_id.get(order_id)

    def find_by_tag(self, tag: str) -> TrackedOrder | None:
        """The record sent (or adopted) with this client tag."""
        return self.by_tag.get(tag)

    def resolve(self, order: TrackedOrder | int) -> TrackedOrder:
        """``order`` itself, or the record with that Gateway id (else ValidationError)."""
        if isinstance(order, TrackedOrder):
            return order
        rec = self.by_id.get(order) if isinstance(order, int) else None
        if rec is None:
            raise ValidationError(f"order {order!r} is not tracked by this manager")
        return rec

    def has_tag(self, tag: str | None) -> bool:
        """Whether a tracked record uses ``tag``."""
        return tag in self.by_tag

    # -- indexing --------------------------------------------------------------------------
    def add(self, rec: TrackedOrder) -> None:
        """Register a record we are about to send, under its tag (which it must have)."""
        assert rec.custom_tag is not None
        self.by_tag[rec.custom_tag] = rec

    def adopt(self, rec: TrackedOrder) -> None:
        """Register a record seen on the account (it has an id; a tag keeps its first owner)."""
        assert rec.order_id is not None
        self.by_id[rec.order_id] = rec
        if rec.custom_tag is not None:
            self.by_tag.setdefault(rec.custom_tag, rec)
        if rec.is_terminal:
            self.finished.append(rec)

    def bind(self, rec: TrackedOrder, order_id: int) -> None:
        """``rec`` got its Gateway id."""
        rec.order_id = order_id
        self.by_id[order_id] = rec

    def drop_tag(self, tag: str) -> None:
        """Forget a tag whose order never reached the Gateway."""
        self.by_tag.pop(tag, None)

    # -- orphan trades ---------------------------------------------------------------------
    def stash_orphan(self, trade: Trade) -> None:
        """Keep a fill whose order is not tracked (yet); bounded."""
        assert trade.order_id is not None
        pending = self.orphan_trades.setdefault(trade.order_id, [])
        if len(self.orphan_trades) > MAX_ORPHAN_ORDERS:
            self.orphan_trades.pop(next(iter(self.orphan_trades)))
        pending.append(trade)

    def take_orphans(self, order_id: int) -> list[Trade]:
        """The fills that arrived for ``order_id`` before it was tracked (removed here)."""
        return self.orphan_trades.pop(order_id, [])

    # -- finished queue --------------------------------------------------------------------
    def finish(self, rec: TrackedOrder) -> None:
        """``rec`` reached a terminal state; forget the oldest when over ``max_finished``."""
        self.finished.append(rec)
        if len(self.finished) > self.max_finished:
            self.forget(self.finished.popleft())

    def unfinish(self, rec: TrackedOrder) -> None:
        """``rec`` is live again (a lost order found after all)."""
        with contextlib.suppress(ValueError):
            self.finished.remove(rec)

    def forget(self, rec: TrackedOrder) -> None:
        """Drop an old finished order (bounded memory); orders of live groups are kept."""
        group = rec.group
        if isinstance(group, BracketOrder):
            members = [group.entry, *group.legs]
        elif isinstance(group, OcoPair):
            members = [group.first, group.second]
        else:
            members = [rec]
        if any(m.is_working for m in members):
            self.finished.append(rec)
            return
        if rec.order_id is not None and self.by_id.get(rec.order_id) is rec:
            del self.by_id[rec.order_id]
        if rec.custom_tag is not None and self.by_tag.get(rec.custom_tag) is rec:
            del self.by_tag[rec.custom_tag]
