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

``--bars``: the inputs are bars files instead (the trades as 1sec OHLCV bars, in the format of
``projectx bars --out``). Then, on the same Ray: an Optuna search (``--trials``, default 9, the
grid's size) over the same space, and the HTML report of the grid sweep (its write time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_bench_replay import trades_only  # noqa: E402 (after the path is set)

from projectx.sweep import run_search, run_sweep, write_report  # noqa: E402
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
    ap.add_argument("--bars", action="store_true", help="bars files as inputs (1sec OHLCV)")
    ap.add_argument("--trials", type=int, default=9, help="Optuna trials (0: no search)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for k in range(args.inputs):
            path = Path(tmp) / f"day{k}.parquet"
            trades = trades_only(args.trades, seed=k + 1)
            (_as_bars(trades) if args.bars else trades).write_parquet(path)
            inputs.append(path)
        runs = len(inputs) * len(GRID["fast"]) * len(GRID["slow"])
        kind = "bars files (1sec) of" if args.bars else "recordings of"
        print(f"{runs} replays: 3 x 3 grid x {len(inputs)} {kind} {args.trades:,} trades")

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
            if args.trials:
                t2 = time.perf_counter()
                study = run_search(STRATEGY, GRID, inputs, trials=args.trials, seed=1)
                search_s = time.perf_counter() - t2
                n = study.table.height
                print(
                    f"Optuna search   {search_s:7.2f} s   {n / search_s:6.2f} replays/s   "
                    f"({args.trials} trials x {len(inputs)} inputs, one trial at a time)"
                )
            t3 = time.perf_counter()
            page = write_report(result, Path(tmp) / "report.html")
            print(
                f"HTML report     {time.perf_counter() - t3:7.3f} s   "
                f"{page.stat().st_size / 1024:.0f} KiB"
            )
        total_s = start_s + ray_s  # the grid sweep alone (not the search and the report)
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


def _as_bars(trades: pl.DataFrame) -> pl.DataFrame:
    """``trades`` as 1sec OHLCV bars in the format ``projectx bars --out`` writes."""
    bars = (
        trades.with_columns((pl.col("ts_ns") // 1_000_000_000 * 1_000_000_000).alias("bar"))
        .group_by("bar", maintain_order=True)
        .agg(
            pl.col("price").first().alias("open"),
            pl.col("price").max().alias("high"),
            pl.col("price").min().alias("low"),
            pl.col("price").last().alias("close"),
            pl.col("volume").sum().alias("volume"),
        )
    )
    return bars.select(
        pl.lit("CON.F.US.MNQ.Z26").alias("contract_id"),
        pl.lit("1sec").alias("timeframe"),
        pl.col("bar").alias("ts_ns"),
        pl.col("bar").cast(pl.Datetime("ns", "UTC")).alias("timestamp"),
        "open",
        "high",
        "low",
        "close",
        "volume",
    )


if __name__ == "__main__":
    main()
