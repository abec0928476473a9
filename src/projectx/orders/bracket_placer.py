"""Placing order groups: brackets (native or client-side), their legs, and OCO pairs.

* :class:`NativeChildren` matches the orders the Gateway creates for a native bracket to their
  entry (by ``parentOrderId``, or on legacy profiles by the next ids after the parent).
* :class:`BracketPlacer` validates a bracket, estimates its stop/target for the risk gate,
  then places it natively (Auto-OCO accounts; learnt from the first answer and remembered) or
  as a client-side OCO; it also sends the protective legs of client-side brackets and places
  OCO pairs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from projectx.enums import OrderSide, OrderType
from projectx.exceptions import OrderRejectedError, ProjectXError, ValidationError
from projectx.models import Contract, Order
from projectx.orders.brackets import BracketOrder, GroupOps, OcoPair
from projectx.orders.lifecycle import OrderLifecycle
from projectx.orders.prices import on_grid
from projectx.orders.records import OrderRequest, OrderRole, OrderSpec, TrackedOrder
from projectx.orders.registry import OrderRegistry
from projectx.orders.requests import RequestBuilder, check_ticks
from projectx.orders.stats import OrderStats
from projectx.orders.submit import Submitter
from projectx.validation import Bracket, check_type

__all__ = ["BracketPlacer", "NativeChildren", "is_bracket_mode_refusal"]

log = logging.getLogger(__name__)


def is_bracket_mode_refusal(exc: OrderRejectedError) -> bool:
    """Whether the Gateway refused a native bracket because of the account's bracket mode."""
    text = str(exc).lower()
    return exc.error_code == 2 and ("position brackets" in text or "auto oco" in text)


class NativeChildren:
    """Claims the Gateway-created children of native brackets whose entry has an id."""

    def __init__(self, lifecycle: OrderLifecycle) -> None:
        self.lifecycle = lifecycle
        self.registry: OrderRegistry = lifecycle.registry
        self.stats: OrderStats = lifecycle.stats
        #: native brackets still missing a child, by entry order id
        self.pending: dict[int, BracketOrder] = {}

    @staticmethod
    def is_child_of(rec: TrackedOrder, order: Order | None, entry: TrackedOrder) -> bool:
        """Whether ``rec`` (snapshot ``order``) is a Gateway-made child of ``entry``."""
        parent = entry.order_id
        if parent is None or rec.order_id is None:
            return False
        if order is not None and order.parent_order_id is not None:
            return order.parent_order_id == parent
        # legacy profile: no link fields; children take the next ids after their parent
        # (spec §9.2 [OBSERVED]: parent+2 / parent+3), carry no tag and sit on the other side
        return (
            parent < rec.order_id <= parent + 3
            and rec.custom_tag is None
            and rec.contract_id == entry.contract_id
            and rec.side != entry.side
        )

    def on_bound(self, rec: TrackedOrder) -> None:
        """``rec`` got its id: if it is a native entry, wait for (and claim) its children."""
        group = rec.group
        if isinstance(group, BracketOrder) and group.native and rec is group.entry:
            assert rec.order_id is not None
            self.pending[rec.order_id] = group
            self.claim_children(group)

    def claim_as_child(self, rec: TrackedOrder, order: Order) -> bool:
        """Attach a newly adopted ``rec`` to the pending native bracket it belongs to, if any."""
        for bracket in list(self.pending.values()):
            if self.is_child_of(rec, order, bracket.entry):
                bracket.attach(rec)
                rec.placed_emitted = False  # the Gateway placed it for our bracket
                self.lifecycle.ensure_placed(rec)
                if (bracket.stop is not None or not bracket.wants_stop) and (
                    bracket.target is not None or not bracket.wants_target
                ):
                    self.pending.pop(bracket.entry.order_id or 0, None)
                return True
        return False

    def claim_children(self, bracket: BracketOrder) -> None:
        """Attach already adopted children (seen before the entry's id was known)."""
        for rec in list(self.registry.by_id.values()):
            free = rec.role is OrderRole.EXTERNAL and rec.group is None
            if free and self.is_child_of(rec, rec.last, bracket.entry):
                bracket.attach(rec)
                rec.placed_emitted = False
                self.lifecycle.ensure_placed(rec)
                self.stats.adopted -= 1

    def forget_entry(self, rec: TrackedOrder) -> None:
        """The native entry ``rec`` was refused: stop waiting for its children."""
        self.pending.pop(rec.order_id or 0, None)


