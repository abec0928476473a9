"""How the suite's parts are built: functions that return objects and mutate nothing.

Account-wide managers (orders, positions, risk) exist once per suite and are shared by every
instrument context; the order book analytics exist per instrument. The managers never import
each other: :func:`build_parts` hands each one the callables it needs (prices, the risk gate, the
flatten action), and :class:`SuiteParts` routes user-hub events to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from projectx._native.feed import MarketFeed
from projectx.client import ProjectX
from projectx.data.manager import RealtimeDataManager
from projectx.events import EventBus
from projectx.models import Contract
from projectx.orderbook import OrderBook
from projectx.orders import OrderManager
from projectx.positions import PositionManager
from projectx.realtime.client import UserEvent
from projectx.risk import RiskConfig, RiskManager
from projectx.suite.context import InstrumentContext
from projectx.suite.market import MarketDispatcher

__all__ = [
    "PriceSource",
    "SuiteParts",
    "build_context",
    "build_parts",
    "market_price",
    "price_source",
]

PriceSource = Callable[[str], "tuple[float, float, float] | None"]
"""``(bid, ask, last)`` of a contract id (NaN where unknown), or None when nothing is known."""


@dataclass(frozen=True, slots=True)
class SuiteParts:
    """The account's managers, built once per suite by :func:`build_parts`."""

    orders: OrderManager
    positions: PositionManager
    risk: RiskManager | None

    async def start(self) -> None:
        """Reconcile the managers with the Gateway at start-up."""
        await self.orders.start()
        await self.positions.start()
        if self.risk is not None:
            self.risk.record_fills(self.positions.trades())  # today's fills seen before start
            await self.risk.start()

    async def reconcile(self) -> None:
        """Reconcile after a reconnect (risk books the fills missed while disconnected)."""
        await self.orders.reconcile()
        await self.positions.reconcile()
        if self.risk is not None:
            self.risk.record_fills(self.positions.trades())

    async def stop(self) -> None:
        """Stop the managers' background work."""
        if self.risk is not None:
            await self.risk.close()
        await self.orders.close()
        await self.positions.close()

    def route_user_event(self, event: UserEvent) -> None:
        """Hand one user-hub event to the account managers (fills reach risk through the
        position manager, which books only confirmed, non-duplicate fills)."""
        self.orders.on_user_event(event)
        self.positions.on_user_event(event)
        if self.risk is not None and event.target != "GatewayUserTrade":
            self.risk.on_user_event(event)

    def stats(self) -> dict[str, Any]:
        """Stats of the account managers (``orders``, ``positions``, ``risk``)."""
        out: dict[str, Any] = {"orders": self.orders.stats(), "positions": self.positions.stats()}
        if self.risk is not None:
            out["risk"] = self.risk.stats()
        return out

    def anomaly_stats(self) -> dict[str, Any]:
        """Anomaly counters of the managers that check what they are given."""
        return {
            "orders": self.orders.anomalies.snapshot(),
            "positions": self.positions.anomalies.snapshot(),
        }


def price_source(
    feed: MarketFeed, data: Mapping[str, RealtimeDataManager]
) -> Callable[[str], tuple[float, float, float] | None]:
    """``(bid, ask, last)`` of a contract from the native book and the bars (``data`` by
    contract id); None when nothing is known."""

    def prices(contract_id: str) -> tuple[float, float, float] | None:
        try:
            book = feed.book(contract_id)
        except KeyError:  # a contract the suite's feed does not track (e.g. adopted from REST)
            book = None
        bid = book.best_bid if book is not None else math.nan
        ask = book.best_ask if book is not None else math.nan
        manager = data.get(contract_id)
        price = manager.get_current_price() if manager is not None else None
        last = price if price is not None else math.nan
        if math.isnan(bid) and math.isnan(ask) and math.isnan(last):
            return None
        return bid, ask, last

    return prices


