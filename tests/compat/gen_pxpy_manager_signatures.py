"""Write ``pxpy_manager_signatures.json``: the signatures of project-x-py 4.4.1's order and
position manager modules (``order_manager*``, ``order_tracker``, ``order_templates``,
``position_manager*``), as facts for ``test_manager_signatures.py``.

Run by the project-x-py venv's python, outside the repository's ``src``:
``.venv-pxpy/bin/python tests/compat/gen_pxpy_manager_signatures.py``. Per public name of
``pxpy_public_api.json``: its kind; for a callable, each parameter's name, kind, whether it
has a default and the default when it is a plain literal, and whether it is awaited (a
coroutine function once decorators are unwrapped); for a class, the same for every public
method and property (inherited ones included). Nothing is copied but these facts.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "pxpy_manager_signatures.json"
PREFIXES = ("order_manager", "order_tracker", "order_templates", "position_manager")
LITERALS = (type(None), bool, int, float, str)


def callable_facts(fn: Any) -> dict[str, Any]:
    raw = inspect.unwrap(fn)
    params = []
    for p in inspect.signature(raw).parameters.values():
        entry: dict[str, Any] = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = p.default if isinstance(p.default, LITERALS) else "<object>"
        params.append(entry)
    return {"params": params, "awaited": inspect.iscoroutinefunction(raw)}


def class_facts(cls: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name not in ("__init__", "__aenter__", "__aexit__"):
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, property):
            members[name] = {"kind": "property"}
        elif isinstance(attr, staticmethod | classmethod):
            members[name] = {"kind": type(attr).__name__, **callable_facts(attr.__func__)}
        elif inspect.isfunction(attr):
            if name == "__init__" and attr is object.__init__:
                continue
            members[name] = {"kind": "method", **callable_facts(attr)}
    return members


def main() -> None:
    api = json.loads((HERE / "pxpy_public_api.json").read_text())["modules"]
    doc: dict[str, Any] = {}
    for mod_name, names in sorted(api.items()):
        short = mod_name.removeprefix("project_x_py.")
        if not short.startswith(PREFIXES):
            continue
        mod = importlib.import_module(mod_name)
        entries: dict[str, Any] = {}
        for name in names:
            obj = getattr(mod, name)
            if inspect.isclass(obj):
                entries[name] = {"kind": "class", "members": class_facts(obj)}
            elif inspect.isfunction(obj):
                entries[name] = {"kind": "function", **callable_facts(obj)}
            elif isinstance(obj, dict):
                entries[name] = {"kind": "dict", "keys": sorted(obj)}
            else:
                entries[name] = {"kind": "value"}
        doc[short] = entries
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(doc)} modules)")


if __name__ == "__main__":
    main()
