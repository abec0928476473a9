"""State of the simulator's exchange, its ids, and the user-hub events with their wire formats.

:class:`ExchangeState` is the bottom layer of :class:`~projectx.sim.exchange.Exchange`: it
creates every table the upper layers work on (accounts, orders, working orders per contract,
positions, fills), hands out order ids, stores orders, and builds and sends user-hub events as
``(target, account_id, {"action": n, "data": {...}})`` with null-valued keys omitted (§7.6.2).
The OrderModel and PositionModel wire formats live here because both the events and the
search endpoints send them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projectx.sim.clock import NS_PER_US, SimClock, format_ts
from projectx.sim.contracts import ContractSpec, previous_contract
from projectx.sim.exchange.matching import MatchingCore
from projectx.sim.market import ContractMarket, MarketSimulator
from projectx.sim.orders import (
    FIRST_ORDER_ID,
    FIRST_POSITION_ID,
    FIRST_TRADE_ID,
    Account,
    Order,
    Position,
    avg_price,
    omit_nulls,
)

__all__ = ["ExchangeState", "Route", "UserEventListener"]

UserEventListener = Callable[[str, int, dict[str, Any]], None]
#: an endpoint handler: ``(lower-case user name, request body) -> envelope``
Route = Callable[[str, dict[str, Any]], dict[str, Any]]


class ExchangeState:
    """The exchange's tables, ids and user-hub events (the layer every other one builds on)."""

    def __init__(
        self,
        market: MarketSimulator,
        clock: SimClock,
        *,
        profile: str = "legacy",
        emit_matched_open_trade: bool = True,
        account_event_repeats: int = 1,
        trading_hours: bool = False,
    ) -> None:
        if profile not in ("legacy", "extended"):
            raise ValueError(f"profile must be 'legacy' or 'extended', got {profile!r}")
        self.market = market
        self.clock = clock
        self.profile = profile
        self.extended = profile == "extended"
        self.emit_matched_open_trade = emit_matched_open_trade
        self.account_event_repeats = max(1, int(account_event_repeats))
        self.trading_hours = trading_hours
        self.contracts: dict[str, ContractSpec] = {}
        for spec in market.contracts.values():
            self.contracts[spec.id] = spec
        for spec in list(market.contracts.values()):
            old = previous_contract(spec)
            self.contracts.setdefault(old.id, old)
        self._users: dict[str, tuple[str, list[int]]] = {}  # lower name -> (api key, acct ids)
        self.accounts: dict[int, Account] = {}
        self.orders: dict[int, Order] = {}
        self._orders_by_account: dict[int, list[Order]] = {}
        self._tags: dict[int, set[str]] = {}
        self._working: dict[str, MatchingCore] = {cid: MatchingCore(cid) for cid in self.contracts}
        self.positions: dict[tuple[int, str], Position] = {}
        self._trades: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        self._next_order_id = FIRST_ORDER_ID
        self._next_trade_id = FIRST_TRADE_ID
        self._next_position_id = FIRST_POSITION_ID
        self._listeners: list[UserEventListener] = []
        self._reject_next: tuple[int, str | None] | None = None
        self._routes: dict[str, Route] = self._route_table()
        market.add_step_listener(self._on_step)

    def _route_table(self) -> dict[str, Route]:
        """Endpoint -> handler; the top layer (:mod:`projectx.sim.exchange.endpoints`) fills it."""
        return {}

    def _on_step(self, cid: str, ts_ns: int, trade_ticks: int, volume: int) -> None:
        """After every market step of ``cid`` (the execution layer matches its working orders)."""

    def add_user_event_listener(self, cb: UserEventListener) -> None:
        """Call ``cb(target, account_id, {"action", "data"})`` for every user-hub event."""
        self._listeners.append(cb)

    # =============================================================== helpers
    def _now(self) -> int:
        now = self.clock.now_ns()
        return now - now % NS_PER_US

    def _mkt(self, cid: str) -> ContractMarket | None:
        return self.market.markets.get(cid)

    def _emit(
        self, target: str, account_id: int, action: int, data: dict[str, Any], clean: bool = False
    ) -> None:
        """Send one user event; ``clean`` says ``data`` already has no null values."""
        arg = {"action": action, "data": data if clean else omit_nulls(data)}
        for cb in self._listeners:
            cb(target, account_id, arg)

    def _emit_order(self, o: Order) -> None:
        if self._listeners:
            self._emit("GatewayUserOrder", o.account_id, 1, self._order_wire(o, True), True)

    def _emit_account(self, acct: Account) -> None:
        if self._listeners:
            for _ in range(self.account_event_repeats):
                self._emit("GatewayUserAccount", acct.id, 1, acct.to_wire(), True)

    def _order_wire(self, o: Order, hub: bool = False) -> dict[str, Any]:
        """OrderModel of ``o``; with ``hub`` null-valued keys are left out (§7.6.2)."""
        p = o.spec.price
        spec = o.spec
        created = format_ts(o.created_ns)
        d: dict[str, Any] = {
            "id": o.id,
            "accountId": o.account_id,
            "contractId": spec.id,
            "symbolId": spec.symbol_id,
            "creationTimestamp": created,
            "updateTimestamp": created if o.updated_ns == o.created_ns else format_ts(o.updated_ns),
            "status": o.status,
            "type": o.type,
            "side": o.side,
            "size": o.size,
        }
        if o.limit is not None:
            d["limitPrice"] = p(o.limit)
        elif not hub:
            d["limitPrice"] = None
        if o.stop is not None:
            d["stopPrice"] = p(o.stop)
        elif not hub:
            d["stopPrice"] = None
        d["fillVolume"] = o.fill_volume
        if o.fill_volume:
            q, r = divmod(o.fill_cost, o.fill_volume)
            d["filledPrice"] = p(q) if r == 0 else p(o.fill_cost / o.fill_volume)
        elif not hub:
            d["filledPrice"] = None
        if o.tag is not None or not hub:
            d["customTag"] = o.tag
        if self.extended:
            ext = (
                ("trailDistance", o.trail_dist),
                ("trailPrice", None if o.trail_dist is None else p(o.trail_dist)),
                ("parentOrderId", o.parent_id),
                ("linkedOrderId", o.linked_id),
            )
            for key, value in ext:
                if value is not None or not hub:
                    d[key] = value
        return d

    def _position_wire(self, pos: Position, long: bool) -> dict[str, Any]:
        spec = pos.spec
        d: dict[str, Any] = {
            "id": pos.id,
            "accountId": pos.account_id,
            "contractId": spec.id,
            "creationTimestamp": format_ts(pos.created_ns),
            "type": 1 if long else 2,
            "size": abs(pos.size),
            "averagePrice": avg_price(spec, pos.avg_num, pos.avg_den),
        }
        if self.extended:
            d["contractDisplayName"] = spec.display_name
        return d

    def _new_order_id(self) -> int:
        oid = self._next_order_id
        self._next_order_id += 1
        return oid

    def _store(self, o: Order) -> None:
        self.orders[o.id] = o
        self._orders_by_account[o.account_id].append(o)
