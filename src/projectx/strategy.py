"""Strategy files: one piece of code that runs live against a ``TradingSuite`` and in replay.

The contract
------------
A strategy is a Python file (``projectx replay DIR --strategy my_strategy.py``) or an importable
module (``package.module``) that defines::

    async def setup(suite, clock):   # or: async def setup(suite)
        ...register handlers: suite.on(EventType.NEW_BAR, on_bar), keep state in closures...

    async def teardown(suite):       # optional
        ...called once at the end (live: duration over or Ctrl-C; replay: end of the recording),
        before the suite closes; flatten or cancel here if you want to...

and optionally ``TIMEFRAMES = ["1sec", "1min"]``, ``SYMBOLS = ["MNQ"]`` and ``FEATURES =
["orderbook"]`` (the suite features it needs; ``[]`` for none), the defaults a runner uses when
its caller gives none. ``setup`` runs after the suite is connected and before
any market data of the run reaches it; it must return (register handlers, do not loop forever).
Everything else happens in handlers: ``NEW_BAR`` (the usual trigger), ``TRADE_TICK``,
``QUOTE_UPDATE``, order and position events. Orders go through the suite (``suite.client`` REST
calls today; ``suite.orders`` once the order manager is wired in): replay serves them from the
simulator's exchange with the same API, so the strategy cannot tell the difference.

Time
----
Never read the system clock or ``asyncio.sleep`` in a strategy that must replay faithfully. Use
the ``clock`` (also :func:`clock_of(suite) <clock_of>`)::

    clock.now_ns() / clock.now()           # market time: wall time live, recorded time in replay
    await clock.sleep(5.0)                 # 5 s of market time
    await clock.wait_for(awaitable, 2.0)   # TimeoutError after 2 s of market time

Live this is the wall clock and asyncio. In replay it is the simulated clock: ``now`` is the time
of the message being replayed, and a sleep ends when the replay reaches its deadline (the runner
stops feeding data there, wakes the sleeper and lets it finish before going on). Limits: the
simulated clock advances only with replayed data (sleeps still pending when the recording ends
are cancelled after ``teardown``: ``CancelledError`` in the sleeper); ``asyncio.sleep`` /
``asyncio.wait_for`` / ``suite.wait_for`` inside a strategy still use wall time, so in replay they
wait for real seconds while the market stands still (the runner waits for them up to its settle
timeout, then moves on and counts it in ``summary.settle_timeouts``).

Live, run a strategy with :func:`run_live` on a connected suite (``projectx demo --strategy``
is meant to do that); in replay with :func:`projectx.replay.replay` or ``projectx replay``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from projectx.clock import WALL_CLOCK, StrategyClock, WallClock
from projectx.exceptions import ValidationError

__all__ = [
    "Strategy",
    "StrategyClock",
    "StrategyError",
    "WallClock",
    "clock_of",
    "load_strategy",
    "run_live",
]


class StrategyError(ValidationError):
    """A strategy file cannot be loaded or does not follow the contract."""


def clock_of(suite: Any) -> StrategyClock:
    """The suite's market clock: the replay's simulated clock, or the wall clock live (also
    for suite-like objects without a ``clock``)."""
    clock = getattr(suite, "clock", None)
    return clock if isinstance(clock, StrategyClock) else WALL_CLOCK


Setup = Callable[..., Awaitable[None]]
Teardown = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Strategy:
    """A loaded strategy (see the module docstring for the contract)."""

    name: str
    setup_fn: Setup
    teardown_fn: Teardown | None = None
    timeframes: tuple[str, ...] | None = None
    symbols: tuple[str, ...] | None = None
    module: ModuleType | None = None
    features: tuple[str, ...] | None = None

    async def setup(self, suite: Any, clock: StrategyClock | None = None) -> None:
        """Run the strategy's ``setup`` (with the clock if it takes two parameters)."""
        clk = clock if clock is not None else clock_of(suite)
        if _arity(self.setup_fn) >= 2:
            await self.setup_fn(suite, clk)
        else:
            await self.setup_fn(suite)

    async def teardown(self, suite: Any) -> None:
        """Run the strategy's ``teardown`` if it has one."""
        if self.teardown_fn is not None:
            await self.teardown_fn(suite)

    @classmethod
    def from_functions(
        cls,
        setup: Setup,
        teardown: Teardown | None = None,
        *,
        name: str = "strategy",
        timeframes: Sequence[str] | None = None,
        symbols: Sequence[str] | None = None,
        features: Sequence[str] | None = None,
    ) -> Strategy:
        """A strategy from functions (for code that does not live in a file)."""
        _check_coroutine("setup", setup)
        if teardown is not None:
            _check_coroutine("teardown", teardown)
        return cls(
            name,
            setup,
            teardown,
            tuple(timeframes) if timeframes else None,
            tuple(symbols) if symbols else None,
            None,
            tuple(features) if features is not None else None,
        )


