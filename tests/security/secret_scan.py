"""Reusable secret scanner: look for known secret values in logs, objects, text, files.

Usage::

    secrets = SecretSet()
    secrets.add("api_key", api_key)
    secrets.add_jwt(token)                  # also its signature segment on its own
    with capture_logs() as records:         # every logger, DEBUG and up
        ...
    assert_clean(scan_records(records, secrets))
    assert_clean(scan_object(client, secrets) + scan_path(stats_file, secrets))

Each secret is searched in the forms it could take on the way out: verbatim, percent-encoded
(URLs, query strings; either hex case), JSON-escaped (``\\/``, ``\\uXXXX``), upper- and
lower-cased, base64 (headers, blobs) and, for JWTs, the signature segment alone. A finding
names where it was and which secret (by label, never its value).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = [
    "Finding",
    "SecretSet",
    "assert_clean",
    "capture_logs",
    "scan_object",
    "scan_path",
    "scan_records",
    "scan_text",
]

MIN_SECRET_LEN = 8
"""Shorter values are not searched for (they would match by chance)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One secret found somewhere: ``where`` (a description) and the secret's ``label``."""

    where: str
    label: str

    def __str__(self) -> str:
        return f"{self.label} found in {self.where}"


@dataclass(slots=True)
class SecretSet:
    """Labelled secret values and every encoded form to search for."""

    _needles: dict[str, str] = field(default_factory=dict)

    def add(self, label: str, value: str | bytes | None) -> None:
        """Register ``value`` (and its encodings) under ``label``; short values are ignored."""
        if value is None:
            return
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if len(text) < MIN_SECRET_LEN:
            return
        forms = {
            text,
            quote(text, safe=""),
            quote_plus(text),
            json.dumps(text)[1:-1],
            base64.b64encode(text.encode()).decode().rstrip("="),
            base64.urlsafe_b64encode(text.encode()).decode().rstrip("="),
            text.upper(),  # servers that normalise case still echo the secret
            text.lower(),
            quote(text, safe="").lower(),  # lower-case percent hex
            "".join(f"\\u{ord(ch):04x}" for ch in text),  # JSON with every char escaped
            json.dumps(text).replace("/", "\\/")[1:-1],  # JSON with escaped solidus
        }
        for form in forms:
            if len(form) >= MIN_SECRET_LEN:
                self._needles.setdefault(form, label)

    def add_jwt(self, token: str, label: str | None = None) -> None:
        """Register a JWT and its signature segment (enough to replay nothing, but secret)."""
        name = label or f"jwt#{sum(1 for v in self._needles.values() if v.startswith('jwt'))}"
        self.add(name, token)
        parts = token.split(".")
        if len(parts) == 3 and len(parts[2]) >= 16:
            self.add(name + ".signature", parts[2])

    @property
    def labels(self) -> set[str]:
        """Labels registered so far."""
        return set(self._needles.values())

    def __len__(self) -> int:
        return len(self._needles)

    def find(self, text: str) -> list[str]:
        """Labels of the secrets that occur in ``text``."""
        return sorted({label for needle, label in self._needles.items() if needle in text})


