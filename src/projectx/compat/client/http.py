"""project-x-py's ``HttpMixin``: reachability and the client's health."""

from __future__ import annotations

from typing import Any

from projectx.compat.client._core import ClientCore
from projectx.compat.exceptions import ProjectXConnectionError, translating

__all__ = ["MUTATING_ENDPOINTS", "HttpMixin"]

#: endpoints whose requests change state at the Gateway (never retried blindly)
MUTATING_ENDPOINTS = frozenset(
    {
        "/Order/place",
        "/Order/modify",
        "/Order/cancel",
        "/Position/closeContract",
        "/Position/partialCloseContract",
    }
)


class HttpMixin(ClientCore):
    """Reachability and request statistics (the core transport does the HTTP)."""

    async def ping(self) -> str:
        """``"pong"`` when the Gateway answered (the round trip is in the core's stats)."""
        with translating(invalid=ProjectXConnectionError):
            answered = await self.core.ping()
        if not answered:
            raise ProjectXConnectionError("the Gateway did not answer Status/ping")
        return "pong"

    async def get_health_status(self) -> dict[str, Any]:
        """The client's health: the core's score and request counters."""
        core = self.core
        stats = core.stats_snapshot()
        report = core.health.get_health_score()
        return {
            "health_score": report.score,
            "health_reasons": list(report.reasons),
            "authenticated": core.token is not None,
            "api_calls": stats["requests"],
            "circuit": stats["circuit"]["state"],
            "stats": stats,
        }
