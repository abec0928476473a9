"""The order layer: :class:`OrderManager`, its records, tracker, brackets and state machine."""

from projectx.orders.brackets import BracketOrder, OcoPair
from projectx.orders.chain import OrderChainBuilder
from projectx.orders.errors import OrderNotFilledError, OrderRefusedError, UnsupportedOrderTypeError
from projectx.orders.manager import InstrumentResolver, OrderManager, RiskGate
from projectx.orders.reconcile import ReconcileReport
from projectx.orders.records import OrderRequest, OrderRole, OrderSpec, TrackedOrder
from projectx.orders.state import OrderState
from projectx.orders.stats import OrderStats
from projectx.orders.tracker import OrderTracker

OrderResponse = TrackedOrder
"""What the ``place_*`` methods return (alias of :class:`TrackedOrder`)."""

__all__ = [
    "BracketOrder",
    "InstrumentResolver",
    "OcoPair",
    "OrderChainBuilder",
    "OrderManager",
    "OrderNotFilledError",
    "OrderRefusedError",
    "OrderRequest",
    "OrderResponse",
    "OrderRole",
    "OrderSpec",
    "OrderState",
    "OrderStats",
    "OrderTracker",
    "ReconcileReport",
    "RiskGate",
    "TrackedOrder",
    "UnsupportedOrderTypeError",
]
