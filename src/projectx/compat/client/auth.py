"""project-x-py's ``AuthenticationMixin``: login, accounts, logout."""

from __future__ import annotations

import time

from projectx.client.rest import ProjectX as CoreClient
from projectx.compat.client._core import ClientCore
from projectx.compat.exceptions import ProjectXAuthenticationError, translating
from projectx.compat.models import Account

__all__ = ["AuthenticationMixin"]


class AuthenticationMixin(ClientCore):
    """Authentication and accounts (the core client does the work)."""

    username: str
    account_name: str | None

    def _build_core(self) -> CoreClient:
        raise NotImplementedError  # pragma: no cover - provided by ProjectXBase

    async def authenticate(self) -> None:
        """Log in and select the account (``account_name``, else the first that can trade)."""
        with translating(invalid=ProjectXAuthenticationError):
            if self._core is None:
                self._core = self._build_core()
            await self._core.connect()
            account = self._core.account or await self._core.select_account(self.account_name)
        self.account_info = Account.from_core(account)

    async def validate_session(self) -> bool:
        """Whether a session token is held and not expired."""
        if self._core is None or self._core.token is None:
            return False
        expires = self._core.token_expires_at
        return expires is None or expires > time.time()

    async def logout(self) -> bool:
        """End the session at the Gateway; True when it was ended."""
        if self._core is None:
            return False
        with translating(invalid=ProjectXAuthenticationError):
            await self._core.logout()
        return True

    async def list_accounts(self) -> list[Account]:
        """The user's active accounts."""
        with translating(invalid=ProjectXAuthenticationError):
            accounts = await self.core.list_accounts(only_active=True)
        return [Account.from_core(a) for a in accounts]
