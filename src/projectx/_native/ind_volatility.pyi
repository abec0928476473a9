from typing import Self

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

_A = npt.NDArray[np.float64]

def trange(high: _A, low: _A, close: _A) -> _A: ...
def atr(high: _A, low: _A, close: _A, period: int, normalized: bool = False) -> _A: ...

@disjoint_base
class ATRStream:
    period: int
    count: int
    def __new__(cls, period: int) -> Self: ...
    def update(self, high: float, low: float, close: float) -> float: ...
    def peek(self, high: float, low: float, close: float) -> float: ...
    @property
    def value(self) -> float: ...
