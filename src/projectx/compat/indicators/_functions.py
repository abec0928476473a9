"""project-x-py's top-level indicator functions (``SMA(data, column="close", period=20)``...),
each the matching class's ``calculate`` (see the submodules for the values' core sources)."""

from __future__ import annotations

from typing import Any

import polars as pl

from projectx.compat.indicators import candlestick as _candlestick
from projectx.compat.indicators import fvg as _fvg
from projectx.compat.indicators import momentum as _momentum
from projectx.compat.indicators import order_block as _order_block
from projectx.compat.indicators import overlap as _overlap
from projectx.compat.indicators import volatility as _volatility
from projectx.compat.indicators import volume as _volume
from projectx.compat.indicators import waddah_attar as _waddah_attar


def AD(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
) -> pl.DataFrame:
    """project-x-py's ``AD``; see ``volume.AD``."""
    return _volume.AD().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
    )


def ADOSC(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    fast_period: int = 3,
    slow_period: int = 10,
) -> pl.DataFrame:
    """project-x-py's ``ADOSC``; see ``volume.ADOSC``."""
    return _volume.ADOSC().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        fast_period=fast_period,
        slow_period=slow_period,
    )


def ADX(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``ADX``; see ``momentum.ADX``."""
    return _momentum.ADX().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def ATR(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``ATR``; see ``volatility.ATR``."""
    return _volatility.ATR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def BBANDS(
    data: pl.DataFrame, column: str = "close", period: int = 20, std_dev: float = 2.0
) -> pl.DataFrame:
    """project-x-py's ``BBANDS``; see ``overlap.BBANDS``."""
    return _overlap.BBANDS().calculate(data, column=column, period=period, std_dev=std_dev)


def BULLISHENGULFING(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``BULLISHENGULFING``; see ``candlestick.BullishEngulfing``."""
    return _candlestick.BullishEngulfing().calculate(data, **kwargs)


def CCI(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 20,
    constant: float = 0.015,
) -> pl.DataFrame:
    """project-x-py's ``CCI``; see ``momentum.CCI``."""
    return _momentum.CCI().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
        constant=constant,
    )


def DEMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``DEMA``; see ``overlap.DEMA``."""
    return _overlap.DEMA().calculate(data, column=column, period=period)


def DOJI(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``DOJI``; see ``candlestick.Doji``."""
    return _candlestick.Doji().calculate(data, **kwargs)


def EMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``EMA``; see ``overlap.EMA``."""
    return _overlap.EMA().calculate(data, column=column, period=period)


def FVG(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    min_gap_size: float = 0.0,
    min_gap_percent: float = 0.0,
    check_mitigation: bool = False,
    mitigation_threshold: float = 0.5,
) -> pl.DataFrame:
    """project-x-py's ``FVG``; see ``fvg.FVG``."""
    return _fvg.FVG().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        min_gap_size=min_gap_size,
        min_gap_percent=min_gap_percent,
        check_mitigation=check_mitigation,
        mitigation_threshold=mitigation_threshold,
    )


