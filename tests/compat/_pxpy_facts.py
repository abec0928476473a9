"""Checks of compat modules against ``pxpy_signatures.json`` (facts recorded from
project-x-py 4.4.1 by ``gen_pxpy_signatures.py``; the tests do not need project-x-py)."""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import typing
from pathlib import Path
from typing import Any

FACTS: dict[str, dict[str, dict[str, Any]]] = json.loads(
    (Path(__file__).with_name("pxpy_signatures.json")).read_text()
)


def compat_name(module: str) -> str:
    """``project_x_py.x.y`` -> ``projectx.compat.x.y``."""
    return "projectx.compat" + module.removeprefix("project_x_py")


def modules(prefix: str) -> list[str]:
    """The recorded project-x-py modules under ``prefix``."""
    return sorted(m for m in FACTS if m == prefix or m.startswith(prefix + "."))


def _names(params: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    return [(p["name"], p["kind"]) for p in params or []]


def _ours(fn: Any) -> list[tuple[str, str]]:
    return [(p.name, p.kind.name) for p in inspect.signature(fn).parameters.values()]


def _defaults(params: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {p["name"]: p["default"] for p in params or [] if "default" in p}


def _our_defaults(fn: Any) -> dict[str, Any]:
    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.default is not inspect.Parameter.empty
    }


def problems(module: str) -> list[str]:
    """Every way the compat mirror of ``module`` differs from project-x-py's facts."""
    out: list[str] = []
    mod = importlib.import_module(compat_name(module))
    for name, fact in FACTS[module].items():
        where = f"{compat_name(module)}.{name}"
        if not hasattr(mod, name):
            out.append(f"{where}: missing")
            continue
        obj = getattr(mod, name)
        kind = fact["kind"]
        if kind == "function":
            if _ours(obj) != _names(fact["params"]):
                out.append(f"{where}: parameters {_ours(obj)} != {_names(fact['params'])}")
            for key, value in _defaults(fact["params"]).items():
                if _our_defaults(obj).get(key, object()) != value:
                    out.append(f"{where}: default of {key} is not {value!r}")
            if inspect.iscoroutinefunction(obj) != fact["async"]:
                out.append(f"{where}: async is not {fact['async']}")
        elif kind == "enum":
            if not (inspect.isclass(obj) and issubclass(obj, enum.Enum)):
                out.append(f"{where}: not an enum")
            elif {m.name: m.value for m in obj} != fact["members"]:
                out.append(f"{where}: members {dict((m.name, m.value) for m in obj)}")
        elif kind == "typeddict":
            if not typing.is_typeddict(obj):
                out.append(f"{where}: not a TypedDict")
            elif sorted(obj.__annotations__) != fact["keys"]:
                out.append(f"{where}: keys differ")
            elif sorted(obj.__required_keys__) != fact["required"]:
                out.append(f"{where}: required keys differ")
        elif kind in ("class", "protocol"):
            if not inspect.isclass(obj):
                out.append(f"{where}: not a class")
                continue
            if fact.get("init") and _ours(obj.__init__) != _names(fact["init"]):
                out.append(f"{where}.__init__: {_ours(obj.__init__)} != {_names(fact['init'])}")
            for key, value in _defaults(fact.get("init")).items():
                if _our_defaults(obj.__init__).get(key, object()) != value:
                    out.append(f"{where}.__init__: default of {key} is not {value!r}")
            for method, info in fact["methods"].items():
                member = inspect.getattr_static(obj, method, None)
                if member is None:
                    out.append(f"{where}.{method}: missing")
                    continue
                if info.get("property"):
                    if not isinstance(member, property):
                        out.append(f"{where}.{method}: not a property")
                    continue
                fn = member.__func__ if isinstance(member, staticmethod | classmethod) else member
                if _ours(fn) != _names(info["params"]):
                    out.append(f"{where}.{method}: {_ours(fn)} != {_names(info['params'])}")
                if inspect.iscoroutinefunction(fn) != info["async"]:
                    out.append(f"{where}.{method}: async is not {info['async']}")
            for const, value in (fact.get("constants") or {}).items():
                if getattr(obj, const, object()) != value:
                    out.append(f"{where}.{const}: is not {value!r}")
        elif kind == "constant" and obj != fact["value"]:
            out.append(f"{where}: {obj!r} != {fact['value']!r}")
    return out
