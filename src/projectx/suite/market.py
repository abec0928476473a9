"""Routes each market-hub message's native records to the instrument that owns them.

Runs inside the hub's receive path, once per message that produced native records, and reads
what the message held from the feed's ``FeedResult`` in one go. Bar closes go to the
instrument's :class:`RealtimeDataManager` (NEW_BAR); per-record Python events (TRADE_TICK,
QUOTE_UPDATE, MARKET_DEPTH_UPDATE, DATA_UPDATE) are built only when a handler listens; price
listeners (P&L, stop-limit emulation) are called with the last trade price per contract, and a
listener registered with an ``interest`` (the contracts its owner has something armed or open
in) only for those contracts.

The dispatcher is the feed's one owner of what wakes Python: while nobody wants per-record work
it turns the feed's ``wake_every`` off and marks the contracts some interest wants
(``MarketFeed.want_prices``), so the hub calls it only for a message that needs attention (bar
closes, anomalies) or traded such a contract. With nothing armed or open and no per-record
handler, a market message costs no Python beyond the hub's receive.
Records the feed's guard refused or held are reported here (an ANOMALY event, a rate-limited
warning, and a window of recent anomalies that the suite's health reads).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from typing import Any

from projectx._native.feed import MarketFeed
from projectx._native.frames import FeedResult
from projectx.data.manager import RealtimeDataManager
from projectx.events import EventBus, EventType
from projectx.interest import PriceInterest

__all__ = ["MarketDispatcher"]

log = logging.getLogger(__name__)

ANOMALY_WINDOW_S = 60.0
"""How long a refused or held market record keeps the suite's health below 100."""
_WARNING_INTERVAL_S = 5.0
_HELD_KEYS = ("contract_id", "price", "volume", "ts_ns", "reason")

PriceListener = Callable[[str, float], None]
"""Called with ``(contract_id, last_price)``."""

_RECORD_EVENTS = (
    EventType.TRADE_TICK,
    EventType.QUOTE_UPDATE,
    EventType.MARKET_DEPTH_UPDATE,
    EventType.DATA_UPDATE,
)


