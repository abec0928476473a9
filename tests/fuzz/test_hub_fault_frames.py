"""Bad frames over a real socket (the simulator's fault surface) are counted, never fatal.

The same records the in-process fuzzing uses, end to end: the simulator sends each as its own
WebSocket frame; the client's receive loop counts them (malformed, protocol error, malformed user
payload), keeps the same connection (no reconnect) and still delivers the next real user event.
"""

from __future__ import annotations

import asyncio
from typing import Any

from projectx.client import ProjectX
from projectx.enums import OrderSide
from projectx.realtime.client import RealtimeClient, UserEvent
from tests.client.conftest import config_for
from tests.realtime.test_client import eventually

RAW: list[tuple[str, dict[str, int]]] = [
    ('{"type":1,"target":"GatewayUserOrder","arguments":7}\x1e', {"protocol": 1}),
    ('{"type":3,"invocationId":"nope","result":1}\x1e', {}),  # completion for an unknown id
    ('{"type":42}\x1e', {"protocol": 1}),
    ('"just a string"\x1e', {"protocol": 1}),
    ('{"type":true,"target":"GatewayUserOrder","arguments":[{"id":1}]}\x1e', {"protocol": 1}),
    ('{"type":1,"target":"GatewayUserOrder","arguments":[5,[null]]}\x1e', {"user": 2}),
    ("not json at all\x1e", {"malformed": 1}),
    ('{"type":1,"target":"GatewayUserTrade","arguments":[{"action":1,"data":"x"}]}\x1e', {}),
    ('{"type":1,"target":"Unknown","arguments":[{"a":[[[[]]]]}]}\x1e{"type":6}\x1e', {}),
]
KINDS: list[tuple[str, dict[str, int]]] = [
    ("malformed", {"malformed": 1}),
    ("split", {}),
    ("not_object", {"protocol": 1}),
    ("no_type", {"protocol": 1}),
    ("oversized", {}),  # a valid (large) invocation of an unknown target
]


async def test_bad_frames_are_counted_and_the_connection_survives(
    make_sim: Any,
) -> None:
    sim = await make_sim(symbols=["MNQ"], rate=0.0)
    async with ProjectX(config_for(sim)) as px:
        account = await px.select_account()
        rt = RealtimeClient(px.token_factory, sim.user_hub_url, sim.market_hub_url)
        events: list[UserEvent] = []
        rt.on_user_event(events.append)
        async with rt:
            await rt.subscribe_user(account.id)
            stats = rt.user.stats
            base = (stats.malformed_records, stats.protocol_errors, stats.connects)
            want = {"malformed": 0, "protocol": 0, "user": 0}
            for kind, effect in KINDS:
                assert sim.faults.send_frame("user", kind=kind, size=4096) == 1
                for key, n in effect.items():
                    want[key] += n
            # a truncated record, then its terminator: exactly one malformed record
            sim.faults.send_frame("user", kind="truncated")
            sim.faults.send_frame("user", kind="raw", data="\x1e")
            want["malformed"] += 1
            for data, effect in RAW:
                sim.faults.send_frame("user", kind="raw", data=data)
                for key, n in effect.items():
                    want[key] += n

            def counted() -> tuple[int, int, int]:
                return (
                    stats.malformed_records - base[0],
                    stats.protocol_errors - base[1],
                    rt.malformed_user_events,
                )

            expected = (want["malformed"], want["protocol"], want["user"])
            await eventually(lambda: counted() >= expected)
            await asyncio.sleep(0.2)  # nothing more may trickle in
            assert counted() == expected
            assert stats.connects == base[2] and stats.reconnects == 0 and rt.user.connected
            assert UserEvent("GatewayUserTrade", None, {"action": 1, "data": "x"}) in events
            # the receive loop is alive: a real fill still arrives
            order_id = await px.place_market_order("MNQ", OrderSide.BUY, 1)
            await eventually(
                lambda: any(
                    e.target == "GatewayUserOrder" and e.data.get("id") == order_id for e in events
                )
            )
