"""Optuna-driven search: ``--search optuna --trials N`` instead of the whole grid.

The grid's values are the search space (each parameter an Optuna categorical over its
values). Each trial is one parameter set that Optuna's TPE sampler proposes; it runs as one
Ray task per input (in parallel), and its objective is the trial's ``objective`` metric over
the inputs (summed for the additive figures, else averaged, as in the report:
:data:`projectx.sweep.report.SUMMED`). A trial with a failed run is told to Optuna as failed.
The trials of a batch (``batch``, default 1) are asked together and told in trial order once
all their runs are back, so for the same seed, batch, space and inputs a search proposes the
same parameter sets in the same order on any machine: the order in which workers finish does
not matter.

Results go in the same table as a grid sweep's (:class:`~projectx.sweep.result.SweepResult`):
``param_set`` is the trial number; a parameter set the sampler proposes twice is run (and
listed) twice. Optuna is part of the ``sweep`` extra.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from typing import Any

from projectx.exceptions import ValidationError
from projectx.sweep.cluster import connect
from projectx.sweep.grid import Grid, ParamValue, expand
from projectx.sweep.metrics import METRIC_SCHEMA
from projectx.sweep.result import SweepResult, build
from projectx.sweep.runner import Progress, TaskPool, _inputs, _prepare
from projectx.sweep.strategy_source import StrategySource, with_params
from projectx.sweep.task import ReplaySettings, RunKey, RunOutcome

__all__ = ["import_optuna", "objective_value", "run_search", "search_space"]


def import_optuna() -> Any:
    """Import Optuna (quietened), or a clear error when it is not installed."""
    try:
        import optuna
    except ImportError:
        raise ValidationError(
            "--search optuna needs Optuna: pip install 'projectx-native[sweep]'"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def search_space(grid: Grid) -> dict[str, Any]:
    """The Optuna distributions of ``grid``: a categorical over each parameter's values."""
    optuna = import_optuna()
    expand(grid)  # the same checks as a grid sweep (names, repeats, mixed kinds)
    return {n: optuna.distributions.CategoricalDistribution(list(v)) for n, v in grid.items()}


def objective_value(outcomes: Sequence[RunOutcome], objective: str) -> float | None:
    """A trial's objective: ``objective`` over its runs (see the module docstring); None when
    a run failed or the figure is undefined (no round trips for a win rate, say)."""
    from projectx.sweep.report import SUMMED

    values: list[float] = []
    for out in outcomes:
        if out.metrics is None or out.metrics[objective] is None:
            return None
        values.append(float(out.metrics[objective]))
    if not values:
        return None
    total = math.fsum(values) if objective in SUMMED else math.fsum(values) / len(values)
    return total if math.isfinite(total) else None


def _best(study: Any) -> int | None:
    try:
        return int(study.best_trial.number)
    except ValueError:  # every trial failed
        return None


def run_search(
    strategy: str | os.PathLike[str],
    grid: Grid,
    inputs: Sequence[str | os.PathLike[str]],
    *,
    trials: int,
    seed: int = 0,
    objective: str = "net_pnl",
    minimize: bool = False,
    batch: int = 1,
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
    """Search ``grid``'s space with Optuna for ``trials`` trials (see the module docstring),
    maximising ``objective`` (``minimize``: minimising it) with a TPE sampler seeded by
    ``seed``. The other options are those of :func:`projectx.sweep.run_sweep`. Raises
    :class:`~projectx.exceptions.ValidationError` for bad input before Ray starts."""
    started = time.monotonic()
    if trials < 1:
        raise ValidationError(f"trials must be >= 1, got {trials}")
    if batch < 1:
        raise ValidationError(f"batch must be >= 1, got {batch}")
    if max_retries < 0:
        raise ValidationError(f"max_retries must be >= 0, got {max_retries}")
    if objective not in METRIC_SCHEMA:
        raise ValidationError(f"unknown objective {objective!r}; one of {', '.join(METRIC_SCHEMA)}")
    optuna = import_optuna()
    space = search_space(grid)
    source = StrategySource.of(strategy)
    probe = source.load()
    for name, values in grid.items():
        for value in values:
            with_params(probe, {name: value})
    paths = _inputs(inputs)
    syms = list(symbols) if symbols else (list(probe.symbols) if probe.symbols else None)
    data = [_prepare(p, syms) for p in paths]
    settings = ReplaySettings(
        timeframes=tuple(timeframes) if timeframes else None,
        balance=balance,
        settle_timeout=settle_timeout,
        features=tuple(features) if features is not None else None,
    )
    study = optuna.create_study(
        direction="minimize" if minimize else "maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    sets: list[dict[str, ParamValue]] = []
    outcomes: dict[RunKey, RunOutcome] = {}
    total = trials * len(paths)
    with connect(address, workers) as cluster:
        pool = TaskPool(source, data, settings, cluster.cpus, max_retries)
        while len(sets) < trials:
            asked = [study.ask(space) for _ in range(min(batch, trials - len(sets)))]
            first = len(sets)
            sets.extend({n: t.params[n] for n in grid} for t in asked)
            keys = [(first + k, j) for k in range(len(asked)) for j in range(len(paths))]
            outcomes.update(pool.run(keys, sets, progress, total=total))
            for k, trial in enumerate(asked):
                runs = [outcomes[(first + k, j)] for j in range(len(paths))]
                score = objective_value(runs, objective)
                if score is None:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                else:
                    study.tell(trial, score)
    result = build(
        sets,
        [str(p) for p in paths],
        outcomes,
        strategy=probe.name,
        wall_s=time.monotonic() - started,
        ray_start_s=cluster.start_s,
        cpus=cluster.cpus,
        address=cluster.address,
        search={
            "kind": "optuna",
            "sampler": "TPESampler",
            "trials": trials,
            "seed": seed,
            "objective": objective,
            "direction": "minimize" if minimize else "maximize",
            "batch": batch,
            "space": {n: list(v) for n, v in grid.items()},
            "best_trial": _best(study),
        },
    )
    if out_dir is not None:
        result.write(out_dir)
    return result
