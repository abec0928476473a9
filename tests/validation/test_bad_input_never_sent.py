"""Generated bad input at every public entry point: a typed error, and nothing reaches the server.

The simulator runs on a real socket in a background event loop; each generated call runs there
too, and ``sim.requests`` (the simulator's own log of the HTTP requests it received) must not grow
during the call. Every outcome is counted; the totals are printed at the end of the module
(``pytest -s``) as "inputs tried / typed / reached the server".
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx import TradingSuite
from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.enums import OrderSide
from projectx.events import EventBus
from projectx.exceptions import ProjectXError, ValidationError
from projectx.models import Contract
from projectx.orders import OrderManager
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from projectx.timeframes import parse_timeframe

TALLY: Counter[str] = Counter()
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass
class Live:
    """A simulator, a logged-in client and an order manager, all on one background loop."""

    loop: asyncio.AbstractEventLoop
    sim: Simulator
    px: ProjectX
    om: OrderManager
    contract: Contract
    order_id: int

    def run(self, make: Callable[[], Awaitable[Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(_call(make), self.loop).result(timeout=30)

    def refuses(self, make: Callable[[], Awaitable[Any]]) -> None:
        """Run one call: it must raise a ``ProjectXError`` and send nothing."""
        before = self.sim.requests.total
        outcome = self.run(make)
        reached = self.sim.requests.since(before)
        TALLY["tried"] += 1
        TALLY["typed"] += isinstance(outcome, ProjectXError)
        TALLY["reached the server"] += bool(reached)
        assert isinstance(outcome, ProjectXError), f"not a typed error: {outcome!r}"
        assert reached == [], f"reached the server: {reached}"


async def _call(make: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await make()
    except BaseException as exc:  # the outcome is what is tested
        return exc


def refuses_sync(build: Callable[[], Any]) -> None:
    """A constructor-level check (no server involved): a typed error."""
    TALLY["tried"] += 1
    try:
        build()
    except ProjectXError:
        TALLY["typed"] += 1
        return
    except Exception as exc:
        pytest.fail(f"not a typed error: {exc!r}")
    pytest.fail("accepted")


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def setup() -> Live:
        sim = Simulator(
            symbols=["MNQ"], seed=3, rate=0.0, rate_limits=RateLimitConfig(enabled=False)
        )
        await sim.start()
        px = ProjectX(ProjectXConfig.for_simulator(sim))
        await px.connect()
        account = await px.select_account()
        contract = await px.resolve_contract("MNQ")
        sim.market.set_book(contract.id, bid=20000.0, ask=20000.25, sizes=10, last=20000.0)
        order_id = await px.place_limit_order(contract, "buy", 1, 19000.0)
        om = OrderManager(px, EventBus(), account_id=account.id)
        return Live(loop, sim, px, om, contract, order_id)

    live = asyncio.run_coroutine_threadsafe(setup(), loop).result(timeout=60)
    yield live

    async def teardown() -> None:
        await live.px.close()
        await live.sim.close()

    asyncio.run_coroutine_threadsafe(teardown(), loop).result(timeout=60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()
    print(
        f"\nbad inputs: tried {TALLY['tried']}, typed {TALLY['typed']}, "
        f"reached the server {TALLY['reached the server']}"
    )


# ------------------------------------------------------------------------------ strategies
not_positive = st.one_of(
    st.floats(max_value=0.0, allow_nan=False),
    st.integers(max_value=0),
    st.sampled_from([0, 0.0, -0.0, -100.0, -5, -1e-300]),
)
not_finite = st.sampled_from([math.nan, math.inf, -math.inf, -math.nan])
not_a_number = st.one_of(
    st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=1), st.just(b"1")
)
bad_price = st.one_of(not_positive, not_finite, not_a_number, st.integers(min_value=2**1100))
bad_size = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=2**31),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
bad_id = st.one_of(
    st.integers(max_value=0), st.integers(min_value=2**63), st.text(max_size=4), st.booleans()
)
bad_side = st.one_of(
    st.integers().filter(lambda n: n not in (0, 1)),
    st.text(max_size=6).filter(lambda t: t.strip().lower() not in ("buy", "sell", "bid", "ask")),
    st.floats(),
    st.none(),
)
bad_contract = st.one_of(
    st.sampled_from(["", "   ", "\t\n"]), st.integers(), st.none(), st.lists(st.text(), max_size=1)
)
out_of_range_years = st.one_of(st.integers(1, 1969), st.integers(2262, 9999))
bad_moment = st.one_of(
    out_of_range_years.map(lambda y: datetime(y, 6, 1, tzinfo=UTC)),
    st.datetimes(timezones=st.none()),  # naive
    st.text(max_size=10),
    st.integers(),
    st.floats(),
)


# ------------------------------------------------------------------------------ REST client
@SETTINGS
@given(price=bad_price, kind=st.sampled_from(["limit", "stop", "trail"]))
def test_bad_prices_are_refused_by_the_rest_client(live: Live, price: Any, kind: str) -> None:
    px, cid = live.px, live.contract.id
    place = {
        "limit": lambda: px.place_limit_order(cid, "buy", 1, price),
        "stop": lambda: px.place_stop_order(cid, "sell", 1, price),
        "trail": lambda: px.place_trailing_stop_order(cid, "sell", 1, price),
    }[kind]
    live.refuses(place)


@SETTINGS
@given(price=bad_price, field=st.sampled_from(["limit_price", "stop_price", "trail_price"]))
def test_bad_prices_are_refused_by_modify(live: Live, price: Any, field: str) -> None:
    live.refuses(lambda: live.px.modify_order(live.order_id, **{field: price}))


@SETTINGS
@given(size=bad_size)
def test_bad_sizes_are_refused(live: Live, size: Any) -> None:
    cid = live.contract.id
    live.refuses(lambda: live.px.place_market_order(cid, "buy", size))
    if size is not None:
        live.refuses(lambda: live.px.modify_order(live.order_id, size=size))
        live.refuses(lambda: live.px.partial_close_position(cid, size))
        live.refuses(lambda: live.om.place_market_order(live.contract, OrderSide.BUY, size))


@SETTINGS
@given(side=bad_side, contract=bad_contract, account=bad_id, order=bad_id)
def test_bad_types_and_ids_are_refused(
    live: Live, side: Any, contract: Any, account: Any, order: Any
) -> None:
    px, cid = live.px, live.contract.id
    live.refuses(lambda: px.place_market_order(cid, side, 1))
    live.refuses(lambda: px.place_market_order(contract, "buy", 1))
    live.refuses(lambda: px.place_market_order(cid, "buy", 1, account_id=account))
    live.refuses(lambda: px.cancel_order(order))
    live.refuses(lambda: px.get_order(order))
    live.refuses(lambda: px.search_open_orders(account_id=account))


@SETTINGS
@given(moment=bad_moment, which=st.sampled_from(["bars start", "bars end", "orders", "trades"]))
def test_bad_dates_are_refused(live: Live, moment: Any, which: str) -> None:
    px, cid = live.px, live.contract.id
    ok = datetime.now(UTC) - timedelta(days=1)
    call = {
        "bars start": lambda: px.get_bars(cid, "1min", start=moment),
        "bars end": lambda: px.get_bars(cid, "1min", start=ok, end=moment),
        "orders": lambda: px.search_orders(moment),
        "trades": lambda: px.search_trades(ok, moment),
    }[which]
    live.refuses(call)


# ------------------------------------------------------------------------------ managers
@SETTINGS
@given(
    price=st.one_of(bad_price, st.floats(min_value=1e-300, max_value=0.12)),
    kind=st.sampled_from(["limit", "stop"]),
)
def test_the_order_manager_refuses_bad_and_snapped_to_zero_prices(
    live: Live, price: Any, kind: str
) -> None:
    om, c = live.om, live.contract
    if kind == "limit":
        live.refuses(lambda: om.place_limit_order(c, OrderSide.BUY, 1, price, snap=True))
    else:
        live.refuses(lambda: om.place_stop_order(c, OrderSide.SELL, 1, price, snap=True))


@SETTINGS
@given(tick=st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.25]))
def test_a_contract_with_an_unusable_tick_size_gives_a_typed_error(live: Live, tick: float) -> None:
    bad = Contract(id=live.contract.id, name="MNQ", tick_size=tick, tick_value=0.5)
    live.refuses(lambda: live.om.place_limit_order(bad, OrderSide.BUY, 1, 20000.0))
    refuses_sync(lambda: bad.round_to_tick(20000.0))
    refuses_sync(lambda: bad.is_on_tick(20000.0))


# ------------------------------------------------------------------------------ suite
def _not_a_timeframe(text: str) -> bool:
    try:
        parse_timeframe(text)
    except ValidationError:
        return True
    return False


bad_suite_kwargs = st.one_of(
    st.builds(lambda v: {"timeframes": v}, st.sampled_from([[], ["1mon"], ["1min", "1min"], [1]])),
    st.builds(lambda v: {"timeframes": v}, st.text(max_size=4).filter(_not_a_timeframe)),
    st.builds(lambda v: {"bar_capacity": v}, st.one_of(st.integers(max_value=0), st.floats())),
    st.builds(lambda v: {"stale_after": v}, st.one_of(st.floats(max_value=0), not_finite)),
    st.builds(
        lambda v: {"initial_days": v},
        st.one_of(st.floats(max_value=-1e-9), not_finite, st.text(max_size=2), st.just(1e9)),
    ),
    st.builds(lambda v: {"features": v}, st.sampled_from([["nope"], [1], "nope", 3])),
    st.builds(lambda v: {"transport": v}, st.sampled_from(["", "ws", None])),
)


@SETTINGS
@given(kwargs=bad_suite_kwargs)
def test_trading_suite_checks_every_argument_before_the_first_request(
    live: Live, kwargs: dict[str, Any]
) -> None:
    config = ProjectXConfig.for_simulator(live.sim)
    live.refuses(lambda: TradingSuite.create("MNQ", config=config, **kwargs))


def test_a_single_timeframe_string_is_one_timeframe_not_its_characters(live: Live) -> None:
    suite = TradingSuite("MNQ", timeframes="1min", config=ProjectXConfig.for_simulator(live.sim))
    assert suite.timeframes == ["1min"]


# ------------------------------------------------------------------------------ config
bad_ports = st.one_of(
    st.integers(min_value=65536).map(str),
    st.sampled_from(["abc", "8765.evil.example", "", "+80", " 80", "0", "-1", "80a"]),
)


@SETTINGS
@given(port=bad_ports)
def test_bad_ports_in_urls_are_refused(port: str) -> None:
    refuses_sync(lambda: ProjectXConfig(environment="local", base_url=f"http://127.0.0.1:{port}"))
    refuses_sync(lambda: ProjectXConfig(api_url=f"https://api.example.com:{port}/api"))


@SETTINGS
@given(
    username=st.one_of(
        st.integers(), st.lists(st.text(), max_size=2), st.sampled_from([" ", "\t", "a\nb"])
    ),
    blank=st.sampled_from([" ", "   ", "\t", "\n", "a\r\nb"]),
)
def test_bad_user_names_and_blank_credentials_are_refused(username: Any, blank: str) -> None:
    refuses_sync(lambda: ProjectXConfig(username=username, api_key="k" * 12))
    refuses_sync(lambda: ProjectXConfig(username="u", api_key=blank))
    refuses_sync(lambda: ProjectXConfig(username="u", api_key=Secret(blank)))
