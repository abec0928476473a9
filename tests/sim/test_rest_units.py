"""Unit and property tests of the REST building blocks: tokens, sliding windows, body binding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.sim.auth import TokenAuthority, TokenError, TokenProblem
from projectx.sim.ratelimit import RateLimitConfig, RateLimiter, SlidingWindow
from projectx.sim.rest import ENDPOINTS, BodyError, bind_body


class FakeTime:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# --------------------------------------------------------------------------- tokens
def _problem(auth: TokenAuthority, token: str | None) -> TokenProblem:
    with pytest.raises(TokenError) as info:
        auth.verify(token)
    assert "eyJ" not in str(info.value)  # the token never leaks into the message
    return info.value.problem


def test_token_round_trip_and_expiry():
    now = FakeTime()
    auth = TokenAuthority(lifetime_s=60, time_fn=now)
    token = auth.mint("jane")
    info = auth.verify(token)
    assert info.user_name == "jane" and info.expires_at - info.issued_at == 60
    now.t += 59.5
    assert auth.verify(token).user_name == "jane"
    now.t += 0.5
    assert _problem(auth, token) is TokenProblem.EXPIRED


def test_revoke_only_affects_that_token():
    auth = TokenAuthority()
    a, b = auth.mint("u"), auth.mint("u")
    auth.revoke(a)
    assert _problem(auth, a) is TokenProblem.REVOKED
    assert auth.verify(b).user_name == "u"


def test_expire_all_expires_existing_tokens_only():
    auth = TokenAuthority()
    old = auth.mint("u")
    assert auth.expire_all() == 1
    assert _problem(auth, old) is TokenProblem.EXPIRED
    assert auth.verify(auth.mint("u")).user_name == "u"


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (None, TokenProblem.MISSING),
        ("", TokenProblem.MISSING),
        ("abc", TokenProblem.MALFORMED),
        ("a.b", TokenProblem.MALFORMED),
        ("a.b.c.d", TokenProblem.MALFORMED),
        ("!!.??.**", TokenProblem.MALFORMED),
    ],
)
def test_malformed_tokens(token, problem):
    assert _problem(TokenAuthority(), token) is problem


def test_foreign_key_and_tampering_fail_the_signature():
    mine, theirs = TokenAuthority(), TokenAuthority()
    assert _problem(mine, theirs.mint("u")) is TokenProblem.BAD_SIGNATURE
    head, payload, sig = mine.mint("u").split(".")
    assert _problem(mine, f"{head}.{payload}x.{sig}") in (
        TokenProblem.BAD_SIGNATURE,
        TokenProblem.MALFORMED,
    )


def test_lifetime_must_be_positive():
    with pytest.raises(ValueError):
        TokenAuthority(lifetime_s=0)


def test_authority_repr_has_no_key():
    auth = TokenAuthority(key=b"super-secret-key")
    assert "super-secret" not in repr(auth)


# -------------------------------------------------------------------- sliding window
def _reference(events: list[tuple[int, float]], limit: int, window: float) -> list[float | None]:
    """Obviously correct model: allowed iff < limit allowed hits of that key in (t-w, t]."""
    allowed: dict[int, list[float]] = {}
    out: list[float | None] = []
    for key, t in events:
        hits = [h for h in allowed.get(key, []) if h > t - window]
        if len(hits) < limit:
            hits.append(t)
            out.append(None)
        else:
            out.append(min(hits) + window - t)
        allowed[key] = hits
    return out


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(1, 5),
    window=st.sampled_from([1.0, 2.5, 10.0]),
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.5, 3.0])),
        max_size=60,
    ),
)
def test_sliding_window_matches_reference(limit, window, steps):
    now = FakeTime(0.0)
    win = SlidingWindow(limit, window, time_fn=now)
    events: list[tuple[int, float]] = []
    got: list[float | None] = []
    for key, dt in steps:
        now.t += dt
        events.append((key, now.t))
        got.append(win.hit(str(key)))
    expected = _reference(events, limit, window)
    assert [g is None for g in got] == [e is None for e in expected]
    for g, e in zip(got, expected, strict=True):
        if g is not None:
            assert g == pytest.approx(e)


def test_rate_limiter_classes_and_retry_after():
    now = FakeTime(0.0)
    cfg = RateLimitConfig(general_limit=2, general_window_s=60, bars_limit=1, bars_window_s=30)
    rl = RateLimiter(cfg, time_fn=now)
    assert rl.check("t", "order/place") is None
    assert rl.check("t", "history/retrievebars") is None
    assert rl.check("t", "history/retrievebars") == 30
    now.t = 10.4
    assert rl.check("t", "history/retrievebars") == 20  # ceil(19.6)
    assert rl.check("t", "order/search") is None
    assert rl.check("t", "order/search") == 50  # oldest hit at 0 s frees at 60 s: ceil(49.6)
    assert rl.check("other", "order/search") is None
    rl.reset()
    assert rl.check("t", "order/search") is None


def test_rate_limiter_off():
    rl = RateLimiter(RateLimitConfig(enabled=False, general_limit=1))
    assert all(rl.check("t", "x") is None for _ in range(10))


def test_sliding_window_rejects_bad_config():
    with pytest.raises(ValueError):
        SlidingWindow(0, 1.0)
    with pytest.raises(ValueError):
        SlidingWindow(1, 0.0)


# ----------------------------------------------------------------------- body binding
def _fields(path: str):
    return next(ep.body for ep in ENDPOINTS if ep.path == path)


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-11-24T14:00:00Z",
        "2025-11-24T14:00:00.123Z",
        "2025-11-24T14:00:00.1234567+00:00",
        "2025-11-24T14:00:00.123456+00:00",
        "2025-11-24T09:00:00-05:00",
        "2025-11-24",
    ],
)
def test_datetime_forms_are_accepted_and_passed_through(stamp):
    body = bind_body(
        f'{{"accountId": 1, "startTimestamp": "{stamp}"}}'.encode(), _fields("Order/search")
    )
    assert body == {"accountId": 1, "startTimestamp": stamp, "endTimestamp": None}


@pytest.mark.parametrize("stamp", ["yesterday", "2025-13-01T00:00:00Z", "", "14:00"])
def test_bad_datetimes_are_rejected(stamp):
    with pytest.raises(BodyError) as info:
        bind_body(
            f'{{"accountId": 1, "startTimestamp": "{stamp}"}}'.encode(), _fields("Order/search")
        )
    assert "$.startTimestamp" in info.value.errors


def test_binding_canonicalises_names_and_converts_numeric_strings():
    body = bind_body(
        b'{"ACCOUNTID":"7","contractid":"C","Type":"2","side":1,"size":3,'
        b'"limitPrice":"21000.25","StopLossBracket":{"TICKS":"-8","type":4},"x":1}',
        _fields("Order/place"),
    )
    assert body["accountId"] == 7 and body["contractId"] == "C" and body["type"] == 2
    assert body["limitPrice"] == 21000.25
    assert body["stopLossBracket"] == {"ticks": -8, "type": 4}
    assert body["takeProfitBracket"] is None and "x" not in body


def test_missing_and_wrong_fields_are_all_reported():
    with pytest.raises(BodyError) as info:
        bind_body(b'{"accountId": "seven", "size": 1.5}', _fields("Order/place"))
    errors = info.value.errors
    assert {"$.accountId", "$.size", "ContractId", "Type", "Side"} <= set(errors)
