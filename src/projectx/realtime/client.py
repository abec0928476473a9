"""``RealtimeClient``: both Gateway hubs behind one object (spec §7.6, §7.7).

The market hub feeds a native :class:`~projectx._native.feed.MarketFeed` (bars, book, quotes);
the user hub's events are unwrapped (``{"action", "data"}``, a bare entity, or a list of either,
spec §7.6.2), decoded once into their model and checked for plausibility
(:func:`projectx.plausibility.decode_user_entity`), and handed to ``on_user_event`` handlers as a
:class:`UserEvent`. An event that fails the check, belongs to an account this client did not
subscribe to, or repeats a fill id with other contents is *refused*: it still reaches the
handlers (``refused`` set, ``entity`` None, so consumers skip it) and is reported once to
:attr:`RealtimeClient.anomalies`. Subscriptions are remembered by each :class:`HubConnection`
and re-invoked after reconnects.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp

from projectx._native.feed import MarketFeed
from projectx._native.frames import FrameParser
from projectx.config import check_url
from projectx.exceptions import ValidationError
from projectx.models import Trade
from projectx.plausibility import AnomalyError, AnomalyLog, decode_user_entity, fill_fingerprint
from projectx.realtime.hub import HubConnection
from projectx.realtime.reconnect import ReconnectPolicy
from projectx.realtime.signalrcore_transport import SignalRCoreHub
from projectx.realtime.transport import HubStats, HubTransport, TokenFactory, TokenRejected

__all__ = ["USER_EVENTS", "RealtimeClient", "UserEvent"]

log = logging.getLogger(__name__)

USER_EVENTS = ("GatewayUserAccount", "GatewayUserOrder", "GatewayUserPosition", "GatewayUserTrade")
_MARKET_METHODS = {
    "quotes": ("SubscribeContractQuotes", "UnsubscribeContractQuotes"),
    "trades": ("SubscribeContractTrades", "UnsubscribeContractTrades"),
    "depth": ("SubscribeContractMarketDepth", "UnsubscribeContractMarketDepth"),
}
_USER_METHODS = {
    "orders": ("SubscribeOrders", "UnsubscribeOrders"),
    "positions": ("SubscribePositions", "UnsubscribePositions"),
    "trades": ("SubscribeTrades", "UnsubscribeTrades"),
}


_FILL_MEMORY = 20_000
"""How many fill ids the client remembers to tell a re-sent fill from a contradicting one."""


@dataclass(frozen=True, slots=True)
class UserEvent:
    """One user-hub entity update: ``action`` is None when the server sent a bare entity.

    ``entity`` is the decoded, checked model (an ``Order``, ``Position``, ``Trade`` or
    ``Account``) once the client dispatched it; ``refused`` is the anomaly reason when the
    event was refused (then ``entity`` is None and consumers must ignore the event).
    """

    target: str
    action: int | None
    data: dict[str, Any]
    entity: Any = field(default=None, compare=False, repr=False)
    refused: str | None = field(default=None, compare=False)


class RealtimeClient:
    """The user hub and the market hub of one session."""

    def __init__(
        self,
        token_factory: TokenFactory,
        user_hub_url: str,
        market_hub_url: str,
        *,
        feed: MarketFeed | None = None,
        session: aiohttp.ClientSession | None = None,
        reconnect: ReconnectPolicy | None = None,
        stale_after: float | None = None,
        transport: str = "aiohttp",
        allow_insecure: bool = False,
        token_rejected: TokenRejected | None = None,
    ) -> None:
        self.feed = feed if feed is not None else MarketFeed()
        self.user: HubTransport
        self.market: HubTransport
        if transport == "signalrcore":
            check_url("user hub url", user_hub_url, allow_insecure)
            check_url("market hub url", market_hub_url, allow_insecure)
            self.user = SignalRCoreHub(user_hub_url, token_factory, FrameParser(), name="user")
            self.market = SignalRCoreHub(market_hub_url, token_factory, self.feed, name="market")
        elif transport != "aiohttp":
            raise ValidationError(
                f"transport must be 'aiohttp' or 'signalrcore', got {transport!r}"
            )
        else:
            self.user, self.market = self._aiohttp_hubs(
                token_factory,
                user_hub_url,
                market_hub_url,
                session,
                reconnect,
                stale_after,
                allow_insecure,
                token_rejected,
            )
        self._user_handlers: list[Callable[[UserEvent], None]] = []
        self.malformed_user_events = 0
        #: user events refused at this boundary, by reason (and their listeners)
        self.anomalies = AnomalyLog("user_hub")
        self._accounts: set[int] = set()
        self._fills: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        for target in USER_EVENTS:
            self.user.on(target, self._user_dispatcher(target))

    def _aiohttp_hubs(
        self,
        token_factory: TokenFactory,
        user_hub_url: str,
        market_hub_url: str,
        session: aiohttp.ClientSession | None,
        reconnect: ReconnectPolicy | None,
        stale_after: float | None,
        allow_insecure: bool,
        token_rejected: TokenRejected | None,
    ) -> tuple[HubConnection, HubConnection]:
        user = HubConnection(
            user_hub_url,
            token_factory,
            FrameParser(),
            session=session,
            reconnect=reconnect,
            name="user",
            allow_insecure=allow_insecure,
            token_rejected=token_rejected,
        )
        market = HubConnection(
            market_hub_url,
            token_factory,
            self.feed,
            session=session,
            reconnect=reconnect,
            stale_after=stale_after,
            name="market",
            allow_insecure=allow_insecure,
            token_rejected=token_rejected,
        )
        return user, market

    def __repr__(self) -> str:
        return f"RealtimeClient(user={self.user.state.value}, market={self.market.state.value})"

    def on_user_event(self, handler: Callable[[UserEvent], None]) -> None:
        """Call ``handler(event)`` for every account/order/position/trade update."""
        self._user_handlers.append(handler)

    async def connect(self) -> None:
        """Open both hubs (the first connect error is raised; later drops are recovered)."""
        await self.user.start()
        try:
            await self.market.start()
        except BaseException:
            await self.user.close()
            raise

    async def close(self) -> None:
        """Close both hubs: the user hub is closed even when closing the market hub fails (the
        first failure is raised once both are closed)."""
        try:
            await self.market.close()
        finally:
            await self.user.close()

    async def __aenter__(self) -> RealtimeClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- subscriptions ---------------------------------------------------------------------------
    async def subscribe_user(self, account_id: int, *, accounts: bool = True) -> None:
        """Orders, positions and trades of ``account_id`` (and account updates)."""
        self._accounts.add(account_id)
        if accounts:
            await self.user.subscribe("SubscribeAccounts")
        for method, _ in _USER_METHODS.values():
            await self.user.subscribe(method, account_id)

    async def unsubscribe_user(self, account_id: int) -> None:
        """Stop the per-account streams of ``account_id``."""
        for method, undo in _USER_METHODS.values():
            await self.user.unsubscribe(method, undo, account_id)
        self._accounts.discard(account_id)

    async def subscribe_market(
        self, contract_id: str, *, quotes: bool = True, trades: bool = True, depth: bool = True
    ) -> None:
        """Market data for a contract already added to the feed (``feed.add_contract``)."""
        if contract_id not in self.feed.contracts:
            raise KeyError(f"add {contract_id!r} to the feed before subscribing")
        wanted = {"quotes": quotes, "trades": trades, "depth": depth}
        for kind, (method, _) in _MARKET_METHODS.items():
            if wanted[kind]:
                await self.market.subscribe(method, contract_id)

    async def unsubscribe_market(self, contract_id: str) -> None:
        """Stop every market stream of ``contract_id``."""
        for method, undo in _MARKET_METHODS.values():
            if (method, (contract_id,)) in self.market.subscriptions:
                await self.market.unsubscribe(method, undo, contract_id)

    # -- stats ----------------------------------------------------------------------------------
    @property
    def stats(self) -> dict[str, HubStats]:
        """Counters per hub."""
        return {"user": self.user.stats, "market": self.market.stats}

    # -- internals ------------------------------------------------------------------------------
    def _user_dispatcher(self, target: str) -> Callable[[list[Any]], None]:
        def dispatch(arguments: list[Any]) -> None:
            for item in arguments:
                for payload in item if isinstance(item, list) else (item,):
                    event = _unwrap(target, payload)
                    if event is None:
                        self.malformed_user_events += 1
                        log.warning("user hub: unexpected %s payload shape", target)
                        continue
                    event = self._decode(event)
                    for handler in self._user_handlers:
                        handler(event)

        return dispatch

    def _decode(self, event: UserEvent) -> UserEvent:
        """The boundary rule of the user hub: decode and check once; refuse and report."""
        try:
            entity = decode_user_entity(event.target, event.data)
            account = getattr(entity, "account_id", None)
            if event.target == "GatewayUserAccount":
                account = getattr(entity, "id", None)
            if self._accounts and account not in self._accounts:
                if event.target == "GatewayUserAccount":
                    # SubscribeAccounts covers every account of the user (spec §7.6.1)
                    return replace(event, entity=entity)
                raise AnomalyError(
                    "foreign_account", f"{event.target} of account {account}, not subscribed"
                )
            if isinstance(entity, Trade):
                self._check_fill(entity)
        except AnomalyError as exc:
            self.anomalies.refuse(event.target, exc, action=event.action)
            return replace(event, refused=exc.reason)
        return replace(event, entity=entity)

    def _check_fill(self, trade: Trade) -> None:
        """A fill id seen again must carry the same fill (only ``voided`` may change)."""
        seen = self._fills.get(trade.id)
        mark = fill_fingerprint(trade)
        if seen is None:
            self._fills[trade.id] = mark
            if len(self._fills) > _FILL_MEMORY:
                self._fills.popitem(last=False)
        elif seen != mark:
            raise AnomalyError(
                "fill_conflict",
                f"fill {trade.id} re-sent with other contents (order, contract, side, size, "
                f"price) {mark!r}, first seen as {seen!r}",
            )


def _unwrap(target: str, payload: Any) -> UserEvent | None:
    if not isinstance(payload, dict):
        return None
    data = payload.get("data")
    if isinstance(data, dict) and "action" in payload:
        action = payload["action"]
        code = action if type(action) is int else None  # JSON true/false are not action codes
        return UserEvent(target, code, data)
    return UserEvent(target, None, payload)
