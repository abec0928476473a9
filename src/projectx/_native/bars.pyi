"""Types of ``projectx._native.bars`` (the multi-timeframe OHLCV bar engine)."""

from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl
from typing_extensions import disjoint_base

from projectx._native.ring import BarRing
from projectx.exceptions import ValidationError

DEFAULT_CAPACITY: Final[int]
MAX_TIMEFRAMES: Final[int]

class Bar(NamedTuple):
    ts_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: int
    trades: int

class InvalidTradeError(ValidationError): ...
class BarEngineStateError(ValidationError): ...

@disjoint_base
class BarEngine:
    @property
    def n_timeframes(self) -> int: ...
    @property
    def timeframes(self) -> tuple[str, ...]: ...
    @property
    def trades(self) -> int: ...
    @property
    def late_trades(self) -> int: ...
    def __init__(
        self, timeframes: Sequence[str], capacity: int | Mapping[str, int] = ...
    ) -> None: ...
    def update(self, ts_ns: int, price: float, volume: int) -> int: ...
    def update_batch(
        self,
        ts_ns: npt.NDArray[np.int64],
        price: npt.NDArray[np.float64],
        volume: npt.NDArray[np.int64],
    ) -> dict[str, int]: ...
    def load_bars(
        self,
        timeframe: str,
        ts_ns: npt.ArrayLike,
        open: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
        trades: npt.ArrayLike | None = None,
    ) -> None: ...
    def index(self, timeframe: str) -> int: ...
    def mask_timeframes(self, mask: int) -> list[str]: ...
    def forming(self, timeframe: str) -> Bar | None: ...
    def next_close_ns(self, timeframe: str) -> int | None: ...
    def last_closed(self, timeframe: str) -> Bar | None: ...
    def ring(self, timeframe: str) -> BarRing: ...
    def closed(
        self, timeframe: str, n: int | None = None, *, copy: bool = False
    ) -> dict[str, npt.NDArray[np.generic]]: ...
    def get_data(
        self,
        timeframe: str,
        bars: int | None = None,
        *,
        copy: bool = False,
        include_forming: bool = False,
    ) -> pl.DataFrame: ...
    def stats(self) -> dict[str, object]: ...
