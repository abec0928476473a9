"""The simulator's fault/admin endpoint answers loopback peers only (anyone else gets 404)."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from projectx.sim import Simulator
from projectx.sim.admin import ADMIN_TOKEN_HEADER, RemoteBindWarning
from projectx.sim.faults import _is_loopback, admin_handler

LOOPBACK = ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "::ffff:127.0.0.1"]
OTHERS = [
    "10.0.0.1",
    "192.168.1.20",
    "172.16.0.1",
    "8.8.8.8",
    "0.0.0.0",
    "169.254.1.1",
    "::",
    "::ffff:10.0.0.1",
    "2001:db8::1",
    "fe80::1%eth0",
    "fd00::2",
    "localhost",  # a peer address is never a name: refuse rather than resolve
    "127.0.0.1.evil.test",
    "",
    None,
    "not an address",
]


@pytest.mark.parametrize("peer", LOOPBACK)
def test_loopback_peers_are_recognised(peer: str):
    assert _is_loopback(peer) is True


@pytest.mark.parametrize("peer", OTHERS)
def test_other_peers_are_refused(peer: str | None):
    assert _is_loopback(peer) is False


def _request(method: str, path: str, remote: str | None, token: str | None = None) -> Any:
    headers = {"Host": "127.0.0.1"}
    if token is not None:
        headers[ADMIN_TOKEN_HEADER] = token
    return make_mocked_request(method, path, headers=headers).clone(remote=remote)


@pytest.mark.parametrize("peer", [p for p in OTHERS if p is not None])
@pytest.mark.parametrize(
    ("method", "tail"),
    [("GET", "status"), ("GET", "faults"), ("POST", "faults/clear"), ("POST", "faults/x")],
)
async def test_admin_handler_answers_404_and_acts_on_nothing_for_remote_peers(
    peer: str, method: str, tail: str
) -> None:
    sim = Simulator(symbols=["MNQ"])  # not started: the handler is called directly
    sim.faults.fail_next(1, status=503)
    calls: list[int] = []

    def status() -> dict[str, Any]:
        calls.append(1)
        return {}

    request = _request(method, f"/_sim/{tail}", peer)
    response = await admin_handler(request, sim.faults, status, tail, token=sim.admin_token)
    assert response.status == 404
    assert calls == [] and len(sim._rest_faults.rules) == 1  # nothing read, nothing cleared


@pytest.mark.parametrize("peer", LOOPBACK)
async def test_admin_handler_serves_loopback_peers(peer: str) -> None:
    sim = Simulator(symbols=["MNQ"])
    response = await admin_handler(
        _request("GET", "/_sim/status", peer, sim.admin_token),
        sim.faults,
        lambda: {"ok": 1},
        "status",
        token=sim.admin_token,
    )
    assert response.status == 200


def _non_loopback_ipv4() -> str | None:
    """This machine's address on its default route (no packet is sent for a UDP connect)."""
    for probe in ("10.255.255.255", "192.0.2.1", "203.0.113.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect((probe, 9))
            except OSError:
                continue
            address: str = s.getsockname()[0]
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    return None


async def test_over_a_real_socket_only_the_loopback_peer_reaches_the_admin() -> None:
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with pytest.warns(RemoteBindWarning):
        sim = Simulator(symbols=["MNQ"], host="0.0.0.0", rate=0.0, allow_remote=True)
    async with sim:
        port = sim.port
        async with aiohttp.ClientSession(headers={ADMIN_TOKEN_HEADER: sim.admin_token}) as http:
            via_lan = f"http://{address}:{port}"
            via_lo = f"http://127.0.0.1:{port}"
            async with http.get(f"{via_lan}/_sim/status") as resp:
                assert resp.status == 404
            async with http.post(f"{via_lan}/_sim/faults/expire_tokens", json={}) as resp:
                assert resp.status == 404
            assert sim.auth._min_valid_serial == 1  # the fault was not applied
            # forged proxy headers change nothing: the socket peer decides
            headers = {"X-Forwarded-For": "127.0.0.1", "Forwarded": "for=127.0.0.1"}
            async with http.get(f"{via_lan}/_sim/status", headers=headers) as resp:
                assert resp.status == 404
            async with http.post(
                f"{via_lan}/api/Auth/loginKey",
                json={"userName": sim.credentials.user_name, "apiKey": sim.credentials.api_key},
            ) as resp:
                assert resp.status == 200  # the API itself is reachable from the LAN address
            async with http.get(f"{via_lo}/_sim/status") as resp:
                assert resp.status == 200 and (await resp.json())["port"] == port
