"""The one mapping step every compat indicator shares: project-x-py's call -> a core call.

:func:`run` checks the frame and parameters the way project-x-py does (IndicatorError), gives
the core a frame whose columns carry the core's names (``open``/``high``/``low``/``close``/
``volume``) taken from the caller's columns, runs the core indicator, and adds its outputs to
the caller's frame under project-x-py's column names. :class:`Indicator` is the class shape
(``Class().calculate(data, **kwargs)`` reading :attr:`Indicator.parameters`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import polars as pl

from projectx.compat.indicators.base import BaseIndicator, IndicatorError
from projectx.exceptions import ValidationError

Core = Callable[[pl.DataFrame], pl.DataFrame]

# project-x-py's MA type names -> the core's TA-Lib ``matype`` codes
MA_TYPES: dict[str, int] = {
    "sma": 0,
    "ema": 1,
    "wma": 2,
    "dema": 3,
    "tema": 4,
    "trima": 5,
    "kama": 6,
    "mama": 7,
    "t3": 8,
}


def frozen(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``params`` (a class's :attr:`Indicator.parameters`)."""
    return MappingProxyType(dict(params))


def matype(name: object) -> int:
    """The core ``matype`` of project-x-py's MA type name (case-insensitive)."""
    if not isinstance(name, str) or name.lower() not in MA_TYPES:
        raise IndicatorError(f"Unsupported MA type: {name!r} (one of {sorted(MA_TYPES)})")
    return MA_TYPES[name.lower()]


def check_frame(data: object, columns: list[str]) -> pl.DataFrame:
    """``data`` if it is a non-empty polars frame holding ``columns``, else IndicatorError."""
    if data is None:
        raise IndicatorError("Data cannot be None")
    if not isinstance(data, pl.DataFrame):
        raise IndicatorError(f"Data must be a polars DataFrame, got {type(data).__name__}")
    if data.is_empty():
        raise IndicatorError("Data cannot be empty")
    for col in columns:
        if not isinstance(col, str) or col not in data.columns:
            raise IndicatorError(f"Required column '{col}' not found in data")
    return data


def check_period(name: str, value: object, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) ``>= minimum``, else IndicatorError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise IndicatorError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_number(name: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a float if it is a real number (``> 0`` when ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IndicatorError(f"{name} must be a number, got {value!r}")
    if positive and value <= 0:
        raise IndicatorError(f"{name} must be positive, got {value!r}")
    return float(value)


def check_rows(data: pl.DataFrame, min_rows: int) -> None:
    """IndicatorError when ``data`` has fewer than ``min_rows`` rows (project-x-py's check)."""
    if data.height < min_rows:
        raise IndicatorError(f"Insufficient data: need at least {min_rows} rows, got {data.height}")


def core_frame(data: pl.DataFrame, inputs: Mapping[str, str]) -> pl.DataFrame:
    """The caller's input columns under the core's names (``{core name: caller's column}``)."""
    return data.select(pl.col(src).alias(dst) for dst, src in inputs.items())


def call_core(core: Core, frame: pl.DataFrame) -> pl.DataFrame:
    """``core(frame)`` with the core's ValidationError raised as IndicatorError."""
    try:
        return core(frame)
    except IndicatorError:
        raise
    except ValidationError as exc:
        raise IndicatorError(str(exc)) from exc


def run(
    data: object,
    inputs: Mapping[str, str],
    core: Core,
    outputs: Mapping[str, str],
    *,
    min_rows: int = 1,
) -> pl.DataFrame:
    """``data`` with ``core``'s outputs added as ``{core output: project-x-py name}``.

    ``inputs`` maps the core's column names to the caller's; ``core`` gets a frame of just
    those columns. Outputs keep ``outputs``' order; an existing column of a name is replaced.
    """
    frame = check_frame(data, list(inputs.values()))
    check_rows(frame, min_rows)
    result = call_core(core, core_frame(frame, inputs))
    return frame.with_columns(result.get_column(c).alias(n) for c, n in outputs.items())


def integral_like(out: pl.DataFrame, column: str, data: pl.DataFrame, source: str) -> pl.DataFrame:
    """``out`` with ``column`` cast to Int64 when ``data[source]`` is an integer column
    (project-x-py's volume sums keep the volume's integer type; the core's are floats)."""
    if data.schema[source].is_integer():
        return out.with_columns(pl.col(column).cast(pl.Int64))
    return out


class Indicator(BaseIndicator):
    """A compat indicator class: :meth:`calculate` reads :attr:`parameters` from its keywords
    (project-x-py's keywords and defaults; other keywords are ignored, as project-x-py does)
    and passes them to :meth:`compute`."""

    parameters: ClassVar[Mapping[str, Any]] = MappingProxyType({})
    title: ClassVar[str] = ""
    description_text: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__(name=self.title, description=self.description_text)

    def calculate(self, data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
        """``data`` with this indicator's columns (project-x-py's names) added."""
        params = {k: kwargs.get(k, v) for k, v in self.parameters.items()}
        return self.compute(data, **params)

    def compute(self, data: pl.DataFrame, **params: Any) -> pl.DataFrame:  # pragma: no cover
        """The mapping to the core, with every keyword of :attr:`parameters` given."""
        raise NotImplementedError


HL_COLUMNS = {"high_column": "high", "low_column": "low"}
"""project-x-py's high/low column keywords and their defaults."""
HLC_COLUMNS = {**HL_COLUMNS, "close_column": "close"}
"""project-x-py's high/low/close column keywords and their defaults."""


def hl_columns(params: dict[str, Any]) -> dict[str, str]:
    """The core's ``high``/``low`` inputs from project-x-py's column keywords."""
    return {"high": params["high_column"], "low": params["low_column"]}


def hlc_columns(params: dict[str, Any]) -> dict[str, str]:
    """The core's ``high``/``low``/``close`` inputs from project-x-py's column keywords."""
    return {**hl_columns(params), "close": params["close_column"]}


def fast_slow(fast: object, slow: object) -> tuple[int, int]:
    """Checked fast and slow periods (fast below slow)."""
    f, s = check_period("fast_period", fast), check_period("slow_period", slow)
    if f >= s:
        raise IndicatorError("Fast period must be less than slow period")
    return f, s
