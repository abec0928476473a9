"""Run a sweep: every (parameter set x input) replay as one task on Ray.

The driver loads and checks everything first (the strategy file, every parameter set, every
input), so bad input fails before Ray starts. Then it puts the strategy's text and each input's
prepared :class:`~projectx.replay.ReplayData` in the object store once, submits the tasks (at
most ``2 x CPUs`` in flight, so a large grid does not flood the scheduler), and collects one
outcome per task, keyed by (parameter set, input): a key seen twice, a key a task did not ask
for, or a key missing at the end is an error, never a silently wrong table.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from projectx.exceptions import ValidationError
from projectx.replay import ReplayData
from projectx.sweep.cluster import SweepError, connect, import_ray
from projectx.sweep.grid import Grid, ParamValue, expand
from projectx.sweep.inputs import load_input
from projectx.sweep.result import SweepResult, build
from projectx.sweep.strategy_source import StrategySource, with_params
from projectx.sweep.task import INFRASTRUCTURE_ERRORS, ReplaySettings, RunKey, RunOutcome, run_task

__all__ = ["TaskPool", "run_sweep"]

log = logging.getLogger(__name__)

#: called after each finished run with (runs done, runs in all)
Progress = Callable[[int, int], None]


def _inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    if not inputs:
        raise ValidationError("a sweep needs at least one input (a recording)")
    paths = [Path(p) for p in inputs]
    seen: dict[Path, Path] = {}
    for p in paths:
        if not p.exists():
            raise ValidationError(f"{p} does not exist")
        real = p.resolve()
        if real in seen:
            raise ValidationError(f"input {p} is given twice (also as {seen[real]})")
        seen[real] = p
    return paths


def _prepare(path: Path, symbols: list[str] | None) -> ReplayData:
    return load_input(path, symbols)


def run_sweep(
    strategy: str | os.PathLike[str],
    grid: Grid,
    inputs: Sequence[str | os.PathLike[str]],
    *,
    address: str | None = None,
    workers: int | None = None,
    timeframes: Sequence[str] | None = None,
    symbols: Sequence[str] | None = None,
    balance: float = 50_000.0,
    settle_timeout: float = 10.0,
    features: Sequence[str] | None = None,
    max_retries: int = 3,
    out_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Replay ``strategy`` over every input for every parameter set of ``grid``, on Ray.

    ``strategy``: a strategy file (or module) as for ``projectx replay``, declaring its
    parameters in ``PARAMS`` (:mod:`projectx.sweep.strategy_source`). ``grid``: parameter name
    -> values (``{"fast": [5, 8], "slow": [21, 34]}``). ``inputs``: recording directories or
    Parquet files, or bars files from ``projectx bars`` (:mod:`projectx.sweep.inputs`).
    ``address``: an existing Ray cluster (``host:port`` or ``ray://host:port``);
    default an embedded local Ray with ``workers`` CPUs (default: all of this machine's); a Ray
    this process is already connected to is used as it is. ``timeframes``, ``symbols``,
    ``balance``, ``settle_timeout``, ``features``: as for :func:`projectx.replay.replay`.
    ``max_retries``: how often a task is run again after its worker died or it raised an
    infrastructure error (:data:`~projectx.sweep.task.INFRASTRUCTURE_ERRORS`); a strategy's own
    error is recorded in the run's ``error`` and not retried. With ``out_dir`` the tables are
    written there (:meth:`SweepResult.write`).

    Every run's figures equal those of the same replay run on its own.
    Raises :class:`~projectx.exceptions.ValidationError` for bad input (before Ray starts) and
    :class:`~projectx.sweep.cluster.SweepError` when Ray fails or a task fails past its retries.
    """
    started = time.monotonic()
    if max_retries < 0:
        raise ValidationError(f"max_retries must be >= 0, got {max_retries}")
    source = StrategySource.of(strategy)
    sets = expand(grid)
    probe = source.load()
    for params in sets:
        with_params(probe, params)
    paths = _inputs(inputs)
    syms = list(symbols) if symbols else (list(probe.symbols) if probe.symbols else None)
    data = [_prepare(p, syms) for p in paths]
    settings = ReplaySettings(
        timeframes=tuple(timeframes) if timeframes else None,
        balance=balance,
        settle_timeout=settle_timeout,
        features=tuple(features) if features is not None else None,
    )
    keys: list[RunKey] = [(i, j) for i in range(len(sets)) for j in range(len(paths))]
    with connect(address, workers) as cluster:
        pool = TaskPool(source, data, settings, cluster.cpus, max_retries)
        outcomes = pool.run(keys, sets, progress, total=len(keys))
    result = build(
        sets,
        [str(p) for p in paths],
        outcomes,
        strategy=probe.name,
        wall_s=time.monotonic() - started,
        ray_start_s=cluster.start_s,
        cpus=cluster.cpus,
        address=cluster.address,
    )
    if out_dir is not None:
        result.write(out_dir)
    return result