def HAMMER(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``HAMMER``; see ``candlestick.Hammer``."""
    return _candlestick.Hammer().calculate(data, **kwargs)


def HT_TRENDLINE(data: pl.DataFrame, column: str = "close") -> pl.DataFrame:
    """project-x-py's ``HT_TRENDLINE``; see ``overlap.HT_TRENDLINE``."""
    return _overlap.HT_TRENDLINE().calculate(data, column=column)


def KAMA(
    data: pl.DataFrame,
    column: str = "close",
    period: int = 30,
    fast_sc: float = 2.0,
    slow_sc: float = 30.0,
) -> pl.DataFrame:
    """project-x-py's ``KAMA``; see ``overlap.KAMA``."""
    return _overlap.KAMA().calculate(
        data, column=column, period=period, fast_sc=fast_sc, slow_sc=slow_sc
    )


def MA(
    data: pl.DataFrame, column: str = "close", period: int = 30, ma_type: str = "sma"
) -> pl.DataFrame:
    """project-x-py's ``MA``; see ``overlap.MA``."""
    return _overlap.MA().calculate(data, column=column, period=period, ma_type=ma_type)


def MACD(
    data: pl.DataFrame,
    column: str = "close",
    fast_period: int = 12,
    slow_period: int = 26,
    signal_period: int = 9,
) -> pl.DataFrame:
    """project-x-py's ``MACD``; see ``momentum.MACD``."""
    return _momentum.MACD().calculate(
        data,
        column=column,
        fast_period=fast_period,
        slow_period=slow_period,
        signal_period=signal_period,
    )


def MAMA(
    data: pl.DataFrame, column: str = "close", fast_limit: float = 0.5, slow_limit: float = 0.05
) -> pl.DataFrame:
    """project-x-py's ``MAMA``; see ``overlap.MAMA``."""
    return _overlap.MAMA().calculate(
        data, column=column, fast_limit=fast_limit, slow_limit=slow_limit
    )


def MAVP(
    data: pl.DataFrame,
    column: str = "close",
    periods_column: str = "periods",
    min_period: int = 2,
    max_period: int = 30,
    ma_type: str = "sma",
) -> pl.DataFrame:
    """project-x-py's ``MAVP``; see ``overlap.MAVP``."""
    return _overlap.MAVP().calculate(
        data,
        column=column,
        periods_column=periods_column,
        min_period=min_period,
        max_period=max_period,
        ma_type=ma_type,
    )


def MIDPOINT(data: pl.DataFrame, column: str = "close", period: int = 14) -> pl.DataFrame:
    """project-x-py's ``MIDPOINT``; see ``overlap.MIDPOINT``."""
    return _overlap.MIDPOINT().calculate(data, column=column, period=period)


def MIDPRICE(
    data: pl.DataFrame, high_column: str = "high", low_column: str = "low", period: int = 14
) -> pl.DataFrame:
    """project-x-py's ``MIDPRICE``; see ``overlap.MIDPRICE``."""
    return _overlap.MIDPRICE().calculate(
        data, high_column=high_column, low_column=low_column, period=period
    )


def MOM(data: pl.DataFrame, column: str = "close", period: int = 10) -> pl.DataFrame:
    """project-x-py's ``MOM``; see ``momentum.MOM``."""
    return _momentum.MOM().calculate(data, column=column, period=period)


def NATR(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``NATR``; see ``volatility.NATR``."""
    return _volatility.NATR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def OBV(
    data: pl.DataFrame, close_column: str = "close", volume_column: str = "volume"
) -> pl.DataFrame:
    """project-x-py's ``OBV``; see ``volume.OBV``."""
    return _volume.OBV().calculate(data, close_column=close_column, volume_column=volume_column)


def ORDERBLOCK(
    data: pl.DataFrame,
    open_column: str = "open",
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    min_volume_percentile: float = 50,
    check_mitigation: bool = False,
    mitigation_threshold: float = 0.5,
    lookback_periods: int = 3,
    use_wicks: bool = True,
) -> pl.DataFrame:
    """project-x-py's ``ORDERBLOCK``; see ``order_block.OrderBlock``."""
    return _order_block.OrderBlock().calculate(
        data,
        open_column=open_column,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        min_volume_percentile=min_volume_percentile,
        check_mitigation=check_mitigation,
        mitigation_threshold=mitigation_threshold,
        lookback_periods=lookback_periods,
        use_wicks=use_wicks,
    )


def ROC(data: pl.DataFrame, column: str = "close", period: int = 10) -> pl.DataFrame:
    """project-x-py's ``ROC``; see ``momentum.ROC``."""
    return _momentum.ROC().calculate(data, column=column, period=period)


def RSI(data: pl.DataFrame, column: str = "close", period: int = 14) -> pl.DataFrame:
    """project-x-py's ``RSI``; see ``momentum.RSI``."""
    return _momentum.RSI().calculate(data, column=column, period=period)


def SAR(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    acceleration: float = 0.02,
    maximum: float = 0.2,
) -> pl.DataFrame:
    """project-x-py's ``SAR``; see ``overlap.SAR``."""
    return _overlap.SAR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        acceleration=acceleration,
        maximum=maximum,
    )


def SAREXT(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    start_value: float = 0.0,
    offset_on_reverse: float = 0.0,
    acceleration_init_long: float = 0.02,
    acceleration_long: float = 0.02,
    acceleration_max_long: float = 0.2,
    acceleration_init_short: float = 0.02,
    acceleration_short: float = 0.02,
    acceleration_max_short: float = 0.2,
) -> pl.DataFrame:
    """project-x-py's ``SAREXT``; see ``overlap.SAREXT``."""
    return _overlap.SAREXT().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        start_value=start_value,
        offset_on_reverse=offset_on_reverse,
        acceleration_init_long=acceleration_init_long,
        acceleration_long=acceleration_long,
        acceleration_max_long=acceleration_max_long,
        acceleration_init_short=acceleration_init_short,
        acceleration_short=acceleration_short,
        acceleration_max_short=acceleration_max_short,
    )


