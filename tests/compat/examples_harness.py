"""Run a ported project-x-py example against the simulator, the way a user would.

The simulator runs on its own event loop in a thread (over real sockets on 127.0.0.1); the
example runs as ``__main__`` in this thread with ``asyncio.run``, configured only through the
variables project-x-py reads (``PROJECT_X_USERNAME``, ``PROJECT_X_API_KEY``,
``PROJECTX_API_URL``, ``PROJECTX_USER_HUB_URL``, ``PROJECTX_MARKET_HUB_URL``) and a fresh HOME.

The one liberty taken with a script: ``asyncio.sleep`` longer than ``max_sleep_s`` is cut to
that (the README's ``await asyncio.sleep(60)`` would only make the suite slower).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import runpy
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest

from projectx.sim import Simulator
from projectx.sim.ratelimit import RateLimitConfig

EXAMPLES = Path(__file__).parent / "examples"
T = TypeVar("T")


class SimThread:
    """A simulator serving on its own loop in a daemon thread."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = {"seed": 7, "rate": 50.0, "rate_limits": RateLimitConfig(enabled=False)}
        self.kwargs.update(kwargs)
        self.sim: Simulator | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced by __enter__
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Simulator(**self.kwargs) as sim:
            self.sim = sim
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> SimThread:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None or self.sim is None:
            raise RuntimeError(f"simulator did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None and self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn()`` on the simulator's loop (read its state without racing it)."""
        assert self.loop is not None

        async def run() -> T:
            return await fn()

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), self.loop)
        return future.result(30)

    @property
    def environ(self) -> dict[str, str]:
        """What a project-x-py user would export to reach this Gateway."""
        assert self.sim is not None
        base = self.sim.base_url
        return {
            "PROJECT_X_USERNAME": self.sim.credentials.user_name,
            "PROJECT_X_API_KEY": self.sim.credentials.api_key,
            "PROJECTX_API_URL": f"{base}/api",
            "PROJECTX_USER_HUB_URL": f"{base}/hubs/user",
            "PROJECTX_MARKET_HUB_URL": f"{base}/hubs/market",
        }


@contextlib.contextmanager
def _capped_sleep(max_sleep_s: float) -> Iterator[None]:
    real = asyncio.sleep

    async def sleep(delay: float, result: Any = None) -> Any:
        return await real(min(delay, max_sleep_s), result)

    asyncio.sleep = sleep  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.sleep = real


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Undo what a script does to logging (``configure_sdk_logging`` takes over the
    ``projectx`` logger tree; the rest of the test session must not inherit that)."""
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = {lg: (list(lg.handlers), lg.level, lg.propagate, lg.disabled) for lg in loggers}
    try:
        yield
    finally:
        for lg in [logging.getLogger()] + [
            x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)
        ]:
            handlers, level, propagate, disabled = saved.get(lg, ([], logging.NOTSET, True, False))
            for handler in lg.handlers:
                if handler not in handlers:
                    handler.close()
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
            lg.disabled = disabled


def run_example(
    name: str,
    sim: SimThread,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    max_sleep_s: float = 3.0,
    **environ: str,
) -> str:
    """Run ``examples/<name>.py`` as ``__main__`` against ``sim`` (``environ`` overrides the
    variables); returns what it printed."""
    for key, value in {**sim.environ, **environ}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), _capped_sleep(max_sleep_s), _logging_restored():
        runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    return out.getvalue()
