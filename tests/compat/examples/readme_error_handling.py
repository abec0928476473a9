# project-x-py 4.4.1 README, "Error Handling & Logging" -- only the import changed (the README
# leaves out `import logging` and the event loop; log_file points at $HOME).
import asyncio
import logging
import os
from projectx.compat import ProjectX
from projectx.compat.exceptions import (
    ProjectXAuthenticationError,
    ProjectXOrderError,
    ProjectXRateLimitError
)
from projectx.compat.utils import configure_sdk_logging


async def main():
    # Configure logging for production
    configure_sdk_logging(
        level=logging.INFO,
        format_json=True,  # JSON logs for production
        log_file=os.path.join(os.environ["HOME"], "trading.log")
    )

    try:
        async with ProjectX.from_env() as client:
            await client.authenticate()  # Automatic retry on network errors
            print(f"Authenticated as account: {client.account_info.name}")
    except ProjectXAuthenticationError as e:
        # Structured error with context
        print(f"Authentication failed: {e}")
    except ProjectXRateLimitError as e:
        # Automatic backoff already attempted
        print(f"Rate limit exceeded: {e}")


if __name__ == "__main__":
    asyncio.run(main())
