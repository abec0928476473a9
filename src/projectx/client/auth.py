"""Session tokens: JWT ``exp`` decoding and the refresh schedule (spec §2.2).

The token text is kept in :class:`SessionToken`, whose ``repr`` never shows it.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field

import orjson

__all__ = ["DEFAULT_LIFETIME_S", "SessionToken", "decode_jwt_claims"]

DEFAULT_LIFETIME_S = 3600.0
"""Assumed lifetime when a token's ``exp`` cannot be read (then it is refreshed hourly)."""


def decode_jwt_claims(token: str) -> dict[str, object] | None:
    """The payload of a JWT (not verified: we only read ``exp``/``iat``); ``None`` if unreadable."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1]
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        claims = orjson.loads(raw)
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class SessionToken:
    """A bearer token with its validity window (Unix seconds, wall clock)."""

    value: str = field(repr=False)
    issued_at: float
    expires_at: float
    exp_known: bool

    @classmethod
    def parse(cls, value: str, *, now: float | None = None) -> SessionToken:
        """Read ``iat``/``exp`` from the JWT; without ``exp`` assume one hour from ``now``."""
        now = time.time() if now is None else now
        claims = decode_jwt_claims(value) or {}
        exp = _number(claims.get("exp"))
        iat = _number(claims.get("iat"))
        if exp is None:
            return cls(value, now, now + DEFAULT_LIFETIME_S, False)
        issued = iat if iat is not None and iat <= exp else min(now, exp)
        return cls(value, issued, exp, True)

    def __repr__(self) -> str:
        return f"SessionToken(value=***, expires_at={self.expires_at:.0f})"

    @property
    def lifetime_s(self) -> float:
        """``exp - iat`` (at least 1 s)."""
        return max(1.0, self.expires_at - self.issued_at)

    def refresh_at(self, margin_s: float) -> float:
        """When to refresh: ``margin_s`` before ``exp``, but never earlier than 80% through a
        short lifetime (so a 10 s test token is not refreshed on every call)."""
        margin = min(margin_s, 0.2 * self.lifetime_s)
        return self.expires_at - margin

    def needs_refresh(self, margin_s: float, *, now: float | None = None) -> bool:
        """Whether it is time to refresh."""
        now = time.time() if now is None else now
        return now >= self.refresh_at(margin_s)

    def expired(self, *, now: float | None = None) -> bool:
        """Whether ``exp`` has passed."""
        now = time.time() if now is None else now
        return now >= self.expires_at
