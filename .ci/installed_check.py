"""pytest plugin used by ``.ci/wheel_check``: refuse to test anything but the installed wheel.

Loaded with ``-p installed_check`` from a directory that holds only this file. Before collection
it checks that

- ``projectx`` is imported from the venv's site-packages and no other ``sys.path`` entry holds a
  ``projectx`` package (the source tree is not importable);
- the wheel named by ``PROJECTX_WHEEL`` ships exactly the native modules named by
  ``PROJECTX_EXPECT_NATIVE`` (the ``ext/*.pyx`` stems), each with its ``.pyi`` stub (pure-Python
  helpers beside them, such as ``_native/fallback.py``, are ordinary sources);
- every ``projectx._native.*`` module imports as a compiled extension whose file is
  byte-identical to the one inside that (repaired) wheel.

Any failure stops pytest with a usage error (non-zero exit). The header line shows what was
checked.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import os
import pkgutil
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

_summary: list[str] = []


def _fail(message: str) -> None:
    raise pytest.UsageError(f"installed_check: {message}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check() -> list[str]:
    wheel_path = os.environ.get("PROJECTX_WHEEL", "")
    expected = {n for n in os.environ.get("PROJECTX_EXPECT_NATIVE", "").split(",") if n}
    if not wheel_path or not Path(wheel_path).is_file():
        _fail(f"PROJECTX_WHEEL does not name a wheel file: {wheel_path!r}")
    if not expected:
        _fail("PROJECTX_EXPECT_NATIVE is empty")

    site = Path(sysconfig.get_paths()["platlib"]).resolve()
    import projectx

    pkg_file = Path(projectx.__file__ or "").resolve()
    if not pkg_file.is_relative_to(site):
        _fail(f"projectx imported from {pkg_file}, not from {site}")
    for entry in sys.path:
        where = Path(entry or ".").resolve()
        if where != site and (where / "projectx" / "__init__.py").exists():
            _fail(f"another importable projectx on sys.path: {where}")

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    in_wheel: dict[str, bytes] = {}
    stubs: set[str] = set()
    with zipfile.ZipFile(wheel_path) as wheel:
        for name in wheel.namelist():
            if not name.startswith("projectx/_native/"):
                continue
            base = name.rsplit("/", 1)[1]
            if base.endswith(suffixes):
                in_wheel[base.split(".", 1)[0]] = wheel.read(name)
            elif base.endswith(".pyi"):
                stubs.add(base[: -len(".pyi")])
    if set(in_wheel) != expected:
        _fail(f"wheel native modules {sorted(in_wheel)} != ext/*.pyx {sorted(expected)}")
    if missing := expected - stubs:
        _fail(f"wheel lacks .pyi stubs for {sorted(missing)}")

    import projectx._native as native_pkg

    # pure-Python helpers of the native modules (the spec-following fallback parser) live
    # beside them as .py sources; every other module must be a compiled extension
    native_dir = Path(native_pkg.__path__[0])
    modules = {m.name for m in pkgutil.iter_modules(native_pkg.__path__)}
    found = {name for name in modules if not (native_dir / f"{name}.py").is_file()}
    if found != expected:
        _fail(f"installed projectx._native modules {sorted(found)} != {sorted(expected)}")
    for name in sorted(expected):
        module = importlib.import_module(f"projectx._native.{name}")
        if not isinstance(module.__loader__, importlib.machinery.ExtensionFileLoader):
            _fail(f"projectx._native.{name} is not a compiled extension ({module.__loader__!r})")
        origin = Path(module.__file__ or "").resolve()
        if not origin.is_relative_to(site):
            _fail(f"projectx._native.{name} loaded from {origin}, outside {site}")
        if _sha256(origin.read_bytes()) != _sha256(in_wheel[name]):
            _fail(f"{origin} differs from the extension inside {Path(wheel_path).name}")
        if not origin.with_name(f"{name}.pyi").is_file():
            _fail(f"stub {name}.pyi not installed beside {origin.name}")
    return [
        f"installed_check: projectx from {pkg_file.parent}",
        f"installed_check: {len(expected)} native extensions identical to "
        f"{Path(wheel_path).name}: {', '.join(sorted(expected))}",
    ]


def pytest_configure(config: pytest.Config) -> None:
    """Run the checks once, before any test module is imported."""
    _summary.extend(_check())


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Show what was verified at the top of the run."""
    return list(_summary)
