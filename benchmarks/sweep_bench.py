"""Sweep throughput: replays per second, serial in one process vs on an embedded Ray.

Side-by-side script (not collected by pytest; no timing is asserted anywhere):

    .venv/bin/python benchmarks/sweep_bench.py [--workers 2] [--trades 50000] [--inputs 4]

Workload: ``--inputs`` synthetic trades-only MNQ recordings (``trades_only`` of
``test_bench_replay.py``: ``--trades`` trades each, ~20 per market second) written as Parquet
files, and the EMA-cross strategy of ``tests/sweep/swept_strategy.py`` over a 3 x 3 grid
(fast 3/5/8, slow 13/21/34), so ``9 x inputs`` replays. Serial: every run one after the other
in this process (:func:`projectx.sweep.runner.serial_sweep`, the code a worker runs).
Ray: :func:`projectx.sweep.run_sweep` on an embedded Ray with ``--workers`` CPUs, timed without
and with the Ray start. Both compute the same table (checked). On a 2-core machine expect about
2x, less whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_bench_replay import trades_only  # noqa: E402 (after the path is set)

from projectx.sweep import run_sweep  # noqa: E402
from projectx.sweep.cluster import local_ray  # noqa: E402
from projectx.sweep.runner import serial_sweep  # noqa: E402

STRATEGY = HERE.parent / "tests" / "sweep" / "swept_strategy.py"
GRID = {"fast": [3, 5, 8], "slow": [13, 21, 34]}


def main() -> None:
    """Run both and print replays per second."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--trades", type=int, default=50_000, help="trades per recording")
    ap.add_argument("--inputs", type=int, default=4, help="recordings")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for k in range(args.inputs):
            path = Path(tmp) / f"day{k}.parquet"
            trades_only(args.trades, seed=k + 1).write_parquet(path)
            inputs.append(path)
        runs = len(inputs) * len(GRID["fast"]) * len(GRID["slow"])
        print(f"{runs} replays: 3 x 3 grid x {len(inputs)} recordings of {args.trades:,} trades")

        t0 = time.perf_counter()
        serial = serial_sweep(STRATEGY, GRID, inputs)
        serial_s = time.perf_counter() - t0
        print(f"serial          {serial_s:7.2f} s   {runs / serial_s:6.2f} replays/s")

        t0 = time.perf_counter()
        with local_ray(args.workers) as cluster:
            start_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            result = run_sweep(STRATEGY, GRID, inputs)
            ray_s = time.perf_counter() - t1
        total_s = time.perf_counter() - t0
        print(f"Ray start       {start_s:7.2f} s   ({cluster.cpus} CPUs, embedded, 127.0.0.1)")
        print(
            f"Ray sweep       {ray_s:7.2f} s   {runs / ray_s:6.2f} replays/s   "
            f"x{serial_s / ray_s:.2f} serial"
        )
        print(
            f"Ray incl. start {total_s:7.2f} s   {runs / total_s:6.2f} replays/s   "
            f"x{serial_s / total_s:.2f} serial"
        )
        for row in result.table.iter_rows(named=True):
            key = (row["param_set"], row["input_index"])
            ref = serial[key].metrics
            assert ref is not None and row["net_pnl"] == ref["net_pnl"], key
            assert row["trades"] == ref["trades"] and row["fees"] == ref["fees"], key
        mean_serial = sum(o.wall_s for o in serial.values()) / runs
        mean_ray = float(result.table["wall_s"].mean())  # type: ignore[arg-type]
        print(
            f"per replay      {mean_serial:7.3f} s serial, {mean_ray:.3f} s on a Ray worker "
            "(set-up included); results identical"
        )
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"load average    {load} (other work shares the {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
