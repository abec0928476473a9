"""Hub state changes become connection events, bar-gap marks and coalesced reconciliations.

CONNECTED/DISCONNECTED/RECONNECTING/RECONNECTED/FEED_STALE come from the hubs' states. After a
market reconnect the bars of the gap are marked for repair (and trades flow again only at
RESUBSCRIBED); after a user-hub reconnect the trading managers reconcile with REST, and requests
that arrive during a reconciliation share a single follow-up run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from projectx._native.feed import MarketFeed
from projectx.circuit import CircuitBreakerOpenError
from projectx.data.manager import RealtimeDataManager
from projectx.events import EventBus, EventType
from projectx.exceptions import ProjectXError
from projectx.realtime.hub import HubState

__all__ = ["ConnectionWatch"]

log = logging.getLogger(__name__)

_MAX_CIRCUIT_WAITS = 12
"""Open-circuit waits one reconciliation run may make (about a minute with the default 5 s)."""

Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]


class ConnectionWatch:
    """One per suite: ``on_hub_state(hub, state)`` is registered with both hubs.

    ``data`` yields the instruments' data managers (read at each state change), ``reconcile``
    reconciles the managers once, ``stopped_reason(hub)`` says why a hub will not reconnect
    (None if it will), ``spawn`` runs a background task owned by the suite.
    """

    def __init__(
        self,
        bus: EventBus,
        feed: MarketFeed,
        *,
        data: Callable[[], Iterable[RealtimeDataManager]],
        reconcile: Callable[[], Awaitable[None]],
        stopped_reason: Callable[[str], str | None],
        spawn: Spawn,
    ) -> None:
        self._bus = bus
        self._feed = feed
        self._data = data
        self._reconcile = reconcile
        self._stopped_reason = stopped_reason
        self._spawn = spawn
        #: events are emitted only while the suite is connected
        self.active = False
        #: reconciliations run so far
        self.reconciliations = 0
        self._last_seen_ns = 0
        self._task: asyncio.Task[None] | None = None
        self._again = False

    @property
    def reconciling(self) -> bool:
        """True while orders and positions are being reconciled with REST."""
        return self._task is not None and not self._task.done()

    def request_reconcile(self) -> None:
        """Reconcile with REST; requests during a run share one follow-up run (so the latest
        request is always covered)."""
        if self._task is None or self._task.done():
            self._task = self._spawn(self._reconcile_all(), "reconcile")
        else:
            self._again = True

    async def _reconcile_all(self) -> None:
        self._again = True
        waits = 0
        while self._again:
            self._again = False
            self.reconciliations += 1
            try:
                await self._reconcile()
            except CircuitBreakerOpenError as exc:
                # nothing was sent: REST is cooling down; run again once it may be back
                waits += 1
                if waits > _MAX_CIRCUIT_WAITS:
                    log.warning("reconciliation gave up waiting for the REST circuit: %s", exc)
                    self._bus.emit(EventType.ERROR, {"source": "reconcile", "error": exc})
                    continue
                await asyncio.sleep(max(0.05, exc.retry_after))
                self._again = True
            except ProjectXError as exc:
                log.warning("reconciliation after reconnect failed: %s", exc)
                self._bus.emit(EventType.ERROR, {"source": "reconcile", "error": exc})

    def on_hub_state(self, hub: str, state: HubState) -> None:
        """One hub's state change (``hub`` is ``"market"`` or ``"user"``)."""
        bus = self._bus
        if state is HubState.DISCONNECTED and self.active:
            if hub == "market":
                self._last_seen_ns = self._feed.last_ts_ns
            payload: dict[str, Any] = {"hub": hub}
            stopped = self._stopped_reason(hub)
            if stopped is not None:  # it will not reconnect: say so, loudly
                payload.update(reason=stopped, reconnecting=False)
                bus.emit(EventType.ERROR, {"source": "hub", "hub": hub, "error": stopped})
            bus.emit(EventType.DISCONNECTED, payload)
        elif state is HubState.RECONNECTING:
            bus.emit(EventType.RECONNECTING, {"hub": hub})
        elif state is HubState.STALE:
            bus.emit(EventType.FEED_STALE, {"hub": hub})
        elif state is HubState.CIRCUIT_OPEN:
            bus.emit(EventType.ERROR, {"source": "hub", "hub": hub, "error": "circuit open"})
        elif state is HubState.RESUBSCRIBED:
            if hub == "market":
                # trades flow again only now: the bars until now are part of the reconnect's gap
                for data in self._data():
                    data.mark_resubscribed()
            else:
                # events flow again only now: what happened since the reconciliation started at
                # RECONNECTED (a fill, a cancel) reached no subscription: reconcile once more
                self.request_reconcile()
        elif state is HubState.RECONNECTED:
            if hub == "market":
                for data in self._data():
                    data.mark_gap(self._last_seen_ns or self._feed.last_ts_ns)
            bus.emit(EventType.RECONNECTED, {"hub": hub})
            if hub == "user":
                self.request_reconcile()
