"""project-x-py's ``get_env_var``."""

from __future__ import annotations

import os
from typing import Any

from projectx.exceptions import ValidationError

__all__ = ["get_env_var"]


def get_env_var(name: str, default: Any = None, required: bool = False) -> Any:
    """The value of environment variable ``name`` (``default`` when unset);
    :class:`ValidationError` (a ``ValueError``) when ``required`` and neither is there."""
    value = os.environ.get(name, default)
    if required and value is None:
        raise ValidationError(f"Required environment variable '{name}' not found")
    return value
