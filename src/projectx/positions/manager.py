"""``PositionManager``: the open positions of one account, their P&L, analytics and alerts.

* Positions come from the user hub (``GatewayUserPosition``: size and average price are the
  Gateway's truth; ``size 0`` means flat) and from REST (``Position/searchOpen``) at start-up and
  on :meth:`PositionManager.reconcile` (after a reconnect).
* Realised P&L and fees come from our fills (``GatewayUserTrade`` / ``Trade/search``), counted
  once per trade id by :attr:`PositionManager.fills` (:class:`~projectx.positions.fills.FillBook`),
  so ``balance == start balance + realised - fees`` to the cent. The fills are replayed through
  an average-cost ledger (:mod:`projectx.positions.pnl`) that cross-checks every
  ``profitAndLoss`` (mismatches counted in :meth:`stats`) and cuts round trips for the
  closed-trade analytics.
* Unrealised P&L is ``(price - avg) * size * tick_value / tick_size``, updated by
  :meth:`on_price` in O(1); ``POSITION_PNL_UPDATE`` is emitted only when someone listens and the
  value changed.
* Anomalies (issue #14): events the real-time client refused are skipped; with ``order_known``
  a fill of an order nobody knows is held until ``Trade/search`` confirms it
  (:mod:`projectx.positions.confirm`); a reconciliation lets REST decide a fill the hub
  reported differently (``fills_corrected``). Each is reported to :attr:`anomalies` and as an
  ``ANOMALY`` event.

Collaborators: contracts (:mod:`~projectx.positions.contracts`), fills
(:mod:`~projectx.positions.fills`), alerts (:mod:`~projectx.positions.alerts`), closing
(:mod:`~projectx.positions.closing`), unconfirmed fills (:mod:`~projectx.positions.confirm`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from projectx.client import ProjectX
from projectx.enums import OrderSide
from projectx.events import EventBus, EventType
from projectx.exceptions import ProjectXError, ValidationError
from projectx.interest import PriceInterest
from projectx.models import Account, Contract, Order, Position, Trade
from projectx.plausibility import AnomalyError, AnomalyLog, decode_user_entity, emit_on
from projectx.positions import analytics
from projectx.positions.alerts import AlertBook, AlertCallback, PositionAlert
from projectx.positions.closing import LimitPlacer, PositionCloser
from projectx.positions.confirm import FillConfirmer
from projectx.positions.contracts import ContractCache, ContractSource
from projectx.positions.fills import FillBook, FillListener, fill_facts
from projectx.positions.pnl import RoundTrip
from projectx.positions.portfolio import portfolio_pnl
from projectx.positions.records import OpenPosition, PositionInfo
from projectx.realtime.client import UserEvent
from projectx.sessions import trading_day_start

__all__ = [
    "ContractSource",
    "LimitPlacer",
    "PositionInfo",
    "PositionManager",
    "trading_day_start",
]

log = logging.getLogger(__name__)


MIN_HISTORY = 1_000
"""The smallest ``history_limit`` a PositionManager accepts."""


class PositionManager:
    """Positions and P&L of one account (see the module docstring).

    ``contracts`` gives the tick size/value of a contract id (a mapping or a sync resolver;
    unknown ids are fetched with ``client.get_contract_by_id``); ``price_source(contract_id)``
    gives a current price when a position appears before any :meth:`on_price` call.
    ``market_price(contract_id)``, when given, is the last market trade price of a contract (the
    suite passes its feed's); a position that appears takes it first, so the caller needs to
    call :meth:`on_price` only for the contracts in :attr:`price_interest`.
    ``since`` is where realised-P&L accounting starts (default: the current CME trading day).
    ``history_limit`` (>= 1,000) bounds the fills and round trips kept in memory (the oldest
    go first; how a fill older than every kept one is treated: :mod:`projectx.positions.fills`).
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
        market_price: Callable[[str], float | None] | None = None,
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
        self.market_price = market_price
        self.limit_placer = limit_placer
        self.since = since
        self._positions: dict[str, OpenPosition] = {}
        self._interest = PriceInterest(self._positions)
        self._contracts = ContractCache(
            client, contracts, on_register=self._on_contract, is_open=self._positions.__contains__
        )
        self._last: dict[str, float] = {}
        #: the fills counted once each, realised P&L and fees per contract, round trips
        self.fills = FillBook(history_limit=history_limit, point_value=self._contracts.point_value)
        self._alerts = AlertBook(bus, self._own)
        self._closer = PositionCloser(
            client,
            account_id,
            resolve=self._contract_id,
            contract_of=self._contracts.lookup,
            size_of=self.signed_size,
            open_contracts=lambda: self._positions,
            place_limit=self._place_limit,
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self.balance: float | None = None
        self._malformed = 0
        self._reconciles = 0
        self._corrected = 0
        self._closed = False
        self.order_known = order_known
        self._seen_orders: dict[int, None] = {}  # order ids of this account's order events
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

    @property
    def history_limit(self) -> int:
        """The most fills (and round trips) kept in memory, and order ids remembered."""
        return self.fills.history_limit

    @history_limit.setter
    def history_limit(self, value: int) -> None:
        self.fills.history_limit = value

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
            await self._contracts.ensure(cid)
        self._correct_fills(trades)
        missed = [t for t in trades if self.fills.is_new(t) and not t.voided]
        missed.sort(key=lambda t: t.id)
        for trade in missed:
            self._note_order(trade.order_id)
            self.ingest_trade(trade, replay=True)
        self._confirmer.settle(trades)
        rest = {p.contract_id: p for p in positions if p.contract_id and (p.size or 0) > 0}
        changed = 0
        for cid, p in rest.items():
            changed += self._apply_position(p, source="rest")
            self.fills.align_ledger(cid, p.signed_size, p.average_price or 0.0, p.created_ns)
        for cid in [c for c in self._positions if c not in rest]:
            changed += self._apply_flat(cid, None)
            self.fills.flatten_ledger(cid)
        self._reconciles += 1
        return {"missed_trades": len(missed), "positions_changed": changed}

    def _correct_fills(self, rest: list[Trade]) -> None:
        """REST decides a fill the hub reported differently (or voided since)."""
        for known, trade in self.fills.correct(rest):
            self._corrected += 1
            self.anomalies.report(
                "Trade/search",
                "fill_corrected",
                f"fill {trade.id}: booked {fill_facts(known)!r}, REST has {fill_facts(trade)!r}",
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

    def add_fill_listener(self, listener: FillListener) -> None:
        """Call ``listener(trade)`` for every fill booked (once per id; not for held or refused
        ones). The suite feeds its risk manager this way."""
        self.fills.add_listener(listener)

    async def close(self) -> None:
        """Stop background work (contract look-ups, fill confirmation)."""
        self._closed = True
        await self._confirmer.close()
        await self._contracts.close()
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
    def _on_contract(self, contract: Contract) -> None:
        """A contract became known: complete the position and the fills that waited for it."""
        pv = contract.point_value
        pos = self._positions.get(contract.id)
        if pos is not None and pos.point_value is None:
            pos.point_value = pv
        self.fills.contract_resolved(contract.id, pv)

    def _contract_id(self, contract: Contract | str) -> str:
        return self._contracts.contract_id(contract)

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
            and self.fills.is_new(trade)
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
        return self.fills.ingest(trade, replay=replay)

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
            pos = self._positions[cid] = OpenPosition(cid, self._contracts.point_value(cid))
            self._interest.refresh(cid)
            pos.last_price = self._last.get(cid) if self.market_price is None else None
            if pos.last_price is None and self.market_price is not None:
                pos.last_price = self.market_price(cid)
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
        self._alerts.check(cid, pos.unrealized, pos.size)
        return 1

    def _apply_flat(self, cid: str, p: Position | None) -> int:
        pos = self._positions.pop(cid, None)
        if pos is None:
            return 0
        self._interest.refresh(cid)
        if self.bus.wants(EventType.POSITION_CLOSED):
            info = self._info(pos).as_dict()
            info["size"] = 0
            info["closed_size"] = pos.size
            self.bus.emit(EventType.POSITION_CLOSED, info, cid)
        return 1

    # ================================================================ prices
    @property
    def price_interest(self) -> PriceInterest:
        """Contracts with an open position (a live view that tells its watchers when a
        contract enters or leaves): with ``market_price`` given, the only ones
        :meth:`on_price` needs to hear about."""
        return self._interest

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
            self._alerts.check(contract_id, pnl, pos.size)
        if self.bus.wants(EventType.POSITION_PNL_UPDATE):
            self.bus.emit(
                EventType.POSITION_PNL_UPDATE,
                {"contract_id": contract_id, "unrealized_pnl": pnl, "price": price},
                contract_id,
            )

    # ================================================================ queries
    def _info(self, pos: OpenPosition) -> PositionInfo:
        cid = pos.contract_id
        return PositionInfo(
            contract_id=cid,
            position_id=pos.position_id,
            size=pos.size,
            average_price=pos.average_price,
            last_price=pos.last_price,
            unrealized_pnl=pos.unrealized,
            realized_pnl=self.fills.realized(cid),
            fees=self.fills.fees(cid),
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
        return self.fills.realized(None if contract is None else self._contract_id(contract))

    def total_fees(self, contract: Contract | str | None = None) -> float:
        """Fees and commissions paid (of one contract, or all) since the start of accounting."""
        return self.fills.fees(None if contract is None else self._contract_id(contract))

    def get_portfolio_pnl(self) -> dict[str, Any]:
        """Realised (gross), fees, net realised, unrealised and total P&L, per instrument too."""
        return portfolio_pnl(self.fills, self._positions, self.balance)

    @property
    def round_trips(self) -> list[RoundTrip]:
        """Closed round trips (flat -> open -> flat) seen by this manager, oldest first (the
        latest ``history_limit``)."""
        return self.fills.round_trips

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
        exposure = self.exposure()
        by_instrument = {
            cid: v["total_pnl"] for cid, v in self.get_portfolio_pnl()["by_instrument"].items()
        }
        return {
            **analytics.trade_statistics(
                self.fills.net_round_trip_pnls(), start_equity=start_equity, periods=periods
            ),
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
        return analytics.risk_metrics(self.exposure(), returns, confidence=confidence)

    def stats(self) -> dict[str, Any]:
        """Counters: open positions, fills counted (and kept in memory), round trips, P&L
        cross-check mismatches, malformed events, reconciliations."""
        return {
            "open_positions": len(self._positions),
            "trades": self.fills.counted,
            "trades_kept": self.fills.kept,
            "round_trips": self.fills.round_trips_total,
            "pnl_mismatches": self.fills.mismatches,
            "malformed_events": self._malformed,
            "reconciles": self._reconciles,
            "fills_held": len(self._confirmer.held),
            "fills_confirmed": self._confirmer.confirmed,
            "fills_unconfirmed": self._confirmer.refused,
            "fills_corrected": self._corrected,
            "anomalies": self.anomalies.snapshot(),
            "alerts": len(self._alerts),
        }

    # ================================================================ alerts
    def add_position_alert(
        self,
        contract: Contract | str,
        *,
        max_loss: float | None = None,
        max_gain: float | None = None,
        pnl_threshold: float | None = None,
        callback: AlertCallback | None = None,
    ) -> PositionAlert:
        """Watch ``contract``'s unrealised P&L; fire once (``RISK_LIMIT_WARNING`` with
        ``rule="position_alert"``, and ``callback(alert, condition, pnl)`` if given)."""
        cid = self._contract_id(contract)
        alert = self._alerts.add(
            cid,
            max_loss=max_loss,
            max_gain=max_gain,
            pnl_threshold=pnl_threshold,
            callback=callback,
        )
        pos = self._positions.get(cid)
        if pos is not None:
            self._alerts.check(cid, pos.unrealized, pos.size)
        return alert

    def remove_position_alert(self, alert: PositionAlert | int) -> bool:
        """Remove an alert that has not fired; False if unknown."""
        return self._alerts.remove(alert)

    @property
    def alerts(self) -> list[PositionAlert]:
        """Alerts that have not fired yet."""
        return self._alerts.alerts

    def _own(self, awaitable: Awaitable[Any]) -> None:
        async def run() -> None:
            await awaitable

        task = asyncio.get_running_loop().create_task(run(), name="position-alert")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ================================================================ closing
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
        return await self._closer.close_position(contract, method=method, limit_price=limit_price)

    async def partially_close_position(self, contract: Contract | str, size: int) -> bool:
        """Take ``size`` contracts off at market (``Position/partialCloseContract``).

        ``size`` must be an int with ``0 < size <= |position|``; False when flat (nothing sent).
        """
        return await self._closer.partially_close_position(contract, size)

    async def close_all_positions(self) -> int:
        """Flatten every open position at market; returns how many closes were accepted.

        Every close is attempted; the first failure is raised after the others were sent."""
        return await self._closer.close_all_positions()

    async def _place_limit(
        self, contract_id: str, side: OrderSide, size: int, limit_price: float
    ) -> object:
        """The order of a limit close: through ``limit_placer``, else ``Order/place``."""
        if self.limit_placer is not None:
            return await self.limit_placer(contract_id, side, size, limit_price)
        return await self.client.place_limit_order(
            contract_id, side, size, limit_price, account_id=self.account_id
        )

    # ================================================================ helpers for others
    def trades(self, contract: Contract | str | None = None) -> list[Trade]:
        """The counted fills (of one contract) still kept (``history_limit``), in trade-id
        order."""
        return self.fills.trades(None if contract is None else self._contract_id(contract))
