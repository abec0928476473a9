"""The ``ProjectX`` REST client (aiohttp + orjson), spec §2-§4, §8, §10.

``async with ProjectX(config) as px:`` logs in (``Auth/loginKey``, or ``Auth/loginApp`` when the
config has an ``app_id``) and exposes every endpoint of spec §4 with typed results.

Every call goes through the request pipeline of :mod:`projectx.client.transport` (token, rate
limits, 401 re-login, 429 pauses, retries of idempotent calls, the uncertain outcome of mutating
calls, refused redirects); observers plug in there as a
:class:`~projectx.client.transport.RequestHook` (:meth:`ProjectX.add_request_hook`).

Inputs are validated before anything is sent; answers are checked when they arrive
(:mod:`projectx.client.answers`: implausible entities refuse the answer, implausible bars are
dropped, an implausible ``orderId`` makes the placement uncertain), each refusal counted by reason
in :attr:`ProjectX.anomalies`. Tokens and credentials never appear in logs, reprs or exception
messages: every token the client receives is registered with :mod:`projectx.redaction` (and
forgotten on logout and close), so it is scrubbed by value wherever it would appear.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import polars as pl

from projectx.circuit import CircuitBreaker
from projectx.client.answers import (
    checked_account,
    parse_entities,
)
from projectx.client.auth import SessionToken
from projectx.client.bars import (
    MAX_BARS_PER_REQUEST,
    BarSpec,
    BarWindow,
    default_start,
    fetch_bars,
    resolve_bar_spec,
    to_ns,
)
from projectx.client.cache import CacheStats
from projectx.client.contracts import ContractDirectory, is_contract_id, search_text
from projectx.client.envelope import check_envelope, error_code
from projectx.client.errors import error_name
from projectx.client.ratelimit import RateLimits
from projectx.client.retry import RetryPolicy
from projectx.client.trading import TradingEndpoints, new_custom_tag
from projectx.client.transport import (
    ClientStats,
    RequestHook,
    Transport,
    _retry_after_s,  # noqa: F401  (kept importable from here)
)
from projectx.concurrency import ConcurrentOperationManager
from projectx.config import ProjectXConfig
from projectx.enums import BarUnit
from projectx.exceptions import (
    APIError,
    AuthenticationError,
    ProjectXError,
    ValidationError,
    redact,
)
from projectx.health import ComponentHealth
from projectx.models import Account, Contract
from projectx.plausibility import AnomalyLog
from projectx.redaction import forget_secret, register_secret
from projectx.validation import (
    check_account_id,
    check_aware,
    check_contract_id,
    check_limit,
    check_token,
)

__all__ = ["ClientStats", "ProjectX", "new_custom_tag"]


log = logging.getLogger(__name__)


class ProjectX(TradingEndpoints):
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
        circuit_breaker: CircuitBreaker | None = None,
    ) -> None:
        if not isinstance(config, ProjectXConfig):
            raise ValidationError("ProjectX needs a ProjectXConfig")
        self.config = config
        self._session = session
        self._own_session = session is None
        self.stats = ClientStats()
        #: REST answers (or parts of them) refused as implausible, by reason
        self.anomalies = AnomalyLog("rest")
        if circuit_breaker is not None and not isinstance(circuit_breaker, CircuitBreaker):
            raise ValidationError("circuit_breaker must be a CircuitBreaker")
        self._transport = Transport(
            config,
            breaker=circuit_breaker,
            session=self._ensure_session,
            auth=self,
            limits=RateLimits(
                general_limit=config.general_limit,
                general_window_s=config.general_window_s,
                bars_limit=config.bars_limit,
                bars_window_s=config.bars_window_s,
                margin_s=rate_limit_margin_s,
            ),
            retry=retry
            or RetryPolicy(
                max_retries=config.max_retries,
                base_s=config.backoff_base_s,
                max_s=config.backoff_max_s,
            ),
            stats=self.stats,
            anomalies=self.anomalies,
            sender=self._send,
        )
        self._token: SessionToken | None = None
        self._token_lock = asyncio.Lock()
        self._directory = ContractDirectory(self._idempotent, config.cache_ttl_s)
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
            code = error_code(env)
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
                error_name("Auth/validate", error_code(env)),
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
        check_envelope(env, "Auth/logout")

    # ------------------------------------------------------------- transport
    @property
    def transport(self) -> Transport:
        """The request pipeline (:mod:`projectx.client.transport`)."""
        return self._transport

    def add_request_hook(self, hook: RequestHook) -> None:
        """Call ``hook`` around every HTTP attempt of this client (see :class:`RequestHook`)."""
        self._transport.add_hook(hook)

    def remove_request_hook(self, hook: RequestHook) -> None:
        """Stop calling ``hook``."""
        self._transport.remove_hook(hook)

    @property
    def limits(self) -> RateLimits:
        """The client-side rate limits."""
        return self._transport.limits

    @limits.setter
    def limits(self, value: RateLimits) -> None:
        self._transport.limits = value

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of idempotent calls."""
        return self._transport.retry

    @retry.setter
    def retry(self, value: RetryPolicy) -> None:
        self._transport.retry = value

    async def _send(
        self, endpoint: str, body: Any, token: str | None
    ) -> tuple[int, str | None, bytes]:
        # the single POST; still the pipeline's sender, so subclasses overriding it keep working
        # (new code observes requests with add_request_hook instead)
        return await self._transport.post(endpoint, body, token)

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
        return await self._transport.request(
            endpoint,
            body,
            idempotent=idempotent,
            auth=auth,
            token=token,
            allow_relogin=allow_relogin,
            custom_tag=custom_tag,
        )

    async def _idempotent(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request(endpoint, body, idempotent=True)

    # -------------------------------------------------------------- accounts
    async def list_accounts(self, *, only_active: bool = True) -> list[Account]:
        """``Account/search`` (never cached: balances change)."""
        if not isinstance(only_active, bool):
            raise ValidationError("only_active must be a bool")
        env = await self._request(
            "Account/search", {"onlyActiveAccounts": only_active}, idempotent=True
        )
        return parse_entities(
            check_envelope(env, "Account/search"),
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
        return await self._directory.search(search_text(text), self._live(live))

    async def get_contract_by_id(self, contract_id: str) -> Contract:
        """``Contract/searchById`` (cached). Unknown id -> :class:`ValidationError`."""
        return await self._directory.by_id(check_contract_id(contract_id), self.config.live)

    async def available_contracts(self, *, live: bool | None = None) -> list[Contract]:
        """``Contract/available`` (cached)."""
        return await self._directory.available(self._live(live))

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
        return await self._directory.resolve(text, self._live(live))

    async def _contract_id(self, contract: str | Contract) -> str:
        if isinstance(contract, Contract):
            return contract.id
        if isinstance(contract, str) and is_contract_id(contract.strip()):
            return contract.strip()
        return (await self.resolve_contract(contract)).id

    @property
    def cache_stats(self) -> dict[str, CacheStats]:
        """Hit/miss counters of the static-data caches."""
        return self._directory.stats

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
            "circuit": {
                "state": self.circuit.state.value,
                "consecutive_failures": self.circuit.consecutive_failures,
                "opens": self.circuit.stats.opens,
                "refused": self.circuit.stats.refused,
            },
        }

    @property
    def health(self) -> ComponentHealth:
        """The REST client's component health (recent calls' outcomes and latency)."""
        return self._transport.health

    @property
    def circuit(self) -> CircuitBreaker:
        """The REST circuit breaker (opened by repeated transport failures and HTTP 5xx)."""
        return self._transport.breaker

    def clear_cache(self) -> None:
        """Forget all cached static data."""
        self._directory.clear()

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
            cid, spec, to_ns(start_dt), to_ns(end_dt), limit, include_partial, is_live
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
        window = BarWindow(cid, spec, start_ns, end_ns, limit, include_partial, live)
        return await fetch_bars(self._idempotent, window, self.anomalies, cap=MAX_BARS_PER_REQUEST)

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
        batch = ConcurrentOperationManager(limit)

        def bars_of(cid: str) -> Callable[[], Awaitable[pl.DataFrame]]:
            return lambda: self.get_bars(cid, timeframe, **kwargs)

        frames = await batch.run(bars_of(cid) for cid in ids)
        return dict(zip(ids, frames, strict=True))

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
