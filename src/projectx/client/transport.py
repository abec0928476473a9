"""The REST client's request pipeline (spec §2, §8, §10), in layers (after httpx's
``_send_handling_auth`` -> ``_send_handling_redirects`` -> ``_send_single_request``).

:meth:`Transport.request` sends one call and returns its JSON envelope. Each layer loops over the
one below it and handles one kind of outcome; the counters of one call (retries, 429s, the one
re-login) are shared by all layers, so a 401 or a 429 never resets the retry budget:

1. :meth:`~Transport._send_handling_auth`: 401 -> log in again once and resend once (the server
   refused the request unprocessed); a 401 on a login is refused credentials;
2. :meth:`~Transport._send_handling_rate_limit`: 429 -> pause the limiter for ``Retry-After`` and
   resend (the request was not processed);
3. :meth:`~Transport._send_handling_retries`: 5xx, timeout, dropped connection -> idempotent calls
   (searches, bars, login, validate) are retried with capped exponential backoff and jitter;
   mutating calls (place, modify, cancel, position closes) are **never** resent: the outcome is
   unknown, so :class:`~projectx.exceptions.OrderSubmissionUncertainError` is raised (with the
   order's ``customTag`` for ``Order/place``). A connection that could not even be opened raises
   :class:`~projectx.exceptions.ConnectionError` (nothing was sent);
4. :meth:`~Transport._send_single_request`: a fresh token, a slot from the client-side
   sliding-window limiter (200/60 s, retrieveBars 50/30 s), the POST; a 3xx is refused there.

Then a 200 becomes the envelope (one that is not a JSON object is an anomaly; for a mutating call
an uncertain outcome), any other status an :class:`~projectx.exceptions.APIError`.

Redirects are never followed (``allow_redirects=False`` on every request): a 3xx answer raises
:class:`~projectx.exceptions.APIError` naming the status only. Following one would re-send the
login body or the bearer token to wherever ``Location`` points, and that target never passed the
https/loopback check of :mod:`projectx.config`.

Everything raised here goes through :class:`~projectx.exceptions.ProjectXError`, which redacts
registered secrets by value; error bodies are summarised and redacted before they are shown.

Observers (e.g. the replay runner counting calls in flight) plug in as a :class:`RequestHook`
(:meth:`Transport.add_hook`) instead of overriding a private method.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import aiohttp
import orjson

from projectx.circuit import CircuitBreaker
from projectx.client.ratelimit import RateLimits
from projectx.client.retry import RetryPolicy
from projectx.config import ProjectXConfig
from projectx.exceptions import (
    APIError,
    AuthenticationError,
    ConnectionError,
    OrderSubmissionUncertainError,
    RateLimitError,
    redact,
)
from projectx.health import ComponentHealth
from projectx.plausibility import AnomalyLog

__all__ = ["ClientStats", "RequestHook", "Sender", "TokenSource", "Transport"]

log = logging.getLogger(__name__)

_MAX_THROTTLED = 30
"""How many 429 answers one call waits through before giving up with ``RateLimitError``."""

Sender = Callable[[str, Any, str | None], Awaitable[tuple[int, str | None, bytes]]]
"""Sends one POST: ``(endpoint, body, token) -> (status, Retry-After header, raw body)``."""


@dataclass(slots=True)
class ClientStats:
    """Counters of one client (read by the stats layer)."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    logins: int = 0
    refreshes: int = 0
    relogins: int = 0
    uncertain: int = 0


class TokenSource(Protocol):
    """What the pipeline needs from the client's session: a valid token, and a re-login."""

    async def token_factory(self) -> str:
        """A valid bearer token (refreshed or re-obtained when needed)."""
        ...

    async def invalidate_token(self, rejected: str) -> None:
        """``rejected`` was refused (HTTP 401): log in again unless it was already renewed."""
        ...


class RequestHook(Protocol):
    """An observer of every HTTP attempt of the pipeline (retries and resends included).

    ``on_request`` is called just before an attempt is sent, ``on_response`` once it is over,
    always (``status`` is ``None`` when no answer arrived). Hooks must not raise.
    """

    def on_request(self, endpoint: str) -> None:
        """An attempt at ``endpoint`` is about to be sent."""
        ...

    def on_response(self, endpoint: str, status: int | None) -> None:
        """The attempt at ``endpoint`` is over (``status`` ``None``: no answer)."""
        ...


