"""``ReconnectPolicy``: how a hub connection backs off between reconnect attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["ReconnectPolicy"]


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
