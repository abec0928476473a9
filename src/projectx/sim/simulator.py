"""The in-process Gateway simulator: ``async with Simulator(...) as sim``.

One aiohttp app on ``host:port`` (default 127.0.0.1 and an ephemeral port) serves the REST API
under ``/api``, both hubs under ``/hubs`` and the loopback-only fault admin under ``/_sim``. A pump
task advances the engine's market to the clock's "now" every ``pump_interval_s`` and fans the
resulting events out to market-hub subscribers; exchange events go to user-hub subscribers as
the engine emits them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from projectx.sim.admin import check_bind, new_admin_token
from projectx.sim.auth import TokenAuthority, TokenInfo
from projectx.sim.clock import SimClock
from projectx.sim.contracts import product
from projectx.sim.engine import Engine, build_engine
from projectx.sim.exchange import Exchange
from projectx.sim.faults import Faults, admin_handler
from projectx.sim.hubs import HubConfig, HubKind, HubServer
from projectx.sim.market import MarketSimulator
from projectx.sim.ratelimit import RateLimitConfig, RateLimiter
from projectx.sim.requestlog import RequestLog
from projectx.sim.rest import AppCredentials, RestApi, RestFaultState

__all__ = ["SimConfig", "SimCredentials", "Simulator"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SimCredentials:
    """What a client needs to log in. ``repr`` never shows the secrets."""

    user_name: str
    api_key: str
    app: AppCredentials

    def __repr__(self) -> str:
        return f"SimCredentials(user_name={self.user_name!r}, api_key=***, app=***)"


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything a :class:`Simulator` can be configured with."""

    symbols: tuple[str, ...] = ("MNQ",)
    seed: int = 1
    rate: float = 20.0
    profile: str = "legacy"
    host: str = "127.0.0.1"
    port: int = 0
    token_lifetime_s: float = 86_400.0
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    hub: HubConfig = field(default_factory=HubConfig)
    pump_interval_s: float = 0.01
    user_name: str = "sim.trader"
    api_key: str | None = None
    app_user_name: str = "sim.app"
    app_password: str | None = None
    app_id: str = "00000000-0000-4000-8000-000000000001"
    app_verify_key: str | None = None
    accounts: tuple[dict[str, Any], ...] | None = None
    replay: str | None = None
    admin_token: str | None = None
    """Token of the ``/_sim`` admin surface (default: a random one per simulator)."""
    allow_remote: bool = False
    """Allow a non-loopback ``host`` (refused otherwise; warned about when allowed)."""

    def __post_init__(self) -> None:
        if self.profile not in ("legacy", "extended"):
            raise ValueError(f"profile must be 'legacy' or 'extended', got {self.profile!r}")
        if not self.symbols:
            raise ValueError("at least one symbol is needed")
        for symbol in self.symbols:
            product(symbol)  # UnknownSymbolError (a ValueError) for a symbol not in the table
        if self.rate < 0:
            raise ValueError(f"rate must be >= 0, got {self.rate!r}")
        if self.pump_interval_s <= 0:
            raise ValueError("pump_interval_s must be > 0")
        if self.admin_token is not None and len(self.admin_token) < 16:
            raise ValueError("admin_token must be at least 16 characters")

    def __repr__(self) -> str:
        return (
            f"SimConfig(symbols={self.symbols!r}, seed={self.seed}, rate={self.rate}, "
            f"profile={self.profile!r}, host={self.host!r}, port={self.port})"
        )