class _SendError(Exception):
    """Transport failure; ``sent`` is False only when the connection could not be opened."""

    def __init__(self, kind: str, *, sent: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.sent = sent


@dataclass(slots=True)
class _Call:
    """One call through the pipeline, with the counters its layers share."""

    endpoint: str
    body: Any
    idempotent: bool
    auth: bool
    token: str | None
    allow_relogin: bool
    custom_tag: str | None
    retries: int = 0
    throttled: int = 0
    relogged: bool = False


@dataclass(slots=True)
class _Answer:
    status: int
    retry_after: str | None
    raw: bytes
    token: str | None
    """The bearer token the attempt carried (what a 401 refused)."""


class Transport:
    """The request pipeline of one :class:`~projectx.client.ProjectX` (module docstring).

    ``sender`` replaces the single POST (default :meth:`post`); ``session`` gives the aiohttp
    session to post with.
    """

    def __init__(
        self,
        config: ProjectXConfig,
        *,
        session: Callable[[], aiohttp.ClientSession],
        auth: TokenSource,
        limits: RateLimits,
        retry: RetryPolicy,
        stats: ClientStats,
        anomalies: AnomalyLog,
        sender: Sender | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.config = config
        #: the outcome of every call (transport failures and HTTP 5xx are failures)
        self.health = ComponentHealth("rest")
        #: opened by repeated transport failures and HTTP 5xx; while open, calls are refused
        #: with CircuitBreakerOpenError before anything is sent
        self.breaker = (
            breaker
            if breaker is not None
            else CircuitBreaker("rest", failure_threshold=10, recovery_timeout=5.0)
        )
        self.limits = limits
        self.retry = retry
        self.stats = stats
        self.anomalies = anomalies
        self._session = session
        self._auth = auth
        self._sender: Sender = sender if sender is not None else self.post
        self._hooks: list[RequestHook] = []

    def add_hook(self, hook: RequestHook) -> None:
        """Call ``hook`` around every HTTP attempt from now on."""
        self._hooks.append(hook)

    def remove_hook(self, hook: RequestHook) -> None:
        """Stop calling ``hook`` (no error when it was not added)."""
        if hook in self._hooks:
            self._hooks.remove(hook)

    async def request(
        self,
        endpoint: str,
        body: Any,
        *,
        idempotent: bool,
        auth: bool = True,
        token: str | None = None,
        allow_relogin: bool = True,
        custom_tag: str | None = None,
    ) -> dict[str, Any]:
        """Send one call through the pipeline (module docstring); return the JSON envelope.

        ``auth=False`` sends no token; ``token`` sends that one instead of the session's;
        ``allow_relogin=False`` turns a 401 into :class:`AuthenticationError` at once;
        ``custom_tag`` is named by :class:`OrderSubmissionUncertainError`.
        """
        call = _Call(endpoint, body, idempotent, auth, token, allow_relogin, custom_tag)
        started = time.monotonic()
        try:
            answer = await self._send_handling_auth(call)
        except (ConnectionError, OrderSubmissionUncertainError) as exc:
            self.health.record_operation(False, time.monotonic() - started, error=str(exc))
            raise
        except APIError as exc:
            # the Gateway failing (5xx) is the component's health; a 4xx/429 is the caller's
            failed = exc.status is not None and exc.status >= 500
            self.health.record_operation(not failed, time.monotonic() - started, error=str(exc))
            raise
        self.health.record_operation(answer.status < 500, time.monotonic() - started)
        if answer.status == 200:
            return self._envelope(call, answer.raw)
        raise APIError(
            f"{endpoint}: HTTP {answer.status}{_problem_text(answer.raw)}",
            endpoint=endpoint,
            status=answer.status,
        )

    # ---------------------------------------------------------------- layers
    async def _send_handling_auth(self, call: _Call) -> _Answer:
        while True:
            answer = await self._send_handling_rate_limit(call)
            if answer.status != 401:
                return answer
            if not call.auth:
                raise AuthenticationError(f"{call.endpoint}: HTTP 401 (credentials refused)")
            if call.allow_relogin and not call.relogged and answer.token is not None:
                call.relogged = True
                log.info("%s: HTTP 401, logging in again", call.endpoint)
                await self._auth.invalidate_token(answer.token)
                continue
            raise AuthenticationError(f"{call.endpoint}: HTTP 401 (token refused)")

    async def _send_handling_rate_limit(self, call: _Call) -> _Answer:
        while True:
            answer = await self._send_handling_retries(call)
            if answer.status != 429:
                return answer
            call.throttled += 1
            self.stats.throttled += 1
            wait = _retry_after_s(answer.retry_after)
            if wait is None:
                wait = max(1.0, self.retry.delay(min(call.throttled - 1, 8)))
            if wait > self.config.max_retry_after_s or call.throttled > _MAX_THROTTLED:
                raise RateLimitError(
                    f"{call.endpoint}: rate limited (HTTP 429, retry after {wait:.0f} s)",
                    retry_after=wait,
                    endpoint=call.endpoint,
                    status=429,
                )
            log.warning("%s: HTTP 429, pausing %.1f s", call.endpoint, wait)
            self.limits.pause(call.endpoint, wait)

    async def _send_handling_retries(self, call: _Call) -> _Answer:
        endpoint = call.endpoint
        while True:
            try:
                answer = await self._send_single_request(call)
            except _SendError as exc:
                if call.idempotent and self.retry.should_retry(call.retries):
                    await self._backoff(call, exc.kind)
                    continue
                if not exc.sent:
                    raise ConnectionError(
                        f"{endpoint}: cannot reach the Gateway ({exc.kind}); nothing was sent"
                    ) from None
                if call.idempotent:
                    raise ConnectionError(
                        f"{endpoint}: no answer after {call.retries + 1} attempts ({exc.kind})"
                    ) from None
                raise self.uncertain(endpoint, exc.kind, call.custom_tag) from None
            status = answer.status
            if status < 500:
                return answer
            if not call.idempotent:
                raise self.uncertain(endpoint, f"HTTP {status}", call.custom_tag)
            if self.retry.should_retry(call.retries):
                await self._backoff(call, f"HTTP {status}")
                continue
            raise APIError(
                f"{endpoint}: HTTP {status} after {call.retries + 1} attempts",
                endpoint=endpoint,
                status=status,
            )

    async def _send_single_request(self, call: _Call) -> _Answer:
        used: str | None = None
        if call.auth:
            used = call.token if call.token is not None else await self._auth.token_factory()
        await self.limits.acquire(call.endpoint)
        breaker = self.breaker
        breaker.allow()  # raises while open: this attempt is not sent
        self.stats.requests += 1
        try:
            status, retry_after, raw = await self._hooked(call.endpoint, call.body, used)
        except _SendError:
            breaker.record_failure()
            raise
        except BaseException:
            breaker.release()
            raise
        if status >= 500:
            breaker.record_failure()
        else:
            breaker.record_success()
        if 300 <= status < 400:
            # never followed (module docstring): the Location is not even shown
            log.warning("%s: HTTP %d redirect refused", call.endpoint, status)
            raise APIError(
                f"{call.endpoint}: HTTP {status} redirect refused (redirects are never followed)",
                endpoint=call.endpoint,
                status=status,
            )
        return _Answer(status, retry_after, raw, used)

    async def _hooked(
        self, endpoint: str, body: Any, token: str | None
    ) -> tuple[int, str | None, bytes]:
        hooks = tuple(self._hooks)
        for hook in hooks:
            hook.on_request(endpoint)
        status: int | None = None
        try:
            answer = await self._sender(endpoint, body, token)
            status = answer[0]
        finally:
            for hook in hooks:
                hook.on_response(endpoint, status)
        return answer

    # ------------------------------------------------------------- one POST
    async def post(
        self, endpoint: str, body: Any, token: str | None
    ) -> tuple[int, str | None, bytes]:
        """One POST of ``body`` (JSON) to ``endpoint``, redirects not followed."""
        session = self._session()
        url = f"{self.config.api_url}/{endpoint}"
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = orjson.dumps(body)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            async with session.post(url, data=data, headers=headers, allow_redirects=False) as resp:
                raw = await resp.read()
                status = resp.status
                retry_after = resp.headers.get("Retry-After")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise _SendError(type(exc).__name__, sent=False) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _SendError(type(exc).__name__, sent=True) from None
        log.debug(
            "POST %s -> %d (%.1f ms)", endpoint, status, (time.perf_counter() - started) * 1e3
        )
        return status, retry_after, raw

    # -------------------------------------------------------------- outcomes
    def _envelope(self, call: _Call, raw: bytes) -> dict[str, Any]:
        try:
            env = orjson.loads(raw)
        except orjson.JSONDecodeError:
            env = None
        if isinstance(env, dict):
            return env
        endpoint = call.endpoint
        self.anomalies.report(endpoint, "unreadable_answer", "HTTP 200 without a JSON object")
        if not call.idempotent:
            raise self.uncertain(endpoint, "unreadable 200 answer", call.custom_tag)
        raise APIError(f"{endpoint}: answer is not a JSON object", endpoint=endpoint, status=200)

    async def _backoff(self, call: _Call, why: str) -> None:
        delay = self.retry.delay(call.retries)
        self.stats.retries += 1
        log.warning("%s: %s, retry %d in %.2f s", call.endpoint, why, call.retries + 1, delay)
        await asyncio.sleep(delay)
        call.retries += 1

    def uncertain(
        self, endpoint: str, why: str, custom_tag: str | None
    ) -> OrderSubmissionUncertainError:
        """Count and build the error of a mutating call whose outcome is unknown (not resent)."""
        self.stats.uncertain += 1
        tag = custom_tag or ""
        hint = f" reconcile by customTag {tag!r}" if tag else " reconcile with a search"
        log.error("%s: outcome unknown (%s); not resent;%s", endpoint, why, hint)
        return OrderSubmissionUncertainError(
            f"{endpoint}: outcome unknown ({why}); the request was not resent;{hint}",
            custom_tag=tag,
        )


def _retry_after_s(header: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not header:
        return None
    text = header.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        now = time.time() if now is None else now
        return max(0.0, moment.timestamp() - now)
    return value if value >= 0 and value == value else None


def _problem_text(raw: bytes) -> str:
    """A short, redacted summary of an error body (RFC 7807 title/errors)."""
    if not raw:
        return ""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = []
    if isinstance(body.get("title"), str):
        parts.append(body["title"])
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.append("fields: " + ", ".join(str(k) for k in list(errors)[:5]))
    return f" ({redact('; '.join(parts))[:200]})" if parts else ""
