"""projectx: async Python SDK for the ProjectX Gateway API, with a Cython hot path.

The public API is what ``__all__`` lists. Client-side names (``TradingSuite``, ``ProjectX``...)
are imported lazily on first access, so ``import projectx.sim`` (the simulator, which must not
depend on client code) stays free of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from projectx.enums import (
    BarUnit,
    DomType,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionType,
    TradeLogType,
)

if TYPE_CHECKING:
    from projectx.client import ProjectX
    from projectx.config import ProjectXConfig, Secret
    from projectx.data import RealtimeDataManager
    from projectx.events import Event, EventBus, EventType
    from projectx.exceptions import (
        APIError,
        AuthenticationError,
        CircuitOpenError,
        ConnectionError,
        InsufficientMarginError,
        OrderRejectedError,
        OrderSubmissionUncertainError,
        ProjectXError,
        RateLimitError,
        ValidationError,
    )
    from projectx.realtime import RealtimeClient
    from projectx.suite import Features, InstrumentContext, TradingSuite

__version__ = "0.1.0"

_LAZY = {
    "ProjectX": "projectx.client",
    "ProjectXConfig": "projectx.config",
    "Secret": "projectx.config",
    "RealtimeDataManager": "projectx.data",
    "Event": "projectx.events",
    "EventBus": "projectx.events",
    "EventType": "projectx.events",
    "APIError": "projectx.exceptions",
    "AuthenticationError": "projectx.exceptions",
    "CircuitOpenError": "projectx.exceptions",
    "ConnectionError": "projectx.exceptions",
    "InsufficientMarginError": "projectx.exceptions",
    "OrderRejectedError": "projectx.exceptions",
    "OrderSubmissionUncertainError": "projectx.exceptions",
    "ProjectXError": "projectx.exceptions",
    "RateLimitError": "projectx.exceptions",
    "ValidationError": "projectx.exceptions",
    "RealtimeClient": "projectx.realtime",
    "Features": "projectx.suite",
    "InstrumentContext": "projectx.suite",
    "TradingSuite": "projectx.suite",
}

__all__ = [
    "APIError",
    "AuthenticationError",
    "BarUnit",
    "CircuitOpenError",
    "ConnectionError",
    "DomType",
    "Event",
    "EventBus",
    "EventType",
    "Features",
    "InstrumentContext",
    "InsufficientMarginError",
    "OrderRejectedError",
    "OrderSide",
    "OrderStatus",
    "OrderSubmissionUncertainError",
    "OrderType",
    "PositionType",
    "ProjectX",
    "ProjectXConfig",
    "ProjectXError",
    "RateLimitError",
    "RealtimeClient",
    "RealtimeDataManager",
    "Secret",
    "TradeLogType",
    "TradingSuite",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'projectx' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
