"""Price checks run before an order is sent: tick grid (snap only on request) and stop side."""

from __future__ import annotations

import math
from collections.abc import Callable

from projectx.enums import OrderSide
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.validation import check_price, tick_of

__all__ = ["PriceSource", "Prices", "check_stop_side", "on_grid", "read_prices", "tick_of"]

PriceSource = Callable[[str], "tuple[float, float, float] | None"]
"""``price_source(contract_id) -> (bid, ask, last)`` or None when unknown."""


class Prices:
    """Best bid, best ask and last trade of one contract (None when unknown)."""

    __slots__ = ("ask", "bid", "last")

    def __init__(self, bid: float | None, ask: float | None, last: float | None) -> None:
        self.bid = bid
        self.ask = ask
        self.last = last

    def reference(self, side: OrderSide) -> float | None:
        """Where a buy (ask) or a sell (bid) would trade now; last trade as the fallback."""
        quote = self.ask if side == OrderSide.BUY else self.bid
        return quote if quote is not None else self.last


def _clean(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    out = float(value)
    return out if math.isfinite(out) and out > 0 else None


def read_prices(source: PriceSource | None, contract_id: str) -> Prices:
    """Ask ``source`` for the contract's prices; unusable values become None."""
    if source is None:
        return Prices(None, None, None)
    got = source(contract_id)
    if got is None:
        return Prices(None, None, None)
    bid, ask, last = got
    return Prices(_clean(bid), _clean(ask), _clean(last))


def on_grid(contract: Contract, price: object, name: str, *, snap: bool = False) -> float:
    """``price`` as a float > 0 on the contract's tick grid (with ``snap`` the nearest grid price
    is used): :func:`projectx.validation.check_price`, the one grid check, with the contract's
    tick required."""
    tick_of(contract)
    return check_price(price, name, contract, snap=snap)


def check_stop_side(
    contract: Contract, side: OrderSide, stop_price: float, prices: Prices, name: str
) -> None:
    """A buy stop must be above the market (ask, else last); a sell stop below (bid, else last).

    A stop already through the market would trigger at once; that is refused as bad input.
    Unknown market prices skip the check.
    """
    ref = prices.reference(side)
    if ref is None:
        return
    if side == OrderSide.BUY and stop_price <= ref:
        raise ValidationError(
            f"{name} {stop_price!r} of a buy stop on {contract.id} is not above the market "
            f"({ref!r}); a buy stop must be above the current ask"
        )
    if side == OrderSide.SELL and stop_price >= ref:
        raise ValidationError(
            f"{name} {stop_price!r} of a sell stop on {contract.id} is not below the market "
            f"({ref!r}); a sell stop must be below the current bid"
        )
