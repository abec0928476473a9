"""The simulator's exchange: users, accounts, orders, matching, positions, P&L (spec §4-§6, §9).

Pure and synchronous: :meth:`Exchange.handle` serves one business endpoint (``Account/search``,
``Order/place``, ``History/retrieveBars``, ...) and returns the full envelope; user-hub events go
to listeners registered with :meth:`Exchange.add_user_event_listener` as
``(target, account_id, {"action": n, "data": {...}})`` with null-valued keys omitted (§7.6.2).

Matching (spec §9.6, [INFERRED] rules implemented as the spec suggests):

* user orders match the simulated market's displayed book and never consume it (§9.9 default);
* market: walks the opposite side level by level (one fill per level); any size beyond the
  displayed depth fills at the worst displayed level [INFERRED];
* limit (and join bid/ask, a limit at the best bid/ask at receipt): marketable on entry -> fills
  at the displayed levels up to the limit (price improvement), the rest rests; resting, it fills
  against displayed levels when the opposite best crosses it, or for ``min(remaining, volume)`` at
  the limit when a market trade prints at or through it (partial fills);
* stop: triggers when a market trade prints at or through it, or when the best price on its own
  side of the touch reaches it (buy: best ask >= stop, sell: best bid <= stop), then fills as a
  market order; a stop already through the market on entry triggers at once [INFERRED];
* stop-limit (type 3): only on accounts with the ``stopLimit`` capability (off by default; then
  rejected with errorCode 2 ``Unsupported order type.``); triggers like a stop, then works as a
  limit at ``limitPrice``;
* trailing stop: ``dist = |last - trailPrice|`` ticks at receipt (§9.6, rejections of §3.3); a
  sell trails the highest trade since acceptance by ``dist``, a buy the lowest; ``stopPrice``
  shows the current level; read-back ``trailPrice = dist * tickSize`` and ``trailDistance``
  (extended profile);
* native Auto-OCO brackets (§9.8): children get ids parent+2 / parent+3, start Suspended (8), turn
  Open (1) at ``round(parent avg fill) + ticks`` when the parent fills; a fill of one child reduces
  / cancels the other; a flat position cancels open children; cancelling an unfilled parent
  cancels its children.

Accounts (``add_user``) take the six TradingAccount keys plus optional ``active`` (True),
``bracketMode`` (``"position"`` - the real default - or ``"auto_oco"``), ``follower`` (False),
``stopLimit`` (False) and ``violation`` (False). An account id given to a second user is shared
with it (the simulator's own users) - other users never see it.

Session calendar (off by default; ``trading_hours=True``): ``Order/place`` outside CME Globex
hours (:mod:`projectx.sim.calendar`) -> errorCode 5 OutsideTradingHours; position closes ->
OrderRejected. The synthetic market keeps ticking either way.

Funds check (errorCode 3): after the order, ``sum(|position| * margin)`` over the account's
contracts must not exceed the balance (margins in :mod:`projectx.sim.contracts`); orders that
only reduce exposure always pass. [INFERRED]

Order rejections of §9.3 steps 8-11 (prices, trailing rules, customTag, brackets, funds) and
``reject_next_order`` create the order as Rejected, emit it with status 6 then 5 and return its
``orderId`` with ``success: false``; earlier steps (account, contract, type/side/size) return
``orderId: null`` and create nothing.
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from fractions import Fraction
from math import gcd
from typing import Any

from projectx.sim.bars import BarError
from projectx.sim.calendar import market_open
from projectx.sim.clock import NS_PER_US, SimClock, format_ts
from projectx.sim.contracts import ContractSpec, previous_contract
from projectx.sim.market import ContractMarket, MarketSimulator
from projectx.sim.orders import (
    CANCELLED,
    FILLED,
    FIRST_ORDER_ID,
    FIRST_POSITION_ID,
    FIRST_TRADE_ID,
    JOIN_ASK,
    JOIN_BID,
    LIMIT,
    MARKET,
    MAX_TRAIL_TICKS,
    MSG_BRACKET_MODE,
    MSG_FOLLOWER,
    MSG_INVALID_SYMBOL,
    MSG_LIVE,
    MSG_NO_LAST,
    MSG_NOT_WORKING,
    MSG_PRICE_ALIGN,
    MSG_PRICE_NOT_POSITIVE,
    MSG_TRAIL_ALIGN,
    MSG_TRAIL_MAX,
    MSG_TRAIL_NOT_SET,
    MSG_UNSUPPORTED,
    OPEN,
    PENDING,
    REJECTED,
    STOP,
    STOP_LIMIT,
    SUSPENDED,
    TRAIL,
    WORKING,
    Account,
    Order,
    Position,
    avg_price,
    book_fills,
    check_brackets,
    env,
    omit_nulls,
    to_int,
    to_ns,
)

__all__ = ["Account", "Exchange", "Order", "Position", "UserEventListener"]

UserEventListener = Callable[[str, int, dict[str, Any]], None]


def _positive(value: Any) -> bool:
    """A price a Gateway accepts at all: a finite number > 0 (before any tick check)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0


