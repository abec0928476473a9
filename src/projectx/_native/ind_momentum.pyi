"""Types of ``projectx._native.ind_momentum`` (TA-Lib-exact momentum kernels and streams)."""

import numpy as np
import numpy.typing as npt

_F = npt.NDArray[np.float64]

DM_PLUS: int
DM_MINUS: int
DI_PLUS: int
DI_MINUS: int
DX: int
ADX: int

def sma(x: _F, period: int, start: int = -1) -> _F: ...
def ema(x: _F, period: int, k: float = -1.0, start: int = -1) -> _F: ...
def macd(
    x: _F,
    fastperiod: int,
    slowperiod: int,
    signalperiod: int,
    kfast: float = -1.0,
    kslow: float = -1.0,
) -> tuple[_F, _F, _F]: ...
def rsi(x: _F, period: int) -> _F: ...
def cmo(x: _F, period: int) -> _F: ...
def dmi(high: _F, low: _F, close: _F, period: int, which: int) -> _F: ...
def stoch_fastk(high: _F, low: _F, close: _F, period: int) -> _F: ...
def willr(high: _F, low: _F, close: _F, period: int) -> _F: ...
def aroon(high: _F, low: _F, period: int) -> tuple[_F, _F, _F]: ...
def cci(high: _F, low: _F, close: _F, period: int) -> _F: ...
def mfi(high: _F, low: _F, close: _F, volume: _F, period: int) -> _F: ...
def ultosc(high: _F, low: _F, close: _F, p1: int, p2: int, p3: int) -> _F: ...

class RSIStream:
    period: int
    count: int
    def __init__(self, period: int) -> None: ...
    def update(self, close: float) -> float: ...
    @property
    def value(self) -> float: ...

class MACDStream:
    fastperiod: int
    slowperiod: int
    signalperiod: int
    count: int
    def __init__(
        self,
        fastperiod: int,
        slowperiod: int,
        signalperiod: int,
        kfast: float = -1.0,
        kslow: float = -1.0,
    ) -> None: ...
    def update(self, close: float) -> tuple[float, float, float]: ...
    @property
    def value(self) -> tuple[float, float, float]: ...

class StochStream:
    fastk_period: int
    count: int
    def __init__(
        self,
        fastk_period: int,
        slowk_period: int,
        slowk_matype: int,
        slowd_period: int,
        slowd_matype: int,
    ) -> None: ...
    def update(self, high: float, low: float, close: float) -> tuple[float, float]: ...
    @property
    def value(self) -> tuple[float, float]: ...

class ADXStream:
    period: int
    count: int
    def __init__(self, period: int) -> None: ...
    def update(self, high: float, low: float, close: float) -> float: ...
    @property
    def value(self) -> float: ...
