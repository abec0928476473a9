"""``RequestBuilder``: everything checked before an order is sent.

Contract resolution (cached), the tick grid, the stop side, the client tag and the risk gate.
Every refusal raises before anything reaches the Gateway and is counted in ``refused``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from projectx.client import ProjectX
from projectx.client.contracts import is_contract_id
from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ProjectXError, ValidationError
from projectx.models import Contract
from projectx.orders.errors import OrderRefusedError
from projectx.orders.prices import Prices, PriceSource, check_stop_side, on_grid, read_prices
from projectx.orders.records import OrderRequest, OrderRole, TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.stats import OrderStats
from projectx.validation import check_custom_tag, check_side

__all__ = [
    "InstrumentResolver",
    "RequestBuilder",
    "RequestSettings",
    "RiskGate",
    "check_size",
    "check_ticks",
]

InstrumentResolver = Callable[[str], "Contract | Awaitable[Contract | None] | None"]
RiskGate = Callable[[OrderRequest], "Awaitable[None] | None"]


class RequestSettings(Protocol):
    """The settings a builder reads at each call (the manager's public attributes)."""

    price_source: PriceSource | None
    risk_gate: RiskGate | None

    def new_tag(self) -> str:
        """A fresh client tag."""
        ...


def check_size(size: Any) -> int:
    """``size`` as an int > 0 (bools refused), else :class:`ValidationError`."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError(f"size must be an int, got {type(size).__name__}")
    if size <= 0:
        raise ValidationError(f"size must be > 0, got {size}")
    return size


def check_ticks(ticks: Any, name: str) -> int:
    """``ticks`` as a positive int distance, else :class:`ValidationError` naming ``name``."""
    if isinstance(ticks, bool) or not isinstance(ticks, int) or ticks <= 0:
        raise ValidationError(f"{name} must be a positive int (a distance in ticks), got {ticks!r}")
    return ticks


class RequestBuilder:
    """Validates and builds :class:`OrderRequest` values for one manager."""

    def __init__(
        self,
        client: ProjectX,
        settings: RequestSettings,
        registry: OrderRegistry,
        stats: OrderStats,
        resolver: InstrumentResolver | None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.registry = registry
        self.stats = stats
        self.resolver = resolver
        #: resolved contracts by the key they were asked with and by id
        self.contracts: dict[str, Contract] = {}

    async def contract(self, contract: Contract | str) -> Contract:
        """Resolve a contract (a :class:`Contract`, a symbol or a contract id); cached."""
        if isinstance(contract, Contract):
            self.contracts.setdefault(contract.id, contract)
            return contract
        if not isinstance(contract, str) or not contract.strip():
            raise ValidationError(f"contract must be a Contract or a symbol, got {contract!r}")
        key = contract.strip()
        cached = self.contracts.get(key)
        if cached is not None:
            return cached
        found: Contract | None
        if self.resolver is not None:
            got = self.resolver(key)
            found = await got if inspect.isawaitable(got) else got
            if found is None and is_contract_id(key):
                # an adopted order's contract id the suite does not hold: ask the Gateway
                found = await self.client.resolve_contract(key)
        else:
            found = await self.client.resolve_contract(key)
        if found is None:
            raise ValidationError(f"unknown contract {key!r}")
        self.contracts[key] = found
        self.contracts[found.id] = found
        return found

    def prices(self, contract_id: str) -> Prices:
        """Current prices of ``contract_id`` from the settings' ``price_source``."""
        return read_prices(self.settings.price_source, contract_id)

    async def gate(self, request: OrderRequest) -> None:
        """Ask the risk gate; any refusal raises (non-library errors as OrderRefusedError)."""
        gate = self.settings.risk_gate
        if gate is None:
            return
        try:
            result = gate(request)
            if inspect.isawaitable(result):
                await result
        except ProjectXError:
            self.stats.refused += 1
            raise
        except Exception as exc:
            self.stats.refused += 1
            raise OrderRefusedError(f"order refused by the risk gate: {exc}") from exc

    def tag(self, custom_tag: str | None) -> str:
        """The tag to send with: a fresh one, or ``custom_tag`` checked and unused."""
        if custom_tag is None:
            return self.settings.new_tag()
        tag = check_custom_tag(custom_tag)
        if self.registry.has_tag(tag):
            raise ValidationError(f"custom_tag {tag!r} was already used by a tracked order")
        return tag

    @staticmethod
    def check_price_fields(
        order_type: OrderType,
        limit_price: float | None,
        stop_price: float | None,
        trail_price: float | None,
    ) -> None:
        """Refuse a price the order type does not take (a limit price on a market order...)."""
        if order_type is not OrderType.LIMIT and limit_price is not None:
            raise ValidationError(f"{order_type.name} order does not take limit_price")
        if order_type is not OrderType.STOP and stop_price is not None:
            raise ValidationError(f"{order_type.name} order does not take stop_price")
        if order_type is not OrderType.TRAILING_STOP and trail_price is not None:
            raise ValidationError(f"{order_type.name} order does not take trail_price")

    async def trail_level(
        self, contract: Contract | str, side: OrderSide | int | str, ticks: int
    ) -> tuple[Contract, float]:
        """The absolute trailing-stop level ``ticks`` from the last price (needs a price)."""
        ticks = check_ticks(ticks, "trail_ticks")
        c = await self.contract(contract)
        last = self.prices(c.id).last
        if last is None:
            self.stats.refused += 1
            raise ValidationError(
                f"trail_ticks needs a last price for {c.id} (no price_source value); "
                "pass trail_price instead"
            )
        side_ = check_side(side)
        step = ticks * (c.tick_size or 0.0)
        last = c.round_to_tick(last)
        return c, c.round_to_tick(last + step if side_ == OrderSide.BUY else last - step)

    async def modify_fields(
        self,
        rec: TrackedOrder,
        size: int | None,
        limit_price: float | None,
        stop_price: float | None,
        trail_price: float | None,
        *,
        snap: bool,
    ) -> tuple[int | None, float | None, float | None, float | None]:
        """Check the new values of a modify of ``rec`` like on place; (size, limit, stop, trail)."""
        if rec.is_terminal:
            raise ValidationError(f"order {rec.order_id} is {rec.state.value}; cannot modify it")
        if size is None and limit_price is None and stop_price is None and trail_price is None:
            raise ValidationError("modify_order needs size, limit_price, stop_price or trail_price")
        c = await self.contract(rec.contract_id)
        size_ = check_size(size) if size is not None else None
        lp = on_grid(c, limit_price, "limit_price", snap=snap) if limit_price is not None else None
        sp = on_grid(c, stop_price, "stop_price", snap=snap) if stop_price is not None else None
        tp = on_grid(c, trail_price, "trail_price", snap=snap) if trail_price is not None else None
        if sp is not None and rec.role not in (OrderRole.STOP_LOSS,):
            check_stop_side(c, rec.side, sp, self.prices(c.id), "stop_price")
        return size_, lp, sp, tp

    async def build(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        order_type: OrderType,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
        role: OrderRole = OrderRole.ORDER,
    ) -> OrderRequest:
        """Validate everything that can be checked before sending; build the request."""
        try:
            size_ = check_size(size)
            side_ = check_side(side)
            c = await self.contract(contract)
            lp = (
                on_grid(c, limit_price, "limit_price", snap=snap)
                if limit_price is not None
                else None
            )
            sp = on_grid(c, stop_price, "stop_price", snap=snap) if stop_price is not None else None
            tp = (
                on_grid(c, trail_price, "trail_price", snap=snap)
                if trail_price is not None
                else None
            )
            needs = {
                OrderType.LIMIT: ("limit_price", lp),
                OrderType.STOP: ("stop_price", sp),
                OrderType.TRAILING_STOP: ("trail_price", tp),
            }
            if order_type in needs and needs[order_type][1] is None:
                raise ValidationError(f"{order_type.name} order needs {needs[order_type][0]}")
            if order_type is OrderType.STOP_LIMIT and (lp is None or sp is None):
                raise ValidationError("STOP_LIMIT order needs limit_price and stop_price")
            prices = self.prices(c.id)
            if sp is not None:
                check_stop_side(c, side_, sp, prices, "stop_price")
            if tp is not None and prices.last is not None:
                wrong = tp <= prices.last if side_ == OrderSide.BUY else tp >= prices.last
                if wrong:
                    raise ValidationError(
                        f"trail_price {tp!r} of a {side_.name.lower()} trailing stop on {c.id} is "
                        f"on the wrong side of the last price {prices.last!r}"
                    )
            reference = {
                OrderType.MARKET: prices.reference(side_),
                OrderType.LIMIT: lp,
                OrderType.STOP: sp,
                OrderType.STOP_LIMIT: lp,
                OrderType.JOIN_BID: prices.bid,
                OrderType.JOIN_ASK: prices.ask,
            }.get(order_type)
            tag = self.tag(custom_tag)
        except ValidationError:
            self.stats.refused += 1
            raise
        return OrderRequest(
            contract=c,
            side=side_,
            size=size_,
            order_type=order_type,
            limit_price=lp,
            stop_price=sp,
            trail_price=tp,
            custom_tag=tag,
            role=role,
            reference_price=reference,
        )
