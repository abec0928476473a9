"""Glue between the server half and the engine half of the simulator.

Builds the engine (clock, contracts, market, exchange) from a :class:`SimConfig` and gives the
server one small surface (:class:`Engine`) so that differences in the engine's constructors stay
in this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projectx.sim.simulator import SimConfig

__all__ = ["Engine", "ReplayUnavailableError", "build_engine", "default_accounts"]


class ReplayUnavailableError(RuntimeError):
    """``--replay`` was asked for but the market engine cannot replay recordings (yet)."""


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

    clock: Any
    market: Any
    exchange: Any
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


def build_engine(cfg: SimConfig, clock: Any = None) -> Engine:
    """Create clock, contracts, market and exchange for ``cfg``."""
    from projectx.sim.clock import WallClock
    from projectx.sim.contracts import resolve_symbols
    from projectx.sim.exchange import Exchange
    from projectx.sim.market import MarketSimulator

    clock = clock if clock is not None else WallClock()
    contracts = _resolve(resolve_symbols, list(cfg.symbols), clock)
    if cfg.replay is not None:
        from_recording = getattr(MarketSimulator, "from_recording", None)
        if from_recording is None:
            raise ReplayUnavailableError(
                "--replay is not available yet: the market engine cannot replay recordings"
            )
        market = from_recording(cfg.replay, contracts=contracts, clock=clock, seed=cfg.seed)
    else:
        market = MarketSimulator(contracts, seed=cfg.seed, rate_per_s=cfg.rate, clock=clock)
    exchange = Exchange(market, clock, profile=cfg.profile)
    return Engine(
        clock=clock, market=market, exchange=exchange, contract_ids=[c.id for c in contracts]
    )


def _resolve(resolve_symbols: Any, symbols: list[str], clock: Any) -> list[Any]:
    try:
        return list(resolve_symbols(symbols, clock.now_ns()))
    except TypeError:
        return list(resolve_symbols(symbols))
