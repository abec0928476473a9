"""Write ``pxpy_signatures.json``: signature facts of project-x-py's types, utils, sessions, config.

Run by the project-x-py venv's python:
``.venv-pxpy/bin/python tests/compat/gen_pxpy_signatures.py``.

For each public name (from ``pxpy_public_api.json``) of the modules below it records its kind and:
functions -> parameter names, kinds and whether they have a default (and the default's repr
when it is a plain constant); classes -> the same for ``__init__`` and for every public method
defined by the class; enums -> member names and values; TypedDicts -> keys; dataclasses ->
field names and defaults; Protocols -> public member names. Facts only; nothing is copied.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import json
import typing
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "pxpy_signatures.json"
PREFIXES = ("project_x_py.types", "project_x_py.utils", "project_x_py.sessions")
EXTRA = ("project_x_py.config",)
SKIPPED = {
    "project_x_py.utils.lock_benchmarker",
    "project_x_py.utils.lock_optimization",
    "project_x_py.utils.lock_profiler_tool",
}
_PLAIN = (int, float, str, bool, type(None))


def _params(fn: Any) -> list[dict[str, Any]] | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        entry: dict[str, Any] = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry["has_default"] = True
            if isinstance(p.default, _PLAIN):
                entry["default"] = p.default
        out.append(entry)
    return out


def _describe(obj: Any) -> dict[str, Any]:
    if inspect.isclass(obj):
        if issubclass(obj, enum.Enum):
            return {"kind": "enum", "members": {m.name: m.value for m in obj}}
        if typing.is_typeddict(obj):
            return {
                "kind": "typeddict",
                "keys": sorted(obj.__annotations__),
                "required": sorted(obj.__required_keys__),
            }
        info: dict[str, Any] = {
            "kind": "protocol" if getattr(obj, "_is_protocol", False) else "class"
        }
        if dataclasses.is_dataclass(obj):
            info["dataclass_fields"] = [f.name for f in dataclasses.fields(obj)]
        if "__init__" in vars(obj) or dataclasses.is_dataclass(obj):
            info["init"] = _params(obj.__init__)
        methods: dict[str, Any] = {}
        for name, member in vars(obj).items():
            if name.startswith("_"):
                continue
            fn = member.__func__ if isinstance(member, staticmethod | classmethod) else member
            if inspect.isfunction(fn):
                methods[name] = {
                    "params": _params(fn),
                    "async": inspect.iscoroutinefunction(fn),
                    "static": isinstance(member, staticmethod),
                    "classmethod": isinstance(member, classmethod),
                }
            elif isinstance(member, property):
                methods[name] = {"property": True}
        info["methods"] = methods
        constants = {
            n: v for n, v in vars(obj).items() if not n.startswith("_") and isinstance(v, _PLAIN)
        }
        if constants:
            info["constants"] = constants
        return info
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {
            "kind": "function",
            "params": _params(obj),
            "async": inspect.iscoroutinefunction(obj),
        }
    if isinstance(obj, _PLAIN):
        return {"kind": "constant", "value": obj}
    return {"kind": "other", "type": type(obj).__name__}


def main() -> None:
    api = json.loads((HERE / "pxpy_public_api.json").read_text())["modules"]
    doc: dict[str, dict[str, Any]] = {}
    for module, names in sorted(api.items()):
        if module in SKIPPED or not (module.startswith(PREFIXES) or module in EXTRA):
            continue
        mod = importlib.import_module(module)
        doc[module] = {n: _describe(getattr(mod, n)) for n in names if hasattr(mod, n)}
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True, default=repr) + "\n")
    print(f"wrote {OUT} ({len(doc)} modules)")


if __name__ == "__main__":
    main()
