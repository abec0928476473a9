"""What a sweep checks before it starts Ray: the grid, the strategy's parameters, the inputs;
and the guard that keeps one result per run. None of these needs Ray."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from projectx.cli import main
from projectx.exceptions import ValidationError
from projectx.strategy import StrategyError
from projectx.sweep import SweepError, expand, parse_param
from projectx.sweep.runner import _record
from projectx.sweep.strategy_source import StrategySource, declared_params
from projectx.sweep.task import RunOutcome

from .conftest import STRATEGY


def test_a_param_option_parses_into_typed_values() -> None:
    assert parse_param("fast=5,8,13") == ("fast", [5, 8, 13])
    assert parse_param(" stop = 1.5, 2 ") == ("stop", [1.5, 2])
    assert parse_param("mode=fade,trend") == ("mode", ["fade", "trend"])
    assert parse_param("flat=true,false") == ("flat", [True, False])
    for bad in ("fast", "=1,2", "fast=", "fast=,", "1x=2", "a-b=1"):
        with pytest.raises(ValidationError):
            parse_param(bad)


def test_a_grid_expands_to_every_combination_in_a_fixed_order() -> None:
    sets = expand({"fast": [5, 8], "slow": [21, 34, 55]})
    assert sets == [
        {"fast": 5, "slow": 21},
        {"fast": 5, "slow": 34},
        {"fast": 5, "slow": 55},
        {"fast": 8, "slow": 21},
        {"fast": 8, "slow": 34},
        {"fast": 8, "slow": 55},
    ]
    assert expand({"stop": [1, 1.5]}) == [{"stop": 1}, {"stop": 1.5}]
    for bad in ({}, {"fast": []}, {"fast": [5, 5]}, {"fast": [5, "x"]}, {"fast": [1, True]}):
        with pytest.raises(ValidationError):
            expand(bad)


def test_parameters_are_set_on_a_fresh_module_each_load() -> None:
    source = StrategySource.of(STRATEGY)
    first = source.load({"fast": 5})
    second = source.load()
    assert first.module is not None and second.module is not None
    assert first.module is not second.module
    assert first.module.PARAMS == {"fast": 5, "slow": 8, "pause_s": 0.0}
    assert declared_params(second) == {"fast": 3, "slow": 8, "pause_s": 0.0}
    assert source.load({"pause_s": 1}).module.PARAMS["pause_s"] == 1.0  # type: ignore[union-attr]
    assert first.name == second.name == "swept_strategy"  # as in projectx replay's summary


def test_an_undeclared_or_mistyped_parameter_is_refused(tmp_path: Path) -> None:
    source = StrategySource.of(STRATEGY)
    with pytest.raises(StrategyError, match=r"unknown parameter\(s\) fats; declared: fast"):
        source.load({"fats": 5})
    plain = tmp_path / "plain.py"
    plain.write_text("async def setup(suite):\n    pass\n")
    with pytest.raises(StrategyError, match="has no PARAMS"):
        StrategySource.of(plain).load({"fast": 5})
    flags = tmp_path / "flags.py"
    flags.write_text("PARAMS = {'flat': True}\nasync def setup(suite):\n    pass\n")
    with pytest.raises(StrategyError, match="flat is True by default, got 1"):
        StrategySource.of(flags).load({"flat": 1})


def test_a_module_strategy_is_shipped_as_its_file() -> None:
    source = StrategySource.of("tests.sweep.swept_strategy")
    assert source.filename == "swept_strategy.py"
    assert source.text == STRATEGY.read_bytes()
    with pytest.raises(StrategyError):
        StrategySource.of("tests.sweep.no_such_module")


def test_each_run_keeps_exactly_one_result() -> None:
    outcomes: dict[tuple[int, int], RunOutcome] = {}

    def outcome(key: tuple[int, int]) -> RunOutcome:
        return RunOutcome(key, None, None, None, None, 0.0, "1@host")

    _record(outcomes, (0, 1), outcome((0, 1)))
    with pytest.raises(SweepError, match="twice"):
        _record(outcomes, (0, 1), outcome((0, 1)))
    with pytest.raises(SweepError, match=r"returned the result of run \(1, 0\)"):
        _record(outcomes, (0, 0), outcome((1, 0)))
    assert list(outcomes) == [(0, 1)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "fats=5,8"], "unknown parameter(s) fats"),
        (["--param", "fast=5", "--param", "fast=8"], "--param fast is given twice"),
        (["--param", "fast=5", "--workers", "0"], "--workers must be >= 1"),
    ],
)
def test_bad_sweep_input_exits_2_before_ray_starts(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    was_imported = "ray" in sys.modules
    code = main(["sweep", "--strategy", str(STRATEGY), *args, str(STRATEGY.parent)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert ("ray" in sys.modules) == was_imported, "Ray must not be started for bad input"


def test_a_missing_or_repeated_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sweep", "--strategy", str(STRATEGY), "--param", "fast=5"]
    assert main([*argv, str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main([*argv, str(tmp_path), str(tmp_path / ".")]) == 2
    assert "given twice" in capsys.readouterr().err