class TaskPool:
    """The Ray side of a sweep: the strategy and the inputs put in the object store once (at
    construction), then any runs ``(parameter set, input)`` submitted as tasks over them, at
    most ``2 x CPUs`` in flight. Needs a connected Ray (:func:`~projectx.sweep.cluster.connect`).
    """

    def __init__(
        self,
        source: StrategySource,
        data: list[ReplayData],
        settings: ReplaySettings,
        cpus: int,
        max_retries: int,
    ) -> None:
        self._ray = ray = import_ray(local=False)
        self._task = ray.remote(
            num_cpus=1,
            max_retries=max_retries,
            retry_exceptions=list(INFRASTRUCTURE_ERRORS),
        )(run_task)
        self._source_ref = ray.put(source)
        self._data_refs = [ray.put(d) for d in data]  # once per input, shared by every task
        self._settings = settings
        self._window = max(2, 2 * cpus)
        self._max_retries = max_retries
        self.done = 0  #: runs finished so far (over every call of :meth:`run`)

    def run(
        self,
        keys: Sequence[RunKey],
        sets: Sequence[dict[str, ParamValue]],
        progress: Progress | None,
        total: int,
    ) -> dict[RunKey, RunOutcome]:
        """Run ``keys`` (``sets[i]`` over input ``j``) and return one outcome per key."""
        ray = self._ray
        queue = iter(keys)
        pending: dict[Any, RunKey] = {}
        outcomes: dict[RunKey, RunOutcome] = {}

        def submit() -> None:
            for key in queue:
                i, j = key
                ref = self._task.remote(
                    key, self._source_ref, sets[i], self._data_refs[j], self._settings
                )
                pending[ref] = key
                if len(pending) >= self._window:
                    return

        submit()
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    key = pending.pop(ref)
                    outcome = _get(ray, ref, key, sets, self._max_retries)
                    _record(outcomes, key, outcome)
                    self.done += 1
                    if progress is not None:
                        progress(self.done, total)
                submit()
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
        if len(outcomes) != len(keys):  # pragma: no cover - guarded by _record and the loop
            raise SweepError(f"sweep: {len(outcomes)} results for {len(keys)} runs")
        return outcomes


def _get(
    ray: Any, ref: Any, key: RunKey, sets: Sequence[dict[str, ParamValue]], max_retries: int
) -> RunOutcome:
    try:
        outcome: RunOutcome = ray.get(ref)
    except ray.exceptions.RayError as exc:
        raise SweepError(
            f"run {key} (parameters {sets[key[0]]}) failed after {max_retries} retries: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return outcome


def _record(outcomes: dict[RunKey, RunOutcome], key: RunKey, outcome: RunOutcome) -> None:
    """Keep ``outcome`` as the one result of ``key`` (never two, never another key's)."""
    if outcome.key != key:
        raise SweepError(f"the task for run {key} returned the result of run {outcome.key}")
    if key in outcomes:
        raise SweepError(f"run {key} returned a result twice")
    outcomes[key] = outcome


def serial_sweep(
    strategy: str | os.PathLike[str],
    grid: Grid,
    inputs: Sequence[str | os.PathLike[str]],
    *,
    settings: ReplaySettings | None = None,
    symbols: Sequence[str] | None = None,
) -> dict[RunKey, RunOutcome]:
    """The same runs one after the other in this process, without Ray (a reference for the
    tests and the benchmark)."""
    source = StrategySource.of(strategy)
    sets = expand(grid)
    probe = source.load()
    paths = _inputs(inputs)
    syms = list(symbols) if symbols else (list(probe.symbols) if probe.symbols else None)
    data = [_prepare(p, syms) for p in paths]
    outcomes: dict[RunKey, RunOutcome] = {}
    for i, params in enumerate(sets):
        for j, d in enumerate(data):
            _record(
                outcomes, (i, j), run_task((i, j), source, params, d, settings or ReplaySettings())
            )
    return outcomes
