"""Every REST call of spec §4 against the in-process simulator over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from projectx.client import ProjectX
from projectx.enums import OrderSide, OrderStatus, OrderType, PositionType
from projectx.exceptions import InsufficientMarginError, OrderRejectedError, ValidationError
from projectx.models import Account, Contract, Order, Position, Trade

from .conftest import config_for

WAIT_S = 10.0


async def _front(px: ProjectX, root: str = "MNQ") -> Contract:
    return await px.resolve_contract(root)


async def test_login_and_accounts_with_selection_by_name(requests, px):
    assert px.token and px.stats.logins == 1
    assert requests.count("Auth/loginKey") == 1
    accounts = await px.list_accounts()
    assert accounts and all(isinstance(a, Account) for a in accounts)
    target = accounts[-1]
    chosen = await px.select_account(target.name.lower())
    assert chosen == target and px.account == target
    with pytest.raises(ValidationError, match="no active account"):
        await px.select_account("no-such-account")


async def test_account_name_from_config_is_used_by_default(sim, make_client):
    first = await make_client(sim)
    accounts = await first.list_accounts()
    named = await make_client(sim, account_name=accounts[-1].name.upper())
    assert await named.select_account() == accounts[-1]


async def test_app_login(sim, make_client):
    app = sim.credentials.app
    px = await make_client(
        sim,
        username=app.user_name,
        api_key=None,
        password=app.password,
        device_id="dev-1",
        app_id=app.app_id,
        verify_key=app.verify_key,
    )
    assert px.token is not None
    assert await px.list_accounts()


async def test_contracts_search_by_id_available_and_front_month(requests, px):
    found = await px.search_contracts("MNQ")
    assert found and all(isinstance(c, Contract) for c in found)
    front = await _front(px)
    assert front.active_contract and front.root == "MNQ"
    assert front.tick_size and front.tick_size > 0
    assert await px.get_contract_by_id(front.id) == front
    available = await px.available_contracts()
    assert front.id in {c.id for c in available}
    with pytest.raises(ValidationError, match="unknown"):
        await px.get_contract_by_id("CON.F.US.NOPE.Z25")
    with pytest.raises(ValidationError, match="unknown symbol"):
        await px.resolve_contract("ZZZZ")


async def test_contract_cache_counts_hits_and_saves_requests(requests, px):
    await px.search_contracts("MES")
    before = requests.count("Contract/search")
    for _ in range(5):
        await px.search_contracts("MES")
    assert requests.count("Contract/search") == before
    assert px.cache_stats["searches"].hits >= 5
    front = await _front(px, "MES")
    n = requests.count("Contract/searchById")
    await px.get_contract_by_id(front.id)
    assert requests.count("Contract/searchById") == n  # filled by the search
    px.clear_cache()
    await px.get_contract_by_id(front.id)
    assert requests.count("Contract/searchById") == n + 1


async def test_bars_frame_schema_order_and_window(px):
    end = datetime.now(UTC)
    start = end - timedelta(hours=6)
    bars = await px.get_bars("MNQ", "5min", start=start, end=end)
    assert bars.schema == pl.Schema(
        {
            "ts": pl.Datetime("ns", "UTC"),
            "open": pl.Float64,
            "high": pl.Float64,
            "low": pl.Float64,
            "close": pl.Float64,
            "volume": pl.Int64,
        }
    )
    assert bars.height > 0
    ts = bars["ts"].to_list()
    assert ts == sorted(ts) and len(set(ts)) == len(ts)
    assert ts[0] >= start and ts[-1] < end
    assert all(t.minute % 5 == 0 and t.second == 0 for t in ts)
    assert (bars["high"] >= bars["low"]).all()
    assert (bars["volume"] > 0).all()


@pytest.mark.parametrize(
    "timeframe", ["1sec", "30sec", "1min", "15min", "1hr", "4hr", "1day", "1week", "1month"]
)
async def test_bars_every_unit(px, timeframe):
    bars = await px.get_bars("MNQ", timeframe, limit=5, include_partial=True)
    assert 0 < bars.height <= 5
    ts = bars["ts"].to_list()
    assert ts == sorted(ts)


async def test_bars_limit_keeps_the_most_recent(px):
    # only completed bars: with ``end`` at now, a minute rolling over between the two calls
    # would add the bar that was still forming (left out as partial) to the second answer only
    end = datetime.now(UTC) - timedelta(minutes=1)
    start = end - timedelta(hours=3)
    everything = await px.get_bars("MNQ", "1min", start=start, end=end)
    last10 = await px.get_bars("MNQ", "1min", start=start, end=end, limit=10)
    assert last10["ts"].to_list() == everything["ts"].to_list()[-10:]


async def test_bars_page_past_20000(requests, px):
    end = datetime.now(UTC) - timedelta(minutes=1)  # only completed bars: stable across calls
    start = end - timedelta(hours=40)
    bars = await px.get_bars("MNQ", "1sec", start=start, end=end)
    pages = requests.count("History/retrieveBars")
    assert bars.height > 20_000
    assert pages >= 2
    ts = bars["ts"].dt.epoch("ns")
    assert ts.is_sorted() and ts.n_unique() == bars.height
    assert bars["ts"][0] >= start and bars["ts"][-1] < end
    # the page boundary loses nothing: the newest 20k in one request, then everything older
    tail = await px.get_bars("MNQ", "1sec", start=start, end=end, limit=20_000)
    assert bars.tail(20_000).equals(tail)
    older = await px.get_bars("MNQ", "1sec", start=start, end=tail["ts"][0])
    assert pl.concat([older, tail]).equals(bars)


async def test_bars_with_limit_above_the_cap(requests, px):
    bars = await px.get_bars("MNQ", "1sec", limit=25_000, end=datetime.now(UTC))
    assert bars["ts"].dt.epoch("ns").n_unique() == 25_000
    assert bars.height == 25_000
    assert requests.count("History/retrieveBars") == 2


async def test_bars_for_many_contracts_with_bounded_concurrency(requests, px):
    frames = await px.get_bars_many(["MNQ", "MES"], "1min", limit=50, max_concurrency=1)
    assert len(frames) == 2 and all(f.height == 50 for f in frames.values())
    assert requests.max_in_flight["history/retrievebars"] == 1


async def test_order_lifecycle_place_search_modify_cancel(px):
    contract = await _front(px)
    bars = await px.get_bars(contract, "1min", limit=1)
    far = contract.round_to_tick(bars["close"][-1] * 0.8)
    tag = "itest-limit-1"
    order_id = await px.place_limit_order(contract, "buy", 1, far, custom_tag=tag)
    assert isinstance(order_id, int) and order_id > 2**31
    open_orders = await px.search_open_orders()
    mine = [o for o in open_orders if o.id == order_id]
    assert mine and mine[0].status is OrderStatus.OPEN and mine[0].custom_tag == tag
    assert mine[0].limit_price == far and mine[0].type is OrderType.LIMIT
    new_price = contract.round_to_tick(far - 10 * contract.tick_size)
    await px.modify_order(order_id, limit_price=new_price, size=2, contract=contract)
    got = await px.get_order(order_id)
    assert got is not None and got.limit_price == new_price and got.size == 2
    await px.cancel_order(order_id)
    assert order_id not in {o.id for o in await px.search_open_orders()}
    history = await px.search_orders(datetime.now(UTC) - timedelta(hours=1))
    done = [o for o in history if o.id == order_id]
    assert done and done[0].status is OrderStatus.CANCELLED
    assert [o.id for o in await px.find_orders_by_tag(tag)] == [order_id]
    with pytest.raises(OrderRejectedError) as err:
        await px.cancel_order(order_id)
    assert err.value.order_id == order_id and err.value.error_code is not None


async def test_every_order_gets_a_unique_generated_tag(px):
    contract = await _front(px)
    bars = await px.get_bars(contract, "1min", limit=1)
    far = contract.round_to_tick(bars["close"][-1] * 0.7)
    ids = [await px.place_limit_order(contract, OrderSide.BUY, 1, far) for _ in range(3)]
    orders = {o.id: o for o in await px.search_open_orders()}
    tags = [orders[i].custom_tag for i in ids]
    assert all(tags) and len(set(tags)) == 3
    for i in ids:
        await px.cancel_order(i)


async def test_market_order_position_partial_close_close_and_trades(px):
    contract = await _front(px)
    since = datetime.now(UTC) - timedelta(minutes=1)
    order_id = await px.place_market_order(contract, "buy", 3)
    positions = await px.search_open_positions()
    pos = [p for p in positions if p.contract_id == contract.id]
    assert pos and isinstance(pos[0], Position)
    assert pos[0].type is PositionType.LONG and pos[0].size == 3
    await px.partial_close_position(contract, 1)
    pos = [p for p in await px.search_open_positions() if p.contract_id == contract.id]
    assert pos[0].size == 2
    await px.close_position(contract)
    assert not [p for p in await px.search_open_positions() if p.contract_id == contract.id]
    trades = await px.search_trades(since)
    assert trades and all(isinstance(t, Trade) for t in trades)
    assert order_id in {t.order_id for t in trades}
    assert sum(t.size for t in trades if t.side is OrderSide.SELL) == 3
    filled = await px.get_order(order_id)
    assert isinstance(filled, Order) and filled.status is OrderStatus.FILLED


async def test_rejected_place_raises_with_code_and_message(sim, px):
    contract = await _front(px)
    sim.faults.reject_next_order(3, "Insufficient funds for test")
    with pytest.raises(OrderRejectedError) as err:
        await px.place_market_order(contract, "sell", 1)
    assert err.value.error_code == 3
    assert "InsufficientFunds" in str(err.value) and "Insufficient funds for test" in str(err.value)
    # the server created the order as rejected and said so: its id travels with the error
    assert isinstance(err.value.order_id, int)
    rejected = await px.get_order(err.value.order_id)
    assert rejected is not None and rejected.status is OrderStatus.REJECTED


async def test_stop_limit_is_sent_and_its_rejection_is_typed(px):
    contract = await _front(px)
    bars = await px.get_bars(contract, "1min", limit=1)
    last = bars["close"][-1]
    stop = contract.round_to_tick(last * 1.2)
    with pytest.raises(OrderRejectedError) as err:
        await px.place_order(
            contract, "buy", 1, "stop_limit", stop_price=stop, limit_price=stop + contract.tick_size
        )
    assert err.value.error_code == 2


async def test_bars_by_unit_and_unit_number(px):
    from projectx.enums import BarUnit

    by_unit = await px.get_bars("MNQ", unit=BarUnit.MINUTE, unit_number=15, limit=4)
    by_name = await px.get_bars("MNQ", "15min", limit=4)
    assert by_unit.equals(by_name)


async def test_close_without_position_is_an_api_error(px):
    from projectx.exceptions import APIError

    contract = await _front(px, "MES")
    with pytest.raises(APIError) as err:
        await px.close_position(contract)
    assert err.value.error_code == 2 and "PositionNotFound" in str(err.value)


async def test_get_order_uses_search_by_id_on_the_extended_profile(make_sim, make_client):
    from .conftest import attach_recorder

    sim = await make_sim(profile="extended")
    log = attach_recorder(sim)
    px = await make_client(sim)
    contract = await _front(px)
    bars = await px.get_bars(contract, "1min", limit=1)
    order_id = await px.place_limit_order(
        contract, "buy", 1, contract.round_to_tick(bars["close"][-1] * 0.8)
    )
    order = await px.get_order(order_id)
    assert order is not None and order.id == order_id and order.symbol_id
    assert log.count("Order/searchById") == 1 and log.count("Order/searchOpen") == 0
    assert await px.get_order(order_id + 10_000) is None
    # Order/v2/query pages through everything (page size 1 forces several pages)
    for i in range(2):
        await px.place_limit_order(
            contract, "buy", 1, contract.round_to_tick(bars["close"][-1] * 0.8), custom_tag=f"q-{i}"
        )
    queried = await px.query_orders(statuses=[OrderStatus.OPEN], page_size=1)
    assert [o.id for o in queried] == sorted(o.id for o in await px.search_open_orders())
    assert len(queried) == 3 and log.count("Order/v2/query") == 4


async def test_logout_revokes_the_token_and_the_client_logs_in_again(sim, px):
    import aiohttp

    old = px.token
    await px.logout()
    assert px.token is None
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            sim.api_url + "/Account/search",
            json={"onlyActiveAccounts": True},
            headers={"Authorization": f"Bearer {old}"},
        ) as resp,
    ):
        assert resp.status == 401
    px.clear_cache()
    assert await px.list_accounts()
    assert px.token and px.token != old


async def test_ping(px):
    assert await px.ping() is True


async def test_from_env(sim, monkeypatch):
    monkeypatch.setenv("PROJECT_X_ENVIRONMENT", "local")
    monkeypatch.setenv("PROJECT_X_BASE_URL", sim.base_url)
    monkeypatch.setenv("PROJECT_X_USERNAME", sim.credentials.user_name)
    monkeypatch.setenv("PROJECT_X_API_KEY", sim.credentials.api_key)
    async with ProjectX.from_env() as px:
        assert await px.list_accounts()
    assert config_for(sim).api_url == px.config.api_url


async def test_a_funds_rejection_is_an_insufficient_margin_error_with_context(sim, px):
    contract = await _front(px)
    account = (await px.list_accounts())[0]
    sim.exchange.configure_account(account.id, balance=1.0)  # cannot carry any margin
    with pytest.raises(InsufficientMarginError) as err:
        await px.place_market_order(contract, "buy", 5)
    assert isinstance(err.value, OrderRejectedError) and err.value.error_code == 3
    assert err.value.context["endpoint"] == "Order/place"
    assert err.value.context["error_code"] == 3 and err.value.context["order_id"] is not None
    assert (datetime.now(UTC) - err.value.timestamp).total_seconds() < 60
    # any other rejection of the same endpoint stays a plain OrderRejectedError
    sim.faults.reject_next_order(2, "rejected for test")
    with pytest.raises(OrderRejectedError) as other:
        await px.place_market_order(contract, "buy", 1)
    assert not isinstance(other.value, InsufficientMarginError)