class BracketPlacer:
    """Places brackets, bracket legs and OCO pairs for one manager (``ops``)."""

    def __init__(
        self,
        ops: GroupOps,
        submitter: Submitter,
        *,
        children: NativeChildren,
        new_tag: Callable[[], str],
    ) -> None:
        self.ops = ops
        self.submitter = submitter
        self.account_id = submitter.account_id
        self.requests: RequestBuilder = submitter.requests
        self.lifecycle: OrderLifecycle = submitter.lifecycle
        self.stats: OrderStats = submitter.stats
        self.children = children
        self.new_tag = new_tag
        #: whether the account takes native brackets (None until the Gateway told us)
        self.native: bool | None = None

    # -- brackets ----------------------------------------------------------------------------
    async def place_bracket_order(
        self,
        contract: Contract | str,
        side: OrderSide | int | str,
        size: int,
        entry_price: float | None = None,
        *,
        stop_loss_price: float | None = None,
        stop_loss_ticks: int | None = None,
        take_profit_price: float | None = None,
        take_profit_ticks: int | None = None,
        trail_ticks: int | None = None,
        native: bool | None = None,
        custom_tag: str | None = None,
        snap: bool = False,
    ) -> BracketOrder:
        """See :meth:`projectx.orders.OrderManager.place_bracket_order`."""
        given_stop = [v is not None for v in (stop_loss_price, stop_loss_ticks, trail_ticks)]
        if sum(given_stop) > 1:
            raise ValidationError("give one of stop_loss_price, stop_loss_ticks or trail_ticks")
        if take_profit_price is not None and take_profit_ticks is not None:
            raise ValidationError("give take_profit_price or take_profit_ticks, not both")
        if not any(given_stop) and take_profit_price is None and take_profit_ticks is None:
            raise ValidationError("a bracket needs a stop loss and/or a take profit")
        otype = OrderType.MARKET if entry_price is None else OrderType.LIMIT
        req = await self.requests.build(
            contract,
            side,
            size,
            otype,
            limit_price=entry_price,
            custom_tag=custom_tag,
            snap=snap,
            role=OrderRole.ENTRY,
        )
        c = req.contract
        tick = c.tick_size or 0.0
        long = req.side == OrderSide.BUY
        sign = 1 if long else -1
        ref = req.reference_price
        try:
            sl_ticks = (
                check_ticks(stop_loss_ticks, "stop_loss_ticks")
                if stop_loss_ticks is not None
                else None
            )
            tp_ticks = (
                check_ticks(take_profit_ticks, "take_profit_ticks")
                if take_profit_ticks is not None
                else None
            )
            tr_ticks = check_ticks(trail_ticks, "trail_ticks") if trail_ticks is not None else None
            sl_price = (
                on_grid(c, stop_loss_price, "stop_loss_price", snap=snap)
                if stop_loss_price is not None
                else None
            )
            tp_price = (
                on_grid(c, take_profit_price, "take_profit_price", snap=snap)
                if take_profit_price is not None
                else None
            )
            if ref is not None:
                if sl_price is not None and (sl_price >= ref if long else sl_price <= ref):
                    raise ValidationError(
                        f"stop_loss_price {sl_price!r} is not {'below' if long else 'above'} "
                        f"the entry ({ref!r})"
                    )
                if tp_price is not None and (tp_price <= ref if long else tp_price >= ref):
                    raise ValidationError(
                        f"take_profit_price {tp_price!r} is not {'above' if long else 'below'} "
                        f"the entry ({ref!r})"
                    )
        except ValidationError:
            self.stats.refused += 1
            raise
        est_sl = sl_price
        if est_sl is None and ref is not None:
            dist = sl_ticks or tr_ticks
            est_sl = c.round_to_tick(ref - sign * dist * tick) if dist else None
        est_tp = tp_price
        if est_tp is None and ref is not None and tp_ticks:
            est_tp = c.round_to_tick(ref + sign * tp_ticks * tick)
        gated = OrderRequest(
            contract=c,
            side=req.side,
            size=req.size,
            order_type=otype,
            limit_price=req.limit_price,
            custom_tag=req.custom_tag,
            role=OrderRole.ENTRY,
            stop_loss_price=est_sl,
            take_profit_price=est_tp,
            reference_price=ref,
        )
        await self.requests.gate(gated)
        stop_type = OrderType.TRAILING_STOP if tr_ticks else OrderType.STOP
        use_native = self.native if native is None else native
        if use_native is not False:
            native_sl = sl_ticks or tr_ticks
            native_tp = tp_ticks
            if ref is not None and sl_price is not None:
                native_sl = round(abs(ref - sl_price) / tick)
            if ref is not None and tp_price is not None:
                native_tp = round(abs(tp_price - ref) / tick)
            convertible = (sl_price is None or native_sl) and (tp_price is None or native_tp)
            if convertible:
                bracket = await self._place_native(
                    req,
                    native_sl,
                    native_tp,
                    stop_type,
                    probe=native is None,
                    prices=(sl_price, sl_ticks, tp_price, tp_ticks),
                )
                if bracket is not None:
                    return bracket
            elif native is True:
                raise ValidationError(
                    "native brackets need tick distances: give *_ticks, or a price_source for "
                    "a market entry with absolute prices"
                )
        if self.requests.registry.has_tag(req.custom_tag):  # the refused probe keeps its tag
            tag = self.new_tag() if custom_tag is None else f"{custom_tag}-c"
            req = OrderRequest(
                contract=c,
                side=req.side,
                size=req.size,
                order_type=otype,
                limit_price=req.limit_price,
                custom_tag=self.requests.tag(tag),
                role=OrderRole.ENTRY,
                reference_price=ref,
            )
        rec = self.submitter.record(req)
        bracket = BracketOrder(
            self.ops,
            rec,
            native=False,
            stop_loss_price=sl_price,
            stop_loss_ticks=sl_ticks or tr_ticks,
            take_profit_price=tp_price,
            take_profit_ticks=tp_ticks,
            stop_type=stop_type,
        )
        await self.submitter.submit(rec, c)
        return bracket

    async def _place_native(
        self,
        req: OrderRequest,
        sl_ticks: int | None,
        tp_ticks: int | None,
        stop_type: OrderType,
        *,
        probe: bool,
        prices: tuple[float | None, int | None, float | None, int | None],
    ) -> BracketOrder | None:
        sign = 1 if req.side == OrderSide.BUY else -1
        sl = Bracket(-sign * sl_ticks, stop_type) if sl_ticks else None
        tp = Bracket(sign * tp_ticks, OrderType.LIMIT) if tp_ticks else None
        rec = self.submitter.record(req)
        rec.suppress_reject = probe and self.native is None
        sl_price, sl_t, tp_price, tp_t = prices
        bracket = BracketOrder(
            self.ops,
            rec,
            native=True,
            stop_loss_price=sl_price,
            stop_loss_ticks=sl_t or sl_ticks,
            take_profit_price=tp_price,
            take_profit_ticks=tp_t or tp_ticks,
            stop_type=stop_type,
        )
        try:
            await self.submitter.submit(rec, req.contract, stop_loss=sl, take_profit=tp)
        except OrderRejectedError as exc:
            self.children.forget_entry(rec)
            if is_bracket_mode_refusal(exc):
                self.native = False
                if probe:
                    log.info(
                        "account %d takes no native brackets; using client-side OCO",
                        self.account_id,
                    )
                    return None
            if rec.suppress_reject:
                rec.suppress_reject = False
                self.lifecycle.emit_rejected(rec)
            raise
        self.native = True
        rec.suppress_reject = False
        return bracket

    async def place_leg(self, bracket: BracketOrder, role: OrderRole, size: int) -> TrackedOrder:
        """Send a protective leg of a client-side bracket (no risk gate, no side check)."""
        entry = bracket.entry
        contract = await self.requests.contract(entry.contract_id)
        tick = contract.tick_size or 0.0
        exit_side = OrderSide.SELL if entry.side == OrderSide.BUY else OrderSide.BUY
        sign = 1 if entry.side == OrderSide.BUY else -1
        fill = entry.average_fill_price or entry.limit_price or entry.reference_price
        limit_price = stop_price = trail_price = None
        if role is OrderRole.STOP_LOSS:
            if bracket.stop_loss_price is not None:
                level = bracket.stop_loss_price
            else:
                assert fill is not None and bracket.stop_loss_ticks is not None
                level = contract.round_to_tick(fill - sign * bracket.stop_loss_ticks * tick)
            otype = bracket.stop_type
            if otype is OrderType.TRAILING_STOP:
                trail_price = level
            else:
                stop_price = level
        else:
            if bracket.take_profit_price is not None:
                level = bracket.take_profit_price
            else:
                assert fill is not None and bracket.take_profit_ticks is not None
                level = contract.round_to_tick(fill + sign * bracket.take_profit_ticks * tick)
            otype = OrderType.LIMIT
            limit_price = level
        req = OrderRequest(
            contract=contract,
            side=exit_side,
            size=size,
            order_type=otype,
            limit_price=limit_price,
            stop_price=stop_price,
            trail_price=trail_price,
            custom_tag=self.new_tag(),
            role=role,
            reference_price=level,
        )
        rec = self.submitter.record(req)
        rec.group = bracket
        if role is OrderRole.STOP_LOSS:
            bracket.stop = rec
        else:
            bracket.target = rec
        return await self.submitter.submit(rec, contract)

    # -- OCO ---------------------------------------------------------------------------------
    async def place_oco_order(
        self,
        contract: Contract | str,
        first: OrderSpec,
        second: OrderSpec,
        *,
        snap: bool = False,
    ) -> OcoPair:
        """See :meth:`projectx.orders.OrderManager.place_oco_order`."""
        reqs = []
        for leg in (first, second):
            otype = check_type(leg.order_type)
            if otype not in (OrderType.LIMIT, OrderType.STOP, OrderType.MARKET):
                raise ValidationError("OCO legs must be limit, stop or market orders")
            reqs.append(
                await self.requests.build(
                    contract,
                    leg.side,
                    leg.size,
                    otype,
                    limit_price=leg.limit_price,
                    stop_price=leg.stop_price,
                    snap=snap,
                    role=OrderRole.OCO,
                )
            )
        for req in reqs:
            await self.requests.gate(req)
        a = self.submitter.record(reqs[0])
        b = self.submitter.record(reqs[1])
        pair = OcoPair(self.ops, a, b)
        await self.submitter.submit(a, reqs[0].contract)
        try:
            await self.submitter.submit(b, reqs[1].contract)
        except ProjectXError:
            if a.is_working:
                self.ops.cancel_soon(a)
            raise
        return pair
