"""The endpoints of the simulator's exchange: the route table and the read-side endpoints.

:class:`Exchange` is the top layer: :meth:`Exchange.handle` serves one business endpoint (path
after ``/api/``, any case) and returns the full envelope. This module holds the route table and
the endpoints that read (accounts, contracts, bars, order/position/trade searches) or only hand
off to the lower layers (position closes); order entry is in
:mod:`projectx.sim.exchange.order_entry`.
"""

from __future__ import annotations

from typing import Any

from projectx.sim.bars import BarError
from projectx.sim.calendar import market_open
from projectx.sim.exchange.base import Route
from projectx.sim.exchange.codes import (
    ClosePositionErrorCode,
    PartialClosePositionErrorCode,
    RetrieveBarErrorCode,
    SearchContractByIdErrorCode,
    SearchOrderByIdErrorCode,
    SearchOrderErrorCode,
    SearchPositionErrorCode,
    SearchTradeErrorCode,
)
from projectx.sim.exchange.order_entry import OrderEntry
from projectx.sim.market import ContractMarket
from projectx.sim.orders import MARKET, OPEN, Order, Position, env, to_int, to_ns

__all__ = ["Exchange"]


class Exchange(OrderEntry):
    """Accounts, orders, matching engine, positions and balances (see :mod:`projectx.sim.exchange`).

    ``Exchange(market, clock, *, profile="legacy", emit_matched_open_trade=True,
    account_event_repeats=1, trading_hours=False)``.
    """

    def _route_table(self) -> dict[str, Route]:
        """Endpoint -> handler, keyed by the path after ``/api/`` in lower case."""
        return {
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

    # ============================================================== dispatch
    def handle(self, endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Serve business endpoint ``endpoint`` (path after ``/api/``, any case) for a user."""
        route = self._routes.get(endpoint.strip("/").lower())
        if route is None:
            raise KeyError(f"unknown endpoint {endpoint!r}")
        return route(user_name.lower(), body)

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
        # live (front) contracts only, as the Gateway lists them; expired ones stay reachable
        # through searchById
        hits = [
            s
            for s in self.contracts.values()
            if s.active
            and (
                text in s.name.lower()
                or text in s.root.lower()
                or text in s.ticker.lower()
                or text in s.description.lower()
            )
        ]
        return env(contracts=[s.to_wire(self.profile) for s in hits[:20]])

    def _contract_search_by_id(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return env(SearchContractByIdErrorCode.CONTRACT_NOT_FOUND, contract=None)
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
            return env(RetrieveBarErrorCode.CONTRACT_NOT_FOUND, bars=None)
        return env(bars=bars)

    # ======================================================== order queries
    def _order_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(SearchOrderErrorCode.ACCOUNT_NOT_FOUND, orders=None)
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
            return env(SearchOrderErrorCode.ACCOUNT_NOT_FOUND, orders=None)
        rows = [self._order_wire(o) for o in self._orders_by_account[acct.id] if o.status == OPEN]
        return env(orders=rows)

    def _order_search_by_id(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        o = self.orders.get(to_int(body.get("orderId")))
        if acct is None or o is None or o.account_id != acct.id:
            return env(SearchOrderByIdErrorCode.ORDER_NOT_FOUND, order=None)
        return env(order=self._order_wire(o))

    def _order_query(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        flt = body.get("filter") or {}
        acct = self._account(user, flt.get("accountId"))
        if acct is None:
            return env(SearchOrderErrorCode.ACCOUNT_NOT_FOUND, orders=None, totalCount=None)
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

    # ============================================================ positions
    def _position_search_open(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(SearchPositionErrorCode.ACCOUNT_NOT_FOUND, positions=None)
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
        codes = PartialClosePositionErrorCode if partial else ClosePositionErrorCode
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return codes.ACCOUNT_NOT_FOUND, None, None, None
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return codes.CONTRACT_NOT_FOUND, None, None, None
        m = self._mkt(spec.id)
        if not spec.active or m is None:
            return codes.CONTRACT_NOT_ACTIVE, None, None, None
        if not acct.can_trade:
            return codes.ACCOUNT_REJECTED, None, None, None
        now = self._now()
        self.market.sync(now)
        pos = self.positions.get((acct.id, spec.id))
        if pos is None or pos.size == 0:
            return codes.POSITION_NOT_FOUND, None, None, None
        size = abs(pos.size)
        if partial:
            raw = body.get("size")
            size = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
            if not 0 < size <= abs(pos.size):
                return PartialClosePositionErrorCode.INVALID_CLOSE_SIZE, None, None, None
        side = 1 if pos.size > 0 else 0
        if not (m.asks if side == 0 else m.bids) or (self.trading_hours and not market_open(now)):
            return codes.ORDER_REJECTED, None, None, None  # the closing order is rejected
        o = Order(self._new_order_id(), acct.id, spec, MARKET, side, size)
        o.created_ns = o.updated_ns = now
        return codes.SUCCESS, o, pos, m

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

    # =============================================================== trades
    def _trade_search(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(SearchTradeErrorCode.ACCOUNT_NOT_FOUND, trades=None)
        start = to_ns(body.get("startTimestamp"), 0)
        end = to_ns(body.get("endTimestamp"), 2**63 - 1)
        rows = [dict(t) for ts, t in reversed(self._trades[acct.id]) if start <= ts < end]
        return env(trades=rows)
