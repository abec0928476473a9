"""A wall clock for the simulator that can be frozen: the market stops, nothing fills any more,
so the client's view and the simulator's truth can be compared at rest."""

from __future__ import annotations

import time

from projectx.sim.clock import SimClock


class FreezableClock(SimClock):
    """Real time until :meth:`freeze`; then the time of the freeze, for ever."""

    def __init__(self) -> None:
        self._frozen: int | None = None

    def now_ns(self) -> int:
        """Wall-clock time, or the frozen instant."""
        frozen = self._frozen
        return time.time_ns() if frozen is None else frozen

    def freeze(self) -> int:
        """Stop the clock; return the frozen time."""
        if self._frozen is None:
            self._frozen = time.time_ns()
        return self._frozen

    @property
    def frozen(self) -> bool:
        """Whether :meth:`freeze` was called."""
        return self._frozen is not None
