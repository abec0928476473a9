from typing import Final, Self

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

class FrameError(ValueError): ...

@disjoint_base
class FeedResult:
    """What the last message fed to a parser held (one object per parser, rewritten by every
    feed; read it before the next one)."""

    @property
    def records(self) -> int:
        """Complete records kept: ``native`` + ``others``."""
    @property
    def native(self) -> int:
        """Records parsed into native market records."""
    @property
    def others(self) -> int:
        """Records handed back as bytes (the parser's ``others``)."""
    @property
    def truncated(self) -> int:
        """Partial records dropped: their rest never came."""
    @property
    def oversized(self) -> int:
        """Records dropped for exceeding the parser's ``max_tail``."""
    @property
    def lost(self) -> int:
        """``truncated + oversized``."""
    @property
    def handback(self) -> int:
        """``lost + others``: what a hub handles in Python (0 on the fast path)."""
    @property
    def fallback(self) -> int:
        """Market records the spec-following fallback parsed (``MarketFeed``)."""
    @property
    def trades(self) -> int:
        """Trades applied (``MarketFeed``)."""
    @property
    def depth(self) -> int:
        """Depth entries applied (``MarketFeed``)."""
    @property
    def quotes(self) -> int:
        """Quotes applied (``MarketFeed``)."""
    @property
    def anomalies(self) -> int:
        """Records refused or held (``MarketFeed``)."""
    @property
    def flags(self) -> int:
        """Records applied but flagged (``MarketFeed``)."""
    @property
    def n_closes(self) -> int:
        """Bar closes (``MarketFeed``)."""
    @property
    def attention(self) -> bool:
        """Any of anomalies, flags or closes."""
    @property
    def wake(self) -> bool:
        """The hub's native handlers have work: a bare parser's message with native records;
        a ``MarketFeed``'s that needs attention, applied a trade of a contract whose prices
        are wanted (``want_prices``), or had native records while ``wake_every`` is on."""
    @property
    def messages_total(self) -> int:
        """Messages given to ``receive()`` so far (those whose parsing raised included)."""
    @property
    def chars_total(self) -> int:
        """Their ``len()`` summed (a ``str`` message counts code points)."""
    @property
    def records_total(self) -> int:
        """Records kept from them (``records`` summed)."""
    @property
    def native_total(self) -> int:
        """Native records among them (``native`` summed)."""
    @property
    def last_message_monotonic(self) -> float:
        """``time.monotonic()`` at the last ``receive()`` (0.0: none yet)."""
    @property
    def last_market_monotonic(self) -> float:
        """... at the last one that held native records (0.0: none yet)."""

@disjoint_base
class FrameParser:
    others: list[bytes]
    @property
    def result(self) -> FeedResult:
        """What the last ``feed()`` held."""
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
    def receive(self, data: str | bytes | bytearray | memoryview) -> FeedResult: ...
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
