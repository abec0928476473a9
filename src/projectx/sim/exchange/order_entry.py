"""Order entry of the simulator's exchange: ``Order/place``, ``Order/cancel``, ``Order/modify``.

``Order/place`` runs the validation steps of spec §9.3 in order (account, account state,
contract, market hours, type/side/size, prices, customTag, brackets, funds), each answering with
its :class:`~projectx.sim.exchange.codes.PlaceOrderErrorCode`. Prices must be finite and > 0
before any tick check, on place and on modify (``MSG_PRICE_NOT_POSITIVE``).

Session calendar (off by default; ``trading_hours=True``): ``Order/place`` outside CME Globex
hours (:mod:`projectx.sim.calendar`) -> errorCode 5 OutsideTradingHours; position closes ->
OrderRejected. The synthetic market keeps ticking either way.

Order rejections of §9.3 steps 8-11 (prices, trailing rules, customTag, brackets, funds) and
``reject_next_order`` create the order as Rejected, emit it with status 6 then 5 and return its
``orderId`` with ``success: false``; earlier steps (account, contract, type/side/size) return
``orderId: null`` and create nothing.
"""

from __future__ import annotations

import math
from typing import Any

from projectx.sim.calendar import market_open
from projectx.sim.contracts import ContractSpec
from projectx.sim.exchange.codes import (
    MSG_BRACKET_MODE,
    MSG_FOLLOWER,
    MSG_INSUFFICIENT_FUNDS,
    MSG_INVALID_SIDE,
    MSG_INVALID_SIZE,
    MSG_INVALID_SYMBOL,
    MSG_INVALID_TYPE,
    MSG_LIMIT_NOT_ALLOWED,
    MSG_LIMIT_REQUIRED,
    MSG_LIVE,
    MSG_NO_LAST,
    MSG_NOT_WORKING,
    MSG_PRICE_ALIGN,
    MSG_PRICE_NOT_POSITIVE,
    MSG_SIZE_BELOW_FILLED,
    MSG_STOP_NOT_ALLOWED,
    MSG_STOP_REQUIRED,
    MSG_TAG_NOT_UNIQUE,
    MSG_TRAIL_ALIGN,
    MSG_TRAIL_MAX,
    MSG_TRAIL_NOT_ALLOWED,
    MSG_TRAIL_NOT_SET,
    MSG_UNSUPPORTED,
    CancelOrderErrorCode,
    ModifyOrderErrorCode,
    PlaceOrderErrorCode,
)
from projectx.sim.exchange.execution import Execution
from projectx.sim.market import ContractMarket
from projectx.sim.orders import (
    FILLED,
    JOIN_ASK,
    JOIN_BID,
    LIMIT,
    MARKET,
    MAX_TRAIL_TICKS,
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
    book_fills,
    check_brackets,
    env,
    to_int,
)

__all__ = ["OrderEntry"]


