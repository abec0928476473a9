"""Fixtures of the sweep tests: two short recordings made with the simulator and the recorder,
and one embedded Ray (2 CPUs, 127.0.0.1) per test module that needs it (started once: Ray
takes seconds to start)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from projectx.strategy import Strategy
from projectx.sweep import RayCluster, ray_available
from tests.replay.harness import live_run

HERE = Path(__file__).parent
STRATEGY = HERE / "swept_strategy.py"

needs_ray = pytest.mark.skipif(
    not ray_available(), reason="Ray is not installed (pip install 'projectx-native[sweep]')"
)


async def _idle(suite: Any) -> None:
    """A strategy that only listens: the recording is the market alone."""


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two 30 s recordings of the seeded simulator (different seeds: different markets)."""
    root = tmp_path_factory.mktemp("recordings")
    paths = [root / f"seed{seed}" for seed in (11, 12)]

    async def record() -> None:
        for seed, path in zip((11, 12), paths, strict=True):
            idle = Strategy.from_functions(_idle, timeframes=["1sec"], name="idle")
            await live_run(idle, path, seconds=30.0, seed=seed)

    asyncio.run(record())
    return paths


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[RayCluster]:
    """An embedded Ray with 2 CPUs on 127.0.0.1, shared by the tests that need one."""
    if not ray_available():
        pytest.skip("Ray is not installed (pip install 'projectx-native[sweep]')")
    from projectx.sweep.cluster import local_ray

    with local_ray(2) as cluster:
        yield cluster


def _bars(seed: int, n: int = 150) -> Any:
    """``n`` 1sec bars of MNQ as ``projectx bars --out`` writes them (a seeded random walk)."""
    import numpy as np
    import polars as pl

    from tests.replay.harness import START_NS

    rng = np.random.default_rng(seed)
    close = 21_000.0 + 0.25 * np.cumsum(rng.integers(-6, 7, n))
    open_ = np.concatenate([[21_000.0], close[:-1]])
    high = np.maximum(open_, close) + 0.25 * rng.integers(0, 4, n)
    low = np.minimum(open_, close) - 0.25 * rng.integers(0, 4, n)
    ts = START_NS + np.arange(n, dtype=np.int64) * 1_000_000_000
    return pl.DataFrame(
        {
            "contract_id": ["CON.F.US.MNQ.Z26"] * n,
            "timeframe": ["1sec"] * n,
            "ts_ns": ts,
            "timestamp": pl.Series(ts).cast(pl.Datetime("ns", "UTC")),
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": rng.integers(1, 40, n),
        }
    )


@pytest.fixture(scope="session")
def bars_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two bars files in the format of ``projectx bars --out``: one Parquet, one CSV."""
    root = tmp_path_factory.mktemp("bars")
    parquet, csv = root / "mnq-1sec-a.parquet", root / "mnq-1sec-b.csv"
    _bars(21).write_parquet(parquet)
    _bars(22).write_csv(csv)
    return [parquet, csv]
