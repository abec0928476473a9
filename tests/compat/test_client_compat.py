"""projectx.compat.client.ProjectX against the simulator over 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from projectx import ProjectX as CoreClient
from projectx.compat import exceptions as errors
from projectx.compat.client import ProjectX
from projectx.compat.models import Account, Instrument
from projectx.config import ProjectXConfig as CoreConfig
from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig


@pytest.fixture
async def sim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Simulator]:
    async with Simulator(
        symbols=["MNQ", "ES"], seed=3, rate=50.0, rate_limits=RateLimitConfig(enabled=False)
    ) as s:
        base = s.base_url
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("PROJECT_X_USERNAME", s.credentials.user_name)
        monkeypatch.setenv("PROJECT_X_API_KEY", s.credentials.api_key)
        monkeypatch.setenv("PROJECTX_API_URL", f"{base}/api")
        monkeypatch.setenv("PROJECTX_USER_HUB_URL", f"{base}/hubs/user")
        monkeypatch.setenv("PROJECTX_MARKET_HUB_URL", f"{base}/hubs/market")
        yield s


def _requests(sim: Simulator) -> int:
    return sim.requests.total


async def test_from_env_logs_in_and_answers_in_project_x_pys_shapes(sim: Simulator) -> None:
    async with ProjectX.from_env() as client:
        await client.authenticate()
        assert isinstance(client.account_info, Account) and client.account_info.canTrade
        assert sim.credentials.api_key not in repr(client)
        assert sim.credentials.api_key not in str(client.api_key)
        accounts = await client.list_accounts()
        assert client.account_info.id in [a.id for a in accounts]
        instrument = await client.get_instrument("MNQ")
        assert isinstance(instrument, Instrument)
        assert (instrument.tickSize, instrument.tickValue, instrument.activeContract) == (
            0.25,
            0.5,
            True,
        )
        found = await client.search_instruments("MNQ")
        assert instrument.id in [i.id for i in found]
        assert await client.ping() == "pong"
        health = await client.get_health_status()
        assert health["authenticated"] is True and 0 <= health["health_score"] <= 100
        assert await client.search_open_positions() == []
        assert await client.validate_session() is True


async def test_get_bars_equals_the_core_with_project_x_pys_columns(sim: Simulator) -> None:
    # end on a 5-minute boundary that has passed: every bar that starts before it is closed, so
    # the two reads a moment apart see the same bars (a forming bar would still be trading)
    now = datetime.now(UTC)
    end = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    start = end - timedelta(hours=6)
    async with ProjectX.from_env() as client:
        await client.authenticate()
        bars = await client.get_bars("MNQ", interval=5, unit=2, start_time=start, end_time=end)
    async with CoreClient(CoreConfig.for_simulator(sim)) as core:
        reference = await core.get_bars("MNQ", "5min", start=start, end=end, include_partial=True)
    bars = bars.filter(bars["timestamp"].dt.convert_time_zone("UTC") < end)
    reference = reference.filter(reference["ts"] < end)
    assert bars.columns == ["timestamp", "open", "high", "low", "close", "volume"]
    assert str(bars["timestamp"].dtype.time_zone) == "America/Chicago"  # type: ignore[union-attr]
    assert len(bars) == len(reference) > 0
    assert bars.drop("timestamp").equals(reference.drop("ts"))
    same_instants = bars["timestamp"].dt.convert_time_zone("UTC") == reference["ts"]
    assert same_instants.all()


async def test_naive_times_are_read_in_the_configured_time_zone(sim: Simulator) -> None:
    async with ProjectX.from_env() as client:
        await client.authenticate()
        now_chicago = datetime.now(UTC).astimezone(client.timezone).replace(tzinfo=None)
        bars = await client.get_bars(
            "MNQ",
            interval=1,
            unit=2,
            start_time=now_chicago - timedelta(hours=1),
            end_time=now_chicago,
        )
    assert isinstance(bars, pl.DataFrame) and 0 < len(bars) <= 61


async def test_bad_input_is_a_typed_error_before_anything_is_sent(sim: Simulator) -> None:
    async with ProjectX.from_env() as client:
        await client.authenticate()
        sent = _requests(sim)
        with pytest.raises(errors.ProjectXDataError):
            await client.get_bars("MNQ", days=0)
        with pytest.raises(errors.ProjectXDataError):
            await client.get_bars("MNQ", unit=99)
        with pytest.raises(errors.ProjectXDataError):
            await client.search_trades(limit=0)
        assert _requests(sim) == sent
        with pytest.raises(errors.ProjectXInstrumentError):
            await client.get_instrument("NOPE")


async def test_wrong_credentials_are_an_authentication_error(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROJECT_X_API_KEY", "not-the-right-key-at-all")
    with pytest.raises(errors.ProjectXAuthenticationError) as caught:
        async with ProjectX.from_env() as client:
            await client.authenticate()
    assert "not-the-right-key-at-all" not in str(caught.value)


async def test_the_client_needs_authentication_first(sim: Simulator) -> None:
    client = ProjectX(sim.credentials.user_name, sim.credentials.api_key)
    with pytest.raises(errors.ProjectXError):
        await client.get_instrument("MNQ")
    with pytest.raises(errors.ProjectXAuthenticationError):
        ProjectX("", "key")
