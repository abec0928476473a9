"""project-x-py's deprecation helpers: decorators for functions, parameters and classes."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = [
    "check_deprecated_usage",
    "deprecated",
    "deprecated_class",
    "deprecated_parameter",
    "warn_deprecated",
]

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def _message(
    first: str,
    version: str | None,
    removal_version: str | None,
    replacement: str | None,
    quote: str,
) -> str:
    parts = [first]
    if version:
        parts.append(f"Deprecated since v{version}.")
    if replacement:
        parts.append(f"Use {quote}{replacement}{quote} instead.")
    if removal_version:
        parts.append(f"Will be removed in v{removal_version}.")
    return " ".join(parts)


def _mark(
    obj: Any, reason: str, version: str | None, removal: str | None, repl: str | None
) -> None:
    obj.__deprecated__ = True
    obj.__deprecated_reason__ = reason
    obj.__deprecated_version__ = version
    obj.__deprecated_removal__ = removal
    obj.__deprecated_replacement__ = repl


def deprecated(
    reason: str,
    version: str | None = None,
    removal_version: str | None = None,
    replacement: str | None = None,
    category: type[Warning] = DeprecationWarning,
) -> Callable[[F], F]:
    """Make every call of the decorated function warn (``category``) with ``reason`` and the
    version, replacement and removal notes; the docstring is prefixed with the notice."""
    message = _message(reason, version, removal_version, replacement, "")

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, category=category, stacklevel=2)
            return func(*args, **kwargs)

        doc = f"**DEPRECATED**: {message}"
        wrapper.__doc__ = f"{doc}\n\n{func.__doc__}" if func.__doc__ else doc
        _mark(wrapper, reason, version, removal_version, replacement)
        return cast(F, wrapper)

    return decorator


def deprecated_parameter(
    param_name: str,
    reason: str,
    version: str | None = None,
    removal_version: str | None = None,
    replacement: str | None = None,
) -> Callable[[F], F]:
    """Warn when the decorated function is called with keyword ``param_name`` (not None)."""
    message = _message(
        f"Parameter '{param_name}' is deprecated: {reason}",
        version,
        removal_version,
        replacement,
        "'",
    )

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get(param_name) is not None:
                warnings.warn(message, DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def deprecated_class(
    reason: str,
    version: str | None = None,
    removal_version: str | None = None,
    replacement: str | None = None,
) -> Callable[[C], C]:
    """Make instantiating the decorated class warn; its docstring gets the notice."""
    message = _message(reason, version, removal_version, replacement, "")

    def decorator(cls: C) -> C:
        original = vars(cls).get("__init__", cls.__init__)  # type: ignore[misc]

        @functools.wraps(original)
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(
                f"{cls.__name__} is deprecated: {message}", DeprecationWarning, stacklevel=2
            )
            original(self, *args, **kwargs)

        cls.__init__ = init  # type: ignore[misc]
        doc = f"**DEPRECATED**: {message}"
        cls.__doc__ = f"{doc}\n\n{cls.__doc__}" if cls.__doc__ else doc
        _mark(cls, reason, version, removal_version, replacement)
        return cls

    return decorator


def check_deprecated_usage(obj: Any) -> dict[str, Any] | None:
    """The deprecation notes of ``obj`` (or of its class); None when it is not deprecated."""
    for target in (obj, type(obj)):
        if getattr(target, "__deprecated__", False):
            return {
                "deprecated": True,
                "reason": getattr(target, "__deprecated_reason__", None),
                "version": getattr(target, "__deprecated_version__", None),
                "removal_version": getattr(target, "__deprecated_removal__", None),
                "replacement": getattr(target, "__deprecated_replacement__", None),
            }
    return None


def warn_deprecated(
    message: str, category: type[Warning] = DeprecationWarning, stacklevel: int = 2
) -> None:
    """Issue a deprecation warning attributed to ``stacklevel`` frames up."""
    warnings.warn(message, category, stacklevel)
