"""Sweeps on a real embedded Ray (2 CPUs, 127.0.0.1): every result equals the serial replay,
each run exactly once, also when a worker is killed in the middle of a task."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from projectx.cli import main
from projectx.cli_data import _bars_source
from projectx.exceptions import ValidationError
from projectx.replay import ReplayResult, prepare, replay
from projectx.strategy import load_strategy
from projectx.sweep import RayCluster, SweepError, SweepResult, run_sweep
from projectx.sweep.metrics import metrics

from .browser import browser_or_skip, elements, rendered_dom
from .conftest import STRATEGY, needs_ray

pytestmark = needs_ray

GRID: dict[str, list[Any]] = {"fast": [3, 5], "slow": [8, 13]}
TAGS = ["param_set", "input_index"]


def _serial(path: Path, params: dict[str, Any]) -> ReplayResult:
    """The reference: ``projectx replay``'s own code, in this process, one run."""
    strategy = load_strategy(STRATEGY)
    assert strategy.module is not None
    strategy.module.PARAMS = {**strategy.module.PARAMS, **params}
    bars = _bars_source(path)  # a bars file: exactly what `projectx replay FILE` replays
    return asyncio.run(replay(path if bars is None else prepare(bars), strategy, chart=False))


def _run_frame(df: pl.DataFrame, key: tuple[int, int], params: dict[str, Any]) -> pl.DataFrame:
    one = df.filter((pl.col("param_set") == key[0]) & (pl.col("input_index") == key[1]))
    return one.drop(*TAGS, *params)


def _assert_equals_serial(result: SweepResult, recordings: list[Path]) -> None:
    """Every row (and its fills and round trips) equals the serial replay; one row per run."""
    table = result.table
    keys = list(zip(table["param_set"].to_list(), table["input_index"].to_list(), strict=True))
    assert len(keys) == len(set(keys)) == len(result.params) * len(recordings)
    assert table["error"].null_count() == table.height
    for row in table.iter_rows(named=True):
        key = (row["param_set"], row["input_index"])
        params = result.params[key[0]]
        assert {n: row[n] for n in params} == params
        assert row["input"] == str(recordings[key[1]])
        serial = _serial(recordings[key[1]], params)
        assert {m: row[m] for m in metrics(serial)} == metrics(serial), (key, params)
        assert_frame_equal(_run_frame(result.fills, key, params), serial.fills)
        assert_frame_equal(_run_frame(result.trades, key, params), serial.trades)


def test_the_embedded_ray_listens_on_loopback_only(ray_cluster: RayCluster) -> None:
    import ray

    assert ray_cluster.embedded and ray_cluster.cpus == 2
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    sockets = _listening_sockets_of_descendants()
    assert sockets, "the Ray processes should be listening somewhere"
    assert all(addr.startswith(("127.", "::ffff:127.", "::1")) for addr, _ in sockets), sockets


def test_every_run_of_a_grid_equals_the_serial_replay(
    ray_cluster: RayCluster, recordings: list[Path], tmp_path: Path
) -> None:
    result = run_sweep(STRATEGY, GRID, recordings, out_dir=tmp_path)
    assert result.table.height == 8
    assert result.table["trades"].min() > 0, "the scenario should trade in every run"
    assert result.table["net_pnl"].n_unique() > 1, "different parameters, different results"
    assert len(set(result.table["worker"].to_list())) == 2, "both workers ran replays"
    _assert_equals_serial(result, recordings)
    assert_frame_equal(pl.read_parquet(tmp_path / "results.parquet"), result.table)