def SHOOTINGSTAR(data: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    """project-x-py's ``SHOOTINGSTAR``; see ``candlestick.ShootingStar``."""
    return _candlestick.ShootingStar().calculate(data, **kwargs)


def SMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``SMA``; see ``overlap.SMA``."""
    return _overlap.SMA().calculate(data, column=column, period=period)


def STDDEV(
    data: pl.DataFrame, column: str = "close", period: int = 5, ddof: int = 1
) -> pl.DataFrame:
    """project-x-py's ``STDDEV``; see ``volatility.STDDEV``."""
    return _volatility.STDDEV().calculate(data, column=column, period=period, ddof=ddof)


def STOCH(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    k_period: int = 14,
    d_period: int = 3,
) -> pl.DataFrame:
    """project-x-py's ``STOCH``; see ``momentum.STOCH``."""
    return _momentum.STOCH().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        k_period=k_period,
        d_period=d_period,
    )


def STOCHRSI(
    data: pl.DataFrame,
    column: str = "close",
    rsi_period: int = 14,
    stoch_period: int = 14,
    k_period: int = 3,
    d_period: int = 3,
) -> pl.DataFrame:
    """project-x-py's ``STOCHRSI``; see ``momentum.STOCHRSI``."""
    return _momentum.STOCHRSI().calculate(
        data,
        column=column,
        rsi_period=rsi_period,
        stoch_period=stoch_period,
        k_period=k_period,
        d_period=d_period,
    )


def T3(
    data: pl.DataFrame, column: str = "close", period: int = 5, v_factor: float = 0.7
) -> pl.DataFrame:
    """project-x-py's ``T3``; see ``overlap.T3``."""
    return _overlap.T3().calculate(data, column=column, period=period, v_factor=v_factor)


def TEMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``TEMA``; see ``overlap.TEMA``."""
    return _overlap.TEMA().calculate(data, column=column, period=period)


def TRANGE(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
) -> pl.DataFrame:
    """project-x-py's ``TRANGE``; see ``volatility.TRANGE``."""
    return _volatility.TRANGE().calculate(
        data, high_column=high_column, low_column=low_column, close_column=close_column
    )


def TRIMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``TRIMA``; see ``overlap.TRIMA``."""
    return _overlap.TRIMA().calculate(data, column=column, period=period)


def ULTOSC(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period1: int = 7,
    period2: int = 14,
    period3: int = 28,
) -> pl.DataFrame:
    """project-x-py's ``ULTOSC``; see ``momentum.ULTOSC``."""
    return _momentum.ULTOSC().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period1=period1,
        period2=period2,
        period3=period3,
    )


def VWAP(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    volume_column: str = "volume",
    period: int | None = None,
) -> pl.DataFrame:
    """project-x-py's ``VWAP``; see ``volume.VWAP``."""
    return _volume.VWAP().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        volume_column=volume_column,
        period=period,
    )


def WAE(
    data: pl.DataFrame,
    close_column: str = "close",
    high_column: str = "high",
    low_column: str = "low",
    fast_period: int = 20,
    slow_period: int = 40,
    bb_period: int = 20,
    bb_mult: float = 2.0,
    sensitivity: int = 150,
    dead_zone_period: int = 100,
    dead_zone_mult: float = 3.6,
) -> pl.DataFrame:
    """project-x-py's ``WAE``; see ``waddah_attar.WAE``."""
    return _waddah_attar.WAE().calculate(
        data,
        close_column=close_column,
        high_column=high_column,
        low_column=low_column,
        fast_period=fast_period,
        slow_period=slow_period,
        bb_period=bb_period,
        bb_mult=bb_mult,
        sensitivity=sensitivity,
        dead_zone_period=dead_zone_period,
        dead_zone_mult=dead_zone_mult,
    )


def WILLR(
    data: pl.DataFrame,
    high_column: str = "high",
    low_column: str = "low",
    close_column: str = "close",
    period: int = 14,
) -> pl.DataFrame:
    """project-x-py's ``WILLR``; see ``momentum.WILLR``."""
    return _momentum.WILLR().calculate(
        data,
        high_column=high_column,
        low_column=low_column,
        close_column=close_column,
        period=period,
    )


def WMA(data: pl.DataFrame, column: str = "close", period: int = 20) -> pl.DataFrame:
    """project-x-py's ``WMA``; see ``overlap.WMA``."""
    return _overlap.WMA().calculate(data, column=column, period=period)
