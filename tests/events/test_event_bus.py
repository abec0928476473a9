"""EventBus: ordering, priorities, filters, once/off/wait_for, async backlog policy, errors."""

from __future__ import annotations

import asyncio

import pytest

from projectx.events import Event, EventBus, EventType
from projectx.exceptions import ValidationError


async def test_sync_handlers_run_inline_in_priority_then_registration_order() -> None:
    bus = EventBus()
    calls: list[str] = []
    bus.on(EventType.NEW_BAR, lambda e: calls.append("a0"))
    bus.on(EventType.NEW_BAR, lambda e: calls.append("b5"), priority=5)
    bus.on(EventType.NEW_BAR, lambda e: calls.append("c0"))
    bus.on(EventType.NEW_BAR, lambda e: calls.append("d5"), priority=5)
    ev = bus.emit(EventType.NEW_BAR, {"bar": 1}, "MNQ")
    assert calls == ["b5", "d5", "a0", "c0"]
    assert ev is not None and ev.data == {"bar": 1} and ev.instrument == "MNQ"


async def test_unheard_events_are_not_built_and_wants_reflects_listeners() -> None:
    bus = EventBus()
    assert not bus.wants(EventType.TRADE_TICK)
    assert bus.emit(EventType.TRADE_TICK, 1) is None
    handler = bus.on(EventType.TRADE_TICK, lambda e: None)
    assert bus.wants(EventType.TRADE_TICK)
    assert bus.off(EventType.TRADE_TICK, handler) == 1
    assert not bus.wants(EventType.TRADE_TICK)
    assert bus.stats()["emitted"] == 0


async def test_decorator_form_and_string_names_register_the_same_type() -> None:
    bus = EventBus()
    seen: list[Event] = []

    @bus.on("new_bar")
    def handler(event: Event) -> None:
        seen.append(event)

    bus.on("QUOTE_UPDATE", seen.append)
    bus.emit(EventType.NEW_BAR, 1)
    bus.emit(EventType.QUOTE_UPDATE, 2)
    assert [e.type for e in seen] == [EventType.NEW_BAR, EventType.QUOTE_UPDATE]
    with pytest.raises(ValidationError):
        bus.on("no_such_event", seen.append)
    with pytest.raises(ValidationError):
        bus.on(EventType.NEW_BAR, 42)  # type: ignore[call-overload]


async def test_instrument_filter_only_delivers_that_instruments_events() -> None:
    bus = EventBus()
    mnq: list[object] = []
    every: list[object] = []
    bus.on(EventType.NEW_BAR, lambda e: mnq.append(e.data), instrument="MNQ")
    bus.on(EventType.NEW_BAR, lambda e: every.append(e.data))
    bus.emit(EventType.NEW_BAR, 1, "MES")
    bus.emit(EventType.NEW_BAR, 2, "MNQ")
    assert mnq == [2] and every == [1, 2]


async def test_once_fires_a_single_time_even_when_emitted_again_from_inside() -> None:
    bus = EventBus()
    seen: list[int] = []

    def handler(event: Event) -> None:
        seen.append(event.data)
        if event.data < 3:
            bus.emit(EventType.NEW_BAR, event.data + 1)

    bus.once(EventType.NEW_BAR, handler)
    bus.emit(EventType.NEW_BAR, 1)
    bus.emit(EventType.NEW_BAR, 9)
    assert seen == [1]
    assert bus.handler_count(EventType.NEW_BAR) == 0


async def test_off_without_handler_removes_all_and_reports_count() -> None:
    bus = EventBus()
    bus.on(EventType.ERROR, lambda e: None)
    bus.on(EventType.ERROR, lambda e: None)
    assert bus.off(EventType.ERROR) == 2
    assert bus.handler_count() == 0


async def test_a_failing_handler_is_counted_reported_as_error_and_does_not_stop_others() -> None:
    bus = EventBus()
    errors: list[Event] = []
    after: list[int] = []

    def boom(event: Event) -> None:
        raise RuntimeError("boom")

    bus.on(EventType.ERROR, errors.append)
    bus.on(EventType.NEW_BAR, boom, priority=1)
    bus.on(EventType.NEW_BAR, lambda e: after.append(e.data))
    bus.emit(EventType.NEW_BAR, 7)
    assert after == [7]
    assert bus.stats()["handler_errors"] == 1
    assert len(errors) == 1 and isinstance(errors[0].data["error"], RuntimeError)


async def test_an_error_handler_that_fails_does_not_recurse() -> None:
    bus = EventBus()

    def bad(event: Event) -> None:
        raise ValueError("bad")

    bus.on(EventType.ERROR, bad)
    bus.on(EventType.NEW_BAR, bad)
    bus.emit(EventType.NEW_BAR, 1)
    assert bus.stats()["handler_errors"] == 2


