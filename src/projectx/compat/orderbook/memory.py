"""project-x-py's ``orderbook.memory``: :class:`MemoryManager`. The core book is a fixed
native ladder and a fixed trade ring: nothing grows, so there is nothing to clean up."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projectx.compat.orderbook._base import OrderBookBase

__all__ = ["UTC", "MemoryManager"]


class MemoryManager:
    """Memory figures of one compat order book."""

    def __init__(self, orderbook: OrderBookBase, config: Any) -> None:
        self.orderbook = orderbook
        self.config = config
        self.running = False

    async def start(self) -> None:
        """Mark the manager running (no cleanup task is needed)."""
        self.running = True

    async def stop(self) -> None:
        """Mark the manager stopped."""
        self.running = False

    async def cleanup_old_data(self) -> None:
        """Nothing to drop: the core's storage is fixed-size."""

    async def get_memory_stats(self) -> dict[str, Any]:
        """The book's memory statistics (see ``OrderBook.get_memory_stats``)."""
        return await self.orderbook.get_memory_stats()
