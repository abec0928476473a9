"""Drive the unmodified project-x-py client against a Gateway URL; one JSON line per step.

Run by the project-x-py venv's python (not ours): ``python pxpy_client_script.py API_URL
USER_HUB_URL MARKET_HUB_URL USER_NAME API_KEY [SYMBOL]``. Only project-x-py's public API is
used. Every step catches its own exception (reported as type + message) so all steps run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any


def emit(step: str, ok: bool, detail: dict[str, Any]) -> None:
    print(json.dumps({"step": step, "ok": ok, "detail": detail}, default=str), flush=True)


def as_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj


async def run_step(step: str, body: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    try:
        detail = await body()
    except BaseException as exc:  # every step reports, whatever it raised
        if isinstance(exc, KeyboardInterrupt):
            raise
        emit(step, False, {"error_type": type(exc).__name__, "error": str(exc)[:2000]})
        return {}
    emit(step, True, detail)
    return detail


async def main(argv: list[str]) -> None:
    from project_x_py import EventType, ProjectX, ProjectXConfig, TradingSuite
    from project_x_py.realtime import ProjectXRealtimeClient
    from project_x_py.trading_suite import TradingSuiteConfig

    api_url, user_hub, market_hub, user_name, api_key = argv[:5]
    symbol = argv[5] if len(argv) > 5 else "MNQ"
    config = ProjectXConfig(api_url=api_url, user_hub_url=user_hub, market_hub_url=market_hub)
    state: dict[str, Any] = {}
    client = ProjectX(username=user_name, api_key=api_key, config=config)

    async def login() -> dict[str, Any]:
        await client.__aenter__()
        await client.authenticate()
        info = client.get_account_info()
        state["account_id"] = info.id
        return {"account": as_dict(info), "token_len": len(client.get_session_token())}

    async def accounts() -> dict[str, Any]:
        return {"accounts": [as_dict(a) for a in await client.list_accounts()]}

    async def instrument() -> dict[str, Any]:
        inst = await client.get_instrument(symbol)
        state["contract_id"] = inst.id
        return {"instrument": as_dict(inst)}

    async def bars() -> dict[str, Any]:
        df = await client.get_bars(symbol, days=1, interval=1, unit=2)
        rows = df.to_dicts()
        return {
            "count": df.height,
            "columns": df.columns,
            "first": rows[0] if rows else None,
            "last": rows[-1] if rows else None,
        }

    # the managers of TradingSuite built on our configured client (TradingSuite.create always
    # builds ProjectX() on the default TopstepX config, so it cannot reach a custom URL)
    realtime: ProjectXRealtimeClient | None = None
    suite: TradingSuite | None = None

    async def suite_connect() -> dict[str, Any]:
        nonlocal realtime, suite
        realtime = ProjectXRealtimeClient(
            jwt_token=client.get_session_token(),
            account_id=str(state["account_id"]),
            config=config,
        )
        ticks: list[dict[str, Any]] = []
        enough = asyncio.Event()
        state["ticks"] = ticks
        state["enough"] = enough

        async def on_trade(data: dict[str, Any]) -> None:
            ticks.append(data)
            if len(ticks) >= 3:
                enough.set()

        await realtime.add_callback("market_trade", on_trade)
        cfg = TradingSuiteConfig(symbol, timeframes=["1min"], initial_days=1)
        suite = TradingSuite(client, realtime, cfg)
        await asyncio.wait_for(suite.connect(), 60)
        return {
            "user_connected": realtime.user_connected,
            "market_connected": realtime.market_connected,
            "is_connected": realtime.is_connected(),
            "instrument_id": suite.instrument.id if suite.instrument else None,
        }

    async def market_order() -> dict[str, Any]:
        assert suite is not None, "no TradingSuite"
        resp = await suite.orders.place_market_order(
            contract_id=state["contract_id"], side=0, size=1, account_id=state["account_id"]
        )
        state["order_id"] = resp.orderId
        await asyncio.sleep(1.0)
        return {"response": as_dict(resp)}

    async def positions() -> dict[str, Any]:
        rest = await client.search_open_positions(account_id=state["account_id"])
        assert suite is not None, "no TradingSuite"
        tracked = await suite.positions.get_all_positions(account_id=state["account_id"])
        return {"rest": [as_dict(p) for p in rest], "tracked": [as_dict(p) for p in tracked]}

    async def close_position() -> dict[str, Any]:
        assert suite is not None, "no TradingSuite"
        resp = await suite.orders.close_position(
            state["contract_id"], method="market", account_id=state["account_id"]
        )
        await asyncio.sleep(1.0)
        after = await client.search_open_positions(account_id=state["account_id"])
        return {"response": as_dict(resp), "after": [as_dict(p) for p in after]}

    async def live_ticks() -> dict[str, Any]:
        ticks: list[dict[str, Any]] = state.get("ticks", [])
        enough: asyncio.Event | None = state.get("enough")
        if enough is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), 10.0)
        prices: list[float] = []
        for t in ticks:
            data = t.get("data", t) if isinstance(t, dict) else t
            items = data if isinstance(data, list) else [data]
            for item in items:
                if isinstance(item, dict) and "price" in item:
                    prices.append(float(item["price"]))
        current = None
        if suite is not None:
            current = await suite.data.get_current_price()
        return {
            "count": len(ticks),
            "prices": prices[:200],
            "sample": ticks[0] if ticks else None,
            "current_price": current,
        }

    async def disconnect() -> dict[str, Any]:
        if suite is not None:
            await suite.disconnect()
        elif realtime is not None:
            await realtime.disconnect()
        await client.__aexit__(None, None, None)
        return {}

    del EventType
    await run_step("login", login)
    await run_step("accounts", accounts)
    await run_step("instrument", instrument)
    await run_step("bars", bars)
    await run_step("suite_connect", suite_connect)
    await run_step("market_order", market_order)
    await run_step("positions", positions)
    await run_step("close_position", close_position)
    await run_step("live_ticks", live_ticks)
    await run_step("disconnect", disconnect)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
