"""Value-based redaction: the SDK's own secrets are removed from every string it emits.

A small process-wide registry holds the secret values the SDK knows (API keys, passwords and
verify keys when a :class:`~projectx.config.Secret` is built; session tokens when a login or a
refresh returns one). :func:`scrub` replaces each of them, in every spelling a server or a library
might echo, with ``***``:

- verbatim and as any substring of a longer text;
- percent-encoded (``quote``/``quote_plus``, either hex case), JSON-escaped (``\\/``, ``\\u``);
- base64 (standard and URL-safe, unpadded);
- in any letter case (a server that upper-cases what it echoes still leaks it);
- for a JWT, also its signature segment alone.

It is applied by :func:`projectx.exceptions.redact` (so by every ``ProjectXError``), by a log-record
hook on the ``projectx`` logger tree (message, arguments and exception text), and where stats and
anomaly details are built. Values shorter than :data:`MIN_SECRET_LEN` are not registered (they
would match ordinary text by chance).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import traceback
from collections import Counter
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = [
    "MIN_SECRET_LEN",
    "SecretFilter",
    "forget_secret",
    "install_log_filter",
    "register_secret",
    "registered_count",
    "release_secret",
    "scrub",
]

MIN_SECRET_LEN = 6
"""Shorter values are not registered."""
MASK = "***"

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_pattern: re.Pattern[str] | None = None
_released: list[str] = []
"""Values released by garbage collection, forgotten at the next registry change (a finalizer
may run anywhere, even inside this module's lock: it only appends here)."""


def _spellings(value: str) -> set[str]:
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(value).replace("/", "\\/")[1:-1],
        "".join(f"\\u{ord(ch):04x}" for ch in value),  # JSON with every character escaped
    }
    raw = value.encode()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(raw).decode().rstrip("="))
    parts = value.split(".")
    if len(parts) == 3 and len(parts[2]) >= 16:  # a JWT: its signature is secret on its own
        forms.add(parts[2])
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


def _rebuild() -> None:
    global _pattern
    forms: set[str] = set()
    for value in _counts:
        forms |= _spellings(value)
    if not forms:
        _pattern = None
        return
    ordered = sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers
    _pattern = re.compile("|".join(re.escape(f) for f in ordered), re.IGNORECASE)


def register_secret(value: str | None) -> None:
    """Remember ``value`` as secret (counted: register and forget in pairs)."""
    if not isinstance(value, str) or len(value) < MIN_SECRET_LEN:
        return
    with _lock:
        changed = _drain_released()
        _counts[value] += 1
        if changed or _counts[value] == 1:
            _rebuild()


def forget_secret(value: str | None) -> None:
    """Undo one :func:`register_secret` of ``value`` (the last one stops its redaction)."""
    if not isinstance(value, str):
        return
    with _lock:
        changed = _drain_released()
        if value in _counts:
            changed |= _decrement(value)
        if changed:
            _rebuild()


def release_secret(value: str) -> None:
    """Like :func:`forget_secret`, safe to call from a finalizer (takes no lock; applied at the
    next registry change)."""
    _released.append(value)


def _decrement(value: str) -> bool:
    _counts[value] -= 1
    if _counts[value] <= 0:
        del _counts[value]
        return True
    return False


def _drain_released() -> bool:
    changed = False
    while _released:
        value = _released.pop()
        if value in _counts:
            changed |= _decrement(value)
    return changed


def registered_count() -> int:
    """How many distinct secret values are registered (for tests and diagnostics)."""
    return len(_counts)


def scrub(text: str) -> str:
    """``text`` with every registered secret, in every spelling, replaced by ``***``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


class SecretFilter(logging.Filter):
    """Scrub a log record in place: the formatted message (arguments merged in) and the text of
    its exception. A record whose exception text held a secret keeps only the scrubbed text
    (``exc_text``), not the exception object."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we can, scrubbed
            message = f"{record.msg} {record.args!r}"
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info))
            clean = scrub(text)
            if clean != text:
                record.exc_text = clean.rstrip("\n")
                record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


_FILTER = SecretFilter()
_installed = False


def _in_tree(name: object) -> bool:
    return isinstance(name, str) and (name == "projectx" or name.startswith("projectx."))


def install_log_filter() -> None:
    """Apply :class:`SecretFilter` to every record of the ``projectx`` logger tree (children
    included: a logger's own filters do not reach its children, so this hooks record creation).
    Idempotent; installed when :mod:`projectx` is imported."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _pattern is not None and _in_tree(record.name):
                _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        logging.getLogger("projectx").addFilter(_FILTER)
        _installed = True


install_log_filter()
