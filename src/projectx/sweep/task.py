"""One task of a sweep: one replay of one parameter set over one input, on a worker.

:func:`run_task` is plain Python (Ray calls it on a worker; the serial path and the tests call
it directly). A strategy's own failure is part of the result (``RunOutcome.error``) and is not
retried: a replay is deterministic, so it would fail the same way again. What is retried is
what the machine did, not the strategy: the worker dying (Ray's ``max_retries``) and the
exceptions in :data:`INFRASTRUCTURE_ERRORS` (Ray's ``retry_exceptions``), such as the replay's
embedded Gateway failing to bind its loopback port.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from projectx.exceptions import ConnectionError as GatewayConnectionError
from projectx.replay import ReplayData, replay
from projectx.sweep.grid import ParamValue
from projectx.sweep.metrics import metrics
from projectx.sweep.strategy_source import StrategySource

__all__ = ["INFRASTRUCTURE_ERRORS", "ReplaySettings", "RunKey", "RunOutcome", "run_task"]

#: (parameter set index, input index): identifies a run; each appears once in a sweep's results
RunKey = tuple[int, int]

#: exceptions that come from the machine rather than the strategy; retried by Ray
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (OSError, GatewayConnectionError)


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """The replay options every run of a sweep shares (as for ``projectx replay``)."""

    timeframes: tuple[str, ...] | None = None  #: default: the strategy's TIMEFRAMES, else 1min
    balance: float = 50_000.0
    settle_timeout: float = 10.0
    features: tuple[str, ...] | None = None  #: default: the strategy's FEATURES, else orderbook


@dataclass(slots=True)
class RunOutcome:
    """What one task returns."""

    key: RunKey
    metrics: dict[str, Any] | None  #: :data:`projectx.sweep.metrics.METRIC_SCHEMA`; None on error
    fills: pl.DataFrame | None
    trades: pl.DataFrame | None  #: round trips
    error: str | None  #: the strategy's failure, ``Type: message``
    wall_s: float
    worker: str  #: ``pid@host`` of the process that ran it


def run_task(
    key: RunKey,
    source: StrategySource,
    params: Mapping[str, ParamValue],
    data: ReplayData,
    settings: ReplaySettings,
) -> RunOutcome:
    """Replay ``data`` with the strategy of ``source`` and ``params`` set; see the module
    docstring for which failures are returned and which are raised (to be retried)."""
    started = time.monotonic()
    worker = f"{os.getpid()}@{socket.gethostname()}"
    try:
        strategy = source.load(params)
        # the standard library's loop, as `projectx replay` (Ray's workers install uvloop's
        # policy when it is there; a replay's result does not depend on the loop, but a run
        # should be the very same code path as the replay it stands for)
        with asyncio.Runner(loop_factory=asyncio.DefaultEventLoopPolicy().new_event_loop) as r:
            result = r.run(
                replay(
                    data,
                    strategy,
                    timeframes=settings.timeframes,
                    balance=settings.balance,
                    chart=False,
                    settle_timeout=settings.settle_timeout,
                    features=settings.features,
                )
            )
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        return RunOutcome(key, None, None, None, error, time.monotonic() - started, worker)
    wall_s = time.monotonic() - started
    return RunOutcome(key, metrics(result), result.fills, result.trades, None, wall_s, worker)
