"""Positions of the simulator's exchange: net position per account and contract, P&L, funds.

A fill updates the net position (:meth:`Positions._apply_position`): it opens, adds at the exact
average price (a fraction of ticks), or reduces and realises P&L against the average, matching
the opening trades FIFO; a fill through zero opens a new position for the rest.

Funds check (errorCode 3): after the order, ``sum(|position| * margin)`` over the account's
contracts must not exceed the balance (margins in :mod:`projectx.sim.contracts`); orders that
only reduce exposure always pass. [INFERRED]
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import Any

from projectx.sim.contracts import ContractSpec
from projectx.sim.exchange.accounts import Accounts
from projectx.sim.orders import Account, Position

__all__ = ["Positions"]


class Positions(Accounts):
    """Net positions, realised P&L and the account's fills."""

    def account_trades(self, account_id: int) -> list[tuple[int, dict[str, Any]]]:
        """``(ts_ns, trade payload)`` of every fill of ``account_id``, oldest first (a copy)."""
        return list(self._trades.get(account_id, ()))

    def account_trade_count(self, account_id: int) -> int:
        """How many fills ``account_id`` has had."""
        return len(self._trades.get(account_id, ()))

    def _apply_position(
        self, acct: Account, spec: ContractSpec, side: int, ticks: int, q: int, ts_ns: int
    ) -> tuple[
        float | None, int, Position | None, list[dict[str, Any]], bool, list[dict[str, Any]]
    ]:
        """Update the net position; return (realised P&L or None, opened qty, position that
        got the opened qty, matched opening trades, went flat, position events)."""
        key = (acct.id, spec.id)
        pos = self.positions.get(key)
        signed = q if side == 0 else -q
        events: list[dict[str, Any]] = []
        emit = bool(self._listeners)
        if pos is None or pos.size == 0:
            pos = self._open_position(acct, spec, ts_ns)
            pos.size = signed
            pos.avg_num, pos.avg_den = ticks, 1
            if emit:
                events.append(self._position_wire(pos, signed > 0))
            return None, q, pos, [], False, events
        long = pos.size > 0
        if (signed > 0) == long:
            n = abs(pos.size)
            num = pos.avg_num * n + ticks * q * pos.avg_den
            den = pos.avg_den * (n + q)
            g = gcd(num, den)
            pos.avg_num, pos.avg_den = num // g, den // g
            pos.size += signed
            if emit:
                events.append(self._position_wire(pos, long))
            return None, q, pos, [], False, events
        close_q = min(q, abs(pos.size))
        den = pos.avg_den
        diff = ticks * den - pos.avg_num if long else pos.avg_num - ticks * den  # / den ticks
        tv_den = spec.tick_value_q.denominator
        if den == 1 and tv_den & (tv_den - 1) == 0:  # binary tick value: int * value is exact
            pnl = round(diff * close_q * spec.tick_value, 2)
        else:
            pnl = round(float(Fraction(diff * close_q, den) * spec.tick_value_q), 2)
        matched: list[dict[str, Any]] = []
        left = close_q
        while left and pos.lots:
            lot = pos.lots[0]
            matched.append(lot[0])
            take = min(left, lot[1])
            lot[1] -= take
            left -= take
            if lot[1] == 0:
                pos.lots.popleft()
        pos.size += signed if abs(signed) <= abs(pos.size) else (-pos.size)
        flat = pos.size == 0
        if emit:
            events.append(self._position_wire(pos, long))
        opened = q - close_q
        new_pos = None
        if opened:
            new_pos = self._open_position(acct, spec, ts_ns)
            new_pos.size = opened if side == 0 else -opened
            new_pos.avg_num, new_pos.avg_den = ticks, 1
            if emit:
                events.append(self._position_wire(new_pos, side == 0))
        return pnl, opened, new_pos, matched, flat, events

    def _open_position(self, acct: Account, spec: ContractSpec, ts_ns: int) -> Position:
        pos = Position(self._next_position_id, acct.id, spec, ts_ns)
        self._next_position_id += 1
        self.positions[(acct.id, spec.id)] = pos
        return pos

    def _funds_ok(self, acct: Account, spec: ContractSpec, side: int, size: int) -> bool:
        pos = self.positions.get((acct.id, spec.id))
        cur = pos.size if pos is not None else 0
        new = cur + (size if side == 0 else -size)
        if abs(new) <= abs(cur):
            return True
        need = abs(new) * spec.margin
        for (aid, cid), p in self.positions.items():
            if aid == acct.id and cid != spec.id and p.size:
                need += abs(p.size) * p.spec.margin
        return need <= acct.balance
