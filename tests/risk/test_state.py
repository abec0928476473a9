"""Persisted risk state: atomic file, restart keeps the day's loss, rollover at the CME day."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from projectx.enums import OrderSide
from projectx.events import EventBus
from projectx.risk import (
    RiskConfig,
    RiskManager,
    RiskState,
    RiskStateError,
    RiskStateStore,
    RiskViolationError,
)
from projectx.risk.state import default_state_path

from .helpers import MNQ, NY, Clock, FakePositions, Req, fill


def make(path: Path, clock: Clock, **cfg: object) -> RiskManager:
    return RiskManager(
        EventBus(),
        RiskConfig(**cfg),  # type: ignore[arg-type]
        account_balance_source=lambda: 50_000.0,
        state_path=path,
        positions=FakePositions(),
        clock=clock,
    )


def test_state_round_trips_and_leaves_no_temp_file(tmp_path: Path) -> None:
    store = RiskStateStore(tmp_path / "sub" / "risk.json")
    state = RiskState("2026-11-24", realized_pnl=-12.5, fees=1.48, entries=3, trade_ids=[5, 7])
    state.peak_balance = 51_000.0
    store.save(state)
    assert store.load() == state
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["risk.json"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"version": 99}',
        b'{"version": 1, "trading_day": "x"}',
        b'{"version": 1, "trading_day": "2026-11-24", "entries": "3"}',
    ],
)
def test_a_corrupt_state_file_is_an_error_never_a_silent_reset(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "risk.json"
    path.write_bytes(content)
    with pytest.raises(RiskStateError):
        RiskStateStore(path).load()
    with pytest.raises(RiskStateError):
        make(path, Clock())


def test_a_restart_keeps_the_days_realised_loss_and_blocks_entries(tmp_path: Path) -> None:
    path = tmp_path / "risk.json"
    clock = Clock()
    first = make(path, clock, max_daily_loss=500.0)
    losing = [fill(-200.0), fill(-150.0), fill(-160.0)]
    for t in losing:
        assert first.record_fill(t)
    assert first.state.net_pnl == pytest.approx(-510.0 - 3 * 0.74)
    del first
    second = make(path, clock, max_daily_loss=500.0)  # a new process on the same file
    assert second.state.net_pnl == pytest.approx(-510.0 - 3 * 0.74)
    for t in losing:  # the suite replays the day's fills after a restart: not counted twice
        assert not second.record_fill(t)
    assert second.state.net_pnl == pytest.approx(-510.0 - 3 * 0.74)
    with pytest.raises(RiskViolationError) as info:
        second.check_trade(Req(MNQ, OrderSide.BUY, 1))
    assert info.value.rule == "max_daily_loss"
    saved = json.loads(path.read_text())
    assert saved["trading_day"] == "2026-11-24" and len(saved["trade_ids"]) == 3


def test_the_day_rolls_over_at_the_cme_boundary_keeping_the_peak(tmp_path: Path) -> None:
    path = tmp_path / "risk.json"
    clock = Clock(datetime(2026, 11, 24, 16, 59, tzinfo=NY))
    rm = make(path, clock, max_daily_loss=100.0)
    rm.update_balance(50_500.0)
    rm.record_fill(fill(-150.0, when=clock.now))
    with pytest.raises(RiskViolationError):
        rm.check_trade(Req(MNQ, OrderSide.BUY, 1))
    clock.now = datetime(2026, 11, 24, 17, 1, tzinfo=NY)  # the session closed: a new day
    rm.check_trade(Req(MNQ, OrderSide.BUY, 1))
    assert rm.state.trading_day == "2026-11-25"
    assert rm.state.realized_pnl == 0.0 and rm.state.entries == 1
    assert rm.state.peak_balance == 50_500.0
    # a fill of the previous day arriving late does not count on the new day
    assert not rm.record_fill(fill(-99.0, when=clock.now - timedelta(minutes=5)))
    # a restart on the new day sees the new day; one on a Friday evening rolls to Monday
    clock.now = datetime(2026, 11, 27, 18, 30, tzinfo=NY)
    again = make(path, clock)
    assert again.state.trading_day == "2026-11-30" and again.state.peak_balance == 50_500.0


def test_default_state_path_is_under_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_path(7001) == tmp_path / "projectx" / "risk-7001.json"
    rm = RiskManager(EventBus(), account_id=7001, clock=Clock())
    assert rm.store is not None and rm.store.path.exists()


async def test_inside_a_loop_saves_are_deferred_one_turn_and_coalesced(tmp_path: Path) -> None:
    path = tmp_path / "risk.json"
    clock = Clock()
    rm = make(path, clock)
    saves = rm.store.saves if rm.store is not None else 0
    fills = [fill(-10.0), fill(-20.0), fill(5.0)]
    assert rm.record_fills(fills) == 3
    assert rm.record_fills(fills) == 0
    await asyncio.sleep(0)
    assert rm.store is not None and rm.store.saves == saves + 1
    again = make(path, clock)
    assert again.state.realized_pnl == pytest.approx(-25.0)
    assert sorted(again.state.trade_ids) == sorted(t.id for t in fills)
