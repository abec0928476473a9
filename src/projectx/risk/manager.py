"""``RiskManager``: position sizing, the pre-trade gate, and live prop-firm rules with state that
survives a restart.

* :meth:`RiskManager.validate_trade` is the ``risk_gate`` of the OrderManager: it raises
  :class:`~projectx.risk.errors.RiskViolationError` (naming the rule) before anything is sent.
  Orders that only reduce a position (and bracket protection) always pass, even after a breach,
  so a halted account can still get flat.
* Fills (``GatewayUserTrade``, counted once per trade id) and balances (``GatewayUserAccount``)
  update the day's realised P&L, the peak balance and the rules; open P&L comes from the
  ``positions`` view on every ``POSITION_PNL_UPDATE``. ``RISK_LIMIT_WARNING`` fires once per rule
  and day at ``warning_fraction`` of a limit, ``RISK_LIMIT_BREACHED`` on the breach, after which
  the ``flatten`` callback is run (daily loss limit, trailing drawdown, flatten time).
* The state (:mod:`projectx.risk.state`) is saved atomically after every change and reloaded by
  a new manager on the same file; it rolls over at the CME trading-day boundary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from projectx.enums import OrderSide
from projectx.events import Event, EventBus, EventType
from projectx.exceptions import ValidationError
from projectx.models import Trade
from projectx.realtime.client import UserEvent
from projectx.risk import rules
from projectx.risk.config import RiskConfig
from projectx.risk.errors import RiskViolationError
from projectx.risk.state import RiskState, RiskStateStore, default_state_path
from projectx.timeframes import trading_date

__all__ = ["ContractLike", "PositionView", "RiskManager", "TradeRequest"]

log = logging.getLogger(__name__)

_PROTECTIVE_ROLES = frozenset({"stop_loss", "take_profit"})
_FLATTENING_RULES = frozenset(
    {rules.DAILY_LOSS_LIMIT, rules.TRAILING_MAX_DRAWDOWN, rules.FLATTEN_BY}
)
_MAX_SLEEP_S = 60.0


class ContractLike(Protocol):
    """What the gate reads of a contract."""

    @property
    def id(self) -> str: ...

    @property
    def tick_size(self) -> float | None: ...

    @property
    def tick_value(self) -> float | None: ...


class TradeRequest(Protocol):
    """An order about to be sent (:class:`projectx.orders.OrderRequest` satisfies it)."""

    @property
    def contract(self) -> ContractLike: ...

    @property
    def side(self) -> int: ...

    @property
    def size(self) -> int: ...

    @property
    def limit_price(self) -> float | None: ...

    @property
    def stop_price(self) -> float | None: ...

    @property
    def stop_loss_price(self) -> float | None: ...

    @property
    def reference_price(self) -> float | None: ...

    @property
    def role(self) -> str: ...


class PositionView(Protocol):
    """What the risk manager reads of the positions (:class:`PositionManager` satisfies it)."""

    def signed_size(self, contract_id: str) -> int: ...

    def open_position_count(self) -> int: ...

    def total_unrealized_pnl(self) -> float: ...


BalanceSource = Callable[[], "float | None"]
Flatten = Callable[[], Awaitable[Any]]


def _now() -> datetime:
    return datetime.now(UTC)


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) * 1000


class RiskManager:
    """Risk rules of one account (see the module docstring).

    ``account_balance_source()`` returns the current balance (or None) when no account event
    has given one yet; ``positions`` gives open sizes and P&L; ``flatten()`` is awaited after a
    breach of a flattening rule; ``state_path`` is the JSON file (default
    :func:`~projectx.risk.state.default_state_path`; ``persist=False`` keeps it in memory;
    ``fsync=True`` forces every save to disk);
    ``clock()`` returns the aware current time (tests).
    """

    def __init__(
        self,
        bus: EventBus,
        config: RiskConfig | None = None,
        *,
        account_balance_source: BalanceSource | None = None,
        state_path: str | os.PathLike[str] | None = None,
        persist: bool = True,
        fsync: bool = False,
        account_id: int | None = None,
        positions: PositionView | None = None,
        flatten: Flatten | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.bus = bus
        self.config = config if config is not None else RiskConfig()
        self.account_id = account_id
        self.positions = positions
        self.flatten = flatten
        self._balance_source = account_balance_source
        self._clock = clock or _now
        self._balance: float | None = None
        path = state_path if state_path is not None else default_state_path(account_id)
        self.store: RiskStateStore | None = RiskStateStore(path, fsync=fsync) if persist else None
        loaded = self.store.load() if self.store is not None else None
        today = self._trading_day()
        if loaded is None:
            self.state = RiskState(trading_day=today.isoformat())
        elif loaded.day < today:
            self.state = loaded.rolled(today, None)
        else:
            self.state = loaded
        self._trade_ids = set(self.state.trade_ids)
        self._warned: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.Task[None] | None = None
        self._save_pending = False
        self._flattening = False
        self._flattened_for: str | None = None
        self._listening = False
        self.flattens = 0
        self.refused: dict[str, int] = {}
        self._save()

    def __repr__(self) -> str:
        return (
            f"RiskManager(day={self.state.trading_day}, net={self.state.net_pnl:.2f}, "
            f"halted={self.state.halted or self.state.locked})"
        )

    # ================================================================ lifecycle
    async def start(self) -> None:
        """Roll the day over if needed, start the flatten timer, listen to open-P&L updates."""
        self._rollover()
        balance = self.balance
        if balance is not None:
            self._note_balance(balance)
        if not self._listening and (
            self.config.daily_loss_limit is not None
            or self.config.trailing_max_drawdown is not None
        ):
            self.bus.on(EventType.POSITION_PNL_UPDATE, self._on_pnl)
            self._listening = True
        if self.config.flatten_by is not None and self._timer is None:
            self._timer = asyncio.get_running_loop().create_task(
                self._flatten_timer(), name="risk-flatten-timer"
            )
        self.evaluate()

    async def close(self) -> None:
        """Stop the timer and any flatten in progress; write a pending save."""
        self._flush()
        if self._listening:
            self.bus.off(EventType.POSITION_PNL_UPDATE, self._on_pnl)
            self._listening = False
        tasks = [*self._tasks, *([self._timer] if self._timer is not None else [])]
        self._timer = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def __aenter__(self) -> RiskManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ================================================================ state
    def _trading_day(self, moment: datetime | None = None) -> Any:
        return trading_date(_ns(moment if moment is not None else self._clock()))

    def _save(self) -> None:
        self._save_pending = False
        if self.store is not None:
            self.state.trade_ids = sorted(self._trade_ids)
            self.store.save(self.state)

    def _save_soon(self) -> None:
        """Save on the next loop iteration (coalesced), so the file write never delays the
        order the gate just approved; without a running loop, save now."""
        if self.store is None or self._save_pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._save()
            return
        self._save_pending = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        if self._save_pending:
            self._save()

    def flush(self) -> None:
        """Write a pending save now."""
        self._flush()

    def _rollover(self) -> bool:
        today = self._trading_day()
        if self.state.day >= today:
            return False
        self.state = self.state.rolled(today, self.balance)
        self._trade_ids.clear()
        self._warned.clear()
        self._save()
        log.info("risk: new trading day %s", today)
        return True

    @property
    def balance(self) -> float | None:
        """Last known balance (account events, else ``account_balance_source``)."""
        if self._balance is not None:
            return self._balance
        if self._balance_source is not None:
            value = self._balance_source()
            if value is not None and math.isfinite(value):
                return float(value)
        return None

    @property
    def halted(self) -> str | None:
        """The rule that currently blocks new entries (day halt or drawdown lock), if any."""
        return self.state.locked or self.state.halted

    @property
    def day_net_pnl(self) -> float:
        """The day's realised P&L net of fees."""
        return self.state.net_pnl

    def reset_lock(self) -> None:
        """Clear a trailing-drawdown lock (e.g. after the firm reset the account)."""
        self.state.locked = None
        self.state.peak_balance = self.balance
        self._warned.discard(rules.TRAILING_MAX_DRAWDOWN)
        self._save()

    # ================================================================ inputs
    def on_user_event(self, ev: UserEvent) -> None:
        """Fills and balance updates of this account (other accounts are ignored)."""
        data = ev.data
        if ev.target == "GatewayUserTrade":
            if self.account_id is not None and data.get("accountId") not in (None, self.account_id):
                return
            try:
                trade = Trade.from_wire(data)
            except ValidationError as exc:
                log.warning("risk: malformed trade event: %s", exc)
                return
            self.record_fill(trade)
        elif ev.target == "GatewayUserAccount":
            if self.account_id is not None and data.get("id") != self.account_id:
                return
            balance = data.get("balance")
            if isinstance(balance, int | float) and not isinstance(balance, bool):
                self.update_balance(float(balance))

    def record_fill(self, trade: Trade) -> bool:
        """Count one fill in the day's realised P&L (once per id; other days' fills ignored)."""
        self._rollover()
        if trade.voided or trade.id in self._trade_ids:
            return False
        if trade.created_ns is not None and trading_date(trade.created_ns) < self.state.day:
            return False
        self._trade_ids.add(trade.id)
        self.state.realized_pnl += trade.profit_and_loss or 0.0
        self.state.fees += (trade.fees or 0.0) + (trade.commissions or 0.0)
        self._save_soon()
        self.evaluate()
        return True

    def record_fills(self, trades: Iterable[Trade]) -> int:
        """Count several fills (e.g. the day's fills from REST after a restart or a
        reconnect: already counted ids are skipped); returns how many were new."""
        return sum(1 for t in trades if self.record_fill(t))

    def update_balance(self, balance: float) -> None:
        """A new account balance: raise the peak, set the day's start balance, check rules."""
        if not math.isfinite(balance):
            return
        self._rollover()
        self._balance = balance
        self._note_balance(balance)
        self.evaluate()

    def _note_balance(self, balance: float) -> None:
        changed = False
        if self.state.day_start_balance is None:
            self.state.day_start_balance = balance
            changed = True
        if self.state.peak_balance is None or balance > self.state.peak_balance:
            self.state.peak_balance = balance
            changed = True
        if changed:
            self._save()

    def _on_pnl(self, _: Event) -> None:
        self.evaluate()

    def _unrealized(self) -> float:
        return self.positions.total_unrealized_pnl() if self.positions is not None else 0.0

    # ================================================================ live rules
    def statuses(self) -> list[rules.RuleStatus]:
        """Current use of every configured loss limit."""
        cfg, st = self.config, self.state
        unrealized = self._unrealized()
        out = [
            rules.daily_loss_status(cfg, st.net_pnl, unrealized),
            rules.max_daily_loss_status(cfg, st.net_pnl),
        ]
        balance = self.balance
        if balance is not None:
            peak = max(st.peak_balance or balance, balance)
            out.append(rules.drawdown_status(cfg, peak, balance + unrealized))
        return [s for s in out if s is not None]

    def evaluate(self) -> None:
        """Check the loss limits now: warn once, breach once (flatten when the rule says so)."""
        for status in self.statuses():
            rule = status.rule
            if status.breached:
                if rule == rules.TRAILING_MAX_DRAWDOWN:
                    if self.state.locked is None:
                        self.state.locked = rule
                        self._breach(status.as_dict())
                elif self.state.halted is None:
                    self.state.halted = rule
                    self._breach(status.as_dict())
            elif status.fraction >= self.config.warning_fraction and rule not in self._warned:
                self._warned.add(rule)
                if self.bus.wants(EventType.RISK_LIMIT_WARNING):
                    self.bus.emit(
                        EventType.RISK_LIMIT_WARNING,
                        {**status.as_dict(), "fraction": status.fraction},
                    )

    def _breach(self, data: dict[str, Any]) -> None:
        self._save()
        rule = str(data["rule"])
        log.warning("risk limit breached: %s", data)
        if self.bus.wants(EventType.RISK_LIMIT_BREACHED):
            self.bus.emit(EventType.RISK_LIMIT_BREACHED, data)
        if rule in _FLATTENING_RULES:
            self._flatten_soon(rule)

    def _flatten_soon(self, rule: str) -> None:
        if self.flatten is None or self._flattening:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.error("risk: %s breached outside an event loop; cannot flatten", rule)
            return
        self._flattening = True
        task = loop.create_task(self._run_flatten(rule), name=f"risk-flatten:{rule}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_flatten(self, rule: str) -> None:
        assert self.flatten is not None
        try:
            await self.flatten()
            self.flattens += 1
        except Exception as exc:
            log.error("risk: flatten after %s failed: %s", rule, exc)
            if self.bus.wants(EventType.ERROR):
                self.bus.emit(
                    EventType.ERROR,
                    {"source": "risk", "message": "flatten failed", "rule": rule, "error": exc},
                )
        finally:
            self._flattening = False

    async def _flatten_timer(self) -> None:
        while True:
            self.check_flatten_time()
            now = self._clock()
            target = rules.next_flatten(self.config, now, self.state.day)
            wait = _MAX_SLEEP_S if target is None else (target - now).total_seconds()
            await asyncio.sleep(min(_MAX_SLEEP_S, max(0.0, wait)))

    def check_flatten_time(self) -> bool:
        """Apply ``flatten_by`` now (the timer does this by itself): past the day's flatten
        moment, halt entries and flatten once. True when past it."""
        self._rollover()
        moment = rules.flatten_moment(self.config, self.state.day)
        if moment is None or self._clock() < moment:
            return False
        if self._flattened_for != self.state.trading_day:
            self._flattened_for = self.state.trading_day
            if self.state.halted is None:
                self.state.halted = rules.FLATTEN_BY
            self._breach({"rule": rules.FLATTEN_BY, "at": moment.isoformat()})
        return True

    # ================================================================ sizing
    def calculate_position_size(
        self,
        entry: float,
        stop: float,
        *,
        tick_size: float,
        tick_value: float,
        risk_percent: float | None = None,
        risk_amount: float | None = None,
        account_balance: float | None = None,
    ) -> int:
        """Contracts whose loss at ``stop`` stays within the risk budget (0 when even one
        contract risks too much), capped by ``max_position_size``.

        Budget: ``risk_amount``, else ``risk_percent`` (default the config's
        ``risk_per_trade_percent``) of the balance, and never above ``max_risk_per_trade``.
        The stop distance is rounded to whole ticks.
        """
        for name, value in (
            ("entry", entry),
            ("stop", stop),
            ("tick_size", tick_size),
            ("tick_value", tick_value),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ValidationError(f"{name} must be a positive number, got {value!r}")
        ticks = round(abs(entry - stop) / tick_size)
        if ticks == 0:
            raise ValidationError("the stop must be at least one tick away from the entry")
        budget = self._budget(risk_percent, risk_amount, account_balance)
        per_contract = ticks * tick_value
        size = math.floor(budget / per_contract + 1e-9)
        if self.config.max_position_size is not None:
            size = min(size, self.config.max_position_size)
        return max(0, size)

    def _budget(
        self, risk_percent: float | None, risk_amount: float | None, balance: float | None
    ) -> float:
        if risk_percent is not None and risk_amount is not None:
            raise ValidationError("give risk_percent or risk_amount, not both")
        cap = self.config.max_risk_per_trade
        if risk_amount is not None:
            if isinstance(risk_amount, bool) or not math.isfinite(risk_amount) or risk_amount <= 0:
                raise ValidationError(f"risk_amount must be > 0, got {risk_amount!r}")
            budget = float(risk_amount)
        else:
            pct = self.config.risk_per_trade_percent if risk_percent is None else risk_percent
            if isinstance(pct, bool) or not math.isfinite(pct) or not 0 < pct <= 100:
                raise ValidationError(f"risk_percent must be in (0, 100], got {pct!r}")
            bal = balance if balance is not None else self.balance
            if bal is None or bal <= 0:
                if cap is None:
                    raise ValidationError("no account balance known to size from; give risk_amount")
                return cap
            budget = bal * pct / 100.0
        return min(budget, cap) if cap is not None else budget

    # ================================================================ the gate
    async def validate_trade(self, request: TradeRequest) -> None:
        """The OrderManager's ``risk_gate``: raise :class:`RiskViolationError` to refuse."""
        self.check_trade(request)

    def check_trade(self, request: TradeRequest) -> None:
        """Synchronous form of :meth:`validate_trade`."""
        size = request.size
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            self._refuse("size", f"size must be a positive int, got {size!r}")
        if str(request.role) in _PROTECTIVE_ROLES:
            return
        cid = request.contract.id
        held = self.positions.signed_size(cid) if self.positions is not None else 0
        signed = size if int(request.side) == OrderSide.BUY else -size
        after = held + signed
        if held != 0 and abs(after) <= abs(held) and (after == 0 or (after > 0) == (held > 0)):
            return  # only reduces the position: always allowed (a halted account must get flat)
        self._rollover()
        cfg = self.config
        if self.state.locked:
            self._refuse(self.state.locked, "trading is locked until the state is reset")
        self.evaluate()
        if self.check_flatten_time() or self.state.halted == rules.FLATTEN_BY:
            self._refuse(rules.FLATTEN_BY, "past the daily flatten time; wait for the next day")
        if self.state.halted:
            self._refuse(self.state.halted, "trading is halted for the rest of the trading day")
        if not cfg.within_hours(self._clock().astimezone(cfg.zone).time().replace(tzinfo=None)):
            self._refuse("trading_hours", "outside the configured trading hours")
        if cfg.max_daily_loss is not None and -self.state.net_pnl >= cfg.max_daily_loss:
            self._refuse(
                rules.MAX_DAILY_LOSS,
                f"the day's net loss {-self.state.net_pnl:.2f} reached {cfg.max_daily_loss:.2f}",
            )
        if cfg.max_daily_trades is not None and self.state.entries >= cfg.max_daily_trades:
            self._refuse("max_daily_trades", f"{self.state.entries} entries made today")
        if cfg.max_position_size is not None and abs(after) > cfg.max_position_size:
            self._refuse(
                "max_position_size",
                f"position would be {abs(after)} > {cfg.max_position_size} on {cid}",
            )
        if (
            cfg.max_open_positions is not None
            and held == 0
            and self.positions is not None
            and self.positions.open_position_count() >= cfg.max_open_positions
        ):
            self._refuse("max_open_positions", f"{cfg.max_open_positions} positions already open")
        self._check_trade_risk(request, size)
        self.state.entries += 1
        self._save_soon()

    def _check_trade_risk(self, request: TradeRequest, size: int) -> None:
        stop = request.stop_loss_price
        entry = request.limit_price if request.limit_price is not None else request.reference_price
        c = request.contract
        if stop is None or entry is None or not c.tick_size or c.tick_value is None:
            if self.config.require_stop:
                self._refuse("require_stop", "the entry has no known protective stop")
            return
        risk = abs(entry - stop) / c.tick_size * c.tick_value * size
        try:
            budget = self._budget(None, None, None)
        except ValidationError:
            return  # no balance and no amount cap: nothing to compare with
        if risk > budget + 1e-9:
            self._refuse("risk_per_trade", f"the loss at the stop {risk:.2f} exceeds {budget:.2f}")

    def _refuse(self, rule: str, message: str) -> None:
        self.refused[rule] = self.refused.get(rule, 0) + 1
        raise RiskViolationError(rule, message)

    def preview_trade(self, request: TradeRequest) -> RiskViolationError | None:
        """The refusal :meth:`check_trade` would raise for ``request``, without counting the
        entry or the refusal (None: it would pass). A dry run for callers that only ask."""
        entries = self.state.entries
        refused = dict(self.refused)
        try:
            self.check_trade(request)
        except RiskViolationError as exc:
            return exc
        finally:
            if self.state.entries != entries:
                self.state.entries = entries
                self._save_soon()
            self.refused = refused
        return None

    def check_daily_reset(self) -> bool:
        """Start a new trading day's figures if the day changed; True when it did."""
        return self._rollover()

    # ================================================================ stats
    def stats(self) -> dict[str, Any]:
        """The day's figures, limits in use and refusals per rule."""
        st = self.state
        return {
            "trading_day": st.trading_day,
            "realized_pnl": st.realized_pnl,
            "fees": st.fees,
            "net_pnl": st.net_pnl,
            "entries": st.entries,
            "fills": len(self._trade_ids),
            "balance": self.balance,
            "peak_balance": st.peak_balance,
            "halted": st.halted,
            "locked": st.locked,
            "flattens": self.flattens,
            "refused": dict(self.refused),
            "limits": {s.rule: s.fraction for s in self.statuses()},
        }
