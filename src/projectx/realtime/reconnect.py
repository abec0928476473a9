"""``ReconnectPolicy``: how a hub connection backs off between reconnect attempts, and
``ConnectionHealth``: whether a connection earned a backoff reset, and how often it reconnects."""

from __future__ import annotations

import collections
import random
import time
from dataclasses import dataclass

__all__ = ["ConnectionHealth", "ReconnectPolicy"]


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Capped exponential backoff with jitter; ``max_attempts=None`` never gives up."""

    first_delay: float = 0.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5
    max_attempts: int | None = None
    circuit_threshold: int = 10
    circuit_cooldown: float = 60.0
    healthy_after: float = 10.0
    """A connection resets the backoff only once it is healthy: it received data after its
    handshake (a completion, a ping, an event), stayed up this many seconds and restored its
    subscriptions. One that ends sooner counts as a failed attempt, so a handshake-then-close
    storm backs off and opens the circuit."""
    storm_window: float = 60.0
    storm_threshold: int = 5
    """``storm_threshold`` reconnects within ``storm_window`` seconds are a reconnect storm
    (reported in health)."""

    def delay(self, attempt: int, rnd: random.Random) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        if attempt <= 1:
            return self.first_delay
        raw: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 2))
        return raw * (1.0 - self.jitter * rnd.random())

    def gives_up(self, attempt: int) -> bool:
        """Whether attempt ``attempt`` (1-based) is past ``max_attempts``."""
        return self.max_attempts is not None and attempt > self.max_attempts

    def opens_circuit(self, attempt: int) -> bool:
        """Whether the failures before attempt ``attempt`` open the circuit (every
        ``circuit_threshold`` failures in a row)."""
        return bool(
            self.circuit_threshold and attempt > 1 and ((attempt - 1) % self.circuit_threshold == 0)
        )


class ConnectionHealth:
    """The current connection's health marks and the times of recent reconnects."""

    def __init__(self, policy: ReconnectPolicy) -> None:
        self.policy = policy
        self.opened_at = 0.0
        """Monotonic time of the current connection's handshake."""
        self.messages_at_open = 0
        """``stats.messages`` then: a healthy connection received more."""
        self.ended_at = 0.0
        """When the current connection's reading ended."""
        self.resubscribe_failures = 0
        """In a row: reconnects after them back off."""
        self._reconnect_times: collections.deque[float] = collections.deque(maxlen=1024)

    def was_healthy(self, until: float, messages: int) -> bool:
        """Whether the connection had received data after its handshake (``messages`` is the
        message count now), was up ``healthy_after`` seconds at ``until`` and restored its
        subscriptions."""
        return (
            messages > self.messages_at_open
            and until - self.opened_at >= self.policy.healthy_after
            and not self.resubscribe_failures
        )

    def reconnected(self, at: float) -> None:
        """Note a reconnect at monotonic time ``at``."""
        self._reconnect_times.append(at)

    def recent_reconnects(self, window_s: float | None = None) -> int:
        """Reconnects within the last ``window_s`` seconds (default: ``storm_window``)."""
        horizon = time.monotonic() - (self.policy.storm_window if window_s is None else window_s)
        return sum(1 for t in self._reconnect_times if t >= horizon)

    def storm(self) -> bool:
        """Whether at least ``storm_threshold`` reconnects happened within ``storm_window``."""
        threshold = self.policy.storm_threshold
        return threshold > 0 and self.recent_reconnects() >= threshold
