"""TradingSuite events and stats against the simulator: market events built only when listened
to, connection events from real drops/stalls, per-instrument filtering, stats and exports."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from projectx.enums import OrderSide
from projectx.events import Event, EventType
from projectx.exceptions import ValidationError
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.suite import TradingSuite
from tests.suite.conftest import config_for, eventually


async def test_market_events_reach_listeners_and_are_filtered_by_instrument() -> None:
    async with Simulator(
        symbols=["MNQ", "MES"], seed=3, rate=100.0, rate_limits=RateLimitConfig(enabled=False)
    ) as sim:
        suite = await TradingSuite.create(
            ["MNQ", "MES"], timeframes=["1sec"], initial_days=0, config=config_for(sim)
        )
        async with suite:
            got: dict[EventType, list[Event]] = {}
            for etype in (
                EventType.TRADE_TICK,
                EventType.QUOTE_UPDATE,
                EventType.MARKET_DEPTH_UPDATE,
                EventType.DATA_UPDATE,
                EventType.NEW_BAR,
            ):
                suite.on(etype, got.setdefault(etype, []).append)
            mes_only: list[Event] = []
            suite["MES"].on(EventType.TRADE_TICK, mes_only.append)
            # trades that arrived while the suite connected had no listener (no await since)
            trades_unheard = suite.feed.trades
            await eventually(lambda: all(len(v) >= 3 for v in got.values()))
            await eventually(lambda: len(mes_only) >= 2)
            symbols = {e.instrument for e in got[EventType.TRADE_TICK]}
            assert symbols == {"MNQ", "MES"}
            assert {e.instrument for e in mes_only} == {"MES"}
            mes_cid = suite["MES"].contract_id
            assert all(e.data["contract_id"] == mes_cid for e in mes_only)
            tick = got[EventType.TRADE_TICK][0].data
            assert tick["price"] > 0 and tick["volume"] >= 1 and tick["ts_ns"] > 0
            quote = got[EventType.QUOTE_UPDATE][-1].data
            assert quote["contract_id"] in {suite["MNQ"].contract_id, mes_cid}
            # trade ticks match the feed's count one to one (both read with no await between)
            await asyncio.sleep(0.2)
            n_ticks = len(got[EventType.TRADE_TICK])
            assert n_ticks == suite.feed.trades - trades_unheard
            with pytest.raises(ValidationError):
                _ = suite.data  # ambiguous with two instruments
            with pytest.raises(KeyError):
                suite["NQ"]


async def test_connection_events_follow_real_drops_and_stalls(sim: Simulator) -> None:
    suite = TradingSuite(
        "MNQ", timeframes=["1min"], initial_days=0, config=config_for(sim), stale_after=0.6
    )
    events: list[Event] = []
    for etype in (
        EventType.CONNECTED,
        EventType.DISCONNECTED,
        EventType.RECONNECTING,
        EventType.RECONNECTED,
        EventType.FEED_STALE,
        EventType.ACCOUNT_UPDATE,
    ):
        suite.on(etype, events.append)
    async with suite:
        assert [e.type for e in events] == [EventType.CONNECTED]
        await sim.faults.drop_connections("market", mode="abort")
        await eventually(lambda: any(e.type is EventType.RECONNECTED for e in events))
        kinds = [e.type for e in events if e.data.get("hub") == "market"]
        assert kinds[:3] == [
            EventType.DISCONNECTED,
            EventType.RECONNECTING,
            EventType.RECONNECTED,
        ]
        sim.faults.stall_hub("market")
        await eventually(lambda: any(e.type is EventType.FEED_STALE for e in events))
        sim.faults.resume_hub("market")
        await suite.client.place_market_order(suite["MNQ"].contract, OrderSide.BUY, 1)
        await eventually(lambda: any(e.type is EventType.ACCOUNT_UPDATE for e in events))
    assert events[-1].type is EventType.DISCONNECTED


async def test_a_failing_handler_becomes_an_error_event_and_lowers_health(sim: Simulator) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        errors: list[Event] = []
        suite.on(EventType.ERROR, errors.append)
        healthy = suite.get_stats()["health"]["score"]

        def broken(event: Event) -> None:
            raise RuntimeError("strategy bug")

        suite.on(EventType.TRADE_TICK, broken)
        await eventually(lambda: len(errors) >= 1)
        assert isinstance(errors[0].data["error"], RuntimeError)
        stats = suite.get_stats()
        assert stats["events"]["handler_errors"] >= 1
        assert stats["health"]["score"] < healthy
        assert any("handler errors" in r for r in stats["health"]["reasons"])


async def test_stats_count_real_traffic_and_export_as_json_and_prometheus(sim: Simulator) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec", "1min"], initial_days=0.01, config=config_for(sim)
    ) as suite:
        await eventually(lambda: suite.feed.trades >= 20)
        stats = suite.get_stats()
        market = stats["hubs"]["market"]
        assert market["state"] == "connected" and market["messages"] >= 1
        assert market["native_records"] >= suite.feed.trades
        assert market["process_latency"]["count"] == market["messages"]
        assert stats["feed"]["trades"] == suite.feed.trades
        assert stats["memory"]["rss_bytes"] > 10_000_000
        assert stats["instruments"]["MNQ"]["data"]["warmup_bars"]["1min"] >= 1
        assert 0 <= stats["health"]["score"] <= 100
        decoded = orjson.loads(suite.export_stats("json"))
        assert decoded["hubs"]["market"]["state"] == "connected"
        prom = suite.export_stats("prometheus")
        lines = [ln for ln in prom.splitlines() if ln and not ln.startswith("#")]
        names = [ln.split("{")[0].split(" ")[0] for ln in lines]
        assert "projectx_feed_trades" in names
        assert any(ln.startswith('projectx_hubs_messages{hub="market"}') for ln in lines)
        for ln in lines:
            float(ln.rsplit(" ", 1)[1])  # every sample value parses
        creds = sim.credentials
        token = suite.client.token
        for text in (suite.export_stats("json"), prom, repr(suite)):
            assert creds.api_key not in text
            assert token is None or token not in text
        with pytest.raises(ValidationError):
            suite.export_stats("xml")


async def test_bad_suite_arguments_are_refused_before_connecting() -> None:
    with pytest.raises(ValidationError):
        TradingSuite([], config=None)
    with pytest.raises(ValidationError):
        TradingSuite(["MNQ", "MNQ"])
    with pytest.raises(ValidationError):
        TradingSuite("MNQ", features=["telepathy"])
    with pytest.raises(ValidationError):
        TradingSuite("MNQ", timeframes=["7parsecs"]).data  # noqa: B018


async def test_instrument_handlers_see_order_and_position_events_of_their_contract(
    sim: Simulator,
) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        ctx = suite["MNQ"]
        fills: list[Event] = []
        ctx.on(EventType.ORDER_FILLED, fills.append)
        opened = asyncio.ensure_future(ctx.wait_for(EventType.POSITION_OPENED, timeout=10))
        await suite.orders.place_market_order(ctx.contract, OrderSide.BUY, 1)
        event = await opened
        await eventually(lambda: len(fills) == 1)
        assert event.instrument == ctx.contract_id and fills[0].instrument == ctx.contract_id
        await suite.positions.close_position(ctx.contract)


async def test_a_limit_close_is_a_tracked_tagged_order_of_the_order_manager(
    sim: Simulator,
) -> None:
    async with await TradingSuite.create(
        "MNQ", timeframes=["1sec"], initial_days=0, config=config_for(sim)
    ) as suite:
        ctx, account = suite["MNQ"], suite.account
        assert account is not None
        tick = ctx.contract.tick_size or 0.25
        await suite.orders.place_market_order(ctx.contract, OrderSide.BUY, 2)
        await eventually(lambda: suite.positions.signed_size(ctx.contract_id) == 2)
        before = {rec.custom_tag for rec in suite.orders.tracked()}
        held = suite.positions.get_position(ctx.contract)
        assert held is not None
        far_above = round(held.average_price / tick) * tick + 400 * tick
        assert await suite.positions.close_position(
            ctx.contract, method="limit", limit_price=far_above
        )
        closes = [rec for rec in suite.orders.tracked() if rec.custom_tag not in before]
        assert len(closes) == 1, "the close is tracked by the order manager"
        close = closes[0]
        assert close.custom_tag and close.order_id is not None
        assert (close.side, close.size, close.limit_price) == (OrderSide.SELL, 2, far_above)
        server = sim.exchange.handle(
            "Order/searchOpen", sim.credentials.user_name, {"accountId": account.id}
        )["orders"]
        assert [o["customTag"] for o in server if o["id"] == close.order_id] == [close.custom_tag]
        await suite.orders.cancel_order(close)
        await suite.positions.close_position(ctx.contract)
