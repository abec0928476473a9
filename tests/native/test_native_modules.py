"""The compiled modules are really what gets imported: no silent pure-Python fallback."""

from __future__ import annotations

import importlib
import importlib.machinery
from pathlib import Path

import pytest

EXT_DIR = Path(__file__).resolve().parents[2] / "ext"
MODULES = sorted(p.stem for p in EXT_DIR.glob("*.pyx"))


def test_every_pyx_has_a_module() -> None:
    assert {"frames", "isotime"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_is_a_compiled_extension(name: str) -> None:
    module = importlib.import_module(f"projectx._native.{name}")
    suffix = Path(module.__file__ or "").name
    assert any(suffix.endswith(ext) for ext in importlib.machinery.EXTENSION_SUFFIXES), suffix


@pytest.mark.parametrize("name", MODULES)
def test_module_has_a_type_stub(name: str) -> None:
    stub = Path(__file__).resolve().parents[2] / "src" / "projectx" / "_native" / f"{name}.pyi"
    assert stub.is_file()
