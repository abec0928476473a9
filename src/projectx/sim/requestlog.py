"""The simulator's own record of the HTTP requests it received (over its real socket).

Only the method and the path are kept (never the query string, headers or body: they may hold
tokens and keys). Tests read it to prove that bad input never reached the server:

    before = sim.requests.total
    with pytest.raises(ValidationError):
        await client.place_limit_order(cid, "buy", 1, -100.0)
    assert sim.requests.since(before) == []
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

__all__ = ["ReceivedRequest", "RequestLog"]


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request as received: its sequence number, method, path and arrival time (ns)."""

    seq: int
    method: str
    path: str
    at_ns: int


class RequestLog:
    """Bounded log (``capacity`` newest entries) plus the total count ever received."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._entries: deque[ReceivedRequest] = deque(maxlen=capacity)
        self.total = 0

    def __repr__(self) -> str:
        return f"RequestLog(total={self.total})"

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, method: str, path: str) -> None:
        """Append one received request."""
        self.total += 1
        self._entries.append(ReceivedRequest(self.total, method, path, time.time_ns()))

    def since(self, total: int) -> list[ReceivedRequest]:
        """Requests received after the log's ``total`` was ``total`` (those still kept)."""
        return [r for r in self._entries if r.seq > total]

    @property
    def entries(self) -> list[ReceivedRequest]:
        """The kept requests, oldest first."""
        return list(self._entries)
