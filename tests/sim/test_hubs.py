"""Hub protocol tests (spec §7): negotiation, upgrade, handshake, framing, completions,
subscriptions and events, driven by a raw WebSocket client that follows the spec byte for byte."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import orjson
import pytest

from projectx.sim import Simulator
from projectx.sim.hubs import HubConfig, HubKind
from projectx.sim.ratelimit import RateLimitConfig
from tests.sim.conftest import RS, WAIT_S, RawHub, account_ids, login, post, wait_until


def _ws(url: str) -> str:
    return url.replace("http://", "ws://", 1)


async def _place_market(http, sim, token, acc: int, side: int = 0, size: int = 1) -> dict:
    body = {
        "accountId": acc,
        "contractId": sim.contract_ids[0],
        "type": 2,
        "side": side,
        "size": size,
    }
    status, env = await post(http, sim, "Order/place", body, token)
    assert status == 200
    return env


# ----------------------------------------------------------------------------- negotiate
@pytest.mark.parametrize("hub", ["user", "market"])
async def test_negotiate_v0_shape(http, sim, token, hub):
    async with http.post(f"{sim.base_url}/hubs/{hub}/negotiate?access_token={token}") as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        body = await resp.json()
    assert body["negotiateVersion"] == 0
    assert isinstance(body["connectionId"], str) and body["connectionId"]
    assert "connectionToken" not in body
    assert {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]} in body[
        "availableTransports"
    ]


async def test_negotiate_v1_has_distinct_connection_token(http, sim, token):
    url = f"{sim.user_hub_url}/negotiate?negotiateVersion=1&access_token={token}"
    async with http.post(url) as resp:
        body = await resp.json()
    assert body["negotiateVersion"] == 1
    assert body["connectionToken"] and body["connectionToken"] != body["connectionId"]


@pytest.mark.parametrize("how", ["bearer", "raw"])
async def test_negotiate_accepts_authorization_header(http, sim, token, how):
    value = f"Bearer {token}" if how == "bearer" else token
    async with http.post(sim.user_hub_url + "/negotiate", headers={"Authorization": value}) as r:
        assert r.status == 200


async def test_negotiate_ignores_a_previous_id_in_the_query(http, sim, token):
    url = f"{sim.user_hub_url}/negotiate?access_token={token}&id=stale-id"
    async with http.post(url) as resp:
        assert resp.status == 200


@pytest.mark.parametrize("token_value", [None, "garbage", "a.b.c"])
async def test_negotiate_without_valid_token_is_401(http, sim, token_value):
    url = (
        sim.market_hub_url + "/negotiate" + (f"?access_token={token_value}" if token_value else "")
    )
    async with http.post(url) as resp:
        assert resp.status == 401


async def test_negotiate_with_get_is_405(http, sim, token):
    async with http.get(f"{sim.user_hub_url}/negotiate?access_token={token}") as resp:
        assert resp.status == 405


async def test_unknown_hub_is_404(http, sim, token):
    async with http.post(f"{sim.base_url}/hubs/orders/negotiate?access_token={token}") as resp:
        assert resp.status == 404


# ------------------------------------------------------------------------------- upgrade
@pytest.mark.parametrize(
    ("negotiate", "token_in"),
    [(0, "query"), (1, "query"), (None, "query"), (None, "bearer"), (0, "bearer"), (None, "raw")],
)
@pytest.mark.parametrize("hub", ["user", "market"])
async def test_connect_and_handshake(http, sim, token, negotiate, token_in, hub):
    url = sim.user_hub_url if hub == "user" else sim.market_hub_url
    h = await RawHub.connect(http, url, token, negotiate=negotiate, token_in=token_in)
    assert h.frames[0].startswith(b"{}" + RS)
    await wait_until(lambda: len(sim.hubs.connections(HubKind(hub))) == 1)
    await h.close()
    await wait_until(lambda: not sim.hubs.connections())


async def _upgrade_status(http, url: str) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(url)
    return info.value.status


@pytest.mark.parametrize("token_value", [None, "garbage"])
async def test_upgrade_without_valid_token_is_401(http, sim, token_value):
    url = _ws(sim.user_hub_url) + (f"?access_token={token_value}" if token_value else "")
    assert await _upgrade_status(http, url) == 401


async def test_upgrade_with_unknown_id_is_404(http, sim, token):
    assert (
        await _upgrade_status(http, f"{_ws(sim.user_hub_url)}?access_token={token}&id=nope") == 404
    )


async def test_upgrade_with_id_from_the_other_hub_is_404(http, sim, token):
    async with http.post(f"{sim.market_hub_url}/negotiate?access_token={token}") as resp:
        cid = (await resp.json())["connectionId"]
    url = f"{_ws(sim.user_hub_url)}?access_token={token}&id={cid}"
    assert await _upgrade_status(http, url) == 404


async def test_second_socket_on_an_id_in_use_is_409_and_ended_id_is_404(http, sim, token):
    async with http.post(f"{sim.user_hub_url}/negotiate?access_token={token}") as resp:
        cid = (await resp.json())["connectionId"]
    url = f"{_ws(sim.user_hub_url)}?access_token={token}&id={cid}"
    ws = await http.ws_connect(url)
    assert await _upgrade_status(http, url) == 409
    await ws.close()
    await wait_until(lambda: not sim.hubs.connections())
    assert await _upgrade_status(http, url) == 404


async def test_plain_get_without_upgrade_is_400(http, sim, token):
    async with http.get(f"{sim.user_hub_url}?access_token={token}") as resp:
        assert resp.status == 400


# ----------------------------------------------------------------------------- handshake
async def test_handshake_with_spaces_and_following_record_in_one_frame(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token, negotiate=None, handshake=False)
    await h.send_raw(
        b'{"protocol": "json", "version": 1}'
        + RS
        + b'{"type":1,"invocationId":"7","target":"SubscribeAccounts","arguments":[],"headers":{}}'
        + RS
    )
    assert await h.next_record() == {}
    assert await h.next_record() == {"type": 3, "invocationId": "7", "result": None}
    await h.close()


async def test_handshake_split_across_frames(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token, negotiate=0, handshake=False)
    await h.send_raw(b'{"protocol":"js')
    await h.send_raw(b'on","version":1}' + RS)
    assert await h.next_record() == {}
    await h.close()


@pytest.mark.parametrize(
    "handshake",
    [
        b'{"protocol":"messagepack","version":1}',
        b'{"protocol":"json","version":2}',
        b'{"protocol":"json","version":"1"}',
        b"[]",
        b"{",
    ],
)
async def test_bad_handshake_gets_error_then_close(http, sim, token, handshake):
    h = await RawHub.connect(http, sim.user_hub_url, token, negotiate=None, handshake=False)
    await h.send_raw(handshake + RS)
    reply = await h.next_record()
    assert set(reply) == {"error"} and isinstance(reply["error"], str) and reply["error"]
    assert await h.wait_closed() == []


# --------------------------------------------------------------------------- invocations
async def test_completion_echoes_duplicate_invocation_ids(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    for _ in range(2):
        await h.send(
            {"type": 1, "invocationId": "same", "target": "SubscribeAccounts", "arguments": []}
        )
        assert await h.next_record() == {"type": 3, "invocationId": "same", "result": None}
    await h.close()


async def test_invocation_without_id_gets_no_completion(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await h.send({"type": 1, "target": "SubscribeAccounts", "arguments": []})
    await h.send(
        {"type": 1, "invocationId": "after", "target": "SubscribeAccounts", "arguments": []}
    )
    first = await h.wait_for(lambda m: m.get("type") != 6)
    assert first == {"type": 3, "invocationId": "after", "result": None}
    await h.close()


async def test_record_split_across_three_frames(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    rec = b'{"type":1,"invocationId":"s","target":"SubscribeAccounts","arguments":[]}' + RS
    for part in (rec[:5], rec[5:40], rec[40:]):
        await h.send_raw(part)
    assert (await h.wait_for(lambda m: m.get("type") == 3))["invocationId"] == "s"
    await h.close()


@pytest.mark.parametrize(
    ("hub", "target", "args", "error"),
    [
        ("user", "Foo", [], "Unknown hub method 'Foo'"),
        ("market", "SubscribeOrders", [1], "Unknown hub method 'SubscribeOrders'"),
        (
            "user",
            "SubscribeOrders",
            [],
            "Failed to invoke 'SubscribeOrders' due to an error on the server.",
        ),
        (
            "user",
            "SubscribeOrders",
            [1, 2],
            "Failed to invoke 'SubscribeOrders' due to an error on the server.",
        ),
        (
            "user",
            "SubscribeTrades",
            [True],
            "Failed to invoke 'SubscribeTrades' due to an error on the server.",
        ),
        (
            "user",
            "SubscribeTrades",
            ["abc"],
            "Failed to invoke 'SubscribeTrades' due to an error on the server.",
        ),
        (
            "user",
            "UnsubscribeAccounts",
            [7001],
            "Failed to invoke 'UnsubscribeAccounts' due to an error on the server.",
        ),
        (
            "user",
            "SubscribePositions",
            [999999],
            "An unexpected error occurred invoking 'SubscribePositions' on the server.",
        ),
        (
            "market",
            "SubscribeContractQuotes",
            ["CON.F.US.NOPE.Z99"],
            "An unexpected error occurred invoking 'SubscribeContractQuotes' on the server.",
        ),
        (
            "market",
            "SubscribeContractTrades",
            [5],
            "Failed to invoke 'SubscribeContractTrades' due to an error on the server.",
        ),
        (
            "market",
            "UnsubscribeContractTrades",
            ["a", "b"],
            "Failed to invoke 'UnsubscribeContractTrades' due to an error on the server.",
        ),
    ],
)
async def test_invocation_errors_are_completions_with_aspnet_wording(
    http, sim, token, hub, target, args, error
):
    url = sim.user_hub_url if hub == "user" else sim.market_hub_url
    h = await RawHub.connect(http, url, token)
    completion = await h.invoke(target, *args)
    assert completion == {"type": 3, "invocationId": completion["invocationId"], "error": error}
    # the connection survives an invocation error
    assert "result" in await h.invoke(
        "SubscribeAccounts" if hub == "user" else "UnsubscribeContractQuotes",
        *([] if hub == "user" else [sim.contract_ids[0]]),
    )
    await h.close()


async def test_method_names_are_case_insensitive(http, sim, token):
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("subscribecontracttrades", sim.contract_ids[0])
    await h.close()


async def test_numeric_string_account_id_is_coerced(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeOrders", str(acc))
    assert sim.hubs.subscriber_count("GatewayUserOrder", acc) == 1
    await h.close()


async def test_other_users_account_cannot_be_subscribed(http, sim, token):
    sim.add_user("second.user", "second-key")
    _, env = await post(
        http, sim, "Auth/loginKey", {"userName": "second.user", "apiKey": "second-key"}
    )
    other_acc = (await account_ids(http, sim, env["token"]))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    completion = await h.invoke("SubscribeOrders", other_acc)
    assert "error" in completion
    assert sim.hubs.subscriber_count("GatewayUserOrder", other_acc) == 0
    await h.close()


@pytest.mark.parametrize(
    "record",
    [
        b"{not json",
        b"[1]",
        b'{"target":"X"}',
        b'{"type":"1"}',
        b'{"type":99}',
        b'{"type":1,"invocationId":5,"target":"SubscribeAccounts","arguments":[]}',
    ],
)
async def test_protocol_violation_closes_with_error(http, sim, token, record):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await h.send_raw(record + RS)
    seen = await h.wait_closed()
    closes = [m for m in seen if isinstance(m, dict) and m.get("type") == 7]
    assert len(closes) == 1 and closes[0]["error"].startswith("Connection closed with an error.")
    assert closes[0]["allowReconnect"] is False


async def test_stream_invocation_is_refused_with_completion(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await h.send({"type": 4, "invocationId": "9", "target": "SubscribeAccounts", "arguments": []})
    msg = await h.wait_for(lambda m: m.get("type") == 3)
    assert msg["invocationId"] == "9" and "error" in msg
    await h.close()


async def test_client_close_message_ends_the_session(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await wait_until(lambda: len(sim.hubs.connections()) == 1)
    await h.send({"type": 7})
    await h.wait_closed()
    await wait_until(lambda: not sim.hubs.connections())


# -------------------------------------------------------------------------- keep-alive
async def test_server_pings_when_idle_and_drops_silent_clients(http, token):
    cfg = HubConfig(keepalive_s=0.1, client_timeout_s=0.6)
    async with Simulator(symbols=["MNQ"], hub=cfg, rate=0.0) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        assert await h.next_record() == {"type": 6}
        # the client never sends anything after the handshake: the server gives up on it
        seen = await h.wait_closed()
        assert all(m == {"type": 6} for m in seen)
        await wait_until(lambda: not s.hubs.connections())


async def test_client_pings_keep_the_session_alive(http, token):
    # a timeout five ping intervals long: a loaded machine may stretch one 0.2 s sleep
    cfg = HubConfig(keepalive_s=None, client_timeout_s=1.0)
    async with Simulator(symbols=["MNQ"], hub=cfg, rate=0.0) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        for _ in range(12):  # 2.4 s > twice the client timeout, but a ping every 0.2 s
            await h.send({"type": 6})
            await asyncio.sleep(0.2)
        assert "result" in await h.invoke("SubscribeAccounts")
        await h.close()


# ---------------------------------------------------------------------------- market
async def test_market_quote_subscription_gets_completion_then_full_quote(http, sim, token):
    cid = sim.contract_ids[0]
    h = await RawHub.connect(http, sim.market_hub_url, token)
    await h.send(
        {"type": 1, "invocationId": "q", "target": "SubscribeContractQuotes", "arguments": [cid]}
    )
    assert await h.next_record() == {"type": 3, "invocationId": "q", "result": None}
    quote = await h.wait_for(lambda m: m.get("target") == "GatewayQuote")
    assert quote["type"] == 1 and "invocationId" not in quote
    assert quote["arguments"][0] == cid
    data = quote["arguments"][1]
    assert isinstance(data, dict) and data["symbol"]
    await h.close()


async def test_market_depth_subscription_starts_with_reset_snapshot(http, sim, token):
    cid = sim.contract_ids[0]
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("SubscribeContractMarketDepth", cid)
    depth = await h.wait_for(lambda m: m.get("target") == "GatewayDepth")
    cid_arg, entries = depth["arguments"]
    assert cid_arg == cid and isinstance(entries, list)
    assert entries[0]["type"] == 6
    assert {e["type"] for e in entries[1:]} <= {1, 2}
    await h.close()


async def test_market_trades_stream_as_contract_and_list(http, sim, token):
    cid = sim.contract_ids[0]
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("SubscribeContractTrades", cid)
    for _ in range(3):
        trade = await h.wait_for(lambda m: m.get("target") == "GatewayTrade")
        assert trade["type"] == 1
        assert trade["arguments"][0] == cid
        items = trade["arguments"][1]
        assert isinstance(items, list) and items
        assert {"symbolId", "price", "timestamp", "type", "volume"} <= set(items[0])
    await h.close()


async def test_market_events_only_for_subscribed_contracts(http, sim, token):
    second = sim.contract_ids[1]
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("SubscribeContractTrades", second)
    for _ in range(5):
        msg = await h.wait_for(lambda m: m.get("type") == 1)
        assert msg["target"] == "GatewayTrade" and msg["arguments"][0] == second
    await h.close()


async def test_unsubscribe_and_disconnect_drop_subscriptions(http, sim, token):
    cid = sim.contract_ids[0]
    h = await RawHub.connect(http, sim.market_hub_url, token)
    assert "result" in await h.invoke("SubscribeContractTrades", cid)
    assert "result" in await h.invoke("SubscribeContractQuotes", cid)
    assert sim.hubs.subscriber_count("GatewayTrade", cid) == 1
    assert "result" in await h.invoke("UnsubscribeContractTrades", cid)
    assert sim.hubs.subscriber_count("GatewayTrade", cid) == 0
    assert sim.hubs.subscriber_count("GatewayQuote", cid) == 1
    await h.close()
    await wait_until(lambda: sim.hubs.subscriber_count("GatewayQuote", cid) == 0)


async def test_publish_market_reaches_every_subscriber_once(http, sim, token):
    cid = sim.contract_ids[0]
    hubs = [await RawHub.connect(http, sim.market_hub_url, token) for _ in range(2)]
    for h in hubs:
        assert "result" in await h.invoke("SubscribeContractTrades", cid)
    marker = [{"symbolId": "F.US.X", "price": 1.25, "timestamp": "t", "type": 0, "volume": 999}]
    assert sim.publish_market([("GatewayTrade", cid, marker)]) == 2
    for h in hubs:
        msg = await h.wait_for(
            lambda m: m.get("target") == "GatewayTrade" and m["arguments"][1] == marker
        )
        assert msg == {"type": 1, "target": "GatewayTrade", "arguments": [cid, marker]}
        await h.close()


# ------------------------------------------------------------------------------ user hub
async def test_user_events_are_action_data_wrappers_for_subscribed_account(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    for method in ("SubscribeOrders", "SubscribeTrades", "SubscribePositions"):
        assert "result" in await h.invoke(method, acc)
    assert "result" in await h.invoke("SubscribeAccounts")
    env = await _place_market(http, sim, token, acc)
    assert env["success"] is True
    order = await h.wait_for(lambda m: m.get("target") == "GatewayUserOrder")
    assert order["type"] == 1 and len(order["arguments"]) == 1
    wrapper = order["arguments"][0]
    assert set(wrapper) == {"action", "data"} and isinstance(wrapper["action"], int)
    data = wrapper["data"]
    assert data["accountId"] == acc and data["id"] == env["orderId"]
    assert all(v is not None for v in data.values())  # hub null-omission
    await h.close()


async def test_user_events_only_reach_connections_subscribed_to_that_account(http, sim, token):
    acc1, acc2 = (await account_ids(http, sim, token))[:2]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeOrders", acc2)
    await _place_market(http, sim, token, acc1)
    env = await _place_market(http, sim, token, acc2)
    first = await h.wait_for(lambda m: m.get("target") == "GatewayUserOrder")
    assert first["arguments"][0]["data"]["accountId"] == acc2
    assert first["arguments"][0]["data"]["id"] == env["orderId"]
    await h.close()


async def test_unsubscribed_stream_gets_no_user_events(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    h = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await h.invoke("SubscribeOrders", acc)
    assert "result" in await h.invoke("UnsubscribeOrders", acc)
    assert "result" in await h.invoke("SubscribeTrades", acc)
    await _place_market(http, sim, token, acc)
    await _place_market(http, sim, token, acc)
    msgs: list[dict[str, Any]] = []
    # a second, sentinel connection proves the events were emitted meanwhile
    g = await RawHub.connect(http, sim.user_hub_url, token)
    assert "result" in await g.invoke("SubscribeOrders", acc)
    await _place_market(http, sim, token, acc)
    await g.wait_for(lambda m: m.get("target") == "GatewayUserOrder")
    while True:
        try:
            msgs.append(await h.next_record(limit_s=0.3))
        except TimeoutError:
            break
    assert not [m for m in msgs if m.get("target") == "GatewayUserOrder"]
    await h.close()
    await g.close()


async def test_logout_closes_hub_sessions_of_that_token(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await wait_until(lambda: len(sim.hubs.connections()) == 1)
    status, _ = await post(http, sim, "Auth/logout", None, token)
    assert status == 200
    seen = await h.wait_closed()
    assert any(m.get("type") == 7 for m in seen if isinstance(m, dict))


async def test_raw_bytes_follow_the_spec_framing(http, sim, token):
    """Byte-level check of §7.3/§7.4: handshake reply, completion record, RS terminators."""
    async with http.post(f"{sim.market_hub_url}/negotiate?access_token={token}") as resp:
        cid_conn = (await resp.json())["connectionId"]
    ws = await http.ws_connect(f"{_ws(sim.market_hub_url)}?access_token={token}&id={cid_conn}")
    await ws.send_str('{"protocol":"json","version":1}\x1e')
    msg = await ws.receive(timeout=WAIT_S)
    assert msg.type is aiohttp.WSMsgType.TEXT
    assert msg.data.startswith("{}\x1e")
    await ws.send_str(
        '{"type":1,"invocationId":"0","target":"SubscribeContractTrades","arguments":["'
        + sim.contract_ids[0]
        + '"]}\x1e'
    )
    buf = msg.data[3:]
    while '"invocationId":"0"' not in buf:
        buf += (await ws.receive(timeout=WAIT_S)).data
    records = buf.split("\x1e")
    completion = next(r for r in records if '"invocationId":"0"' in r)
    assert completion == '{"type":3,"invocationId":"0","result":null}'
    while True:
        if any('"target":"GatewayTrade"' in r for r in records):
            break
        buf += (await ws.receive(timeout=WAIT_S)).data
        records = buf.split("\x1e")
    trade = next(r for r in records if '"target":"GatewayTrade"' in r)
    assert orjson.loads(trade)["arguments"][0] == sim.contract_ids[0]
    await ws.close()


async def test_rate_limits_do_not_apply_to_hub_invocations(http):
    limits = RateLimitConfig(general_limit=2, general_window_s=60)
    async with Simulator(symbols=["MNQ"], rate_limits=limits) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        for _ in range(10):
            assert "result" in await h.invoke("SubscribeAccounts")
        await h.close()


async def test_clean_shutdown_closes_sessions_and_leaves_no_tasks(http):
    async with Simulator(symbols=["MNQ"], seed=5) as s:
        tok = await login(http, s)
        u = await RawHub.connect(http, s.user_hub_url, tok)
        m = await RawHub.connect(http, s.market_hub_url, tok)
        assert "result" in await m.invoke("SubscribeContractTrades", s.contract_ids[0])
        assert "result" in await u.invoke("SubscribeAccounts")
    for h in (u, m):
        seen = await h.wait_closed()
        closes = [x for x in seen if isinstance(x, dict) and x.get("type") == 7]
        assert closes and closes[-1]["allowReconnect"] is True
    assert not s.hubs.connections()
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftover == []


async def test_expired_contract_cannot_be_subscribed(http, sim, token):
    from projectx.sim.contracts import previous_contract

    expired = previous_contract(sim.market.contracts[sim.contract_ids[0]]).id
    # REST still resolves it (spec §4.3.2), the market hub does not stream it
    _, env = await post(http, sim, "Contract/searchById", {"contractId": expired}, token)
    assert env["success"] is True and env["contract"]["activeContract"] is False
    h = await RawHub.connect(http, sim.market_hub_url, token)
    completion = await h.invoke("SubscribeContractMarketDepth", expired)
    assert "error" in completion
    assert sim.hubs.subscriber_count("GatewayDepth", expired) == 0
    await h.close()


async def test_missing_handshake_times_out(http):
    async with Simulator(symbols=["MNQ"], hub=HubConfig(handshake_timeout_s=0.3)) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok, handshake=False)
        assert await h.wait_closed() == []  # closed without any record
        await wait_until(lambda: not s.hubs.connections())


async def test_invocation_before_handshake_is_a_handshake_error(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token, handshake=False)
    await h.send({"type": 1, "invocationId": "1", "target": "SubscribeAccounts", "arguments": []})
    reply = await h.next_record()
    assert set(reply) == {"error"}
    await h.wait_closed()


async def test_inbound_message_over_the_limit_closes_the_socket(http, sim, token):
    h = await RawHub.connect(http, sim.user_hub_url, token)
    await wait_until(lambda: len(sim.hubs.connections()) == 1)
    with contextlib.suppress(ConnectionError):  # the server may close while we still send
        await h.send_raw(b'{"type":6,"pad":"' + b"x" * (2 * 1024 * 1024) + b'"}' + RS)
    await h.wait_closed()
    await wait_until(lambda: not sim.hubs.connections())


async def test_unterminated_record_over_the_limit_closes_with_error(http):
    async with Simulator(symbols=["MNQ"], hub=HubConfig(max_inbound_record_bytes=1000)) as s:
        tok = await login(http, s)
        h = await RawHub.connect(http, s.user_hub_url, tok)
        for _ in range(3):  # three frames of 400 bytes, no record separator
            await h.send_raw(b"x" * 400)
        seen = await h.wait_closed()
        assert [m["type"] for m in seen if isinstance(m, dict)][-1:] == [7]
        assert seen[-1]["allowReconnect"] is False


async def test_user_events_can_be_bare_entities(http):
    async with Simulator(symbols=["MNQ"], hub=HubConfig(user_event_wrapper=False)) as s:
        tok = await login(http, s)
        acc = (await account_ids(http, s, tok))[0]
        h = await RawHub.connect(http, s.user_hub_url, tok)
        assert "result" in await h.invoke("SubscribeOrders", acc)
        env = await _place_market(http, s, tok, acc)
        order = await h.wait_for(lambda m: m.get("target") == "GatewayUserOrder")
        data = order["arguments"][0]
        assert "action" not in data and data["id"] == env["orderId"]
        await h.close()
