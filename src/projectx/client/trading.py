"""The trading endpoints of :class:`~projectx.client.ProjectX` (spec §4.5-§4.7): orders,
positions and trades.

A mixin of ``ProjectX``: it sends through the client's request pipeline and resolves accounts and
contracts with the client's own methods (declared below, implemented by ``ProjectX``). Mutating
calls are sent once; an unknown outcome raises
:class:`~projectx.exceptions.OrderSubmissionUncertainError` (see :mod:`projectx.client.transport`).
"""

from __future__ import annotations

import itertools
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from projectx.client.answers import (
    ImplausibleOrderIdError,
    checked_order,
    checked_position,
    checked_trade,
    parse_entities,
    parse_entity,
    place_order_id,
)
from projectx.client.envelope import check_envelope, error_code
from projectx.client.transport import ClientStats, Transport
from projectx.enums import OrderSide, OrderStatus, OrderType
from projectx.exceptions import APIError, ValidationError
from projectx.models import Contract, Order, Position, Trade
from projectx.plausibility import AnomalyLog
from projectx.validation import (
    Bracket,
    check_aware,
    check_custom_tag,
    check_limit,
    check_order_id,
    check_order_prices,
    check_price,
    check_side,
    check_size,
    check_type,
)

__all__ = ["TradingEndpoints", "new_custom_tag"]

log = logging.getLogger(__name__)

_PLACE_PENDING = 6
"""PlaceOrderErrorCode ``OrderPending`` (spec §3.3): outcome not final, so not a rejection."""
_tag_counter = itertools.count(1)


def new_custom_tag() -> str:
    """A unique client tag: ``px-<16 hex random>-<process counter>``."""
    return f"px-{secrets.token_hex(8)}-{next(_tag_counter)}"


