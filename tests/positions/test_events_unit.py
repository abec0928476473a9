"""PositionManager event handling without a server: account filter, malformed payloads, voided
fills, duplicate fills and contracts resolved after their first fill."""

from __future__ import annotations

from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.events import EventBus
from projectx.exceptions import ValidationError
from projectx.models import Contract
from projectx.positions import PositionManager
from projectx.positions.manager import MIN_HISTORY
from projectx.realtime.client import UserEvent

ACCOUNT = 7001
MNQ = Contract(id="CON.F.US.MNQ.Z26", tick_size=0.25, tick_value=0.5, symbol_id="F.US.MNQ")


def client() -> ProjectX:
    return ProjectX(
        ProjectXConfig(
            environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
        )
    )


def trade(tid: int, side: int, size: int, price: float, **kw: Any) -> UserEvent:
    data = {
        "id": tid,
        "accountId": ACCOUNT,
        "contractId": MNQ.id,
        "creationTimestamp": "2026-11-24T15:00:00+00:00",
        "price": price,
        "fees": 0.62,
        "side": side,
        "size": size,
        "voided": False,
        "orderId": 1,
        **kw,
    }
    return UserEvent("GatewayUserTrade", 0, data)


def position(size: int, avg: float, long: bool = True, account: int = ACCOUNT) -> UserEvent:
    data = {
        "id": 88001,
        "accountId": account,
        "contractId": MNQ.id,
        "creationTimestamp": "2026-11-24T15:00:00+00:00",
        "type": 1 if long else 2,
        "size": size,
        "averagePrice": avg,
    }
    return UserEvent("GatewayUserPosition", 1, data)


def test_other_accounts_and_malformed_payloads_are_ignored() -> None:
    pm = PositionManager(client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ})
    pm.on_user_event(position(3, 100.0, account=9999))
    assert pm.get_all_positions() == []
    pm.on_user_event(UserEvent("GatewayUserPosition", 1, {"id": "x", "accountId": ACCOUNT}))
    pm.on_user_event(UserEvent("GatewayUserAccount", 1, {"id": 9999, "balance": 1.0}))
    assert pm.stats()["malformed_events"] == 1 and pm.balance is None
    pm.on_user_event(UserEvent("GatewayUserAccount", 1, {"id": ACCOUNT, "balance": 50_000.5}))
    assert pm.balance == 50_000.5


def test_duplicate_and_voided_fills_count_once() -> None:
    pm = PositionManager(client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ})
    pm.on_user_event(trade(1, 0, 2, 100.0))
    pm.on_user_event(trade(2, 1, 2, 101.0, profitAndLoss=4.0))
    pm.on_user_event(trade(1, 0, 2, 100.0))  # the Gateway re-sends the matched opening fill
    assert pm.realized_pnl() == 4.0 and pm.total_fees() == pytest.approx(1.24)
    assert pm.stats()["pnl_mismatches"] == 0 and len(pm.round_trips) == 1
    pm.on_user_event(trade(2, 1, 2, 101.0, profitAndLoss=4.0, voided=True))
    assert pm.realized_pnl() == 0.0 and pm.total_fees() == pytest.approx(0.62)


def test_a_wrong_gateway_pnl_is_counted_as_a_mismatch() -> None:
    pm = PositionManager(client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ})
    pm.on_user_event(trade(1, 0, 1, 100.0))
    pm.on_user_event(trade(2, 1, 1, 101.0, profitAndLoss=3.0))  # truth: 1.0 x 2 = 2.0
    assert pm.stats()["pnl_mismatches"] == 1
    assert pm.realized_pnl() == 3.0  # the Gateway's figure is what the balance uses


def test_fills_of_a_contract_resolved_later_are_replayed_into_the_ledger() -> None:
    known: dict[str, Contract] = {}
    pm = PositionManager(client(), EventBus(), account_id=ACCOUNT, contracts=known.get)
    pm.on_user_event(trade(1, 0, 1, 100.0))
    pm.on_user_event(position(1, 100.0))
    info = pm.get_position(MNQ.id)
    assert info is not None and info.point_value is None and info.unrealized_pnl is None
    known[MNQ.id] = MNQ
    pm.on_user_event(trade(2, 1, 1, 102.0, profitAndLoss=4.0))
    pm.on_user_event(position(0, 100.0))
    assert pm.stats()["pnl_mismatches"] == 0
    assert [t.pnl for t in pm.round_trips] == [4.0]


def test_history_limit_bounds_memory_but_every_fill_still_counts_once() -> None:
    limit = MIN_HISTORY
    pm = PositionManager(
        client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ}, history_limit=limit
    )
    trips = limit // 2 + 100  # each round trip +4.0 (2 lots x 1 point x 2.0), two fills
    for n in range(trips):
        pm.on_user_event(trade(2 * n + 1, 0, 2, 100.0))
        pm.on_user_event(trade(2 * n + 2, 1, 2, 101.0, profitAndLoss=4.0))
    kept = [t.id for t in pm.trades()]
    assert kept == list(range(2 * trips - limit + 1, 2 * trips + 1))  # the latest, in id order
    assert len(pm.round_trips) <= limit
    stats = pm.stats()
    assert (stats["trades"], stats["trades_kept"]) == (2 * trips, limit)
    assert pm.realized_pnl() == 4.0 * trips
    pm.on_user_event(trade(4, 1, 2, 101.0, profitAndLoss=4.0))  # re-sent, long forgotten
    pm.on_user_event(trade(2 * trips, 1, 2, 101.0, profitAndLoss=4.0))  # re-sent, still kept
    assert pm.realized_pnl() == 4.0 * trips and pm.stats()["trades"] == 2 * trips
    for _ in range(2):  # the Gateway voids a forgotten fill (twice): taken out once
        pm.on_user_event(trade(4, 1, 2, 101.0, profitAndLoss=4.0, voided=True))
    assert pm.realized_pnl() == 4.0 * (trips - 1)
    assert pm.stats()["pnl_mismatches"] == 0


def test_a_forgotten_fill_that_was_void_when_seen_is_not_taken_out_again() -> None:
    pm = PositionManager(
        client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ}, history_limit=MIN_HISTORY
    )
    pm.on_user_event(trade(1, 1, 2, 101.0, profitAndLoss=9.0, voided=True))  # never counted
    for n in range(MIN_HISTORY):
        pm.on_user_event(trade(n + 2, 0, 1, 100.0))
    assert 1 not in {t.id for t in pm.trades()}
    before = pm.realized_pnl()
    pm.on_user_event(trade(1, 1, 2, 101.0, profitAndLoss=9.0, voided=True))
    assert pm.realized_pnl() == before


@pytest.mark.parametrize("limit", [0, -1, True, 2.5, MIN_HISTORY - 1])
def test_history_limit_must_be_an_int_of_at_least_the_minimum(limit: object) -> None:
    with pytest.raises(ValidationError):
        PositionManager(client(), EventBus(), account_id=ACCOUNT, history_limit=limit)  # type: ignore[arg-type]
