"""Write ``pxpy_public_api.json``: project-x-py's public names, per public module.

Run by the project-x-py venv's python: ``.venv-pxpy/bin/python tests/compat/gen_pxpy_api.py``.
A module's public names are its ``__all__`` when it has one, else the names it defines itself
(no leading underscore; imported names, modules and typing constructs left out). Key
``project_x_py`` is the top-level ``__all__``. A fact list for compat work; nothing is copied.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import pkgutil
import sys
import types
from pathlib import Path

OUT = Path(__file__).with_name("pxpy_public_api.json")


def public_names(mod: types.ModuleType) -> tuple[list[str], bool]:
    declared = getattr(mod, "__all__", None)
    if declared is not None:
        return sorted(set(declared)), True
    names = [
        n
        for n, v in vars(mod).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and getattr(v, "__module__", mod.__name__) == mod.__name__
        and type(v).__module__ != "typing"
        and n != "TYPE_CHECKING"
    ]
    return sorted(names), False


def main() -> None:
    import project_x_py

    modules: dict[str, list[str]] = {}
    has_all: dict[str, bool] = {}
    for info in pkgutil.walk_packages(project_x_py.__path__, "project_x_py."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]) or parts[1] == "cli":
            continue
        if len(parts) > 3:
            continue  # public modules: top-level subpackages/modules and their direct children
        try:
            mod = importlib.import_module(info.name)
        except Exception as exc:  # pragma: no cover - reported, not fatal
            print(f"skip {info.name}: {exc!r}", file=sys.stderr)
            continue
        modules[info.name], has_all[info.name] = public_names(mod)
    modules["project_x_py"], has_all["project_x_py"] = public_names(project_x_py)
    doc = {
        "project_x_py_version": importlib.metadata.version("project-x-py"),
        "python": sys.version.split()[0],
        "counts": {k: len(v) for k, v in sorted(modules.items())},
        "declares_all": dict(sorted(has_all.items())),
        "modules": dict(sorted(modules.items())),
    }
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    total = sum(len(v) for v in modules.values())
    print(f"wrote {OUT} ({len(modules)} modules, {total} names)")


if __name__ == "__main__":
    main()
