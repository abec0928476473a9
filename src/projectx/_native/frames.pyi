from typing import Final, Self

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

class FrameError(ValueError): ...

@disjoint_base
class FrameParser:
    others: list[bytes]
    @property
    def records_total(self) -> int: ...
    @property
    def records_native(self) -> int: ...
    @property
    def records_fallback(self) -> int: ...
    @property
    def records_truncated(self) -> int:
        """Partial records dropped because the next message started a new record instead of
        completing them (a truncated frame); the new record is kept."""
    @property
    def records_oversized(self) -> int:
        """Records dropped (and counted in ``records_total``) for exceeding ``max_tail``; the
        parser skips the rest of such a record and keeps every other record of the message."""
    @property
    def bytes_total(self) -> int: ...
    @property
    def max_tail(self) -> int: ...
    def __new__(cls, capacity: int = 1024, max_record_bytes: int = ...) -> Self: ...
    def register_contract(self, contract_id: str) -> int: ...
    @property
    def contracts(self) -> list[str]: ...
    def feed(self, data: str | bytes | bytearray | memoryview) -> int: ...
    @property
    def n_records(self) -> int: ...
    @property
    def pending_bytes(self) -> int: ...
    def other_positions(self) -> list[int]: ...
    def reset(self) -> None: ...
    def records(self) -> npt.NDArray[np.void]: ...

RECORD_DTYPE: Final[np.dtype[np.void]]
KIND_TRADE: Final[int]
KIND_DEPTH: Final[int]
KIND_QUOTE: Final[int]
QUOTE_FIELDS: Final[dict[str, int]]
FIELD_PRICE: Final[int]
FIELD_VOLUME: Final[int]
FIELD_TYPE: Final[int]
FIELD_TIMESTAMP: Final[int]
FIELD_CURRENT_VOLUME: Final[int]
