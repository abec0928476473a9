"""Users and accounts of the simulator's exchange: registration, the API-key check, settings.

Accounts (``add_user``) take the six TradingAccount keys plus optional ``active`` (True),
``bracketMode`` (``"position"`` - the real default - or ``"auto_oco"``), ``follower`` (False),
``stopLimit`` (False) and ``violation`` (False). An account id given to a second user is shared
with it (the simulator's own users) - other users never see it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from projectx.sim.exchange.base import ExchangeState
from projectx.sim.exchange.codes import LoginErrorCode
from projectx.sim.orders import Account

__all__ = ["Accounts"]


class Accounts(ExchangeState):
    """Users (case-insensitive names with an API key) and the accounts they may use."""

    # ================================================================ set-up
    def add_user(self, user_name: str, api_key: str, accounts: list[dict[str, Any]]) -> None:
        """Register ``user_name`` (case-insensitive) with its API key and accounts."""
        key = user_name.lower()
        ids = self._users.get(key, (api_key, []))[1]
        for data in accounts:
            acct = Account(data, key)
            existing = self.accounts.get(acct.id)
            if existing is not None:
                existing.owners.add(key)
            else:
                self.accounts[acct.id] = acct
                self._orders_by_account[acct.id] = []
                self._tags[acct.id] = set()
                self._trades[acct.id] = []
            if acct.id not in ids:
                ids.append(acct.id)
        self._users[key] = (api_key, ids)

    def check_api_key(self, user_name: str, api_key: str) -> LoginErrorCode:
        """LoginErrorCode for a ``loginKey`` attempt: SUCCESS (0) or INVALID_CREDENTIALS (3)."""
        entry = self._users.get(str(user_name).lower())
        if entry is None:
            return LoginErrorCode.INVALID_CREDENTIALS
        if hmac.compare_digest(entry[0].encode(), str(api_key).encode()):
            return LoginErrorCode.SUCCESS
        return LoginErrorCode.INVALID_CREDENTIALS

    def configure_account(self, account_id: int, **changes: Any) -> None:
        """Change account settings (``balance``, ``canTrade``, ``bracketMode``, ``follower``,
        ``stopLimit``, ``violation``, ``simulated``, ``active``, ``isVisible``) for tests."""
        acct = self.accounts[account_id]
        fields: dict[str, tuple[str, Callable[[Any], Any]]] = {
            "balance": ("balance", lambda v: round(float(v), 2)),
            "canTrade": ("can_trade", bool),
            "bracketMode": ("bracket_mode", str),
            "follower": ("follower", bool),
            "stopLimit": ("stop_limit", bool),
            "violation": ("violation", bool),
            "simulated": ("simulated", bool),
            "active": ("active", bool),
            "isVisible": ("is_visible", bool),
        }
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"unknown account setting {name!r}")
            attr, conv = fields[name]
            setattr(acct, attr, conv(value))
        if acct.bracket_mode not in ("position", "auto_oco"):
            raise ValueError(f"bad bracketMode {acct.bracket_mode!r}")
        self._emit_account(acct)

    # =============================================================== helpers
    def _account(self, user: str, account_id: Any) -> Account | None:
        try:
            acct = self.accounts.get(int(account_id))
        except (TypeError, ValueError):
            return None
        if acct is None or user not in acct.owners:
            return None
        return acct