class TradingEndpoints:
    """``Order/*``, ``Position/*`` and ``Trade/search`` (mixed into ``ProjectX``)."""

    stats: ClientStats
    anomalies: AnomalyLog
    _transport: Transport

    # implemented by ProjectX
    async def _request(
        self, endpoint: str, body: Any, *, idempotent: bool, custom_tag: str | None = None
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def _account_id(self, account_id: int | None) -> int:
        raise NotImplementedError

    async def _contract_id(self, contract: str | Contract) -> str:
        raise NotImplementedError

    async def resolve_contract(
        self, symbol: str | Contract, *, live: bool | None = None
    ) -> Contract:
        """Implemented by :meth:`ProjectX.resolve_contract`."""
        raise NotImplementedError

    # ---------------------------------------------------------------- orders
    async def search_orders(
        self, start: datetime, end: datetime | None = None, *, account_id: int | None = None
    ) -> list[Order]:
        """``Order/search``: orders created in ``[start, end)`` (all statuses)."""
        body: dict[str, Any] = {"startTimestamp": check_aware(start, "start").isoformat()}
        body["endTimestamp"] = check_aware(end, "end").isoformat() if end is not None else None
        body = {"accountId": await self._account_id(account_id), **body}
        env = await self._request("Order/search", body, idempotent=True)
        return parse_entities(
            check_envelope(env, "Order/search"),
            "orders",
            checked_order,
            "Order/search",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def search_open_orders(self, *, account_id: int | None = None) -> list[Order]:
        """``Order/searchOpen``: working orders."""
        body = {"accountId": await self._account_id(account_id)}
        env = await self._request("Order/searchOpen", body, idempotent=True)
        return parse_entities(
            check_envelope(env, "Order/searchOpen"),
            "orders",
            checked_order,
            "Order/searchOpen",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def get_order(
        self,
        order_id: int,
        *,
        account_id: int | None = None,
        lookback: timedelta = timedelta(days=7),
    ) -> Order | None:
        """One order by id: ``Order/searchById`` where the server has it, else open orders and
        ``Order/search`` over ``lookback``. ``None`` when not found."""
        oid = check_order_id(order_id)
        aid = await self._account_id(account_id)
        try:
            env = await self._request(
                "Order/searchById", {"accountId": aid, "orderId": oid}, idempotent=True
            )
        except APIError as exc:
            if exc.status not in (404, 405):
                raise
        else:
            if env.get("success") is not True and error_code(env) == 1:
                return None
            raw = check_envelope(env, "Order/searchById").get("order")
            if raw is None:
                return None
            return parse_entity(
                raw, checked_order, "Order/searchById", self.anomalies, account_id=aid
            )
        for order in await self.search_open_orders(account_id=aid):
            if order.id == oid:
                return order
        since = datetime.now(UTC) - lookback
        for order in await self.search_orders(since, account_id=aid):
            if order.id == oid:
                return order
        return None

    async def query_orders(
        self,
        *,
        statuses: Iterable[OrderStatus | int] | None = None,
        contract: str | Contract | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 100,
        account_id: int | None = None,
    ) -> list[Order]:
        """``Order/v2/query`` (later API revision), all pages, oldest first. Unlike
        ``searchOpen`` it can return suspended bracket children (``statuses=[1, 8]``)."""
        size = check_limit(page_size, "page_size")
        flt: dict[str, Any] = {"accountId": await self._account_id(account_id)}
        if statuses is not None:
            wanted = []
            for st in statuses:
                try:
                    wanted.append(int(OrderStatus(st)))
                except ValueError:
                    raise ValidationError(f"unknown order status {st!r}") from None
            flt["statuses"] = wanted
        if contract is not None:
            flt["contractId"] = await self._contract_id(contract)
        if created_after is not None:
            flt["createdAfter"] = check_aware(created_after, "created_after").isoformat()
        if created_before is not None:
            flt["createdBefore"] = check_aware(created_before, "created_before").isoformat()
        out: list[Order] = []
        offset = 0
        while True:
            body = {
                "filter": flt,
                "pageSize": size,
                "pageOffset": offset,
                "sortBy": 0,
                "sortDirection": 0,
                "includeTotalCount": False,
            }
            env = await self._request("Order/v2/query", body, idempotent=True)
            page = parse_entities(
                check_envelope(env, "Order/v2/query"),
                "orders",
                checked_order,
                "Order/v2/query",
                self.anomalies,
                account_id=flt["accountId"],
            )
            out.extend(page)
            if len(page) < size:
                return out
            offset += len(page)

    async def find_orders_by_tag(
        self, custom_tag: str, *, since: datetime | None = None, account_id: int | None = None
    ) -> list[Order]:
        """Orders carrying ``custom_tag`` created since ``since`` (default: 1 day ago) — the way
        to reconcile after :class:`OrderSubmissionUncertainError`."""
        tag = check_custom_tag(custom_tag)
        start = since if since is not None else datetime.now(UTC) - timedelta(days=1)
        orders = await self.search_orders(start, account_id=account_id)
        return [o for o in orders if o.custom_tag == tag]

    async def place_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        order_type: OrderType | int | str = OrderType.MARKET,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        stop_loss: Bracket | tuple[int, OrderType | int | str] | None = None,
        take_profit: Bracket | tuple[int, OrderType | int | str] | None = None,
        account_id: int | None = None,
    ) -> int:
        """``Order/place``; returns the order id only on success.

        A rejection raises :class:`OrderRejectedError` (``error_code``, message and the
        ``order_id`` the server may still have assigned). Every order carries a unique
        ``customTag`` (generated when not given). The call is sent once: if the outcome is
        unknown (timeout, dropped connection, 5xx) :class:`OrderSubmissionUncertainError` is
        raised with that tag, to reconcile with :meth:`find_orders_by_tag`.
        """
        side_ = check_side(side)
        type_ = check_type(order_type)
        size_ = check_size(size)
        tag = check_custom_tag(custom_tag) if custom_tag is not None else new_custom_tag()
        sl = _bracket(stop_loss, "stop_loss")
        tp = _bracket(take_profit, "take_profit")
        given = {"limit_price": limit_price, "stop_price": stop_price, "trail_price": trail_price}
        for name, value in given.items():
            if value is not None:
                check_price(value, name)
        check_order_prices(type_, None, **given)
        aid = await self._account_id(account_id)
        contract_ = await self.resolve_contract(contract)
        prices = check_order_prices(type_, contract_, **given)
        body = {
            "accountId": aid,
            "contractId": contract_.id,
            "type": int(type_),
            "side": int(side_),
            "size": size_,
            "limitPrice": prices["limit_price"],
            "stopPrice": prices["stop_price"],
            "trailPrice": prices["trail_price"],
            "customTag": tag,
            "stopLossBracket": sl.to_wire() if sl else None,
            "takeProfitBracket": tp.to_wire() if tp else None,
        }
        env = await self._request("Order/place", body, idempotent=False, custom_tag=tag)
        raw_id = env.get("orderId")
        order_id, id_problem = place_order_id(raw_id)
        shown = repr(raw_id)[:40]
        if id_problem is not None:
            self.anomalies.report("Order/place", id_problem, f"orderId {shown}", custom_tag=tag)
        if env.get("success") is not True and error_code(env) == _PLACE_PENDING:
            # "OrderPending": the Gateway is still processing it; it may yet be accepted
            raise self._transport.uncertain("Order/place", f"OrderPending, orderId {order_id}", tag)
        check_envelope(env, "Order/place", order_id=order_id)  # a rejection keeps only a real id
        if id_problem is not None:
            self.stats.uncertain += 1
            log.error("Order/place: success with orderId %s; reconcile by customTag %s", shown, tag)
            raise ImplausibleOrderIdError(
                f"Order/place: success with an implausible orderId {shown} ({id_problem}); "
                f"outcome unknown, not resent; reconcile by customTag {tag!r}",
                custom_tag=tag,
                reason=id_problem,
            )
        if order_id is None:
            raise self._transport.uncertain("Order/place", "success without an orderId", tag)
        log.info(
            "order %d placed (%s %s x%d, tag %s)", order_id, type_.name, side_.name, size_, tag
        )
        return order_id

    async def place_market_order(
        self, contract: str | Contract, side: OrderSide | int | str, size: int, **kw: Any
    ) -> int:
        """A market order (see :meth:`place_order`)."""
        return await self.place_order(contract, side, size, OrderType.MARKET, **kw)

    async def place_limit_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        limit_price: float,
        **kw: Any,
    ) -> int:
        """A limit order at ``limit_price`` (on the tick grid)."""
        return await self.place_order(
            contract, side, size, OrderType.LIMIT, limit_price=limit_price, **kw
        )

    async def place_stop_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        stop_price: float,
        **kw: Any,
    ) -> int:
        """A stop (market) order triggered at ``stop_price``."""
        return await self.place_order(
            contract, side, size, OrderType.STOP, stop_price=stop_price, **kw
        )

    async def place_trailing_stop_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        trail_price: float,
        **kw: Any,
    ) -> int:
        """A trailing stop; ``trail_price`` is an absolute price level (spec §4.5.3)."""
        return await self.place_order(
            contract, side, size, OrderType.TRAILING_STOP, trail_price=trail_price, **kw
        )

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        contract: str | Contract | None = None,
        account_id: int | None = None,
    ) -> None:
        """``Order/modify`` (only the given fields change). Give ``contract`` to have prices
        checked against its tick grid first. Sent once (see :meth:`place_order`)."""
        oid = check_order_id(order_id)
        changes = {"limit_price": limit_price, "stop_price": stop_price, "trail_price": trail_price}
        if size is None and all(v is None for v in changes.values()):
            raise ValidationError("modify_order needs at least one of size/limit/stop/trail price")
        size_ = check_size(size) if size is not None else None
        for name, value in changes.items():
            if value is not None:
                check_price(value, name)
        aid = await self._account_id(account_id)
        if contract is not None:
            contract_ = await self.resolve_contract(contract)
            for name, value in changes.items():
                if value is not None:
                    check_price(value, name, contract_)
        body = {
            "accountId": aid,
            "orderId": oid,
            "size": size_,
            "limitPrice": None if limit_price is None else float(limit_price),
            "stopPrice": None if stop_price is None else float(stop_price),
            "trailPrice": None if trail_price is None else float(trail_price),
        }
        env = await self._request("Order/modify", body, idempotent=False)
        check_envelope(env, "Order/modify", order_id=oid)

    async def cancel_order(self, order_id: int, *, account_id: int | None = None) -> None:
        """``Order/cancel``. Sent once (see :meth:`place_order`)."""
        oid = check_order_id(order_id)
        aid = await self._account_id(account_id)
        env = await self._request(
            "Order/cancel", {"accountId": aid, "orderId": oid}, idempotent=False
        )
        check_envelope(env, "Order/cancel", order_id=oid)

    # ------------------------------------------------------------- positions
    async def search_open_positions(self, *, account_id: int | None = None) -> list[Position]:
        """``Position/searchOpen``."""
        body = {"accountId": await self._account_id(account_id)}
        env = await self._request("Position/searchOpen", body, idempotent=True)
        return parse_entities(
            check_envelope(env, "Position/searchOpen"),
            "positions",
            checked_position,
            "Position/searchOpen",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def close_position(
        self, contract: str | Contract, *, account_id: int | None = None
    ) -> None:
        """``Position/closeContract``: flatten at market. Sent once."""
        aid = await self._account_id(account_id)
        cid = await self._contract_id(contract)
        env = await self._request(
            "Position/closeContract", {"accountId": aid, "contractId": cid}, idempotent=False
        )
        check_envelope(env, "Position/closeContract")

    async def partial_close_position(
        self, contract: str | Contract, size: int, *, account_id: int | None = None
    ) -> None:
        """``Position/partialCloseContract``: take ``size`` contracts off at market. Sent once."""
        size_ = check_size(size)
        aid = await self._account_id(account_id)
        cid = await self._contract_id(contract)
        env = await self._request(
            "Position/partialCloseContract",
            {"accountId": aid, "contractId": cid, "size": size_},
            idempotent=False,
        )
        check_envelope(env, "Position/partialCloseContract")

    # ---------------------------------------------------------------- trades
    async def search_trades(
        self, start: datetime, end: datetime | None = None, *, account_id: int | None = None
    ) -> list[Trade]:
        """``Trade/search``: the account's fills in ``[start, end)``."""
        start_ = check_aware(start, "start").isoformat()
        end_ = check_aware(end, "end").isoformat() if end is not None else None
        aid = await self._account_id(account_id)
        body = {
            "accountId": aid,
            "startTimestamp": start_,
            "endTimestamp": end_,
        }
        env = await self._request("Trade/search", body, idempotent=True)
        return parse_entities(
            check_envelope(env, "Trade/search"),
            "trades",
            checked_trade,
            "Trade/search",
            self.anomalies,
            account_id=aid,
        )


def _bracket(value: Any, name: str) -> Bracket | None:
    if value is None or isinstance(value, Bracket):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return Bracket(value[0], value[1])
    if isinstance(value, Mapping) and set(value) == {"ticks", "type"}:
        return Bracket(value["ticks"], value["type"])
    raise ValidationError(f"{name} must be a Bracket, (ticks, type) or {{'ticks','type'}}")
