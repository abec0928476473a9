"""Write ``pxpy_data_signatures.json``: the signatures of project-x-py 4.4.1's
``realtime_data_manager*``, ``orderbook*`` and ``risk_manager*`` modules, as facts for
``test_data_signatures.py``.

Run by the project-x-py venv's python, outside the repository's ``src``:
``.venv-pxpy/bin/python tests/compat/gen_pxpy_data_signatures.py``. The facts recorded per
public name are those of ``gen_pxpy_manager_signatures.py`` (whose helpers this reuses).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from gen_pxpy_manager_signatures import callable_facts, class_facts  # noqa: E402

OUT = HERE / "pxpy_data_signatures.json"
PREFIXES = ("realtime_data_manager", "orderbook", "risk_manager")


def facts_of(obj: Any) -> dict[str, Any]:
    """The recorded facts of one public object."""
    if inspect.isclass(obj):
        return {"kind": "class", "members": class_facts(obj)}
    if inspect.isfunction(obj):
        return {"kind": "function", **callable_facts(obj)}
    return {"kind": "value"}


def main() -> None:
    api = json.loads((HERE / "pxpy_public_api.json").read_text())["modules"]
    doc: dict[str, Any] = {}
    for mod_name, names in sorted(api.items()):
        short = mod_name.removeprefix("project_x_py.")
        if not short.startswith(PREFIXES):
            continue
        mod = importlib.import_module(mod_name)
        doc[short] = {name: facts_of(getattr(mod, name)) for name in names}
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(doc)} modules)")


if __name__ == "__main__":
    main()
