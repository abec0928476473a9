"""Trade records for the flow analytics: a fixed-size NumPy ring fed by ``on_trade``.

The native book's tape holds only the trades that arrive *inside* GatewayDepth (DomType 5 Trade
and 11 Fill), with an aggressor the book infers from its own top. Market trades proper arrive as
``GatewayTrade`` (spec §7.7.2) with the venue's aggressor (``TradeLogType``: 0 buy, 1 sell), and
some feeds (the simulator included) send trades only that way. :class:`TradeRing` keeps those: a
preallocated ring of columns, O(1) per trade, no Python object kept per trade.

:class:`Trades` is what the analytics read: four aligned 1-D arrays, oldest first, whichever
source they came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from projectx.exceptions import ValidationError

__all__ = ["TradeRing", "Trades"]


@dataclass(frozen=True, slots=True)
class Trades:
    """Aligned trade columns, oldest first.

    ``aggressor`` is 0 buy (buyer-initiated), 1 sell, -1 unknown: the encoding of both the native
    tape and ``GatewayTrade.type``. ``source`` is ``"gateway_trades"`` (from ``on_trade``) or
    ``"depth_tape"`` (the native book's DomType 5 records).
    """

    ts_ns: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    volume: npt.NDArray[np.int64]
    aggressor: npt.NDArray[np.int8]
    source: str

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])

    def since(self, window_ns: int | None, end_ns: int | None = None) -> Trades:
        """Trades with ``ts_ns >= end - window`` (``end``: ``end_ns`` or the newest trade time).

        ``window_ns`` None keeps everything. A boolean mask, so out-of-order times are handled.
        """
        n = len(self)
        if window_ns is None or n == 0:
            return self
        end = int(self.ts_ns.max()) if end_ns is None else end_ns
        keep = self.ts_ns >= end - window_ns
        if end_ns is not None:
            keep &= self.ts_ns <= end_ns
        return Trades(
            self.ts_ns[keep],
            self.price[keep],
            self.volume[keep],
            self.aggressor[keep],
            self.source,
        )


class TradeRing:
    """The latest ``capacity`` trades in preallocated NumPy columns (O(1) append)."""

    __slots__ = ("_agg", "_cap", "_head", "_price", "_total", "_ts", "_vol")

    def __init__(self, capacity: int = 16384) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValidationError(f"trade capacity must be a positive integer, got {capacity!r}")
        self._cap = capacity
        self._ts = np.zeros(capacity, dtype=np.int64)
        self._price = np.zeros(capacity, dtype=np.float64)
        self._vol = np.zeros(capacity, dtype=np.int64)
        self._agg = np.zeros(capacity, dtype=np.int8)
        self._head = 0
        self._total = 0

    @property
    def capacity(self) -> int:
        """Trades held at most."""
        return self._cap

    @property
    def total(self) -> int:
        """Trades ever appended (including the overwritten ones)."""
        return self._total

    def __len__(self) -> int:
        return min(self._total, self._cap)

    def append(self, ts_ns: int, price: float, volume: int, aggressor: int) -> None:
        """Store one trade, overwriting the oldest when full."""
        i = self._head
        self._ts[i] = ts_ns
        self._price[i] = price
        self._vol[i] = volume
        self._agg[i] = aggressor
        i += 1
        self._head = 0 if i == self._cap else i
        self._total += 1

    def clear(self) -> None:
        """Forget every trade."""
        self._head = 0
        self._total = 0

    def trades(self) -> Trades:
        """Held trades, oldest first (views when contiguous, one concatenation when wrapped)."""
        n = len(self)
        if self._total <= self._cap:
            return Trades(self._ts[:n], self._price[:n], self._vol[:n], self._agg[:n], _SOURCE)
        h = self._head
        return Trades(
            np.concatenate((self._ts[h:], self._ts[:h])),
            np.concatenate((self._price[h:], self._price[:h])),
            np.concatenate((self._vol[h:], self._vol[:h])),
            np.concatenate((self._agg[h:], self._agg[:h])),
            _SOURCE,
        )


_SOURCE = "gateway_trades"