def test_inputs_go_to_the_object_store_once_not_per_task(
    ray_cluster: RayCluster, recordings: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    put = ray.put
    kinds: list[str] = []

    def counting_put(value: Any, **kwargs: Any) -> Any:
        kinds.append(type(value).__name__)
        return put(value, **kwargs)

    monkeypatch.setattr(ray, "put", counting_put)
    result = run_sweep(STRATEGY, GRID, recordings)
    assert result.table.height == 8
    assert sorted(kinds) == ["ReplayData", "ReplayData", "StrategySource"]


def test_bars_files_beside_a_recording_equal_the_serial_replay_and_are_stored_once(
    ray_cluster: RayCluster,
    recordings: list[Path],
    bars_files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ray

    put = ray.put
    kinds: list[str] = []

    def counting_put(value: Any, **kwargs: Any) -> Any:
        kinds.append(type(value).__name__)
        return put(value, **kwargs)

    monkeypatch.setattr(ray, "put", counting_put)
    inputs = [*bars_files, recordings[0]]
    result = run_sweep(STRATEGY, GRID, inputs)
    assert sorted(kinds) == ["ReplayData"] * 3 + ["StrategySource"]
    assert result.table.height == 12
    bars_rows = result.table.filter(pl.col("input_index") < 2)
    assert bars_rows["trades"].min() > 0, "the bars should trade in every run"
    assert bars_rows["records"].to_list() == [600] * 8, "four synthetic trades per bar"
    _assert_equals_serial(result, inputs)


def test_a_bad_bars_file_is_bad_input(tmp_path: Path, bars_files: list[Path]) -> None:
    df = pl.read_parquet(bars_files[0])
    daily = tmp_path / "daily.parquet"
    df.with_columns(pl.lit("1day").alias("timeframe")).write_parquet(daily)
    nameless = tmp_path / "nameless.csv"
    df.drop("contract_id").write_csv(nameless)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    for path, message in (
        (daily, "day/week/month bars"),
        (nameless, "needs a 'contract_id' column"),
        (broken, "cannot read"),
    ):
        with pytest.raises(ValidationError, match=message):
            run_sweep(STRATEGY, GRID, [path])


def test_a_strategy_error_is_reported_per_run_and_not_retried(
    ray_cluster: RayCluster, recordings: list[Path]
) -> None:
    started = time.monotonic()
    result = run_sweep(STRATEGY, {"fast": [3, 8], "slow": [8]}, recordings[:1])
    failed = result.errors
    assert failed["fast"].to_list() == [8]
    assert failed["error"].to_list() == ["ValueError: fast (8) must be below slow (8)"]
    assert failed["net_pnl"].to_list() == [None]
    ok = result.table.filter(pl.col("error").is_null())
    assert ok["fast"].to_list() == [3] and ok["trades"].to_list()[0] > 0
    assert time.monotonic() - started < 30


_FLAKY = """
from pathlib import Path

PARAMS = {"marker": ""}


async def setup(suite):
    marker = Path(PARAMS["marker"])
    if not marker.exists():
        marker.write_text("failed once")
        raise OSError("injected: the machine, not the strategy")
"""


def test_an_infrastructure_error_is_retried_and_without_retries_fails_the_sweep(
    ray_cluster: RayCluster, recordings: list[Path], tmp_path: Path
) -> None:
    flaky = tmp_path / "flaky.py"
    flaky.write_text(_FLAKY)
    grid = {"marker": [str(tmp_path / "retried")]}
    result = run_sweep(flaky, grid, recordings[:1], max_retries=1)
    assert result.table["error"].to_list() == [None]
    assert (tmp_path / "retried").exists()
    with pytest.raises(SweepError, match=r"(?s)failed after 0 retries: .*OSError: injected"):
        run_sweep(flaky, {"marker": [str(tmp_path / "not-retried")]}, recordings[:1], max_retries=0)


def _kill_a_worker_mid_task(sweep: threading.Thread) -> int:
    """SIGKILL the first Ray worker of this process found running a replay task (the deadline
    covers Ray's start on a loaded machine, e.g. beside other pytest workers)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sweep.is_alive():
        for pid in _descendants():
            if _cmdline(pid).startswith("ray::run_task"):
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.002)
    raise AssertionError("no worker was seen running a replay")


def _sweep_with_a_kill(
    recordings: list[Path], max_retries: int
) -> tuple[int, SweepResult | BaseException]:
    grid = {"fast": [3, 5], "slow": [8, 13], "pause_s": [0.3]}
    box: list[SweepResult | BaseException] = []

    def target() -> None:
        try:
            box.append(run_sweep(STRATEGY, grid, recordings, max_retries=max_retries))
        except BaseException as exc:
            box.append(exc)

    sweep = threading.Thread(target=target)
    sweep.start()
    killed = _kill_a_worker_mid_task(sweep)
    sweep.join(60)
    assert not sweep.is_alive() and len(box) == 1
    return killed, box[0]


def test_a_worker_killed_mid_sweep_is_retried_and_no_result_is_lost_or_doubled(
    ray_cluster: RayCluster, recordings: list[Path]
) -> None:
    killed, result = _sweep_with_a_kill(recordings, max_retries=3)
    assert isinstance(result, SweepResult), result
    assert not _alive(killed)
    assert f"{killed}@" not in " ".join(result.table["worker"].to_list())
    _assert_equals_serial(result, recordings)


def test_without_retries_the_killed_task_fails_the_sweep(
    ray_cluster: RayCluster, recordings: list[Path]
) -> None:
    _, result = _sweep_with_a_kill(recordings, max_retries=0)
    assert isinstance(result, SweepError), result
    assert "failed after 0 retries" in str(result)
    assert "WorkerCrashedError" in str(result) or "died" in str(result)


def test_the_command_line_writes_the_table_and_prints_the_best_runs(
    ray_cluster: RayCluster,
    recordings: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["sweep", "--strategy", str(STRATEGY), "--param", "fast=3,5", "--param", "slow=13"]
    code = main([*argv, "--out", str(tmp_path), "--no-progress", *map(str, recordings)])
    out = capsys.readouterr().out
    assert code == 0, out
    table = pl.read_parquet(tmp_path / "results.parquet")
    assert table.height == 4 and set(table["fast"]) == {3, 5}
    assert "2 parameter set(s) x 2 input(s) = 4 runs on 2 CPU(s)" in out
    assert "wrote results" in out
    assert {"trades", "fills", "sweep"} <= {p.stem for p in tmp_path.iterdir()}


def test_the_html_report_renders_the_heatmap_and_the_best_curves_in_a_browser(
    ray_cluster: RayCluster,
    recordings: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser = browser_or_skip()
    page = tmp_path / "report.html"
    argv = ["sweep", "--strategy", str(STRATEGY), "--param", "fast=3,5", "--param", "slow=8,13,21"]
    argv += ["--out", str(tmp_path), "--no-progress", "--report", str(page), "--report-top", "3"]
    assert main([*argv, str(recordings[0])]) == 0, capsys.readouterr().err
    text = page.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "<script src" not in text, "self-contained"
    table = pl.read_parquet(tmp_path / "results.parquet")
    trades = pl.read_parquet(tmp_path / "trades.parquet")
    dom = elements(rendered_dom(browser, page))
    cells = [e for e in dom if e.tag == "rect" and "cell" in e.classes]
    curves = [e for e in dom if e.tag == "path" and "curve" in e.classes]
    assert len(cells) == 6 and len(curves) == 3
    for cell in cells:  # one input: each cell is that run's net P&L
        row = table.filter(
            (pl.col("fast") == int(cell.attrs["data-x"]))
            & (pl.col("slow") == int(cell.attrs["data-y"]))
        ).row(0, named=True)
        assert float(cell.attrs["data-value"]) == pytest.approx(row["net_pnl"], abs=1e-9)
        assert cell.title == f"fast={row['fast']} slow={row['slow']}: {row['net_pnl']:.2f}"
    best = table.sort("net_pnl", descending=True).head(3)
    assert [int(c.attrs["data-param-set"]) for c in curves] == best["param_set"].to_list()
    for curve in curves:
        mine = trades.filter(pl.col("param_set") == int(curve.attrs["data-param-set"]))
        assert float(curve.attrs["data-final"]) == pytest.approx(mine["pnl"].sum(), abs=1e-6)
        assert curve.attrs["d"].count("L") == mine.height
    legend = [e.text for e in dom if "legend" in e.classes]
    top = best.row(0, named=True)
    assert legend[0] == f"1. fast={top['fast']} slow={top['slow']}: {top['net_pnl']:.2f}"


def _replayed_study(result: SweepResult, seed: int) -> list[dict[str, Any]]:
    """The parameter sets a fresh Optuna study with ``seed`` proposes when told the table's
    own objective values (net P&L summed over the inputs) trial after trial."""
    import optuna

    from projectx.sweep.search import search_space

    space = search_space(SPACE)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    proposed: list[dict[str, Any]] = []
    for trial_no in range(len(result.params)):
        trial = study.ask(space)
        proposed.append(dict(trial.params))
        rows = result.table.filter(pl.col("param_set") == trial_no)
        study.tell(trial, float(rows["net_pnl"].sum()))
    return proposed


SPACE: dict[str, list[Any]] = {"fast": [2, 3, 5], "slow": [8, 13, 21]}


def test_an_optuna_search_is_seeded_and_every_trial_equals_the_serial_replay(
    ray_cluster: RayCluster, recordings: list[Path]
) -> None:
    pytest.importorskip("optuna")
    from projectx.sweep.search import run_search

    result = run_search(STRATEGY, SPACE, recordings, trials=5, seed=7)
    assert result.table.height == 10 and len(result.params) == 5
    assert result.table["param_set"].unique().sort().to_list() == [0, 1, 2, 3, 4]
    for params in result.params:
        assert params["fast"] in SPACE["fast"] and params["slow"] in SPACE["slow"]
    assert len({tuple(p.values()) for p in result.params}) > 1, "the study should explore"
    # deterministic: the same seed told the same values proposes the very same sets
    assert _replayed_study(result, seed=7) == result.params
    assert _replayed_study(result, seed=8) != result.params, "the seed should matter"
    _assert_equals_serial(result, recordings)


def test_an_optuna_search_from_the_command_line_writes_the_table_and_the_report(
    ray_cluster: RayCluster,
    recordings: list[Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("optuna")
    from projectx.sweep.report import report_data

    argv = ["sweep", "--strategy", str(STRATEGY), "--param", "fast=2,3,5"]
    argv += ["--param", "slow=8,13,21", "--search", "optuna", "--trials", "3", "--seed", "1"]
    argv += ["--out", str(tmp_path), "--no-progress", "--report", str(tmp_path / "r.html")]
    code = main([*argv, str(recordings[0])])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 trial(s) x 1 input(s) = 3 runs" in out
    table = pl.read_parquet(tmp_path / "results.parquet")
    assert table["param_set"].to_list() == [0, 1, 2]
    assert (tmp_path / "r.html").is_file()
    meta = json.loads((tmp_path / "sweep.json").read_text())["search"]
    assert (meta["kind"], meta["trials"], meta["seed"]) == ("optuna", 3, 1)
    assert table["net_pnl"][meta["best_trial"]] == table["net_pnl"].max()
    result = SweepResult(
        table,
        pl.read_parquet(tmp_path / "trades.parquet"),
        pl.DataFrame(),
        [{"fast": r["fast"], "slow": r["slow"]} for r in table.iter_rows(named=True)],
        [str(recordings[0])],
        "swept_strategy",
        0.0,
        0.0,
        2,
        "",
    )
    cells = report_data(result)["cells"]
    tried = {(r["fast"], r["slow"]) for r in table.iter_rows(named=True)}
    assert len(cells) == len({f for f, _ in tried}) * len({s for _, s in tried})
    assert sum(c["run"] for c in cells) == len(tried), "pairs no trial ran are 'not run'"


def test_bad_search_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sweep", "--strategy", str(STRATEGY), "--param", "fast=3,5", str(STRATEGY.parent)]
    for extra, message in (
        (["--search", "optuna"], "needs --trials"),
        (["--trials", "3"], "--trials needs --search optuna"),
        (["--report", "r.html", "--report-x", "nope"], "--report-x nope: not a --param"),
        (["--report", "r.html", "--report-metric", "pnl"], "--report-metric pnl: one of"),
    ):
        assert main([*argv, *extra]) == 2
        assert message in capsys.readouterr().err


# -- processes and sockets of this test process's Ray (from /proc) -------------------------------


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants() -> list[int]:
    parents = _parents()
    mine = {os.getpid()}
    grew = True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in mine} - mine
        mine |= more
        grew = bool(more)
    mine.discard(os.getpid())
    return sorted(mine)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listening_sockets_of_descendants() -> list[tuple[str, int]]:
    """(address, pid) of every listening TCP socket of this process's children."""
    inodes: dict[str, int] = {}
    for pid in _descendants():
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes[link[8:-1]] = pid
        except OSError:
            continue
    found: list[tuple[str, int]] = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # LISTEN
                found.append((_address(cols[1].split(":")[0], v6), inodes[cols[9]]))
    return found


def _address(hex_ip: str, v6: bool) -> str:
    import ipaddress

    raw = bytes.fromhex(hex_ip)
    if not v6:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    ip = ipaddress.IPv6Address(words)
    return f"::ffff:{ip.ipv4_mapped}" if ip.ipv4_mapped else str(ip)
