"""A TradingSuite session's stats exports (JSON, Prometheus), repr and logs hold no secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from projectx.config import ProjectXConfig
from tests.realtime.test_client import eventually
from tests.security.secret_scan import (
    assert_clean,
    capture_logs,
    scan_object,
    scan_path,
    scan_records,
)
from tests.security.test_session_leaks import secrets_of, spy_tokens

suite_module = pytest.importorskip("projectx.suite")


async def test_stats_exports_and_logs_of_a_suite_session_hold_no_secret(
    make_sim: Any, tmp_path: Path
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=50.0)
    minted = spy_tokens(sim)
    creds = sim.credentials
    config = ProjectXConfig(
        environment="local",
        base_url=sim.base_url,
        username=creds.user_name,
        api_key=creds.api_key,
    )
    with capture_logs() as records:
        suite = suite_module.TradingSuite(
            "MNQ", timeframes=["1min"], initial_days=0.01, config=config
        )
        await suite.connect()
        try:
            await eventually(lambda: suite.feed.trades > 0)
            sim.faults.expire_tokens()
            await sim.faults.drop_connections(None, mode="abort")
            await suite.client.search_open_orders()  # REST 401 -> login again (see below)
            await eventually(
                lambda: (
                    suite.realtime.market.stats.reconnects >= 1
                    and suite.realtime.user.stats.reconnects >= 1
                )
            )
            await eventually(lambda: len(minted) >= 2)
            (tmp_path / "stats.json").write_text(suite.export_stats("json"))
            (tmp_path / "stats.prom").write_text(suite.export_stats("prometheus"))
            stats = suite.get_stats()
            objects = [suite, suite.client, suite.realtime, stats]
        finally:
            await suite.disconnect()
    secrets = secrets_of(sim, minted)
    assert (tmp_path / "stats.json").stat().st_size > 100
    findings = scan_path(tmp_path, secrets) + scan_records(records, secrets)
    for obj in objects:
        findings += scan_object(obj, secrets)
    assert_clean(findings)


async def test_hubs_recover_from_a_server_side_token_expiry_without_rest_traffic(
    make_sim: Any,
) -> None:
    from projectx.client import ProjectX
    from projectx.realtime.client import RealtimeClient
    from projectx.realtime.hub import ReconnectPolicy

    sim = await make_sim(symbols=["MNQ"], rate=50.0)
    creds = sim.credentials
    config = ProjectXConfig(
        environment="local", base_url=sim.base_url, username=creds.user_name, api_key=creds.api_key
    )
    async with ProjectX(config) as px:
        rt = RealtimeClient(
            px.token_factory,
            config.user_hub_url,
            config.market_hub_url,
            session=px.http_session,
            reconnect=ReconnectPolicy(first_delay=0.0, base_delay=0.05, max_delay=0.2),
        )
        async with rt:
            sim.faults.expire_tokens()
            await sim.faults.drop_connections(None, mode="abort")
            await eventually(
                lambda: rt.user.stats.reconnects >= 1 and rt.market.stats.reconnects >= 1,
                timeout=5.0,
            )
