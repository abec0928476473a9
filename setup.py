"""Build the Cython hot path: every ``ext/<name>.pyx`` becomes ``projectx._native.<name>``.

Cross-module ``cimport`` needs the ``.pxd`` headers under their package path, so they are
staged into ``build/cython_include/projectx/_native/`` before cythonizing; the sources of
truth stay in ``ext/``.

``PROJECTX_NATIVE_ONLY=bars,ring`` restricts a development build to some modules, and
``PROJECTX_NATIVE_DEBUG=1`` builds with bounds checks and assertions on.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
EXT_DIR = HERE / "ext"
INCLUDE_DIR = HERE / "build" / "cython_include"
PACKAGE = "projectx._native"


def _stage_headers() -> None:
    target = INCLUDE_DIR.joinpath(*PACKAGE.split("."))
    target.mkdir(parents=True, exist_ok=True)
    for pxd in EXT_DIR.glob("*.pxd"):
        shutil.copyfile(pxd, target / pxd.name)


def _extensions() -> list[Extension]:
    only = {n for n in os.environ.get("PROJECTX_NATIVE_ONLY", "").split(",") if n}
    debug = os.environ.get("PROJECTX_NATIVE_DEBUG") == "1"
    if sys.platform == "win32":
        compile_args = ["/O2"]
    else:
        compile_args = ["-O3", "-fno-strict-aliasing"] if not debug else ["-O0", "-g"]
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    if not debug:
        macros.append(("CYTHON_WITHOUT_ASSERTIONS", "1"))
    return [
        Extension(
            f"{PACKAGE}.{pyx.stem}",
            [str(pyx.relative_to(HERE))],
            extra_compile_args=compile_args,
            define_macros=macros,
        )
        for pyx in sorted(EXT_DIR.glob("*.pyx"))
        if not only or pyx.stem in only
    ]


_stage_headers()
debug_build = os.environ.get("PROJECTX_NATIVE_DEBUG") == "1"
setup(
    ext_modules=cythonize(
        _extensions(),
        include_path=[str(INCLUDE_DIR), str(EXT_DIR)],
        language_level=3,
        nthreads=int(os.environ.get("PROJECTX_CYTHON_JOBS", "0")),
        compiler_directives={
            "boundscheck": debug_build,
            "wraparound": False,
            "initializedcheck": debug_build,
            "cdivision": True,
            "embedsignature": True,
        },
    ),
)
