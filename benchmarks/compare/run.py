"""One command: the same seeded workloads through projectx, nautilus_trader, plain polars/NumPy
and (optionally) project-x-py, each in its own venv, then a table of ratios ours / theirs.

    python3 benchmarks/compare/run.py            # creates the venvs on first use
    python3 benchmarks/compare/run.py --ours-python .venv/bin/python   # reuse an installed venv

Venvs live in ``benchmarks/compare/.venvs/`` (git-ignored): ``ours`` (this checkout, installed),
``nautilus`` (``nautilus-trader``) and ``pxpy`` (``project-x-py``, needs Python >= 3.12; skipped
when no such interpreter is found). Each side runs as a separate process that prints JSON; the
table is printed and written to ``benchmarks/compare/RESULTS.md`` with the date and machine.
A ratio below 1 means ours is faster. Standard library only, so any Python 3.11+ can run it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENVS = HERE / ".venvs"
NAUTILUS_SPEC = "nautilus-trader==1.221.0"  # the newest release with CPython 3.11 wheels
PXPY_SPEC = "project-x-py==4.4.1"

ROWS: list[tuple[str, str]] = [
    ("bars_1tf_loop", "tick → bars, 1 timeframe, per-tick call"),
    ("bars_1tf_batch", "tick → bars, 1 timeframe, batch"),
    ("bars_3tf_loop", "tick → bars, 3 timeframes, per-tick call"),
    ("bars_3tf_batch", "tick → bars, 3 timeframes, batch"),
    ("bars_6tf_loop", "tick → bars, 6 timeframes, per-tick call"),
    ("bars_6tf_batch", "tick → bars, 6 timeframes, batch"),
    ("book_loop", "depth update → book, per-update call"),
    ("book_batch", "depth update → book, batch"),
    ("events_sync", "event dispatch, 1 sync handler"),
    ("events_async", "event dispatch, 1 async handler"),
    ("ind_SMA(20)", "SMA(20) on 1M bars"),
    ("ind_EMA(20)", "EMA(20) on 1M bars"),
    ("ind_RSI(14)", "RSI(14) on 1M bars"),
    ("ind_MACD(12,26,9)", "MACD(12,26,9) on 1M bars"),
    ("ind_ATR(14)", "ATR(14) on 1M bars"),
    ("ind_BBANDS(20,2)", "BBANDS(20,2) on 1M bars"),
]
THEIRS = [("nautilus", "nautilus_trader"), ("reference", "polars/NumPy"), ("pxpy", "project-x-py")]


def log(message: str) -> None:
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def venv_python(name: str) -> Path:
    return VENVS / name / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(name: str, base_python: str, packages: list[str], probe: str) -> Path:
    """Create ``.venvs/<name>`` with ``packages`` unless it already imports ``probe``."""
    py = venv_python(name)
    if py.exists():
        ok = subprocess.run([str(py), "-c", f"import {probe}"], capture_output=True).returncode
        if ok == 0:
            return py
    log(f"creating .venvs/{name} ({' '.join(packages)}) ...")
    subprocess.run([base_python, "-m", "venv", "--clear", str(VENVS / name)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q", *packages]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"pip failed in .venvs/{name}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return py


def find_python312() -> str | None:
    """A Python >= 3.12 interpreter: $COMPARE_PY312, python3.13/3.12 on PATH, or pyenv's."""
    candidates = [os.environ.get("COMPARE_PY312", "")]
    candidates += [shutil.which(n) or "" for n in ("python3.13", "python3.12")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.1[23]*/bin/python3"), reverse=True)
    for cand in filter(None, candidates):
        check = "import sys; sys.exit(sys.version_info < (3, 12))"
        if subprocess.run([cand, "-c", check], capture_output=True).returncode == 0:
            return cand
    return None


def run_side(
    script: str, python: Path | str, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one worker; its stderr streams through, its stdout is the JSON result."""
    env = {**os.environ, **(extra_env or {})}
    done = subprocess.run(
        [str(python), str(HERE / script)], stdout=subprocess.PIPE, text=True, env=env, cwd=HERE
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def fmt_ns(row: dict[str, Any] | None) -> str:
    if row is None:
        return "—"
    ns = row["ns_per_unit"]
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.1f} ns"


def table(results: dict[str, dict[str, Any]]) -> str:
    ours = results["ours"]
    present = [(key, title) for key, title in THEIRS if key in results]
    head = ["Workload", "ours"]
    for _, title in present:
        head += [title, f"ours / {title}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label in ROWS:
        mine = ours["rows"].get(key)
        unit = f" (per {mine['unit']})" if mine else ""
        cells = [label + unit, fmt_ns(mine)]
        for side, _ in present:
            theirs = results[side]["rows"].get(key)
            cells.append(fmt_ns(theirs))
            if mine and theirs:
                cells.append(f"**{mine['ns_per_unit'] / theirs['ns_per_unit']:.3g}**")
            else:
                cells.append("—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def checks(results: dict[str, dict[str, Any]]) -> list[str]:
    """Same-answer checks: closed-bar counts and final book tops must agree across libraries."""
    out = []
    ours = results["ours"]["checks"]
    for side in ("nautilus",):
        if side not in results:
            continue
        theirs = results[side]["checks"]
        for key in sorted(set(ours) & set(theirs)):
            verdict = "same" if ours[key] == theirs[key] else "DIFFERENT"
            out.append(f"- {key}: ours {ours[key]} vs {side} {theirs[key]} → {verdict}")
    return out


def notes(results: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for side, title in [("ours", "ours"), *THEIRS]:
        if side not in results:
            continue
        seen: dict[str, list[str]] = {}
        for key, row in results[side]["rows"].items():
            if row.get("note"):
                seen.setdefault(row["note"], []).append(key)
        for note, keys in seen.items():
            out.append(f"- {title}, {', '.join(keys)}: {note}")
        skipped: dict[str, list[str]] = {}
        for key, why in results[side].get("skipped", {}).items():
            skipped.setdefault(why, []).append(key)
        for why, keys in skipped.items():
            out.append(f"- {title}, {', '.join(keys)}: skipped — {why}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--ours-python", help="a Python with projectx installed (default: .venvs/ours)"
    )
    parser.add_argument(
        "--reinstall-ours", action="store_true", help="reinstall this checkout into .venvs/ours"
    )
    parser.add_argument("--no-pxpy", action="store_true", help="leave project-x-py out")
    parser.add_argument("--no-nautilus", action="store_true", help="leave nautilus_trader out")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per workload (median)")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()

    VENVS.mkdir(exist_ok=True)
    if args.reinstall_ours and not args.ours_python:
        shutil.rmtree(VENVS / "ours", ignore_errors=True)
    base = sys.executable
    ours_py = (
        Path(args.ours_python)
        if args.ours_python
        else ensure_venv("ours", base, [str(ROOT)], "projectx._native.bars")
    )
    sides: list[tuple[str, str, Path | str]] = [
        ("ours", "bench_ours.py", ours_py),
        ("reference", "bench_reference.py", ours_py),
    ]
    if not args.no_nautilus:
        sides.append(
            (
                "nautilus",
                "bench_nautilus.py",
                ensure_venv("nautilus", base, [NAUTILUS_SPEC], "nautilus_trader"),
            )
        )
    if not args.no_pxpy:
        py312 = find_python312()
        if py312 is None:
            log("no Python >= 3.12 found: project-x-py left out (set COMPARE_PY312)")
        else:
            sides.append(
                ("pxpy", "bench_pxpy.py", ensure_venv("pxpy", py312, [PXPY_SPEC], "project_x_py"))
            )

    env = {
        "COMPARE_REPEATS": str(args.repeats),
        "OPENBLAS_NUM_THREADS": "1",
        "POLARS_MAX_THREADS": "1",
    }
    results: dict[str, dict[str, Any]] = {}
    for key, script, python in sides:
        log(f"running {script} ({python})")
        results[key] = run_side(script, python, env)

    versions = ", ".join(
        f"{title} {results[k]['meta'].get('version', '?')} (Python {results[k]['meta']['python']})"
        for k, title in [("ours", "projectx"), *THEIRS]
        if k in results
    )
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "# Side-by-side comparison",
        "",
        f"Measured {when} on {machine()}, in one run of `python3 benchmarks/compare/run.py`",
        f"(median of {args.repeats} timed rounds per workload after a warm-up; polars and OpenBLAS",
        "single-threaded, as ours is).",
        f"Versions: {versions}.",
        "",
        "Time per unit (tick, update, event or bar) and the ratio **ours / theirs**: below 1 means",
        "ours is faster. Workloads are seeded (`benchmarks/compare/workloads.py`): 200k trades",
        "over ~5.5 h, 200k level-2 updates, 100k events, 1M one-minute bars. Inputs are built",
        "before timing (nautilus gets ready `TradeTick`/`OrderBookDelta` objects).",
        "",
        table(results),
        "",
        "Same answers (closed bars per timeframe, final top of book):",
        "",
        *(checks(results) or ["- (nautilus_trader not run)"]),
        "",
        "Notes:",
        "",
        *notes(results),
        "",
    ]
    text = "\n".join(body)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)
    log(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
