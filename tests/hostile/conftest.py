"""Hostile-peer tests: what the spec's types allow and what a broken or hostile Gateway could
send, driven through the real socket path (the simulator's fault surface), each test asserting
three things: still working, reported (a counter plus an event or a health reason), consistent
with the simulator's truth."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from projectx.config import ProjectXConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """An in-process simulator on 127.0.0.1 (one instrument, no rate limits)."""
    async with Simulator(
        symbols=["MNQ"], seed=11, rate=50.0, rate_limits=RateLimitConfig(enabled=False)
    ) as s:
        yield s


def config_for(sim: Simulator) -> ProjectXConfig:
    """A config for a client or suite against ``sim``."""
    return ProjectXConfig.for_simulator(sim)


async def eventually(
    predicate: Callable[[], bool], timeout_s: float = 15.0, what: str = "condition"
) -> None:
    """Wait until ``predicate()`` holds; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s:.0f}s")
        await asyncio.sleep(0.01)
