"""The dependency-injection form ``TradingSuite(client, realtime_client, instrument_info,
timeframes, features)`` against the simulator, and its argument checks."""

from __future__ import annotations

import pytest

from projectx import Features, TradingSuite, ValidationError
from projectx.client import ProjectX
from projectx.realtime import RealtimeClient
from projectx.sim import Simulator
from tests.suite.conftest import config_for, eventually


async def test_an_injected_client_realtime_client_and_contract_are_used(sim: Simulator) -> None:
    async with ProjectX(config_for(sim)) as client:
        contract = await client.resolve_contract("MNQ")
        realtime = RealtimeClient(
            client.token_factory, client.config.user_hub_url, client.config.market_hub_url
        )
        suite = TradingSuite(client, realtime, contract, ["1sec"], [Features.ORDERBOOK])
        assert suite.client is client and suite.realtime is realtime
        assert suite.feed is realtime.feed  # one feed, owned by the suite's dispatcher
        resolves_before = sim.requests.total
        async with suite:
            assert suite.symbols == [contract.name]
            assert suite[contract.name].contract is contract  # used as given
            await eventually(lambda: suite.data.get_current_price() is not None)
            assert suite.orderbook is not None
            paths = [r.path for r in sim.requests.since(resolves_before)]
            assert not any("Contract/search" in p for p in paths)
        assert client.token  # the suite did not log the injected client out
        await realtime.close()


async def test_a_symbol_as_instrument_info_is_resolved(sim: Simulator) -> None:
    client = ProjectX(config_for(sim))
    async with client, TradingSuite(client, None, "MNQ", ["1sec"], []) as suite:
        assert suite["MNQ"].contract.id.startswith("CON.F.US.MNQ.")
        assert suite.orderbook is None  # no orderbook feature


async def test_injection_arguments_are_checked(sim: Simulator) -> None:
    async with ProjectX(config_for(sim)) as client:
        with pytest.raises(ValidationError, match="instrument_info"):
            TradingSuite(client, None, None, ["1sec"])
        with pytest.raises(ValidationError, match="instrument_info"):
            TradingSuite(client, None, 42, ["1sec"])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="realtime_client"):
            TradingSuite(client, "hub", "MNQ", ["1sec"])  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="not both"):
            TradingSuite(client, None, "MNQ", ["1sec"], client=client)
        with pytest.raises(ValidationError, match="first argument"):
            TradingSuite("MNQ", None, "MNQ", ["1sec"], client=client)
