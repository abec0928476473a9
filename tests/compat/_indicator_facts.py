"""project-x-py's indicator facts (``pxpy_indicator_facts.json``, written by
``gen_pxpy_indicator_facts.py``) and the frame they were computed on."""

from __future__ import annotations

import importlib
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

FACTS_FILE = Path(__file__).with_name("pxpy_indicator_facts.json")


@cache
def facts() -> dict[str, Any]:
    """The whole fact file."""
    data: dict[str, Any] = json.loads(FACTS_FILE.read_text())
    return data


def frame() -> pl.DataFrame:
    """The OHLCV frame project-x-py ran on (``timestamp`` as UTC datetimes)."""
    cols = facts()["frame"]
    return pl.DataFrame(
        {
            "timestamp": pl.Series(cols["timestamp"]).str.to_datetime(time_zone="UTC"),
            "open": cols["open"],
            "high": cols["high"],
            "low": cols["low"],
            "close": cols["close"],
            "volume": cols["volume"],
        }
    )


def compat_module(module: str) -> ModuleType:
    """``project_x_py.indicators.x`` -> the module ``projectx.compat.indicators.x``."""
    return importlib.import_module("projectx.compat" + module.removeprefix("project_x_py"))


def run_case(case: dict[str, Any], data: pl.DataFrame) -> pl.DataFrame:
    """Our result for one recorded project-x-py call."""
    obj = getattr(compat_module(case["module"]), case["name"])
    if case["kind"] == "class":
        result: pl.DataFrame = obj().calculate(data, **case["kwargs"])
    else:
        result = obj(data, **case["kwargs"])
    return result


def case_id(case: dict[str, Any]) -> str:
    """A readable test id: ``module:name(kwargs)``."""
    short = case["module"].removeprefix("project_x_py.indicators").lstrip(".") or "top"
    args = ",".join(f"{k}={v}" for k, v in sorted(case["kwargs"].items()))
    return f"{short}:{case['name']}({args})"
