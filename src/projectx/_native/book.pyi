"""Types of ``projectx._native.book``: the native level-2 order book (see ``ext/book.pyx``)."""

from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__all__ = ["BOOK_APPLIED", "BOOK_IGNORED", "BOOK_INVALID", "TAPE_GATEWAY_TRADE", "OrderBook"]

BOOK_APPLIED: Final[int]
BOOK_IGNORED: Final[int]
BOOK_INVALID: Final[int]
TAPE_GATEWAY_TRADE: Final[int]

_F64 = np.ndarray[tuple[int], np.dtype[np.float64]]
_I64 = np.ndarray[tuple[int], np.dtype[np.int64]]

@disjoint_base
class OrderBook:
    """Level-2 book of one contract: integer-tick ladder window that follows the touch, a
    bounded store for levels outside it, best levels, trade tape, stats."""

    @property
    def tick_size(self) -> float: ...
    @property
    def levels(self) -> int: ...
    @property
    def tape_capacity(self) -> int: ...
    @property
    def outside_capacity(self) -> int:
        """Levels per side the outside store holds; beyond it the deepest are lost."""
    def __new__(
        cls,
        tick_size: float,
        levels: int = 4096,
        tape_capacity: int = 16384,
        outside_capacity: int = 1024,
    ) -> Self: ...
    def apply(
        self, dom_type: int, price: float, volume: int, current_volume: int, ts_ns: int
    ) -> int:
        """Apply one GatewayDepth entry; returns BOOK_APPLIED, BOOK_IGNORED or BOOK_INVALID."""
    def record_trade(self, price: float, volume: int, aggressor: int, ts_ns: int) -> int:
        """Record one GatewayTrade in the tape (kind TAPE_GATEWAY_TRADE, the venue's aggressor)."""
    def apply_batch(
        self,
        dom_type: npt.NDArray[np.int32] | npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        volume: npt.NDArray[np.int64],
        current_volume: npt.NDArray[np.int64],
        ts_ns: npt.NDArray[np.int64],
    ) -> int:
        """Apply many entries in order, exactly like ``apply`` each; returns how many applied."""
    def reset(self) -> None:
        """Return to the freshly constructed state."""
    @property
    def best_bid(self) -> float: ...
    @property
    def best_ask(self) -> float: ...
    @property
    def best_bid_size(self) -> int: ...
    @property
    def best_ask_size(self) -> int: ...
    @property
    def spread(self) -> float: ...
    @property
    def mid(self) -> float: ...
    @property
    def bid_levels(self) -> int: ...
    @property
    def ask_levels(self) -> int: ...
    @property
    def total_bid_size(self) -> int: ...
    @property
    def total_ask_size(self) -> int: ...
    @property
    def levels_outside(self) -> int:
        """Levels held now outside the window (both sides)."""
    @property
    def levels_lost(self) -> int:
        """Levels the book could not hold (outside store full), since construction/reset."""
    @property
    def recentres(self) -> int:
        """Window moves since construction/reset."""
    def outside_levels(self, side: int) -> tuple[_I64, _I64]:
        """Levels of one side (0 bid, 1 ask) outside the window: ``(ticks, sizes)``, ascending."""
    @property
    def base_ticks(self) -> int: ...
    @property
    def session_low(self) -> float: ...
    @property
    def session_high(self) -> float: ...
    @property
    def last_trade_price(self) -> float: ...
    @property
    def bid_sizes(self) -> _I64:
        """Read-only view of the bid window (index i is tick ``base_ticks + i``); levels
        outside it: ``outside_levels(0)``."""
    @property
    def ask_sizes(self) -> _I64:
        """Read-only view of the ask window (index i is tick ``base_ticks + i``); levels
        outside it: ``outside_levels(1)``."""
    def ladder_prices(self) -> _F64: ...
    def top(self, n: int = 10) -> tuple[_F64, _I64, _F64, _I64]:
        """``(bid_prices, bid_sizes, ask_prices, ask_sizes)``, best first, fresh arrays."""
    def top_into(
        self,
        bid_prices: npt.NDArray[np.float64],
        bid_sizes: npt.NDArray[np.int64],
        ask_prices: npt.NDArray[np.float64],
        ask_sizes: npt.NDArray[np.int64],
    ) -> tuple[int, int]:
        """Fill caller arrays (NaN/0 padding); returns levels written per side."""
    def depth(self, side: int, n: int = 10) -> tuple[_F64, _I64]:
        """One side (0 bid, 1 ask): ``(prices, sizes)``, best first."""
    def size_at(self, price: float, side: int | None = None) -> int: ...
    @property
    def tape_len(self) -> int: ...
    @property
    def tape_total(self) -> int: ...
    @property
    def gateway_trades(self) -> int:
        """``GatewayTrade`` records ever appended by ``record_trade``."""
    def keep_spread_history(self, capacity: int) -> None:
        """Keep the touch's spread over time (``capacity`` samples; 0: stop and forget)."""
    def acquire_spread_history(self, capacity: int) -> None:
        """Hold the spread history (the first holder starts it with ``capacity`` samples)."""
    def release_spread_history(self) -> None:
        """Let go of it: the last holder stops it, unless ``keep_spread_history`` started it."""
    def record_spread(self, ts_ns: int, spread: float) -> None:
        """Offer a spread sample by hand (the same rules as the book's own)."""
    @property
    def spread_capacity(self) -> int:
        """Samples the spread history holds (0: not kept)."""
    @property
    def spread_seen(self) -> int:
        """Updates that looked at the spread since ``keep_spread_history``."""
    def spread_history(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """``(ts_ns, spread)`` of the kept samples, oldest first (copies)."""
    def tape(self, n: int | None = None) -> dict[str, npt.NDArray[Any]]:
        """Latest tape records, oldest first: ts_ns, price, volume, current_volume,
        aggressor, kind."""
    @property
    def stats(self) -> dict[str, Any]: ...
