"""project-x-py's session configuration over :mod:`projectx.sessions`.

``DEFAULT_SESSIONS`` lists project-x-py's products; their regular and extended hours are the
core's (:func:`projectx.sessions.session_hours`, New York time): mostly the CME Globex day,
18:00 to 17:00 New York; grains 20:00 to 14:20 (the core also leaves out their 08:45-09:30 halt,
which a ``SessionTimes`` window cannot say); livestock and dairy have no overnight session, so
their ETH is their RTH. ``is_market_open`` and ``get_current_session`` use the
core's calendar (weekends, exchange holidays and early closes), so an RTH check on Christmas is
False here. A product given in ``product_sessions`` (or a ``CUSTOM`` session) is checked against
its own windows, Monday to Friday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from projectx import sessions as core
from projectx.exceptions import ValidationError

__all__ = [
    "DEFAULT_SESSIONS",
    "SessionConfig",
    "SessionTimes",
    "SessionType",
    "resolve_session_product",
]

_NS = 1_000_000_000


class SessionType(Enum):
    """``ETH`` (the full Globex day), ``RTH`` (regular hours) or ``CUSTOM`` windows; equal to
    their names as strings."""

    ETH = "ETH"
    RTH = "RTH"
    CUSTOM = "CUSTOM"

    def __str__(self) -> str:
        return self.value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.value == other
        return super().__eq__(other)

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass
class SessionTimes:
    """A product's windows (New York wall clock): regular ``rth_start``-``rth_end`` and the
    extended ``eth_start``-``eth_end`` (wrapping midnight when start > end), or no ETH."""

    rth_start: time
    rth_end: time
    eth_start: time | None = None
    eth_end: time | None = None

    def __post_init__(self) -> None:
        if (self.eth_start is None) != (self.eth_end is None):
            raise ValidationError("ETH start and end must both be provided or both be None")

    def is_rth_within_eth(self) -> bool:
        """Always True: the regular session is part of the extended one."""
        return True


def _defaults() -> dict[str, SessionTimes]:
    out: dict[str, SessionTimes] = {}
    for product in sorted(core.known_products()):
        hours = core.session_hours(product)
        out[product] = SessionTimes(
            hours.rth_open, hours.rth_close, hours.eth_open, hours.eth_close
        )
    return out


DEFAULT_SESSIONS: dict[str, SessionTimes] = _defaults()
"""Session windows of every product root the core knows."""


def resolve_session_product(product: str) -> str:
    """The product root of ``product`` (``MNQ``, ``mnq``, ``CON.F.US.MNQ.Z25``, ``F.US.EP``,
    ``MNQZ5``, ``NQ-H26``) when it is in :data:`DEFAULT_SESSIONS`; ``product`` otherwise."""
    if product in DEFAULT_SESSIONS:
        return product
    if product.upper() in DEFAULT_SESSIONS:
        return product.upper()
    tokens = product.replace("-", ".").split(".")
    candidates = [
        letters
        for token in reversed(tokens)
        if (letters := "".join(ch for ch in token if ch.isalpha()).upper())
    ]
    for letters in candidates:
        if letters in DEFAULT_SESSIONS:
            return letters
        for length in (4, 3, 2):
            if len(letters) >= length and letters[:length] in DEFAULT_SESSIONS:
                return letters[:length]
    return product


def _in_window(moment: time, start: time, end: time) -> bool:
    return start <= moment < end if start <= end else moment >= start or moment < end


@dataclass
class SessionConfig:
    """Which session to use (a :class:`SessionType` or its name), the market time zone and
    per-product window overrides."""

    session_type: SessionType = field(default_factory=lambda: SessionType.ETH)
    market_timezone: str = "America/New_York"
    use_exchange_timezone: bool = True
    product_sessions: dict[str, SessionTimes] | None = field(default=None)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.market_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"Invalid timezone: {self.market_timezone}") from None
        if isinstance(self.session_type, str):
            try:
                self.session_type = SessionType(self.session_type)
            except ValueError:
                raise ValidationError(f"Invalid session type: {self.session_type}") from None
        if self.product_sessions is None:
            self.product_sessions = {}

    def get_session_times(self, product: str) -> SessionTimes:
        """The windows of ``product`` (an override first); :class:`ValidationError` if unknown."""
        if self.product_sessions and product in self.product_sessions:
            return self.product_sessions[product]
        if product in DEFAULT_SESSIONS:
            return DEFAULT_SESSIONS[product]
        raise ValidationError(f"Unknown product: {product}")

    def _custom(self, product: str) -> bool:
        return self.session_type == SessionType.CUSTOM or bool(
            self.product_sessions and product in self.product_sessions
        )

    def is_market_open(self, timestamp: datetime, product: str) -> bool:
        """Whether this config's session of ``product`` is open at ``timestamp`` (aware;
        a naive one is never open)."""
        times = self.get_session_times(product)
        if timestamp.tzinfo is None:
            return False
        if self._custom(product):
            local = timestamp.astimezone(ZoneInfo(self.market_timezone))
            if local.weekday() >= 5:
                return False
            if self.session_type == SessionType.ETH and times.eth_start and times.eth_end:
                return _in_window(local.time(), times.eth_start, times.eth_end)
            return _in_window(local.time(), times.rth_start, times.rth_end)
        ts = int(timestamp.timestamp() * _NS)
        if self.session_type == SessionType.RTH:
            return core.in_session(ts, "RTH", product)
        return core.in_session(ts, "ETH", product)

    def get_current_session(self, timestamp: datetime, product: str) -> str:
        """``"RTH"``, ``"ETH"`` (extended hours outside RTH) or ``"BREAK"`` at ``timestamp``."""
        self.get_session_times(product)
        if timestamp.tzinfo is None:
            return "BREAK"
        ts = int(timestamp.timestamp() * _NS)
        if core.in_session(ts, "RTH", product):
            return "RTH"
        if core.in_session(ts, "ETH", product):
            return "ETH"
        return "BREAK"
