"""Tick arithmetic and argument validation shared by the order-book analytics.

:class:`TickGrid` converts prices to integer ticks and back exactly as the native book does
(``ext/book.pyx``): when ``1 / tick_size`` is an integer ``k`` the price of ``t`` ticks is
``t / k`` (so ``0.1`` ticks read back as ``0.3``, not ``0.30000000000000004``), otherwise
``t * tick_size``. Every price the analytics return goes through it, so it is snapped to the tick.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from projectx.enums import OrderSide
from projectx.exceptions import ValidationError

__all__ = [
    "ASK",
    "BID",
    "Side",
    "TickGrid",
    "as_int",
    "check_levels",
    "check_positive_int",
    "check_size",
    "parse_book_side",
    "parse_taker_side",
    "side_name",
    "window_ns",
]

BID: Final = 0
ASK: Final = 1

Side = Literal[0, 1]

_MAX_TICKS: Final = float(2**52)

_TAKER_WORDS: Final[dict[str, Side]] = {
    "buy": 0,
    "bid": 0,
    "long": 0,
    "sell": 1,
    "ask": 1,
    "short": 1,
}
_BOOK_WORDS: Final[dict[str, Side]] = {"bid": 0, "bids": 0, "ask": 1, "asks": 1}


class TickGrid:
    """Prices <-> integer ticks on one contract's grid, matching the native book bit for bit."""

    __slots__ = ("_k", "tick_size")

    def __init__(self, tick_size: float) -> None:
        if not (isinstance(tick_size, int | float) and 0.0 < float(tick_size) < 1e300):
            raise ValidationError(f"tick_size must be a positive finite number, got {tick_size!r}")
        self.tick_size = float(tick_size)
        inv = 1.0 / self.tick_size
        k = math.floor(inv + 0.5)
        exact = 1.0 <= k <= _MAX_TICKS and abs(inv - k) <= 1e-9 * k
        self._k = float(k) if exact else 0.0

    def ticks_float(self, price: float) -> float:
        """``price`` in (fractional) ticks."""
        return price * self._k if self._k else price / self.tick_size

    def to_ticks(self, price: float) -> int:
        """Nearest tick of ``price`` (half ticks round up, as in the native book)."""
        x = self.ticks_float(price)
        if not abs(x) <= _MAX_TICKS:
            raise ValidationError(f"price {price!r} is not a finite price on this tick grid")
        return math.floor(x + 0.5)

    def ticks_array(self, prices: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Nearest ticks of an array of (finite, in-range) prices."""
        x = prices * self._k if self._k else prices / self.tick_size
        return np.floor(x + 0.5).astype(np.int64)

    def price(self, ticks: int) -> float:
        """Price of ``ticks``."""
        return ticks / self._k if self._k else ticks * self.tick_size

    def price_float(self, ticks: float) -> float:
        """Price of a fractional number of ticks (an average, say)."""
        return ticks / self._k if self._k else ticks * self.tick_size

    def prices(self, ticks: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Prices of an array of ticks (same rule as :meth:`price`)."""
        t = ticks.astype(np.float64)
        return np.divide(t, self._k) if self._k else np.multiply(t, self.tick_size)

    def snap(self, price: float) -> float:
        """``price`` rounded to the nearest tick."""
        return self.price(self.to_ticks(price))


def as_int(value: object) -> int | None:
    """``value`` as an ``int`` if it is an integer (``bool`` is not), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, np.integer):
        return int(value)
    return None


def check_positive_int(value: object, name: str) -> int:
    """``value`` as an ``int`` > 0, or :class:`ValidationError`."""
    n = as_int(value)
    if n is None or n <= 0:
        raise ValidationError(f"{name} must be a positive integer, got {value!r}")
    return n


def check_levels(levels: object) -> int:
    """A number of book levels: an integer >= 1."""
    return check_positive_int(levels, "levels")


def check_size(size: object) -> int:
    """An order size in contracts: an integer >= 1."""
    return check_positive_int(size, "size")


def parse_taker_side(side: object) -> Side:
    """The side of an aggressive order: 0 buy (takes asks), 1 sell (takes bids).

    Accepts :class:`~projectx.enums.OrderSide`, 0/1, or ``"buy"``/``"bid"``/``"long"`` and
    ``"sell"``/``"ask"``/``"short"`` (any case), like ``OrderSide`` on the wire (0 bid = buy).
    """
    if isinstance(side, str):
        word = side.strip().lower()
        if word in _TAKER_WORDS:
            return _TAKER_WORDS[word]
    else:
        n = as_int(side)
        if n == OrderSide.BUY:
            return 0
        if n == OrderSide.SELL:
            return 1
    raise ValidationError(f"unknown side {side!r}: expected buy/sell, bid/ask, 0/1 or OrderSide")


def parse_book_side(side: object) -> Side | None:
    """A side of the book: 0 bids, 1 asks, ``None``/``"both"`` for both."""
    if side is None:
        return None
    if isinstance(side, str):
        word = side.strip().lower()
        if word == "both":
            return None
        if word in _BOOK_WORDS:
            return _BOOK_WORDS[word]
    else:
        n = as_int(side)
        if n == 0:
            return 0
        if n == 1:
            return 1
    raise ValidationError(f"unknown book side {side!r}: expected 'bid', 'ask', 'both', 0 or 1")


def side_name(side: int) -> str:
    """``"bid"`` for 0, ``"ask"`` for 1."""
    return "bid" if side == BID else "ask"


def window_ns(window: object, name: str = "window") -> int | None:
    """A time window as nanoseconds: ``None`` (no limit), an int of ns > 0 or a ``timedelta``."""
    if window is None:
        return None
    if isinstance(window, timedelta):
        ns = (window.days * 86_400 + window.seconds) * 1_000_000_000 + window.microseconds * 1000
    elif (n := as_int(window)) is not None:
        ns = n
    else:
        raise ValidationError(f"{name} must be None, nanoseconds (int) or a timedelta: {window!r}")
    if ns <= 0:
        raise ValidationError(f"{name} must be positive, got {window!r}")
    return ns
