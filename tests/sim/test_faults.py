"""Every fault of the control surface, observed from a raw client (spec §9.10, §9.11)."""

from __future__ import annotations

import asyncio
from unittest import mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from projectx.sim import Simulator
from projectx.sim.admin import ADMIN_TOKEN_HEADER
from projectx.sim.faults import ADMIN_METHODS, _is_loopback, admin_handler
from projectx.sim.hubs import HubConfig
from tests.sim.conftest import RS, WAIT_S, RawHub, account_ids, login, post, wait_until


def _auth(sim) -> dict[str, str]:
    return {ADMIN_TOKEN_HEADER: sim.admin_token}


async def _admin(http, sim, name: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"{sim.base_url}/_sim/faults/{name}"
    async with http.post(url, json=body or {}, headers=_auth(sim)) as resp:
        return resp.status, await resp.json()


async def _subscribed_trades(http, sim, token) -> RawHub:
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("SubscribeContractTrades", sim.contract_ids[0])
    return h


# ------------------------------------------------------------------------------ REST
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_fail_next_answers_5xx_then_recovers(http, sim, token, status):
    sim.faults.fail_next(2, status=status)
    body = {"onlyActiveAccounts": True}
    got = [(await post(http, sim, "Account/search", body, token))[0] for _ in range(3)]
    assert got == [status, status, 200]


async def test_fail_next_for_one_path_leaves_others_alone(http, sim, token):
    sim.faults.fail_next(1, status=500, path="order/searchOpen")
    acc = (await account_ids(http, sim, token))[0]
    status, _ = await post(http, sim, "Contract/available", {"live": False}, token)
    assert status == 200
    status, _ = await post(http, sim, "Order/searchOpen", {"accountId": acc}, token)
    assert status == 500
    status, _ = await post(http, sim, "Order/searchOpen", {"accountId": acc}, token)
    assert status == 200


async def test_rate_limit_next_answers_429_with_retry_after(http, sim, token):
    sim.faults.rate_limit_next(1, retry_after_s=7)
    async with http.post(
        sim.api_url + "/Contract/available",
        json={"live": False},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"


async def test_fail_next_with_error_envelope(http, sim, token):
    sim.faults.fail_next(1, status=200, path="Contract/available", error_code=9, message="boom")
    status, env = await post(http, sim, "Contract/available", {"live": False}, token)
    assert status == 200
    assert env == {"success": False, "errorCode": 9, "errorMessage": "boom"}


async def test_reject_next_order_uses_the_given_code(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    sim.faults.reject_next_order(3, "Insufficient funds (injected)")
    body = {"accountId": acc, "contractId": sim.contract_ids[0], "type": 2, "side": 0, "size": 1}
    _, env = await post(http, sim, "Order/place", body, token)
    assert env["success"] is False and env["errorCode"] == 3
    _, env = await post(http, sim, "Order/place", body, token)
    assert env["success"] is True


async def test_delay_rest_delays_answers(http, sim, token):
    sim.faults.delay_rest(0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await post(http, sim, "Contract/available", {"live": False}, token)
    assert status == 200 and loop.time() - started >= 0.25


# ---------------------------------------------------------------------------- tokens
async def test_expire_tokens_refuses_rest_negotiate_and_upgrade(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.expire_tokens()
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, token)
    assert status == 401
    async with http.post(f"{sim.user_hub_url}/negotiate?access_token={token}") as resp:
        assert resp.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(f"{sim.user_hub_url.replace('http', 'ws')}?access_token={token}")
    assert info.value.status == 401
    # an open session is kept (ASP.NET default, spec §2.4)
    assert "result" in await h.invoke("SubscribeAccounts")
    fresh = await login(http, sim)
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, fresh)
    assert status == 200
    await h.close()


# ------------------------------------------------------------------------------ hubs
async def test_drop_with_close_message(http, sim, token):
    h = await _subscribed_trades(http, sim, token)
    assert await sim.faults.drop_connections("market", mode="close_message", error="bye") == 1
    seen = await h.wait_closed()
    assert {"type": 7, "error": "bye", "allowReconnect": True} in seen
    assert h.close_type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await wait_until(lambda: sim.hubs.subscriber_count("GatewayTrade", sim.contract_ids[0]) == 0)


async def test_drop_with_close_frame_only(http, sim, token):
    h = await _subscribed_trades(http, sim, token)
    assert await sim.faults.drop_connections("market", mode="close_frame") == 1
    seen = await h.wait_closed()
    assert not [m for m in seen if m.get("type") == 7]
    assert h.close_type is aiohttp.WSMsgType.CLOSE


async def test_abort_kills_the_socket_without_close_frame(http, sim, token):
    h = await _subscribed_trades(http, sim, token)
    assert await sim.faults.drop_connections("market", mode="abort") == 1
    seen = await h.wait_closed()
    assert not [m for m in seen if m.get("type") == 7]
    assert h.close_type is not aiohttp.WSMsgType.CLOSE


async def test_drop_only_touches_the_named_hub(http, sim, token):
    u = await RawHub.connect(http, sim.user_hub_url, token)
    m = await RawHub.connect(http, sim.market_hub_url, token)
    assert await sim.faults.drop_connections("user") == 1
    await u.wait_closed()
    assert "result" in await m.invoke("SubscribeContractQuotes", sim.contract_ids[0])
    await m.close()


@pytest.mark.parametrize("mode", ["close_frame", "close_message", "abort"])
async def test_handshake_then_close_ends_the_next_n_connections_after_the_handshake(
    http, sim, token, mode
):
    sim.faults.handshake_then_close("market", n=2, mode=mode, allow_reconnect=False)
    before = sim.faults.sessions_started("market")
    for _ in range(2):
        h = await RawHub.connect(http, sim.market_hub_url, token)  # the {} answer came
        seen = await h.wait_closed()
        closes = [m for m in seen if m.get("type") == 7]
        if mode == "close_message":
            assert closes and closes[0]["allowReconnect"] is False
        else:
            assert not closes
    h = await RawHub.connect(http, sim.market_hub_url, token)  # the third one is served
    assert "result" in await h.invoke("SubscribeContractQuotes", sim.contract_ids[0])
    assert sim.faults.sessions_started("market") == before + 3
    assert sim.faults.sessions_started("user") == 0
    await h.close()


async def test_handshake_then_close_until_cleared(http, sim, token):
    sim.faults.handshake_then_close("user")
    for _ in range(3):
        h = await RawHub.connect(http, sim.user_hub_url, token)
        await h.wait_closed()
    sim.faults.clear()
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeAccounts")
    await h.close()
    with pytest.raises(ValueError):
        sim.faults.handshake_then_close("user", n=0)


@pytest.mark.parametrize("fragment_bytes", [None, 70_000, 1 << 20])
async def test_send_huge_message_streams_one_valid_message(http, sim, token, fragment_bytes):
    h = await RawHub.connect(http, sim.market_hub_url, token)
    size = 3 * 1024 * 1024 + 17
    assert sim.faults.send_huge_message("market", size=size, fragment_bytes=fragment_bytes) == 1
    record = await h.wait_for(lambda m: m.get("target") == "SimHuge")
    assert len(h.frames[-1]) == size  # one WebSocket message, however it was framed
    assert record["type"] == 1 and set(record["arguments"][0]) == {"x"}
    assert "result" in await h.invoke("SubscribeContractQuotes", sim.contract_ids[0])
    await h.close()


async def test_send_huge_message_stops_when_the_client_goes_away(http, sim, token):
    async with aiohttp.ClientSession() as small:
        url = sim.market_hub_url.replace("http://", "ws://", 1) + f"?access_token={token}"
        ws = await small.ws_connect(url, max_msg_size=64 * 1024)
        await ws.send_str('{"protocol":"json","version":1}\x1e')
        assert (await ws.receive(timeout=WAIT_S)).data == "{}\x1e"
        sim.faults.send_huge_message("market", size=512 * 1024 * 1024)
        msg = await ws.receive(timeout=WAIT_S)
        assert msg.type is aiohttp.WSMsgType.ERROR  # MESSAGE_TOO_BIG, from the frame header
    await wait_until(lambda: sim.faults.connections("market") == [])


async def test_drop_after_n_records(http, sim, token):
    sim.faults.drop_after("market", 5, close_message=True)
    h = await _subscribed_trades(http, sim, token)
    seen = await h.wait_closed()
    assert seen[-1]["type"] == 7
    assert len([m for m in seen if m.get("type") == 1]) >= 3


async def test_stall_holds_everything_until_resumed(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.stall_hub("user")
    await h.send({"type": 1, "invocationId": "x", "target": "SubscribeAccounts", "arguments": []})
    with pytest.raises(TimeoutError):
        await h.next_record(limit_s=0.4)
    sim.faults.resume_hub("user")
    assert await h.next_record() == {"type": 3, "invocationId": "x", "result": None}
    await h.close()


async def test_delay_hub_delays_records(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.delay_hub("user", 0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert "result" in await h.invoke("SubscribeAccounts")
    assert loop.time() - started >= 0.25  # loop clocks have ms resolution
    await h.close()


async def test_malformed_frame(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert sim.faults.send_frame("user", kind="malformed") == 1
    raw = await h.next_raw_record()
    with pytest.raises(ValueError):
        __import__("orjson").loads(raw)
    await h.close()


async def test_truncated_frame_has_no_terminator(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    before = len(h.frames)
    sim.faults.send_frame("user", kind="truncated")
    assert await h._fill(WAIT_S)  # the frame arrives, however slow the machine ...
    assert len(h.frames) == before + 1 and not h.frames[-1].endswith(RS)
    with pytest.raises(TimeoutError):  # ... and completes no record
        await h.next_raw_record(limit_s=0.4)
    assert len(h.frames) == before + 1
    await h.close()


async def test_split_record_arrives_in_two_frames(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    before = len(h.frames)
    sim.faults.send_frame("user", kind="split")
    assert await h.next_record() == {"type": 6}
    assert len(h.frames) == before + 2
    await h.close()


async def test_oversized_frame_has_the_requested_size(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.send_frame("user", kind="oversized", size=3_000_000)
    raw = await h.next_raw_record()
    assert len(raw) + 1 == 3_000_000
    assert h.frames[-1] == raw + RS
    await h.close()


@pytest.mark.parametrize(("kind", "expected"), [("not_object", [1, 2, 3]), ("no_type", None)])
async def test_odd_records(http, sim, token, kind, expected):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.send_frame("user", kind=kind)
    msg = await h.next_record()
    if expected is not None:
        assert msg == expected
    else:
        assert isinstance(msg, dict) and "type" not in msg
    await h.close()


async def test_raw_frame_is_sent_verbatim(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    sim.faults.send_frame("user", kind="raw", data='{"type":6}\x1e{"type":6}\x1e')
    assert await h.next_record() == {"type": 6}
    assert await h.next_record() == {"type": 6}
    assert h.frames[-1] == b'{"type":6}\x1e{"type":6}\x1e'
    await h.close()


# ------------------------------------------------------------------------ user events
async def _order_events(h: RawHub, n: int) -> list[dict]:
    out = []
    while len(out) < n:
        m = await h.wait_for(lambda m: m.get("target") == "GatewayUserOrder")
        out.append(m["arguments"][0]["data"])
    return out


async def _two_order_events(http, sim, token) -> tuple[RawHub, int]:
    acc = (await account_ids(http, sim, token))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeOrders", acc)
    return h, acc


async def _place(http, sim, token, acc) -> int:
    body = {"accountId": acc, "contractId": sim.contract_ids[0], "type": 2, "side": 0, "size": 1}
    _, env = await post(http, sim, "Order/place", body, token)
    assert env["success"] is True
    return int(env["orderId"])


async def test_duplicate_user_events(http, sim, token):
    h, acc = await _two_order_events(http, sim, token)
    sim.faults.duplicate_user_events(1)
    oid = await _place(http, sim, token, acc)
    first, second = await _order_events(h, 2)
    assert first == second and first["id"] == oid
    await h.close()


async def _user_events(h: RawHub, n: int) -> list[tuple[str, dict]]:
    out = []
    while len(out) < n:
        m = await h.wait_for(lambda m: str(m.get("target", "")).startswith("GatewayUser"))
        out.append((m["target"], m["arguments"][0]["data"]))
    return out


async def test_reorder_user_events(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    for method in ("SubscribeOrders", "SubscribeTrades"):
        assert "result" in await h.invoke(method, acc)
    await _place(http, sim, token, acc)
    baseline = await _user_events(h, 2)  # first two events of a placement, in emitted order
    assert baseline[0] != baseline[1]
    await h.wait_for(lambda m: m.get("target") == "GatewayUserOrder")  # rest of the 1st order
    sim.faults.reorder_user_events(2)
    oid = await _place(http, sim, token, acc)
    got = await _user_events(h, 2)
    shape = [(t, d.get("status")) for t, d in got]
    assert shape == [(t, d.get("status")) for t, d in reversed(baseline)]
    assert oid in {d.get("id") for _, d in got} | {d.get("orderId") for _, d in got}
    await h.close()


# ---------------------------------------------------------------------------- server
async def test_stop_and_restart_on_the_same_port(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    port = sim.port
    await sim.faults.stop_server()
    await h.wait_closed()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as fresh:
            await fresh.get(sim.api_url + "/Status/ping")
    await sim.faults.start_server()
    assert sim.port == port
    async with aiohttp.ClientSession() as fresh:
        status, _ = await post(fresh, sim, "Account/search", {"onlyActiveAccounts": True}, token)
        assert status == 200  # tokens survive a restart
        h2 = await RawHub.connect(fresh, sim.user_hub_url, token)
        assert "result" in await h2.invoke("SubscribeAccounts")
        await h2.close()


# ----------------------------------------------------------------------------- admin
async def test_admin_lists_methods_and_status(http, sim, token):
    async with http.get(sim.base_url + "/_sim/faults", headers=_auth(sim)) as resp:
        assert (await resp.json())["methods"] == list(ADMIN_METHODS)
    h = await RawHub.connect(http, sim.market_hub_url, token)
    await wait_until(lambda: len(sim.hubs.connections()) == 1)
    async with http.get(sim.base_url + "/_sim/status", headers=_auth(sim)) as resp:
        body = await resp.json()
    assert body["connections"] == {"user": 0, "market": 1} and body["port"] == sim.port
    await h.close()


async def test_admin_fail_next_over_http(http, sim, token):
    status, body = await _admin(http, sim, "fail_next", {"n": 1, "status": 503})
    assert status == 200 and body == {"ok": True, "result": None}
    status, _ = await post(http, sim, "Contract/available", {"live": False}, token)
    assert status == 503


async def test_admin_drop_and_expire_over_http(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await wait_until(lambda: len(sim.hubs.connections()) == 1)
    status, body = await _admin(http, sim, "drop_connections", {"hub": "user", "mode": "abort"})
    assert status == 200 and body["result"] == 1
    await h.wait_closed()
    status, body = await _admin(http, sim, "expire_tokens")
    assert status == 200
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, token)
    assert status == 401


async def test_admin_hub_storm_faults_over_http(http, sim, token):
    status, body = await _admin(http, sim, "handshake_then_close", {"hub": "market", "n": 1})
    assert status == 200 and body == {"ok": True, "result": None}
    h = await RawHub.connect(http, sim.market_hub_url, token)
    await h.wait_closed()
    status, body = await _admin(http, sim, "sessions_started", {"hub": "market"})
    assert status == 200 and body["result"] == 1
    h = await RawHub.connect(http, sim.market_hub_url, token)
    status, body = await _admin(http, sim, "send_huge_message", {"hub": "market", "size": 4096})
    assert status == 200 and body["result"] == 1
    await h.wait_for(lambda m: m.get("target") == "SimHuge")
    status, body = await _admin(http, sim, "send_huge_message", {"size": 10})
    assert status == 400 and body["ok"] is False
    await h.close()


async def test_admin_restart_over_http(http, sim, token):
    port = sim.port
    status, _ = await _admin(http, sim, "restart_server", {"down_s": 0.05})
    assert status == 200
    async with aiohttp.ClientSession() as fresh:
        for _ in range(200):
            try:
                async with fresh.get(sim.api_url + "/Status/ping") as resp:
                    if resp.status == 200 and sim._runner is not None:
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.02)
        await wait_until(lambda: sim._runner is not None)
        async with fresh.get(sim.api_url + "/Status/ping") as resp:
            assert await resp.text() == "pong"
    assert sim.port == port


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("nope", {}, 404),
        ("fail_next", {"bogus": 1}, 400),
        ("fail_next", {"n": 0}, 400),
        ("send_frame", {"kind": "raw"}, 400),
    ],
)
async def test_admin_rejects_bad_calls(http, sim, name, body, status):
    url = f"{sim.base_url}/_sim/faults/{name}"
    async with http.post(url, json=body, headers=_auth(sim)) as resp:
        assert resp.status == status


async def test_admin_wrong_verb_and_bad_body(http, sim):
    url = f"{sim.base_url}/_sim/faults/fail_next"
    async with http.get(url, headers=_auth(sim)) as resp:
        assert resp.status == 405
    headers = {**_auth(sim), "Content-Type": "application/json"}
    async with http.post(url, data=b"[", headers=headers) as resp:
        assert resp.status == 400


@pytest.mark.parametrize(
    ("remote", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("::1", True),
        ("10.0.0.8", False),
        ("192.168.1.2", False),
        ("", False),
        (None, False),
        ("not-an-ip", False),
    ],
)
def test_loopback_detection(remote, loopback):
    assert _is_loopback(remote) is loopback


async def test_admin_refuses_non_loopback_peers(sim):
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        ("10.1.2.3", 5555) if name == "peername" else default
    )
    request = make_mocked_request("POST", "/_sim/faults/expire_tokens", transport=transport)
    assert request.remote == "10.1.2.3"
    resp = await admin_handler(
        request, sim.faults, lambda: {}, "faults/expire_tokens", token=sim.admin_token
    )
    assert resp.status == 404
    # nothing was expired
    assert sim.auth.expire_all.__self__._min_valid_serial == 1


async def test_clear_removes_pending_faults(http, sim, token):
    sim.faults.fail_next(5, status=500)
    sim.faults.stall_hub(None)
    sim.faults.clear()
    status, _ = await post(http, sim, "Contract/available", {"live": False}, token)
    assert status == 200
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeAccounts")
    await h.close()


async def test_expiry_can_close_open_sessions_when_configured(http):
    async with Simulator(symbols=["MNQ"], hub=HubConfig(close_on_token_expiry=True)) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        s.faults.expire_tokens()
        seen = await h.wait_closed()
        assert {"type": 7, "error": "Token expired.", "allowReconnect": True} in seen


async def test_suppressed_pings_leave_events_flowing(http):
    async with Simulator(symbols=["MNQ"], hub=HubConfig(keepalive_s=0.05), rate=0.0) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        assert await h.next_record() == {"type": 6}
        s.faults.suppress_pings("user")
        await asyncio.sleep(0.1)  # let a ping already queued go out
        while True:
            try:
                await h.next_record(limit_s=0.05)
            except TimeoutError:
                break
        with pytest.raises(TimeoutError):
            await h.next_record(limit_s=0.4)  # eight keep-alive intervals, no ping
        assert "result" in await h.invoke("SubscribeAccounts")
        s.faults.suppress_pings("user", on=False)
        assert await h.wait_for(lambda m: m.get("type") == 6) == {"type": 6}
        await h.close()
