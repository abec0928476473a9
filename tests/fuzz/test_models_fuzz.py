"""Hypothesis fuzzing of the REST/hub model parsers (``projectx.models`` ``from_wire``).

Arbitrary JSON-like dicts in both field profiles (spec §0.2) with missing, null, wrong-typed and
unknown keys must give a model or a typed :class:`ProjectXError` -- never ``TypeError``,
``KeyError``, ``AttributeError``, ``OverflowError``... -- and a model that is returned must hold
only values of its declared types (a wrong-typed wire value never slips through). A reference
classifier, written here from the documented rules, decides which of the two outcomes is right.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectx import models
from projectx.enums import OrderSide, OrderStatus, OrderType, PositionType, TradeLogType
from projectx.exceptions import ProjectXError, ValidationError

# 24 parametrised model tests: 100 examples each keeps the module at a few seconds
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# field kinds: what a wire value of each key must be (both profiles; extended keys included)
INT, FLOAT, STR, BOOL, TS = "int", "float", "str", "bool", "ts"
SCHEMAS: dict[type, dict[str, Any]] = {
    models.Account: {
        "id": INT,
        "name": STR,
        "balance": FLOAT,
        "canTrade": BOOL,
        "isVisible": BOOL,
        "simulated": BOOL,
    },
    models.Contract: {
        "id": STR,
        "name": STR,
        "description": STR,
        "tickSize": FLOAT,
        "tickValue": FLOAT,
        "activeContract": BOOL,
        "symbolId": STR,
    },
    models.Order: {
        "id": INT,
        "accountId": INT,
        "contractId": STR,
        "symbolId": STR,
        "creationTimestamp": TS,
        "updateTimestamp": TS,
        "status": OrderStatus,
        "type": OrderType,
        "side": OrderSide,
        "size": INT,
        "limitPrice": FLOAT,
        "stopPrice": FLOAT,
        "fillVolume": INT,
        "filledPrice": FLOAT,
        "customTag": STR,
        "trailDistance": INT,
        "trailPrice": FLOAT,
        "parentOrderId": INT,
        "linkedOrderId": INT,
    },
    models.Position: {
        "id": INT,
        "accountId": INT,
        "contractId": STR,
        "creationTimestamp": TS,
        "type": PositionType,
        "size": INT,
        "averagePrice": FLOAT,
        "contractDisplayName": STR,
    },
    models.Trade: {
        "id": INT,
        "accountId": INT,
        "contractId": STR,
        "creationTimestamp": TS,
        "price": FLOAT,
        "profitAndLoss": FLOAT,
        "fees": FLOAT,
        "commissions": FLOAT,
        "side": OrderSide,
        "size": INT,
        "voided": BOOL,
        "orderId": INT,
    },
    models.Bar: {"t": TS, "o": FLOAT, "h": FLOAT, "l": FLOAT, "c": FLOAT, "v": INT},
    models.Quote: {
        "symbol": STR,
        "symbolName": STR,
        "lastPrice": FLOAT,
        "bestBid": FLOAT,
        "bestAsk": FLOAT,
        "change": FLOAT,
        "changePercent": FLOAT,
        "open": FLOAT,
        "high": FLOAT,
        "low": FLOAT,
        "volume": FLOAT,
        "lastUpdated": TS,
        "timestamp": TS,
    },
    models.MarketTrade: {
        "symbolId": STR,
        "price": FLOAT,
        "volume": FLOAT,
        "type": TradeLogType,
        "timestamp": TS,
    },
}
REQUIRED: dict[type, set[str]] = {
    models.Account: {"id"},
    models.Contract: {"id"},
    models.Order: {"id"},
    models.Position: {"id"},
    models.Trade: {"id"},
    models.Bar: set("tohlcv"),
    models.Quote: set(),
    models.MarketTrade: {"price", "volume"},
}
EXTENDED_ONLY = {
    models.Order: {"trailDistance", "trailPrice", "parentOrderId", "linkedOrderId"},
    models.Position: {"contractDisplayName"},
    models.Trade: {"commissions"},
}

# ----------------------------------------------------------------------------- reference


def _ref_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    if isinstance(v, float):
        return math.isfinite(v) and v.is_integer()
    if isinstance(v, str):
        try:
            int(v.strip())
        except ValueError:
            return False
        return True
    return False


def _ref_float(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True  # a float already on the wire is kept as is (even nan/inf)
    if isinstance(v, int | str):
        try:
            return math.isfinite(float(v))
        except (ValueError, OverflowError):
            return False
    return False


def _ref_ts(v: Any) -> bool:
    from tests.reference.frames_model import Fallback, iso_to_ns

    if not isinstance(v, str) or not v.isascii() or v.endswith("\n"):
        return False
    try:
        iso_to_ns(v)
    except Fallback:
        return False
    return True


def ok_value(kind: Any, v: Any) -> bool:
    """Whether the wire value ``v`` is acceptable for a field of ``kind`` (None always is)."""
    if v is None:
        return True
    if kind == INT:
        return _ref_int(v)
    if kind == FLOAT:
        return _ref_float(v)
    if kind == STR:
        return type(v) is str
    if kind == BOOL:
        return type(v) is bool
    if kind == TS:
        return _ref_ts(v)
    assert isinstance(kind, type) and issubclass(kind, IntEnum)
    return _ref_int(v)


def should_parse(model: type, data: dict[str, Any]) -> bool:
    schema = SCHEMAS[model]
    if any(not ok_value(kind, data.get(key)) for key, kind in schema.items()):
        return False
    return all(data.get(key) is not None for key in REQUIRED[model])


# ------------------------------------------------------------------------------ strategies
_stamp = st.builds(
    lambda dt, digits, off: (
        dt.strftime("%Y-%m-%dT%H:%M:%S")
        + ("." + f"{dt.microsecond:06d}999"[:digits] if digits else "")
        + off
    ),
    st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(0, 9),
    st.sampled_from(["Z", "+00:00", "-05:00", "+0530"]),
)
_bad_stamp = st.sampled_from(
    [
        "2025-04-14T17:49:10",
        "2025-02-30T00:00:00Z",
        "",
        "yesterday",
        "2025-04-14T17:49:10Z\n",
        "٢٠٢٥-04-14T17:49:10Z",
        "9999999-01-01T00:00:00Z",
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400), 2**63, 2**64 + 1]),
    st.floats(),  # nan and inf included
    st.text(max_size=12),
    st.sampled_from(["12", " 7 ", "1.5", "1e3", "nan", "inf", "-0", "0x10", "1_000", "1e400"]),
    _stamp,
    _bad_stamp,
)
json_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def good_value(kind: Any) -> st.SearchStrategy[Any]:
    if kind == INT:
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if kind == FLOAT:
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == STR:
        return st.text(max_size=20)
    if kind == BOOL:
        return st.booleans()
    if kind == TS:
        return _stamp
    return st.one_of(st.sampled_from(list(kind)).map(int), st.integers(100, 2**31))


@st.composite
def wire_dicts(draw: st.DrawFn, model: type, well_typed: bool) -> dict[str, Any]:
    schema = SCHEMAS[model]
    extended = draw(st.booleans())
    data: dict[str, Any] = {}
    for key, kind in schema.items():
        if not extended and key in EXTENDED_ONLY.get(model, ()):
            continue
        if key in REQUIRED[model] and well_typed:
            data[key] = draw(good_value(kind))
            continue
        presence = draw(st.sampled_from(["value", "null", "missing"]))
        if presence == "missing":
            continue
        if presence == "null":
            data[key] = None
        elif well_typed or draw(st.integers(0, 3)) > 0:
            data[key] = draw(good_value(kind))
        else:
            data[key] = draw(json_like)
    if extended:
        unknown = draw(st.dictionaries(st.text(max_size=8), json_like, max_size=3))
        data.update({k: v for k, v in unknown.items() if k not in schema})
    return data


def build(model: type, data: Any) -> Any:
    parse: Callable[[Any], Any] = model.from_wire  # type: ignore[attr-defined]
    return parse(data)


# ------------------------------------------------------------------------ type checks
def assert_well_typed(model: type, obj: Any) -> None:
    for name, annotation in model.__annotations__.items():
        value = getattr(obj, name)
        text = str(annotation)
        if value is None:
            assert "None" in text or model in (models.Quote, models.MarketTrade), (name, obj)
            continue
        if name.endswith("_ns") or text.startswith("int"):
            assert type(value) is int, (name, value)
        elif text.startswith("float"):
            # a non-finite value can only come from a float already on the wire (orjson never
            # produces one); numbers from ints and strings are checked finite
            assert type(value) is float, (name, value)
        elif text.startswith("str"):
            assert type(value) is str, (name, value)
        elif text.startswith("bool"):
            assert type(value) is bool, (name, value)
        elif "Order" in text or "Position" in text or "TradeLog" in text:
            assert type(value) is int or isinstance(value, IntEnum), (name, value)


MODELS = list(SCHEMAS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@SETTINGS
@given(data=st.data())
def test_arbitrary_wire_dicts_give_a_model_or_a_typed_error(model: type, data: Any) -> None:
    wire = data.draw(wire_dicts(model, well_typed=False))
    expected = should_parse(model, wire)
    try:
        obj = build(model, wire)
    except ProjectXError as exc:
        assert isinstance(exc, ValidationError)
        assert model.__name__ in str(exc)
        assert not expected, f"refused a valid {model.__name__}: {wire!r}: {exc}"
        return
    assert expected, f"accepted an invalid {model.__name__}: {wire!r} -> {obj!r}"
    assert_well_typed(model, obj)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@SETTINGS
@given(data=st.data())
def test_well_typed_wire_dicts_of_either_profile_always_parse(model: type, data: Any) -> None:
    wire = data.draw(wire_dicts(model, well_typed=True))
    obj = build(model, wire)
    assert_well_typed(model, obj)
    if "id" in SCHEMAS[model]:
        assert obj.id == wire["id"]
    if model is models.Bar:
        assert obj.volume == wire["v"] and obj.open == wire["o"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@SETTINGS
@given(value=json_like)
def test_anything_that_is_not_an_object_is_a_typed_error(model: type, value: Any) -> None:
    if isinstance(value, dict):
        with contextlib.suppress(ProjectXError):
            build(model, value)
        return
    with pytest.raises(ValidationError, match="expected a JSON object"):
        build(model, value)


@pytest.mark.parametrize("value", [10**400, -(10**400), "1e400", "-1e999", "nan"])
def test_numbers_beyond_a_double_are_typed_errors(value: Any) -> None:
    """Regression (found by the fuzzer): an int beyond the double range raised OverflowError."""
    with pytest.raises(ValidationError, match=r"Trade\.price"):
        models.Trade.from_wire({"id": 1, "price": value})
    with pytest.raises(ValidationError, match=r"Account\.balance"):
        models.Account.from_wire({"id": 1, "balance": value})
    with pytest.raises(ValidationError, match=r"Quote\.volume"):
        models.Quote.from_wire({"volume": value})


def test_timestamps_keep_their_instant_across_offsets() -> None:
    dt = datetime(2025, 11, 24, 14, 12, 30, tzinfo=UTC) + timedelta(microseconds=531104)
    stamp = "2025-11-24T09:12:30.531104-05:00"
    assert models.Order.from_wire({"id": 1, "creationTimestamp": stamp}).created_at == dt
