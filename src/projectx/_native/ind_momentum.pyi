"""Types of ``projectx._native.ind_momentum`` (TA-Lib-exact momentum kernels and streams)."""

from typing import Self

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

_F = npt.NDArray[np.float64]

DM_PLUS: int
DM_MINUS: int
DI_PLUS: int
DI_MINUS: int
DX: int
ADX: int

def find_nan(x: _F, start: int = 0) -> int: ...
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
def stoch(
    high: _F,
    low: _F,
    close: _F,
    fastk_period: int,
    slowk_period: int,
    slowk_matype: int,
    slowd_period: int,
    slowd_matype: int,
) -> tuple[_F, _F]: ...
def willr(high: _F, low: _F, close: _F, period: int) -> _F: ...
def aroon(high: _F, low: _F, period: int) -> tuple[_F, _F, _F]: ...
def cci(high: _F, low: _F, close: _F, period: int) -> _F: ...
def mfi(high: _F, low: _F, close: _F, volume: _F, period: int) -> _F: ...
def ultosc(high: _F, low: _F, close: _F, p1: int, p2: int, p3: int) -> _F: ...

@disjoint_base
class RSIStream:
    period: int
    count: int
    def __new__(cls, period: int) -> Self: ...
    def update(self, close: float) -> float: ...
    def peek(self, close: float) -> float: ...
    @property
    def value(self) -> float: ...

@disjoint_base
class MACDStream:
    fastperiod: int
    slowperiod: int
    signalperiod: int
    count: int
    def __new__(
        cls,
        fastperiod: int,
        slowperiod: int,
        signalperiod: int,
        kfast: float = -1.0,
        kslow: float = -1.0,
    ) -> Self: ...
    def update(self, close: float) -> tuple[float, float, float]: ...
    def peek(self, close: float) -> tuple[float, float, float]: ...
    @property
    def value(self) -> tuple[float, float, float]: ...

@disjoint_base
class StochStream:
    fastk_period: int
    count: int
    def __new__(
        cls,
        fastk_period: int,
        slowk_period: int,
        slowk_matype: int,
        slowd_period: int,
        slowd_matype: int,
    ) -> Self: ...
    def update(self, high: float, low: float, close: float) -> tuple[float, float]: ...
    def peek(self, high: float, low: float, close: float) -> tuple[float, float]: ...
    @property
    def value(self) -> tuple[float, float]: ...

@disjoint_base
class ADXStream:
    period: int
    count: int
    def __new__(cls, period: int) -> Self: ...
    def update(self, high: float, low: float, close: float) -> float: ...
    def peek(self, high: float, low: float, close: float) -> float: ...
    @property
    def value(self) -> float: ...
