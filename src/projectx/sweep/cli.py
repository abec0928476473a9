"""``projectx sweep``: the command line of :func:`projectx.sweep.run_sweep`.

Registered by :mod:`projectx.cli_data`; nothing heavy (polars, Ray) is imported until the
command runs. Exit codes: 0 every run succeeded, 1 a run's strategy failed or Ray failed,
2 bad input (unknown parameter, missing file, Ray not installed), 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["add_parser"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def _param(text: str) -> tuple[str, list[Any]]:
    from projectx.exceptions import ValidationError
    from projectx.sweep.grid import parse_param

    try:
        return parse_param(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _list(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def add_parser(sub: Any) -> None:
    """Register ``projectx sweep`` on the CLI's subparsers."""
    p = sub.add_parser(
        "sweep",
        help="replay a strategy over recordings for every set of a parameter grid, on Ray",
        description="Run every (parameter set x PATH) replay of the strategy file as a task on "
        "Ray — an embedded local Ray (127.0.0.1 only) or the cluster at --address — and write "
        "one Parquet table of results (parameters, input, net P&L, fees, trades, win rate, max "
        "drawdown, Sharpe, exposure) to --out. Each run equals 'projectx replay PATH' with the "
        "run's values in the strategy's PARAMS.",
    )
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="recordings or bars files")
    p.add_argument("--strategy", required=True, help="strategy .py file or module")
    p.add_argument(
        "--param",
        type=_param,
        action="append",
        required=True,
        metavar="NAME=V1,V2",
        help="a swept parameter and its values (repeat for a grid)",
    )
    p.add_argument("--address", default=None, help="a Ray cluster (default: embedded local Ray)")
    p.add_argument("--workers", type=_count, default=None, help="embedded Ray: CPUs (default all)")
    p.add_argument("--out", type=Path, default=None, help="results directory")
    p.add_argument("--timeframes", type=_list, default=None, help="default: the strategy's")
    p.add_argument("--symbols", type=_list, default=None, help="default: every recorded one")
    p.add_argument("--balance", type=_positive, default=50_000.0, help="starting balance")
    p.add_argument("--settle-timeout", type=_positive, default=10.0, metavar="S")
    p.add_argument("--features", type=_list, default=None, help="suite features ('' for none)")
    p.add_argument("--retries", type=_count, default=3, help="retries of a task whose worker died")
    p.add_argument("--top", type=_count, default=10, help="best runs to print (default 10)")
    p.add_argument(
        "--search",
        choices=("grid", "optuna"),
        default="grid",
        help="grid: every parameter set (default); optuna: --trials sets proposed by Optuna",
    )
    p.add_argument("--trials", type=_count, default=None, help="--search optuna: trials")
    p.add_argument("--seed", type=int, default=0, help="--search optuna: sampler seed (0)")
    p.add_argument("--objective", default="net_pnl", metavar="COL", help="default net_pnl")
    p.add_argument("--minimize", action="store_true", help="minimise --objective")
    p.add_argument("--batch", type=_count, default=1, help="--search optuna: trials at once")
    p.add_argument("--report", type=Path, default=None, metavar="FILE", help="HTML report")
    p.add_argument("--report-x", default=None, metavar="NAME", help="heatmap x (first param)")
    p.add_argument("--report-y", default=None, metavar="NAME", help="heatmap y (second param)")
    p.add_argument("--report-metric", default="net_pnl", metavar="COL", help="default net_pnl")
    p.add_argument("--report-top", type=_count, default=5, metavar="N", help="equity curves")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=lambda a: run(a, sys.stdout, sys.stderr))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the command; map failures to messages and exit codes."""
    from projectx.exceptions import ValidationError
    from projectx.sweep.cluster import SweepError

    try:
        return _sweep(args, out, err)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except ValidationError as exc:
        print(f"projectx sweep: {exc}", file=err)
        return EXIT_INPUT
    except SweepError as exc:
        print(f"projectx sweep: {exc}", file=err)
        return EXIT_FAILED


def _sweep(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import polars as pl

    from projectx.exceptions import ValidationError
    from projectx.sweep.runner import run_sweep

    grid: dict[str, list[Any]] = {}
    for name, values in args.param:
        if name in grid:
            raise ValidationError(f"--param {name} is given twice")
        grid[name] = values
    if args.workers == 0:
        raise ValidationError("--workers must be >= 1")
    trials: int = args.trials or 0
    if args.search == "optuna":
        if not trials:
            raise ValidationError("--search optuna needs --trials N (N >= 1)")
        if args.batch < 1:
            raise ValidationError("--batch must be >= 1")
        from projectx.sweep.search import import_optuna

        import_optuna()  # a clear exit 2 before Ray starts when Optuna is missing
    elif args.trials is not None:
        raise ValidationError("--trials needs --search optuna")
    if args.report is not None:
        from projectx.sweep.metrics import METRIC_SCHEMA

        names = list(grid)
        for opt, name in (("--report-x", args.report_x), ("--report-y", args.report_y)):
            if name is not None and name not in names:
                raise ValidationError(f"{opt} {name}: not a --param ({', '.join(names)})")
        if args.report_metric not in METRIC_SCHEMA:
            raise ValidationError(
                f"--report-metric {args.report_metric}: one of {', '.join(METRIC_SCHEMA)}"
            )
    bar: Any = None
    task: Any = None
    if not args.no_progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=err),
        )

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(task, completed=done, total=total)

    if bar is not None:
        total = len(args.paths)
        if args.search == "optuna":
            total *= trials
        else:
            for values in grid.values():
                total *= len(values)
        task = bar.add_task("sweep", total=total)
        bar.start()
    search: dict[str, Any] = {}
    runner: Any = run_sweep
    if args.search == "optuna":
        from projectx.sweep.search import run_search

        runner = run_search
        search = {
            "trials": trials,
            "seed": args.seed,
            "objective": args.objective,
            "minimize": args.minimize,
            "batch": args.batch,
        }
    try:
        result = runner(
            args.strategy,
            grid,
            args.paths,
            **search,
            address=args.address,
            workers=args.workers,
            timeframes=args.timeframes,
            symbols=args.symbols,
            balance=args.balance,
            settle_timeout=args.settle_timeout,
            features=args.features,
            max_retries=args.retries,
            out_dir=args.out,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.stop()
    if args.report is not None:
        from projectx.sweep.report import write_report

        write_report(
            result,
            args.report,
            x=args.report_x,
            y=args.report_y,
            metric=args.report_metric,
            top=args.report_top,
        )
    t = result.table
    print(
        f"sweep           {result.strategy}: {len(result.params)} "
        f"{'trial(s)' if args.search == 'optuna' else 'parameter set(s)'} x "
        f"{len(result.inputs)} input(s) = {t.height} runs on {result.cpus} CPU(s) "
        f"in {result.wall_s:.1f} s (Ray start {result.ray_start_s:.1f} s)",
        file=out,
    )
    if args.top:
        cols = [*grid, "input", "net_pnl", "fees", "trades", "win_rate", "max_drawdown", "sharpe"]
        with pl.Config(tbl_rows=args.top, tbl_cols=len(cols), tbl_width_chars=140):
            print(result.best(args.top).select(cols), file=out)
    for name, path in sorted(result.files.items()):
        print(f"wrote {name:<8} {path}", file=out)
    failed = result.errors
    if failed.height:
        print(f"projectx sweep: {failed.height} of {t.height} runs failed:", file=err)
        for row in failed.head(5).iter_rows(named=True):
            params = {n: row[n] for n in grid}
            print(f"  {params} on {row['input']}: {row['error']}", file=err)
        return EXIT_FAILED
    return EXIT_OK
