"""project-x-py's client package: ``ProjectX`` over the core :class:`projectx.ProjectX`."""

from __future__ import annotations

from projectx.compat.client.base import ProjectXBase
from projectx.compat.utils.async_rate_limiter import RateLimiter

__all__ = ["ProjectX", "ProjectXBase", "RateLimiter"]


class ProjectX(ProjectXBase):
    """The async ProjectX client (see :class:`ProjectXBase`)."""
