"""Real-time transport: the SignalR hub connection (market hub into the native core)."""

from projectx.realtime.client import RealtimeClient, UserEvent
from projectx.realtime.hub import (
    HubConnection,
    HubInvocationError,
    HubState,
    HubStats,
    ReconnectPolicy,
)

__all__ = [
    "HubConnection",
    "HubInvocationError",
    "HubState",
    "HubStats",
    "RealtimeClient",
    "ReconnectPolicy",
    "UserEvent",
]
