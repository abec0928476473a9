"""Failure behaviour against the simulator's fault hooks, each observed on the server side."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from projectx.client import ProjectX
from projectx.exceptions import (
    AuthenticationError,
    ConnectionError,
    OrderSubmissionUncertainError,
    ProjectXError,
    ValidationError,
)

from .conftest import attach_recorder, config_for


async def test_token_is_refreshed_through_validate_before_expiry(make_sim, make_client):
    # a refresh window (the last 20% of the lifetime, 1 s) five call intervals wide, so a
    # loaded machine stretching one interval cannot skip it
    sim = await make_sim(token_lifetime_s=5.0)
    log = attach_recorder(sim)
    px = await make_client(sim)
    first = px.token
    failures = 0
    for _ in range(30):  # >= 6 s of calls across the token's expiry
        try:
            await px.list_accounts()
        except ProjectXError:
            failures += 1
        px.clear_cache()
        await asyncio.sleep(0.2)
    assert failures == 0
    assert log.count("Auth/validate") >= 1 and px.stats.refreshes >= 1
    assert log.count(status=401) == 0  # refreshed before the server refused anything
    assert px.token != first


async def test_token_factory_returns_a_fresh_valid_token(make_sim, make_client):
    sim = await make_sim(token_lifetime_s=2.0)
    px = await make_client(sim)
    await asyncio.sleep(1.7)
    token = await px.token_factory()
    assert sim.auth.verify(token).expires_at > px.token_expires_at - 1  # accepted by the server
    assert px.stats.refreshes + px.stats.logins >= 2


async def test_401_triggers_one_relogin_and_one_resend(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim)
    sim.faults.expire_tokens()
    accounts = await px.list_accounts()
    assert accounts
    assert px.stats.relogins == 1
    assert log.count("Account/search", 401) == 1
    assert log.count("Account/search", 200) == 1
    assert log.count("Auth/loginKey") == 2


async def test_a_second_401_is_an_authentication_error_not_a_loop(sim, make_client):
    px = await make_client(sim)
    sim.faults.fail_next(5, status=401, path="Account/search")
    with pytest.raises(AuthenticationError):
        await px.list_accounts()
    assert px.stats.relogins == 1


async def test_bad_credentials_raise_authentication_error_without_the_key(sim, caplog):
    cfg = config_for(sim, api_key="wrong-key-XYZ-123456")
    px = ProjectX(cfg)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as err:
        await px.connect()
    await px.close()
    assert "InvalidCredentials" in str(err.value) or "UserNotFound" in str(err.value)
    assert "wrong-key-XYZ-123456" not in str(err.value) + caplog.text + repr(px)


async def test_429_storm_backs_off_and_every_call_succeeds(make_sim, make_client):
    from projectx.sim.ratelimit import RateLimitConfig

    limits = RateLimitConfig(
        general_limit=12, general_window_s=2.0, bars_limit=4, bars_window_s=1.0
    )
    sim = await make_sim(rate_limits=limits)
    log = attach_recorder(sim)
    px = await make_client(
        sim, general_limit=12, general_window_s=2.0, bars_limit=4, bars_window_s=1.0
    )
    sim.faults.rate_limit_next(6, retry_after_s=1)
    px.clear_cache()

    async def read(i: int) -> int:
        if i % 3 == 0:
            frame = await px.get_bars("MNQ", "1min", limit=3)
            return frame.height
        return len(await px.search_open_orders())

    results = await asyncio.gather(*(read(i) for i in range(30)))
    assert len(results) == 30
    assert px.stats.throttled >= 6
    injected = log.count(status=429)
    assert injected == 6  # only the injected ones: the client never tripped the server limiter
    # the server never counted more than the documented limit in any window
    assert log.max_in_window(2.0, bars=False) <= 12
    assert log.max_in_window(1.0, bars=True) <= 4


async def test_5xx_on_an_idempotent_call_is_retried(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim)
    sim.faults.fail_next(2, status=503, path="Order/searchOpen")
    orders = await px.search_open_orders()
    assert isinstance(orders, list)
    assert log.count("Order/searchOpen", 503) == 2 and log.count("Order/searchOpen", 200) == 1
    assert px.stats.retries == 2


async def test_5xx_beyond_the_retry_budget_is_an_api_error(sim, make_client):
    from projectx.exceptions import APIError

    log = attach_recorder(sim)
    px = await make_client(sim, max_retries=2)
    sim.faults.fail_next(5, status=500, path="Trade/search")
    with pytest.raises(APIError) as err:
        await px.search_trades(datetime.now(UTC) - timedelta(days=1))
    assert err.value.status == 500
    assert log.count("Trade/search") == 3


async def test_5xx_on_place_is_not_retried_and_carries_the_tag(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim)
    contract = await px.resolve_contract("MNQ")
    sim.faults.fail_next(1, status=502, path="Order/place")
    with pytest.raises(OrderSubmissionUncertainError) as err:
        await px.place_market_order(contract, "buy", 1, custom_tag="tag-uncertain-1")
    assert err.value.custom_tag == "tag-uncertain-1"
    assert log.count("Order/place") == 1
    # generated tags are carried too
    sim.faults.fail_next(1, status=500, path="Order/place")
    with pytest.raises(OrderSubmissionUncertainError) as err2:
        await px.place_market_order(contract, "buy", 1)
    assert err2.value.custom_tag.startswith("px-")
    assert log.count("Order/place") == 2


@pytest.mark.parametrize(
    "path",
    ["Order/cancel", "Order/modify", "Position/closeContract", "Position/partialCloseContract"],
)
async def test_5xx_on_other_mutations_is_not_retried(sim, make_client, path):
    log = attach_recorder(sim)
    px = await make_client(sim)
    contract = await px.resolve_contract("MNQ")
    await px.select_account()
    sim.faults.fail_next(1, status=500, path=path)
    calls = {
        "Order/cancel": lambda: px.cancel_order(2_900_000_001),
        "Order/modify": lambda: px.modify_order(2_900_000_001, size=2),
        "Position/closeContract": lambda: px.close_position(contract),
        "Position/partialCloseContract": lambda: px.partial_close_position(contract, 1),
    }
    with pytest.raises(OrderSubmissionUncertainError):
        await calls[path]()
    assert log.count(path) == 1


async def test_timeout_on_place_is_uncertain_and_reconcilable_by_tag(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim, request_timeout_s=0.3)
    contract = await px.resolve_contract("MNQ")
    await px.select_account()
    sim.faults.delay_rest(1.0)
    with pytest.raises(OrderSubmissionUncertainError) as err:
        await px.place_market_order(contract, "buy", 1, custom_tag="tag-timeout-1")
    sim.faults.delay_rest(0)
    assert err.value.custom_tag == "tag-timeout-1"
    async with asyncio.timeout(10):
        while log.count("Order/place") < 1:  # noqa: ASYNC110 - observes server state
            await asyncio.sleep(0.05)
    assert log.count("Order/place") == 1  # never resent
    # reconciliation by tag tells what happened: the order exists iff the server processed it
    processed = log.count("Order/place", 200)
    found = await px.find_orders_by_tag("tag-timeout-1")
    assert len(found) == processed
    assert all(o.custom_tag == "tag-timeout-1" for o in found)


async def test_server_down_on_place_raises_connection_error_nothing_sent(sim, make_client):
    px = await make_client(sim, max_retries=1)
    contract = await px.resolve_contract("MNQ")
    await px.select_account()
    await sim.faults.stop_server()
    try:
        # a read first: its retry drops the pooled keep-alive socket the server just killed
        # (a write on that socket would be ambiguous, hence "uncertain" for a mutation)
        with pytest.raises(ConnectionError):
            await px.search_open_orders()
        with pytest.raises(ConnectionError, match="nothing was sent"):
            await px.place_market_order(contract, "buy", 1)
    finally:
        await sim.faults.start_server()
    assert isinstance(await px.search_open_orders(), list)


async def test_bad_input_raises_before_anything_is_sent(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim)
    contract = await px.resolve_contract("MNQ")
    await px.select_account()
    before = len(log.hits)
    now = datetime.now(UTC)
    bad_calls = [
        lambda: px.place_order(contract, "buy", 0),
        lambda: px.place_order(contract, "buy", -2),
        lambda: px.place_order(contract, "up", 1),
        lambda: px.place_order(contract, "buy", 1, "iceberg"),
        lambda: px.place_order(contract, "buy", 1, "limit"),
        lambda: px.place_order(contract, "buy", 1, "market", limit_price=1.0),
        lambda: px.place_order(contract, "buy", 1, "limit", limit_price=float("nan")),
        lambda: px.place_limit_order(contract, "buy", 1, 21000.1),  # off the 0.25 grid
        lambda: px.place_order(contract, "buy", 1, stop_loss=(0, "stop")),
        lambda: px.modify_order(1),
        lambda: px.modify_order(1, limit_price=21000.1, contract=contract),
        lambda: px.modify_order(-5, size=1),
        lambda: px.cancel_order(0),
        lambda: px.partial_close_position(contract, 0),
        lambda: px.get_bars(contract, "7minutes", limit=5),
        lambda: px.get_bars(contract, "1min", limit=0),
        lambda: px.get_bars(contract, "1min", start=datetime(2025, 1, 1)),
        lambda: px.get_bars(contract, "1min", start=now, end=now - timedelta(hours=1)),
        lambda: px.get_bars(contract, "1min"),
        lambda: px.search_orders(datetime(2025, 1, 1)),
        lambda: px.search_trades(now, datetime(2025, 1, 2)),
        lambda: px.search_contracts(""),
    ]
    for call in bad_calls:
        with pytest.raises(ValidationError):
            await call()
    assert len(log.hits) == before


async def test_secrets_and_tokens_never_in_logs_reprs_or_errors(sim, make_client, caplog):
    secret = sim.credentials.api_key
    with caplog.at_level(logging.DEBUG):
        px = await make_client(sim)
        tokens = {px.token}
        sim.faults.expire_tokens()
        await px.list_accounts()
        tokens.add(px.token)
        texts = [repr(px), str(px), repr(px.config), str(px.config)]
        sim.faults.fail_next(1, status=500, path="Order/place")
        contract = await px.resolve_contract("MNQ")
        for call in (
            lambda: px.place_market_order(contract, "buy", 1),
            lambda: px.place_order(contract, "buy", 0),
        ):
            try:
                await call()
            except ProjectXError as exc:
                texts += [str(exc), repr(exc)]
        bad = ProjectX(config_for(sim, api_key="nope-" + secret[:4]))
        try:
            await bad.connect()
        except ProjectXError as exc:
            texts += [str(exc), repr(exc)]
        await bad.close()
    texts.append(caplog.text)
    blob = "\n".join(texts)
    assert secret not in blob
    for token in tokens:
        assert token and token not in blob
        assert token.split(".")[2] not in blob


async def test_concurrent_calls_at_refresh_time_share_one_validate(make_sim, make_client):
    sim = await make_sim(token_lifetime_s=5.0)
    log = attach_recorder(sim)
    px = await make_client(sim)
    # into the middle of the refresh margin (the last 20% of the lifetime, 1 s): 0.5 s after
    # it opens and 0.5 s before the expiry itself, slack for a loaded machine either way
    await asyncio.sleep(max(0.0, px.token_expires_at - 0.5 - time.time()))
    results = await asyncio.gather(*(px.search_open_orders() for _ in range(10)))
    assert len(results) == 10
    assert log.count("Auth/validate") == 1
    assert log.count(status=401) == 0


async def test_place_answered_order_pending_is_uncertain_not_rejected(sim, make_client):
    log = attach_recorder(sim)
    px = await make_client(sim)
    contract = await px.resolve_contract("MNQ")
    sim.faults.fail_next(1, status=200, error_code=6, path="Order/place")
    with pytest.raises(OrderSubmissionUncertainError) as err:
        await px.place_market_order(contract, "buy", 1, custom_tag="tag-pending-1")
    assert err.value.custom_tag == "tag-pending-1"
    assert log.count("Order/place") == 1


async def test_stats_snapshot_reflects_traffic(sim, make_client):
    px = await make_client(sim)
    await px.search_contracts("MNQ")
    await px.search_contracts("MNQ")
    sim.faults.fail_next(1, status=503, path="Order/searchOpen")
    await px.search_open_orders()
    snap = px.stats_snapshot()
    assert snap["logins"] == 1 and snap["retries"] == 1
    assert snap["caches"]["searches"] == {"hits": 1, "misses": 1, "size": 1}
    assert snap["limits"]["general"]["acquired"] == snap["requests"]
    assert snap["limits"]["general"]["in_use"] == snap["requests"]


async def test_fan_out_failure_surfaces_the_error_itself(sim, make_client):
    from projectx.exceptions import APIError

    px = await make_client(sim, max_retries=0)
    await px.resolve_contract("MNQ")
    await px.resolve_contract("MES")
    sim.faults.fail_next(1, status=500, path="History/retrieveBars")
    with pytest.raises(APIError) as err:
        await px.get_bars_many(["MNQ", "MES"], "1min", limit=5)
    assert err.value.status == 500


async def test_failed_login_in_async_with_closes_the_session(sim):
    px = ProjectX(config_for(sim, api_key="definitely-wrong"))
    with pytest.raises(AuthenticationError):
        async with px:
            pass
    assert px._session is not None and px._session.closed
