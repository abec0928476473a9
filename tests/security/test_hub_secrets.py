"""The SDK's key and token echoed by a hub — in a Close message's error text, in a handshake
refusal, in a record — never come back out: not in logs, reprs, hub stats, suite stats and
exports, exceptions with their chains, nor in a recording made through the same hubs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from projectx import TradingSuite
from projectx._native.frames import FrameParser
from projectx.client import ProjectX
from projectx.exceptions import ConnectionError as ProjectXConnectionError
from projectx.realtime.hub import HubConnection
from projectx.recording.recorder import Recorder
from tests.client.conftest import config_for
from tests.hostile.conftest import eventually
from tests.security.secret_scan import (
    assert_clean,
    capture_logs,
    scan_object,
    scan_path,
    scan_records,
    scan_text,
)
from tests.security.test_value_redaction import KEY, secrets_for


async def test_secrets_echoed_by_the_hubs_never_leave_the_sdk(
    make_sim: Callable[..., Any], tmp_path: Path
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=20.0, api_key=KEY)
    config = config_for(sim)
    texts: list[str] = []
    with capture_logs() as records:
        async with await TradingSuite.create(
            "MNQ", timeframes=["1sec"], initial_days=0, config=config
        ) as suite:
            assert suite.realtime is not None
            user, market = suite.realtime.user, suite.realtime.market
            token = await suite.client.token_factory()
            echo = f"session of {config.username} refused: key={KEY} token {token}"
            # a Close whose error text echoes both (it reconnects: allowReconnect true)
            reconnects = user.stats.reconnects
            await sim.faults.drop_connections("user", mode="close_message", error=echo)
            await eventually(lambda: user.stats.reconnects > reconnects, what="user reconnect")
            # ... and one that ends the hub for good
            await sim.faults.drop_connections(
                "market", mode="close_message", error=echo, allow_reconnect=False
            )
            await eventually(lambda: not market.alive, what="the market hub stopped")
            # a handshake refusal that echoes them, at a first connect (raised)
            sim.faults.handshake_answer("user", json.dumps({"error": echo}) + "\x1e", n=1)
            hub = HubConnection(
                sim.user_hub_url, suite.client.token_factory, FrameParser(), name="probe"
            )
            with pytest.raises(ProjectXConnectionError) as refused:
                await hub.start()
            # ... and mid-session (logged by the supervisor)
            failures = user.stats.connect_failures
            sim.faults.handshake_answer("user", json.dumps({"error": echo}) + "\x1e", n=1)
            await sim.faults.drop_connections("user", mode="abort")
            await eventually(lambda: user.stats.connect_failures > failures, what="a refusal")
            await eventually(lambda: user.connected, what="the user hub back")
            texts += [
                repr(user.stats),
                repr(market.stats),
                repr(suite),
                json.dumps(suite.get_stats(), default=str),
                suite.export_stats("json"),
                suite.export_stats("prometheus"),
            ]
        # a recording made through hubs that echo the secrets in a record and a close
        async with ProjectX(config) as client:
            out = tmp_path / "rec"
            async with Recorder(client, ["MNQ"], out) as recorder:
                assert recorder.realtime is not None
                await asyncio.sleep(0.3)
                sim.faults.send_frame(
                    "market",
                    kind="raw",
                    data=json.dumps({"type": 1, "target": "Echo", "arguments": [echo]}) + "\x1e",
                )
                await sim.faults.drop_connections("market", mode="close_message", error=echo)
                await asyncio.sleep(0.5)
                texts.append(repr(recorder))
    secrets = secrets_for(KEY, [token])
    findings = scan_records(records, secrets)
    findings += scan_object(refused.value, secrets, suppressed=True)
    for i, text in enumerate(texts):
        findings += scan_text(text, secrets, f"text #{i}")
    findings += scan_path(out, secrets)
    assert_clean(findings)
    # the texts were kept, only without the secrets: the redaction is not a blanket drop
    assert user.stats.last_close_error and "refused" in user.stats.last_close_error
    assert market.stats.stopped_reason and "allowReconnect=false" in market.stats.stopped_reason
