"""Clear-text transport: what the config enforces, and where a raw hub URL bypasses it."""

from __future__ import annotations

from typing import Any

import pytest

from projectx.client import ProjectX
from projectx.config import InsecureConfigWarning, ProjectXConfig
from projectx.exceptions import ValidationError
from projectx.realtime.client import RealtimeClient
from projectx.sim.admin import RemoteBindWarning
from tests.security.test_admin_loopback import _non_loopback_ipv4


async def test_a_client_config_cannot_point_at_a_plain_remote_host(make_sim: Any) -> None:
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with pytest.warns(RemoteBindWarning):
        sim = await make_sim(symbols=["MNQ"], rate=0.0, host="0.0.0.0", allow_remote=True)
    remote = f"http://{address}:{sim.port}"
    with pytest.raises(ValidationError, match="loopback"):
        ProjectXConfig(environment="local", base_url=remote)
    # the same server through loopback is fine, and through the LAN only when opted in
    local = ProjectXConfig(
        environment="local",
        base_url=f"http://127.0.0.1:{sim.port}",
        username=sim.credentials.user_name,
        api_key=sim.credentials.api_key,
    )
    async with ProjectX(local) as px:
        assert px.token
    with pytest.warns(InsecureConfigWarning, match=address):
        lan = local.replace(base_url=remote, allow_insecure=True)
    async with ProjectX(lan) as px:
        assert px.token


async def test_hub_urls_passed_directly_follow_the_loopback_rule(make_sim: Any) -> None:
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with pytest.warns(RemoteBindWarning):
        sim = await make_sim(symbols=["MNQ"], rate=0.0, host="0.0.0.0", allow_remote=True)
    token = sim.auth.mint(sim.credentials.user_name)

    async def factory() -> str:
        return token

    remote = f"http://{address}:{sim.port}"
    with pytest.raises(ValidationError, match="loopback"):
        rt = RealtimeClient(factory, remote + "/hubs/user", remote + "/hubs/market")
        try:
            await rt.connect()
        finally:
            await rt.close()