class Simulator:
    """A complete local Gateway: REST, both hubs, engine, faults.

    ``Simulator(symbols=["MNQ"], seed=1, rate=20.0, profile="legacy", clock=None, port=0)``;
    any other :class:`SimConfig` field may be passed as a keyword (or pass ``config=``);
    ``engine=`` injects a prebuilt :class:`~projectx.sim.engine.Engine`.
    The engine (``exchange``, ``market``, ``clock``) exists from construction, so users and
    accounts can be added before :meth:`start`.
    """

    def __init__(
        self,
        symbols: Sequence[str] | None = None,
        *,
        seed: int | None = None,
        rate: float | None = None,
        profile: str | None = None,
        clock: SimClock | None = None,
        port: int | None = None,
        host: str | None = None,
        config: SimConfig | None = None,
        engine: Engine | None = None,
        **overrides: Any,
    ) -> None:
        cfg = config or SimConfig()
        given: dict[str, Any] = dict(overrides)
        for key, value in (
            ("symbols", tuple(symbols) if symbols is not None else None),
            ("seed", seed),
            ("rate", rate),
            ("profile", profile),
            ("port", port),
            ("host", host),
        ):
            if value is not None:
                given[key] = value
        self.config = replace(cfg, **given) if given else cfg
        cfg = self.config
        check_bind(cfg.host, cfg.allow_remote)
        #: the ``/_sim`` admin token (send it as ``X-Sim-Admin-Token``)
        self.admin_token = cfg.admin_token or new_admin_token()
        #: every HTTP request this server received (method and path only), oldest first
        self.requests = RequestLog()
        self.credentials = SimCredentials(
            user_name=cfg.user_name,
            api_key=cfg.api_key or secrets.token_urlsafe(24),
            app=AppCredentials(
                user_name=cfg.app_user_name,
                password=cfg.app_password or secrets.token_urlsafe(16),
                app_id=cfg.app_id,
                verify_key=cfg.app_verify_key or secrets.token_urlsafe(16),
            ),
        )
        self._engine: Engine = engine if engine is not None else build_engine(cfg, clock)
        accounts = self._engine.add_user(
            self.credentials.user_name, self.credentials.api_key, cfg.accounts
        )
        # the loginApp user sees the same accounts as the API-key user
        self._engine.add_user(cfg.app_user_name, secrets.token_urlsafe(24), accounts)
        self.auth = TokenAuthority(lifetime_s=cfg.token_lifetime_s)
        self.limiter = RateLimiter(cfg.rate_limits)
        self.hubs = HubServer(
            auth=self.auth, exchange=self.exchange, market=self.market, config=cfg.hub
        )
        self._rest_faults = RestFaultState()
        self.rest = RestApi(
            auth=self.auth,
            limiter=self.limiter,
            exchange=self.exchange,
            faults=self._rest_faults,
            profile=cfg.profile,
            app_credentials=self.credentials.app,
            on_logout=self._on_logout,
        )
        self.faults = Faults(
            hubs=self.hubs,
            rest=self._rest_faults,
            auth=self.auth,
            exchange=self.exchange,
            server=self,
        )
        self._engine.exchange.add_user_event_listener(self.hubs.on_user_event)
        self._runner: web.AppRunner | None = None
        self._port: int = cfg.port
        self._pump_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False

    # ------------------------------------------------------------------ engine
    @property
    def exchange(self) -> Exchange:
        """The engine's ``Exchange`` (accounts, orders, matching)."""
        return self._engine.exchange

    @property
    def market(self) -> MarketSimulator:
        """The engine's ``MarketSimulator``."""
        return self._engine.market

    @property
    def clock(self) -> SimClock:
        """The clock driving market and exchange."""
        return self._engine.clock

    @property
    def contract_ids(self) -> list[str]:
        """Contract ids served, in symbol order."""
        return list(self._engine.contract_ids)

    def add_user(
        self, user_name: str, api_key: str, accounts: Sequence[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Register another user (default: two fresh practice accounts); return its accounts.

        Account dicts take the six TradingAccount keys plus the engine's settings
        (``bracketMode``, ``follower``, ``stopLimit``, ...).
        """
        return self._engine.add_user(user_name, api_key, accounts)

    # ------------------------------------------------------------------- URLs
    @property
    def port(self) -> int:
        """The bound TCP port (after :meth:`start`)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    @property
    def api_url(self) -> str:
        """REST base, e.g. ``http://127.0.0.1:PORT/api``."""
        return self.base_url + "/api"

    @property
    def user_hub_url(self) -> str:
        """User hub URL (``http://``; SignalR clients switch to ``ws://``)."""
        return self.base_url + "/hubs/user"

    @property
    def market_hub_url(self) -> str:
        """Market hub URL."""
        return self.base_url + "/hubs/market"

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"Simulator({state}, url={self.base_url!r}, config={self.config!r})"

    # --------------------------------------------------------------- lifecycle
    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start listening and pumping market data."""
        if self._running:
            return
        await self.start_server()
        self._running = True
        self._pump_task = asyncio.create_task(self._pump(), name="projectx-sim-pump")

    async def close(self) -> None:
        """Stop everything: pump, hub sessions, server, background tasks (all awaited)."""
        self._running = False
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
            self._pump_task = None
        await self.faults.aclose()
        if self._runner is not None:
            await self.hubs.close_all(close_message=True, reason="Server is shutting down.")
            await self._stop_runner()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def start_server(self) -> None:
        """(Re)start the HTTP server on the configured host and the same port as before."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self._port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if self._port == 0:
            self._port = int(runner.addresses[0][1])
        log.info("simulator listening on %s", self.base_url)

    async def stop_server(self) -> None:
        """Kill every hub socket and stop listening (fault: "server down")."""
        self.hubs.abort_all()
        await self._stop_runner()

    async def _stop_runner(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # -------------------------------------------------------------------- pump
    def pump_once(self) -> int:
        """Advance the market to ``clock.now_ns()`` and publish; return records queued."""
        events = self._engine.market.advance(self._engine.clock.now_ns())
        if not events:
            return 0
        return self.hubs.publish_market(events)

    def publish_market(self, events: Sequence[tuple[str, str, Any]]) -> int:
        """Publish pre-built market events ``(target, contract_id, data)`` (burst API)."""
        return self.hubs.publish_market(events)

    async def _pump(self) -> None:
        interval = self.config.pump_interval_s
        loop = asyncio.get_running_loop()
        next_expiry_check = loop.time() + 1.0
        failures = 0
        while True:
            try:
                self.pump_once()
                failures = 0
            except Exception:
                failures += 1
                if failures in (1, 10, 100) or failures % 1000 == 0:
                    log.exception("market pump failed (%d in a row)", failures)
            if loop.time() >= next_expiry_check:
                next_expiry_check = loop.time() + 1.0
                await self.hubs.close_expired()
            await asyncio.sleep(interval)

    # ----------------------------------------------------------------- routing
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests.record(request.method, path)
        low = path.lower()
        if low.startswith("/api/"):
            return await self.rest.handle(request, path[5:])
        if low.startswith("/hubs/"):
            rest = low[6:].strip("/")
            hub, _, tail = rest.partition("/")
            if hub not in ("user", "market") or tail not in ("", "negotiate"):
                return web.Response(status=404)
            kind = HubKind(hub)
            if tail == "negotiate":
                if request.method != "POST":
                    return web.Response(status=405, headers={"Allow": "POST"})
                return await self.hubs.negotiate(request, kind)
            if request.method != "GET":
                return web.Response(status=405, headers={"Allow": "GET"})
            return await self.hubs.websocket(request, kind)
        if low.startswith("/_sim/"):
            return await admin_handler(
                request, self.faults, self._status, path[6:], token=self.admin_token
            )
        return web.Response(status=404)

    def _status(self) -> dict[str, Any]:
        return {
            "port": self._port,
            "connections": {
                "user": len(self.hubs.connections(HubKind.USER)),
                "market": len(self.hubs.connections(HubKind.MARKET)),
            },
        }

    def _on_logout(self, info: TokenInfo) -> None:
        task = asyncio.get_running_loop().create_task(
            self.hubs.close_token(info, "Session logged out.")
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