class MarketDispatcher:
    """One per suite: ``on_native(parser, n)`` is registered with the market hub."""

    def __init__(self, feed: MarketFeed, bus: EventBus) -> None:
        self.feed = feed
        self.bus = bus
        self._result = feed.result  # one object per feed, rewritten by every message
        self._by_index: dict[int, RealtimeDataManager] = {}  # by the feed's contract index
        self._symbols: dict[str, str] = {}
        self._price_listeners: list[tuple[PriceListener, Collection[str] | None]] = []
        self._wanted: dict[str, int] = {}  # contract -> the interests that want its prices
        self._unwatched = False  # an interest that cannot say when it changes: every trade
        self._every_price = False  # a listener without an interest: every contract's prices
        self._depth_hooks: dict[str, Callable[[int, float, int, int], None]] = {}
        self._trade_hooks: dict[str, Callable[[float, int, int, int], None]] = {}
        self.errors = 0
        self._wants_records = False
        self._anomaly_counts: dict[str, int] = {}
        self._recent: deque[tuple[int, int]] = deque()  # (monotonic second, anomalies)
        self._last_warning = 0.0
        self._unlogged = 0
        bus.watch_handlers(self._refresh)  # what a message needs, derived after each change
        self._refresh()

    def add(self, manager: RealtimeDataManager) -> None:
        """Route ``manager``'s contract to it."""
        self._by_index[manager.contract_index] = manager
        self._symbols[manager.contract_id] = manager.symbol
        manager.attach_router(lambda n: self.on_native(None, n))
        if manager.contract_id in self._wanted:
            self.feed.want_prices(manager.contract_id, True)

    def add_price_listener(
        self, listener: PriceListener, interest: Collection[str] | None = None
    ) -> None:
        """Call ``listener(contract_id, last_price)`` once per message with trades of the
        contract: for every contract, or, with ``interest``, only for the contracts in it.

        ``interest`` is a live container that the listener's owner keeps up to date (the
        contracts with an armed order, with an open position), so a contract that enters it
        gets the price of its next trade. A :class:`PriceInterest` says when it changes, and
        the feed then wakes Python only for its contracts' trades; any other container is
        read on every message with trades. The owner takes the current price itself when a
        contract enters (``MarketFeed.last_price``).
        """
        self._price_listeners.append((listener, interest))
        if isinstance(interest, PriceInterest):
            interest.watch(self._interest_changed)
        elif interest is not None:
            self._unwatched = True
        self._refresh()

    def add_record_hooks(
        self,
        contract_id: str,
        *,
        depth: Callable[[int, float, int, int], None] | None = None,
        trade: Callable[[float, int, int, int], None] | None = None,
    ) -> None:
        """Per-record hooks (order-book heuristics): ``depth(type, price, volume, ts_ns)``,
        ``trade(price, volume, aggressor, ts_ns)``."""
        if depth is not None:
            self._depth_hooks[contract_id] = depth
        if trade is not None:
            self._trade_hooks[contract_id] = trade
        self._refresh()

    def on_native(self, parser: Any, n: int) -> None:
        """Handle the native records of one message (hub callback; reads ``feed.result``).
        Correct for any message; the hub calls it only for those the feed says wake."""
        result = self._result
        if result.attention:
            self._attend(self.feed, result)
        if self._wants_records:
            self._records(self.feed, result)
        elif result.trades and (self._wanted or self._unwatched):
            self._prices(self.feed, False)

    def _interest_changed(self, contract_id: str, wanted: bool) -> None:
        """A contract entered or left one of the interests: mark it on the feed."""
        count = self._wanted.get(contract_id, 0) + (1 if wanted else -1)
        if count > 0:
            self._wanted[contract_id] = count
        else:
            self._wanted.pop(contract_id, None)
        with contextlib.suppress(KeyError):  # not tracked yet: marked by add() if it comes
            self.feed.want_prices(contract_id, count > 0)

    def _refresh(self) -> None:
        """What every message needs, derived again when the handlers or hooks changed."""
        bus = self.bus
        self._every_price = any(interest is None for _, interest in self._price_listeners)
        self._wants_records = bool(
            any(bus.wants(t) for t in _RECORD_EVENTS)
            or self._depth_hooks
            or self._trade_hooks
            or self._every_price
        )
        self.feed.wake_every = self._wants_records or self._unwatched

    def _attend(self, feed: MarketFeed, result: FeedResult) -> None:
        """Anomalies, flags and bar closes of this message (rare path)."""
        if result.anomalies or result.flags:
            self._report_anomalies(feed)
        if result.n_closes:
            per_contract: dict[int, list[int]] = {}
            for index, mask in feed.closes():
                per_contract.setdefault(index, []).append(mask)
            for index, masks in per_contract.items():
                manager = self._by_index.get(index)
                if manager is not None:
                    manager.on_closes(masks)

    def _report_anomalies(self, feed: MarketFeed) -> None:
        """The guard refused, held or flagged records in this message: say so (rare path)."""
        counts = feed.anomalies()
        delta = {k: v - self._anomaly_counts.get(k, 0) for k, v in counts.items()}
        delta = {k: v for k, v in delta.items() if v}
        self._anomaly_counts = counts
        now = time.monotonic()
        if feed.anomalies_last:  # refused or held; flagged records are not a fault
            self._count_recent(now, feed.anomalies_last)
        quarantined = feed.quarantined()
        if now - self._last_warning >= _WARNING_INTERVAL_S:
            log.warning(
                "market feed: records refused or held %s%s; held now: %s",
                delta,
                f" (+{self._unlogged} since the last warning)" if self._unlogged else "",
                [(cid, price, reason) for cid, price, _v, _ts, reason in quarantined] or "none",
            )
            self._last_warning = now
            self._unlogged = 0
        else:
            self._unlogged += feed.anomalies_last + feed.flags_last
        if self.bus.wants(EventType.ANOMALY):
            self.bus.emit(
                EventType.ANOMALY,
                {
                    "boundary": "market_hub",
                    "source": "market",
                    "reason": next(iter(delta), "none"),
                    "reasons": delta,
                    "quarantined": [
                        dict(zip(_HELD_KEYS, held, strict=True)) for held in quarantined
                    ],
                },
            )

    def _count_recent(self, now: float, n: int) -> None:
        """Add ``n`` anomalies to the per-second window (at most ~60 buckets: bounded under a
        flood of bad records)."""
        second = int(now)
        recent = self._recent
        if recent and recent[-1][0] == second:
            recent[-1] = (second, recent[-1][1] + n)
        else:
            recent.append((second, n))
        while recent and recent[0][0] < second - ANOMALY_WINDOW_S:
            recent.popleft()

    def recent_anomalies(self) -> int:
        """Market records refused or held in the last ``ANOMALY_WINDOW_S`` seconds."""
        cutoff = time.monotonic() - ANOMALY_WINDOW_S
        return sum(n for second, n in self._recent if second >= cutoff)

    def _records(self, feed: MarketFeed, result: FeedResult) -> None:
        bus = self.bus
        symbols = self._symbols
        if result.trades and (self._trade_hooks or bus.wants(EventType.TRADE_TICK)):
            # a Python tuple per trade only when someone asked for individual trades
            tick = bus.wants(EventType.TRADE_TICK)
            hooks = self._trade_hooks
            for cid, price, volume, side, ts_ns in feed.last_trades():
                if hooks:
                    hook = hooks.get(cid)
                    if hook is not None:
                        hook(price, volume, side, ts_ns)
                if tick:
                    bus.emit(
                        EventType.TRADE_TICK,
                        {
                            "contract_id": cid,
                            "price": price,
                            "volume": volume,
                            "type": side,
                            "ts_ns": ts_ns,
                        },
                        symbols.get(cid),
                    )
        if result.depth and (self._depth_hooks or bus.wants(EventType.MARKET_DEPTH_UPDATE)):
            touched: dict[str, int] = {}
            depth_hooks = self._depth_hooks
            for cid, dom_type, price, volume, ts_ns in feed.last_depth():
                touched[cid] = touched.get(cid, 0) + 1
                depth_hook = depth_hooks.get(cid)
                if depth_hook is not None:
                    depth_hook(dom_type, price, volume, ts_ns)
            if bus.wants(EventType.MARKET_DEPTH_UPDATE):
                for cid, count in touched.items():
                    bus.emit(
                        EventType.MARKET_DEPTH_UPDATE,
                        {"contract_id": cid, "entries": count},
                        symbols.get(cid),
                    )
        if result.quotes and bus.wants(EventType.QUOTE_UPDATE):
            for cid in feed.last_quoted():
                bus.emit(
                    EventType.QUOTE_UPDATE,
                    {"contract_id": cid, **feed.quote(cid)},
                    symbols.get(cid),
                )
        if result.trades:
            data_update = bus.wants(EventType.DATA_UPDATE)
            if data_update or self._every_price or self._wanted or self._unwatched:
                self._prices(feed, data_update)

    def _prices(self, feed: MarketFeed, data_update: bool) -> None:
        """The last trade price per contract to the price listeners interested in it (and as
        DATA_UPDATE events when someone listens)."""
        last_prices = feed.last_prices()
        listeners = self._price_listeners
        for cid, price in last_prices:
            for listener, interest in listeners:
                if interest is not None and cid not in interest:
                    continue
                try:
                    listener(cid, price)
                except Exception:
                    self.errors += 1
                    log.exception("price listener failed")
        if data_update:
            symbols = self._symbols
            for cid, price in last_prices:
                self.bus.emit(
                    EventType.DATA_UPDATE,
                    {"contract_id": cid, "price": price},
                    symbols.get(cid),
                )
