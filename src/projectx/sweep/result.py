"""A sweep's results: one row per (parameter set, input), the runs' round trips and fills.

Rows come in grid order (parameter set, then input), whatever order the workers finished in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from projectx.sweep.grid import ParamValue
from projectx.sweep.metrics import METRIC_SCHEMA
from projectx.sweep.task import RunKey, RunOutcome

__all__ = ["SweepResult"]


@dataclass(slots=True)
class SweepResult:
    """What :func:`projectx.sweep.run_sweep` returns.

    ``table``: ``param_set``, one column per parameter, ``input_index``, ``input``, the figures
    of :data:`~projectx.sweep.metrics.METRIC_SCHEMA`, ``error`` (the strategy's failure, else
    null), ``wall_s`` and ``worker`` (the last two describe the machine, not the result).
    ``trades`` / ``fills``: every run's round trips / fills with ``param_set``,
    ``input_index`` and the parameters in front.
    """

    table: pl.DataFrame
    trades: pl.DataFrame
    fills: pl.DataFrame
    params: list[dict[str, ParamValue]]  #: the parameter sets, by ``param_set``
    inputs: list[str]  #: the inputs, by ``input_index``
    strategy: str
    wall_s: float  #: the whole sweep (Ray start, data to the object store, every run)
    ray_start_s: float
    cpus: int
    address: str
    files: dict[str, Path] = field(default_factory=dict)
    #: how the parameter sets were chosen: None for the whole grid, else the search's settings
    search: dict[str, Any] | None = None

    @property
    def errors(self) -> pl.DataFrame:
        """The rows of runs whose strategy failed."""
        return self.table.filter(pl.col("error").is_not_null())

    def best(self, n: int = 5, by: str = "net_pnl") -> pl.DataFrame:
        """The ``n`` rows with the highest ``by`` (failed runs last)."""
        return self.table.sort(by, descending=True, nulls_last=True).head(n)

    def write(self, directory: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``results.parquet``, ``trades.parquet``, ``fills.parquet`` and ``sweep.json``
        (strategy, grid, inputs, timings) to ``directory``; return the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        for name, df in (("results", self.table), ("trades", self.trades), ("fills", self.fills)):
            path = out / f"{name}.parquet"
            df.write_parquet(path)
            files[name] = path
        meta = {
            "strategy": self.strategy,
            "params": self.params,
            "inputs": self.inputs,
            "runs": self.table.height,
            "failed": self.errors.height,
            "wall_s": self.wall_s,
            "ray_start_s": self.ray_start_s,
            "cpus": self.cpus,
            "address": self.address,
            "search": self.search or {"kind": "grid"},
        }
        path = out / "sweep.json"
        path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        files["sweep"] = path
        self.files.update(files)
        return files


def _tagged(
    df: pl.DataFrame, key: RunKey, params: Mapping[str, ParamValue], names: Sequence[str]
) -> pl.DataFrame:
    front = [
        pl.lit(key[0], pl.Int64).alias("param_set"),
        pl.lit(key[1], pl.Int64).alias("input_index"),
    ]
    front += [pl.lit(params[n]).alias(n) for n in names]
    return df.select(*front, pl.all())


def build(
    params: list[dict[str, ParamValue]],
    inputs: list[str],
    outcomes: Mapping[RunKey, RunOutcome],
    **info: Any,
) -> SweepResult:
    """Assemble a :class:`SweepResult` from one outcome per (parameter set, input)."""
    expected = [(i, j) for i in range(len(params)) for j in range(len(inputs))]
    if sorted(outcomes) != expected:
        missing = sorted(set(expected) - set(outcomes))
        extra = sorted(set(outcomes) - set(expected))
        raise AssertionError(f"sweep results: missing {missing}, unexpected {extra}")
    names = list(params[0]) if params else []
    rows: dict[str, list[Any]] = {
        "param_set": [],
        **{n: [] for n in names},
        "input_index": [],
        "input": [],
        **{m: [] for m in METRIC_SCHEMA},
        "error": [],
        "wall_s": [],
        "worker": [],
    }
    trades: list[pl.DataFrame] = []
    fills: list[pl.DataFrame] = []
    for key in expected:
        out = outcomes[key]
        i, j = key
        rows["param_set"].append(i)
        for n in names:
            rows[n].append(params[i][n])
        rows["input_index"].append(j)
        rows["input"].append(inputs[j])
        for m in METRIC_SCHEMA:
            rows[m].append(out.metrics[m] if out.metrics is not None else None)
        rows["error"].append(out.error)
        rows["wall_s"].append(out.wall_s)
        rows["worker"].append(out.worker)
        if out.trades is not None:
            trades.append(_tagged(out.trades, key, params[i], names))
        if out.fills is not None:
            fills.append(_tagged(out.fills, key, params[i], names))
    table = pl.DataFrame(
        {k: pl.Series(k, v, dtype=METRIC_SCHEMA.get(k), strict=False) for k, v in rows.items()}
    ).with_columns(pl.col("error").cast(pl.Utf8))
    return SweepResult(
        table=table,
        trades=pl.concat(trades, how="vertical_relaxed") if trades else pl.DataFrame(),
        fills=pl.concat(fills, how="vertical_relaxed") if fills else pl.DataFrame(),
        params=params,
        inputs=inputs,
        **info,
    )
