"""The simulator refuses non-positive prices like a Gateway would (spec §3.3, §4.5 step 8)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim.conftest import account_ids, post

BAD = [0, 0.0, -0.0, -100.0, -0.25]


async def _place(http: Any, sim: Any, token: str, **fields: Any) -> dict[str, Any]:
    aid = (await account_ids(http, sim, token))[0]
    body = {"accountId": aid, "contractId": sim.contract_ids[0], "side": 0, "size": 1, **fields}
    status, answer = await post(http, sim, "Order/place", body, token)
    assert status == 200
    return answer


@pytest.mark.parametrize("price", BAD)
@pytest.mark.parametrize(
    ("order_type", "field"), [(1, "limitPrice"), (4, "stopPrice"), (5, "trailPrice")]
)
async def test_place_with_a_non_positive_price_is_order_rejected(
    http: Any, sim: Any, token: str, price: float, order_type: int, field: str
) -> None:
    answer = await _place(http, sim, token, type=order_type, **{field: price})
    assert answer["success"] is False and answer["errorCode"] == 2  # OrderRejected
    assert "greater than zero" in answer["errorMessage"]


@pytest.mark.parametrize("price", BAD)
async def test_modify_to_a_non_positive_price_is_rejected(
    http: Any, sim: Any, token: str, price: float
) -> None:
    placed = await _place(http, sim, token, type=1, limitPrice=1000.0)
    assert placed["success"] is True, placed
    aid = (await account_ids(http, sim, token))[0]
    body = {"accountId": aid, "orderId": placed["orderId"], "limitPrice": price}
    status, answer = await post(http, sim, "Order/modify", body, token)
    assert status == 200
    assert answer["success"] is False and answer["errorCode"] == 3  # Rejected
    assert "greater than zero" in answer["errorMessage"]