def _positive(value: Any) -> bool:
    """A price a Gateway accepts at all: a finite number > 0 (before any tick check)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0


class OrderEntry(Execution):
    """Placing, cancelling and modifying orders (the §9.3 validation steps)."""

    def reject_next_order(self, error_code: int, message: str | None = None) -> None:
        """Fault: the next ``Order/place`` that passes account and contract checks is rejected
        with ``error_code`` / ``message`` (order created as Rejected, its id returned)."""
        self._reject_next = (int(error_code), message)

    # ======================================================== place / cancel
    def _order_place(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(PlaceOrderErrorCode.ACCOUNT_NOT_FOUND, orderId=None)
        if not acct.can_trade:
            return env(PlaceOrderErrorCode.ACCOUNT_REJECTED, orderId=None)
        if acct.violation:
            return env(PlaceOrderErrorCode.ACCOUNT_VIOLATION, orderId=None)
        spec = self.contracts.get(str(body.get("contractId")))
        if spec is None:
            return env(PlaceOrderErrorCode.CONTRACT_NOT_FOUND, orderId=None)
        m = self._mkt(spec.id)
        if not spec.active or m is None:
            return env(PlaceOrderErrorCode.CONTRACT_NOT_ACTIVE, orderId=None)
        if self.trading_hours and not market_open(self.clock.now_ns()):
            return env(PlaceOrderErrorCode.OUTSIDE_TRADING_HOURS, orderId=None)
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
            msg = MSG_UNSUPPORTED if otype in (0, 3) else MSG_INVALID_TYPE
            return env(PlaceOrderErrorCode.ORDER_REJECTED, msg, orderId=None)
        if side not in (0, 1) or isinstance(side, bool):
            return env(PlaceOrderErrorCode.ORDER_REJECTED, MSG_INVALID_SIDE, orderId=None)
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            return env(PlaceOrderErrorCode.ORDER_REJECTED, MSG_INVALID_SIZE, orderId=None)
        # step 8: prices for the type
        o = Order(0, acct.id, spec, otype, side, size)
        err = self._set_prices(o, m, body)
        if err is not None:
            return self._reject(acct, spec, body, now, PlaceOrderErrorCode.ORDER_REJECTED, err)
        # step 9: customTag unique on the account
        tag = body.get("customTag")
        if tag is not None:
            tag = str(tag)
            if tag in self._tags[acct.id]:
                return self._reject(
                    acct,
                    spec,
                    body,
                    now,
                    PlaceOrderErrorCode.ORDER_REJECTED,
                    MSG_TAG_NOT_UNIQUE,
                    keep_tag=False,
                )
        # step 10: brackets
        sl, tp = body.get("stopLossBracket"), body.get("takeProfitBracket")
        if sl is not None or tp is not None:
            if acct.bracket_mode != "auto_oco":
                return self._reject(
                    acct, spec, body, now, PlaceOrderErrorCode.ORDER_REJECTED, MSG_BRACKET_MODE
                )
            err = check_brackets(side, sl, tp)
            if err is not None:
                return self._reject(acct, spec, body, now, PlaceOrderErrorCode.ORDER_REJECTED, err)
        # step 11: funds
        if not self._funds_ok(acct, spec, side, size):
            return self._reject(
                acct,
                spec,
                body,
                now,
                PlaceOrderErrorCode.INSUFFICIENT_FUNDS,
                MSG_INSUFFICIENT_FUNDS,
            )
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
            self._working[spec.id].add(o)
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
                return MSG_LIMIT_REQUIRED
            if not _positive(lp):
                return MSG_PRICE_NOT_POSITIVE
            if not spec.is_aligned(float(lp)):
                return MSG_PRICE_ALIGN
            o.limit = spec.to_ticks(float(lp))
        if t in (STOP, STOP_LIMIT):
            sp = body.get("stopPrice")
            if sp is None:
                return MSG_STOP_REQUIRED
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

    def _order_cancel(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(CancelOrderErrorCode.ACCOUNT_NOT_FOUND)
        if acct.follower:
            return env(CancelOrderErrorCode.ACCOUNT_REJECTED, MSG_FOLLOWER)
        if not acct.simulated:
            return env(CancelOrderErrorCode.ACCOUNT_REJECTED, MSG_LIVE)
        o = self.orders.get(to_int(body.get("orderId")))
        if o is None or o.account_id != acct.id:
            return env(CancelOrderErrorCode.ORDER_NOT_FOUND)
        if o.status not in WORKING:
            return env(CancelOrderErrorCode.REJECTED, MSG_NOT_WORKING)
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

    def _order_modify(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        acct = self._account(user, body.get("accountId"))
        if acct is None:
            return env(ModifyOrderErrorCode.ACCOUNT_NOT_FOUND)
        o = self.orders.get(to_int(body.get("orderId")))
        if o is None or o.account_id != acct.id:
            return env(ModifyOrderErrorCode.ORDER_NOT_FOUND)
        if o.status not in (OPEN, SUSPENDED):
            return env(ModifyOrderErrorCode.REJECTED, MSG_NOT_WORKING)
        spec = o.spec
        m = self._mkt(spec.id)
        if m is None:
            return env(ModifyOrderErrorCode.CONTRACT_NOT_FOUND)
        now = self._now()
        self.market.sync(now)
        if o.status not in (OPEN, SUSPENDED):  # filled while the market caught up
            return env(ModifyOrderErrorCode.REJECTED, MSG_NOT_WORKING)
        size, lp, sp, tp = (body.get(k) for k in ("size", "limitPrice", "stopPrice", "trailPrice"))
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                return env(ModifyOrderErrorCode.REJECTED, MSG_INVALID_SIZE)
            if size < o.fill_volume:
                return env(ModifyOrderErrorCode.REJECTED, MSG_SIZE_BELOW_FILLED)
        new_limit = new_stop = None
        if any(v is not None and not _positive(v) for v in (lp, sp, tp)):
            return env(ModifyOrderErrorCode.REJECTED, MSG_PRICE_NOT_POSITIVE)
        if lp is not None:
            if o.type not in (LIMIT, STOP_LIMIT, JOIN_BID, JOIN_ASK):
                return env(ModifyOrderErrorCode.REJECTED, MSG_LIMIT_NOT_ALLOWED)
            if not spec.is_aligned(float(lp)):
                return env(ModifyOrderErrorCode.REJECTED, MSG_PRICE_ALIGN)
            new_limit = spec.to_ticks(float(lp))
        if sp is not None:
            if o.type not in (STOP, STOP_LIMIT):
                return env(ModifyOrderErrorCode.REJECTED, MSG_STOP_NOT_ALLOWED)
            if not spec.is_aligned(float(sp)):
                return env(ModifyOrderErrorCode.REJECTED, MSG_PRICE_ALIGN)
            new_stop = spec.to_ticks(float(sp))
        if tp is not None:
            if o.type != TRAIL:
                return env(ModifyOrderErrorCode.REJECTED, MSG_TRAIL_NOT_ALLOWED)
            probe = Order(0, o.account_id, spec, TRAIL, o.side, o.size)
            err = self._set_trail(probe, m, float(tp), max_ticks=None)
            if err is not None:
                return env(ModifyOrderErrorCode.REJECTED, err)
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
            self._working[spec.id].remove(o.id)
        self._emit_order(o)
        if o.status == OPEN:
            self._match_one(o, m, now)
        return env()
