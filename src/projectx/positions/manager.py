"""``PositionManager``: the open positions of one account, their P&L, analytics and alerts.

* Positions come from the user hub (``GatewayUserPosition``: size and average price are the
  Gateway's truth; ``size 0`` means flat) and from REST (``Position/searchOpen``) at start-up and
  on :meth:`PositionManager.reconcile` (after a reconnect).
* Realised P&L and fees come from our fills (``GatewayUserTrade`` / ``Trade/search``), counted
  once per trade id, so ``balance == start balance + realised - fees`` to the cent. The fills are
  replayed through an average-cost ledger (:mod:`projectx.positions.pnl`) that cross-checks
  every ``profitAndLoss`` (mismatches counted in :meth:`stats`) and cuts round trips for the
  closed-trade analytics.
* Unrealised P&L is ``(price - avg) * size * tick_value / tick_size``, updated by
  :meth:`on_price` in O(1); ``POSITION_PNL_UPDATE`` is emitted only when someone listens and the
  value changed.
* Anomalies (issue #14): events the real-time client refused are skipped; with ``order_known``
  a fill of an order nobody knows is held until ``Trade/search`` confirms it
  (:mod:`projectx.positions.confirm`); a reconciliation lets REST decide a fill the hub
  reported differently (``fills_corrected``). Each is reported to :attr:`anomalies` and as an
  ``ANOMALY`` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from projectx.client import ProjectX
from projectx.enums import OrderSide, PositionType
from projectx.events import EventBus, EventType
from projectx.exceptions import APIError, ProjectXError, ValidationError
from projectx.models import Account, Contract, Order, Position, Trade
from projectx.plausibility import (
    AnomalyError,
    AnomalyLog,
    decode_user_entity,
    emit_on,
    fill_fingerprint,
)
from projectx.positions import analytics
from projectx.positions.alerts import PositionAlert, make_alert
from projectx.positions.confirm import FillConfirmer
from projectx.positions.pnl import FillLedger, RoundTrip
from projectx.realtime.client import UserEvent
from projectx.timeframes import NEW_YORK, SESSION_CLOSE, trading_date

__all__ = [
    "ContractSource",
    "LimitPlacer",
    "PositionInfo",
    "PositionManager",
    "trading_day_start",
]

log = logging.getLogger(__name__)

ContractSource = Mapping[str, Contract] | Callable[[str], "Contract | None"]
"""Contracts by id (or symbol): a mapping, or a sync resolver returning None when unknown."""

LimitPlacer = Callable[[str, OrderSide, int, float], Awaitable[Any]]
"""Places a limit order ``(contract_id, side, size, limit_price)``, e.g. an OrderManager's
``place_limit_order``."""

_CENT_TOLERANCE = 0.011
_POSITION_NOT_FOUND = 2  # Position/closeContract and partialCloseContract errorCode


def trading_day_start(now: datetime | None = None) -> datetime:
    """Start (UTC) of the CME trading day containing ``now``: 17:00 New York the evening before."""
    moment = now if now is not None else datetime.now(UTC)
    ns = int(moment.timestamp()) * 1_000_000_000
    day = trading_date(ns)
    previous = day - timedelta(days=1)
    while previous.weekday() >= 5:
        previous -= timedelta(days=1)
    return datetime.combine(previous, SESSION_CLOSE, tzinfo=NEW_YORK).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PositionInfo:
    """A snapshot of one open position. ``size`` is signed (negative = short)."""

    contract_id: str
    position_id: int | None
    size: int
    average_price: float
    last_price: float | None
    unrealized_pnl: float | None
    realized_pnl: float
    """Gross P&L realised on this contract since the manager's start of accounting."""
    fees: float
    opened_ns: int | None
    point_value: float | None

    @property
    def side(self) -> PositionType:
        """LONG or SHORT."""
        return PositionType.LONG if self.size > 0 else PositionType.SHORT

    @property
    def is_long(self) -> bool:
        """Whether the position is long."""
        return self.size > 0

    @property
    def is_short(self) -> bool:
        """Whether the position is short."""
        return self.size < 0

    @property
    def exposure(self) -> float | None:
        """Absolute notional: ``|size| * price * point value`` (last price, else average)."""
        if self.point_value is None:
            return None
        price = self.last_price if self.last_price is not None else self.average_price
        return abs(self.size) * price * self.point_value

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (event payloads)."""
        return {
            "contract_id": self.contract_id,
            "position_id": self.position_id,
            "size": self.size,
            "side": self.side,
            "average_price": self.average_price,
            "last_price": self.last_price,
            "unrealized_pnl": self.unrealized_pnl,
            "realized_pnl": self.realized_pnl,
            "fees": self.fees,
        }


class _Pos:
    __slots__ = (
        "average_price",
        "contract_id",
        "last_price",
        "opened_ns",
        "point_value",
        "position_id",
        "size",
        "unrealized",
    )

    def __init__(self, contract_id: str, point_value: float | None) -> None:
        self.contract_id = contract_id
        self.point_value = point_value
        self.position_id: int | None = None
        self.size = 0
        self.average_price = 0.0
        self.last_price: float | None = None
        self.unrealized: float | None = None
        self.opened_ns: int | None = None

    def mark(self) -> float | None:
        pv, price = self.point_value, self.last_price
        if pv is None or price is None:
            return None
        return (price - self.average_price) * self.size * pv


MIN_HISTORY = 1_000
"""The smallest ``history_limit`` a PositionManager accepts."""


class PositionManager:
    """Positions and P&L of one account (see the module docstring).

    ``contracts`` gives the tick size/value of a contract id (a mapping or a sync resolver;
    unknown ids are fetched with ``client.get_contract_by_id``); ``price_source(contract_id)``
    gives a current price when a position appears before any :meth:`on_price` call.
    ``since`` is where realised-P&L accounting starts (default: the current CME trading day).
    ``history_limit`` (>= 1,000) bounds the fills and round trips kept in memory (the oldest
    go first). Fills are told apart by id; one with an id below every kept fill's is taken as
    counted already (Gateway trade ids only grow, and a fill arriving ``history_limit`` fills
    late does not happen), and its void is still taken out of the realised figures.
    ``limit_placer`` places the order of a limit close (the suite passes its OrderManager's, so
    that order is tagged, tracked and found again after an uncertain outcome); without one it
    goes to ``Order/place`` directly. ``order_known(order_id)`` tells whether an order is known
    (the suite passes its OrderManager's view); when given, a hub fill of an order that neither
    it nor this manager's own ``GatewayUserOrder`` sightings know is held until
    ``Trade/search`` confirms it (``confirm_checks`` looks ``confirm_interval_s`` apart), and
    refused if REST does not know it. Without it every hub fill of the account is booked.
    """

    def __init__(
        self,
        client: ProjectX,
        bus: EventBus,
        *,
        account_id: int,
        contracts: ContractSource | None = None,
        price_source: Callable[[str], float | None] | None = None,
        since: datetime | None = None,
        history_limit: int = 100_000,
        limit_placer: LimitPlacer | None = None,
        order_known: Callable[[int], bool] | None = None,
        confirm_checks: int = 3,
        confirm_interval_s: float = 0.5,
    ) -> None:
        if (
            isinstance(history_limit, bool)
            or not isinstance(history_limit, int)
            or history_limit < MIN_HISTORY
        ):
            raise ValidationError(
                f"history_limit must be an int >= {MIN_HISTORY}, got {history_limit!r}"
            )
        if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id <= 0:
            raise ValidationError(f"account_id must be a positive int, got {account_id!r}")
        if since is not None and since.tzinfo is None:
            raise ValidationError("since must be timezone-aware")
        self.client = client
        self.bus = bus
        self.account_id = account_id
        self.price_source = price_source
        self.limit_placer = limit_placer
        self.since = since
        self._source = contracts
        self._contracts: dict[str, Contract] = {}
        self._positions: dict[str, _Pos] = {}
        self._last: dict[str, float] = {}
        self._ledgers: dict[str, FillLedger] = {}
        self._last_trade_id: dict[str, int] = {}
        self.history_limit = history_limit
        self._trades: dict[int, Trade] = {}
        self._forgotten_through = 0  # highest trade id dropped from ``_trades`` by the limit
        self._voided_forgotten: set[int] = set()  # voids of such fills already taken out
        self._trades_counted = 0
        self._realized: dict[str, float] = {}
        self._fees: dict[str, float] = {}
        self._round_trips: deque[RoundTrip] = deque(maxlen=history_limit)
        self._round_trips_total = 0
        self._alerts: dict[str, list[PositionAlert]] = {}
        self._alert_callbacks: dict[int, Callable[[PositionAlert, str, float], Any]] = {}
        self._pending_trades: dict[str, list[Trade]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.balance: float | None = None
        self._mismatches = 0
        self._malformed = 0
        self._reconciles = 0
        self._corrected = 0
        self._closed = False
        self.order_known = order_known
        self._seen_orders: dict[int, None] = {}  # order ids of this account's order events
        self._fill_listeners: list[Callable[[Trade], Any]] = []
        self._reconcile_task: asyncio.Task[Any] | None = None
        #: anomalies this manager found (unconfirmed or corrected fills, refused events)
        self.anomalies = AnomalyLog("positions")
        self.anomalies.subscribe(emit_on(bus))
        self._confirmer = FillConfirmer(
            client,
            account_id,
            since=lambda: self.since if self.since is not None else trading_day_start(),
            accept=self._confirmed_fill,
            refuse=self._unconfirmed_fill,
            checks=confirm_checks,
            interval_s=confirm_interval_s,
        )

    def __repr__(self) -> str:
        return f"PositionManager(account={self.account_id}, open={len(self._positions)})"

    # ================================================================ lifecycle
    async def start(self) -> dict[str, int]:
        """Load today's fills (realised P&L), the open positions and the balance."""
        if self.since is None:
            self.since = trading_day_start()
        return await self.reconcile()

    async def reconcile(self) -> dict[str, int]:
        """Re-read fills and positions through REST; apply missed fills once; make the
        positions equal to the Gateway's. Returns counts of what changed."""
        since = self.since if self.since is not None else trading_day_start()
        self.since = since
        trades = await self.client.search_trades(since, account_id=self.account_id)
        positions = await self.client.search_open_positions(account_id=self.account_id)
        with contextlib.suppress(ProjectXError):
            for acct in await self.client.list_accounts():
                if acct.id == self.account_id and acct.balance is not None:
                    self.balance = acct.balance
        for cid in {p.contract_id for p in positions if p.contract_id} | {
            t.contract_id for t in trades if t.contract_id
        }:
            await self._ensure_contract(cid)
        self._correct_fills(trades)
        missed = [
            t
            for t in trades
            if t.id not in self._trades and t.id > self._forgotten_through and not t.voided
        ]
        missed.sort(key=lambda t: t.id)
        for trade in missed:
            self._note_order(trade.order_id)
            self.ingest_trade(trade, replay=True)
        self._confirmer.settle(trades)
        rest = {p.contract_id: p for p in positions if p.contract_id and (p.size or 0) > 0}
        changed = 0
        for cid, p in rest.items():
            changed += self._apply_position(p, source="rest")
            ledger = self._ledgers.get(cid)
            if ledger is not None and (
                ledger.size != p.signed_size
                or abs(ledger.average_price - (p.average_price or 0.0)) > 1e-9
            ):
                ledger.seed(p.signed_size, p.average_price or 0.0, p.created_ns)
        for cid in [c for c in self._positions if c not in rest]:
            changed += self._apply_flat(cid, None)
            ledger = self._ledgers.get(cid)
            if ledger is not None and ledger.size != 0:
                ledger.seed(0, 0.0)
        self._reconciles += 1
        return {"missed_trades": len(missed), "positions_changed": changed}

    def _correct_fills(self, rest: list[Trade]) -> None:
        """REST decides a fill the hub reported differently (or voided since)."""
        for trade in rest:
            known = self._trades.get(trade.id)
            if known is None or known.voided or trade.contract_id is None:
                continue
            if trade.voided:
                self._trades[trade.id] = trade
                self._book(known.contract_id or trade.contract_id, known, -1.0)
                continue
            if _fill_facts(known) == _fill_facts(trade):
                continue
            self._book(known.contract_id or trade.contract_id, known, -1.0)
            self._trades[trade.id] = trade
            self._book(trade.contract_id, trade, 1.0)
            self._corrected += 1
            self.anomalies.report(
                "Trade/search",
                "fill_corrected",
                f"fill {trade.id}: booked {_fill_facts(known)!r}, REST has {_fill_facts(trade)!r}",
                trade_id=trade.id,
                contract_id=trade.contract_id,
            )

    def reconcile_soon(self) -> None:
        """Reconcile in a task owned by this manager (one at a time; errors are logged)."""
        if self._closed or (self._reconcile_task is not None and not self._reconcile_task.done()):
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule on
            task = asyncio.get_running_loop().create_task(
                self._quiet_reconcile(), name="projectx-positions-reconcile"
            )
            self._reconcile_task = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _quiet_reconcile(self) -> None:
        try:
            await self.reconcile()
        except ProjectXError as exc:
            log.warning("position reconciliation failed: %s", exc)
            if self.bus.wants(EventType.ERROR):
                self.bus.emit(EventType.ERROR, {"source": "positions", "error": exc})

    def add_fill_listener(self, listener: Callable[[Trade], Any]) -> None:
        """Call ``listener(trade)`` for every fill booked (once per id; not for held or refused
        ones). The suite feeds its risk manager this way."""
        self._fill_listeners.append(listener)

    async def close(self) -> None:
        """Stop background work (contract look-ups, fill confirmation)."""
        self._closed = True
        await self._confirmer.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def __aenter__(self) -> PositionManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ================================================================ contracts
    def _lookup(self, key: str) -> Contract | None:
        found = self._contracts.get(key)
        if found is not None:
            return found
        src = self._source
        if src is None:
            return None
        if isinstance(src, Mapping):
            found = src.get(key)
            if found is None:
                found = next(
                    (c for c in src.values() if key in (c.id, c.root, c.name, c.symbol_id)), None
                )
        else:
            found = src(key)
        if found is not None:
            self._register(found, key)
        return found

    def _register(self, contract: Contract, key: str | None = None) -> None:
        self._contracts[contract.id] = contract
        if key is not None:
            self._contracts[key] = contract
        pv = contract.point_value
        pos = self._positions.get(contract.id)
        if pos is not None and pos.point_value is None:
            pos.point_value = pv
        pending = self._pending_trades.pop(contract.id, None)
        if pending and pv is not None:
            self._ledgers[contract.id] = FillLedger(contract.id, pv)
            for trade in pending:
                self._ledger_apply(trade)

    async def _ensure_contract(self, cid: str) -> Contract | None:
        found = self._lookup(cid)
        if found is not None:
            return found
        try:
            found = await self.client.get_contract_by_id(cid)
        except ProjectXError as exc:
            log.warning("contract %s: look-up failed: %s", cid, exc)
            return None
        self._register(found, cid)
        return found

    def _resolve_soon(self, cid: str) -> None:
        if self._closed or any(t.get_name() == f"contract:{cid}" for t in self._tasks):
            return
        with contextlib.suppress(RuntimeError):  # no running loop: start()/reconcile() will do it
            task = asyncio.get_running_loop().create_task(
                self._ensure_contract(cid), name=f"contract:{cid}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _point_value(self, cid: str) -> float | None:
        contract = self._lookup(cid)
        if contract is None:
            self._resolve_soon(cid)
            return None
        return contract.point_value

    def _contract_id(self, contract: Contract | str) -> str:
        if isinstance(contract, Contract):
            self._contracts.setdefault(contract.id, contract)
            return contract.id
        if not isinstance(contract, str) or not contract.strip():
            raise ValidationError(f"contract must be a Contract or a contract id, got {contract!r}")
        key = contract.strip()
        if key in self._positions:
            return key
        found = self._lookup(key)
        return found.id if found is not None else key

    # ================================================================ hub events
    def on_user_event(self, ev: UserEvent) -> None:
        """Apply one user-hub event (positions, fills, account balance) of this account.

        Events the real-time client refused (``ev.refused``) are skipped: they were reported
        there. An event built by hand (no ``entity``) goes through the same decode and check;
        one that fails is counted in ``malformed_events``, reported, and a refused position
        makes the manager reconcile with REST.
        """
        if ev.refused is not None:
            return
        entity = ev.entity
        if entity is None:
            try:
                entity = decode_user_entity(ev.target, ev.data)
            except AnomalyError as exc:
                account = ev.data.get("accountId") if isinstance(ev.data, dict) else None
                if account not in (None, self.account_id):
                    return  # another account's event: not ours to judge
                self._malformed += 1
                self.anomalies.refuse(ev.target, exc)
                if ev.target == "GatewayUserPosition":
                    self.reconcile_soon()
                return
        if isinstance(entity, Account):
            if entity.id == self.account_id and entity.balance is not None:
                self.balance = entity.balance
            return
        if entity.account_id != self.account_id:
            return
        if isinstance(entity, Position):
            self._apply_position(entity, source="hub")
        elif isinstance(entity, Trade):
            self._hub_fill(entity)
        elif isinstance(entity, Order):
            self._note_order(entity.id)

    def _note_order(self, order_id: int | None) -> None:
        if order_id is None:
            return
        seen = self._seen_orders
        seen[order_id] = None
        if len(seen) > self.history_limit:
            del seen[next(iter(seen))]

    def _order_is_known(self, order_id: int | None) -> bool:
        if order_id is None:
            return False
        if order_id in self._seen_orders:
            return True
        known = self.order_known
        return known is not None and known(order_id)

    def _hub_fill(self, trade: Trade) -> None:
        """A fill from the hub: booked, or held for REST when nobody knows its order."""
        if (
            self.order_known is not None
            and trade.id not in self._trades
            and trade.id > self._forgotten_through
            and not self._order_is_known(trade.order_id)
        ):
            log.info("fill %d of unknown order %s held for REST", trade.id, trade.order_id)
            self._confirmer.hold(trade)
            return
        self.ingest_trade(trade)

    def _confirmed_fill(self, trade: Trade) -> None:
        self._note_order(trade.order_id)
        self.ingest_trade(trade)

    def _unconfirmed_fill(self, trade: Trade, why: str) -> None:
        self.anomalies.report(
            "GatewayUserTrade",
            "fill_unconfirmed",
            f"fill {trade.id} of unknown order {trade.order_id}: {why}",
            trade_id=trade.id,
            order_id=trade.order_id,
            contract_id=trade.contract_id,
        )

    def ingest_trade(self, trade: Trade, *, replay: bool = False) -> bool:
        """Count one fill of the account (once per trade id); False if already counted.

        A fill seen again with ``voided`` set is taken back out of the realised figures.
        """
        cid = trade.contract_id
        if cid is None:
            return False
        known = self._trades.get(trade.id)
        if known is not None:
            if trade.voided and not known.voided:
                self._trades[trade.id] = trade
                self._book(cid, known, -1.0)
            return False
        if trade.id <= self._forgotten_through:  # counted long ago, no longer kept
            if trade.voided and trade.id not in self._voided_forgotten:
                self._voided_forgotten.add(trade.id)
                self._book(cid, trade, -1.0)
            return False
        self._trades[trade.id] = trade
        self._trades_counted += 1
        if len(self._trades) > self.history_limit:
            oldest = next(iter(self._trades))
            if self._trades.pop(oldest).voided:  # a later void of it must not count again
                self._voided_forgotten.add(oldest)
            self._forgotten_through = max(self._forgotten_through, oldest)
        if trade.voided:
            return False
        self._book(cid, trade, 1.0)
        for listener in self._fill_listeners:
            try:
                listener(trade)
            except Exception:
                log.exception("fill listener failed")
        ledger = self._ledgers.get(cid)
        if ledger is None:
            pv = self._point_value(cid)
            if pv is None:
                self._pending_trades.setdefault(cid, []).append(trade)
                return True
            # the look-up may just have registered the contract and replayed pending fills
            ledger = self._ledgers.get(cid)
            if ledger is None:
                ledger = self._ledgers[cid] = FillLedger(cid, pv)
        if replay and trade.id < self._last_trade_id.get(cid, 0):
            return True  # older than what the ledger holds: reconcile re-seeds it from REST
        self._ledger_apply(trade)
        return True

    def _book(self, cid: str, trade: Trade, sign: float) -> None:
        """Add (``sign`` 1) or take out (-1, a void) a fill's realised P&L and fees."""
        self._realized[cid] = self._realized.get(cid, 0.0) + sign * (trade.profit_and_loss or 0.0)
        self._fees[cid] = self._fees.get(cid, 0.0) + sign * _charges(trade)

    def _ledger_apply(self, trade: Trade) -> None:
        cid = trade.contract_id
        assert cid is not None
        ledger = self._ledgers[cid]
        qty = trade.size or 0
        signed = qty if trade.side == OrderSide.BUY else -qty
        result = ledger.apply(
            signed,
            trade.price or 0.0,
            fees=_charges(trade),
            gateway_pnl=trade.profit_and_loss,
            ts_ns=trade.created_ns,
        )
        self._last_trade_id[cid] = max(self._last_trade_id.get(cid, 0), trade.id)
        ours, theirs = result.realized, trade.profit_and_loss
        if (ours is None) != (theirs is None) or (
            ours is not None and theirs is not None and abs(ours - theirs) > _CENT_TOLERANCE
        ):
            self._mismatches += 1
            log.debug("trade %d: Gateway P&L %s, ours %s", trade.id, theirs, ours)
        if result.closed is not None:
            self._round_trips.append(result.closed)
            self._round_trips_total += 1

    def _apply_position(self, p: Position, *, source: str) -> int:
        cid = p.contract_id
        if cid is None:
            return 0
        signed = p.signed_size
        if signed == 0:
            return self._apply_flat(cid, p)
        pos = self._positions.get(cid)
        opened = pos is None
        if pos is None:
            pos = self._positions[cid] = _Pos(cid, self._point_value(cid))
            pos.last_price = self._last.get(cid)
            if pos.last_price is None and self.price_source is not None:
                pos.last_price = self.price_source(cid)
        avg = p.average_price if p.average_price is not None else pos.average_price
        if not opened and pos.size == signed and pos.average_price == avg:
            pos.position_id = p.id
            return 0
        pos.size = signed
        pos.average_price = avg
        pos.position_id = p.id
        pos.opened_ns = p.created_ns if opened or pos.opened_ns is None else pos.opened_ns
        pos.unrealized = pos.mark()
        etype = EventType.POSITION_OPENED if opened else EventType.POSITION_UPDATED
        if self.bus.wants(etype):
            self.bus.emit(etype, {**self._info(pos).as_dict(), "source": source}, cid)
        self._check_alerts(pos)
        return 1

    def _apply_flat(self, cid: str, p: Position | None) -> int:
        pos = self._positions.pop(cid, None)
        if pos is None:
            return 0
        if self.bus.wants(EventType.POSITION_CLOSED):
            info = self._info(pos).as_dict()
            info["size"] = 0
            info["closed_size"] = pos.size
            self.bus.emit(EventType.POSITION_CLOSED, info, cid)
        return 1

    # ================================================================ prices
    def on_price(self, contract_id: str, price: float) -> None:
        """A new market price of ``contract_id``: re-mark its position (O(1))."""
        self._last[contract_id] = price
        pos = self._positions.get(contract_id)
        if pos is None:
            return
        pos.last_price = price
        pv = pos.point_value
        if pv is None:
            return
        pnl = (price - pos.average_price) * pos.size * pv
        if pnl == pos.unrealized:
            return
        pos.unrealized = pnl
        if contract_id in self._alerts:
            self._check_alerts(pos)
        if self.bus.wants(EventType.POSITION_PNL_UPDATE):
            self.bus.emit(
                EventType.POSITION_PNL_UPDATE,
                {"contract_id": contract_id, "unrealized_pnl": pnl, "price": price},
                contract_id,
            )

    # ================================================================ queries
    def _info(self, pos: _Pos) -> PositionInfo:
        cid = pos.contract_id
        return PositionInfo(
            contract_id=cid,
            position_id=pos.position_id,
            size=pos.size,
            average_price=pos.average_price,
            last_price=pos.last_price,
            unrealized_pnl=pos.unrealized,
            realized_pnl=self._realized.get(cid, 0.0),
            fees=self._fees.get(cid, 0.0),
            opened_ns=pos.opened_ns,
            point_value=pos.point_value,
        )

    def get_position(self, contract: Contract | str) -> PositionInfo | None:
        """The open position of ``contract`` (id, symbol key of ``contracts``, or Contract)."""
        pos = self._positions.get(self._contract_id(contract))
        return None if pos is None else self._info(pos)

    def get_all_positions(self) -> list[PositionInfo]:
        """Every open position."""
        return [self._info(p) for p in self._positions.values()]

    def signed_size(self, contract_id: str) -> int:
        """Signed size of the position of ``contract_id`` (0 when flat)."""
        pos = self._positions.get(contract_id)
        return 0 if pos is None else pos.size

    def open_position_count(self) -> int:
        """How many contracts have an open position."""
        return len(self._positions)

    def total_unrealized_pnl(self) -> float:
        """Sum of the marked positions' unrealised P&L."""
        return sum(p.unrealized for p in self._positions.values() if p.unrealized is not None)

    def realized_pnl(self, contract: Contract | str | None = None) -> float:
        """Gross realised P&L (of one contract, or all) since the start of accounting."""
        if contract is None:
            return sum(self._realized.values())
        return self._realized.get(self._contract_id(contract), 0.0)

    def total_fees(self, contract: Contract | str | None = None) -> float:
        """Fees and commissions paid (of one contract, or all) since the start of accounting."""
        if contract is None:
            return sum(self._fees.values())
        return self._fees.get(self._contract_id(contract), 0.0)

    def get_portfolio_pnl(self) -> dict[str, Any]:
        """Realised (gross), fees, net realised, unrealised and total P&L, per instrument too."""
        by: dict[str, dict[str, Any]] = {}
        realized = fees = unrealized = 0.0
        for cid in self._realized.keys() | self._positions.keys():
            r = self._realized.get(cid, 0.0)
            f = self._fees.get(cid, 0.0)
            pos = self._positions.get(cid)
            u = pos.unrealized if pos is not None and pos.unrealized is not None else 0.0
            by[cid] = {
                "realized_pnl": r,
                "fees": f,
                "unrealized_pnl": u,
                "size": 0 if pos is None else pos.size,
                "total_pnl": r - f + u,
            }
            realized += r
            fees += f
            unrealized += u
        return {
            "realized_pnl": realized,
            "fees": fees,
            "net_realized_pnl": realized - fees,
            "unrealized_pnl": unrealized,
            "total_pnl": realized - fees + unrealized,
            "balance": self.balance,
            "positions": len(self._positions),
            "by_instrument": by,
        }

    @property
    def round_trips(self) -> list[RoundTrip]:
        """Closed round trips (flat -> open -> flat) seen by this manager, oldest first (the
        latest ``history_limit``)."""
        return list(self._round_trips)

    def exposure(self) -> dict[str, float]:
        """Signed notional exposure per contract (``size * price * point value``)."""
        out: dict[str, float] = {}
        for cid, pos in self._positions.items():
            if pos.point_value is None:
                continue
            price = pos.last_price if pos.last_price is not None else pos.average_price
            out[cid] = pos.size * price * pos.point_value
        return out

    def get_analytics(self, *, start_equity: float = 0.0, periods: float = 1.0) -> dict[str, Any]:
        """Closed-trade statistics (net of fees), P&L by instrument and exposure."""
        nets = [t.net_pnl for t in self._round_trips]
        wins = [p for p in nets if p > 0]
        losses = [p for p in nets if p < 0]
        exposure = self.exposure()
        by_instrument = {
            cid: v["total_pnl"] for cid, v in self.get_portfolio_pnl()["by_instrument"].items()
        }
        return {
            "trades": len(nets),
            "win_rate": analytics.win_rate(nets),
            "profit_factor": analytics.profit_factor(nets),
            "max_drawdown": analytics.max_drawdown(nets, start_equity),
            "sharpe": analytics.sharpe_ratio(nets, periods=periods),
            "average_win": sum(wins) / len(wins) if wins else None,
            "average_loss": sum(losses) / len(losses) if losses else None,
            "net_pnl": sum(nets),
            "pnl_by_instrument": by_instrument,
            "exposure_by_instrument": {k: abs(v) for k, v in exposure.items()},
            "total_exposure": sum(abs(v) for v in exposure.values()),
        }

    def get_risk_metrics(
        self,
        returns: Mapping[str, analytics.ReturnsInput] | None = None,
        *,
        confidence: float = 0.95,
    ) -> dict[str, Any]:
        """Total exposure, one-bar historical VaR and correlation risk of the held instruments.

        ``returns`` maps contract ids to bar data (polars frame with ``close``, or returns)."""
        exposure = self.exposure()
        out: dict[str, Any] = {
            "total_exposure": sum(abs(v) for v in exposure.values()),
            "net_exposure": sum(exposure.values()),
            "exposure_by_instrument": exposure,
            "var": None,
            "confidence": confidence,
            "correlation": None,
        }
        if returns is not None:
            out["var"] = analytics.historical_var(exposure, returns, confidence=confidence)
            out["correlation"] = analytics.correlation_risk(exposure, returns)
        return out

    def stats(self) -> dict[str, Any]:
        """Counters: open positions, fills counted (and kept in memory), round trips, P&L
        cross-check mismatches, malformed events, reconciliations."""
        return {
            "open_positions": len(self._positions),
            "trades": self._trades_counted,
            "trades_kept": len(self._trades),
            "round_trips": self._round_trips_total,
            "pnl_mismatches": self._mismatches,
            "malformed_events": self._malformed,
            "reconciles": self._reconciles,
            "fills_held": len(self._confirmer.held),
            "fills_confirmed": self._confirmer.confirmed,
            "fills_unconfirmed": self._confirmer.refused,
            "fills_corrected": self._corrected,
            "anomalies": self.anomalies.snapshot(),
            "alerts": sum(len(v) for v in self._alerts.values()),
        }

    # ================================================================ alerts
    def add_position_alert(
        self,
        contract: Contract | str,
        *,
        max_loss: float | None = None,
        max_gain: float | None = None,
        pnl_threshold: float | None = None,
        callback: Callable[[PositionAlert, str, float], Any] | None = None,
    ) -> PositionAlert:
        """Watch ``contract``'s unrealised P&L; fire once (``RISK_LIMIT_WARNING`` with
        ``rule="position_alert"``, and ``callback(alert, condition, pnl)`` if given)."""
        cid = self._contract_id(contract)
        alert = make_alert(cid, max_loss=max_loss, max_gain=max_gain, pnl_threshold=pnl_threshold)
        self._alerts.setdefault(cid, []).append(alert)
        if callback is not None:
            self._alert_callbacks[alert.alert_id] = callback
        pos = self._positions.get(cid)
        if pos is not None:
            self._check_alerts(pos)
        return alert

    def remove_position_alert(self, alert: PositionAlert | int) -> bool:
        """Remove an alert that has not fired; False if unknown."""
        aid = alert.alert_id if isinstance(alert, PositionAlert) else alert
        for cid, alerts in self._alerts.items():
            kept = [a for a in alerts if a.alert_id != aid]
            if len(kept) != len(alerts):
                self._set_alerts(cid, kept)
                self._alert_callbacks.pop(aid, None)
                return True
        return False

    @property
    def alerts(self) -> list[PositionAlert]:
        """Alerts that have not fired yet."""
        return [a for v in self._alerts.values() for a in v]

    def _set_alerts(self, cid: str, alerts: list[PositionAlert]) -> None:
        if alerts:
            self._alerts[cid] = alerts
        else:
            self._alerts.pop(cid, None)

    def _check_alerts(self, pos: _Pos) -> None:
        alerts = self._alerts.get(pos.contract_id)
        pnl = pos.unrealized
        if not alerts or pnl is None:
            return
        fired = [(a, c) for a in alerts if (c := a.triggered(pnl)) is not None]
        if not fired:
            return
        self._set_alerts(pos.contract_id, [a for a in alerts if all(a is not f for f, _ in fired)])
        for alert, condition in fired:
            if self.bus.wants(EventType.RISK_LIMIT_WARNING):
                self.bus.emit(
                    EventType.RISK_LIMIT_WARNING,
                    {
                        "rule": "position_alert",
                        "condition": condition,
                        "alert_id": alert.alert_id,
                        "contract_id": pos.contract_id,
                        "unrealized_pnl": pnl,
                        "size": pos.size,
                    },
                    pos.contract_id,
                )
            callback = self._alert_callbacks.pop(alert.alert_id, None)
            if callback is not None:
                try:
                    result = callback(alert, condition, pnl)
                    if inspect.isawaitable(result):
                        self._own(result)
                except Exception:
                    log.exception("position alert callback failed")

    def _own(self, awaitable: Awaitable[Any]) -> None:
        async def run() -> None:
            await awaitable

        task = asyncio.get_running_loop().create_task(run(), name="position-alert")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ================================================================ closing
    def _require(self, contract: Contract | str) -> tuple[str, _Pos | None]:
        cid = self._contract_id(contract)
        return cid, self._positions.get(cid)

    async def close_position(
        self,
        contract: Contract | str,
        *,
        method: str = "market",
        limit_price: float | None = None,
    ) -> bool:
        """Flatten ``contract``: ``Position/closeContract`` (market), or a limit order for the
        full size at ``limit_price`` (``method="limit"``). False when no position is held
        (nothing sent)."""
        if method not in ("market", "limit"):
            raise ValidationError(f"method must be 'market' or 'limit', got {method!r}")
        if method == "market" and limit_price is not None:
            raise ValidationError("a market close takes no limit_price")
        cid, pos = self._require(contract)
        if method == "limit":
            if limit_price is None:
                raise ValidationError("method='limit' needs limit_price")
            known = self._lookup(cid)
            if (
                isinstance(limit_price, bool)
                or not isinstance(limit_price, int | float)
                or not math.isfinite(limit_price)
                or limit_price <= 0
            ):
                raise ValidationError(f"limit_price must be a positive number, got {limit_price!r}")
            if known is not None and known.tick_size and not known.is_on_tick(limit_price):
                raise ValidationError(
                    f"limit_price {limit_price} is not on the tick grid ({known.tick_size})"
                )
        if pos is None:
            return False
        if method == "market":
            return await self._close_at_market(cid)
        assert limit_price is not None
        side = OrderSide.SELL if pos.size > 0 else OrderSide.BUY
        if self.limit_placer is not None:
            await self.limit_placer(cid, side, abs(pos.size), limit_price)
        else:
            await self.client.place_limit_order(
                cid, side, abs(pos.size), limit_price, account_id=self.account_id
            )
        return True

    async def partially_close_position(self, contract: Contract | str, size: int) -> bool:
        """Take ``size`` contracts off at market (``Position/partialCloseContract``).

        ``size`` must be an int with ``0 < size <= |position|``; False when flat (nothing sent).
        """
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValidationError(f"size must be a positive int, got {size!r}")
        cid, pos = self._require(contract)
        if pos is None:
            return False
        if size > abs(pos.size):
            raise ValidationError(f"size {size} exceeds the position of {abs(pos.size)} on {cid}")
        if size == abs(pos.size):
            return await self._close_at_market(cid)
        try:
            await self.client.partial_close_position(cid, size, account_id=self.account_id)
        except APIError as exc:
            if exc.error_code != _POSITION_NOT_FOUND:
                raise
            log.info("partial close of %s: the Gateway holds no position", cid)
            return False
        return True

    async def _close_at_market(self, cid: str) -> bool:
        try:
            await self.client.close_position(cid, account_id=self.account_id)
        except APIError as exc:
            if exc.error_code != _POSITION_NOT_FOUND:
                raise
            # our view lagged the Gateway (a fill closed it meanwhile): nothing to close
            log.info("close of %s: the Gateway holds no position", cid)
            return False
        return True

    async def close_all_positions(self) -> int:
        """Flatten every open position at market; returns how many closes were accepted.

        Every close is attempted; the first failure is raised after the others were sent."""
        cids = list(self._positions)
        results = await asyncio.gather(
            *(self._close_at_market(cid) for cid in cids),
            return_exceptions=True,
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        for cid, res in zip(cids, results, strict=True):
            if isinstance(res, BaseException):
                log.warning("closing %s failed: %s", cid, res)
        if errors:
            raise errors[0]
        return sum(1 for r in results if r is True)

    # ================================================================ helpers for others
    def trades(self, contract: Contract | str | None = None) -> list[Trade]:
        """The counted fills (of one contract) still kept (``history_limit``), in trade-id
        order."""
        cid = None if contract is None else self._contract_id(contract)
        return sorted(
            (t for t in self._trades.values() if cid is None or t.contract_id == cid),
            key=lambda t: t.id,
        )


def _fill_facts(trade: Trade) -> tuple[Any, ...]:
    """What a fill booked: its identity (order, contract, side, size, price) and its money."""
    return (*fill_fingerprint(trade), trade.profit_and_loss, trade.fees, trade.commissions)


def _charges(trade: Trade) -> float:
    return (trade.fees or 0.0) + (trade.commissions or 0.0)