async def test_async_handlers_receive_every_event_in_order() -> None:
    bus = EventBus()
    got: list[int] = []

    async def handler(event: Event) -> None:
        await asyncio.sleep(0)
        got.append(event.data)

    bus.on(EventType.TRADE_TICK, handler)
    for i in range(500):
        bus.emit(EventType.TRADE_TICK, i)
    await bus.drain()
    assert got == list(range(500))
    await bus.aclose()


async def test_a_slow_async_handler_drops_oldest_events_counted_while_sync_ones_see_all() -> None:
    bus = EventBus(async_queue_size=10)
    slow: list[int] = []
    fast: list[int] = []
    release = asyncio.Event()

    async def handler(event: Event) -> None:
        await release.wait()
        slow.append(event.data)

    bus.on(EventType.TRADE_TICK, handler)
    bus.on(EventType.TRADE_TICK, lambda e: fast.append(e.data))
    bus.emit(EventType.TRADE_TICK, 0)
    await asyncio.sleep(0)  # the worker takes event 0 and blocks in the handler
    for i in range(1, 101):
        bus.emit(EventType.TRADE_TICK, i)
    release.set()
    await bus.drain()
    assert fast == list(range(101))
    assert slow == [0, *range(91, 101)]
    assert bus.stats()["dropped"] == 90
    await bus.aclose()


async def test_async_handler_errors_are_counted_and_the_worker_keeps_going() -> None:
    bus = EventBus()
    got: list[int] = []

    async def handler(event: Event) -> None:
        if event.data == 1:
            raise RuntimeError("one")
        got.append(event.data)

    bus.on(EventType.NEW_BAR, handler)
    for i in range(3):
        bus.emit(EventType.NEW_BAR, i)
    await bus.drain()
    assert got == [0, 2] and bus.stats()["handler_errors"] == 1
    await bus.aclose()


async def test_wait_for_returns_the_first_matching_event_and_unregisters() -> None:
    bus = EventBus()

    async def produce() -> None:
        for i in range(5):
            await asyncio.sleep(0)
            bus.emit(EventType.NEW_BAR, i)

    task = asyncio.create_task(produce())
    ev = await bus.wait_for(EventType.NEW_BAR, 2.0, lambda e: e.data == 3)
    await task
    assert ev.data == 3
    assert bus.handler_count(EventType.NEW_BAR) == 0


async def test_wait_for_times_out_and_cleans_up() -> None:
    bus = EventBus()
    with pytest.raises(TimeoutError):
        await bus.wait_for(EventType.NEW_BAR, 0.02)
    assert bus.handler_count() == 0
    with pytest.raises(ValidationError):
        await bus.wait_for(EventType.NEW_BAR, 0)


async def test_aclose_stops_workers_and_forgets_handlers() -> None:
    async with EventBus() as bus:
        hold = asyncio.Event()

        async def handler(event: Event) -> None:
            await hold.wait()

        bus.on(EventType.NEW_BAR, handler)
        bus.emit(EventType.NEW_BAR, 1)
        await asyncio.sleep(0)
    assert bus.handler_count() == 0
    assert bus.emit(EventType.NEW_BAR, 2) is None


async def test_a_bound_method_is_removed_by_off_though_each_access_is_a_new_object() -> None:
    bus = EventBus()

    class Listener:
        def __init__(self) -> None:
            self.seen = 0

        def on_bar(self, event: Event) -> None:
            self.seen += 1

    first, second = Listener(), Listener()
    bus.on(EventType.NEW_BAR, first.on_bar)
    bus.on(EventType.NEW_BAR, second.on_bar)
    assert bus.off(EventType.NEW_BAR, first.on_bar) == 1  # only that object's method
    bus.emit(EventType.NEW_BAR, 1)
    assert (first.seen, second.seen) == (0, 1)


async def test_handler_watchers_hear_every_change_and_a_failing_one_is_counted() -> None:
    bus = EventBus()
    seen: list[bool] = []
    bus.watch_handlers(lambda: seen.append(bus.wants(EventType.TRADE_TICK)))

    def broken() -> None:
        raise RuntimeError("watcher bug")

    bus.watch_handlers(broken)
    handler = bus.on(EventType.TRADE_TICK, lambda e: None)  # still registered
    assert bus.wants(EventType.TRADE_TICK)
    bus.off(EventType.TRADE_TICK, handler)
    bus.once(EventType.NEW_BAR, lambda e: None)
    bus.emit(EventType.NEW_BAR, 1)  # a once handler removed after firing is a change too
    assert seen == [True, False, False, False]
    assert bus.stats()["handler_errors"] == 4
