"""projectx.compat.types mirrors project-x-py 4.4.1's types, with the Gateway's enum values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projectx import enums as core
from projectx.compat import types
from projectx.compat.types import market_data, trading
from tests.compat._pxpy_facts import modules, problems

API = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]


@pytest.mark.parametrize("module", modules("project_x_py.types"))
def test_names_and_signatures_match_project_x_py(module: str) -> None:
    assert problems(module) == []


def test_package_exports_every_public_name() -> None:
    assert sorted(types.__all__) == sorted(API["project_x_py.types"])


@pytest.mark.parametrize(
    ("ours", "gateway"),
    [
        (trading.OrderStatus, core.OrderStatus),
        (trading.PositionType, core.PositionType),
        (trading.TradeLogType, core.TradeLogType),
        (trading.OrderType, core.OrderType),
    ],
)
def test_enum_values_are_the_gateways(ours: type, gateway: type) -> None:
    for member in ours:  # type: ignore[attr-defined]
        assert member.value == gateway[member.name].value


def test_order_side_names_are_project_x_pys_and_values_the_gateways() -> None:
    assert trading.OrderSide.BUY.name == "BUY"
    assert trading.OrderSide.BUY == core.OrderSide.BID == 0
    assert trading.OrderSide.SELL == core.OrderSide.ASK == 1


def test_dom_type_session_extremes_are_the_gateways_low_and_high() -> None:
    assert market_data.DomType.SESSION_LOW == core.DomType.LOW == 7
    assert market_data.DomType.SESSION_HIGH == core.DomType.HIGH == 8
    assert market_data.OrderbookSide.BID == 0 and market_data.OrderbookSide.ASK == 1


def test_api_error_response_is_the_gateway_shape_and_error_response_the_sdk_shape() -> None:
    assert set(types.APIErrorResponse.__annotations__) == {"errorCode", "errorMessage", "details"}
    assert "error_category" in types.ErrorResponse.__annotations__


def test_optional_keys_are_not_required() -> None:
    assert types.OrderResponse.__required_keys__ >= {"id", "status", "side"}
    assert "limitPrice" in types.OrderResponse.__optional_keys__


def test_dataclass_defaults() -> None:
    assert market_data.MemoryConfig().max_trades == 10000
    assert types.IcebergConfig().confidence_threshold == 0.7
