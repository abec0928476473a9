"""project-x-py's background-task helpers: a mixin that tracks the tasks it starts and cancels
them on cleanup, and a fire-and-forget starter whose failures are reported, never lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any
from weakref import WeakSet

__all__ = ["AsyncContextManager", "TaskManagerMixin", "create_fire_and_forget_task"]

logger = logging.getLogger(__name__)


class TaskManagerMixin:
    """Tracks tasks started with ``_create_task``; ``_cleanup_tasks`` cancels those still
    running. Call ``_init_task_manager()`` from ``__init__``."""

    def _init_task_manager(self) -> None:
        self._managed_tasks: WeakSet[asyncio.Task[Any]] = WeakSet()
        self._persistent_tasks: set[asyncio.Task[Any]] = set()
        self._task_errors: list[BaseException] = []
        self._cleanup_in_progress = False

    def _create_task(
        self, coro: Coroutine[Any, Any, Any], name: str | None = None, persistent: bool = False
    ) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._managed_tasks.add(task)
        if persistent:
            self._persistent_tasks.add(task)
        task.add_done_callback(self._task_done_callback)
        return task

    def _task_done_callback(self, task: asyncio.Task[Any]) -> None:
        self._persistent_tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._task_errors.append(error)
            logger.error("Task %s failed with exception: %s", task.get_name(), error)

    def _all_tasks(self) -> list[asyncio.Task[Any]]:
        return list({*self._managed_tasks, *self._persistent_tasks})

    async def _cleanup_tasks(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 (project-x-py API)
        if self._cleanup_in_progress:
            return
        self._cleanup_in_progress = True
        try:
            pending = [t for t in self._all_tasks() if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                _, still = await asyncio.wait(pending, timeout=timeout)
                if still:
                    logger.warning("%d tasks did not finish within %ss", len(still), timeout)
            self._persistent_tasks.clear()
        finally:
            self._cleanup_in_progress = False

    def get_task_stats(self) -> dict[str, Any]:
        """Counts of the tracked tasks: ``total_tasks``, ``pending_tasks``, ``completed_tasks``,
        ``cancelled_tasks``, ``failed_tasks`` and ``persistent_tasks``."""
        tasks = self._all_tasks()
        return {
            "total_tasks": len(tasks),
            "pending_tasks": sum(not t.done() for t in tasks),
            "completed_tasks": sum(t.done() and not t.cancelled() for t in tasks),
            "cancelled_tasks": sum(t.cancelled() for t in tasks),
            "failed_tasks": len(self._task_errors),
            "persistent_tasks": len(self._persistent_tasks),
        }


class AsyncContextManager(TaskManagerMixin):
    """``async with`` base whose exit cancels the tasks it started."""

    def __init__(self) -> None:
        super().__init__()
        self._init_task_manager()

    async def __aenter__(self) -> AsyncContextManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self._cleanup_tasks()


def create_fire_and_forget_task(
    coro: Coroutine[Any, Any, Any],
    name: str | None = None,
    error_handler: Callable[[BaseException], None] | None = None,
) -> asyncio.Task[Any]:
    """Start ``coro``; if it fails, ``error_handler(exc)`` is called (or the failure logged)."""
    task = asyncio.create_task(coro, name=name)

    def done(t: asyncio.Task[Any]) -> None:
        if t.cancelled():
            return
        error = t.exception()
        if error is None:
            return
        if error_handler is None:
            logger.error("Fire-and-forget task %s failed: %s", t.get_name(), error)
            return
        try:
            error_handler(error)
        except Exception:
            logger.exception("Error in fire-and-forget error handler of %s", t.get_name())

    task.add_done_callback(done)
    return task