def market_price(feed: MarketFeed) -> Callable[[str], float | None]:
    """The feed's last applied trade price of a contract; None before the first trade and for
    a contract the feed does not track."""

    def last(contract_id: str) -> float | None:
        try:
            return feed.last_price(contract_id)
        except KeyError:
            return None

    return last


def _last_price(
    prices: Callable[[str], tuple[float, float, float] | None],
) -> Callable[[str], float | None]:
    def last_price(contract_id: str) -> float | None:
        quote = prices(contract_id)
        if quote is None:
            return None
        bid, ask, last = quote
        if not math.isnan(last):
            return float(last)
        mid = (bid + ask) / 2
        return None if math.isnan(mid) else float(mid)

    return last_price


def build_parts(
    client: ProjectX,
    bus: EventBus,
    dispatcher: MarketDispatcher,
    *,
    account_id: int,
    contracts: Mapping[str, Contract],
    data: Mapping[str, RealtimeDataManager],
    features: Collection[str],
    risk_config: RiskConfig | None = None,
    state_path: Any = None,
) -> SuiteParts:
    """Create the order, position and (with the ``risk`` feature) risk managers of the account
    and connect them to the market dispatcher's price stream. ``contracts`` and ``data`` are
    keyed by contract id."""
    prices = price_source(dispatcher.feed, data)
    orders = OrderManager(
        client,
        bus,
        account_id=account_id,
        price_source=prices,
        watch_trade_ticks=False,  # trade prices come from the dispatcher's price listener
    )
    # each manager hears the prices of the contracts it has something armed or open in
    dispatcher.add_price_listener(orders.on_trade_price, orders.price_interest)
    positions = PositionManager(
        client,
        bus,
        account_id=account_id,
        contracts=dict(contracts),
        price_source=_last_price(prices),
        market_price=market_price(dispatcher.feed),
        limit_placer=orders.place_limit_order,
        # a hub fill of an order nobody knows waits for Trade/search before it is booked
        order_known=lambda order_id: orders.get_order(order_id) is not None,
    )
    dispatcher.add_price_listener(positions.on_price, positions.price_interest)
    risk: RiskManager | None = None
    if "risk" in features:

        async def flatten_all() -> None:
            await orders.cancel_all_orders()
            await positions.close_all_positions()

        risk = RiskManager(
            bus,
            risk_config if risk_config is not None else RiskConfig(),
            account_balance_source=lambda: positions.balance,
            state_path=state_path,
            account_id=account_id,
            positions=positions,
            flatten=flatten_all,
        )
        orders.risk_gate = risk.validate_trade
        # risk counts the fills the position manager booked (not held or refused ones)
        positions.add_fill_listener(risk.record_fill)
    return SuiteParts(orders, positions, risk)


def build_context(
    symbol: str,
    data: RealtimeDataManager,
    bus: EventBus,
    parts: SuiteParts,
    dispatcher: MarketDispatcher,
    *,
    features: Collection[str],
    time_source: Callable[[], int],
) -> InstrumentContext:
    """The instrument's context: its bars, its order book analytics (with the ``orderbook`` or
    ``orderbook_heuristics`` feature) and the account's managers."""
    contract = data.contract
    native = dispatcher.feed.book(contract.id)
    heuristics = "orderbook_heuristics" in features
    book: OrderBook | None = None
    if native is not None and ("orderbook" in features or heuristics):
        book = OrderBook(
            native,
            data.tick_size,
            contract.tick_value,
            symbol,
            track_heuristics=heuristics,
            time_source=time_source,
        )
        # trade flow reads the GatewayTrade stream from the native tape (MarketFeed records it);
        # the feed drives the iceberg/spoofing heuristics natively, per record (no Python)
        if heuristics:
            dispatcher.feed.attach_heuristics(contract.id, book.heuristic_tracker)
    return InstrumentContext(
        symbol,
        contract,
        data,
        bus,
        orders=parts.orders,
        positions=parts.positions,
        risk=parts.risk,
        orderbook=book,
    )
