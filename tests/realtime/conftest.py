"""Shared setup for real-time tests: an in-process simulator and a logged-in REST client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.sim import Simulator


@contextlib.asynccontextmanager
async def sim_session(**sim_options: Any) -> AsyncIterator[tuple[Simulator, ProjectX]]:
    """``Simulator(**sim_options)`` on 127.0.0.1 and a ``ProjectX`` client logged in to it."""
    async with Simulator(**sim_options) as sim:
        creds = sim.credentials
        config = ProjectXConfig(
            environment="local",
            base_url=sim.base_url,
            username=creds.user_name,
            api_key=Secret(creds.api_key),
        )
        async with ProjectX(config) as px:
            yield sim, px
