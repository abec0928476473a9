"""``Features``: members and names select the suite's optional parts; anything else is refused
before a request is sent."""

from __future__ import annotations

import pytest

from projectx import Features, TradingSuite, ValidationError
from projectx.config import ProjectXConfig
from projectx.sim import Simulator
from projectx.suite import FEATURES
from tests.suite.conftest import config_for

CONFIG = ProjectXConfig(username="u", api_key="k", api_url="http://127.0.0.1:9")


def test_members_are_their_names_and_cover_every_feature() -> None:
    assert {f.value for f in Features} == FEATURES
    suite = TradingSuite("MNQ", features=[Features.ORDERBOOK, Features.RISK_MANAGER], config=CONFIG)
    assert suite.features == frozenset({"orderbook", "risk"})
    assert all(type(f) is str for f in suite.features)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["risk_manager"], {"risk"}),  # project-x-py's spelling
        ([Features.ORDERBOOK_HEURISTICS], {"orderbook_heuristics"}),
        ("orderbook", {"orderbook"}),  # one name, not its characters
        ([], set()),
    ],
)
def test_names_and_aliases(given: object, expected: set[str]) -> None:
    suite = TradingSuite("MNQ", features=given, config=CONFIG)  # type: ignore[arg-type]
    assert suite.features == frozenset(expected)


@pytest.mark.parametrize("given", [["orderbok"], [1], ["orderbook", None], 7, [b"risk"]])
def test_anything_else_is_refused_by_type(given: object) -> None:
    with pytest.raises(ValidationError, match="features"):
        TradingSuite("MNQ", features=given, config=CONFIG)  # type: ignore[arg-type]


async def test_a_suite_created_with_members_runs_them(sim: Simulator) -> None:
    async with await TradingSuite.create(
        "MNQ",
        timeframes=["1sec"],
        initial_days=0,
        features=[Features.ORDERBOOK, Features.RISK_MANAGER],
        config=config_for(sim),
    ) as suite:
        assert suite.orderbook is not None
        assert suite.risk is not None and suite.risk is suite.risk_manager
