"""project-x-py's ``orderbook.realtime``: :class:`RealtimeHandler`. In a suite the core feeds
the native book from the market hub itself; the handler only reports that state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projectx.compat.orderbook._base import OrderBookBase

__all__ = ["RealtimeHandler"]


class RealtimeHandler:
    """The book's real-time connection (owned by the suite)."""

    def __init__(self, orderbook: OrderBookBase) -> None:
        self.orderbook = orderbook
        self.is_connected = orderbook._core is not None

    async def initialize(
        self,
        realtime_client: Any,
        subscribe_to_depth: bool = True,
        subscribe_to_quotes: bool = True,
    ) -> bool:
        """True when the book is fed by a suite's market subscription."""
        self.is_connected = self.orderbook._core is not None
        return self.is_connected

    async def disconnect(self) -> None:
        """Stop reporting as connected (the suite owns the subscription)."""
        self.is_connected = False
