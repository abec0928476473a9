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
    pm = PositionManager(
        client(), EventBus(), account_id=ACCOUNT, contracts={MNQ.id: MNQ}, history_limit=4
    )
    for n in range(10):  # ten round trips of one contract, each +4.0 (2 lots x 1 point x 2.0)
        pm.on_user_event(trade(2 * n + 1, 0, 2, 100.0))
        pm.on_user_event(trade(2 * n + 2, 1, 2, 101.0, profitAndLoss=4.0))
    assert [t.id for t in pm.trades()] == [17, 18, 19, 20]  # the latest four kept
    assert len(pm.round_trips) == 4
    stats = pm.stats()
    assert (stats["trades"], stats["trades_kept"], stats["round_trips"]) == (20, 4, 10)
    assert pm.realized_pnl() == 40.0
    pm.on_user_event(trade(2, 1, 2, 101.0, profitAndLoss=4.0))  # re-sent, long forgotten
    pm.on_user_event(trade(18, 1, 2, 101.0, profitAndLoss=4.0))  # re-sent, still kept
    assert pm.realized_pnl() == 40.0 and pm.stats()["trades"] == 20
    assert pm.stats()["pnl_mismatches"] == 0


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_history_limit_must_be_a_positive_int(limit: object) -> None:
    with pytest.raises(ValidationError):
        PositionManager(client(), EventBus(), account_id=ACCOUNT, history_limit=limit)  # type: ignore[arg-type]
