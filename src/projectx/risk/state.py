"""The risk manager's persisted state: the day's realised P&L, entries, peak balance, halts.

Saved atomically (temp file in the same directory, then ``os.replace``) as a small JSON file,
so a crash of the process leaves either the old or the new state, never half of one. With
``fsync=True`` the data is also forced to disk before the rename (survives a power loss too, at
a few milliseconds per save). The day's fields roll over
at the CME trading-day boundary (:func:`projectx.timeframes.trading_date`); the peak balance and
a drawdown lock survive the rollover.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from projectx.risk.errors import RiskStateError

__all__ = ["RiskState", "RiskStateStore", "default_state_path"]

log = logging.getLogger(__name__)

_VERSION = 1


@dataclass(slots=True)
class RiskState:
    """What must survive a restart."""

    trading_day: str
    """ISO date of the CME trading day the day fields belong to."""
    realized_pnl: float = 0.0
    """Gross realised P&L of the day's fills."""
    fees: float = 0.0
    """Fees and commissions of the day's fills."""
    entries: int = 0
    """Entries approved by the gate today (``max_daily_trades``)."""
    trade_ids: list[int] = field(default_factory=list)
    """Fills counted today (so a fill replayed after a restart is not counted twice)."""
    day_start_balance: float | None = None
    peak_balance: float | None = None
    halted: str | None = None
    """Rule that stopped trading for the rest of the day (daily loss, flatten time)."""
    locked: str | None = None
    """Rule that stopped trading until the state is reset (trailing drawdown)."""

    @property
    def net_pnl(self) -> float:
        """``realized_pnl - fees``."""
        return self.realized_pnl - self.fees

    @property
    def day(self) -> date:
        """``trading_day`` as a date."""
        return date.fromisoformat(self.trading_day)

    def rolled(self, day: date, balance: float | None) -> RiskState:
        """A fresh day (``day``) keeping the peak balance and a drawdown lock."""
        return RiskState(
            trading_day=day.isoformat(),
            day_start_balance=balance,
            peak_balance=self.peak_balance,
            locked=self.locked,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document (with a format version)."""
        return {"version": _VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, doc: Any) -> RiskState:
        """Parse a document written by :meth:`to_json`; raise :class:`RiskStateError`."""
        if not isinstance(doc, dict) or doc.get("version") != _VERSION:
            raise RiskStateError("not a projectx risk state (missing or unknown version)")
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in doc.items() if k in names}
        try:
            state = cls(**values)
            date.fromisoformat(state.trading_day)
            num = (int, float)
            ok = (
                isinstance(state.realized_pnl, num)
                and isinstance(state.fees, num)
                and isinstance(state.entries, int)
                and isinstance(state.trade_ids, list)
                and all(isinstance(t, int) for t in state.trade_ids)
                and all(
                    v is None or isinstance(v, num)
                    for v in (state.day_start_balance, state.peak_balance)
                )
                and all(v is None or isinstance(v, str) for v in (state.halted, state.locked))
            )
        except (TypeError, ValueError) as exc:
            raise RiskStateError(f"risk state is malformed: {exc}") from None
        if not ok:
            raise RiskStateError("risk state has a field of the wrong type")
        state.realized_pnl = float(state.realized_pnl)
        state.fees = float(state.fees)
        return state


def default_state_path(account_id: int | None = None) -> Path:
    """``$XDG_STATE_HOME/projectx/risk-<account>.json`` (``~/.local/state`` by default;
    ``%LOCALAPPDATA%`` on Windows)."""
    base = os.environ.get("XDG_STATE_HOME") or os.environ.get("LOCALAPPDATA")
    root = Path(base) if base else Path.home() / ".local" / "state"
    name = f"risk-{account_id}.json" if account_id is not None else "risk.json"
    return root / "projectx" / name


class RiskStateStore:
    """Load and atomically save a :class:`RiskState` at ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.saves = 0

    def load(self) -> RiskState | None:
        """The saved state, or None when there is no file."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise RiskStateError(f"cannot read risk state {self.path}: {exc}") from None
        try:
            doc = json.loads(raw)
        except ValueError:
            raise RiskStateError(f"risk state {self.path} is not valid JSON") from None
        return RiskState.from_json(doc)

    def save(self, state: RiskState) -> None:
        """Write ``state`` atomically (temp file [+ fsync] + rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(state.to_json(), separators=(",", ":")).encode()
        fd, tmp = tempfile.mkstemp(prefix=".risk-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if self.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.saves += 1
