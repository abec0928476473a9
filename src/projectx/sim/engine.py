"""The simulator's engine: clock, contracts, market and exchange, built from a config.

:func:`build_engine` creates the engine for a :class:`~projectx.sim.simulator.SimConfig` (any
object with its ``symbols``, ``seed``, ``rate``, ``profile`` and ``replay``: :class:`EngineConfig`)
and :class:`Engine` is the one surface the server drives. ``ReplayRunner`` builds an
:class:`Engine` of its own (a replay market and a manual clock) and hands it to the
:class:`~projectx.sim.simulator.Simulator`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from projectx.sim.clock import SimClock, WallClock
from projectx.sim.contracts import resolve_symbols
from projectx.sim.exchange import Exchange
from projectx.sim.market import MarketSimulator
from projectx.sim.replay import market_from_recording

__all__ = ["Engine", "EngineConfig", "build_engine", "default_accounts"]


class EngineConfig(Protocol):
    """What :func:`build_engine` reads from a ``SimConfig``."""

    @property
    def symbols(self) -> Sequence[str]: ...
    @property
    def seed(self) -> int: ...
    @property
    def rate(self) -> float: ...
    @property
    def profile(self) -> str: ...
    @property
    def replay(self) -> str | None: ...


def default_accounts(first_id: int, n: int = 2) -> list[dict[str, Any]]:
    """Practice accounts for a new user: ids ``first_id...``, 50,000 balance, can trade."""
    return [
        {
            "id": first_id + i,
            "name": f"PRAC-50K-{first_id + i}",
            "balance": 50_000.0,
            "canTrade": True,
            "isVisible": True,
            "simulated": True,
        }
        for i in range(n)
    ]


@dataclass(slots=True)
class Engine:
    """The engine objects the server drives."""

    clock: SimClock
    market: MarketSimulator
    exchange: Exchange
    contract_ids: list[str]
    _next_account_id: int = field(default=7001)

    def add_user(
        self, user_name: str, api_key: str, accounts: Sequence[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Register a user with ``accounts`` (default: two fresh practice accounts)."""
        if accounts is None:
            accounts = default_accounts(self._next_account_id)
        accounts = [dict(a) for a in accounts]
        top = max([int(a["id"]) for a in accounts], default=self._next_account_id)
        self._next_account_id = max(self._next_account_id, (top // 100 + 1) * 100 + 1)
        self.exchange.add_user(user_name, api_key, accounts)
        return accounts


def build_engine(cfg: EngineConfig, clock: SimClock | None = None) -> Engine:
    """Create clock, contracts, market and exchange for ``cfg``."""
    clock = clock if clock is not None else WallClock()
    contracts = resolve_symbols(list(cfg.symbols), clock.now_ns())
    if cfg.replay is not None:
        market = market_from_recording(cfg.replay, contracts=contracts, clock=clock, seed=cfg.seed)
    else:
        market = MarketSimulator(contracts, seed=cfg.seed, rate_per_s=cfg.rate, clock=clock)
    exchange = Exchange(market, clock, profile=cfg.profile)
    return Engine(
        clock=clock, market=market, exchange=exchange, contract_ids=[c.id for c in contracts]
    )
