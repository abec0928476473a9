"""``TradingSuite`` arguments, checked before anything is sent (:mod:`projectx.validation`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from projectx.exceptions import ValidationError
from projectx.suite.features import normalize_features
from projectx.timeframes import parse_timeframe
from projectx.validation import check_number, check_text

__all__ = ["MAX_BAR_CAPACITY", "MAX_INITIAL_DAYS", "SuiteArguments", "check_suite_arguments"]

MAX_BAR_CAPACITY = 50_000_000
"""Largest bar ring accepted per timeframe."""
MAX_INITIAL_DAYS = 36_500.0
"""Longest warm-up accepted (a century: anything longer is a unit mistake)."""
_TRANSPORTS = ("aiohttp", "signalrcore")


@dataclass(frozen=True, slots=True)
class SuiteArguments:
    """The checked, normalised arguments."""

    symbols: list[str]
    timeframes: list[str]
    features: frozenset[str]
    initial_days: float
    bar_capacity: int
    stale_after: float | None


def _capacity(value: Any, name: str) -> int:
    out: int = check_number(value, name, minimum=1, maximum=MAX_BAR_CAPACITY, integer=True)
    return out


def check_suite_arguments(
    instruments: Any,
    *,
    timeframes: Any,
    features: Any,
    initial_days: Any,
    bar_capacity: Any,
    stale_after: Any,
    transport: Any,
    account_name: Any,
    state_path: Any,
) -> SuiteArguments:
    """Every constructor argument of ``TradingSuite`` checked at once; a ``str`` stands for a
    single instrument or timeframe (never iterated by character)."""
    symbols = [instruments] if isinstance(instruments, str) else instruments
    if not isinstance(symbols, Sequence) or not symbols:
        raise ValidationError("instruments must be one or more non-empty symbols")
    if not all(isinstance(s, str) and s.strip() and s.strip().isprintable() for s in symbols):
        raise ValidationError("instruments must be one or more non-empty symbols")
    cleaned = [s.strip() for s in symbols]
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError(f"duplicate instruments in {list(symbols)!r}")
    frames = [timeframes] if isinstance(timeframes, str) else timeframes
    if not isinstance(frames, Sequence) or not frames:
        raise ValidationError("timeframes must be one or more timeframes such as ['1min']")
    names = [parse_timeframe(t).name for t in frames]
    if len(set(names)) != len(names):
        raise ValidationError(f"duplicate timeframes in {list(frames)!r}")
    wanted = [features] if isinstance(features, str) else features
    if not isinstance(wanted, Sequence | frozenset | set) or not all(
        isinstance(f, str) for f in wanted
    ):
        raise ValidationError("features must be a list of Features or feature names")
    chosen = normalize_features(wanted)
    days = float(check_number(initial_days, "initial_days", minimum=0, maximum=MAX_INITIAL_DAYS))
    capacity = _capacity(bar_capacity, "bar_capacity")
    stale = check_number(stale_after, "stale_after", minimum=0, exclusive=True, optional=True)
    if transport not in _TRANSPORTS:
        raise ValidationError(f"transport must be one of {_TRANSPORTS}, got {transport!r}")
    check_text(account_name, "account_name", optional=True)
    if state_path is not None and not isinstance(state_path, str | os.PathLike):
        raise ValidationError("state_path must be a path")
    return SuiteArguments(
        cleaned,
        list(frames),
        chosen,
        days,
        capacity,
        None if stale is None else float(stale),
    )
