"""The simulator's admin surface refuses what a web page or a stranger could send (over a socket).

A refused request acts on nothing: the fault it asked for is not armed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from projectx.sim import Simulator
from projectx.sim.admin import ADMIN_TOKEN_HEADER, RemoteBindWarning, check_bind

JSON = {"Content-Type": "application/json"}


def good(sim: Any) -> dict[str, str]:
    return {ADMIN_TOKEN_HEADER: sim.admin_token, **JSON}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),  # no token
        ({ADMIN_TOKEN_HEADER: "wrong-token-wrong-token"}, 401),
        ({"Host": "evil.example"}, 403),  # DNS rebinding: the page's own name
        ({"Host": "127.0.0.1.evil.example:80"}, 403),
        ({"Host": "evil.example:8765"}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Content-Type": "text/plain"}, 415),  # a "simple" cross-origin request
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ],
)
async def test_refused_admin_requests_act_on_nothing(
    make_sim: Callable[..., Any], headers: dict[str, str], status: int
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=0.0)
    sent = {**good(sim), **headers}
    if status == 401 and ADMIN_TOKEN_HEADER not in headers:
        del sent[ADMIN_TOKEN_HEADER]
    async with aiohttp.ClientSession() as http:
        url = f"{sim.base_url}/_sim/faults/expire_tokens"
        async with http.post(url, data=b"{}", headers=sent) as resp:
            assert resp.status == status
            body = await resp.json()
            assert body["ok"] is False and sim.admin_token not in str(body)
        async with http.get(f"{sim.base_url}/_sim/status", headers=sent) as resp:
            assert resp.status == (200 if status == 415 else status)
    assert sim.auth._min_valid_serial == 1  # no token was expired


async def test_the_token_a_loopback_host_and_a_json_body_are_served(
    make_sim: Callable[..., Any],
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=0.0)
    async with aiohttp.ClientSession() as http:
        for host in (None, f"localhost:{sim.port}", f"[::1]:{sim.port}"):
            headers = good(sim) | ({"Host": host} if host else {})
            headers["Origin"] = f"http://127.0.0.1:{sim.port}"
            url = f"{sim.base_url}/_sim/faults/fail_next"
            async with http.post(url, data=b'{"n": 1, "status": 503}', headers=headers) as resp:
                assert resp.status == 200
    assert len(sim._rest_faults.rules) == 3


def test_each_simulator_has_its_own_admin_token() -> None:
    a, b = Simulator(symbols=["MNQ"]), Simulator(symbols=["MNQ"])
    assert a.admin_token != b.admin_token and len(a.admin_token) >= 32
    assert a.admin_token not in repr(a) and a.admin_token not in repr(a.config)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.5", "example.com"])
def test_non_loopback_binds_are_refused_unless_allowed_and_then_warned(host: str) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        Simulator(symbols=["MNQ"], host=host)
    with pytest.warns(RemoteBindWarning):
        check_bind(host, allow_remote=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_binds_need_nothing(host: str) -> None:
    check_bind(host, allow_remote=False)


def test_projectx_sim_refuses_a_remote_host_without_the_flag(capsys: Any) -> None:
    from projectx.cli import main

    assert main(["sim", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
