"""Loading strategy files: the contract of :mod:`projectx.strategy`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from projectx.strategy import StrategyError, WallClock, clock_of, load_strategy, run_live


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def test_a_strategy_file_is_loaded_with_its_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "s1.py",
        "TIMEFRAMES = ['1sec', '1min']\nSYMBOLS = ['MNQ']\nFEATURES = []\n"
        "CALLS = []\n"
        "async def setup(suite, clock):\n    CALLS.append(('setup', suite, clock))\n"
        "async def teardown(suite):\n    CALLS.append(('teardown', suite))\n",
    )
    strat = load_strategy(path)
    assert strat.name == "s1"
    assert strat.timeframes == ("1sec", "1min")
    assert strat.symbols == ("MNQ",)
    assert strat.features == ()
    suite = object()
    await run_live(suite, strat, duration=0.01)
    assert strat.module is not None
    calls: list[Any] = strat.module.CALLS
    assert [c[0] for c in calls] == ["setup", "teardown"]
    assert isinstance(calls[0][2], WallClock)
    assert load_strategy(path).module is not strat.module, "each load is a fresh module"


async def test_setup_with_only_the_suite_is_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "s2.py", "SEEN = []\nasync def setup(suite):\n    SEEN.append(suite)\n")
    strat = load_strategy(str(path))
    await strat.setup("suite")
    assert strat.module is not None and strat.module.SEEN == ["suite"]
    assert strat.teardown_fn is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x = 1\n", "no 'async def setup"),
        ("def setup(suite):\n    pass\n", "async def"),
        ("async def setup():\n    pass\n", r"\(suite\)"),
        ("async def setup(suite):\n    pass\ndef teardown(suite):\n    pass\n", "async def"),
        ("TIMEFRAMES = '1min'\nasync def setup(suite):\n    pass\n", "TIMEFRAMES"),
        ("FEATURES = [1]\nasync def setup(suite):\n    pass\n", "FEATURES"),
        ("raise ValueError('boom')\n", "boom"),
    ],
)
def test_strategy_files_breaking_the_contract_are_rejected(
    tmp_path: Path, text: str, match: str
) -> None:
    with pytest.raises(StrategyError, match=match):
        load_strategy(_write(tmp_path, "bad.py", text))


def test_missing_strategies_are_reported() -> None:
    with pytest.raises(StrategyError, match="not found"):
        load_strategy("/nonexistent/strategy.py")
    with pytest.raises(StrategyError, match="cannot import"):
        load_strategy("no_such_module_xyz")


def test_the_suite_clock_defaults_to_the_wall_clock() -> None:
    class Suite:
        pass

    assert isinstance(clock_of(Suite()), WallClock)
