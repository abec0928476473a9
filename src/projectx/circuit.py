"""``CircuitBreaker``: stop calling a peer that keeps failing, then probe it before trusting it.

Three states:

- **closed**: calls go through; ``failure_threshold`` failures in a row open the circuit;
- **open**: calls are refused at once with :class:`CircuitBreakerOpenError` (nothing is sent)
  until ``recovery_timeout`` seconds have passed;
- **half-open**: up to ``half_open_max_calls`` probe calls go through; a success closes the
  circuit, a failure opens it again for another ``recovery_timeout``.

Use it as ``await breaker.call(fn, *args)``, or around your own code with :meth:`allow`,
:meth:`record_success` and :meth:`record_failure` (what the REST transport does: only transport
failures and HTTP 5xx count, a 4xx is the caller's problem, not the peer's).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ParamSpec, TypeVar

from projectx.exceptions import CircuitOpenError
from projectx.validation import check_number

__all__ = ["CircuitBreaker", "CircuitBreakerOpenError", "CircuitState", "CircuitStats"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


class CircuitBreakerOpenError(CircuitOpenError):
    """The circuit is open: the call was refused without being attempted.

    ``retry_after`` is how many seconds remain before a probe call is allowed.
    """

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(
            f"{name}: circuit open after repeated failures; retry in {retry_after:.1f} s",
            context={"circuit": name, "retry_after": retry_after},
        )
        self.retry_after = retry_after


class CircuitState(StrEnum):
    """The breaker's state (see the module docstring)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class CircuitStats:
    """Counters of one breaker."""

    calls: int = 0
    successes: int = 0
    failures: int = 0
    refused: int = 0
    opens: int = 0


class CircuitBreaker:
    """A circuit breaker named ``name`` (see the module docstring). ``clock`` (seconds,
    monotonic) is injectable for tests."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_number(failure_threshold, "failure_threshold", minimum=1, integer=True)
        check_number(half_open_max_calls, "half_open_max_calls", minimum=1, integer=True)
        check_number(recovery_timeout, "recovery_timeout", minimum=0, exclusive=True)
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout = float(recovery_timeout)
        self.half_open_max_calls = half_open_max_calls
        self.stats = CircuitStats()
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._probes = 0

    @property
    def state(self) -> CircuitState:
        """The current state (an open circuit past its timeout reads as half-open)."""
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self.recovery_timeout
        ):
            self._state = CircuitState.HALF_OPEN
            self._probes = 0
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._consecutive

    def allow(self) -> None:
        """Admit one call or raise :class:`CircuitBreakerOpenError` (the call must then not be
        attempted). Every admitted call must end in :meth:`record_success` or
        :meth:`record_failure`."""
        state = self.state
        if state is CircuitState.OPEN:
            self.stats.refused += 1
            remaining = self.recovery_timeout - (self._clock() - self._opened_at)
            raise CircuitBreakerOpenError(self.name, max(0.0, remaining))
        if state is CircuitState.HALF_OPEN:
            if self._probes >= self.half_open_max_calls:
                self.stats.refused += 1
                raise CircuitBreakerOpenError(self.name, 0.0)
            self._probes += 1
        self.stats.calls += 1

    def record_success(self) -> None:
        """The admitted call succeeded: the circuit closes."""
        self.stats.successes += 1
        self._consecutive = 0
        self._state = CircuitState.CLOSED
        self._probes = 0

    def record_failure(self) -> None:
        """The admitted call failed: a half-open circuit opens again, a closed one opens after
        ``failure_threshold`` failures in a row."""
        self.stats.failures += 1
        self._consecutive += 1
        if self._state is CircuitState.HALF_OPEN or self._consecutive >= self.failure_threshold:
            if self._state is not CircuitState.OPEN:
                self.stats.opens += 1
            self._state = CircuitState.OPEN
            self._opened_at = self._clock()
            self._probes = 0

    async def call(
        self, fn: Callable[_P, Awaitable[_T]], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """``await fn(*args, **kwargs)`` through the breaker: refused while open; any
        exception counts as a failure and is re-raised."""
        self.allow()
        try:
            result = await fn(*args, **kwargs)
        except Exception:
            self.record_failure()
            raise
        except BaseException:  # cancelled: neither a success nor a failure of the peer
            self.release()
            raise
        self.record_success()
        return result

    def release(self) -> None:
        """The admitted call ended without a verdict (cancelled): free its probe slot."""
        if self._state is CircuitState.HALF_OPEN and self._probes:
            self._probes -= 1

    def reset(self) -> None:
        """Close the circuit and forget the failures (counters are kept)."""
        self._state = CircuitState.CLOSED
        self._consecutive = 0
        self._probes = 0

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker({self.name!r}, state={self.state.value}, "
            f"failures={self._consecutive}/{self.failure_threshold})"
        )
