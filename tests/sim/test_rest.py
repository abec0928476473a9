"""REST protocol tests of the simulator (spec §2-§4, §8), driven by a raw aiohttp client."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import orjson
import pytest

from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig
from tests.sim.conftest import account_ids, login, post

ENVELOPE_KEYS = {"success", "errorCode", "errorMessage"}


def _claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    assert len(parts) == 3
    header = orjson.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header["alg"] == "HS256"
    return dict(orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))))


def _business_requests(cid: str, acc: int) -> list[tuple[str, dict[str, Any], str | None]]:
    """(endpoint, valid body, payload key) for every business endpoint of §4 (legacy profile)."""
    return [
        ("Account/search", {"onlyActiveAccounts": True}, "accounts"),
        ("Contract/search", {"searchText": "MNQ", "live": False}, "contracts"),
        ("Contract/searchById", {"contractId": cid}, "contract"),
        ("Contract/available", {"live": False}, "contracts"),
        (
            "History/retrieveBars",
            {
                "contractId": cid,
                "live": False,
                "startTime": "2020-01-01T00:00:00Z",
                "endTime": "2040-01-01T00:00:00Z",
                "unit": 2,
                "unitNumber": 1,
                "limit": 10,
                "includePartialBar": True,
            },
            "bars",
        ),
        ("Order/search", {"accountId": acc, "startTimestamp": "2020-01-01T00:00:00Z"}, "orders"),
        ("Order/searchOpen", {"accountId": acc}, "orders"),
        (
            "Order/place",
            {"accountId": acc, "contractId": cid, "type": 2, "side": 0, "size": 1},
            "orderId",
        ),
        ("Order/cancel", {"accountId": acc, "orderId": 1}, None),
        ("Order/modify", {"accountId": acc, "orderId": 1, "size": 2}, None),
        ("Position/searchOpen", {"accountId": acc}, "positions"),
        ("Position/closeContract", {"accountId": acc, "contractId": cid}, None),
        ("Position/partialCloseContract", {"accountId": acc, "contractId": cid, "size": 1}, None),
        ("Trade/search", {"accountId": acc, "startTimestamp": "2020-01-01T00:00:00Z"}, "trades"),
    ]


REQUIRED: dict[str, list[str]] = {
    "Auth/loginKey": ["userName", "apiKey"],
    "Auth/loginApp": ["userName", "password", "deviceId", "appId", "verifyKey"],
    "Account/search": ["onlyActiveAccounts"],
    "Contract/search": ["searchText", "live"],
    "Contract/searchById": ["contractId"],
    "Contract/available": ["live"],
    "History/retrieveBars": [
        "contractId",
        "live",
        "startTime",
        "endTime",
        "unit",
        "unitNumber",
        "limit",
        "includePartialBar",
    ],
    "Order/search": ["accountId", "startTimestamp"],
    "Order/searchOpen": ["accountId"],
    "Order/place": ["accountId", "contractId", "type", "side", "size"],
    "Order/cancel": ["accountId", "orderId"],
    "Order/modify": ["accountId", "orderId"],
    "Position/searchOpen": ["accountId"],
    "Position/closeContract": ["accountId", "contractId"],
    "Position/partialCloseContract": ["accountId", "contractId"],
    "Trade/search": ["accountId"],
}


# --------------------------------------------------------------------------- ping / routing
async def test_ping_is_unauthenticated_get_returning_pong(http, sim):
    async with http.get(sim.api_url + "/Status/ping") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        assert await resp.text() == "pong"


async def test_ping_with_post_is_405(http, sim):
    status, _ = await post(http, sim, "Status/ping", {})
    assert status == 405


async def test_paths_are_case_insensitive(http, sim, token):
    for path in ("account/search", "ACCOUNT/SEARCH", "aCcOuNt/SeArCh/"):
        status, body = await post(http, sim, path, {"onlyActiveAccounts": True}, token)
        assert status == 200 and body["success"] is True, (path, status)
    async with http.get(sim.base_url + "/API/status/PING") as resp:
        assert await resp.text() == "pong"


@pytest.mark.parametrize("path", ["trades/search", "Order/nope", "Nope", "Order/searchById"])
async def test_unknown_route_is_404(http, sim, token, path):
    status, body = await post(http, sim, path, {}, token)
    assert status == 404 and body is None


async def test_wrong_verb_is_405_with_allow_header(http, sim, token):
    async with http.get(
        sim.api_url + "/Order/search", headers={"Authorization": f"Bearer {token}"}
    ) as resp:
        assert resp.status == 405
        assert resp.headers["Allow"] == "POST"


async def test_unknown_root_path_is_404(http, sim):
    async with http.get(sim.base_url + "/whatever") as resp:
        assert resp.status == 404


# ------------------------------------------------------------------------------- auth
async def test_login_key_returns_jwt_with_exp_iat_sub(http, sim):
    c = sim.credentials
    status, body = await post(
        http, sim, "Auth/loginKey", {"userName": c.user_name, "apiKey": c.api_key}
    )
    assert status == 200
    assert set(body) == ENVELOPE_KEYS | {"token"}
    assert body["success"] is True and body["errorCode"] == 0 and body["errorMessage"] is None
    claims = _claims(body["token"])
    assert claims["sub"] == c.user_name
    assert claims["exp"] - claims["iat"] == int(sim.config.token_lifetime_s)


async def test_token_lifetime_is_configurable(http):
    async with Simulator(symbols=["MNQ"], token_lifetime_s=120) as s:
        claims = _claims(await login(http, s))
        assert claims["exp"] - claims["iat"] == 120


async def test_login_key_with_wrong_key_is_business_failure(http, sim):
    status, body = await post(
        http, sim, "Auth/loginKey", {"userName": sim.credentials.user_name, "apiKey": "nope"}
    )
    assert status == 200
    assert body["success"] is False and body["token"] is None
    assert body["errorCode"] != 0


async def test_login_key_with_unknown_user_is_business_failure(http, sim):
    status, body = await post(http, sim, "Auth/loginKey", {"userName": "ghost", "apiKey": "x"})
    assert status == 200
    assert body["success"] is False and body["token"] is None and body["errorCode"] != 0


async def test_login_app_accepts_the_configured_app(http, sim):
    app = sim.credentials.app
    good = {
        "userName": app.user_name,
        "password": app.password,
        "deviceId": "dev-1",
        "appId": app.app_id,
        "verifyKey": app.verify_key,
    }
    status, body = await post(http, sim, "Auth/loginApp", good)
    assert status == 200 and body["success"] is True
    assert _claims(body["token"])["sub"] == app.user_name
    # the app token works on authenticated endpoints
    status, body = await post(
        http, sim, "Account/search", {"onlyActiveAccounts": True}, body["token"]
    )
    assert status == 200 and body["success"] is True


@pytest.mark.parametrize(
    ("field", "code"), [("appId", 4), ("verifyKey", 5), ("userName", 1), ("password", 2)]
)
async def test_login_app_failures_use_login_error_codes(http, sim, field, code):
    app = sim.credentials.app
    body = {
        "userName": app.user_name,
        "password": app.password,
        "deviceId": "dev-1",
        "appId": app.app_id,
        "verifyKey": app.verify_key,
    }
    body[field] = "wrong-" + field
    status, env = await post(http, sim, "Auth/loginApp", body)
    assert status == 200
    assert env == {"token": None, "success": False, "errorCode": code, "errorMessage": None}


async def test_validate_issues_a_new_token_and_keeps_the_old_one(http, sim, token):
    status, body = await post(http, sim, "Auth/validate", None, token)
    assert status == 200 and body["success"] is True
    assert set(body) == ENVELOPE_KEYS | {"newToken"}
    new = body["newToken"]
    assert new != token and _claims(new)["sub"] == sim.credentials.user_name
    for t in (token, new):
        status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, t)
        assert status == 200


async def test_logout_revokes_only_the_calling_token(http, sim, token):
    other = await login(http, sim)
    status, body = await post(http, sim, "Auth/logout", None, token)
    assert status == 200 and body == {"success": True, "errorCode": 0, "errorMessage": None}
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, token)
    assert status == 401
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, other)
    assert status == 200


def _tampered(token: str) -> str:
    head, _payload, sig = token.split(".")
    claims = _claims(token)
    claims["sub"] = "someone.else"
    forged = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


@pytest.mark.parametrize("kind", ["missing", "garbage", "tampered", "foreign", "raw-scheme"])
async def test_bad_tokens_get_401_with_bearer_challenge(http, sim, token, kind):
    headers: dict[str, str] = {"Content-Type": "application/json"}
    if kind == "garbage":
        headers["Authorization"] = "Bearer not.a.token"
    elif kind == "tampered":
        headers["Authorization"] = f"Bearer {_tampered(token)}"
    elif kind == "foreign":
        async with Simulator(symbols=["MNQ"]) as other:
            headers["Authorization"] = f"Bearer {await login(http, other)}"
    elif kind == "raw-scheme":
        headers["Authorization"] = f"Basic {token}"
    async with http.post(
        sim.api_url + "/Account/search", data=b'{"onlyActiveAccounts":true}', headers=headers
    ) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert await resp.read() == b""


async def test_expired_token_gets_401(http, sim, token):
    sim.faults.expire_tokens()
    status, body = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, token)
    assert status == 401 and body is None
    fresh = await login(http, sim)
    status, _ = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, fresh)
    assert status == 200


async def test_auth_is_checked_before_the_body(http, sim):
    status, _ = await post(http, sim, "Order/place", raw=b"{not json")
    assert status == 401


# ------------------------------------------------------------------------- envelopes
async def test_every_business_endpoint_answers_its_envelope(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    cid = sim.contract_ids[0]
    for path, body, key in _business_requests(cid, acc):
        status, env = await post(http, sim, path, body, token)
        assert status == 200, (path, status, env)
        expected = ENVELOPE_KEYS | ({key} if key else set())
        assert set(env) == expected, (path, env)
        assert isinstance(env["success"], bool) and isinstance(env["errorCode"], int)
        if env["success"]:
            assert env["errorCode"] == 0


async def test_account_search_has_exactly_the_six_fields(http, sim, token):
    _, env = await post(http, sim, "Account/search", {"onlyActiveAccounts": True}, token)
    assert env["accounts"]
    for acc in env["accounts"]:
        assert set(acc) == {"id", "name", "balance", "canTrade", "isVisible", "simulated"}


async def test_contract_by_id_unknown_is_error_code_1(http, sim, token):
    _, env = await post(
        http, sim, "Contract/searchById", {"contractId": "CON.F.US.NOPE.Z99"}, token
    )
    assert env["success"] is False and env["errorCode"] == 1 and env["contract"] is None


async def test_other_users_account_is_account_not_found(http, sim, token):
    sim.add_user("second.user", "second-key")
    status, env = await post(
        http, sim, "Auth/loginKey", {"userName": "second.user", "apiKey": "second-key"}
    )
    other_token = env["token"]
    other_acc = (await account_ids(http, sim, other_token))[0]
    assert other_acc not in await account_ids(http, sim, token)
    status, env = await post(http, sim, "Order/searchOpen", {"accountId": other_acc}, token)
    assert status == 200 and env["success"] is False and env["errorCode"] == 1


async def test_numeric_strings_and_property_case_are_accepted(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    status, env = await post(http, sim, "Order/searchOpen", {"ACCOUNTID": str(acc)}, token)
    assert status == 200 and env["success"] is True


async def test_unknown_request_properties_are_ignored(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    status, env = await post(
        http, sim, "Order/searchOpen", {"accountId": acc, "contractId": "x", "side": 1}, token
    )
    assert status == 200 and env["success"] is True


async def test_extended_endpoints_exist_only_in_extended_profile(http):
    async with Simulator(symbols=["MNQ"], profile="extended") as s:
        tok = await login(http, s)
        acc = (await account_ids(http, s, tok))[0]
        status, env = await post(
            http, s, "Order/searchById", {"accountId": acc, "orderId": 123}, tok
        )
        assert status == 200 and "order" in env
        status, env = await post(http, s, "Order/v2/query", {"filter": {"accountId": acc}}, tok)
        assert status == 200 and "orders" in env


# --------------------------------------------------------------------------- 400s
def _assert_problem(status: int, body: Any) -> None:
    assert status == 400
    assert body["status"] == 400
    assert body["title"]
    assert isinstance(body["errors"], dict) and body["errors"]
    assert body["traceId"]


def _valid_bodies(sim: Simulator, acc: int) -> dict[str, dict[str, Any]]:
    cid = sim.contract_ids[0]
    bodies = {path: body for path, body, _ in _business_requests(cid, acc)}
    app = sim.credentials.app
    bodies["Auth/loginKey"] = {"userName": "u", "apiKey": "k"}
    bodies["Auth/loginApp"] = {
        "userName": app.user_name,
        "password": "p",
        "deviceId": "d",
        "appId": "a",
        "verifyKey": "v",
    }
    return bodies


async def test_each_missing_required_property_is_400_problem_details(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    bodies = _valid_bodies(sim, acc)
    for path, required in REQUIRED.items():
        for name in required:
            body = {k: v for k, v in bodies[path].items() if k != name}
            async with http.post(
                f"{sim.api_url}/{path}",
                data=orjson.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            ) as resp:
                assert resp.content_type == "application/problem+json", (path, name)
                _assert_problem(resp.status, await resp.json(content_type=None))


WRONG_TYPES: list[tuple[str, str, Any]] = [
    ("Auth/loginKey", "apiKey", 123),
    ("Account/search", "onlyActiveAccounts", "yes"),
    ("Contract/search", "live", 1),
    ("History/retrieveBars", "unit", "minute"),
    ("History/retrieveBars", "startTime", "yesterday"),
    ("History/retrieveBars", "limit", 1.5),
    ("Order/place", "accountId", True),
    ("Order/place", "size", None),
    ("Order/place", "limitPrice", "cheap"),
    ("Order/place", "stopLossBracket", {"ticks": -10}),
    ("Order/place", "stopLossBracket", [1, 2]),
    ("Order/cancel", "orderId", "9" * 25),
    ("Order/searchOpen", "accountId", 2**40),
    ("Contract/searchById", "contractId", 42),
]


@pytest.mark.parametrize(("path", "name", "value"), WRONG_TYPES)
async def test_wrongly_typed_property_is_400(http, sim, token, path, name, value):
    acc = (await account_ids(http, sim, token))[0]
    body = dict(_valid_bodies(sim, acc)[path])
    body[name] = value
    status, problem = await post(http, sim, path, body, token)
    _assert_problem(status, problem)


@pytest.mark.parametrize("raw", [b"", b"{", b"[1,2]", b'"text"', b"null", b"\xff\xfe"])
async def test_unparseable_or_non_object_body_is_400(http, sim, token, raw):
    status, problem = await post(http, sim, "Order/searchOpen", raw=raw, token=token)
    _assert_problem(status, problem)


async def test_partial_close_without_size_binds_to_zero(http, sim, token):
    acc = (await account_ids(http, sim, token))[0]
    status, env = await post(
        http,
        sim,
        "Position/partialCloseContract",
        {"accountId": acc, "contractId": sim.contract_ids[0], "closeSize": 1},
        token,
    )
    assert status == 200 and env["success"] is False


# ----------------------------------------------------------------------- rate limits
async def test_general_rate_limit_is_per_token_with_retry_after(http):
    limits = RateLimitConfig(general_limit=3, general_window_s=60, bars_limit=2, bars_window_s=30)
    async with Simulator(symbols=["MNQ"], rate_limits=limits) as s:
        tok = await login(http, s)  # counts against the login client's address, not the token
        other = await login(http, s)
        body = {"onlyActiveAccounts": True}
        for _ in range(3):
            status, _ = await post(http, s, "Account/search", body, tok)
            assert status == 200
        async with http.post(
            s.api_url + "/Account/search",
            json=body,
            headers={"Authorization": f"Bearer {tok}"},
        ) as resp:
            assert resp.status == 429
            retry_after = int(resp.headers["Retry-After"])
            assert 1 <= retry_after <= 60
            env = await resp.json()
            assert env["success"] is False
        status, _ = await post(http, s, "Account/search", body, other)
        assert status == 200


async def test_retrieve_bars_has_its_own_window(http):
    limits = RateLimitConfig(general_limit=50, general_window_s=60, bars_limit=2, bars_window_s=30)
    async with Simulator(symbols=["MNQ"], rate_limits=limits) as s:
        tok = await login(http, s)
        bars = _business_requests(s.contract_ids[0], 0)[4][1]
        statuses = [(await post(http, s, "History/retrieveBars", bars, tok))[0] for _ in range(3)]
        assert statuses == [200, 200, 429]
        status, _ = await post(http, s, "Contract/available", {"live": False}, tok)
        assert status == 200


async def test_login_is_rate_limited_per_client(http):
    limits = RateLimitConfig(general_limit=2, general_window_s=60)
    async with Simulator(symbols=["MNQ"], rate_limits=limits) as s:
        c = s.credentials
        body = {"userName": c.user_name, "apiKey": c.api_key}
        statuses = [(await post(http, s, "Auth/loginKey", body))[0] for _ in range(3)]
        assert statuses == [200, 200, 429]


async def test_rate_limits_can_be_switched_off(http, sim, token):
    assert sim.config.rate_limits.enabled is False
    for _ in range(60):
        status, _ = await post(http, sim, "Contract/available", {"live": False}, token)
        assert status == 200


async def test_rest_responses_are_json_utf8(http, sim, token):
    async with http.post(
        sim.api_url + "/Contract/available",
        json={"live": False},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.content_type == "application/json"
        assert resp.charset == "utf-8"


async def test_credentials_never_appear_in_reprs(sim):
    c = sim.credentials
    for text in (repr(sim), repr(c), repr(sim.config), repr(c.app), repr(sim.auth)):
        for secret in (c.api_key, c.app.password, c.app.verify_key):
            assert secret not in text


def test_client_session_type_is_raw_aiohttp():
    # guard: these tests must drive the simulator with aiohttp, never with SDK client code
    assert aiohttp.ClientSession.__module__.startswith("aiohttp")


async def test_login_app_user_sees_the_traders_accounts(http, sim, token):
    app = sim.credentials.app
    body = {
        "userName": app.user_name,
        "password": app.password,
        "deviceId": "dev-1",
        "appId": app.app_id,
        "verifyKey": app.verify_key,
    }
    _, env = await post(http, sim, "Auth/loginApp", body)
    assert await account_ids(http, sim, env["token"]) == await account_ids(http, sim, token)
