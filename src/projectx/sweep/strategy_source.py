"""The strategy of a sweep: loaded with ``projectx replay``'s own loader, with parameters set.

Parameters (the sweep's addition to the strategy contract of :mod:`projectx.strategy`): a
strategy file that can be swept declares its parameters and their defaults in a module-level
dict, and reads them when it runs::

    PARAMS = {"fast": 8, "slow": 21}

    async def setup(suite, clock):
        fast, slow = PARAMS["fast"], PARAMS["slow"]
        ...

For each run the sweep loads the file afresh (:func:`projectx.strategy.load_strategy`, a new
module with its own state) and replaces ``PARAMS`` with the defaults updated by that run's
values, before ``setup``. Running it with ``projectx replay`` uses the defaults.

The file travels to the workers as its text, in the object store (a cluster's workers need not
share a file system with the driver); each worker writes it once to a private cache directory
under the same file name and loads it from there. A strategy given as a module name is shipped
as the module's file. A strategy that imports sibling files of its own is not supported on a
cluster (only installed packages are importable there).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from projectx.strategy import Strategy, StrategyError, load_strategy
from projectx.sweep.grid import ParamValue

__all__ = ["StrategySource", "declared_params", "with_params"]


@dataclass(frozen=True, slots=True)
class StrategySource:
    """A strategy file's name and text, as shipped to the workers."""

    filename: str  #: the file's base name (its stem is the strategy's name in reports)
    text: bytes

    @classmethod
    def of(cls, spec: str | os.PathLike[str]) -> StrategySource:
        """Read a strategy ``.py`` file, or the file of an importable module name."""
        path = Path(spec)
        if not (path.suffix == ".py" or path.exists()):
            try:
                found = importlib.util.find_spec(str(spec))
            except (ImportError, ValueError) as exc:
                raise StrategyError(f"cannot import strategy module {spec!r}: {exc}") from None
            if found is None or not found.origin or not found.origin.endswith(".py"):
                raise StrategyError(f"strategy {spec!r} is neither a .py file nor a module file")
            path = Path(found.origin)
        if not path.is_file():
            raise StrategyError(f"strategy file not found: {path}")
        return cls(path.name, path.read_bytes())

    @property
    def digest(self) -> str:
        """SHA-256 of the text (names the cache directory)."""
        return hashlib.sha256(self.text).hexdigest()

    def materialise(self, root: str | os.PathLike[str] | None = None) -> Path:
        """The file on this machine (written once under ``root``, default the temp dir)."""
        base = Path(root or tempfile.gettempdir()) / f"projectx-sweep-{os.getuid()}"
        folder = base / self.digest[:32]
        path = folder / self.filename
        if not path.is_file() or path.read_bytes() != self.text:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(self.text)
            os.replace(tmp, path)
        return path

    def load(self, params: Mapping[str, ParamValue] | None = None) -> Strategy:
        """A freshly loaded strategy with ``params`` set (see the module docstring)."""
        strategy = load_strategy(self.materialise())
        return with_params(strategy, params or {})


def declared_params(strategy: Strategy) -> dict[str, ParamValue]:
    """The strategy module's ``PARAMS`` (its parameters and defaults); ``{}`` when it has none."""
    value = getattr(strategy.module, "PARAMS", None) if strategy.module else None
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise StrategyError(f"{strategy.name}: PARAMS must be a dict of name -> default")
    return dict(value)


def with_params(strategy: Strategy, params: Mapping[str, ParamValue]) -> Strategy:
    """Set ``params`` on a freshly loaded strategy: its module's ``PARAMS`` becomes the declared
    defaults updated by ``params``. An undeclared name is an error (a typo would otherwise
    sweep nothing); an int given for a float default becomes a float."""
    defaults = declared_params(strategy)
    if params and strategy.module is None:
        raise StrategyError("parameters need a strategy loaded from a file or module")
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        known = ", ".join(sorted(defaults)) or "none (the file has no PARAMS dict)"
        raise StrategyError(
            f"{strategy.name}: unknown parameter(s) {', '.join(unknown)}; declared: {known}"
        )
    merged: dict[str, ParamValue] = dict(defaults)
    for name, value in params.items():
        default = defaults[name]
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(default, bool) != isinstance(value, bool):
            raise StrategyError(f"{strategy.name}: {name} is {default!r} by default, got {value!r}")
        merged[name] = value
    if strategy.module is not None:
        vars(strategy.module)["PARAMS"] = merged
    return strategy
