"""Fixtures for client integration tests: an in-process simulator on 127.0.0.1, a server-side
request recorder, and a factory of configured ``ProjectX`` clients."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig

sim_module = pytest.importorskip("projectx.sim")
Simulator = sim_module.Simulator


@dataclass(slots=True)
class Hit:
    """One request as the server saw it."""

    t: float
    endpoint: str
    status: int


@dataclass(slots=True)
class RequestLog:
    """Server-side record of every REST request (observes the real server, replaces nothing)."""

    hits: list[Hit] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: dict[str, int] = field(default_factory=dict)

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        return sum(
            1
            for h in self.hits
            if (endpoint is None or h.endpoint.lower() == endpoint.lower())
            and (status is None or h.status == status)
        )

    def max_in_window(self, window_s: float, bars: bool | None = None) -> int:
        """Most requests the server counted in any window of ``window_s`` (429s excluded)."""
        times = sorted(
            h.t
            for h in self.hits
            if h.status != 429
            and (bars is None or (h.endpoint.lower() == "history/retrievebars") == bars)
        )
        best = 0
        lo = 0
        for hi, t in enumerate(times):
            while times[lo] <= t - window_s:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


def attach_recorder(sim: Any) -> RequestLog:
    """Wrap ``sim.rest.handle`` so every answered request is recorded with its arrival time."""
    log = RequestLog()
    inner = sim.rest.handle

    async def handle(request: Any, tail: str) -> Any:
        endpoint = tail.strip("/")
        arrived = time.monotonic()
        log.in_flight += 1
        key = endpoint.lower()
        log.max_in_flight[key] = max(log.max_in_flight.get(key, 0), log.in_flight)
        status = -1  # handler raised or was cancelled (client went away)
        try:
            response = await inner(request, tail)
            status = response.status
        finally:
            log.in_flight -= 1
            log.hits.append(Hit(arrived, endpoint, status))
        return response

    sim.rest.handle = handle
    return log


@pytest.fixture
async def make_sim() -> AsyncIterator[Callable[..., Any]]:
    """``await make_sim(**simulator_kwargs)`` -> a started simulator (closed at teardown)."""
    started: list[Any] = []

    async def factory(**kwargs: Any) -> Any:
        kwargs.setdefault("symbols", ["MNQ", "MES"])
        kwargs.setdefault("seed", 1)
        kwargs.setdefault("rate", 20.0)
        s = Simulator(**kwargs)
        await s.start()
        started.append(s)
        return s

    yield factory
    for s in started:
        with contextlib.suppress(Exception):
            await s.close()


@pytest.fixture
async def sim(make_sim: Callable[..., Any]) -> Any:
    return await make_sim()


@pytest.fixture
def requests(sim: Any) -> RequestLog:
    return attach_recorder(sim)


def config_for(sim: Any, **overrides: Any) -> ProjectXConfig:
    """A ``local`` config pointing at ``sim`` with its key credentials."""
    return ProjectXConfig.for_simulator(
        sim, **{"backoff_base_s": 0.05, "backoff_max_s": 0.5, **overrides}
    )


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., Any]]:
    """``await make_client(sim, **config_overrides)`` -> a logged-in client (closed at teardown)."""
    clients: list[ProjectX] = []

    async def factory(sim: Any, **overrides: Any) -> ProjectX:
        client = ProjectX(config_for(sim, **overrides))
        clients.append(client)
        await client.connect()
        return client

    yield factory
    for c in clients:
        await c.close()


@pytest.fixture
async def px(sim: Any, make_client: Callable[..., Any]) -> ProjectX:
    client: ProjectX = await make_client(sim)
    return client
