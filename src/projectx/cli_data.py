"""The data commands of the CLI: ``record``, ``replay``, ``bars``, ``check``, ``sweep``.

Registered by :mod:`projectx.cli`; heavy imports happen inside the commands so ``projectx sim``
starts fast. Exit codes: 0 success, 1 the Gateway (or a connection) failed, 2 bad input or
configuration (missing credentials, unknown symbol or timeframe, unreadable files), 130 Ctrl-C.

Credentials come from ``PROJECT_X_*`` environment variables (:meth:`ProjectXConfig.from_env`);
``--url`` points at a local Gateway such as ``projectx sim`` (environment ``local``); ``--sim``
runs an embedded simulator for the command (self-tests, demos). Secrets are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TextIO

__all__ = ["COMMANDS"]

EXIT_OK, EXIT_GATEWAY, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class _CommandError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _csv(text: str) -> tuple[str, ...]:
    items = tuple(s.strip() for s in text.split(",") if s.strip())
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list")
    return items


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return value


def _add_connection_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (default: PROJECT_X_* environment variables)")
    g.add_argument("--url", default=None, help="a local Gateway, e.g. http://127.0.0.1:5000")
    g.add_argument("--sim", action="store_true", help="use an embedded simulator")
    g.add_argument("--sim-rate", type=_positive, default=50.0, help="--sim market steps/s")
    g.add_argument("--seed", type=int, default=1, help="--sim market seed")


@contextlib.asynccontextmanager
async def _config(args: argparse.Namespace, symbols: tuple[str, ...] = ()) -> AsyncIterator[Any]:
    """A ProjectXConfig for the command's connection options (starting --sim if asked)."""
    from projectx.config import ProjectXConfig
    from projectx.exceptions import ValidationError

    if args.sim:
        from projectx.sim import Simulator
        from projectx.sim.ratelimit import RateLimitConfig

        try:
            sim = Simulator(
                symbols=list(symbols) or ["MNQ"],
                seed=args.seed,
                rate=args.sim_rate,
                rate_limits=RateLimitConfig(enabled=False),
            )
        except ValueError as exc:
            raise _CommandError(str(exc), EXIT_INPUT) from None
        async with sim:
            yield ProjectXConfig.for_simulator(sim)
        return
    try:
        overrides: dict[str, Any] = {}
        if args.url:
            overrides = {"environment": "local", "base_url": args.url}
        config = ProjectXConfig.from_env(**overrides)
        config.require_credentials()
    except ValidationError as exc:
        raise _CommandError(f"configuration: {exc}", EXIT_INPUT) from None
    yield config


