"""Command-line interface: ``projectx <command> ...``.

Each command is a subparser registered by a ``_add_<name>(subparsers)`` function that sets
``func`` (an ``argparse.Namespace -> int`` callable); add new commands the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


def _symbols(text: str) -> tuple[str, ...]:
    symbols = tuple(s.strip().upper() for s in text.split(",") if s.strip())
    if not symbols:
        raise argparse.ArgumentTypeError("expected a comma-separated list such as MNQ,ES")
    return symbols


def _float_option(text: str, *, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(f"must be {'>=' if allow_zero else '>'} 0, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    return _float_option(text, allow_zero=False)


def _non_negative_float(text: str) -> float:
    return _float_option(text, allow_zero=True)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from exc
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def _add_sim(sub: Any) -> None:
    p = sub.add_parser(
        "sim",
        help="run the local Gateway simulator",
        description="Serve the simulated Gateway (REST + hubs) until Ctrl-C.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host such as 0.0.0.0 (refused otherwise; warns)",
    )
    p.add_argument("--port", type=_port, default=0, help="TCP port (default: ephemeral)")
    p.add_argument("--symbols", type=_symbols, default=("MNQ",), help="e.g. MNQ,ES,NQ")
    p.add_argument(
        "--rate",
        type=_non_negative_float,
        default=20.0,
        help="market steps per second per contract (default 20; 0 freezes the market)",
    )
    p.add_argument("--seed", type=int, default=1, help="market seed (deterministic)")
    p.add_argument(
        "--profile",
        choices=("legacy", "extended"),
        default="legacy",
        help="field profile of spec §0.2 (default legacy)",
    )
    p.add_argument(
        "--token-lifetime",
        type=_positive_float,
        default=86_400.0,
        metavar="S",
        help="session token lifetime in seconds (default 86400)",
    )
    p.add_argument("--no-rate-limits", action="store_true", help="disable the 429 limits")
    p.add_argument(
        "--api-key",
        default=None,
        help="API key the simulator accepts (default: $PROJECT_X_API_KEY, else a random one)",
    )
    p.add_argument(
        "--user-name",
        default=None,
        help="user name for Auth/loginKey (default: $PROJECT_X_USERNAME, else sim.trader)",
    )
    p.add_argument("--replay", metavar="FILE", default=None, help="replay a recording")
    p.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="logging level (default WARNING)",
    )
    p.set_defaults(func=_run_sim)


def _add_demo(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run a trading suite with a small strategy against the embedded simulator",
        description="Start the simulator in-process, connect a TradingSuite, run the EMA-cross "
        "bracket strategy and show bars, book, orders, position and P&L.",
    )
    p.add_argument("--symbols", type=_symbols, default=("MNQ",), help="e.g. MNQ,ES")
    p.add_argument(
        "--duration", type=_positive_float, default=30.0, help="seconds to run (default 30)"
    )
    p.add_argument("--rate", type=_positive_float, default=50.0, help="market steps/s/contract")
    p.add_argument("--seed", type=int, default=1, help="market seed (deterministic)")
    p.add_argument(
        "--headless",
        action="store_true",
        help="plain log lines instead of the live dashboard (the default when not on a terminal)",
    )
    p.add_argument(
        "--no-trade", action="store_true", help="market data only: do not run the strategy"
    )
    p.add_argument(
        "--strategy",
        metavar="FILE",
        default=None,
        help="run this strategy file instead of the built-in EMA cross (see projectx.strategy)",
    )
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from projectx.demo import run_demo
    from projectx.exceptions import ProjectXError

    try:
        asyncio.run(
            run_demo(
                args.symbols,
                args.duration,
                sys.stdout,
                rate=args.rate,
                seed=args.seed,
                trade=not args.no_trade,
                headless=args.headless or not sys.stdout.isatty(),
                strategy=args.strategy,
            )
        )
    except KeyboardInterrupt:
        return 130
    except ProjectXError as exc:
        print(f"projectx demo: {exc}", file=sys.stderr)
        return 1
    return 0


def _data_commands() -> tuple[Callable[[Any], None], ...]:
    from projectx.cli_data import COMMANDS  # record, replay, bars, check

    return COMMANDS


_COMMANDS: tuple[Callable[[Any], None], ...] = (_add_sim, _add_demo, *_data_commands())


def build_parser() -> argparse.ArgumentParser:
    """The ``projectx`` parser with every registered subcommand."""
    parser = argparse.ArgumentParser(prog="projectx", description="ProjectX Gateway toolkit.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``projectx`` script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    return func(args)


def _banner(sim: Any, out: TextIO, key_source: str | None = None) -> None:
    """Print the URLs and logins once. A key that came from ``key_source`` (the environment or
    the command line) is never printed; a key the simulator generated is."""
    c = sim.credentials
    shown_key = f"(from {key_source}; not shown)" if key_source else c.api_key
    lines = [
        "ProjectX Gateway simulator",
        f"  api_url        {sim.api_url}",
        f"  user_hub_url   {sim.user_hub_url}",
        f"  market_hub_url {sim.market_hub_url}",
        f"  userName       {c.user_name}",
        f"  apiKey         {shown_key}",
        f"  loginApp       userName={c.app.user_name} password={c.app.password} "
        f"appId={c.app.app_id} verifyKey={c.app.verify_key}",
        f"  contracts      {', '.join(sim.contract_ids)}",
        f"  faults admin   {sim.base_url}/_sim/faults (loopback clients only)",
        f"  admin token    {sim.admin_token} (send as X-Sim-Admin-Token)",
        f"  profile        {sim.config.profile}",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), file=out, flush=True)


def _run_sim(args: argparse.Namespace) -> int:
    import logging

    from projectx.sim import Simulator
    from projectx.sim.ratelimit import RateLimitConfig

    logging.basicConfig(
        level=getattr(logging, args.log_level), format="%(asctime)s %(levelname)s %(message)s"
    )
    key_source = None
    if args.api_key:
        key_source = "--api-key"
    elif os.environ.get("PROJECT_X_API_KEY"):
        key_source = "$PROJECT_X_API_KEY"
    try:
        sim = Simulator(
            symbols=args.symbols,
            seed=args.seed,
            rate=args.rate,
            profile=args.profile,
            host=args.host,
            port=args.port,
            token_lifetime_s=args.token_lifetime,
            rate_limits=RateLimitConfig(enabled=not args.no_rate_limits),
            replay=args.replay,
            api_key=args.api_key or os.environ.get("PROJECT_X_API_KEY") or None,
            user_name=args.user_name or os.environ.get("PROJECT_X_USERNAME") or "sim.trader",
            allow_remote=args.allow_remote,
        )
    except (ValueError, KeyError, OSError) as exc:
        print(f"projectx sim: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(sim, key_source=key_source))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"projectx sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve(
    sim: Any, stop: asyncio.Event | None = None, *, key_source: str | None = None
) -> None:
    """Run ``sim`` until ``stop`` is set (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    async with sim:
        _banner(sim, sys.stdout, key_source)
        await stop.wait()
    print("simulator stopped", file=sys.stdout, flush=True)