def scan_text(text: str | bytes, secrets: SecretSet, where: str) -> list[Finding]:
    """Findings in one piece of text (bytes are decoded leniently)."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    return [Finding(where, label) for label in secrets.find(text)]


# --------------------------------------------------------------------------------- logging
class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def capture_logs(level: int = logging.DEBUG) -> Iterator[list[logging.LogRecord]]:
    """Collect every record of every logger at ``level`` and above (root handler, levels
    lowered on all existing loggers and restored afterwards)."""
    collector = _Collector()
    root = logging.getLogger()
    saved: dict[logging.Logger, int] = {root: root.level}
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            saved[logger] = logger.level
    root.addHandler(collector)
    try:
        for logger in saved:
            logger.setLevel(level)
        yield collector.records
    finally:
        root.removeHandler(collector)
        for logger, old in saved.items():
            logger.setLevel(old)


def _record_texts(record: logging.LogRecord) -> Iterator[tuple[str, str]]:
    yield "msg", str(record.msg)
    try:
        yield "message", record.getMessage()
    except Exception as exc:  # a broken format string is itself worth seeing
        yield "message", f"<unformattable: {exc!r}>"
    args = record.args
    if isinstance(args, dict):
        args_iter: Iterable[Any] = args.values()
    elif isinstance(args, tuple):
        args_iter = args
    else:
        args_iter = () if args is None else (args,)
    for i, arg in enumerate(args_iter):
        yield f"args[{i}]", _safe_repr(arg)
        yield f"args[{i}] str", _safe_str(arg)
    if record.exc_info and record.exc_info[1] is not None:
        yield "exc_info", "".join(traceback.format_exception(*record.exc_info))
        yield from (("exc chain", t) for t in _exception_texts(record.exc_info[1]))
    if record.exc_text:
        yield "exc_text", record.exc_text
    if record.stack_info:
        yield "stack_info", record.stack_info
    standard = logging.makeLogRecord({}).__dict__.keys() | {"message", "asctime", "taskName"}
    for key, value in record.__dict__.items():
        if key not in standard:
            yield f"extra {key}", _safe_repr(value)


def _exception_texts(exc: BaseException, suppressed: bool = False) -> Iterator[str]:
    """Texts of ``exc`` and its chain as a traceback shows it (``__cause__``, else
    ``__context__`` unless suppressed by ``raise ... from``); ``suppressed=True`` also walks
    suppressed contexts (still reachable as attributes by debuggers and error reporters)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield repr(e)
        yield str(e)
        yield repr(getattr(e, "args", ()))
        todo.append(e.__cause__)
        if suppressed or not e.__suppress_context__:
            todo.append(e.__context__)


def scan_records(records: Iterable[logging.LogRecord], secrets: SecretSet) -> list[Finding]:
    """Findings in log records: message, raw msg, every argument (repr and str), exception
    text and chain, stack info and extra attributes."""
    findings: list[Finding] = []
    for i, record in enumerate(records):
        for part, text in _record_texts(record):
            where = f"log record #{i} ({record.name}:{record.levelname}) {part}"
            findings += scan_text(text, secrets, where)
    return findings


# --------------------------------------------------------------------------------- objects
def _safe_repr(obj: Any) -> str:
    try:
        return repr(obj)
    except Exception as exc:
        return f"<repr failed: {exc!r}>"


def _safe_str(obj: Any) -> str:
    try:
        return str(obj)
    except Exception as exc:
        return f"<str failed: {exc!r}>"


def scan_object(
    obj: Any, secrets: SecretSet, name: str | None = None, *, suppressed: bool = False
) -> list[Finding]:
    """Findings in ``repr``, ``str`` and ``format`` of ``obj``; for an exception also its chain
    and formatted traceback (``suppressed``: walk suppressed contexts too)."""
    label = name or type(obj).__name__
    texts = [("repr", _safe_repr(obj)), ("str", _safe_str(obj))]
    with contextlib.suppress(Exception):
        texts.append(("format", f"{obj}"))
    if isinstance(obj, BaseException):
        texts += [("exception", t) for t in _exception_texts(obj, suppressed)]
        texts.append(("traceback", "".join(traceback.format_exception(obj))))
    findings: list[Finding] = []
    for kind, text in texts:
        findings += scan_text(text, secrets, f"{kind} of {label}")
    return findings


def scan_path(path: str | Path, secrets: SecretSet) -> list[Finding]:
    """Findings in a file, or in every file under a directory (stats exports, recordings)."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    findings: list[Finding] = []
    for file in files:
        findings += scan_text(file.read_bytes(), secrets, f"file {file}")
    return findings


def assert_clean(findings: list[Finding]) -> None:
    """Fail with every finding listed (labels and places only, never the secret)."""
    if findings:
        listed = "\n  ".join(str(f) for f in findings[:50])
        more = f"\n  ... and {len(findings) - 50} more" if len(findings) > 50 else ""
        raise AssertionError(f"{len(findings)} secret leak(s):\n  {listed}{more}")
