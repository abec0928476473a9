"""Shared vocabulary of the indicator modules: what an indicator is, and the registry.

Every indicator module (``overlap``, ``momentum``, ``volatility``, ``volume``, ``patterns``)
registers its public functions here with :func:`register`, so :func:`projectx.indicators.available`
can list every indicator with its parameters, defaults and output columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


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


def register(
    group: str,
    *,
    params: dict[str, Any] | None = None,
    inputs: tuple[str, ...] = ("close",),
    outputs: tuple[str, ...] = (),
    streaming: bool = False,
) -> Callable[[F], F]:
    """Decorator: record ``func`` in :data:`REGISTRY` under its ``__name__``."""

    def deco(func: F) -> F:
        name = func.__name__
        if name in REGISTRY:
            raise ValueError(f"indicator {name!r} registered twice")
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
        return func

    return deco
