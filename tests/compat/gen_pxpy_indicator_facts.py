"""Write ``pxpy_indicator_facts.json``: project-x-py 4.4.1's indicator API and outputs, as facts.

Run by the project-x-py venv's python:
``.venv-pxpy/bin/python tests/compat/gen_pxpy_indicator_facts.py``.

Records, for ``project_x_py.indicators`` and each of its submodules:

* ``signatures``: every public name's description (``gen_pxpy_signatures._describe``: parameter
  names, kinds, plain defaults; classes' ``__init__`` and methods) and, for classes whose
  ``calculate(data, **kwargs)`` reads keywords, the keywords it reads with their defaults (read
  from the source's ``kwargs.get(name, default)`` calls);
* ``frame``: a deterministic OHLCV frame (seeded random walk, tick-rounded prices);
* ``cases``: project-x-py's result on that frame for each indicator function (defaults and a
  few other parameter sets) and each class (``Class().calculate(frame, **kwargs)``): the columns
  it adds, in order, with dtypes and values (null -> None).

The compat tests read this file; they do not need project-x-py. Facts only; nothing is copied.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.metadata
import inspect
import json
import math
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from gen_pxpy_signatures import _describe  # noqa: E402

OUT = HERE / "pxpy_indicator_facts.json"
ROOT = "project_x_py.indicators"
N = 300

# Non-default parameter sets, per function name (every function also runs with its defaults).
EXTRA: dict[str, list[dict[str, Any]]] = {
    "SMA": [{"period": 10, "column": "open"}],
    "EMA": [{"period": 5}],
    "BBANDS": [{"period": 10, "std_dev": 1.5}],
    "MA": [{"ma_type": "ema", "period": 10}, {"ma_type": "wma", "period": 10}],
    "MACD": [{"fast_period": 5, "slow_period": 13, "signal_period": 4}],
    "RSI": [{"period": 7}],
    "STOCH": [{"k_period": 5, "d_period": 2}],
    "STDDEV": [{"ddof": 0}, {"period": 10, "ddof": 1}],
    "VWAP": [{"period": 20}],
    "CCI": [{"constant": 0.02}],
    "ATR": [{"period": 5}],
    "FVG": [{"check_mitigation": True}, {"min_gap_size": 0.5, "min_gap_percent": 0.01}],
    "ORDERBLOCK": [
        {"check_mitigation": True},
        {"min_volume_percentile": 70, "use_wicks": False, "lookback_periods": 2},
    ],
    "WAE": [{"sensitivity": 100, "dead_zone_mult": 2.0}],
    "DOJI": [{"min_strength": 30}],
    "HAMMER": [{"min_strength": 20}],
    "SHOOTINGSTAR": [{"min_strength": 20}],
    "LORENZ": [{"window": 10, "dt": 0.5}],
    "PPO": [{"fast_period": 6, "slow_period": 19, "signal_period": 5}],
    "STOCHRSI": [{"rsi_period": 10, "stoch_period": 8, "k_period": 2, "d_period": 4}],
    "MACDEXT": [{"fast_ma_type": "sma", "slow_ma_type": "sma", "signal_ma_type": "sma"}],
    "APO": [{"ma_type": "sma"}],
}


def make_frame() -> pl.DataFrame:
    """Deterministic 5-minute OHLCV bars with a ``timestamp`` column (project-x-py's name)."""
    rng = np.random.default_rng(20250807)
    close = 4500.0 + np.cumsum(rng.normal(0.0, 3.0, N))
    opn = close + rng.normal(0.0, 1.5, N)
    high = np.maximum(opn, close) + np.abs(rng.normal(0.0, 2.0, N))
    low = np.minimum(opn, close) - np.abs(rng.normal(0.0, 2.0, N))
    # a few dojis (open == close) and gaps, so the patterns have something to find
    for i in range(7, N, 23):
        opn[i] = close[i]
    for i in range(11, N, 37):
        close[i] += 12.0
        high[i] += 12.0
        low[i] += 12.0
        opn[i] += 12.0

    def tick(a: np.ndarray) -> list[float]:
        return [float(x) for x in np.round(a / 0.25) * 0.25]

    t0 = dt.datetime(2025, 3, 3, 14, 30, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "timestamp": [t0 + dt.timedelta(minutes=5 * i) for i in range(N)],
            "open": tick(opn),
            "high": tick(high),
            "low": tick(low),
            "close": tick(close),
            "volume": [int(v) for v in rng.integers(50, 2000, N)],
        }
    )


def _kwargs_read(cls: type) -> dict[str, Any] | None:
    """``{name: default}`` of the ``kwargs.get(name, default)`` calls in ``cls.calculate``."""
    fn = vars(cls).get("calculate")
    if fn is None:
        return None
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    found: dict[str, Any] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "kwargs"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            default = ast.literal_eval(node.args[1]) if len(node.args) > 1 else None
            found[node.args[0].value] = default
    return found


def _value(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return x


def _run(call: Any, frame: pl.DataFrame, kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        out = call(frame, **kwargs)
    except Exception as exc:  # recorded: some of project-x-py's calls raise
        return {"error": type(exc).__name__, "message": str(exc)}
    added = [c for c in out.columns if c not in frame.columns]
    return {
        "columns": added,
        "dtypes": [str(out[c].dtype) for c in added],
        "values": {c: [_value(v) for v in out[c].to_list()] for c in added},
        "height": out.height,
    }


def main() -> None:
    api = json.loads((HERE / "pxpy_public_api.json").read_text())["modules"]
    frame = make_frame()
    signatures: dict[str, dict[str, Any]] = {}
    cases: list[dict[str, Any]] = []
    for module in sorted(m for m in api if m == ROOT or m.startswith(ROOT + ".")):
        mod = importlib.import_module(module)
        signatures[module] = {}
        for name in api[module]:
            obj = getattr(mod, name)
            fact = _describe(obj)
            if inspect.isclass(obj) and not issubclass(obj, Exception):
                fact["bases"] = [b.__name__ for b in obj.__mro__[1:-1]]
                kw = _kwargs_read(obj)
                if kw:
                    fact["calculate_kwargs"] = kw
            signatures[module][name] = fact
            is_indicator_fn = inspect.isfunction(obj) and (
                name.isupper() or name.startswith("calculate_") or name == "LORENZ"
            )
            if is_indicator_fn:
                for kwargs in [{}, *EXTRA.get(name, [])]:
                    cases.append(
                        {"module": module, "name": name, "kind": "function", "kwargs": kwargs}
                        | _run(obj, frame, kwargs)
                    )
            elif "calculate_kwargs" in fact:
                cases.append(
                    {"module": module, "name": name, "kind": "class", "kwargs": {}}
                    | _run(lambda f, _o=obj, **k: _o().calculate(f, **k), frame, {})
                )
    doc = {
        "project_x_py_version": importlib.metadata.version("project-x-py"),
        "frame": {
            c: [v.isoformat() if isinstance(v, dt.datetime) else v for v in frame[c].to_list()]
            for c in frame.columns
        },
        "signatures": signatures,
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=None, sort_keys=True) + "\n")
    print(f"wrote {OUT}: {len(cases)} cases, {sum(len(v) for v in signatures.values())} names")


if __name__ == "__main__":
    main()