class Exchange:
    """Accounts, orders, matching engine, positions and balances (see module docstring)."""

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
        self._working: dict[str, dict[int, Order]] = {cid: {} for cid in self.contracts}
        self.positions: dict[tuple[int, str], Position] = {}
        self._trades: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        self._next_order_id = FIRST_ORDER_ID
        self._next_trade_id = FIRST_TRADE_ID
        self._next_position_id = FIRST_POSITION_ID
        self._listeners: list[UserEventListener] = []
        self._reject_next: tuple[int, str | None] | None = None
        self._tops: dict[str, tuple[int, int, int | None, int | None]] = {}
        self._routes: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "account/search": self._account_search,
            "contract/search": self._contract_search,
            "contract/searchbyid": self._contract_search_by_id,
            "contract/available": self._contract_available,
            "history/retrievebars": self._retrieve_bars,
            "order/search": self._order_search,
            "order/searchopen": self._order_search_open,
            "order/place": self._order_place,
            "order/cancel": self._order_cancel,
            "order/modify": self._order_modify,
            "order/searchbyid": self._order_search_by_id,
            "order/v2/query": self._order_query,
            "position/searchopen": self._position_search_open,
            "position/closecontract": self._position_close,
            "position/partialclosecontract": self._position_partial_close,
            "trade/search": self._trade_search,
        }
        market.add_step_listener(self._on_step)

    # ================================================================ set-up
    def add_user(self, user_name: str, api_key: str, accounts: list[dict[str, Any]]) -> None:
        """Register ``user_name`` (case-insensitive) with its API key and accounts."""
        key = user_name.lower()
        ids = self._users.get(key, (api_key, []))[1]
        for data in accounts:
            acct = Account(data, key)
            existing = self.accounts.get(acct.id)
            if existing is not None:
                existing.owners.add(key)
            else:
                self.accounts[acct.id] = acct
                self._orders_by_account[acct.id] = []
                self._tags[acct.id] = set()
                self._trades[acct.id] = []
            if acct.id not in ids:
                ids.append(acct.id)
        self._users[key] = (api_key, ids)

    def check_api_key(self, user_name: str, api_key: str) -> int:
        """LoginErrorCode for a ``loginKey`` attempt: 0 success, 3 invalid credentials."""
        entry = self._users.get(str(user_name).lower())
        if entry is None:
            return 3
        return 0 if hmac.compare_digest(entry[0].encode(), str(api_key).encode()) else 3

    def configure_account(self, account_id: int, **changes: Any) -> None:
        """Change account settings (``balance``, ``canTrade``, ``bracketMode``, ``follower``,
        ``stopLimit``, ``violation``, ``simulated``, ``active``, ``isVisible``) for tests."""
        acct = self.accounts[account_id]
        fields: dict[str, tuple[str, Callable[[Any], Any]]] = {
            "balance": ("balance", lambda v: round(float(v), 2)),
            "canTrade": ("can_trade", bool),
            "bracketMode": ("bracket_mode", str),
            "follower": ("follower", bool),
            "stopLimit": ("stop_limit", bool),
            "violation": ("violation", bool),
            "simulated": ("simulated", bool),
            "active": ("active", bool),
            "isVisible": ("is_visible", bool),
        }
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"unknown account setting {name!r}")
            attr, conv = fields[name]
            setattr(acct, attr, conv(value))
        if acct.bracket_mode not in ("position", "auto_oco"):
            raise ValueError(f"bad bracketMode {acct.bracket_mode!r}")
        self._emit_account(acct)

    def add_user_event_listener(self, cb: UserEventListener) -> None:
        """Call ``cb(target, account_id, {"action", "data"})`` for every user-hub event."""
        self._listeners.append(cb)

    def has_working_orders(self) -> bool:
        """True while any order of any account rests on a book."""
        return any(self._working.values())

    def account_trades(self, account_id: int) -> list[tuple[int, dict[str, Any]]]:
        """``(ts_ns, trade payload)`` of every fill of ``account_id``, oldest first (a copy)."""
        return list(self._trades.get(account_id, ()))

    def account_trade_count(self, account_id: int) -> int:
        """How many fills ``account_id`` has had."""
        return len(self._trades.get(account_id, ()))

    def reject_next_order(self, error_code: int, message: str | None = None) -> None:
        """Fault: the next ``Order/place`` that passes account and contract checks is rejected
        with ``error_code`` / ``message`` (order created as Rejected, its id returned)."""
        self._reject_next = (int(error_code), message)

    # ============================================================== dispatch
    def handle(self, endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Serve business endpoint ``endpoint`` (path after ``/api/``, any case) for a user."""
        route = self._routes.get(endpoint.strip("/").lower())
        if route is None:
            raise KeyError(f"unknown endpoint {endpoint!r}")
        return route(user_name.lower(), body)

    # =============================================================== helpers
    def _now(self) -> int:
        now = self.clock.now_ns()
        return now - now % NS_PER_US

    def _account(self, user: str, account_id: Any) -> Account | None:
        try:
            acct = self.accounts.get(int(account_id))
        except (TypeError, ValueError):
            return None
        if acct is None or user not in acct.owners:
            return None
        return acct

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

    # ============================================================ accounts
    def _account_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        only_active = bool(body.get("onlyActiveAccounts"))
        entry = self._users.get(user)
        ids = entry[1] if entry else []
        accts = [self.accounts[i] for i in ids]
        return env(accounts=[a.to_wire() for a in accts if a.active or not only_active])

    # =========================================================== contracts
    def _contract_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("searchText") or "").strip().lower()
        hits = [
            s
            for s in self.contracts.values()
            if text in s.name.lower()
            or text in s.root.lower()
            or text in s.ticker.lower()
            or text in s.description.lower()
        ]
        hits.sort(key=lambda s: not s.active)
        return env(contracts=[s.to_wire(self.profile) for s in hits[:20]])

    def _contract_search_by_id(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return env(1, contract=None)
        return env(contract=spec.to_wire(self.profile))

    def _contract_available(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        # the tradable (active) contracts; expired ones stay reachable through searchById
        active = [s.to_wire(self.profile) for s in self.contracts.values() if s.active]
        return env(contracts=active)

    # ============================================================== history
    def _retrieve_bars(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock.now_ns()
        self.market.sync(now)
        try:
            bars = self.market.history.retrieve_bars(
                str(body.get("contractId")),
                int(body["unit"]),
                int(body["unitNumber"]),
                to_ns(body["startTime"]),
                to_ns(body["endTime"]),
                int(body["limit"]),
                bool(body.get("includePartialBar")),
                now,
            )
        except BarError as exc:
            return env(exc.code, bars=None)
        except KeyError:
            return env(1, bars=None)
        return env(bars=bars)

    # ======================================================== order queries
    def _order_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1, orders=None)
        start = to_ns(body.get("startTimestamp"), 0)
        end = to_ns(body.get("endTimestamp"), 2**63 - 1)
        rows = [
            self._order_wire(o)
            for o in self._orders_by_account[acct.id]
            if start <= o.created_ns < end
        ]
        return env(orders=rows)

    def _order_search_open(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1, orders=None)
        rows = [self._order_wire(o) for o in self._orders_by_account[acct.id] if o.status == OPEN]
        return env(orders=rows)

    def _order_search_by_id(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        o = self.orders.get(to_int(body.get("orderId")))
        if acct is None or o is None or o.account_id != acct.id:
            return env(1, order=None)
        return env(order=self._order_wire(o))

    def _order_query(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        flt = body.get("filter") or {}
        acct = self._account(user, flt.get("accountId"))
        if acct is None:
            return env(1, orders=None, totalCount=None)
        statuses = flt.get("statuses")
        wanted = {int(s) for s in statuses} if statuses else None
        cid = flt.get("contractId")
        after = to_ns(flt.get("createdAfter"), 0)
        before = to_ns(flt.get("createdBefore"), 2**63 - 1)
        rows = [
            o
            for o in self._orders_by_account[acct.id]
            if (wanted is None or o.status in wanted)
            and (cid is None or o.spec.id == cid)
            and after <= o.created_ns < before
        ]
        by_id = body.get("sortBy") == 1
        rows.sort(key=(lambda o: o.id) if by_id else (lambda o: (o.created_ns, o.id)))
        if body.get("sortDirection") == 1:
            rows.reverse()
        size = body.get("pageSize") or 100
        offset = body.get("pageOffset") or 0
        page = rows[max(0, offset) : max(0, offset) + max(1, size)]
        total = len(rows) if body.get("includeTotalCount") else None
        return env(orders=[self._order_wire(o) for o in page], totalCount=total)

    # ======================================================== place / cancel
    def _order_place(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1, orderId=None)
        if not acct.can_trade:
            return env(10, orderId=None)
        if acct.violation:
            return env(4, orderId=None)
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return env(8, orderId=None)
        m = self._mkt(spec.id)
        if not spec.active or m is None:
            return env(9, orderId=None)
        if self.trading_hours and not market_open(self.clock.now_ns()):
            return env(5, orderId=None)
        now = self._now()
        self.market.sync(now)
        otype, side, size = body.get("type"), body.get("side"), body.get("size")
        if self._reject_next is not None:
            code, msg = self._reject_next
            self._reject_next = None
            return self._reject(acct, spec, body, now, code, msg)
        # step 7: type / side / size
        allowed = (1, 2, 4, 5, 6, 7, 3) if acct.stop_limit else (1, 2, 4, 5, 6, 7)
        if not isinstance(otype, int) or otype not in allowed:
            msg = MSG_UNSUPPORTED if otype in (0, 3) else "Invalid order type."
            return env(2, msg, orderId=None)
        if side not in (0, 1) or isinstance(side, bool):
            return env(2, "Invalid order side.", orderId=None)
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            return env(2, "Invalid order size.", orderId=None)
        # step 8: prices for the type
        o = Order(0, acct.id, spec, otype, side, size)
        err = self._set_prices(o, m, body)
        if err is not None:
            return self._reject(acct, spec, body, now, 2, err)
        # step 9: customTag unique on the account
        tag = body.get("customTag")
        if tag is not None:
            tag = str(tag)
            if tag in self._tags[acct.id]:
                return self._reject(
                    acct, spec, body, now, 2, "Custom tag must be unique.", keep_tag=False
                )
        # step 10: brackets
        sl, tp = body.get("stopLossBracket"), body.get("takeProfitBracket")
        if sl is not None or tp is not None:
            if acct.bracket_mode != "auto_oco":
                return self._reject(acct, spec, body, now, 2, MSG_BRACKET_MODE)
            err = check_brackets(side, sl, tp)
            if err is not None:
                return self._reject(acct, spec, body, now, 2, err)
        # step 11: funds
        if not self._funds_ok(acct, spec, side, size):
            return self._reject(acct, spec, body, now, 3, "Insufficient funds.")
        # accepted
        o.id = self._new_order_id()
        o.tag = tag
        o.created_ns = o.updated_ns = now
        if tag is not None:
            self._tags[acct.id].add(tag)
        children: list[Order] = []
        if sl is not None or tp is not None:
            self._next_order_id += 1  # live: children are parent+2 and parent+3
            for br, is_sl in ((sl, True), (tp, False)):
                if br is None:
                    continue
                child = Order(self._new_order_id(), acct.id, spec, int(br["type"]), 1 - side, size)
                child.parent_id = o.id
                child.status = SUSPENDED
                child.created_ns = child.updated_ns = now
                if is_sl:
                    o.sl = (int(br["ticks"]), child.id)
                else:
                    o.tp = (int(br["ticks"]), child.id)
                o.child_ids.append(child.id)
                children.append(child)
            if len(children) == 2:
                children[0].linked_id = children[1].id
                children[1].linked_id = children[0].id
        self._store(o)
        for c in children:
            self._store(c)
        if otype == MARKET:
            o.status = PENDING
            self._emit_order(o)
            for c in children:
                self._emit_order(c)
            fills = book_fills(m, side, size, None)
            self._execute(o, fills, now, market_style=True)
        else:
            o.status = OPEN
            self._working[spec.id][o.id] = o
            self._emit_order(o)
            for c in children:
                self._emit_order(c)
            self._match_one(o, m, now)
        return env(orderId=o.id)

    def _set_prices(self, o: Order, m: ContractMarket, body: dict[str, Any]) -> str | None:
        """Validate and set the prices of a new order (step 8); return an error message."""
        spec = o.spec
        t = o.type
        if t in (LIMIT, STOP_LIMIT):
            lp = body.get("limitPrice")
            if lp is None:
                return "Limit price is required."
            if not _positive(lp):
                return MSG_PRICE_NOT_POSITIVE
            if not spec.is_aligned(float(lp)):
                return MSG_PRICE_ALIGN
            o.limit = spec.to_ticks(float(lp))
        if t in (STOP, STOP_LIMIT):
            sp = body.get("stopPrice")
            if sp is None:
                return "Stop price is required."
            if not _positive(sp):
                return MSG_PRICE_NOT_POSITIVE
            if not spec.is_aligned(float(sp)):
                return MSG_PRICE_ALIGN
            o.stop = spec.to_ticks(float(sp))
        if t == TRAIL:
            tp = body.get("trailPrice")
            if tp is None:
                return MSG_TRAIL_NOT_SET
            err = self._set_trail(o, m, float(tp), max_ticks=MAX_TRAIL_TICKS)
            if err is not None:
                return err
        if t == JOIN_BID:
            if not m.bids:
                return MSG_INVALID_SYMBOL
            o.limit = m.bb
        if t == JOIN_ASK:
            if not m.asks:
                return MSG_INVALID_SYMBOL
            o.limit = m.ba
        if t == MARKET and not (m.asks if o.side == 0 else m.bids):
            return MSG_INVALID_SYMBOL
        return None

    def _set_trail(
        self, o: Order, m: ContractMarket, trail_price: float, max_ticks: int | None
    ) -> str | None:
        spec = o.spec
        if not _positive(trail_price):
            return MSG_PRICE_NOT_POSITIVE
        if not spec.is_aligned(trail_price):
            return MSG_TRAIL_ALIGN
        if m.last_ticks is None:
            return MSG_NO_LAST
        dist = abs(m.last_ticks - spec.to_ticks(trail_price))
        if max_ticks is not None and dist > max_ticks:
            return MSG_TRAIL_MAX
        o.trail_dist = dist
        o.extreme = m.last_ticks
        o.stop = m.last_ticks - dist if o.side == 1 else m.last_ticks + dist
        return None

    def _reject(
        self,
        acct: Account,
        spec: ContractSpec,
        body: dict[str, Any],
        now: int,
        code: int,
        message: str | None,
        *,
        keep_tag: bool = True,
    ) -> dict[str, Any]:
        """Create ``body`` as a Rejected order (events 6 then 5); return the failure envelope."""
        otype, side, size = body.get("type"), body.get("side"), body.get("size")
        o = Order(self._new_order_id(), acct.id, spec, to_int(otype), to_int(side), to_int(size))
        o.created_ns = o.updated_ns = now
        for key, attr in (("limitPrice", "limit"), ("stopPrice", "stop")):
            v = body.get(key)
            if v is not None and spec.is_aligned(float(v)):
                setattr(o, attr, spec.to_ticks(float(v)))
        tag = body.get("customTag")
        if tag is not None and keep_tag:
            o.tag = str(tag)
            self._tags[acct.id].add(o.tag)
        self._store(o)
        o.status = PENDING
        self._emit_order(o)
        o.status = REJECTED
        self._emit_order(o)
        return env(code, message, orderId=o.id)

    def _funds_ok(self, acct: Account, spec: ContractSpec, side: int, size: int) -> bool:
        pos = self.positions.get((acct.id, spec.id))
        cur = pos.size if pos is not None else 0
        new = cur + (size if side == 0 else -size)
        if abs(new) <= abs(cur):
            return True
        need = abs(new) * spec.margin
        for (aid, cid), p in self.positions.items():
            if aid == acct.id and cid != spec.id and p.size:
                need += abs(p.size) * p.spec.margin
        return need <= acct.balance

    def _order_cancel(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1)
        if acct.follower:
            return env(6, MSG_FOLLOWER)
        if not acct.simulated:
            return env(6, MSG_LIVE)
        o = self.orders.get(to_int(body.get("orderId")))
        if o is None or o.account_id != acct.id:
            return env(2)
        if o.status not in WORKING:
            return env(3, MSG_NOT_WORKING)
        now = self._now()
        self._cancel(o, now)
        if o.parent_id is None and o.child_ids:
            if o.fill_volume:
                self._activate_children(o, now)
            else:
                for cid in o.child_ids:
                    c = self.orders[cid]
                    if c.status in WORKING:
                        self._cancel(c, now)
        return env()

    def _cancel(self, o: Order, now: int) -> None:
        o.status = CANCELLED
        o.updated_ns = now
        self._working[o.spec.id].pop(o.id, None)
        self._emit_order(o)

    def _order_modify(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1)
        o = self.orders.get(to_int(body.get("orderId")))
        if o is None or o.account_id != acct.id:
            return env(2)
        if o.status not in (OPEN, SUSPENDED):
            return env(3, MSG_NOT_WORKING)
        spec = o.spec
        m = self._mkt(spec.id)
        if m is None:
            return env(7)
        now = self._now()
        self.market.sync(now)
        if o.status not in (OPEN, SUSPENDED):  # filled while the market caught up
            return env(3, MSG_NOT_WORKING)
        size, lp, sp, tp = (body.get(k) for k in ("size", "limitPrice", "stopPrice", "trailPrice"))
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                return env(3, "Invalid order size.")
            if size < o.fill_volume:
                return env(3, "Size cannot be less than the filled volume.")
        new_limit = new_stop = None
        if any(v is not None and not _positive(v) for v in (lp, sp, tp)):
            return env(3, MSG_PRICE_NOT_POSITIVE)
        if lp is not None:
            if o.type not in (LIMIT, STOP_LIMIT, JOIN_BID, JOIN_ASK):
                return env(3, "Limit price cannot be set on this order type.")
            if not spec.is_aligned(float(lp)):
                return env(3, MSG_PRICE_ALIGN)
            new_limit = spec.to_ticks(float(lp))
        if sp is not None:
            if o.type not in (STOP, STOP_LIMIT):
                return env(3, "Stop price cannot be set on this order type.")
            if not spec.is_aligned(float(sp)):
                return env(3, MSG_PRICE_ALIGN)
            new_stop = spec.to_ticks(float(sp))
        if tp is not None:
            if o.type != TRAIL:
                return env(3, "Trail price cannot be set on this order type.")
            probe = Order(0, o.account_id, spec, TRAIL, o.side, o.size)
            err = self._set_trail(probe, m, float(tp), max_ticks=None)
            if err is not None:
                return env(3, err)
            o.trail_dist, o.extreme, o.stop = probe.trail_dist, probe.extreme, probe.stop
        if size is not None:
            o.size = size
        if new_limit is not None:
            o.limit = new_limit
        if new_stop is not None:
            o.stop = new_stop
        o.updated_ns = now
        if o.status == OPEN and o.fill_volume and o.fill_volume == o.size:
            o.status = FILLED
            self._working[spec.id].pop(o.id, None)
        self._emit_order(o)
        if o.status == OPEN:
            self._match_one(o, m, now)
        return env()

    # ============================================================ positions
    def _position_search_open(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1, positions=None)
        rows = [
            self._position_wire(p, p.size > 0)
            for (aid, _), p in self.positions.items()
            if aid == acct.id and p.size != 0
        ]
        rows.sort(key=lambda r: r["id"])
        return env(positions=rows)

    def _close(
        self, user: str, body: dict[str, Any], partial: bool
    ) -> tuple[int, Order | None, Position | None, ContractMarket | None]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return 1, None, None, None
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return 3, None, None, None
        m = self._mkt(spec.id)
        if not spec.active or m is None:
            return 4, None, None, None
        if not acct.can_trade:
            return (9 if partial else 8), None, None, None
        now = self._now()
        self.market.sync(now)
        pos = self.positions.get((acct.id, spec.id))
        if pos is None or pos.size == 0:
            return 2, None, None, None
        size = abs(pos.size)
        if partial:
            raw = body.get("size")
            size = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
            if not 0 < size <= abs(pos.size):
                return 5, None, None, None
        side = 1 if pos.size > 0 else 0
        if not (m.asks if side == 0 else m.bids) or (self.trading_hours and not market_open(now)):
            return (6 if partial else 5), None, None, None  # the closing order is rejected
        o = Order(self._new_order_id(), acct.id, spec, MARKET, side, size)
        o.created_ns = o.updated_ns = now
        return 0, o, pos, m

    def _position_close(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        code, o, _pos, m = self._close(user, body, partial=False)
        if code or o is None or m is None:
            return env(code)
        self._run_market_order(o, m)
        return env()

    def _position_partial_close(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        code, o, _pos, m = self._close(user, body, partial=True)
        if code or o is None or m is None:
            return env(code)
        self._run_market_order(o, m)
        return env()

    def _run_market_order(self, o: Order, m: ContractMarket) -> None:
        self._store(o)
        o.status = PENDING
        self._emit_order(o)
        self._execute(o, book_fills(m, o.side, o.size, None), o.created_ns, market_style=True)

    # =============================================================== trades
    def _trade_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(1, trades=None)
        start = to_ns(body.get("startTimestamp"), 0)
        end = to_ns(body.get("endTimestamp"), 2**63 - 1)
        rows = [dict(t) for ts, t in reversed(self._trades[acct.id]) if start <= ts < end]
        return env(trades=rows)

    # ============================================================= matching
    def _on_step(self, cid: str, ts_ns: int, trade_ticks: int, volume: int) -> None:
        working = self._working.get(cid)
        if working:
            self._match(cid, self.market.markets[cid], ts_ns, trade_ticks, volume)

    def _match(self, cid: str, m: ContractMarket, ts_ns: int, trade: int, vol: int) -> None:
        """Trigger and fill the working orders of ``cid`` after a market step.

        Skipped when there was no trade and the top of book (prices and sizes) is unchanged
        since the last check: nothing a resting order looks at has moved.
        """
        top = (m.bb, m.ba, m.bids.get(m.bb), m.asks.get(m.ba))
        if trade < 0 and self._tops.get(cid) == top:
            return
        self._tops[cid] = top
        working = self._working[cid]
        for o in list(working.values()):
            if o.status != OPEN:
                working.pop(o.id, None)
                continue
            fills = self._fills_for(o, m, trade, vol)
            if fills:
                self._execute(o, fills, ts_ns, market_style=False)

    def _match_one(self, o: Order, m: ContractMarket, ts_ns: int) -> None:
        """Check one new, modified or just activated order against the current book."""
        if o.status == OPEN:
            fills = self._fills_for(o, m, -1, 0)
            if fills:
                self._execute(o, fills, ts_ns, market_style=False)

    def _fills_for(
        self, o: Order, m: ContractMarket, trade: int, vol: int
    ) -> list[tuple[int, int]] | None:
        t = o.type
        buy = o.side == 0
        if t in (STOP, TRAIL) or (t == STOP_LIMIT and not o.triggered):
            if t == TRAIL and trade >= 0:
                if buy and trade < o.extreme:
                    o.extreme = trade
                    o.stop = trade + (o.trail_dist or 0)
                elif not buy and trade > o.extreme:
                    o.extreme = trade
                    o.stop = trade - (o.trail_dist or 0)
            s = o.stop
            assert s is not None
            if buy:
                hit = (trade >= 0 and trade >= s) or (bool(m.asks) and m.ba >= s)
            else:
                hit = (trade >= 0 and trade <= s) or (bool(m.bids) and m.bb <= s)
            if not hit:
                return None
            if t != STOP_LIMIT:
                return book_fills(m, o.side, o.remaining, None)
            o.triggered = True
        lim = o.limit
        assert lim is not None
        if buy:
            if m.asks and m.ba <= lim:
                return book_fills(m, 0, o.remaining, lim)
            if trade >= 0 and trade <= lim:
                return [(lim, min(o.remaining, vol))]
        else:
            if m.bids and m.bb >= lim:
                return book_fills(m, 1, o.remaining, lim)
            if trade >= 0 and trade >= lim:
                return [(lim, min(o.remaining, vol))]
        return None

    def _execute(
        self, o: Order, fills: list[tuple[int, int]], ts_ns: int, *, market_style: bool
    ) -> None:
        """Apply fills to order, position and balance; emit the §9.5 event sequence."""
        acct = self.accounts[o.account_id]
        spec = o.spec
        trades: list[dict[str, Any]] = []
        reemits: list[dict[str, Any]] = []
        pos_events: list[dict[str, Any]] = []
        emit = bool(self._listeners)
        went_flat = False
        filled = 0
        for ticks, q in fills:
            if q <= 0:
                continue
            q = min(q, o.remaining)
            if q <= 0:
                break
            o.fill_volume += q
            o.fill_cost += ticks * q
            pnl, opened, pos, matched, flat, pev = self._apply_position(
                acct, spec, o.side, ticks, q, ts_ns
            )
            went_flat = went_flat or flat
            fee = round(spec.fee * q, 2)
            comm = round(spec.commission * q, 2)
            trade: dict[str, Any] = {
                "id": self._next_trade_id,
                "accountId": acct.id,
                "contractId": spec.id,
                "creationTimestamp": format_ts(ts_ns),
                "price": spec.price(ticks),
                "profitAndLoss": pnl,
                "fees": fee if self.extended else round(fee + comm, 2),
                "side": o.side,
                "size": q,
                "voided": False,
                "orderId": o.id,
            }
            if self.extended:
                trade["commissions"] = comm
            self._next_trade_id += 1
            acct.balance = round(acct.balance + (pnl or 0.0) - fee - comm, 2)
            self._trades[acct.id].append((ts_ns, trade))
            trades.append(trade)
            if opened and pos is not None:
                pos.lots.append([trade, opened])
            if self.emit_matched_open_trade:
                reemits.extend(matched)
            pos_events.extend(pev)
            filled += q
        o.updated_ns = ts_ns
        if o.fill_volume >= o.size:
            o.status = FILLED
            self._working[spec.id].pop(o.id, None)
        elif market_style:
            # remaining size beyond the displayed depth: filled at the worst level (book_fills)
            o.status = OPEN
        if emit:
            if not market_style:
                self._emit_order(o)
            for tr in trades:
                self._emit("GatewayUserTrade", acct.id, 0, tr)
            for tr in reemits:
                self._emit("GatewayUserTrade", acct.id, 1, tr)
            if market_style:
                self._emit_order(o)
            for pe in pos_events:
                self._emit("GatewayUserPosition", acct.id, 1, pe, True)
            self._emit_account(acct)
        self._after_fill(o, filled, ts_ns, went_flat)

    def _apply_position(
        self, acct: Account, spec: ContractSpec, side: int, ticks: int, q: int, ts_ns: int
    ) -> tuple[
        float | None, int, Position | None, list[dict[str, Any]], bool, list[dict[str, Any]]
    ]:
        """Update the net position; return (realised P&L or None, opened qty, position that
        got the opened qty, matched opening trades, went flat, position events)."""
        key = (acct.id, spec.id)
        pos = self.positions.get(key)
        signed = q if side == 0 else -q
        events: list[dict[str, Any]] = []
        emit = bool(self._listeners)
        if pos is None or pos.size == 0:
            pos = self._open_position(acct, spec, ts_ns)
            pos.size = signed
            pos.avg_num, pos.avg_den = ticks, 1
            if emit:
                events.append(self._position_wire(pos, signed > 0))
            return None, q, pos, [], False, events
        long = pos.size > 0
        if (signed > 0) == long:
            n = abs(pos.size)
            num = pos.avg_num * n + ticks * q * pos.avg_den
            den = pos.avg_den * (n + q)
            g = gcd(num, den)
            pos.avg_num, pos.avg_den = num // g, den // g
            pos.size += signed
            if emit:
                events.append(self._position_wire(pos, long))
            return None, q, pos, [], False, events
        close_q = min(q, abs(pos.size))
        den = pos.avg_den
        diff = ticks * den - pos.avg_num if long else pos.avg_num - ticks * den  # / den ticks
        tv_den = spec.tick_value_q.denominator
        if den == 1 and tv_den & (tv_den - 1) == 0:  # binary tick value: int * value is exact
            pnl = round(diff * close_q * spec.tick_value, 2)
        else:
            pnl = round(float(Fraction(diff * close_q, den) * spec.tick_value_q), 2)
        matched: list[dict[str, Any]] = []
        left = close_q
        while left and pos.lots:
            lot = pos.lots[0]
            matched.append(lot[0])
            take = min(left, lot[1])
            lot[1] -= take
            left -= take
            if lot[1] == 0:
                pos.lots.popleft()
        pos.size += signed if abs(signed) <= abs(pos.size) else (-pos.size)
        flat = pos.size == 0
        if emit:
            events.append(self._position_wire(pos, long))
        opened = q - close_q
        new_pos = None
        if opened:
            new_pos = self._open_position(acct, spec, ts_ns)
            new_pos.size = opened if side == 0 else -opened
            new_pos.avg_num, new_pos.avg_den = ticks, 1
            if emit:
                events.append(self._position_wire(new_pos, side == 0))
        return pnl, opened, new_pos, matched, flat, events

    def _open_position(self, acct: Account, spec: ContractSpec, ts_ns: int) -> Position:
        pos = Position(self._next_position_id, acct.id, spec, ts_ns)
        self._next_position_id += 1
        self.positions[(acct.id, spec.id)] = pos
        return pos

    def _after_fill(self, o: Order, filled: int, ts_ns: int, went_flat: bool) -> None:
        """Bracket bookkeeping after ``o`` filled ``filled`` more contracts."""
        if o.child_ids and o.status == FILLED:
            self._activate_children(o, ts_ns)
        if o.parent_id is not None and o.linked_id is not None and filled:
            sib = self.orders.get(o.linked_id)
            if sib is not None and sib.status in (OPEN, SUSPENDED):
                if o.status == FILLED or sib.remaining - filled <= 0:
                    self._cancel(sib, ts_ns)
                else:
                    sib.size -= filled
                    sib.updated_ns = ts_ns
                    self._emit_order(sib)
        if went_flat:
            for c in list(self._working[o.spec.id].values()):
                if (
                    c.account_id == o.account_id
                    and c.parent_id is not None
                    and c.status == OPEN
                    and c.id != o.id
                ):
                    self._cancel(c, ts_ns)

    def _activate_children(self, parent: Order, ts_ns: int) -> None:
        avg = round(Fraction(parent.fill_cost, parent.fill_volume))
        for bracket in (parent.sl, parent.tp):
            if bracket is None:
                continue
            ticks, cid = bracket
            c = self.orders[cid]
            if c.status != SUSPENDED:
                continue
            level = avg + ticks
            c.size = parent.fill_volume
            if c.type == TRAIL:
                c.trail_dist = abs(ticks)
                c.extreme = avg
                c.stop = level
            elif c.type == LIMIT:
                c.limit = level
            else:
                c.stop = level
            c.status = OPEN
            c.updated_ns = ts_ns
            self._working[c.spec.id][c.id] = c
            self._emit_order(c)
        m = self._mkt(parent.spec.id)
        if m is not None:
            for cid in parent.child_ids:
                self._match_one(self.orders[cid], m, ts_ns)