def _arity(fn: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _check_coroutine(name: str, fn: Any) -> None:
    if not callable(fn) or not inspect.iscoroutinefunction(fn):
        raise StrategyError(f"{name} must be an 'async def' function")
    n = _arity(fn)
    if name == "setup" and n not in (1, 2):
        raise StrategyError("setup must take (suite) or (suite, clock)")
    if name == "teardown" and n != 1:
        raise StrategyError("teardown must take (suite)")


def _str_tuple(module: ModuleType, attr: str) -> tuple[str, ...] | None:
    value = getattr(module, attr, None)
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise StrategyError(f"{attr} must be a list of strings, got {value!r}")
    return tuple(value) or None


def _features(module: ModuleType) -> tuple[str, ...] | None:
    value = getattr(module, "FEATURES", None)
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise StrategyError(f"FEATURES must be a list of strings, got {value!r}")
    return tuple(value)


def load_strategy(source: str | Path | ModuleType | Strategy) -> Strategy:
    """Load a strategy from a ``.py`` file path, a dotted module name or a module object."""
    if isinstance(source, Strategy):
        return source
    if isinstance(source, ModuleType):
        module = source
    else:
        text = str(source)
        path = Path(text)
        if path.suffix == ".py" or path.exists():
            if not path.is_file():
                raise StrategyError(f"strategy file not found: {path}")
            name = f"projectx_strategy_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise StrategyError(f"cannot load {path} as a Python module")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                sys.modules.pop(name, None)
                raise StrategyError(f"{path}: {type(exc).__name__}: {exc}") from exc
        else:
            try:
                module = importlib.import_module(text)
            except ImportError as exc:
                raise StrategyError(f"cannot import strategy module {text!r}: {exc}") from exc
    setup = getattr(module, "setup", None)
    if setup is None:
        raise StrategyError(f"{module.__name__}: no 'async def setup(suite[, clock])'")
    _check_coroutine("setup", setup)
    teardown = getattr(module, "teardown", None)
    if teardown is not None:
        _check_coroutine("teardown", teardown)
    return Strategy(
        name=Path(module.__file__).stem if module.__file__ else module.__name__,
        setup_fn=setup,
        teardown_fn=teardown,
        timeframes=_str_tuple(module, "TIMEFRAMES"),
        symbols=_str_tuple(module, "SYMBOLS"),
        features=_features(module),
        module=module,
    )


async def run_live(
    suite: Any,
    strategy: Strategy | str | Path | ModuleType,
    *,
    duration: float | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run ``strategy`` on a connected suite until ``duration`` seconds pass or ``stop`` is set.

    ``setup`` runs first, ``teardown`` last (also after an error or cancellation).
    """
    strat = load_strategy(strategy)
    if duration is not None and duration <= 0:
        raise ValidationError(f"duration must be > 0, got {duration}")
    clock = clock_of(suite)
    await strat.setup(suite, clock)
    try:
        waiter = (stop or asyncio.Event()).wait()
        if duration is None:
            await waiter
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, duration)
    finally:
        await strat.teardown(suite)
