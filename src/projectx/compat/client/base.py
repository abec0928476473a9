"""project-x-py's ``ProjectXBase``: the client, assembled from its parts (one per module)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

from projectx.client.rest import ProjectX as CoreClient
from projectx.compat.client.auth import AuthenticationMixin
from projectx.compat.client.cache import CacheMixin
from projectx.compat.client.http import HttpMixin
from projectx.compat.client.market_data import MarketDataMixin
from projectx.compat.client.trading import TradingMixin
from projectx.compat.config import ConfigManager, ProjectXConfig, core_config
from projectx.compat.exceptions import ProjectXAuthenticationError, ProjectXError
from projectx.compat.models import Account
from projectx.config import Secret

__all__ = ["ProjectXBase"]


class ProjectXBase(AuthenticationMixin, HttpMixin, CacheMixin, MarketDataMixin, TradingMixin):
    """The async client: ``ProjectX(username, api_key, config=None, account_name=None)``.

    It adapts a core :class:`projectx.ProjectX` (``.core``), built from ``config`` (the URLs,
    time zone and limits of project-x-py's ``ProjectXConfig``; the ``PROJECTX_*`` variables
    and ``~/.config/projectx/config.json`` fill it as in project-x-py). The API key is held
    as a :class:`projectx.config.Secret`: it never appears in a repr, log or error.
    """

    def __init__(
        self,
        username: str,
        api_key: str,
        config: ProjectXConfig | None = None,
        account_name: str | None = None,
    ) -> None:
        if not isinstance(username, str) or not username.strip():
            raise ProjectXAuthenticationError("username must be a non-empty str")
        if not isinstance(api_key, str | Secret) or not str(api_key).strip():
            raise ProjectXAuthenticationError("api_key must be a non-empty str")
        self.username = username
        self._api_key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self.account_name = account_name
        self.config = config if config is not None else ConfigManager().load_config()
        self.base_url = self.config.api_url
        self.account_info: Account | None = None
        self._core: CoreClient | None = None
        self._owns_core = True
        self._instruments = {}
        self._market_data = {}

    @classmethod
    def _adopt(cls, core: CoreClient, config: ProjectXConfig | None = None) -> Self:
        """A compat client over an existing core client (the caller keeps its lifecycle)."""
        if not isinstance(core, CoreClient):
            raise ProjectXError("_adopt needs a projectx.ProjectX")
        client = cls.__new__(cls)
        client.username = core.config.username or ""
        client._api_key = (
            core.config.api_key if isinstance(core.config.api_key, Secret) else Secret("")
        )
        client.account_name = core.config.account_name
        client.config = (
            config if config is not None else ProjectXConfig(api_url=core.config.api_url)
        )
        client.base_url = core.config.api_url
        client.account_info = Account.from_core(core.account) if core.account else None
        client._core = core
        client._owns_core = False
        client._instruments = {}
        client._market_data = {}
        return client

    def _build_core(self) -> CoreClient:
        return CoreClient(
            core_config(
                self.config,
                username=self.username,
                api_key=self._api_key,
                account_name=self.account_name,
            )
        )

    @property
    def api_key(self) -> Secret:
        """The API key, masked in every rendering (``.reveal()`` gives the value)."""
        return self._api_key

    def get_session_token(self) -> str:
        """The current session token (raises when not authenticated)."""
        token = self.core.token
        if token is None:
            raise ProjectXAuthenticationError("not authenticated: await authenticate() first")
        return token

    def get_account_info(self) -> Account:
        """The selected account (raises when not authenticated)."""
        if self.account_info is None:
            raise ProjectXAuthenticationError("no account selected: await authenticate() first")
        return self.account_info

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._core is not None and self._owns_core:
            await self._core.close()
            self._core = None

    def __repr__(self) -> str:
        account = self.account_info.name if self.account_info else None
        return f"ProjectX(user={self.username!r}, api_url={self.base_url!r}, account={account!r})"

    @classmethod
    @asynccontextmanager
    async def from_env(
        cls, config: ProjectXConfig | None = None, account_name: str | None = None
    ) -> AsyncIterator[Self]:
        """A client from ``PROJECT_X_USERNAME`` / ``PROJECT_X_API_KEY`` (and
        ``PROJECT_X_ACCOUNT_NAME``), closed when the block ends."""
        auth = ConfigManager().get_auth_config()
        name = (
            account_name if account_name is not None else os.environ.get("PROJECT_X_ACCOUNT_NAME")
        )
        client = cls(
            username=auth["username"],
            api_key=auth["api_key"],
            config=config,
            account_name=name.upper() if name else None,
        )
        async with client:
            yield client

    @classmethod
    @asynccontextmanager
    async def from_config_file(
        cls, config_file: str, account_name: str | None = None
    ) -> AsyncIterator[Self]:
        """A client configured from a JSON file (URLs, time zone, limits; credentials come from
        the environment, as in project-x-py)."""
        manager = ConfigManager(config_file)
        auth = manager.get_auth_config()
        client = cls(
            username=auth["username"],
            api_key=auth["api_key"],
            config=manager.load_config(),
            account_name=account_name.upper() if account_name else None,
        )
        async with client:
            yield client
