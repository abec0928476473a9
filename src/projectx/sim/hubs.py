"""SignalR JSON hub protocol over aiohttp WebSockets: ``/hubs/user`` and ``/hubs/market`` (§7).

* negotiate v0/v1 (``POST /hubs/<hub>/negotiate``) and skip-negotiation upgrades; the token comes
  from ``?access_token=`` or ``Authorization: Bearer`` (a raw token in that header is accepted);
  401 before the upgrade, 404 for an id never negotiated, 409 for a second socket on an id in use;
* handshake ``{"protocol":"json","version":1}`` -> ``{}`` or ``{"error": ...}``; records are
  terminated by 0x1E and may be split across frames or packed several to a frame;
* a Completion for every invocation carrying an ``invocationId`` (errors worded like ASP.NET),
  pings both ways (server ping after ``keepalive_s`` of silence, client dropped after
  ``client_timeout_s`` without a record), Close messages;
* subscriptions of §7.6/§7.7 kept per connection and dropped when it ends; market events are
  ``[contractId, data]``, user events ``{action, data}`` routed by account.

Outbound records are encoded once per event and appended to each subscriber's buffer; one writer
task per connection sends whatever is buffered as one or more TEXT frames.

This module is the server (``HubServer``: negotiation, upgrades, routing, fan-out); one session on
one socket is ``projectx.sim.hub_connection``, the protocol records, hub kinds, timings and fault
knobs are ``projectx.sim.hub_protocol``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from aiohttp import web

from projectx.sim.auth import TokenAuthority, TokenError, TokenInfo
from projectx.sim.hub_connection import HubConnection
from projectx.sim.hub_protocol import (
    RS,
    TRANSPORTS,
    HubConfig,
    HubError,
    HubFaultState,
    HubKind,
    UserEventFaultState,
    encode_invocation,
)
from projectx.sim.rest import bearer_token

__all__ = [
    "RS",
    "HubConfig",
    "HubConnection",
    "HubFaultState",
    "HubKind",
    "HubServer",
    "UserEventFaultState",
]

log = logging.getLogger(__name__)


class ExchangeLike(Protocol):
    """What the hubs need from the engine's ``Exchange``."""

    def handle(self, endpoint: str, user_name: str, body: dict[str, Any]) -> dict[str, Any]: ...


class MarketLike(Protocol):
    """What the hubs need from the engine's ``MarketSimulator``."""

    def depth_snapshot(self, contract_id: str) -> list[dict[str, Any]]: ...

    def full_quote(self, contract_id: str) -> dict[str, Any]: ...


@dataclass(slots=True)
class _Pending:
    kind: HubKind
    created: float
    connection: HubConnection | None = None


