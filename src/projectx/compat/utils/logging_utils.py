"""project-x-py's ``setup_logging``: configure the root logger and get the SDK's logger."""

from __future__ import annotations

import logging

from projectx.compat.utils.logging_config import SDK_LOGGER, level_of, secret_safe

__all__ = ["setup_logging"]

_DEFAULT_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_MARK = "_projectx_compat_setup_logging"


def setup_logging(
    level: str = "INFO", format_string: str | None = None, filename: str | None = None
) -> logging.Logger:
    """Send log records at ``level`` and above to stderr (or to ``filename``) formatted by
    ``format_string``; return the SDK's logger (``projectx``).

    The root logger gets ``level`` and one handler; calling again replaces the handler this
    function installed (other handlers are left alone). The handler scrubs registered secrets.
    Difference from project-x-py (whose ``logging.basicConfig`` did nothing once the root
    logger had any handler): the call always takes effect.
    """
    root = logging.getLogger()
    root.setLevel(level_of(level))
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    handler: logging.Handler = (
        logging.FileHandler(filename, encoding="utf-8") if filename else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter(format_string or _DEFAULT_FORMAT))
    setattr(handler, _MARK, True)
    root.addHandler(secret_safe(handler))
    return logging.getLogger(SDK_LOGGER)
