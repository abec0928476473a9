"""01 — Connect with the REST client, list accounts and look up contracts.

Run against a local simulator (see README "A first strategy in 15 lines"):

    export PROJECT_X_ENVIRONMENT=local PROJECT_X_BASE_URL=http://127.0.0.1:8765 \
           PROJECT_X_USERNAME=sim.trader PROJECT_X_API_KEY=any-key-you-like
    projectx sim --port 8765 &
    python examples/01_connection_and_accounts.py

The same code runs against the real Gateway with PROJECT_X_ENVIRONMENT=topstepx.
"""

import asyncio

from projectx import ProjectX


async def main() -> None:
    # `async with` logs in (Auth/loginKey) on entry and closes the HTTP session on exit.
    async with ProjectX.from_env() as client:
        print("client:", client)  # the repr never shows the API key or the token
        print("gateway reachable:", await client.ping())

        # Every active account of the user; select_account() picks the first that can trade
        # (or the one named PROJECT_X_ACCOUNT_NAME).
        for account in await client.list_accounts():
            print(f"account {account.id} {account.name!r} balance={account.balance}")
        account = await client.select_account()
        print("selected account:", account.name)

        # A product root ("MNQ") resolves to its front-month contract; results are cached.
        contract = await client.resolve_contract("MNQ")
        print(
            f"contract {contract.id}: {contract.description} "
            f"tick {contract.tick_size} = ${contract.tick_value}"
        )
        for found in await client.search_contracts("MNQ"):
            print("search hit:", found.id, found.name)


asyncio.run(main())
