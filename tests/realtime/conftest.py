"""Shared setup for real-time tests: an in-process simulator and a logged-in REST client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.sim import Simulator


@contextlib.asynccontextmanager
async def sim_session(**sim_options: Any) -> AsyncIterator[tuple[Simulator, ProjectX]]:
    """``Simulator(**sim_options)`` on 127.0.0.1 and a ``ProjectX`` client logged in to it."""
    async with (
        Simulator(**sim_options) as sim,
        ProjectX(ProjectXConfig.for_simulator(sim)) as px,
    ):
        yield sim, px
