"""The ``ProjectX`` REST client (aiohttp + orjson), spec §2-§4, §8, §10.

``async with ProjectX(config) as px:`` logs in (``Auth/loginKey``, or ``Auth/loginApp`` when the
config has an ``app_id``) and exposes every endpoint of spec §4 with typed results.

Request pipeline (one place: :meth:`ProjectX._request`):

1. a fresh token (refreshed through ``Auth/validate`` shortly before its JWT ``exp``; a new login
   when validation fails);
2. a slot from the client-side sliding-window limiter (200/60 s, retrieveBars 50/30 s);
3. the POST; then by outcome:

   * 200 -> the envelope; ``success: false`` becomes a typed error naming the ``errorCode``;
   * 401 -> log in again once and resend once (the server refused the request unprocessed);
   * 429 -> pause the limiter for ``Retry-After`` and resend (the request was not processed);
   * 5xx, timeout, dropped connection -> idempotent calls (searches, bars, login, validate) are
     retried with capped exponential backoff and jitter; mutating calls (place, modify, cancel,
     position closes) are **never** resent: the outcome is unknown, so
     :class:`~projectx.exceptions.OrderSubmissionUncertainError` is raised (with the order's
     ``customTag`` for ``Order/place``). A connection that could not even be opened raises
     :class:`~projectx.exceptions.ConnectionError` (nothing was sent).

Inputs are validated before anything is sent; answers are checked when they arrive
(:mod:`projectx.client.answers`: implausible entities refuse the answer, implausible bars are
dropped, an implausible ``orderId`` makes the placement uncertain), each refusal counted by reason
in :attr:`ProjectX.anomalies`. Tokens and credentials never appear in logs, reprs or exception
messages: every token the client receives is registered with :mod:`projectx.redaction` (and
forgotten on logout and close), so it is scrubbed by value wherever it would appear.

Redirects are never followed (``allow_redirects=False`` on every request): a 3xx answer raises
:class:`~projectx.exceptions.APIError` naming the status only. Following one would re-send the
login body or the bearer token to wherever ``Location`` points, and that target never passed the
https/loopback check of :mod:`projectx.config`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
import orjson
import polars as pl

from projectx.client.answers import (
    ImplausibleOrderIdError,
    checked_account,
    checked_order,
    checked_position,
    checked_trade,
    parse_entities,
    parse_entity,
    place_order_id,
)
from projectx.client.auth import SessionToken
from projectx.client.bars import (
    MAX_BARS_PER_REQUEST,
    BarSpec,
    decode_bars,
    default_start,
    empty_bars,
    format_ns,
    merge_pages,
    resolve_bar_spec,
)
from projectx.client.cache import CacheStats, TTLCache
from projectx.client.contracts import is_contract_id, select_contract, symbol_root
from projectx.client.errors import error_name
from projectx.client.ratelimit import RateLimits
from projectx.client.retry import RetryPolicy
from projectx.config import ProjectXConfig
from projectx.enums import BarUnit, OrderSide, OrderStatus, OrderType
from projectx.exceptions import (
    APIError,
    AuthenticationError,
    ConnectionError,
    OrderRejectedError,
    OrderSubmissionUncertainError,
    ProjectXError,
    RateLimitError,
    ValidationError,
    redact,
)
from projectx.models import Account, Contract, Order, Position, Trade
from projectx.plausibility import AnomalyLog
from projectx.redaction import forget_secret, register_secret
from projectx.validation import (
    Bracket,
    check_account_id,
    check_aware,
    check_contract_id,
    check_custom_tag,
    check_limit,
    check_order_id,
    check_order_prices,
    check_price,
    check_side,
    check_size,
    check_token,
    check_type,
)

__all__ = ["ClientStats", "ProjectX", "new_custom_tag"]

_T = TypeVar("_T")

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MAX_THROTTLED = 30
"""How many 429 answers one call waits through before giving up with ``RateLimitError``."""
_PLACE_PENDING = 6
"""PlaceOrderErrorCode ``OrderPending`` (spec §3.3): outcome not final, so not a rejection."""
_ORDER_ENDPOINTS = frozenset({"order/place", "order/modify", "order/cancel"})
_tag_counter = itertools.count(1)


def _to_ns(moment: datetime) -> int:
    return ((moment - _EPOCH) // _US) * 1000


def new_custom_tag() -> str:
    """A unique client tag: ``px-<16 hex random>-<process counter>``."""
    return f"px-{secrets.token_hex(8)}-{next(_tag_counter)}"


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


class _SendError(Exception):
    """Transport failure; ``sent`` is False only when the connection could not be opened."""

    def __init__(self, kind: str, *, sent: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.sent = sent


class ProjectX:
    """Async REST client of the ProjectX Gateway.

    ``ProjectX(config)`` or ``ProjectX.from_env()``; use as ``async with`` (logs in on entry,
    closes its HTTP session on exit). Methods that act on an account take ``account_id``; when
    omitted the selected account is used (see :meth:`select_account`; by default the one named
    ``config.account_name``, else the first that can trade). Contract arguments accept a
    :class:`~projectx.models.Contract`, a contract id (``CON.F.US.MNQ.Z25``) or a product root
    (``"MNQ"``: the front month).
    """

    def __init__(
        self,
        config: ProjectXConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        rate_limit_margin_s: float = 0.5,
    ) -> None:
        if not isinstance(config, ProjectXConfig):
            raise ValidationError("ProjectX needs a ProjectXConfig")
        self.config = config
        self._session = session
        self._own_session = session is None
        self.limits = RateLimits(
            general_limit=config.general_limit,
            general_window_s=config.general_window_s,
            bars_limit=config.bars_limit,
            bars_window_s=config.bars_window_s,
            margin_s=rate_limit_margin_s,
        )
        self.retry = retry or RetryPolicy(
            max_retries=config.max_retries,
            base_s=config.backoff_base_s,
            max_s=config.backoff_max_s,
        )
        self.stats = ClientStats()
        #: REST answers (or parts of them) refused as implausible, by reason
        self.anomalies = AnomalyLog("rest")
        self._token: SessionToken | None = None
        self._token_lock = asyncio.Lock()
        self._contracts: TTLCache[str, Contract] = TTLCache(config.cache_ttl_s)
        self._searches: TTLCache[tuple[str, bool], list[Contract]] = TTLCache(config.cache_ttl_s)
        self._resolved: TTLCache[tuple[str, bool], Contract] = TTLCache(config.cache_ttl_s)
        self._available: TTLCache[bool, list[Contract]] = TTLCache(config.cache_ttl_s)
        self._account: Account | None = None
        self._closed = False
        self._known_tokens: set[str] = set()

    @classmethod
    def from_env(cls, **overrides: Any) -> ProjectX:
        """A client configured from ``PROJECT_X_*`` environment variables (plus ``overrides``)."""
        return cls(ProjectXConfig.from_env(**overrides))

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("logged in" if self._token else "not logged in")
        account = self._account.name if self._account else None
        return (
            f"ProjectX({state}, environment={self.config.environment!r}, "
            f"api_url={self.config.api_url!r}, user={self.config.username!r}, account={account!r})"
        )

    # ------------------------------------------------------------- lifecycle
    async def __aenter__(self) -> ProjectX:
        try:
            await self.connect()
        except BaseException:
            await self.close()  # no leaked session when the login fails
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the HTTP session and log in."""
        self.config.require_credentials()
        self._ensure_session()
        await self.token_factory()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ProjectXError("this ProjectX client is closed")
        if self._session is None or self._session.closed:
            cfg = self.config
            connector = aiohttp.TCPConnector(
                ssl=cfg.verify_tls, limit=max(16, cfg.max_concurrency * 2)
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=cfg.request_timeout_s, connect=cfg.connect_timeout_s
                ),
            )
            self._own_session = True
        return self._session

    @property
    def http_session(self) -> aiohttp.ClientSession:
        """The aiohttp session (shared with hub connections if they want it)."""
        return self._ensure_session()

    async def close(self) -> None:
        """Close the HTTP session (if owned). Does not log out; see :meth:`logout`."""
        if self._closed:
            return
        self._closed = True
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()
        for value in self._known_tokens:
            forget_secret(value)
        self._known_tokens.clear()

    # ------------------------------------------------------------------ auth
    @property
    def token(self) -> str | None:
        """The current bearer token (may be near expiry; prefer :meth:`token_factory`)."""
        return self._token.value if self._token else None

    @property
    def token_expires_at(self) -> float | None:
        """Unix time the current token expires, if logged in."""
        return self._token.expires_at if self._token else None

    async def token_factory(self) -> str:
        """A valid token: refreshed (``Auth/validate``) or re-obtained (login) when needed.

        Pass this coroutine function to hub connections: they call it on every connect.
        """
        tok = self._token
        margin = self.config.token_refresh_margin_s
        if tok is not None and not tok.needs_refresh(margin):
            return tok.value
        async with self._token_lock:
            tok = self._token
            if tok is None:
                await self._login()
            elif tok.needs_refresh(margin):
                await self._refresh(tok)
            assert self._token is not None
            return self._token.value

    async def _login(self) -> None:
        cfg = self.config
        cfg.require_credentials()
        if cfg.uses_app_login:
            assert cfg.password is not None and cfg.verify_key is not None
            endpoint = "Auth/loginApp"
            body: dict[str, Any] = {
                "userName": cfg.username,
                "password": cfg.password.get(),
                "deviceId": cfg.device_id,
                "appId": cfg.app_id,
                "verifyKey": cfg.verify_key.get(),
            }
        else:
            assert cfg.api_key is not None
            endpoint = "Auth/loginKey"
            body = {"userName": cfg.username, "apiKey": cfg.api_key.get()}
        env = await self._request(endpoint, body, idempotent=True, auth=False)
        token = env.get("token")
        if env.get("success") is not True or not isinstance(token, str) or not token:
            code = _code(env)
            message = env.get("errorMessage")
            detail = f": {redact(str(message))}" if message else ""
            reason = error_name(endpoint, code)
            raise AuthenticationError(
                f"{endpoint} refused for user {cfg.username!r}: {reason}{detail}"
            )
        self._token = self._accept_token(token, endpoint)
        self.stats.logins += 1
        log.info("logged in as %r (token valid %.0f s)", cfg.username, self._token.lifetime_s)

    async def _refresh(self, tok: SessionToken) -> None:
        if tok.expired():
            await self._login()
            return
        try:
            env = await self._request(
                "Auth/validate", None, idempotent=True, token=tok.value, allow_relogin=False
            )
        except (AuthenticationError, APIError) as exc:
            log.warning("token validation failed (%s); logging in again", type(exc).__name__)
            await self._login()
            return
        new = env.get("newToken")
        if env.get("success") is True and isinstance(new, str) and new:
            self._token = self._accept_token(new, "Auth/validate")
            self.stats.refreshes += 1
            log.debug("token refreshed (valid %.0f s)", self._token.lifetime_s)
        else:
            log.warning(
                "Auth/validate answered %s; logging in again",
                error_name("Auth/validate", _code(env)),
            )
            await self._login()

    def _accept_token(self, value: str, endpoint: str) -> SessionToken:
        """Register a token the server issued (redaction by value); refuse one that cannot
        travel in an HTTP header (CR/LF, spaces, non-ASCII)."""
        register_secret(value)
        self._known_tokens.add(value)
        try:
            check_token(value)
        except ValidationError:
            raise AuthenticationError(
                f"{endpoint} answered a token that cannot be sent in a header"
            ) from None
        return SessionToken.parse(value)

    async def invalidate_token(self, rejected: str) -> None:
        """A server refused ``rejected`` (e.g. a 401 at a hub upgrade): log in again unless the
        token was already renewed. Hub connections call this before their next attempt."""
        await self._relogin(rejected)

    async def _relogin(self, failed: str) -> None:
        async with self._token_lock:
            current = self._token
            if current is not None and current.value != failed:
                return  # another call already renewed it
            self.stats.relogins += 1
            await self._login()

    async def logout(self) -> None:
        """``Auth/logout``: revoke the current token (a later call logs in again)."""
        tok = self._token
        if tok is None:
            return
        env = await self._request(
            "Auth/logout", None, idempotent=True, token=tok.value, allow_relogin=False
        )
        self._token = None
        if tok.value in self._known_tokens:
            self._known_tokens.discard(tok.value)
            forget_secret(tok.value)
        _check(env, "Auth/logout")

    # ------------------------------------------------------------- transport
    async def _send(
        self, endpoint: str, body: Any, token: str | None
    ) -> tuple[int, str | None, bytes]:
        session = self._ensure_session()
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

    async def _request(
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
        """Send one call through the pipeline (module docstring); return the JSON envelope."""
        retries = 0
        throttled = 0
        relogged = False
        while True:
            used: str | None = None
            if auth:
                used = token if token is not None else await self.token_factory()
            await self.limits.acquire(endpoint)
            self.stats.requests += 1
            try:
                status, retry_after, raw = await self._send(endpoint, body, used)
            except _SendError as exc:
                if not exc.sent:
                    if idempotent and self.retry.should_retry(retries):
                        await self._backoff(endpoint, retries, exc.kind)
                        retries += 1
                        continue
                    raise ConnectionError(
                        f"{endpoint}: cannot reach the Gateway ({exc.kind}); nothing was sent"
                    ) from None
                if idempotent:
                    if self.retry.should_retry(retries):
                        await self._backoff(endpoint, retries, exc.kind)
                        retries += 1
                        continue
                    raise ConnectionError(
                        f"{endpoint}: no answer after {retries + 1} attempts ({exc.kind})"
                    ) from None
                raise self._uncertain(endpoint, exc.kind, custom_tag) from None

            if status == 200:
                try:
                    env = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    env = None
                if isinstance(env, dict):
                    return env
                self.anomalies.report(
                    endpoint, "unreadable_answer", "HTTP 200 without a JSON object"
                )
                if not idempotent:
                    raise self._uncertain(endpoint, "unreadable 200 answer", custom_tag)
                raise APIError(
                    f"{endpoint}: answer is not a JSON object", endpoint=endpoint, status=200
                )
            if 300 <= status < 400:
                # never followed (module docstring): the Location is not even shown
                log.warning("%s: HTTP %d redirect refused", endpoint, status)
                raise APIError(
                    f"{endpoint}: HTTP {status} redirect refused (redirects are never followed)",
                    endpoint=endpoint,
                    status=status,
                )
            if status == 401 and not auth:
                raise AuthenticationError(f"{endpoint}: HTTP 401 (credentials refused)")
            if status == 401 and auth:
                if allow_relogin and not relogged and used is not None:
                    relogged = True
                    log.info("%s: HTTP 401, logging in again", endpoint)
                    await self._relogin(used)
                    continue
                raise AuthenticationError(f"{endpoint}: HTTP 401 (token refused)")
            if status == 429:
                throttled += 1
                self.stats.throttled += 1
                wait = _retry_after_s(retry_after)
                if wait is None:
                    wait = max(1.0, self.retry.delay(min(throttled - 1, 8)))
                if wait > self.config.max_retry_after_s or throttled > _MAX_THROTTLED:
                    raise RateLimitError(
                        f"{endpoint}: rate limited (HTTP 429, retry after {wait:.0f} s)",
                        retry_after=wait,
                        endpoint=endpoint,
                        status=429,
                    )
                log.warning("%s: HTTP 429, pausing %.1f s", endpoint, wait)
                self.limits.pause(endpoint, wait)
                continue
            if status >= 500:
                if not idempotent:
                    raise self._uncertain(endpoint, f"HTTP {status}", custom_tag)
                if self.retry.should_retry(retries):
                    await self._backoff(endpoint, retries, f"HTTP {status}")
                    retries += 1
                    continue
                raise APIError(
                    f"{endpoint}: HTTP {status} after {retries + 1} attempts",
                    endpoint=endpoint,
                    status=status,
                )
            raise APIError(
                f"{endpoint}: HTTP {status}{_problem_text(raw)}", endpoint=endpoint, status=status
            )

    async def _backoff(self, endpoint: str, attempt: int, why: str) -> None:
        delay = self.retry.delay(attempt)
        self.stats.retries += 1
        log.warning("%s: %s, retry %d in %.2f s", endpoint, why, attempt + 1, delay)
        await asyncio.sleep(delay)

    def _uncertain(
        self, endpoint: str, why: str, custom_tag: str | None
    ) -> OrderSubmissionUncertainError:
        self.stats.uncertain += 1
        tag = custom_tag or ""
        hint = f" reconcile by customTag {tag!r}" if tag else " reconcile with a search"
        log.error("%s: outcome unknown (%s); not resent;%s", endpoint, why, hint)
        return OrderSubmissionUncertainError(
            f"{endpoint}: outcome unknown ({why}); the request was not resent;{hint}",
            custom_tag=tag,
        )

    # -------------------------------------------------------------- accounts
    async def list_accounts(self, *, only_active: bool = True) -> list[Account]:
        """``Account/search`` (never cached: balances change)."""
        if not isinstance(only_active, bool):
            raise ValidationError("only_active must be a bool")
        env = await self._request(
            "Account/search", {"onlyActiveAccounts": only_active}, idempotent=True
        )
        return parse_entities(
            _check(env, "Account/search"),
            "accounts",
            checked_account,
            "Account/search",
            self.anomalies,
        )

    async def select_account(self, name: str | None = None) -> Account:
        """Select (and return) the account named ``name`` (case-insensitive); default
        ``config.account_name``, else the first account that can trade."""
        wanted = name if name is not None else self.config.account_name
        accounts = await self.list_accounts(only_active=True)
        if wanted is not None:
            if not isinstance(wanted, str) or not wanted.strip():
                raise ValidationError("account name must be a non-empty str")
            low = wanted.strip().lower()
            match = [a for a in accounts if (a.name or "").lower() == low]
            if not match:
                raise ValidationError(f"no active account named {wanted!r}")
            chosen = match[0]
        else:
            tradable = [a for a in accounts if a.can_trade]
            if not (tradable or accounts):
                raise ValidationError("the user has no active account")
            chosen = (tradable or accounts)[0]
        self._account = chosen
        return chosen

    @property
    def account(self) -> Account | None:
        """The selected account, if any."""
        return self._account

    async def _account_id(self, account_id: int | None) -> int:
        if account_id is not None:
            return check_account_id(account_id)
        if self._account is None:
            await self.select_account()
        assert self._account is not None
        return self._account.id

    # ------------------------------------------------------------- contracts
    def _live(self, live: bool | None) -> bool:
        if live is None:
            return self.config.live
        if not isinstance(live, bool):
            raise ValidationError("live must be a bool")
        return live

    async def search_contracts(self, text: str, *, live: bool | None = None) -> list[Contract]:
        """``Contract/search`` (cached for ``config.cache_ttl_s``)."""
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("search text must be a non-empty str")
        is_live = self._live(live)
        key = (text.strip().lower(), is_live)

        async def load() -> list[Contract]:
            env = await self._request(
                "Contract/search", {"searchText": text.strip(), "live": is_live}, idempotent=True
            )
            found = _parse_list(
                _check(env, "Contract/search"), "contracts", Contract.from_wire, "Contract/search"
            )
            for c in found:
                self._contracts.put(c.id, c)
            return found

        return list(await self._searches.get_or_load(key, load))

    async def get_contract_by_id(self, contract_id: str) -> Contract:
        """``Contract/searchById`` (cached). Unknown id -> :class:`ValidationError`."""
        cid = check_contract_id(contract_id)

        async def load() -> Contract:
            env = await self._request(
                "Contract/searchById",
                {"contractId": cid, "live": self.config.live},
                idempotent=True,
            )
            if env.get("success") is not True and _code(env) == 1:
                raise ValidationError(f"unknown contract {cid!r}")
            _check(env, "Contract/searchById")
            raw = env.get("contract")
            if raw is None and isinstance(env.get("contracts"), list) and env["contracts"]:
                raw = env["contracts"][0]  # older docs shape
            if raw is None:
                raise ValidationError(f"unknown contract {cid!r}")
            return _parse_one(raw, Contract.from_wire, "Contract/searchById")

        return await self._contracts.get_or_load(cid, load)

    async def available_contracts(self, *, live: bool | None = None) -> list[Contract]:
        """``Contract/available`` (cached)."""
        is_live = self._live(live)

        async def load() -> list[Contract]:
            env = await self._request("Contract/available", {"live": is_live}, idempotent=True)
            found = _parse_list(
                _check(env, "Contract/available"),
                "contracts",
                Contract.from_wire,
                "Contract/available",
            )
            for c in found:
                self._contracts.put(c.id, c)
            return found

        return list(await self._available.get_or_load(is_live, load))

    async def resolve_contract(
        self, symbol: str | Contract, *, live: bool | None = None
    ) -> Contract:
        """A contract from a :class:`Contract`, a contract id, an exact name (``MNQZ5``) or a
        product root (``MNQ``: the front month). Unknown -> :class:`ValidationError`."""
        if isinstance(symbol, Contract):
            return symbol
        if not isinstance(symbol, str) or not symbol.strip():
            raise ValidationError(f"contract must be a Contract or a non-empty str, got {symbol!r}")
        text = symbol.strip()
        if is_contract_id(text):
            return await self.get_contract_by_id(text)
        is_live = self._live(live)

        async def load() -> Contract:
            root = symbol_root(text)
            candidates = await self.search_contracts(root, live=is_live)
            if root.lower() != text.lower():
                candidates += await self.search_contracts(text, live=is_live)
            chosen = select_contract(text, candidates)
            if chosen is None:
                raise ValidationError(f"unknown symbol {text!r}")
            return chosen

        return await self._resolved.get_or_load((text.upper(), is_live), load)

    async def _contract_id(self, contract: str | Contract) -> str:
        if isinstance(contract, Contract):
            return contract.id
        if isinstance(contract, str) and is_contract_id(contract.strip()):
            return contract.strip()
        return (await self.resolve_contract(contract)).id

    @property
    def cache_stats(self) -> dict[str, CacheStats]:
        """Hit/miss counters of the static-data caches."""
        return {
            "contracts": self._contracts.stats,
            "searches": self._searches.stats,
            "resolved": self._resolved.stats,
            "available": self._available.stats,
        }

    def stats_snapshot(self) -> dict[str, Any]:
        """Counters for the stats layer: calls, retries, 429s, logins/refreshes, caches, limits."""
        st = self.stats
        limits = {}
        for lim in (self.limits.general, self.limits.bars):
            limits[lim.name] = {
                "limit": lim.limit,
                "window_s": lim.window_s,
                "in_use": lim.in_use(),
                "acquired": lim.acquired,
                "waits": lim.waits,
                "waited_s": round(lim.waited_s, 3),
            }
        return {
            "requests": st.requests,
            "retries": st.retries,
            "throttled": st.throttled,
            "logins": st.logins,
            "refreshes": st.refreshes,
            "relogins": st.relogins,
            "uncertain": st.uncertain,
            "token_expires_at": self.token_expires_at,
            "caches": {
                name: {"hits": c.hits, "misses": c.misses, "size": c.size}
                for name, c in self.cache_stats.items()
            },
            "limits": limits,
        }

    def clear_cache(self) -> None:
        """Forget all cached static data."""
        for cache in (self._contracts, self._searches, self._resolved, self._available):
            cache.invalidate()

    # ------------------------------------------------------------------ bars
    async def get_bars(
        self,
        contract: str | Contract,
        timeframe: str | None = None,
        *,
        unit: BarUnit | int | None = None,
        unit_number: int = 1,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
        include_partial: bool = False,
        live: bool | None = None,
    ) -> pl.DataFrame:
        """Historical bars as a polars frame (``ts`` Datetime("ns","UTC"), ``open/high/low/close``
        float64, ``volume`` int64), ascending, without duplicate timestamps.

        Give a ``timeframe`` (``"5min"``, ``"1hr"``, ``"1day"``...; default ``"1min"``) or
        ``unit`` + ``unit_number``. ``start``/``end`` must be tz-aware (``end`` defaults to
        now). ``limit`` keeps the most recent bars. Windows holding more than 20,000 bars are
        paged (newest page first) until ``start`` or ``limit`` is reached. Without ``start`` a
        ``limit`` is required.
        """
        if timeframe is None and unit is None:
            timeframe = "1min"
        spec = resolve_bar_spec(timeframe, unit, unit_number)
        end_dt = check_aware(end, "end") if end is not None else datetime.now(UTC)
        if limit is not None:
            limit = check_limit(limit)
        if start is None:
            if limit is None:
                raise ValidationError("get_bars needs start or limit")
            start_dt = default_start(end_dt, spec, limit)
        else:
            start_dt = check_aware(start, "start")
        if start_dt >= end_dt:
            raise ValidationError("start must be before end")
        if not isinstance(include_partial, bool):
            raise ValidationError("include_partial must be a bool")
        is_live = self._live(live)
        cid = await self._contract_id(contract)
        return await self._fetch_bars(
            cid, spec, _to_ns(start_dt), _to_ns(end_dt), limit, include_partial, is_live
        )

    async def _fetch_bars(
        self,
        cid: str,
        spec: BarSpec,
        start_ns: int,
        end_ns: int,
        limit: int | None,
        include_partial: bool,
        live: bool,
    ) -> pl.DataFrame:
        endpoint = "History/retrieveBars"
        cap = MAX_BARS_PER_REQUEST
        pages: list[pl.DataFrame] = []
        total = 0
        cur_end = end_ns
        start_text = format_ns(start_ns)
        while True:
            want = cap if limit is None else min(cap, limit - total)
            body = {
                "contractId": cid,
                "live": live,
                "startTime": start_text,
                "endTime": format_ns(cur_end),
                "unit": int(spec.unit),
                "unitNumber": spec.unit_number,
                "limit": want,
                "includePartialBar": include_partial,
            }
            env = await self._request(endpoint, body, idempotent=True)
            if env.get("success") is not True and _code(env) == 1:
                raise ValidationError(f"unknown contract {cid!r}")
            _check(env, endpoint)
            raw = env.get("bars") or []
            if not isinstance(raw, list):
                raise APIError(f"{endpoint}: 'bars' is not a list", endpoint=endpoint, status=200)
            if not raw:
                break
            try:
                frame, dropped, oldest = decode_bars(raw, endpoint)
            except APIError as exc:
                self.anomalies.report(endpoint, "malformed", str(exc), contract_id=cid)
                raise
            for reason, n in dropped.items():
                self.anomalies.report(
                    endpoint, reason, f"{n} bar(s) of {cid} dropped", count=n, contract_id=cid
                )
            assert oldest is not None
            ts = frame["ts"].dt.epoch("ns")
            # keep [start, end) exactly, whatever the server's boundary inclusivity
            inside = frame.filter((ts >= start_ns) & (ts < cur_end))
            if inside.height:
                pages.append(inside)
                total += inside.height
            if len(raw) < want or (limit is not None and total >= limit):
                break
            if oldest <= start_ns:
                break
            # next page ends at the oldest bar seen; a server that includes ``end`` may have sent
            # only the boundary bar, so step one nanosecond back then to make progress
            cur_end = oldest if oldest < cur_end else cur_end - 1
        if not pages:
            return empty_bars()
        return merge_pages(pages, limit)

    async def get_bars_many(
        self,
        contracts: Iterable[str | Contract],
        timeframe: str | None = None,
        *,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> dict[str, pl.DataFrame]:
        """:meth:`get_bars` for several contracts at once (at most ``max_concurrency`` in
        flight, default ``config.max_concurrency``); keyed by contract id."""
        items = list(contracts)
        limit = self.config.max_concurrency if max_concurrency is None else max_concurrency
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError("max_concurrency must be an int >= 1")
        ids = [await self._contract_id(c) for c in items]
        if len(set(ids)) != len(ids):
            raise ValidationError("get_bars_many: the same contract was given twice")
        gate = asyncio.Semaphore(limit)
        results: dict[str, pl.DataFrame] = {}

        async def one(cid: str) -> None:
            async with gate:
                results[cid] = await self.get_bars(cid, timeframe, **kwargs)

        try:
            async with asyncio.TaskGroup() as group:
                for cid in ids:
                    group.create_task(one(cid))
        except BaseExceptionGroup as group_error:
            # the others were cancelled; surface the first real error, not a group
            first = group_error.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        return {cid: results[cid] for cid in ids}

    # ---------------------------------------------------------------- orders
    async def search_orders(
        self, start: datetime, end: datetime | None = None, *, account_id: int | None = None
    ) -> list[Order]:
        """``Order/search``: orders created in ``[start, end)`` (all statuses)."""
        body: dict[str, Any] = {"startTimestamp": check_aware(start, "start").isoformat()}
        body["endTimestamp"] = check_aware(end, "end").isoformat() if end is not None else None
        body = {"accountId": await self._account_id(account_id), **body}
        env = await self._request("Order/search", body, idempotent=True)
        return parse_entities(
            _check(env, "Order/search"),
            "orders",
            checked_order,
            "Order/search",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def search_open_orders(self, *, account_id: int | None = None) -> list[Order]:
        """``Order/searchOpen``: working orders."""
        body = {"accountId": await self._account_id(account_id)}
        env = await self._request("Order/searchOpen", body, idempotent=True)
        return parse_entities(
            _check(env, "Order/searchOpen"),
            "orders",
            checked_order,
            "Order/searchOpen",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def get_order(
        self,
        order_id: int,
        *,
        account_id: int | None = None,
        lookback: timedelta = timedelta(days=7),
    ) -> Order | None:
        """One order by id: ``Order/searchById`` where the server has it, else open orders and
        ``Order/search`` over ``lookback``. ``None`` when not found."""
        oid = check_order_id(order_id)
        aid = await self._account_id(account_id)
        try:
            env = await self._request(
                "Order/searchById", {"accountId": aid, "orderId": oid}, idempotent=True
            )
        except APIError as exc:
            if exc.status not in (404, 405):
                raise
        else:
            if env.get("success") is not True and _code(env) == 1:
                return None
            raw = _check(env, "Order/searchById").get("order")
            if raw is None:
                return None
            return parse_entity(
                raw, checked_order, "Order/searchById", self.anomalies, account_id=aid
            )
        for order in await self.search_open_orders(account_id=aid):
            if order.id == oid:
                return order
        since = datetime.now(UTC) - lookback
        for order in await self.search_orders(since, account_id=aid):
            if order.id == oid:
                return order
        return None

    async def query_orders(
        self,
        *,
        statuses: Iterable[OrderStatus | int] | None = None,
        contract: str | Contract | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 100,
        account_id: int | None = None,
    ) -> list[Order]:
        """``Order/v2/query`` (later API revision), all pages, oldest first. Unlike
        ``searchOpen`` it can return suspended bracket children (``statuses=[1, 8]``)."""
        size = check_limit(page_size, "page_size")
        flt: dict[str, Any] = {"accountId": await self._account_id(account_id)}
        if statuses is not None:
            wanted = []
            for st in statuses:
                try:
                    wanted.append(int(OrderStatus(st)))
                except ValueError:
                    raise ValidationError(f"unknown order status {st!r}") from None
            flt["statuses"] = wanted
        if contract is not None:
            flt["contractId"] = await self._contract_id(contract)
        if created_after is not None:
            flt["createdAfter"] = check_aware(created_after, "created_after").isoformat()
        if created_before is not None:
            flt["createdBefore"] = check_aware(created_before, "created_before").isoformat()
        out: list[Order] = []
        offset = 0
        while True:
            body = {
                "filter": flt,
                "pageSize": size,
                "pageOffset": offset,
                "sortBy": 0,
                "sortDirection": 0,
                "includeTotalCount": False,
            }
            env = await self._request("Order/v2/query", body, idempotent=True)
            page = parse_entities(
                _check(env, "Order/v2/query"),
                "orders",
                checked_order,
                "Order/v2/query",
                self.anomalies,
                account_id=flt["accountId"],
            )
            out.extend(page)
            if len(page) < size:
                return out
            offset += len(page)

    async def find_orders_by_tag(
        self, custom_tag: str, *, since: datetime | None = None, account_id: int | None = None
    ) -> list[Order]:
        """Orders carrying ``custom_tag`` created since ``since`` (default: 1 day ago) — the way
        to reconcile after :class:`OrderSubmissionUncertainError`."""
        tag = check_custom_tag(custom_tag)
        start = since if since is not None else datetime.now(UTC) - timedelta(days=1)
        orders = await self.search_orders(start, account_id=account_id)
        return [o for o in orders if o.custom_tag == tag]

    async def place_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        order_type: OrderType | int | str = OrderType.MARKET,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        custom_tag: str | None = None,
        stop_loss: Bracket | tuple[int, OrderType | int | str] | None = None,
        take_profit: Bracket | tuple[int, OrderType | int | str] | None = None,
        account_id: int | None = None,
    ) -> int:
        """``Order/place``; returns the order id only on success.

        A rejection raises :class:`OrderRejectedError` (``error_code``, message and the
        ``order_id`` the server may still have assigned). Every order carries a unique
        ``customTag`` (generated when not given). The call is sent once: if the outcome is
        unknown (timeout, dropped connection, 5xx) :class:`OrderSubmissionUncertainError` is
        raised with that tag, to reconcile with :meth:`find_orders_by_tag`.
        """
        side_ = check_side(side)
        type_ = check_type(order_type)
        size_ = check_size(size)
        tag = check_custom_tag(custom_tag) if custom_tag is not None else new_custom_tag()
        sl = _bracket(stop_loss, "stop_loss")
        tp = _bracket(take_profit, "take_profit")
        given = {"limit_price": limit_price, "stop_price": stop_price, "trail_price": trail_price}
        for name, value in given.items():
            if value is not None:
                check_price(value, name)
        check_order_prices(type_, None, **given)
        aid = await self._account_id(account_id)
        contract_ = await self.resolve_contract(contract)
        prices = check_order_prices(type_, contract_, **given)
        body = {
            "accountId": aid,
            "contractId": contract_.id,
            "type": int(type_),
            "side": int(side_),
            "size": size_,
            "limitPrice": prices["limit_price"],
            "stopPrice": prices["stop_price"],
            "trailPrice": prices["trail_price"],
            "customTag": tag,
            "stopLossBracket": sl.to_wire() if sl else None,
            "takeProfitBracket": tp.to_wire() if tp else None,
        }
        env = await self._request("Order/place", body, idempotent=False, custom_tag=tag)
        raw_id = env.get("orderId")
        order_id, id_problem = place_order_id(raw_id)
        shown = repr(raw_id)[:40]
        if id_problem is not None:
            self.anomalies.report("Order/place", id_problem, f"orderId {shown}", custom_tag=tag)
        if env.get("success") is not True and _code(env) == _PLACE_PENDING:
            # "OrderPending": the Gateway is still processing it; it may yet be accepted
            raise self._uncertain("Order/place", f"OrderPending, orderId {order_id}", tag)
        _check(env, "Order/place", order_id=order_id)  # a rejection keeps only a real id
        if id_problem is not None:
            self.stats.uncertain += 1
            log.error("Order/place: success with orderId %s; reconcile by customTag %s", shown, tag)
            raise ImplausibleOrderIdError(
                f"Order/place: success with an implausible orderId {shown} ({id_problem}); "
                f"outcome unknown, not resent; reconcile by customTag {tag!r}",
                custom_tag=tag,
                reason=id_problem,
            )
        if order_id is None:
            raise self._uncertain("Order/place", "success without an orderId", tag)
        log.info(
            "order %d placed (%s %s x%d, tag %s)", order_id, type_.name, side_.name, size_, tag
        )
        return order_id

    async def place_market_order(
        self, contract: str | Contract, side: OrderSide | int | str, size: int, **kw: Any
    ) -> int:
        """A market order (see :meth:`place_order`)."""
        return await self.place_order(contract, side, size, OrderType.MARKET, **kw)

    async def place_limit_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        limit_price: float,
        **kw: Any,
    ) -> int:
        """A limit order at ``limit_price`` (on the tick grid)."""
        return await self.place_order(
            contract, side, size, OrderType.LIMIT, limit_price=limit_price, **kw
        )

    async def place_stop_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        stop_price: float,
        **kw: Any,
    ) -> int:
        """A stop (market) order triggered at ``stop_price``."""
        return await self.place_order(
            contract, side, size, OrderType.STOP, stop_price=stop_price, **kw
        )

    async def place_trailing_stop_order(
        self,
        contract: str | Contract,
        side: OrderSide | int | str,
        size: int,
        trail_price: float,
        **kw: Any,
    ) -> int:
        """A trailing stop; ``trail_price`` is an absolute price level (spec §4.5.3)."""
        return await self.place_order(
            contract, side, size, OrderType.TRAILING_STOP, trail_price=trail_price, **kw
        )

    async def modify_order(
        self,
        order_id: int,
        *,
        size: int | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        trail_price: float | None = None,
        contract: str | Contract | None = None,
        account_id: int | None = None,
    ) -> None:
        """``Order/modify`` (only the given fields change). Give ``contract`` to have prices
        checked against its tick grid first. Sent once (see :meth:`place_order`)."""
        oid = check_order_id(order_id)
        changes = {"limit_price": limit_price, "stop_price": stop_price, "trail_price": trail_price}
        if size is None and all(v is None for v in changes.values()):
            raise ValidationError("modify_order needs at least one of size/limit/stop/trail price")
        size_ = check_size(size) if size is not None else None
        for name, value in changes.items():
            if value is not None:
                check_price(value, name)
        aid = await self._account_id(account_id)
        if contract is not None:
            contract_ = await self.resolve_contract(contract)
            for name, value in changes.items():
                if value is not None:
                    check_price(value, name, contract_)
        body = {
            "accountId": aid,
            "orderId": oid,
            "size": size_,
            "limitPrice": None if limit_price is None else float(limit_price),
            "stopPrice": None if stop_price is None else float(stop_price),
            "trailPrice": None if trail_price is None else float(trail_price),
        }
        env = await self._request("Order/modify", body, idempotent=False)
        _check(env, "Order/modify", order_id=oid)

    async def cancel_order(self, order_id: int, *, account_id: int | None = None) -> None:
        """``Order/cancel``. Sent once (see :meth:`place_order`)."""
        oid = check_order_id(order_id)
        aid = await self._account_id(account_id)
        env = await self._request(
            "Order/cancel", {"accountId": aid, "orderId": oid}, idempotent=False
        )
        _check(env, "Order/cancel", order_id=oid)

    # ------------------------------------------------------------- positions
    async def search_open_positions(self, *, account_id: int | None = None) -> list[Position]:
        """``Position/searchOpen``."""
        body = {"accountId": await self._account_id(account_id)}
        env = await self._request("Position/searchOpen", body, idempotent=True)
        return parse_entities(
            _check(env, "Position/searchOpen"),
            "positions",
            checked_position,
            "Position/searchOpen",
            self.anomalies,
            account_id=body["accountId"],
        )

    async def close_position(
        self, contract: str | Contract, *, account_id: int | None = None
    ) -> None:
        """``Position/closeContract``: flatten at market. Sent once."""
        aid = await self._account_id(account_id)
        cid = await self._contract_id(contract)
        env = await self._request(
            "Position/closeContract", {"accountId": aid, "contractId": cid}, idempotent=False
        )
        _check(env, "Position/closeContract")

    async def partial_close_position(
        self, contract: str | Contract, size: int, *, account_id: int | None = None
    ) -> None:
        """``Position/partialCloseContract``: take ``size`` contracts off at market. Sent once."""
        size_ = check_size(size)
        aid = await self._account_id(account_id)
        cid = await self._contract_id(contract)
        env = await self._request(
            "Position/partialCloseContract",
            {"accountId": aid, "contractId": cid, "size": size_},
            idempotent=False,
        )
        _check(env, "Position/partialCloseContract")

    # ---------------------------------------------------------------- trades
    async def search_trades(
        self, start: datetime, end: datetime | None = None, *, account_id: int | None = None
    ) -> list[Trade]:
        """``Trade/search``: the account's fills in ``[start, end)``."""
        start_ = check_aware(start, "start").isoformat()
        end_ = check_aware(end, "end").isoformat() if end is not None else None
        aid = await self._account_id(account_id)
        body = {
            "accountId": aid,
            "startTimestamp": start_,
            "endTimestamp": end_,
        }
        env = await self._request("Trade/search", body, idempotent=True)
        return parse_entities(
            _check(env, "Trade/search"),
            "trades",
            checked_trade,
            "Trade/search",
            self.anomalies,
            account_id=aid,
        )

    # ---------------------------------------------------------------- status
    async def ping(self) -> bool:
        """``GET Status/ping``: whether the Gateway answers (no login needed)."""
        session = self._ensure_session()
        await self.limits.acquire("Status/ping")
        self.stats.requests += 1
        try:
            async with session.get(
                f"{self.config.api_url}/Status/ping", allow_redirects=False
            ) as resp:
                await resp.read()
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False


# ------------------------------------------------------------------ helpers
def _code(env: Mapping[str, Any]) -> int | None:
    code = env.get("errorCode")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _check(env: dict[str, Any], endpoint: str, *, order_id: int | None = None) -> dict[str, Any]:
    """Return ``env`` when ``success`` is true; raise the typed error otherwise."""
    if env.get("success") is True:
        return env
    code = _code(env)
    message = env.get("errorMessage")
    text = f"{endpoint} failed: {error_name(endpoint, code)}"
    if message:
        text += f" ({message})"
    if endpoint.lower() in _ORDER_ENDPOINTS:
        raise OrderRejectedError(
            text, order_id=order_id, endpoint=endpoint, status=200, error_code=code
        )
    raise APIError(text, endpoint=endpoint, status=200, error_code=code)


def _parse_list(
    env: Mapping[str, Any], key: str, build: Callable[[Any], _T], endpoint: str
) -> list[_T]:
    raw = env.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise APIError(f"{endpoint}: {key!r} is not a list", endpoint=endpoint, status=200)
    try:
        return [build(item) for item in raw]
    except ValidationError as exc:
        raise APIError(
            f"{endpoint}: malformed item: {exc}", endpoint=endpoint, status=200
        ) from None


def _parse_one(raw: Any, build: Callable[[Any], _T], endpoint: str) -> _T:
    try:
        return build(raw)
    except ValidationError as exc:
        raise APIError(
            f"{endpoint}: malformed payload: {exc}", endpoint=endpoint, status=200
        ) from None


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


def _bracket(value: Any, name: str) -> Bracket | None:
    if value is None or isinstance(value, Bracket):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return Bracket(value[0], value[1])
    if isinstance(value, Mapping) and set(value) == {"ticks", "type"}:
        return Bracket(value["ticks"], value["type"])
    raise ValidationError(f"{name} must be a Bracket, (ticks, type) or {{'ticks','type'}}")
