"""The gate and the live prop-firm rules (unit level: fake positions, settable clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from projectx.enums import OrderSide
from projectx.events import Event, EventBus, EventType
from projectx.risk import RiskConfig, RiskManager, RiskViolationError

from .helpers import MNQ, NY, Clock, FakePositions, Req, fill

BUY, SELL = OrderSide.BUY, OrderSide.SELL


class Rig:
    def __init__(self, tmp_path: Path, balance: float = 50_000.0, **cfg: Any) -> None:
        self.bus = EventBus()
        self.events: list[Event] = []
        self.bus.on(EventType.RISK_LIMIT_WARNING, self.events.append)
        self.bus.on(EventType.RISK_LIMIT_BREACHED, self.events.append)
        self.clock = Clock()
        self.positions = FakePositions()
        self.flattened = 0
        self.balance: float | None = balance
        self.path = tmp_path / "risk.json"
        self.config = RiskConfig(**cfg)
        self.rm = self.make()

    async def flatten(self) -> None:
        self.flattened += 1

    def make(self) -> RiskManager:
        return RiskManager(
            self.bus,
            self.config,
            account_balance_source=lambda: self.balance,
            state_path=self.path,
            positions=self.positions,
            flatten=self.flatten,
            clock=self.clock,
        )

    def kinds(self) -> list[tuple[EventType, str]]:
        return [(e.type, e.data["rule"]) for e in self.events]


def refused(rm: RiskManager, req: Req) -> str:
    with pytest.raises(RiskViolationError) as info:
        rm.check_trade(req)
    return info.value.rule


def test_size_and_position_limits(tmp_path: Path) -> None:
    rig = Rig(tmp_path, max_position_size=5, max_open_positions=1)
    rm = rig.rm
    assert refused(rm, Req(MNQ, BUY, 0)) == "size"
    assert refused(rm, Req(MNQ, BUY, -2)) == "size"
    assert refused(rm, Req(MNQ, BUY, 6)) == "max_position_size"
    rm.check_trade(Req(MNQ, BUY, 5))
    rig.positions.sizes[MNQ.id] = 4
    assert refused(rm, Req(MNQ, BUY, 2)) == "max_position_size"  # 4 + 2 > 5
    rm.check_trade(Req(MNQ, SELL, 9))  # flips to -5: allowed by size
    other = MNQ.__class__(id="CON.F.US.MES.Z26", tick_size=0.25, tick_value=1.25)
    assert refused(rm, Req(other, BUY, 1)) == "max_open_positions"


def test_max_daily_trades_counts_approved_entries_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path, max_daily_trades=2)
    rm = rig.rm
    rm.check_trade(Req(MNQ, BUY, 1))
    rm.check_trade(Req(MNQ, BUY, 1))
    assert refused(rm, Req(MNQ, BUY, 1)) == "max_daily_trades"
    rig.positions.sizes[MNQ.id] = 2
    rm.check_trade(Req(MNQ, SELL, 2))  # an exit is not an entry
    rm.check_trade(Req(MNQ, SELL, 1, role="stop_loss"))
    assert rm.state.entries == 2


def test_risk_per_trade_uses_the_stop_of_the_entry(tmp_path: Path) -> None:
    rig = Rig(tmp_path, risk_per_trade_percent=1.0, require_stop=True)
    rm = rig.rm
    # 25 contracts x 40 ticks x 0.5 = 500 = 1% of 50,000: allowed; 26 is not
    rm.check_trade(Req(MNQ, BUY, 25, reference_price=21000.0, stop_loss_price=20990.0))
    req = Req(MNQ, BUY, 26, reference_price=21000.0, stop_loss_price=20990.0)
    assert refused(rm, req) == "risk_per_trade"
    assert refused(rm, Req(MNQ, BUY, 1)) == "require_stop"


def test_trading_hours_wrap_past_midnight(tmp_path: Path) -> None:
    rig = Rig(tmp_path, trading_hours=(time(18, 0), time(16, 0)))
    rig.clock.now = datetime(2026, 11, 24, 16, 30, tzinfo=NY)
    assert refused(rig.rm, Req(MNQ, BUY, 1)) == "trading_hours"
    rig.clock.now = datetime(2026, 11, 24, 23, 30, tzinfo=NY)
    rig.rm.check_trade(Req(MNQ, BUY, 1))
    rig.clock.now = datetime(2026, 11, 25, 9, 30, tzinfo=NY)
    rig.rm.check_trade(Req(MNQ, BUY, 1))


async def test_daily_loss_limit_warns_then_breaches_once_and_flattens(tmp_path: Path) -> None:
    rig = Rig(tmp_path, daily_loss_limit=1000.0, warning_fraction=0.5)
    rm = rig.rm
    await rm.start()
    rm.record_fill(fill(-400.0, fees=1.0))
    assert rig.kinds() == []
    rig.positions.unrealized = -150.0  # 401 + 150 = 551 >= 500: warning
    rm.evaluate()
    assert rig.kinds() == [(EventType.RISK_LIMIT_WARNING, "daily_loss_limit")]
    rm.record_fill(fill(-200.0, fees=1.0))  # 602 + 150 = 752: no second warning
    assert len(rig.events) == 1
    rig.positions.unrealized = -400.0  # 602 + 400 = 1002 >= 1000: breach
    rm.evaluate()
    rm.evaluate()
    assert rig.kinds()[-1] == (EventType.RISK_LIMIT_BREACHED, "daily_loss_limit")
    assert sum(1 for e in rig.events if e.type is EventType.RISK_LIMIT_BREACHED) == 1
    await rig.bus.drain()
    await _settle()
    assert rig.flattened == 1
    assert refused(rm, Req(MNQ, BUY, 1)) == "daily_loss_limit"
    rig.positions.sizes[MNQ.id] = 3
    rm.check_trade(Req(MNQ, SELL, 3))  # getting flat is always allowed
    await rm.close()


async def test_open_pnl_updates_on_the_bus_drive_the_rule(tmp_path: Path) -> None:
    rig = Rig(tmp_path, daily_loss_limit=500.0)
    await rig.rm.start()
    rig.positions.unrealized = -600.0
    rig.bus.emit(EventType.POSITION_PNL_UPDATE, {"unrealized_pnl": -600.0})
    assert rig.rm.halted == "daily_loss_limit"
    await _settle()
    assert rig.flattened == 1
    await rig.rm.close()


async def test_trailing_drawdown_trails_the_peak_and_locks(tmp_path: Path) -> None:
    rig = Rig(tmp_path, balance=50_000.0, trailing_max_drawdown=2000.0)
    rm = rig.rm
    await rm.start()
    rm.update_balance(50_000.0)
    rm.update_balance(51_500.0)  # peak 51,500 -> floor 49,500
    rm.update_balance(49_600.0)
    assert rm.halted is None
    rm.update_balance(49_500.0)
    assert rm.halted == "trailing_max_drawdown" and rm.state.locked == "trailing_max_drawdown"
    await _settle()
    assert rig.flattened == 1
    # the lock survives a restart and a new trading day
    await rm.close()
    rig.clock.now += timedelta(days=1)
    rm2 = rig.make()
    assert rm2.state.locked == "trailing_max_drawdown"
    assert refused(rm2, Req(MNQ, BUY, 1)) == "trailing_max_drawdown"
    rm2.reset_lock()
    rm2.check_trade(Req(MNQ, BUY, 1))


def test_the_drawdown_floor_stops_trailing_at_the_set_balance(tmp_path: Path) -> None:
    rig = Rig(tmp_path, trailing_max_drawdown=2000.0, trailing_stop_at=50_000.0)
    rm = rig.rm
    rm.update_balance(55_000.0)  # floor would be 53,000 but stops at 50,000
    rm.update_balance(50_100.0)
    assert rm.halted is None
    rm.update_balance(50_000.0)
    assert rm.halted == "trailing_max_drawdown"


async def test_flatten_by_halts_and_flattens_at_the_set_time(tmp_path: Path) -> None:
    rig = Rig(tmp_path, flatten_by=time(15, 55))
    rig.clock.now = datetime(2026, 11, 24, 15, 54, tzinfo=NY)
    rm = rig.rm
    rm.check_trade(Req(MNQ, BUY, 1))
    rig.clock.now = datetime(2026, 11, 24, 15, 56, tzinfo=NY)
    await rm.start()  # the timer sees the time has passed
    await _settle()
    assert rig.flattened == 1
    assert refused(rm, Req(MNQ, BUY, 1)) == "flatten_by"
    assert rig.kinds() == [(EventType.RISK_LIMIT_BREACHED, "flatten_by")]
    # the evening session is the next trading day: trading again
    rig.clock.now = datetime(2026, 11, 24, 18, 5, tzinfo=NY)
    rm.check_trade(Req(MNQ, BUY, 1))
    assert rm.state.trading_day == "2026-11-25"
    await rm.close()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)
