"""The SDK's own key and tokens, planted wherever a server can echo them, never come back out.

The simulator's fault surface plants them (``Faults.answer_next``: raw failure envelopes, login
refusals, anomalous answers); a small hostile server on another loopback port redirects the login
elsewhere. Logs, reprs, exceptions with their chains, stats, exports and the CLI's output are
scanned with :mod:`tests.security.secret_scan` in every spelling it knows.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web

from projectx import TradingSuite
from projectx.client import ProjectX
from projectx.config import ProjectXConfig
from projectx.exceptions import APIError, AuthenticationError, ProjectXError, redact
from projectx.redaction import forget_secret, register_secret, scrub
from tests.client.conftest import config_for
from tests.security.secret_scan import (
    SecretSet,
    assert_clean,
    capture_logs,
    scan_object,
    scan_records,
    scan_text,
)
from tests.test_readme_example import _free_port, _wait_http

KEY = "Key/With+Odd=Chars&" + "k3y" * 6


def spellings(value: str) -> list[str]:
    """Ways a server might echo ``value``."""
    return [
        value,
        value.upper(),
        quote(value, safe=""),
        quote(value, safe="").lower(),
        quote_plus(value),
        json.dumps(value)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(ch):04X}" for ch in value),
        base64.b64encode(value.encode()).decode(),
        f"apiKey: {value}",
        f"prefix{value}suffix",
    ]


def secrets_for(key: str, tokens: list[str]) -> SecretSet:
    found = SecretSet()
    found.add("api_key", key)
    for i, token in enumerate(tokens):
        found.add_jwt(token, f"token#{i}")
    return found


def test_scrub_removes_a_registered_value_in_every_spelling() -> None:
    value = "s3cr3t/Value+With=Odd&Chars"
    register_secret(value)
    try:
        for form in spellings(value):
            assert scan_text(scrub(form), secrets_for(value, []), form) == [], form
            assert scan_text(redact(form), secrets_for(value, []), form) == [], form
    finally:
        forget_secret(value)
    assert scrub(value) == value  # forgotten: no longer redacted


@pytest.fixture
async def planted(make_sim: Callable[..., Any]) -> AsyncIterator[tuple[Any, ProjectX, list[str]]]:
    sim = await make_sim(symbols=["MNQ"], rate=0.0, api_key=KEY)
    px = ProjectX(config_for(sim, max_retries=0))
    await px.connect()
    tokens = [px.token or ""]
    yield sim, px, tokens
    await px.close()


async def test_echoed_key_and_token_in_failure_envelopes_never_leave_the_sdk(
    planted: tuple[Any, ProjectX, list[str]],
) -> None:
    sim, px, tokens = planted
    token = tokens[0]
    errors: list[BaseException] = []
    with capture_logs() as records:
        for echoed in [*spellings(KEY), *spellings(token)]:
            raw = json.dumps({"success": False, "errorCode": 1, "errorMessage": "x"})
            raw = raw.replace('"x"', json.dumps(f"refused {echoed}"))
            sim.faults.answer_next("Account/search", raw)
            with pytest.raises(APIError) as info:
                await px.list_accounts()
            errors.append(info.value)
            # a 4xx problem body that echoes it too
            problem = {"title": f"bad {echoed}", "errors": {echoed: ["x"]}}
            sim.faults.answer_next("Account/search", problem, status=400)
            with pytest.raises(APIError) as info:
                await px.list_accounts()
            errors.append(info.value)
            # an anomalous answer (an implausible orderId carrying the secret)
            sim.faults.answer_next("Order/place", {"success": True, "orderId": echoed})
            with pytest.raises(ProjectXError) as info:
                await px.place_market_order("MNQ", "buy", 1)
            errors.append(info.value)
    secrets = secrets_for(KEY, tokens)
    findings = scan_records(records, secrets)
    for i, exc in enumerate(errors):
        findings += scan_object(exc, secrets, f"error #{i}", suppressed=True)
    findings += scan_object(px, secrets, "client")
    findings += scan_text(json.dumps(px.stats_snapshot()), secrets, "client stats")
    findings += scan_text(repr(px.anomalies.latest), secrets, "anomalies")
    assert_clean(findings)
    assert px.anomalies.by_reason  # the anomalies were really recorded


async def test_a_login_refusal_that_echoes_the_key_is_an_authentication_error_without_it(
    make_sim: Callable[..., Any],
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=0.0, api_key=KEY)
    errors: list[BaseException] = []
    with capture_logs() as records:
        for echoed in spellings(KEY):
            sim.faults.answer_next(
                "Auth/loginKey", {"success": False, "errorCode": 3, "errorMessage": echoed}
            )
            with pytest.raises(AuthenticationError) as info:
                async with ProjectX(config_for(sim, max_retries=0)):
                    pass
            errors.append(info.value)
        sim.faults.answer_next("Auth/loginKey", "", status=401)
        with pytest.raises(AuthenticationError):
            async with ProjectX(config_for(sim, max_retries=0)):
                pass
        sim.faults.answer_next("Auth/loginKey", {"success": True, "token": "abc\r\nX-Evil: 1"})
        with pytest.raises(AuthenticationError, match="header"):
            async with ProjectX(config_for(sim, max_retries=0)):
                pass
    findings = scan_records(records, secrets_for(KEY, []))
    for exc in errors:
        findings += scan_object(exc, secrets_for(KEY, []), suppressed=True)
    assert_clean(findings)


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[str, list[bytes]]]:
    """Another origin that records whatever reaches it."""
    seen: list[bytes] = []

    async def take(request: web.Request) -> web.Response:
        seen.append(await request.read())
        return web.json_response({"success": True, "token": "x" * 40})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", take)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_refused_and_nothing_is_resent_to_its_target(
    elsewhere: tuple[str, list[bytes]], status: int
) -> None:
    target, seen = elsewhere

    async def redirect(request: web.Request) -> web.Response:
        await request.read()
        location = f"{target}/steal?k={quote(KEY, safe='')}"
        return web.Response(status=status, headers={"Location": location})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        config = ProjectXConfig(
            environment="local",
            base_url=f"http://127.0.0.1:{port}",
            username="u",
            api_key=KEY,
            max_retries=0,
        )
        with capture_logs() as records, pytest.raises(APIError, match="redirect") as info:
            async with ProjectX(config):
                pass
    finally:
        await runner.cleanup()
    assert seen == []  # the login body never reached the other origin
    assert "steal" not in str(info.value)
    findings = scan_records(records, secrets_for(KEY, []))
    findings += scan_object(info.value, secrets_for(KEY, []), suppressed=True)
    assert_clean(findings)


async def test_suite_stats_and_exports_hold_no_echoed_secret(
    make_sim: Callable[..., Any], tmp_path: Path
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=20.0, api_key=KEY)
    config = config_for(sim)
    with capture_logs() as records:
        async with await TradingSuite.create(
            "MNQ", timeframes=["1min"], initial_days=0.01, config=config
        ) as suite:
            token = suite.client.token or ""
            sim.faults.answer_next("Order/place", {"success": True, "orderId": f"{KEY}|{token}"})
            with pytest.raises(ProjectXError) as info:
                await suite.client.place_market_order("MNQ", "buy", 1)
            exports = [suite.export_stats("json"), suite.export_stats("prometheus")]
            stats_text = json.dumps(suite.get_stats(), default=str)
            suite_repr = repr(suite)
    secrets = secrets_for(KEY, [token])
    findings = scan_records(records, secrets)
    findings += scan_object(info.value, secrets, suppressed=True)
    for i, text in enumerate([*exports, suite_repr]):
        findings += scan_text(text, secrets, f"export #{i}")
    assert_clean(findings)
    assert suite.client.anomalies.by_reason and stats_text  # the anomaly was recorded


def test_projectx_sim_never_prints_the_environment_key_and_prints_its_admin_token_once(
    tmp_path: Path,
) -> None:
    port = _free_port()
    log = tmp_path / "sim.log"
    env = {**os.environ, "PROJECT_X_API_KEY": KEY, "PROJECT_X_USERNAME": "sim.trader"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "projectx", "sim", "--port", str(port), "--rate", "0",
             "--log-level", "DEBUG"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/Status/ping", proc, log)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    text = log.read_text()
    assert_clean(scan_text(text, secrets_for(KEY, []), "projectx sim output"))
    assert "apiKey         (from $PROJECT_X_API_KEY; not shown)" in text
    token_lines = [line for line in text.splitlines() if "admin token" in line]
    assert len(token_lines) == 1 and len(token_lines[0].split()[2]) >= 32


def test_a_secret_released_by_garbage_collection_never_deadlocks_and_is_forgotten() -> None:
    import gc

    from projectx import redaction
    from projectx.config import Secret

    value = "collected-secret-value-123"
    secret = Secret(value)
    assert scrub(value) == "***"
    with redaction._lock:  # a finalizer can fire while the registry holds its lock
        del secret
        gc.collect()
    register_secret("another-secret-value-456")  # the next change applies the release
    try:
        assert scrub(value) == value
    finally:
        forget_secret("another-secret-value-456")
