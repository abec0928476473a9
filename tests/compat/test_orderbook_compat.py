"""projectx.compat.orderbook against the simulator: the book's numbers equal the core book's
and independent computations from the levels it shows, typed errors on bad input."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from projectx.compat.exceptions import ProjectXDataError
from projectx.orderbook import depth_stats
from tests.compat.data_env import DataEnv, eventually, make_data_env


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[DataEnv]:
    async for e in make_data_env(tmp_path):
        yield e


# No await below suspends between reads of one test step: the loop cannot apply a depth
# message in between, so each step sees one state of the book.


async def test_touch_levels_and_snapshot_equal_the_core_book(env: DataEnv) -> None:
    core = env.ctx.orderbook
    assert core is not None
    touch = await env.book.get_best_bid_ask()
    assert (touch["bid"], touch["ask"]) == (core.best_bid, core.best_ask)
    assert touch["spread"] == pytest.approx(core.best_ask - core.best_bid)
    assert touch["mid_price"] == pytest.approx((core.best_ask + core.best_bid) / 2)
    assert touch["timestamp"].tzinfo is not None
    assert await env.book.get_bid_ask_spread() == touch["spread"]
    bids = await env.book.get_orderbook_bids(levels=5)
    asks = await env.book.get_orderbook_asks(levels=5)
    assert bids.columns == ["price", "volume", "timestamp"]
    assert bids["price"].to_list() == sorted(bids["price"].to_list(), reverse=True)
    assert asks["price"].to_list() == sorted(asks["price"].to_list())
    assert bids["price"][0] == core.best_bid and asks["price"][0] == core.best_ask
    assert bids.to_dicts()[0]["volume"] == core.best_bid_size
    snap = await env.book.get_orderbook_snapshot(levels=5)
    assert [b["price"] for b in snap["bids"]] == bids["price"].to_list()
    assert [a["volume"] for a in snap["asks"]] == asks["volume"].to_list()
    bv, av = sum(bids["volume"].to_list()), sum(asks["volume"].to_list())
    assert (snap["total_bid_volume"], snap["total_ask_volume"]) == (bv, av)
    assert snap["imbalance"] == pytest.approx((bv - av) / (bv + av))
    assert snap["instrument"] == "MNQ" and snap["bid_count"] == bids.height
    imb = await env.book.get_market_imbalance(levels=5)
    assert imb["imbalance_ratio"] == pytest.approx((bv - av) / (bv + av))
    assert (imb["bid_volume"], imb["ask_volume"]) == (bv, av)
    assert imb["depth_imbalance"] == imb["imbalance_ratio"]
    with pytest.raises(ProjectXDataError):
        await env.book.get_orderbook_bids(levels=0)
    with pytest.raises(ProjectXDataError):
        await env.book.get_orderbook_depth(price_range=-1)


async def test_depth_liquidity_and_clusters_from_the_levels(env: DataEnv) -> None:
    core = env.ctx.orderbook
    assert core is not None
    tick = core.tick_size
    bids = (await env.book.get_orderbook_bids(levels=50)).to_dicts()
    asks = (await env.book.get_orderbook_asks(levels=50)).to_dicts()
    clusters = await env.book.detect_order_clusters(min_cluster_size=3, price_tolerance=tick)

    def runs(levels: list[dict[str, float]]) -> list[list[float]]:
        out: list[list[float]] = []
        run: list[float] = []
        for lvl in levels:
            if run and abs(lvl["price"] - run[-1]) > tick + 1e-9:
                out.append(run)
                run = []
            run.append(lvl["price"])
        out.append(run)
        return [r for r in out if len(r) >= 3]

    expected = runs(bids) + runs(asks)
    assert [c["prices"] for c in clusters] == expected
    for c in clusters:
        side = bids if c["side"] == "bid" else asks
        sizes = {lvl["price"]: lvl["volume"] for lvl in side}
        assert c["total_volume"] == sum(sizes[p] for p in c["prices"])
        assert c["center_price"] == pytest.approx(
            sum(p * sizes[p] for p in c["prices"]) / c["total_volume"]
        )
    liq = await env.book.get_liquidity_levels(min_volume=10, levels=20)
    want_bids = [lvl for lvl in bids[:20] if lvl["volume"] >= 10]
    assert [lvl["price"] for lvl in liq["significant_bid_levels"]] == [
        lvl["price"] for lvl in want_bids
    ]
    assert liq["total_bid_liquidity"] == sum(lvl["volume"] for lvl in want_bids)
    depth = await env.book.get_orderbook_depth(price_range=1.0)
    core_depth = core.get_orderbook_depth(1.0)
    assert depth["bid_volume"] == core_depth["bid_volume"]
    assert depth["estimated_fill_price"] == core.best_ask
    assert depth["spread_cost"] == pytest.approx((core.best_ask - core.best_bid) / 2)
    metrics = await env.book.get_advanced_market_metrics()
    top_b, top_a = bids[0], asks[0]
    weighted = (top_b["price"] * top_a["volume"] + top_a["price"] * top_b["volume"]) / (
        top_b["volume"] + top_a["volume"]
    )
    assert metrics["weighted_mid_price"] == pytest.approx(weighted)
    assert metrics["total_bid_size"] == sum(lvl["volume"] for lvl in bids[:10])


async def test_trades_flow_and_delta_equal_the_core(env: DataEnv) -> None:
    core = env.ctx.orderbook
    assert core is not None
    await eventually(lambda: len(depth_stats.recent_trades(core, 50)) >= 20)
    trades = await env.book.get_recent_trades(count=10)
    raw = depth_stats.recent_trades(core, 10)
    assert len(trades) == 10
    assert [t["price"] for t in trades] == [r["price"] for r in raw]
    assert [t["side"] for t in trades] == [r["side"] for r in raw]
    stamps = [t["timestamp"] for t in trades]
    assert stamps == sorted(stamps) and stamps[0].tzinfo is not None
    delta = await env.book.get_cumulative_delta(time_window_minutes=60)
    flow = core.get_trade_flow_summary()
    assert delta["cumulative_delta"] == delta["buy_volume"] - delta["sell_volume"]
    assert (
        delta["buy_volume"] + delta["sell_volume"] + delta["neutral_volume"] == flow["total_volume"]
    )
    summary = await env.book.get_trade_flow_summary()
    assert summary["aggressive_buy_volume"] == summary["buy_volume"]
    assert summary["vwap"] == pytest.approx(flow["vwap"])
    profile = await env.book.get_volume_profile(time_window_minutes=60, price_bins=10)
    assert sum(profile["volumes"]) == profile["total_volume"] == flow["total_volume"]
    assert len(profile["price_bins"]) <= 10
    assert profile["value_area_low"] <= profile["poc"] <= profile["value_area_high"]
    with pytest.raises(ProjectXDataError):
        await env.book.get_recent_trades(count=0)
    with pytest.raises(ProjectXDataError):
        await env.book.get_cumulative_delta(time_window_minutes=0)


async def test_spread_analysis_samples_every_depth_change(env: DataEnv) -> None:
    tracker = env.book.spread_tracker
    assert tracker is not None
    await eventually(lambda: len(tracker) >= 3)
    analysis = await env.book.get_spread_analysis(window_minutes=30)
    tick = env.ctx.orderbook.tick_size  # type: ignore[union-attr]
    assert analysis["samples"] >= 3
    assert tick - 1e-9 <= analysis["min_spread"] <= analysis["avg_spread"] <= analysis["max_spread"]
    assert not math.isnan(analysis["time_weighted_spread"])
    stats = await env.book.get_statistics()
    assert stats["spread_stats"]["samples"] >= analysis["samples"] - 1
    memory = await env.book.get_memory_stats()
    assert memory["bids_count"] == env.ctx.orderbook.native.bid_levels  # type: ignore[union-attr]
    await env.book.cleanup()
    before = tracker.seen
    await eventually(lambda: env.ctx.orderbook.native.stats["updates"] > 0)  # type: ignore[union-attr]
    await asyncio.sleep(0.3)
    assert tracker.seen == before  # no longer sampled after cleanup
