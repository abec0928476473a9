"""A whole session against the simulator leaks no credential or token into logs, reprs or errors.

Every record of every logger (client, simulator, aiohttp, asyncio) is captured at DEBUG while a
session logs in (API key and app login), calls REST, connects both hubs, is dropped and
reconnects, has its tokens expired, and hits 401, 5xx, 429 and an uncertain order. Each record's
message, arguments, exception text and extras, the reprs of every object involved and every
exception raised are scanned for the API key, the app password and verify key, and every JWT the
simulator minted (and the JWTs' signature segments). Token leaks are checked in URL-encoded,
JSON and base64 forms too (see ``secret_scan``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.enums import OrderSide
from projectx.exceptions import (
    APIError,
    AuthenticationError,
    OrderSubmissionUncertainError,
    ProjectXError,
    RateLimitError,
)
from projectx.realtime.client import RealtimeClient
from projectx.realtime.hub import HubConnection, ReconnectPolicy
from tests.client.conftest import config_for
from tests.realtime.test_client import eventually
from tests.security.secret_scan import (
    SecretSet,
    assert_clean,
    capture_logs,
    scan_object,
    scan_records,
)

FAST = ReconnectPolicy(first_delay=0.0, base_delay=0.05, max_delay=0.2, jitter=0.0)


def spy_tokens(sim: Any) -> list[str]:
    """Record every token the simulator mints (wraps ``sim.auth.mint``; behaviour unchanged)."""
    minted: list[str] = []
    inner = sim.auth.mint

    def mint(user_name: str) -> str:
        token: str = inner(user_name)
        minted.append(token)
        return token

    sim.auth.mint = mint
    return minted


def secrets_of(sim: Any, minted: list[str]) -> SecretSet:
    found = SecretSet()
    creds = sim.credentials
    found.add("api_key", creds.api_key)
    found.add("app password", creds.app.password)
    found.add("app verify_key", creds.app.verify_key)
    for i, token in enumerate(minted):
        found.add_jwt(token, f"jwt#{i}")
    return found


async def _expect(kind: type[BaseException], call: Any, errors: list[BaseException]) -> None:
    with pytest.raises(kind) as info:
        await call
    errors.append(info.value)


async def run_session(sim: Any, errors: list[BaseException], objects: list[Any]) -> None:
    """The session under scrutiny (see the module docstring)."""
    cfg = config_for(sim, max_retries=1, max_retry_after_s=0.5)
    px = ProjectX(cfg)
    objects += [cfg, px, cfg.api_key, sim.credentials, sim]
    await px.connect()
    try:
        account = await px.select_account()
        contract = await px.resolve_contract("MNQ")
        await px.search_open_orders()
        await px.get_bars(contract, "1min", limit=10)
        rt = RealtimeClient(
            px.token_factory,
            cfg.user_hub_url,
            cfg.market_hub_url,
            session=px.http_session,
            reconnect=FAST,
        )
        objects += [rt, rt.user, rt.market, rt.user.stats]
        rt.feed.add_contract(contract.id, float(contract.tick_size or 0.25), ["1sec"])
        async with rt:
            await rt.subscribe_user(account.id)
            await rt.subscribe_market(contract.id)
            await eventually(lambda: rt.feed.trades > 0)
            # drops: close message, close frame, TCP reset
            for n, mode in enumerate(("close_message", "close_frame", "abort"), start=1):
                await sim.faults.drop_connections(None, mode=mode)
                await eventually(lambda n=n: rt.user.stats.reconnects >= n and rt.user.connected)
                await eventually(lambda n=n: rt.market.stats.reconnects >= n)
            # tokens expired: REST 401 -> login again; hubs reconnect with the new token
            sim.faults.expire_tokens()
            await px.search_open_orders()
            done = rt.user.stats.reconnects + rt.market.stats.reconnects
            await sim.faults.drop_connections(None, mode="abort")
            await eventually(
                lambda: (
                    rt.user.stats.reconnects + rt.market.stats.reconnects >= done + 2
                    and rt.user.connected
                    and rt.market.connected
                )
            )
            # a hub connection whose token is refused at the upgrade (401) and at negotiate
            stale = px.token
            assert stale is not None
            sim.faults.expire_tokens()

            async def stale_token() -> str:
                return stale

            for negotiate in (False, True):
                hub = HubConnection(
                    cfg.user_hub_url, stale_token, rt.user.parser, negotiate=negotiate
                )
                objects.append(hub)
                await _expect(ProjectXError, hub.start(), errors)
                await hub.close()
            await px.search_open_orders()  # 401 -> relogin
            # 5xx until retries run out, 429 beyond the allowed wait, 401 forced, 503 on order
            sim.faults.fail_next(5, status=503, path="Order/searchOpen")
            await _expect(APIError, px.search_open_orders(), errors)
            sim.faults.rate_limit_next(3, retry_after_s=5)
            await _expect(RateLimitError, px.list_accounts(), errors)
            sim.faults.clear()
            sim.faults.fail_next(1, status=401)
            await px.list_accounts()
            sim.faults.fail_next(1, status=503, path="Order/place")
            await _expect(
                OrderSubmissionUncertainError,
                px.place_market_order(contract, OrderSide.BUY, 1),
                errors,
            )
            sim.faults.fail_next(1, status=400, path="Order/searchOpen", message="bad")
            await _expect(APIError, px.search_open_orders(), errors)
            await px.place_market_order(contract, OrderSide.BUY, 1)
            await asyncio.sleep(0.2)
    finally:
        await px.logout()
        await px.close()
    # a wrong API key, and the app login (password + verify key on the wire)
    bad = ProjectX(cfg.replace(api_key="wrong-key-but-long-enough"))
    await _expect(AuthenticationError, bad.connect(), errors)
    await bad.close()
    app = sim.credentials.app
    app_cfg = ProjectXConfig(
        environment="local",
        base_url=sim.base_url,
        username=app.user_name,
        password=app.password,
        app_id=app.app_id,
        device_id="device-1",
        verify_key=app.verify_key,
    )
    objects.append(app_cfg)
    async with ProjectX(app_cfg) as app_px:
        objects.append(app_px)
        await app_px.list_accounts()
    wrong_app = ProjectX(app_cfg.replace(password="not-the-password-123"))
    await _expect(AuthenticationError, wrong_app.connect(), errors)
    await wrong_app.close()


async def test_a_full_session_leaks_no_secret(make_sim: Callable[..., Any]) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=50.0)
    minted = spy_tokens(sim)
    errors: list[BaseException] = []
    objects: list[Any] = []
    with capture_logs() as records:
        await run_session(sim, errors, objects)
    secrets = secrets_of(sim, minted)
    # the session really exercised what it claims to
    assert len(minted) >= 5, "logins and relogins mint several tokens"
    assert len(errors) == 8
    assert any(r.name.startswith("projectx.realtime") for r in records)
    assert any(r.name.startswith("projectx.client") and r.levelno == logging.DEBUG for r in records)
    assert any(r.exc_info for r in records) or any(r.levelno >= logging.WARNING for r in records)
    findings = scan_records(records, secrets)
    for obj in objects:
        findings += scan_object(obj, secrets)
    for exc in errors:
        findings += scan_object(exc, secrets)
    assert_clean(findings)


async def test_the_scan_fails_when_a_token_is_logged(make_sim: Callable[..., Any]) -> None:
    """Control: the same capture and scan do catch a leak (of each secret kind)."""
    sim = await make_sim(symbols=["MNQ"], rate=0.0)
    minted = spy_tokens(sim)
    cfg = config_for(sim)
    with capture_logs() as records:
        async with ProjectX(cfg) as px:
            token = px.token
            # outside the projectx tree (whose records are scrubbed by value, see
            # tests/security/test_value_redaction.py): nothing removes the token here
            logging.getLogger("tests.control").debug("ws url %s", f"wss://x/?t={token}")
            logging.getLogger("aiohttp.client").debug(cfg.api_key.get() if cfg.api_key else "")
    labels = {f.label for f in scan_records(records, secrets_of(sim, minted))}
    assert {"api_key", "jwt#0"} <= labels
