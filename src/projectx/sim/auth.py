"""JWT-shaped session tokens for the simulator (spec §2.2).

Tokens are real HS256 JSON Web Tokens: ``base64url(header).base64url(payload).base64url(sig)``
with ``sub`` (the user name), ``iat``, ``exp`` (Unix seconds) and a ``jti`` serial. They are signed
with a per-process random key, so a token minted by one simulator is garbage to another.

Token time is wall time (``time.time``) by default, independent of the market clock, because
clients compare ``exp`` with their own wall clock; tests inject ``time_fn`` to move it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import orjson

__all__ = ["TokenAuthority", "TokenError", "TokenInfo", "TokenProblem"]

_HEADER = base64.urlsafe_b64encode(orjson.dumps({"alg": "HS256", "typ": "JWT"})).rstrip(b"=")


class TokenProblem(Enum):
    """Why a token was refused."""

    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    REVOKED = "revoked"


class TokenError(Exception):
    """A token could not be accepted; ``problem`` says why (never contains the token)."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(f"token refused: {problem.value}")
        self.problem = problem


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """The verified claims of a token."""

    user_name: str
    issued_at: int
    expires_at: int
    serial: int


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(data: str) -> bytes:
    pad = "=" * (-len(data) % 4)
    return base64.urlsafe_b64decode(data + pad)


class TokenAuthority:
    """Mints, verifies and revokes the simulator's session tokens.

    ``lifetime_s`` is the ``exp - iat`` of every new token (spec: 24 h). ``expire_all()`` makes
    every token issued so far invalid at once (fault injection: "expire tokens now").
    """

    def __init__(
        self,
        *,
        lifetime_s: float = 86_400.0,
        time_fn: Callable[[], float] = time.time,
        key: bytes | None = None,
    ) -> None:
        if lifetime_s <= 0:
            raise ValueError(f"token lifetime must be > 0 s, got {lifetime_s!r}")
        self.lifetime_s = float(lifetime_s)
        self._time = time_fn
        self._key = key if key is not None else secrets.token_bytes(32)
        self._serial = 0
        self._min_valid_serial = 1
        self._revoked: set[int] = set()

    def __repr__(self) -> str:
        return f"TokenAuthority(lifetime_s={self.lifetime_s}, issued={self._serial})"

    def mint(self, user_name: str) -> str:
        """Return a new signed token for ``user_name``."""
        self._serial += 1
        now = self._time()
        iat = int(now)
        exp = int(now + self.lifetime_s)
        if exp <= iat:
            exp = iat + 1
        payload = {"sub": user_name, "name": user_name, "iat": iat, "exp": exp, "jti": self._serial}
        signing_input = _HEADER + b"." + _b64(orjson.dumps(payload))
        sig = hmac.new(self._key, signing_input, hashlib.sha256).digest()
        return (signing_input + b"." + _b64(sig)).decode("ascii")

    def verify(self, token: str | None) -> TokenInfo:
        """Return the claims of a valid token or raise :class:`TokenError`."""
        if not token:
            raise TokenError(TokenProblem.MISSING)
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError(TokenProblem.MALFORMED)
        try:
            signing_input = (parts[0] + "." + parts[1]).encode("ascii")
            sig = _unb64(parts[2])
            payload = orjson.loads(_unb64(parts[1]))
        except (ValueError, UnicodeError, orjson.JSONDecodeError) as exc:
            raise TokenError(TokenProblem.MALFORMED) from exc
        good = hmac.new(self._key, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(sig, good):
            raise TokenError(TokenProblem.BAD_SIGNATURE)
        try:
            info = TokenInfo(
                user_name=str(payload["sub"]),
                issued_at=int(payload["iat"]),
                expires_at=int(payload["exp"]),
                serial=int(payload["jti"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenError(TokenProblem.MALFORMED) from exc
        if info.serial in self._revoked:
            raise TokenError(TokenProblem.REVOKED)
        if info.serial < self._min_valid_serial or self._time() >= info.expires_at:
            raise TokenError(TokenProblem.EXPIRED)
        return info

    def still_valid(self, info: TokenInfo) -> bool:
        """Whether already-verified claims are still acceptable (not expired nor revoked)."""
        return (
            info.serial not in self._revoked
            and info.serial >= self._min_valid_serial
            and self._time() < info.expires_at
        )

    def revoke(self, token: str) -> None:
        """Revoke one token (logout); later use of it fails with ``REVOKED``."""
        info = self.verify(token)
        self._revoked.add(info.serial)

    def expire_all(self) -> int:
        """Expire every token issued so far; return how many were issued."""
        self._min_valid_serial = self._serial + 1
        return self._serial