def _bind_account(target: str, args: list[Any]) -> int:
    if len(args) != 1:
        raise HubError(f"Failed to invoke '{target}' due to an error on the server.")
    value = args[0]
    if isinstance(value, bool):
        raise HubError(f"Failed to invoke '{target}' due to an error on the server.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    raise HubError(f"Failed to invoke '{target}' due to an error on the server.")


def _bind_contract(target: str, args: list[Any]) -> str | None:
    if len(args) != 1 or not (args[0] is None or isinstance(args[0], str)):
        raise HubError(f"Failed to invoke '{target}' due to an error on the server.")
    return args[0]


_USER_METHODS: dict[str, tuple[str, str | None, bool]] = {
    # lower name -> (canonical name, event target or None for accounts, subscribe?)
    "subscribeaccounts": ("SubscribeAccounts", None, True),
    "unsubscribeaccounts": ("UnsubscribeAccounts", None, False),
    "subscribeorders": ("SubscribeOrders", "GatewayUserOrder", True),
    "unsubscribeorders": ("UnsubscribeOrders", "GatewayUserOrder", False),
    "subscribepositions": ("SubscribePositions", "GatewayUserPosition", True),
    "unsubscribepositions": ("UnsubscribePositions", "GatewayUserPosition", False),
    "subscribetrades": ("SubscribeTrades", "GatewayUserTrade", True),
    "unsubscribetrades": ("UnsubscribeTrades", "GatewayUserTrade", False),
}
_MARKET_METHODS: dict[str, tuple[str, str, bool]] = {
    "subscribecontractquotes": ("SubscribeContractQuotes", "GatewayQuote", True),
    "unsubscribecontractquotes": ("UnsubscribeContractQuotes", "GatewayQuote", False),
    "subscribecontracttrades": ("SubscribeContractTrades", "GatewayTrade", True),
    "unsubscribecontracttrades": ("UnsubscribeContractTrades", "GatewayTrade", False),
    "subscribecontractmarketdepth": ("SubscribeContractMarketDepth", "GatewayDepth", True),
    "unsubscribecontractmarketdepth": ("UnsubscribeContractMarketDepth", "GatewayDepth", False),
}


class HubServer:
    """Both hubs: negotiation, upgrades, sessions, subscriptions and event fan-out."""

    def __init__(
        self,
        *,
        auth: TokenAuthority,
        exchange: ExchangeLike,
        market: MarketLike,
        config: HubConfig | None = None,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or HubConfig()
        self._auth = auth
        self._exchange = exchange
        self._market = market
        self._time = time_fn
        self._faults = {HubKind.USER: HubFaultState(), HubKind.MARKET: HubFaultState()}
        for state in self._faults.values():
            state.resumed.set()
        self.user_event_faults = UserEventFaultState()
        self._pending: dict[str, _Pending] = {}
        self._connections: set[HubConnection] = set()
        self.sessions_started = {HubKind.USER: 0, HubKind.MARKET: 0}
        """WebSocket sessions accepted per hub (every client connect or reconnect)."""
        self._subs: dict[tuple[str, Any], set[HubConnection]] = {}
        self._contracts_ok: set[str] = set()

    def __repr__(self) -> str:
        return f"HubServer(connections={len(self._connections)})"

    # ------------------------------------------------------------------ state
    def faults(self, kind: HubKind) -> HubFaultState:
        """The fault knobs of one hub."""
        return self._faults[kind]

    def connections(self, kind: HubKind | None = None) -> list[HubConnection]:
        """Live connections (of one hub, or all)."""
        return [c for c in self._connections if kind is None or c.kind is kind]

    def subscriber_count(self, target: str, key: Any) -> int:
        """How many connections receive ``target`` events for ``key`` (account or contract)."""
        return len(self._subs.get((target, key), ()))

    # ------------------------------------------------------------- negotiation
    def _token(self, request: web.Request) -> TokenInfo:
        token = request.query.get("access_token") or bearer_token(request)
        return self._auth.verify(token)

    async def negotiate(self, request: web.Request, kind: HubKind) -> web.Response:
        """``POST /hubs/<hub>/negotiate`` (v0 and v1)."""
        try:
            self._token(request)
        except TokenError:
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        raw_version = request.query.get("negotiateVersion", "0")
        try:
            version = min(max(int(raw_version), 0), 1)
        except ValueError:
            return web.Response(status=400, text="Invalid negotiateVersion.")
        self._expire_pending()
        connection_id = secrets.token_urlsafe(16)
        body: dict[str, Any] = {"connectionId": connection_id, "negotiateVersion": version}
        ws_id = connection_id
        if version >= 1:
            ws_id = secrets.token_urlsafe(16)
            body["connectionToken"] = ws_id
        body["availableTransports"] = TRANSPORTS
        self._pending[ws_id] = _Pending(kind, self._time())
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    def _expire_pending(self) -> None:
        horizon = self._time() - self.config.negotiate_ttl_s
        stale = [
            k for k, p in self._pending.items() if p.connection is None and p.created < horizon
        ]
        for key in stale:
            del self._pending[key]

    async def websocket(self, request: web.Request, kind: HubKind) -> web.StreamResponse:
        """``GET /hubs/<hub>[?id=...]`` with a WebSocket upgrade."""
        try:
            info = self._token(request)
        except TokenError:
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        ws_id = request.query.get("id")
        if ws_id is not None:
            pending = self._pending.get(ws_id)
            if pending is None or pending.kind is not kind:
                return web.Response(status=404, text="No Connection with that ID")
            if pending.connection is not None:
                return web.Response(status=409, text="Connection ID already in use")
        ws = web.WebSocketResponse(
            autoping=True,
            compress=False,
            max_msg_size=self.config.max_inbound_record_bytes + 1,
            heartbeat=None,
        )
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="Connection ID required")
        if ws_id is None:
            ws_id = secrets.token_urlsafe(16)
            self._pending[ws_id] = _Pending(kind, self._time())
        await ws.prepare(request)
        conn = HubConnection(self, kind, ws_id, info, ws, request)
        self.sessions_started[kind] += 1
        self._pending[ws_id].connection = conn
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._forget(conn)
        return ws

    def _forget(self, conn: HubConnection) -> None:
        self._connections.discard(conn)
        pending = self._pending.get(conn.connection_id)
        if pending is not None and pending.connection is conn:
            del self._pending[conn.connection_id]
        for key in conn.subscriptions:
            subs = self._subs.get(key)
            if subs is not None:
                subs.discard(conn)
                if not subs:
                    del self._subs[key]
        conn.subscriptions.clear()

    # ------------------------------------------------------------- invocation
    def invoke(self, conn: HubConnection, target: str, args: list[Any]) -> list[bytes]:
        """Run one hub method; return records to send after its Completion."""
        lower = target.lower()
        if conn.kind is HubKind.USER:
            if lower not in _USER_METHODS:
                raise HubError(f"Unknown hub method '{target}'")
            name, event, subscribe = _USER_METHODS[lower]
            if event is None:
                if args:
                    raise HubError(f"Failed to invoke '{target}' due to an error on the server.")
                keys = [("GatewayUserAccount", a) for a in self._accounts_of(conn.user_name)]
            else:
                account = _bind_account(target, args)
                if account not in self._accounts_of(conn.user_name):
                    raise HubError(f"An unexpected error occurred invoking '{name}' on the server.")
                keys = [(event, account)]
            self._apply(conn, keys, subscribe)
            return []
        if lower not in _MARKET_METHODS:
            raise HubError(f"Unknown hub method '{target}'")
        name, event, subscribe = _MARKET_METHODS[lower]
        contract = _bind_contract(target, args)
        if contract is None or not self._contract_exists(conn.user_name, contract):
            raise HubError(f"An unexpected error occurred invoking '{name}' on the server.")
        after: list[bytes] = []
        if subscribe and event == "GatewayDepth" and self.config.depth_snapshot:
            after.append(
                encode_invocation(event, [contract, self._market.depth_snapshot(contract)])
            )
        elif subscribe and event == "GatewayQuote" and self.config.quote_snapshot:
            after.append(encode_invocation(event, [contract, self._market.full_quote(contract)]))
        self._apply(conn, [(event, contract)], subscribe)
        return after

    def _apply(self, conn: HubConnection, keys: list[tuple[str, Any]], subscribe: bool) -> None:
        for key in keys:
            if subscribe:
                self._subs.setdefault(key, set()).add(conn)
                conn.subscriptions.add(key)
            else:
                subs = self._subs.get(key)
                if subs is not None:
                    subs.discard(conn)
                    if not subs:
                        del self._subs[key]
                conn.subscriptions.discard(key)

    def _accounts_of(self, user_name: str) -> set[int]:
        env = self._exchange.handle("Account/search", user_name, {"onlyActiveAccounts": False})
        return {int(a["id"]) for a in env.get("accounts") or ()}

    def _contract_exists(self, user_name: str, contract_id: str) -> bool:
        """Whether the market streams ``contract_id`` (expired contracts are not streamed)."""
        if contract_id in self._contracts_ok:
            return True
        streamed = getattr(self._market, "contracts", None)
        if streamed is not None:
            ok = contract_id in streamed
        else:
            env = self._exchange.handle(
                "Contract/searchById", user_name, {"contractId": contract_id}
            )
            ok = bool(env.get("success"))
        if ok:
            self._contracts_ok.add(contract_id)
        return ok

    # ----------------------------------------------------------------- fan-out
    def publish_market(self, events: Iterable[tuple[str, str, Any]]) -> int:
        """Send market events ``(target, contract_id, data)`` to their subscribers.

        Returns the number of records queued (an event with two subscribers counts twice).
        """
        subs = self._subs
        queued = 0
        for target, contract_id, data in events:
            conns = subs.get((target, contract_id))
            if not conns:
                continue
            record = encode_invocation(target, [contract_id, data])
            for conn in conns:
                conn.enqueue(record)
            queued += len(conns)
        return queued

    def on_user_event(self, target: str, account_id: int, argument: Any) -> None:
        """Exchange listener: route one user event, applying duplicate/reorder faults."""
        f = self.user_event_faults
        if f.reorder_window > 0:
            f.held.append((target, account_id, argument))
            if len(f.held) >= f.reorder_window:
                self.release_held_user_events()
            return
        self._route_user(target, account_id, argument)
        if f.duplicate > 0:
            f.duplicate -= 1
            self._route_user(target, account_id, argument)

    def release_held_user_events(self) -> int:
        """Send the events held by a reorder window, newest first; return how many."""
        f = self.user_event_faults
        held, f.held = f.held, []
        f.reorder_window = 0
        for target, account_id, argument in reversed(held):
            self._route_user(target, account_id, argument)
        return len(held)

    def _route_user(self, target: str, account_id: int, argument: Any) -> None:
        conns = self._subs.get((target, account_id))
        if not conns:
            return
        if not self.config.user_event_wrapper and isinstance(argument, dict):
            argument = argument.get("data", argument)
        record = encode_invocation(target, [argument])
        for conn in conns:
            conn.enqueue(record)

    # ------------------------------------------------------------------ ending
    async def close_expired(self) -> int:
        """With ``close_on_token_expiry``, close sessions whose token is no longer valid."""
        if not self.config.close_on_token_expiry:
            return 0
        stale = [c for c in self._connections if not self._auth.still_valid(c.token)]
        for conn in stale:
            await conn.close("Token expired.")
        return len(stale)

    async def close_token(self, token: TokenInfo, reason: str) -> None:
        """Close (with a Close message) every connection opened with this token."""
        if not self.config.close_on_logout:
            return
        for conn in [c for c in self._connections if c.token_serial == token.serial]:
            await conn.close(reason)

    async def close_all(self, *, close_message: bool = True, reason: str | None = None) -> None:
        """Close every connection (Close message first unless ``close_message`` is false)."""
        for conn in list(self._connections):
            if close_message:
                await conn.close(reason)
            else:
                await conn.close_socket()

    def abort_all(self) -> None:
        """Kill every connection's TCP socket."""
        for conn in list(self._connections):
            conn.abort()
