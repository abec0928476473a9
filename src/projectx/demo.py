"""``projectx demo``: the SDK's core, end to end, against the embedded Gateway simulator.

What it does (a stepping stone until ``TradingSuite`` and the dashboard exist):

1. starts the simulator in-process on 127.0.0.1 (an ephemeral port);
2. logs in with the REST client, resolves each symbol's front-month contract and warms up
   1-minute bars from ``History/retrieveBars``;
3. connects to the market hub (real WebSocket, SignalR JSON protocol) and subscribes to trades,
   quotes and depth; every message goes straight into the native ``MarketFeed`` (frame parser ->
   bar engine for 1sec/1min/5min -> order book);
4. prints, once a second, each contract's last price, top of book, forming 1-minute bar and
   message rate, and a line for every bar that closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TextIO

from projectx._native.feed import MarketFeed
from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.realtime import HubConnection
from projectx.sim import Simulator

TIMEFRAMES = ("1sec", "1min", "5min")


def _fmt_bar(bar: object) -> str:
    if bar is None:
        return "-"
    o, h, low, c, v = (getattr(bar, k) for k in ("open", "high", "low", "close", "volume"))
    return f"O {o:.2f} H {h:.2f} L {low:.2f} C {c:.2f} V {v}"


async def run_demo(
    symbols: Sequence[str], duration: float, out: TextIO, *, rate: float = 50.0, seed: int = 1
) -> dict[str, int]:
    """Run the demo for ``duration`` seconds; returns per-contract trade counts."""
    async with Simulator(symbols=list(symbols), seed=seed, rate=rate) as sim:
        creds = sim.credentials
        config = ProjectXConfig(
            environment="local",
            base_url=sim.base_url,
            username=creds.user_name,
            api_key=Secret(creds.api_key),
        )
        async with ProjectX(config) as px:
            feed = MarketFeed()
            contracts = []
            for symbol in symbols:
                contract = await px.resolve_contract(symbol)
                feed.add_contract(contract.id, float(contract.tick_size or 0.25), TIMEFRAMES)
                history = await px.get_bars(contract, "1min", limit=500)
                print(
                    f"{symbol}: {contract.id} tick {contract.tick_size} — warm-up: "
                    f"{history.height} one-minute bars from REST",
                    file=out,
                    flush=True,
                )
                contracts.append(contract)

            def on_native(_parser: object, _n: int) -> None:
                for cid, _rec, tfs in feed.closes():
                    engine = feed.bars(cid)
                    for tf in tfs:
                        if tf != "1sec" and engine is not None:
                            bar = engine.last_closed(tf)
                            print(f"  NEW_BAR {cid} {tf}: {_fmt_bar(bar)}", file=out, flush=True)

            hub = HubConnection(sim.market_hub_url, px.token_factory, feed, name="market")
            hub.on_native(on_native)
            async with hub:
                for contract in contracts:
                    await hub.subscribe("SubscribeContractTrades", contract.id)
                    await hub.subscribe("SubscribeContractQuotes", contract.id)
                    await hub.subscribe("SubscribeContractMarketDepth", contract.id)
                started = time.monotonic()
                last_messages = 0
                while time.monotonic() - started < duration:
                    await asyncio.sleep(min(1.0, duration))
                    rate_now = hub.stats.messages - last_messages
                    last_messages = hub.stats.messages
                    for contract in contracts:
                        book = feed.book(contract.id)
                        quote = feed.quote(contract.id)
                        engine = feed.bars(contract.id)
                        forming = engine.forming("1min") if engine is not None else None
                        bid = book.best_bid if book is not None else float("nan")
                        ask = book.best_ask if book is not None else float("nan")
                        print(
                            f"[{time.monotonic() - started:5.1f}s] {contract.id} "
                            f"last {quote.get('lastPrice', float('nan')):.2f} "
                            f"bid {bid:.2f} x {book.best_bid_size if book else 0} "
                            f"ask {ask:.2f} x {book.best_ask_size if book else 0} | "
                            f"1min {_fmt_bar(forming)} | {rate_now} msg/s",
                            file=out,
                            flush=True,
                        )
                stats = hub.stats
                print(
                    f"done: {stats.messages} messages, {stats.native_records} market records "
                    f"parsed natively, {stats.fallback_records} other records, "
                    f"{stats.malformed_records} malformed, {feed.trades} trades into bars",
                    file=out,
                    flush=True,
                )
            return {c.id: feed.bars(c.id).trades for c in contracts}  # type: ignore[union-attr]
