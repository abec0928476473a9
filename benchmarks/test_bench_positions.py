"""PositionManager and RiskManager hot paths: marking a position on a trade (``on_price``),
portfolio P&L over 10 positions, and the risk gate."""

from __future__ import annotations

from pathlib import Path

from projectx.client import ProjectX
from projectx.config import ProjectXConfig, Secret
from projectx.enums import OrderSide
from projectx.events import Event, EventBus, EventType
from projectx.models import Contract
from projectx.positions import PositionManager
from projectx.realtime.client import UserEvent
from projectx.risk import RiskConfig, RiskManager

ACCOUNT = 7001


def _client() -> ProjectX:
    config = ProjectXConfig(
        environment="local", base_url="http://127.0.0.1:9", username="u", api_key=Secret("k")
    )
    return ProjectX(config)


def _manager(n: int, bus: EventBus | None = None) -> tuple[PositionManager, list[Contract]]:
    contracts = [
        Contract(id=f"CON.F.US.C{i}.Z26", tick_size=0.25, tick_value=0.5) for i in range(n)
    ]
    pm = PositionManager(
        _client(), bus or EventBus(), account_id=ACCOUNT, contracts={c.id: c for c in contracts}
    )
    for i, c in enumerate(contracts):
        data = {
            "id": 88000 + i,
            "accountId": ACCOUNT,
            "contractId": c.id,
            "creationTimestamp": "2026-11-24T14:00:00+00:00",
            "type": 1 if i % 2 == 0 else 2,
            "size": 1 + i,
            "averagePrice": 20000.0 + i,
        }
        pm.on_user_event(UserEvent("GatewayUserPosition", 1, data))
        pm.on_price(c.id, 20001.0 + i)
    return pm, contracts


def test_on_price_of_a_held_position(benchmark) -> None:
    """One trade re-marks a held position (value changes every call; nobody listens)."""
    pm, contracts = _manager(1)
    cid = contracts[0].id
    prices = [20000.25, 20000.5]
    i = [0]

    def run() -> None:
        i[0] ^= 1
        pm.on_price(cid, prices[i[0]])

    benchmark(run)


def test_on_price_with_a_pnl_listener(benchmark) -> None:
    """As above, with one sync POSITION_PNL_UPDATE handler (payload built, event emitted)."""
    bus = EventBus()
    seen = [0]

    def handler(_: Event) -> None:
        seen[0] += 1

    bus.on(EventType.POSITION_PNL_UPDATE, handler)
    pm, contracts = _manager(1, bus)
    cid = contracts[0].id
    prices = [20000.25, 20000.5]
    i = [0]

    def run() -> None:
        i[0] ^= 1
        pm.on_price(cid, prices[i[0]])

    benchmark(run)
    assert seen[0] > 0


def test_on_price_of_a_contract_not_held(benchmark) -> None:
    """A trade of a contract without a position (the common case)."""
    pm, _ = _manager(1)
    benchmark(pm.on_price, "CON.F.US.OTHER.Z26", 100.0)


def test_portfolio_pnl_over_10_positions(benchmark) -> None:
    """``get_portfolio_pnl()`` with 10 open positions (per-instrument breakdown included)."""
    pm, _ = _manager(10)
    out = benchmark(pm.get_portfolio_pnl)
    assert out["positions"] == 10


def test_total_unrealized_over_10_positions(benchmark) -> None:
    """``total_unrealized_pnl()`` with 10 positions (what the risk rules read per P&L update)."""
    pm, _ = _manager(10)
    benchmark(pm.total_unrealized_pnl)


def test_risk_rules_evaluation_over_10_positions(benchmark, tmp_path: Path) -> None:
    """``RiskManager.evaluate()`` (daily loss + trailing drawdown) reading 10 positions."""
    pm, _ = _manager(10)
    rm = RiskManager(
        EventBus(),
        RiskConfig(daily_loss_limit=1e9, trailing_max_drawdown=1e9),
        account_balance_source=lambda: 50_000.0,
        state_path=tmp_path / "risk.json",
        positions=pm,
    )
    benchmark(rm.evaluate)


class _Req:
    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.side = OrderSide.BUY
        self.size = 1
        self.limit_price = None
        self.stop_price = None
        self.stop_loss_price = 19990.0
        self.reference_price = 20000.0
        self.role = "order"


def test_risk_gate_in_memory(benchmark) -> None:
    """One approved entry through ``check_trade`` without persistence."""
    pm, _ = _manager(1)
    rm = RiskManager(EventBus(), RiskConfig(), persist=False, positions=pm,
                     account_balance_source=lambda: 50_000.0)  # fmt: skip
    req = _Req(Contract(id="CON.F.US.NEW.Z26", tick_size=0.25, tick_value=0.5))
    benchmark(rm.check_trade, req)


def test_risk_gate_with_the_state_file(benchmark, tmp_path: Path) -> None:
    """One approved entry: the entry count is saved atomically (temp file, rename)."""
    pm, _ = _manager(1)
    rm = RiskManager(EventBus(), RiskConfig(), state_path=tmp_path / "risk.json", positions=pm,
                     account_balance_source=lambda: 50_000.0)  # fmt: skip
    req = _Req(Contract(id="CON.F.US.NEW.Z26", tick_size=0.25, tick_value=0.5))
    benchmark(rm.check_trade, req)


def test_risk_gate_with_a_durable_state_file(benchmark, tmp_path: Path) -> None:
    """As above with ``fsync=True`` (survives a power loss; costs the disk's flush time)."""
    pm, _ = _manager(1)
    rm = RiskManager(EventBus(), RiskConfig(), state_path=tmp_path / "risk.json", positions=pm,
                     fsync=True, account_balance_source=lambda: 50_000.0)  # fmt: skip
    req = _Req(Contract(id="CON.F.US.NEW.Z26", tick_size=0.25, tick_value=0.5))
    benchmark.pedantic(rm.check_trade, args=(req,), rounds=50, iterations=1)
