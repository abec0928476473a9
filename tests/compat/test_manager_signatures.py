"""Every public name of project-x-py's order/position manager modules exists in compat, with
the same parameters (names, kinds, defaults) and the same awaited-ness.

The facts are ``pxpy_manager_signatures.json`` (``gen_pxpy_manager_signatures.py``, run in
the project-x-py venv); this test needs only them.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

FACTS: dict[str, dict[str, Any]] = json.loads(
    Path(__file__).with_name("pxpy_manager_signatures.json").read_text()
)
LITERALS = (type(None), bool, int, float, str)


def _facts(fn: Any) -> dict[str, Any]:
    raw = inspect.unwrap(fn)
    params = []
    for p in inspect.signature(raw).parameters.values():
        entry: dict[str, Any] = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = p.default if isinstance(p.default, LITERALS) else "<object>"
        params.append(entry)
    return {"params": params, "awaited": inspect.iscoroutinefunction(raw)}


def _cases() -> list[tuple[str, str]]:
    return [(mod, name) for mod, names in sorted(FACTS.items()) for name in sorted(names)]


def _check(mod: str, name: str, label: str, fn: Any, want: dict[str, Any]) -> None:
    got = _facts(fn)
    assert got["params"] == want["params"], f"{mod}.{label}: parameters differ"
    assert got["awaited"] == want["awaited"], f"{mod}.{label}: awaited-ness differs"


@pytest.mark.parametrize(("module", "name"), _cases())
def test_name_exists_with_project_x_pys_signature(module: str, name: str) -> None:
    mod = importlib.import_module(f"projectx.compat.{module}")
    assert hasattr(mod, name), f"projectx.compat.{module} has no {name}"
    want = FACTS[module][name]
    obj = getattr(mod, name)
    kind = want["kind"]
    if kind == "function":
        assert inspect.isfunction(obj)
        _check(module, name, name, obj, want)
    elif kind == "dict":
        assert sorted(obj) == want["keys"]
    elif kind == "class":
        assert inspect.isclass(obj)
        for member, facts in want["members"].items():
            attr = inspect.getattr_static(obj, member, None)
            assert attr is not None, f"{module}.{name} has no {member}"
            if facts["kind"] == "property":
                assert isinstance(attr, property), f"{module}.{name}.{member} is not a property"
                continue
            if isinstance(attr, staticmethod | classmethod):
                attr = attr.__func__
            _check(module, name, f"{name}.{member}", attr, facts)


def test_every_listed_module_is_covered() -> None:
    api = json.loads(Path(__file__).with_name("pxpy_public_api.json").read_text())["modules"]
    prefixes = ("order_manager", "order_tracker", "order_templates", "position_manager")
    listed = {m.removeprefix("project_x_py.") for m in api}
    assert {m for m in listed if m.startswith(prefixes)} == set(FACTS)
