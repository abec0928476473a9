"""project-x-py's indicator base classes and helpers (``project_x_py.indicators.base``).

``IndicatorError`` is also the core's :class:`~projectx.exceptions.ValidationError` (hence a
``ValueError``), so ``except IndicatorError`` and ``except ValidationError`` both catch a bad
column, period or frame; the core's own ValidationErrors are re-raised as IndicatorError.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from typing import Any

import polars as pl

from projectx.exceptions import ValidationError

__all__ = [
    "BaseIndicator",
    "IndicatorError",
    "MomentumIndicator",
    "OverlapIndicator",
    "VolatilityIndicator",
    "VolumeIndicator",
    "ema_alpha",
    "rolling_sum_negative",
    "rolling_sum_positive",
    "safe_division",
]


class IndicatorError(ValidationError):
    """project-x-py's indicator error; also the core's ValidationError (a ValueError)."""


class BaseIndicator(ABC):
    """project-x-py's indicator base: validation helpers, a result cache, ``__call__``."""

    def __init__(self, name: str, description: str = "") -> None:
        self.name: str = name
        self.description: str = description
        self._cache: dict[str, pl.DataFrame] = {}
        self._cache_max_size: int = 100

    def validate_data(self, data: pl.DataFrame, required_columns: list[str]) -> None:
        """IndicatorError unless ``data`` is a non-empty frame holding ``required_columns``."""
        if data is None:
            raise IndicatorError("Data cannot be None")
        if not isinstance(data, pl.DataFrame):
            raise IndicatorError(f"Data must be a polars DataFrame, got {type(data).__name__}")
        if data.is_empty():
            raise IndicatorError("Data cannot be empty")
        for col in required_columns:
            if not isinstance(col, str) or col not in data.columns:
                raise IndicatorError(f"Required column '{col}' not found in data")

    def validate_period(self, period: int, min_period: int = 1) -> None:
        """IndicatorError unless ``period`` is an int (not a bool) ``>= min_period``."""
        if isinstance(period, bool) or not isinstance(period, int) or period < min_period:
            raise IndicatorError(f"Period must be an integer >= {min_period}, got {period!r}")

    def validate_data_length(self, data: pl.DataFrame, min_length: int) -> None:
        """IndicatorError when ``data`` has fewer than ``min_length`` rows."""
        if len(data) < min_length:
            raise IndicatorError(
                f"Insufficient data: need at least {min_length} rows, got {len(data)}"
            )

    @abstractmethod
    def calculate(self, data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
        """``data`` with the indicator's columns added."""

    def _generate_cache_key(self, data: pl.DataFrame, **kwargs: Any) -> str:
        digest = hashlib.sha256(usedforsecurity=False)
        digest.update(repr((data.shape, data.columns)).encode())
        digest.update(data.hash_rows().to_numpy().tobytes())
        params = "_".join(f"{k}={v!r}" for k, v in sorted(kwargs.items()))
        return f"{self.name}_{digest.hexdigest()}_{params}"

    def _get_from_cache(self, cache_key: str) -> pl.DataFrame | None:
        return self._cache.get(cache_key)

    def _store_in_cache(self, cache_key: str, result: pl.DataFrame) -> None:
        if len(self._cache) >= self._cache_max_size:
            del self._cache[next(iter(self._cache))]
        self._cache[cache_key] = result

    def __call__(self, data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
        """:meth:`calculate`, cached on the whole frame's content and the keywords."""
        key = self._generate_cache_key(data, **kwargs)
        cached = self._get_from_cache(key)
        if cached is not None:
            return cached
        result = self.calculate(data, **kwargs)
        self._store_in_cache(key, result)
        return result


class OverlapIndicator(BaseIndicator):
    """project-x-py's base of overlap studies (``category == "overlap"``)."""

    def __init__(self, name: str, description: str = "") -> None:
        super().__init__(name, description)
        self.category = "overlap"


class MomentumIndicator(BaseIndicator):
    """project-x-py's base of momentum indicators (``category == "momentum"``)."""

    def __init__(self, name: str, description: str = "") -> None:
        super().__init__(name, description)
        self.category = "momentum"


class VolatilityIndicator(BaseIndicator):
    """project-x-py's base of volatility indicators (``category == "volatility"``)."""

    def __init__(self, name: str, description: str = "") -> None:
        super().__init__(name, description)
        self.category = "volatility"


class VolumeIndicator(BaseIndicator):
    """project-x-py's base of volume indicators (``category == "volume"``)."""

    def __init__(self, name: str, description: str = "") -> None:
        super().__init__(name, description)
        self.category = "volume"


def safe_division(numerator: pl.Expr, denominator: pl.Expr, default: float = 0.0) -> pl.Expr:
    """project-x-py's ``safe_division``: ``numerator / denominator``, ``default`` where the
    denominator is 0."""
    return pl.when(denominator != 0).then(numerator / denominator).otherwise(default)


def rolling_sum_positive(expr: pl.Expr, window: int) -> pl.Expr:
    """project-x-py's helper: rolling sum over ``window`` rows of the positive values."""
    return pl.when(expr > 0).then(expr).otherwise(0).rolling_sum(window_size=window)


def rolling_sum_negative(expr: pl.Expr, window: int) -> pl.Expr:
    """project-x-py's helper: rolling sum over ``window`` rows of ``|x|`` for negative ``x``."""
    return pl.when(expr < 0).then(-expr).otherwise(0).rolling_sum(window_size=window)


def ema_alpha(period: int) -> float:
    """project-x-py's ``ema_alpha``: the EMA smoothing factor ``2 / (period + 1)``."""
    return 2.0 / (period + 1)