def _run(name: str, coro: Any) -> int:
    """Run a command coroutine; map errors to messages and exit codes."""
    from projectx.exceptions import (
        APIError,
        AuthenticationError,
        ProjectXError,
        ValidationError,
    )
    from projectx.exceptions import ConnectionError as PXConnectionError

    try:
        return int(asyncio.run(coro))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except _CommandError as exc:
        print(f"projectx {name}: {exc}", file=sys.stderr)
        return exc.code
    except ValidationError as exc:
        print(f"projectx {name}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (AuthenticationError, PXConnectionError, APIError, OSError) as exc:
        print(f"projectx {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_GATEWAY
    except ProjectXError as exc:
        print(f"projectx {name}: {exc}", file=sys.stderr)
        return EXIT_GATEWAY


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)


# ------------------------------------------------------------------------------------ record
def _add_record(sub: Any) -> None:
    p = sub.add_parser(
        "record",
        help="record quotes, trades and depth to Parquet",
        description="Subscribe to quotes, trades and depth of SYMBOLS and write every record to "
        "rotating Parquet files plus manifest.json in --out (replay them with projectx replay).",
    )
    p.add_argument("symbols", type=_csv, metavar="SYMBOLS", help="e.g. MNQ or MNQ,ES")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--duration", type=_positive, default=None, help="seconds (default: Ctrl-C)")
    p.add_argument("--rows-per-part", type=_positive_int, default=1_000_000)
    p.add_argument("--part-seconds", type=_positive, default=300.0, help="max age of a part")
    p.add_argument("--overwrite", action="store_true", help="replace a recording in --out")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    _add_connection_options(p)
    p.set_defaults(func=lambda a: _run("record", _record(a, sys.stdout, sys.stderr)))


async def _record(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from projectx.client import ProjectX
    from projectx.recording import Recorder, RecorderStats

    stop = asyncio.Event()
    _stop_on_signals(stop)
    tty = err.isatty()

    def progress(stats: RecorderStats) -> None:
        if args.quiet:
            return
        print(("\r" if tty else "") + stats.line(), end="" if tty else "\n", file=err, flush=True)

    async with _config(args, args.symbols) as config, ProjectX(config) as client:
        recorder = Recorder(
            client,
            args.symbols,
            args.out,
            rows_per_part=args.rows_per_part,
            part_seconds=args.part_seconds,
            overwrite=args.overwrite,
        )
        await recorder.start()
        manifest = await recorder.run(args.duration, stop=stop, on_progress=progress)
    if tty and not args.quiet:
        print(file=err)
    c = manifest.counts
    print(
        f"recorded {c.get('rows', 0):,} records (trades {c.get('trades', 0):,}, depth "
        f"{c.get('depth', 0):,}, quotes {c.get('quotes', 0):,}) of "
        f"{', '.join(i.contract_id for i in manifest.contracts)} in {len(manifest.parts)} "
        f"file(s) to {args.out}",
        file=out,
    )
    return EXIT_OK


# ------------------------------------------------------------------------------------ replay
def _add_replay(sub: Any) -> None:
    p = sub.add_parser(
        "replay",
        help="run a strategy over a recording (or bars) through the simulator",
        description="Replay PATH (a recording directory, a market Parquet file, or a bars file "
        "from 'projectx bars') through the simulator's matching engine with a simulated clock, "
        "running the strategy file's setup(suite[, clock]) as it would run live. Prints a "
        "summary and writes fills, round trips, equity curve (Parquet) and a chart to --out.",
    )
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--strategy", required=True, help="strategy .py file or module")
    p.add_argument("--timeframes", type=_csv, default=None, help="default: the strategy's")
    p.add_argument("--symbols", type=_csv, default=None, help="default: every recorded one")
    p.add_argument("--out", type=Path, default=None, help="results directory")
    p.add_argument("--balance", type=_positive, default=50_000.0, help="starting balance")
    p.add_argument("--no-chart", action="store_true", help="skip equity.png")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--settle-timeout", type=_positive, default=10.0, metavar="S")
    p.add_argument(
        "--features",
        type=lambda t: tuple(s.strip() for s in t.split(",") if s.strip()),
        default=None,
        help="suite features, e.g. orderbook ('' for none; default: the strategy's FEATURES "
        "or orderbook)",
    )
    p.set_defaults(func=lambda a: _run("replay", _replay(a, sys.stdout, sys.stderr)))


def _bars_source(path: Path) -> Any:
    """A bars file (from ``projectx bars``) as synthetic trades, or None for a recording."""
    import polars as pl

    from projectx.replay import bars_to_trades
    from projectx.timeframes import parse_timeframe

    if path.is_dir() or path.suffix.lower() not in (".parquet", ".csv"):
        return None
    try:
        df = pl.read_csv(path) if path.suffix.lower() == ".csv" else pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for bad files
        raise _CommandError(f"cannot read {path}: {exc}", EXIT_INPUT) from None
    if not {"open", "high", "low", "close"} <= set(df.columns):
        return None
    for col in ("contract_id", "timeframe"):
        if col not in df.columns or df.height == 0:
            raise _CommandError(f"{path}: a bars file needs a {col!r} column", EXIT_INPUT)
    tf = parse_timeframe(str(df["timeframe"][0]))
    if tf.is_calendar:
        raise _CommandError("replay over day/week/month bars is not supported", EXIT_INPUT)
    return bars_to_trades(df, str(df["contract_id"][0]), tf.length_ns / 1e9)


async def _replay(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from projectx.recording import RecordingFormatError
    from projectx.replay import ReplayProgress, ReplaySourceError, prepare, replay
    from projectx.strategy import load_strategy

    strategy = load_strategy(args.strategy)
    if not args.path.exists():
        raise _CommandError(f"{args.path} does not exist", EXIT_INPUT)
    source = _bars_source(args.path)
    symbols = list(args.symbols) if args.symbols else None
    try:
        data = prepare(source if source is not None else args.path, symbols=symbols)
    except (ReplaySourceError, RecordingFormatError) as exc:
        raise _CommandError(str(exc), EXIT_INPUT) from None
    progress_cb: Callable[[ReplayProgress], None] | None = None
    bar: Any = None
    if not args.no_progress:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("replay"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} msgs"),
            TextColumn("{task.fields[rate]:>10,.0f} msg/s"),
            TextColumn("{task.fields[speed]:>8,.0f}x market time"),
            TimeElapsedColumn(),
            console=Console(file=err),
            transient=False,
        )
        task = bar.add_task("replay", total=data.n_records, rate=0.0, speed=0.0)

        def progress_cb(p: ReplayProgress) -> None:
            bar.update(task, completed=p.records, rate=p.records_per_s, speed=p.market_per_wall)

        bar.start()
    try:
        result = await replay(
            data,
            strategy,
            timeframes=args.timeframes,
            balance=args.balance,
            out_dir=args.out,
            chart=not args.no_chart,
            progress=progress_cb,
            settle_timeout=args.settle_timeout,
            features=args.features,
        )
    finally:
        if bar is not None:
            bar.stop()
    for line in result.summary.lines():
        print(line, file=out)
    for name, path in sorted(result.files.items()):
        print(f"wrote {name:<8} {path}", file=out)
    return EXIT_OK


# -------------------------------------------------------------------------------------- bars
def _add_bars(sub: Any) -> None:
    p = sub.add_parser(
        "bars",
        help="download historical bars",
        description="Fetch bars of SYMBOL from History/retrieveBars; print them, or write them "
        "to --out (.parquet or .csv; replayable with 'projectx replay FILE').",
    )
    p.add_argument("symbol", metavar="SYMBOL")
    p.add_argument("--timeframe", default="1min", help="e.g. 1min, 5min, 1hr, 1day")
    p.add_argument("--days", type=_positive, default=1.0, help="how far back (default 1)")
    p.add_argument("--out", type=Path, default=None, help="file.parquet or file.csv")
    p.add_argument("--partial", action="store_true", help="include the forming bar")
    _add_connection_options(p)
    p.set_defaults(func=lambda a: _run("bars", _bars(a, sys.stdout)))


async def _bars(args: argparse.Namespace, out: TextIO) -> int:
    from datetime import UTC, datetime, timedelta

    import polars as pl

    from projectx.client import ProjectX
    from projectx.timeframes import parse_timeframe

    tf = parse_timeframe(args.timeframe)
    if args.out is not None and args.out.suffix.lower() not in (".parquet", ".csv"):
        raise _CommandError(f"--out must end in .parquet or .csv, got {args.out}", EXIT_INPUT)
    async with _config(args, (args.symbol,)) as config, ProjectX(config) as client:
        contract = await client.resolve_contract(args.symbol)
        end = datetime.now(UTC)
        bars = await client.get_bars(
            contract,
            tf.name,
            start=end - timedelta(days=args.days),
            end=end,
            include_partial=args.partial,
        )
    df = bars.select(
        pl.lit(contract.id).alias("contract_id"),
        pl.lit(tf.name).alias("timeframe"),
        pl.col("ts").cast(pl.Int64).alias("ts_ns"),
        pl.col("ts").alias("timestamp"),
        "open",
        "high",
        "low",
        "close",
        "volume",
    )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix.lower() == ".csv":
            df.write_csv(args.out)
        else:
            df.write_parquet(args.out)
        print(f"wrote {df.height:,} {tf.name} bars of {contract.id} to {args.out}", file=out)
        return EXIT_OK
    print(f"{df.height:,} {tf.name} bars of {contract.id}", file=out)
    with pl.Config(tbl_rows=20, tbl_cols=9, tbl_width_chars=120):
        print(df.drop("contract_id", "timeframe", "ts_ns").tail(20), file=out)
    return EXIT_OK


# ------------------------------------------------------------------------------------- check
def _add_check(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="check configuration, credentials and connectivity",
        description="Check the configuration, that credentials are present (never printed), "
        "and connectivity: login, Status/ping, and a handshake on both hubs. Exit 0 when all "
        "pass, 2 for configuration/credential problems, 1 when the Gateway cannot be reached "
        "or refuses the login.",
    )
    p.add_argument("--no-hubs", action="store_true", help="skip the hub handshakes")
    p.add_argument("--timeout", type=_positive, default=15.0, help="per step, seconds")
    _add_connection_options(p)
    p.set_defaults(func=lambda a: _run("check", _check(a, sys.stdout)))


async def _check(args: argparse.Namespace, out: TextIO) -> int:
    from projectx._native.frames import FrameParser
    from projectx.client import ProjectX
    from projectx.realtime.hub import HubConnection, ReconnectPolicy

    def line(step: str, ok: bool, detail: str) -> None:
        print(f"{step:<14} {'ok  ' if ok else 'FAIL'}  {detail}", file=out, flush=True)

    try:
        async with _config(args) as config:
            line("configuration", True, f"environment {config.environment}, {config.api_url}")
            login = "loginApp" if config.uses_app_login else "loginKey"
            present = ["username"] + (
                ["password", "device id", "app id", "verify key"]
                if config.uses_app_login
                else ["api key"]
            )
            line("credentials", True, f"{login}: {', '.join(present)} present")
            client = ProjectX(config)
            try:
                started = time.perf_counter()
                try:
                    await asyncio.wait_for(client.connect(), args.timeout)
                except Exception as exc:
                    line("login", False, f"{type(exc).__name__}: {exc}")
                    return EXIT_GATEWAY
                line(
                    "login",
                    True,
                    f"token received in {1e3 * (time.perf_counter() - started):.0f} ms",
                )
                started = time.perf_counter()
                ok = await asyncio.wait_for(client.ping(), args.timeout)
                line("ping", ok, f"Status/ping in {1e3 * (time.perf_counter() - started):.0f} ms")
                if not ok:
                    return EXIT_GATEWAY
                if args.no_hubs:
                    return EXIT_OK
                for name, url in (("user", config.user_hub_url), ("market", config.market_hub_url)):
                    hub = HubConnection(
                        url,
                        client.token_factory,
                        FrameParser(),
                        session=client.http_session,
                        reconnect=ReconnectPolicy(max_attempts=1),
                        name=name,
                    )
                    started = time.perf_counter()
                    try:
                        await asyncio.wait_for(hub.start(), args.timeout)
                    except Exception as exc:
                        line(f"{name} hub", False, f"{type(exc).__name__}: {exc}")
                        return EXIT_GATEWAY
                    finally:
                        with contextlib.suppress(Exception):
                            await hub.close()
                    line(
                        f"{name} hub",
                        True,
                        f"handshake in {1e3 * (time.perf_counter() - started):.0f} ms",
                    )
            finally:
                await client.close()
    except _CommandError as exc:
        if exc.code == EXIT_INPUT:
            line("configuration", False, str(exc).removeprefix("configuration: "))
        raise
    return EXIT_OK


# --------------------------------------------------------------------------------------- sweep
def _add_sweep(sub: Any) -> None:
    from projectx.sweep.cli import add_parser  # light: Ray and polars load when it runs

    add_parser(sub)


COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_record,
    _add_replay,
    _add_bars,
    _add_check,
    _add_sweep,
)
