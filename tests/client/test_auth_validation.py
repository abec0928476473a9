"""JWT exp reading and refresh schedule; input validation before sending; contract choice."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx.client.auth import DEFAULT_LIFETIME_S, SessionToken, decode_jwt_claims
from projectx.client.contracts import contract_expiry, is_contract_id, select_contract, symbol_root
from projectx.client.validation import (
    Bracket,
    check_aware,
    check_order_prices,
    check_price,
    check_side,
    check_size,
    check_type,
)
from projectx.enums import OrderSide, OrderType
from projectx.exceptions import ValidationError
from projectx.models import Contract


def _jwt(claims: dict[str, object]) -> str:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{b64(b'{}')}.{b64(orjson.dumps(claims))}.{b64(b'sig')}"


def test_session_token_reads_exp_and_iat():
    tok = SessionToken.parse(_jwt({"iat": 1000, "exp": 87400}), now=1000)
    assert tok.exp_known and tok.expires_at == 87400 and tok.lifetime_s == 86400
    assert not tok.needs_refresh(300, now=87000)
    assert tok.needs_refresh(300, now=87100)
    assert "eyJ" not in repr(tok) and tok.value not in repr(tok)


def test_unreadable_token_assumes_one_hour():
    tok = SessionToken.parse("opaque-token", now=50.0)
    assert not tok.exp_known and tok.expires_at == 50.0 + DEFAULT_LIFETIME_S
    assert decode_jwt_claims("a.b") is None
    assert decode_jwt_claims("a.!!!.c") is None


def test_short_lived_token_is_refreshed_late_not_on_every_call():
    tok = SessionToken.parse(_jwt({"iat": 0, "exp": 10}), now=0)
    assert not tok.needs_refresh(300, now=7.9)
    assert tok.needs_refresh(300, now=8.0)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.integers(1, 10**6), st.floats(0, 10**5))
def test_refresh_point_lies_inside_the_token_lifetime(iat, life, margin):
    tok = SessionToken.parse(_jwt({"iat": iat, "exp": iat + life}), now=iat)
    at = tok.refresh_at(margin)
    assert iat + 0.8 * life - 1e-6 <= at <= iat + life


def test_size_side_and_type_checks():
    assert check_size(3) == 3
    for bad in (0, -1, 1.5, True, "2", 2**31):
        with pytest.raises(ValidationError):
            check_size(bad)
    assert check_side("Buy") is OrderSide.BUY and check_side(1) is OrderSide.SELL
    for bad in (2, "long", None, True):
        with pytest.raises(ValidationError, match="side"):
            check_side(bad)
    assert check_type("limit") is OrderType.LIMIT and check_type(7) is OrderType.JOIN_ASK
    assert check_type("trailing-stop") is OrderType.TRAILING_STOP
    for bad in (0, 9, "iceberg", OrderType.UNKNOWN, 1.0):
        with pytest.raises(ValidationError, match="order type"):
            check_type(bad)


def test_prices_on_tick_grid_when_contract_known():
    mnq = Contract(id="CON.F.US.MNQ.Z25", tick_size=0.25)
    assert check_price(21000.25, "limit_price", mnq) == 21000.25
    with pytest.raises(ValidationError, match="tick grid"):
        check_price(21000.1, "limit_price", mnq)
    assert check_price(21000.1, "limit_price") == 21000.1  # no contract: no grid check
    for bad in (float("nan"), float("inf"), "1.0", None):
        with pytest.raises(ValidationError):
            check_price(bad, "p")


def test_order_prices_required_and_forbidden_by_type():
    mnq = Contract(id="c", tick_size=0.25)
    assert check_order_prices(OrderType.LIMIT, mnq, limit_price=10.5)["limit_price"] == 10.5
    with pytest.raises(ValidationError, match="needs limit_price"):
        check_order_prices(OrderType.LIMIT, mnq)
    with pytest.raises(ValidationError, match="does not take stop_price"):
        check_order_prices(OrderType.MARKET, mnq, stop_price=10.0)
    with pytest.raises(ValidationError, match="needs trail_price"):
        check_order_prices(OrderType.TRAILING_STOP, mnq)


def test_naive_datetimes_are_refused_and_aware_converted_to_utc():
    with pytest.raises(ValidationError, match="timezone-aware"):
        check_aware(datetime(2025, 1, 1), "start")
    est = timezone(timedelta(hours=-5))
    assert check_aware(datetime(2025, 1, 1, 7, tzinfo=est), "s") == datetime(
        2025, 1, 1, 12, tzinfo=UTC
    )
    with pytest.raises(ValidationError):
        check_aware("2025-01-01", "start")


def test_brackets_validate_ticks_and_type():
    assert Bracket(-40, "stop").to_wire() == {"ticks": -40, "type": 4}
    with pytest.raises(ValidationError):
        Bracket(0, OrderType.STOP)
    with pytest.raises(ValidationError):
        Bracket(10, 99)


def _c(cid: str, name: str, active: bool = True, symbol: str | None = None) -> Contract:
    root = cid.split(".")[3]
    return Contract(id=cid, name=name, active_contract=active, symbol_id=symbol or f"F.US.{root}")


def test_front_month_is_the_nearest_active_contract_of_the_root():
    today = datetime(2025, 11, 24, tzinfo=UTC)
    results = [
        _c("CON.F.US.MNQ.H26", "MNQH6"),
        _c("CON.F.US.MNQ.Z25", "MNQZ5"),
        _c("CON.F.US.ENQ.Z25", "NQZ5"),
        _c("CON.F.US.NQG.Z25", "NQGZ5"),
        _c("CON.F.US.MNQ.U25", "MNQU5", active=False),
    ]
    assert select_contract("MNQ", results, today).id == "CON.F.US.MNQ.Z25"
    assert select_contract("mnqh6", results, today).id == "CON.F.US.MNQ.H26"
    assert select_contract("ENQ", results, today).id == "CON.F.US.ENQ.Z25"
    # "NQ" is the CME ticker in ENQ's name (NQZ5); NQG merely contains "NQ" and is not chosen
    assert select_contract("NQ", results, today).id == "CON.F.US.ENQ.Z25"
    assert select_contract("RTY", results, today) is None
    assert select_contract("CON.F.US.MNQ.U25", results, today).id == "CON.F.US.MNQ.U25"
    inactive_only = [_c("CON.F.US.MES.U25", "MESU5", active=False)]
    assert select_contract("MES", inactive_only, today).id == "CON.F.US.MES.U25"


def test_identifier_helpers():
    assert is_contract_id("CON.F.US.MNQ.Z25") and not is_contract_id("MNQZ5")
    assert symbol_root("F.US.EP") == "EP" and symbol_root("CON.F.US.EP.U25") == "EP"
    assert symbol_root("mnq") == "MNQ"
    today = datetime(2029, 6, 1, tzinfo=UTC)
    assert contract_expiry(Contract(id="x", name="MNQZ9"), today) == (2029, 12)
    assert contract_expiry(Contract(id="x", name="MNQH0"), today) == (2030, 3)
    assert contract_expiry(Contract(id="CON.F.US.MNQ.M26"), today) == (2026, 6)
    assert contract_expiry(Contract(id="weird"), today) is None


def test_retry_after_accepts_seconds_and_http_dates():
    from projectx.client.rest import _retry_after_s

    assert _retry_after_s("3") == 3.0
    assert _retry_after_s(" 0.5 ") == 0.5
    assert _retry_after_s(None) is None and _retry_after_s("") is None
    assert _retry_after_s("-1") is None and _retry_after_s("soon") is None
    now = datetime(2025, 11, 24, 12, 0, 0, tzinfo=UTC).timestamp()
    assert _retry_after_s("Mon, 24 Nov 2025 12:00:07 GMT", now=now) == pytest.approx(7.0)
    assert _retry_after_s("Mon, 24 Nov 2025 11:59:00 GMT", now=now) == 0.0
