"""EventBus dispatch cost (targets: <= 0.3 µs per sync handler, <= 3 µs per async handler)."""

from __future__ import annotations

import asyncio

from projectx.events import Event, EventBus, EventType

BATCH = 1000


def test_emit_to_one_sync_handler(benchmark) -> None:
    """One emit of NEW_BAR to one sync handler (Event built, handler called inline)."""
    bus = EventBus()
    seen = [0]

    def handler(event: Event) -> None:
        seen[0] += 1

    bus.on(EventType.NEW_BAR, handler)
    payload = {"timeframe": "1min"}
    benchmark(bus.emit, EventType.NEW_BAR, payload, "MNQ")
    assert seen[0] > 0


def test_emit_with_no_listener(benchmark) -> None:
    """The cost a producer pays for an event type nobody listens to (``wants`` check)."""
    bus = EventBus()
    benchmark(bus.wants, EventType.TRADE_TICK)


def test_emit_to_ten_sync_handlers(benchmark) -> None:
    """One emit to ten sync handlers (divide by 10 for the per-handler cost)."""
    bus = EventBus()
    count = [0]
    for _ in range(10):
        bus.on(EventType.NEW_BAR, lambda e: count.__setitem__(0, count[0] + 1))
    benchmark(bus.emit, EventType.NEW_BAR, None, "MNQ")
    assert count[0] >= 10


def test_emit_to_one_async_handler_and_run_it(benchmark) -> None:
    """1000 emits to one async handler and the handler awaited for each (per-event cost x1000:
    queue push, worker wake-up, coroutine call)."""
    loop = asyncio.new_event_loop()
    bus = EventBus(async_queue_size=10 * BATCH)
    seen = [0]

    async def handler(event: Event) -> None:
        seen[0] += 1

    bus.on(EventType.NEW_BAR, handler)

    async def burst() -> None:
        for _ in range(BATCH):
            bus.emit(EventType.NEW_BAR, None, "MNQ")
        await bus.drain()

    try:
        benchmark(lambda: loop.run_until_complete(burst()))
        loop.run_until_complete(bus.aclose())
    finally:
        loop.close()
    assert seen[0] >= BATCH
