"""PositionManager behaviour against the simulator: events, marks, alerts, closes, bad input."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from projectx.enums import OrderSide, PositionType
from projectx.events import Event, EventType
from projectx.exceptions import ValidationError
from projectx.positions import PositionAlert, PositionManager

from .conftest import PEnv, eventually

CLOSES = ("Position/closeContract", "Position/partialCloseContract", "Order/place")


def mnq(env: PEnv) -> str:
    return next(cid for cid in env.contracts if ".MNQ." in cid)


async def buy(env: PEnv, cid: str, size: int, side: OrderSide = OrderSide.BUY) -> None:
    await env.px.place_market_order(cid, side, size, account_id=env.account_id)


async def test_position_events_follow_the_position(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    env.set_book(cid, 20000.0)
    await buy(env, cid, 2)
    await eventually(lambda: env.pm.signed_size(cid) == 2)
    await buy(env, cid, 1)
    await eventually(lambda: env.pm.signed_size(cid) == 3)
    await buy(env, cid, 3, OrderSide.SELL)
    await eventually(lambda: env.pm.signed_size(cid) == 0)
    kinds = [(e.type, e.data["size"]) for e in env.events]
    assert kinds == [
        (EventType.POSITION_OPENED, 2),
        (EventType.POSITION_UPDATED, 3),
        (EventType.POSITION_CLOSED, 0),
    ]
    assert env.events[-1].data["closed_size"] == 3 and env.events[0].instrument == cid
    assert env.events[0].data["side"] == PositionType.LONG
    assert env.pm.get_position(cid) is None


async def test_marks_emit_pnl_updates_only_when_listened_and_changed(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    env.set_book(cid, 20000.0)
    await buy(env, cid, 2, OrderSide.SELL)  # short 2 at the bid
    await eventually(lambda: env.pm.signed_size(cid) == -2)
    env.pm.on_price(cid, 19990.0)  # nobody listens yet: nothing emitted
    updates: list[Event] = []
    env.bus.on(EventType.POSITION_PNL_UPDATE, updates.append)
    env.pm.on_price(cid, 19990.0)  # unchanged
    env.pm.on_price(cid, 19995.0)
    env.pm.on_price(cid, 19995.0)
    env.pm.on_price("CON.F.US.XXX.Z26", 1.0)  # not held
    assert [u.data["unrealized_pnl"] for u in updates] == [(20000.0 - 19995.0) * 2 * 2.0]
    info = env.pm.get_position("MNQ")
    assert info is not None and info.is_short and info.unrealized_pnl == 20.0
    assert info.exposure == pytest.approx(2 * 19995.0 * 2.0)


async def test_an_alert_fires_once_through_the_bus_and_its_callback(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    env.set_book(cid, 20000.0)
    await buy(env, cid, 1)
    await eventually(lambda: env.pm.signed_size(cid) == 1)
    warnings: list[Event] = []
    env.bus.on(EventType.RISK_LIMIT_WARNING, warnings.append)
    fired: list[tuple[PositionAlert, str, float]] = []
    alert = env.pm.add_position_alert(
        cid, max_loss=10.0, callback=lambda a, c, p: fired.append((a, c, p))
    )
    gain = env.pm.add_position_alert(cid, max_gain=50.0)
    env.pm.on_price(cid, 19996.0)  # -8.5: not yet
    assert warnings == []
    env.pm.on_price(cid, 19994.0)  # 1 x (19994 - 20000.25) x 2 = -12.5
    env.pm.on_price(cid, 19990.0)
    assert [(w.data["rule"], w.data["condition"]) for w in warnings] == [
        ("position_alert", "max_loss")
    ]
    assert fired == [(alert, "max_loss", -12.5)]
    assert env.pm.alerts == [gain]
    assert env.pm.remove_position_alert(gain) and env.pm.alerts == []
    with pytest.raises(ValidationError):
        env.pm.add_position_alert(cid)
    with pytest.raises(ValidationError):
        env.pm.add_position_alert(cid, max_loss=-5.0)


async def test_closes_at_market_by_limit_and_partially(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    env.set_book(cid, 20000.0)
    await buy(env, cid, 4)
    await eventually(lambda: env.pm.signed_size(cid) == 4)
    assert await env.pm.partially_close_position(cid, 1)
    await eventually(lambda: env.pm.signed_size(cid) == 3)
    assert await env.pm.close_position(cid, method="limit", limit_price=20010.0)
    await eventually(lambda: env.sent("Order/place") == 2)
    assert env.pm.signed_size(cid) == 3  # resting above the market
    env.set_book(cid, 20010.0)  # the bid reaches the limit
    await eventually(lambda: env.pm.signed_size(cid) == 0)
    assert not await env.pm.close_position(cid)  # flat: nothing sent
    await buy(env, cid, 2, OrderSide.SELL)
    await eventually(lambda: env.pm.signed_size(cid) == -2)
    assert await env.pm.close_all_positions() == 1
    await eventually(lambda: env.pm.signed_size(cid) == 0)


@pytest.mark.parametrize(
    ("call", "kw"),
    [
        ("partial", {"size": 0}),
        ("partial", {"size": -1}),
        ("partial", {"size": True}),
        ("partial", {"size": 1.0}),
        ("partial", {"size": 3}),  # more than held
        ("close", {"method": "stop"}),
        ("close", {"method": "limit"}),  # no price
        ("close", {"method": "limit", "limit_price": 20010.1}),  # off the tick grid
        ("close", {"method": "market", "limit_price": 20010.0}),
    ],
)
async def test_bad_close_input_is_a_typed_error_and_nothing_is_sent(
    penv: PEnv, call: str, kw: dict[str, Any]
) -> None:
    env, cid = penv, mnq(penv)
    env.set_book(cid, 20000.0)
    await buy(env, cid, 2)
    await eventually(lambda: env.pm.signed_size(cid) == 2)
    before = env.sent(*CLOSES)
    with pytest.raises(ValidationError):
        if call == "partial":
            await env.pm.partially_close_position(cid, **kw)
        else:
            await env.pm.close_position(cid, **kw)
    assert env.sent(*CLOSES) == before
    assert env.pm.signed_size(cid) == 2


async def test_unknown_contracts_are_looked_up_for_their_tick_value(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    pm = PositionManager(env.px, env.bus, account_id=env.account_id)  # no contracts given
    env.rt.on_user_event(pm.on_user_event)
    await pm.start()
    env.set_book(cid, 20000.0)
    await buy(env, cid, 1)
    await eventually(lambda: pm.signed_size(cid) == 1)
    await eventually(lambda: (p := pm.get_position(cid)) is not None and p.point_value == 2.0)
    pm.on_price(cid, 20001.25)
    info = pm.get_position(cid)
    assert info is not None and info.unrealized_pnl == pytest.approx(2.0)
    await pm.close()


async def test_analytics_and_risk_figures_of_a_small_session(penv: PEnv) -> None:
    env, cid = penv, mnq(penv)
    price = 20000.0
    for step, move in enumerate((4.0, -2.0, 3.0, -5.0)):
        env.set_book(cid, price)
        side = OrderSide.BUY if step % 2 == 0 else OrderSide.SELL
        await buy(env, cid, 1, side)
        await eventually(lambda: env.pm.signed_size(cid) != 0)
        price += move if side == OrderSide.BUY else -move
        env.set_book(cid, price)
        await buy(env, cid, 1, OrderSide.SELL if side == OrderSide.BUY else OrderSide.BUY)
        await eventually(lambda: env.pm.signed_size(cid) == 0)
    trips = env.pm.round_trips
    assert len(trips) == 4
    nets = [t.net_pnl for t in trips]
    stats = env.pm.get_analytics()
    assert stats["trades"] == 4
    assert stats["win_rate"] == sum(1 for n in nets if n > 0) / 4
    assert stats["net_pnl"] == pytest.approx(env.pm.realized_pnl() - env.pm.total_fees())
    # hold one position and ask for VaR from a bar frame
    env.set_book(cid, 20000.0)
    await buy(env, cid, 2)
    await eventually(lambda: env.pm.signed_size(cid) == 2)
    env.pm.on_price(cid, 20000.0)
    bars = pl.DataFrame({"close": [100.0, 101.0, 99.0, 100.0, 98.0, 99.0]})
    risk = env.pm.get_risk_metrics({cid: bars})
    exposure = 2 * 20000.0 * 2.0
    assert risk["total_exposure"] == pytest.approx(exposure)
    worst = min(101 / 100 - 1, 99 / 101 - 1, 100 / 99 - 1, 98 / 100 - 1, 99 / 98 - 1)
    assert risk["var"] > 0 and risk["var"] <= -worst * exposure + 1e-6
