"""Fills the hub reports that nobody placed, or reports twice differently: REST decides."""

from __future__ import annotations

import pytest

from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.models import Trade
from projectx.positions import PositionManager
from projectx.realtime.client import UserEvent
from tests.positions.conftest import PEnv, eventually


def _wire(trade: Trade, **change: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": trade.id,
        "accountId": trade.account_id,
        "contractId": trade.contract_id,
        "creationTimestamp": "2026-01-05T15:00:00+00:00",
        "price": trade.price,
        "fees": trade.fees,
        "side": int(trade.side or 0),
        "size": trade.size,
        "voided": False,
        "orderId": trade.order_id,
    }
    data.update(change)
    return data


async def _one_fill(penv: PEnv) -> Trade:
    cid = next(iter(penv.contracts))
    penv.set_book(cid, 20000.0)
    await penv.px.place_market_order(cid, OrderSide.BUY, 1)
    await eventually(lambda: len(penv.pm.trades()) == 1)
    return penv.pm.trades()[0]


async def test_a_real_fill_of_an_unknown_order_is_booked_once_rest_confirms_it(penv: PEnv) -> None:
    real = await _one_fill(penv)
    anomalies: list[Event] = []
    penv.bus.on(EventType.ANOMALY, anomalies.append)
    # a second manager that knows no order at all sees the same fill on the hub
    pm = PositionManager(
        penv.px,
        penv.bus,
        account_id=penv.account_id,
        contracts=penv.contracts,
        order_known=lambda _: False,
        confirm_interval_s=0.05,
    )
    pm.since = penv.pm.since
    pm.on_user_event(UserEvent("GatewayUserTrade", 0, _wire(real)))
    assert pm.stats()["fills_held"] == 1 and pm.total_fees() == 0.0
    await eventually(lambda: pm.stats()["fills_confirmed"] == 1)
    assert pm.total_fees() == pytest.approx(real.fees or 0.0) and anomalies == []
    # a fill REST does not know is refused
    ghost = _wire(real, id=real.id + 10_000, orderId=(real.order_id or 0) + 10_000, fees=9.0)
    pm.on_user_event(UserEvent("GatewayUserTrade", 0, ghost))
    await eventually(lambda: pm.stats()["fills_unconfirmed"] == 1)
    assert pm.total_fees() == pytest.approx(real.fees or 0.0)
    assert [e.data["reason"] for e in anomalies] == ["fill_unconfirmed"]
    await pm.close()


async def test_reconcile_lets_rest_decide_a_fill_booked_with_other_contents(penv: PEnv) -> None:
    cid = next(iter(penv.contracts))
    penv.set_book(cid, 20000.0)
    penv.sim.faults.stall_hub("user")  # the real events wait; a wrong copy is seen first
    order_id = await penv.px.place_market_order(cid, OrderSide.BUY, 1)
    (row,) = penv.sim.exchange.account_trades(penv.account_id)
    truth = row[1]
    wrong = {**truth, "size": 3, "fees": truth["fees"] + 7.0}
    pm = penv.pm
    pm.on_user_event(UserEvent("GatewayUserTrade", 0, wrong))
    assert pm.total_fees() == pytest.approx(truth["fees"] + 7.0)
    await pm.reconcile()
    assert pm.total_fees() == pytest.approx(truth["fees"])
    assert pm.stats()["fills_corrected"] == 1 and pm.trades()[0].size == 1
    assert pm.anomalies.by_reason["fill_corrected"] == 1 and truth["orderId"] == order_id
    penv.sim.faults.resume_hub("user")  # the real copy changes nothing now
    await eventually(
        lambda: penv.server_positions().keys() == {p.contract_id for p in pm.get_all_positions()}
    )
    assert pm.total_fees() == pytest.approx(truth["fees"])
