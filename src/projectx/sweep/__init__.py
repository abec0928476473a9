"""Parameter sweeps over recordings: every (parameter set x input) replay as a task on Ray.

    from projectx.sweep import run_sweep

    result = run_sweep(
        "my_strategy.py",
        {"fast": [5, 8, 13], "slow": [21, 34, 55]},
        ["rec/day1", "rec/day2"],
    )
    print(result.best(5))
    result.write("sweep-out")  # results.parquet, trades.parquet, fills.parquet, sweep.json

Each run is the replay ``projectx replay`` would make (:func:`projectx.replay.replay`), with
the run's parameters set in the strategy's ``PARAMS`` (:mod:`projectx.sweep.strategy_source`);
its figures equal those of that replay run on its own. Ray is an optional extra
(``pip install 'projectx-native[sweep]'``): an embedded local Ray by default (loopback only,
:mod:`projectx.sweep.cluster`), or a cluster by ``address``. The command line:
``projectx sweep --strategy FILE --param fast=5,8,13 --param slow=21,34,55 PATH...``
Inputs may also be bars files from ``projectx bars`` (:mod:`projectx.sweep.inputs`);
:func:`write_report` (``--report FILE``) writes a self-contained HTML report;
:func:`run_search` (``--search optuna --trials N``) lets Optuna choose the parameter sets
(docs/sweep.md).
"""

from projectx.sweep.cluster import RayCluster, SweepError, ray_available
from projectx.sweep.grid import expand, parse_param
from projectx.sweep.report import write_report
from projectx.sweep.result import SweepResult
from projectx.sweep.runner import run_sweep
from projectx.sweep.search import run_search
from projectx.sweep.task import ReplaySettings, RunOutcome

__all__ = [
    "RayCluster",
    "ReplaySettings",
    "RunOutcome",
    "SweepError",
    "SweepResult",
    "expand",
    "parse_param",
    "ray_available",
    "run_search",
    "run_sweep",
    "write_report",
]
