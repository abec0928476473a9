"""project-x-py's ``order_manager`` package: :class:`OrderManager` over the core
:class:`projectx.orders.OrderManager` (see :mod:`projectx.compat.order_manager.core`)."""

from __future__ import annotations

from projectx.compat.order_manager.core import OrderManager

__all__ = ["OrderManager"]
