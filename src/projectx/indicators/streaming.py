"""Streaming (incremental) indicators: O(1) work per new bar, values equal to the batch form.

Base class for every streaming indicator: :class:`StreamingIndicator`.

Subclass contract (what an implementation must provide)
-------------------------------------------------------
* ``__init__(self, *, <the batch function's keyword parameters>, prefix=None)``: same names and
  defaults as the batch function (``period``, ``column``...), validated the same way
  (:class:`~projectx.exceptions.ValidationError`). Call ``super().__init__(outputs, prefix,
  params)`` with the TA-Lib output names (``("rsi",)``, ``("macd", "macdsignal", "macdhist")``)
  and the parameters as given, so ``outputs`` matches the batch columns and :meth:`reset` works.
* ``update(open, high, low, close, volume, ts_ns)``: commit one *closed* bar and return the new
  value: a ``float`` for one-output indicators, a ``tuple`` of floats in ``outputs`` order
  otherwise; NaN (never None) over the warm-up, exactly where the batch form has nulls.
  Must be O(1) (or O(period) worst case for rolling extremes) and allocation-free on the hot path.
* ``value`` (property): the latest committed value, same shape as ``update``'s result.
* For :meth:`update_forming` either override it, or implement :meth:`snapshot` /
  :meth:`restore` (the default ``update_forming`` snapshots, updates, restores).

Everything else (``values``, ``ready``, ``from_frame``, ``warm``, ``reset``) comes from the
base class. Register a subclass with :func:`register_stream` under the batch function's name so
``SMA(period=20).stream()`` (an :class:`~projectx.indicators._base.IndicatorSpec`) finds it.

Inputs: every update receives the full bar ``(open, high, low, close, volume, ts_ns)``;
``ts_ns`` is the bar's open time in UTC nanoseconds (only time-anchored indicators such as VWAP
read it). Indicators with a ``column`` parameter read that field of the bar (one of
``open``/``high``/``low``/``close``/``volume``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from projectx.exceptions import ValidationError

__all__ = [
    "STREAMS",
    "ColumnKernelStream",
    "StreamingIndicator",
    "Value",
    "bar_arrays",
    "make_stream",
    "register_stream",
]

Value = float | tuple[float, ...]
"""What ``update`` returns: one float, or a tuple of floats in ``outputs`` order."""

S = TypeVar("S", bound="StreamingIndicator")

STREAMS: dict[str, type[StreamingIndicator]] = {}
"""Streaming implementations by indicator name (the batch function's ``__name__``)."""

_FIELDS = ("open", "high", "low", "close", "volume")


def register_stream(name: str) -> Callable[[type[S]], type[S]]:
    """Class decorator: make ``cls`` the streaming form of indicator ``name``."""

    def deco(cls: type[S]) -> type[S]:
        if name in STREAMS:
            raise ValueError(f"streaming indicator {name!r} registered twice")
        STREAMS[name] = cls
        cls.name = name
        return cls

    return deco


def make_stream(name: str, **params: Any) -> StreamingIndicator:
    """A fresh streaming calculator for indicator ``name`` with ``params``."""
    cls = STREAMS.get(name)
    if cls is None:
        have = ", ".join(sorted(STREAMS))
        raise ValidationError(f"{name} has no streaming form (streaming indicators: {have})")
    return cls(**params)


def field_index(ind: str, column: object) -> int:
    """Index of ``column`` in the bar tuple ``(open, high, low, close, volume)``."""
    if not isinstance(column, str) or column not in _FIELDS:
        raise ValidationError(f"{ind}: streaming column must be one of {_FIELDS}, got {column!r}")
    return _FIELDS.index(column)


def bar_arrays(df: pl.DataFrame) -> dict[str, npt.NDArray[Any]]:
    """``df``'s OHLCV as float64 arrays (NaN for an absent column) and ``ts_ns`` as int64
    (from a ``ts`` datetime or ``ts_ns`` integer column; zeros when absent)."""
    if not isinstance(df, pl.DataFrame):
        raise ValidationError(f"expected a polars DataFrame, got {type(df).__name__}")
    n = df.height
    out: dict[str, npt.NDArray[Any]] = {}
    for name in _FIELDS:
        if name in df.columns:
            s = df.get_column(name)
            if not s.dtype.is_numeric():
                raise ValidationError(f"column {name!r} must be numeric, got {s.dtype}")
            out[name] = np.ascontiguousarray(s.cast(pl.Float64).to_numpy(), dtype=np.float64)
        else:
            out[name] = np.full(n, np.nan)
    if "ts" in df.columns and df.schema["ts"] == pl.Datetime:
        ts = df.get_column("ts").dt.epoch("ns").to_numpy()
    elif "ts_ns" in df.columns:
        ts = df.get_column("ts_ns").cast(pl.Int64).to_numpy()
    else:
        ts = np.zeros(n, dtype=np.int64)
    out["ts_ns"] = np.ascontiguousarray(ts, dtype=np.int64)
    return out


class StreamingIndicator(ABC):
    """Incremental indicator fed one bar at a time (see the module docstring for the contract).

    Public API:

    * ``update(open, high, low, close, volume, ts_ns) -> float | tuple``: commit a closed bar;
    * ``update_forming(...)``: the value the not-yet-closed bar would give, state unchanged;
    * ``value`` / ``values`` (``{column name: float}``) / ``ready`` / ``count``;
    * ``from_frame(df, **params)`` (classmethod) and ``warm(df)``: feed history;
    * ``reset()``: back to no bars seen;
    * ``outputs``: the column names of the batch form (prefix applied); ``params``.
    """

    name: str = ""
    __slots__ = ("count", "outputs", "params")

    def __init__(
        self,
        outputs: tuple[str, ...],
        prefix: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        if prefix is not None and not isinstance(prefix, str):
            raise ValidationError(f"prefix must be a str, got {prefix!r}")
        self.outputs: tuple[str, ...] = tuple(f"{prefix}_{o}" if prefix else o for o in outputs)
        self.params: dict[str, Any] = dict(params or {})
        if prefix is not None:
            self.params["prefix"] = prefix
        self.count = 0
        """Closed bars committed so far (subclasses increment it in ``update``)."""

    @abstractmethod
    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> Value:
        """Commit one closed bar; return the new value (NaN during warm-up)."""

    @property
    @abstractmethod
    def value(self) -> Value:
        """The latest committed value (NaN during warm-up)."""

    def snapshot(self) -> object:
        """Opaque copy of the state, for :meth:`restore` (used by :meth:`update_forming`)."""
        raise NotImplementedError(
            f"{type(self).__name__} implements neither snapshot nor update_forming"
        )

    def restore(self, state: object) -> None:
        """Return to a state taken by :meth:`snapshot`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement restore")

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> Value:
        """The value if the forming bar closed now; the committed state is left unchanged."""
        state = self.snapshot()
        count = self.count
        try:
            return self.update(open, high, low, close, volume, ts_ns)
        finally:
            self.restore(state)
            self.count = count

    @property
    def values(self) -> dict[str, float]:
        """``{output column: latest value}``."""
        v = self.value
        if isinstance(v, tuple):
            return dict(zip(self.outputs, v, strict=True))
        return {self.outputs[0]: v}

    @property
    def ready(self) -> bool:
        """True once the warm-up is over (no output is NaN)."""
        v = self.value
        if isinstance(v, tuple):
            return not any(math.isnan(x) for x in v)
        return not math.isnan(v)

    def warm(self: S, df: pl.DataFrame) -> S:
        """Feed every row of ``df`` (a bars frame: ``open..volume`` and ``ts``) as closed bars."""
        a = bar_arrays(df)
        o, h, lo, c, v = (a[f].tolist() for f in _FIELDS)
        ts = a["ts_ns"].tolist()
        update = self.update
        for i in range(len(ts)):
            update(o[i], h[i], lo[i], c[i], v[i], ts[i])
        return self

    @classmethod
    def from_frame(cls: type[S], df: pl.DataFrame, **params: Any) -> S:
        """A calculator built with ``params`` and warmed on ``df``."""
        return cls(**params).warm(df)

    def reset(self) -> None:
        """Forget every bar (same parameters)."""
        type(self).__init__(self, **self.params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args}) count={self.count} value={self.value!r}"


class ColumnKernelStream(StreamingIndicator):
    """A stream that feeds one column of each bar into a native kernel with ``update(x)``,
    ``peek(x)`` and ``value`` (SMA, EMA, RSI...). Subclasses only build the kernel.

    As the batch form skips leading null inputs, bars whose input is NaN are ignored until the
    first complete one.
    """

    __slots__ = ("_field", "_s")

    def __init__(
        self,
        name: str,
        output: str,
        kernel: Any,
        *,
        period: int,
        column: str = "close",
        prefix: str | None = None,
    ) -> None:
        self._s = kernel
        self._field = field_index(name, column)
        super().__init__((output,), prefix, {"period": period, "column": column})

    def _input(self, open: float, high: float, low: float, close: float, volume: float) -> float:
        return close if self._field == 3 else (open, high, low, close, volume)[self._field]

    def update(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        x = self._input(open, high, low, close, volume)
        if x != x and self.count == 0:
            return math.nan
        self.count += 1
        return float(self._s.update(x))

    def update_forming(
        self, open: float, high: float, low: float, close: float, volume: float, ts_ns: int = 0
    ) -> float:
        x = self._input(open, high, low, close, volume)
        if x != x and self.count == 0:
            return math.nan
        return float(self._s.peek(x))

    @property
    def value(self) -> float:
        return float(self._s.value)
