"""project-x-py's ``orderbook.base``: :class:`OrderBookBase` and ``DEFAULT_TIMEZONE``."""

from __future__ import annotations

from projectx.compat.orderbook._base import DEFAULT_TIMEZONE, OrderBookBase

__all__ = ["DEFAULT_TIMEZONE", "OrderBookBase"]
