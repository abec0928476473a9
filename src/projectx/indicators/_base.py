"""Shared vocabulary of the indicator modules: what an indicator is, the registry, and specs.

Every indicator module (``overlap``, ``momentum``, ``volatility``, ``volume``, ``patterns``)
registers its public functions here with :func:`register`, so :func:`projectx.indicators.available`
can list every indicator with its parameters, defaults and output columns.

:func:`register` also gives every indicator its *spec form*: called without a frame
(``SMA(period=20)``) it returns an :class:`IndicatorSpec` (name + parameters, validated) instead of
computing; the streaming layer turns a spec into an incremental calculator
(:meth:`IndicatorSpec.stream`), and a spec applied to a frame computes the batch result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, cast, overload

import polars as pl

from projectx.exceptions import ValidationError

if TYPE_CHECKING:
    from projectx.indicators.streaming import StreamingIndicator

P = ParamSpec("P")

OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    """Description of one indicator function.

    ``params`` maps each parameter name to its default (TA-Lib names and defaults);
    ``outputs`` lists the output column names for the default parameters;
    ``inputs`` the OHLCV columns it reads; ``streaming`` whether an incremental form exists.
    """

    name: str
    group: str
    func: Callable[..., Any]
    params: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ("close",)
    outputs: tuple[str, ...] = ()
    streaming: bool = False
    doc: str = ""


REGISTRY: dict[str, IndicatorInfo] = {}


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """An indicator with its parameters, not yet applied: what ``SMA(period=20)`` returns.

    * ``spec(df)`` / ``df.pipe(spec)`` computes the batch result (same as ``SMA(df, period=20)``);
    * :meth:`stream` builds the incremental calculator (a
      :class:`~projectx.indicators.streaming.StreamingIndicator`), ValidationError when the
      indicator has no streaming form;
    * ``outputs`` are the column names the batch form adds (prefix applied).

    Parameters are validated when the spec is made (a dry run on an empty frame), so a bad spec
    fails where it is written, not later on the first bar.
    """

    name: str
    params: dict[str, Any]
    outputs: tuple[str, ...]

    def __call__(self, df: pl.DataFrame) -> pl.DataFrame:
        """The batch result on ``df``."""
        result: pl.DataFrame = REGISTRY[self.name].func(df, **self.params)
        return result

    @property
    def streaming(self) -> bool:
        """Whether :meth:`stream` can build an incremental form."""
        from projectx.indicators.streaming import STREAMS

        return self.name in STREAMS

    def stream(self, history: pl.DataFrame | None = None) -> StreamingIndicator:
        """An incremental calculator with these parameters, warmed on the bars of ``history``
        (a bars frame, oldest first) when given, else with no bars seen."""
        from projectx.indicators.streaming import make_stream

        s = make_stream(self.name, **self.params)
        return s if history is None else s.warm(history)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"

    def __hash__(self) -> int:
        """Specs are usable as dict keys (e.g. one stream per distinct spec)."""
        return hash((self.name, tuple(sorted(self.params.items()))))


def _empty_frame(info: IndicatorInfo) -> pl.DataFrame:
    cols: dict[str, pl.Series] = {c: pl.Series(c, [], dtype=pl.Float64) for c in OHLCV}
    cols["ts"] = pl.Series("ts", [], dtype=pl.Datetime("ns", "UTC"))
    for c in info.inputs:
        if c not in cols:
            cols[c] = pl.Series(c, [], dtype=pl.Float64)
    return pl.DataFrame(cols)


def make_spec(name: str, **params: Any) -> IndicatorSpec:
    """The :class:`IndicatorSpec` of registered indicator ``name`` with ``params`` (validated)."""
    info = REGISTRY.get(name)
    if info is None:
        raise ValidationError(f"unknown indicator {name!r}; see projectx.indicators.available()")
    column = params.get("column")
    probe = _empty_frame(info)
    if isinstance(column, str) and column not in probe.columns:
        probe = probe.with_columns(pl.Series(column, [], dtype=pl.Float64))
    out: pl.DataFrame = info.func(probe, **params)
    outputs = tuple(c for c in out.columns if c not in probe.columns)
    return IndicatorSpec(name, dict(params), outputs)


class IndicatorFunc(Protocol[P]):
    """Type of a registered indicator: with a frame it returns the frame with its outputs;
    without one, its :class:`IndicatorSpec` (``SMA(period=20)``)."""

    __name__: str

    @overload
    def __call__(self, df: pl.DataFrame, /, *args: P.args, **kwargs: P.kwargs) -> pl.DataFrame: ...

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> IndicatorSpec: ...


def register(
    group: str,
    *,
    params: dict[str, Any] | None = None,
    inputs: tuple[str, ...] = ("close",),
    outputs: tuple[str, ...] = (),
    streaming: bool = False,
) -> Callable[[Callable[Concatenate[pl.DataFrame | None, P], pl.DataFrame]], IndicatorFunc[P]]:
    """Decorator: record ``func`` in :data:`REGISTRY` under its ``__name__``.

    The registered function gains the spec form: called with no frame (no positional argument
    and no ``df=``), it returns :func:`make_spec` of its keyword arguments.
    """

    def deco(
        func: Callable[Concatenate[pl.DataFrame | None, P], pl.DataFrame],
    ) -> IndicatorFunc[P]:
        name = func.__name__
        if name in REGISTRY:
            raise ValueError(f"indicator {name!r} registered twice")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not args and "df" not in kwargs:
                return make_spec(name, **kwargs)
            return func(*args, **kwargs)

        REGISTRY[name] = IndicatorInfo(
            name=name,
            group=group,
            func=func,
            params=dict(params or {}),
            inputs=inputs,
            outputs=outputs,
            streaming=streaming,
            doc=(func.__doc__ or "").strip().split("\n")[0],
        )
        return cast(IndicatorFunc[P], wrapper)

    return deco
