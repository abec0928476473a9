"""Parameter grids: ``--param fast=5,8,13`` parsed into typed values, expanded in a fixed order.

A grid maps each parameter name to the list of values to try; its parameter sets are the
cartesian product, in the order the names were given and, within a name, the order of its
values (so set ``i`` is the same set on every run of the same command).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence

from projectx.exceptions import ValidationError

__all__ = ["Grid", "ParamValue", "expand", "parse_param", "parse_value"]

ParamValue = int | float | str | bool
Grid = Mapping[str, Sequence[ParamValue]]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_value(text: str) -> ParamValue:
    """A value as written on the command line: an int, else a float, else ``true``/``false``,
    else the text itself."""
    s = text.strip()
    for kind in (int, float):
        try:
            return kind(s)
        except ValueError:
            pass
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    return s


def parse_param(text: str) -> tuple[str, list[ParamValue]]:
    """``"fast=5,8,13"`` -> ``("fast", [5, 8, 13])``; a clear error for anything else."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name):
        raise ValidationError(f"--param expects NAME=V1,V2,... got {text!r}")
    items = [v for v in values.split(",") if v.strip()]
    if not items:
        raise ValidationError(f"--param {name}: no values")
    return name, [parse_value(v) for v in items]


def expand(grid: Grid) -> list[dict[str, ParamValue]]:
    """Every parameter set of ``grid`` (cartesian product, deterministic order, no repeats)."""
    if not grid:
        raise ValidationError("the grid has no parameters")
    names = list(grid)
    columns: list[list[ParamValue]] = []
    for name in names:
        if not _NAME.match(name):
            raise ValidationError(f"parameter name {name!r} is not an identifier")
        values = list(grid[name])
        if not values:
            raise ValidationError(f"parameter {name!r} has no values")
        if len(set(_keys(values))) != len(values):
            raise ValidationError(f"parameter {name!r} repeats a value: {values}")
        kinds = {_kind(v) for v in values}
        if len(kinds) > 1:
            raise ValidationError(f"parameter {name!r} mixes {' and '.join(sorted(kinds))}")
        columns.append(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]


def _kind(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "booleans"
    if isinstance(value, int | float):
        return "numbers"
    if isinstance(value, str):
        return "text"
    raise ValidationError(f"a parameter value must be a number, a boolean or text, not {value!r}")


def _keys(values: Iterable[ParamValue]) -> list[tuple[str, ParamValue]]:
    # 1, 1.0 and True are equal in Python; keep them apart by type
    return [(type(v).__name__, v) for v in values]
