"""project-x-py's indicator catalogue: ``get_indicator_groups``, ``get_all_indicators`` and
``get_indicator_info`` (descriptions from the compat classes)."""

from __future__ import annotations

from projectx.compat.indicators import (
    candlestick,
    fvg,
    lorenz,
    momentum,
    order_block,
    overlap,
    volatility,
    volume,
    waddah_attar,
)
from projectx.compat.indicators._adapt import Indicator

__all__ = ["get_all_indicators", "get_indicator_groups", "get_indicator_info"]

_GROUPS: dict[str, tuple[str, ...]] = {
    "overlap": (
        "SMA",
        "EMA",
        "BBANDS",
        "DEMA",
        "TEMA",
        "WMA",
        "MIDPOINT",
        "MIDPRICE",
        "HT_TRENDLINE",
        "KAMA",
        "MA",
        "MAMA",
        "MAVP",
        "SAR",
        "SAREXT",
        "T3",
        "TRIMA",
    ),
    "momentum": (
        "RSI",
        "MACD",
        "STOCH",
        "WILLR",
        "CCI",
        "ROC",
        "MOM",
        "STOCHRSI",
        "ADX",
        "ADXR",
        "APO",
        "AROON",
        "AROONOSC",
        "BOP",
        "CMO",
        "DX",
        "MACDEXT",
        "MACDFIX",
        "MFI",
        "MINUS_DI",
        "MINUS_DM",
        "PLUS_DI",
        "PLUS_DM",
        "PPO",
        "ROCP",
        "ROCR",
        "ROCR100",
        "STOCHF",
        "TRIX",
        "ULTOSC",
    ),
    "volatility": ("ATR", "NATR", "TRANGE", "STDDEV"),
    "volume": ("OBV", "VWAP", "AD", "ADOSC"),
    "patterns": (
        "FVG",
        "ORDERBLOCK",
        "WAE",
        "LORENZ",
        "DOJI",
        "HAMMER",
        "SHOOTINGSTAR",
        "BULLISHENGULFING",
    ),
}

_CLASSES: dict[str, type[Indicator]] = {
    "FVG": fvg.FVG,
    "ORDERBLOCK": order_block.OrderBlock,
    "WAE": waddah_attar.WAE,
    "LORENZ": lorenz.LORENZIndicator,
    "DOJI": candlestick.Doji,
    "HAMMER": candlestick.Hammer,
    "SHOOTINGSTAR": candlestick.ShootingStar,
    "BULLISHENGULFING": candlestick.BullishEngulfing,
}
for _mod in (overlap, momentum, volatility, volume):
    for _name in _mod.__all__:
        _obj = getattr(_mod, _name)
        if isinstance(_obj, type) and issubclass(_obj, Indicator):
            _CLASSES.setdefault(_name, _obj)


def get_indicator_groups() -> dict[str, list[str]]:
    """project-x-py's indicator names by group (overlap, momentum, volatility, volume, patterns)."""
    return {group: list(names) for group, names in _GROUPS.items()}


def get_all_indicators() -> list[str]:
    """Every indicator name of :func:`get_indicator_groups`, sorted."""
    return sorted(name for names in _GROUPS.values() for name in names)


def get_indicator_info(indicator_name: str) -> str:
    """A one-line description of ``indicator_name`` (any case), or ``"Indicator not found"``."""
    cls = _CLASSES.get(str(indicator_name).upper())
    return cls.description_text if cls is not None else "Indicator not found"
