"""Which of project-x-py 4.4.1's public names ``projectx.compat`` provides.

``python -m tests.compat.coverage`` prints the count and the names left, by module; the test
``test_public_names.py`` holds docs/compat.md's "Not covered" list to exactly that set.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

FACTS = Path(__file__).with_name("pxpy_public_api.json")


@dataclass
class Coverage:
    """Names per project-x-py module: the ones compat has and the ones it lacks."""

    total: int = 0
    covered: int = 0
    missing: dict[str, list[str]] = field(default_factory=dict)

    def missing_names(self) -> set[str]:
        """Every missing name as ``module.Name`` (module without the ``project_x_py`` root)."""
        return {
            f"{mod}.{name}" if mod else name
            for mod, names in self.missing.items()
            for name in names
        }


def compat_module_name(module: str) -> str:
    """``project_x_py.x.y`` -> ``projectx.compat.x.y``."""
    return "projectx.compat" + module[len("project_x_py") :]


def measure() -> Coverage:
    """Import each mirrored module and look every listed name up."""
    facts = json.loads(FACTS.read_text())
    out = Coverage()
    for module, names in facts["modules"].items():
        short = module[len("project_x_py") :].lstrip(".")
        try:
            mod = importlib.import_module(compat_module_name(module))
        except ImportError:
            mod = None
        lacking = [n for n in names if mod is None or not hasattr(mod, n)]
        out.total += len(names)
        out.covered += len(names) - len(lacking)
        if lacking:
            out.missing[short] = sorted(lacking)
    return out


if __name__ == "__main__":
    cov = measure()
    print(f"{cov.covered} of {cov.total} public names ({cov.covered / cov.total:.1%})")
    for module, names in sorted(cov.missing.items()):
        print(f"{module or '(top level)'}: {', '.join(names)}")
