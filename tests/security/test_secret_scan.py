"""The scanner itself: it finds each secret in each form and place, and stays quiet otherwise."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.security.secret_scan import (
    SecretSet,
    assert_clean,
    capture_logs,
    scan_object,
    scan_path,
    scan_records,
    scan_text,
)

KEY = "Zk9/+key=material&more"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlZ21lbnQtb2Ytand0"


@pytest.fixture
def secrets() -> SecretSet:
    s = SecretSet()
    s.add("api_key", KEY)
    s.add_jwt(JWT, "jwt")
    s.add("short", "abc")  # too short to search for
    return s


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (f"key is {KEY}", "api_key"),
        (f"https://h/x?k={quote(KEY, safe='')}", "api_key"),
        (json.dumps({"apiKey": KEY}), "api_key"),
        (base64.b64encode(KEY.encode()).decode(), "api_key"),
        (f"wss://h/hubs/user?access_token={JWT}", "jwt"),
        (f"sig={JWT.split('.')[2]}", "jwt.signature"),
    ],
)
def test_each_encoded_form_is_found(secrets: SecretSet, text: str, label: str):
    assert label in {f.label for f in scan_text(text, secrets, "t")}


def test_clean_text_and_short_values_give_nothing(secrets: SecretSet):
    assert scan_text("abc api_key=*** token ***", secrets, "t") == []
    assert "short" not in secrets.labels


def test_log_records_are_scanned_in_message_args_exceptions_and_extras(secrets: SecretSet):
    with capture_logs() as records:
        log = logging.getLogger("scan.test.deep.child")
        log.debug("plain %s", "nothing here")
        log.debug("arg %s", ["x", {"k": KEY}])
        try:
            raise RuntimeError(f"boom {JWT}")
        except RuntimeError:
            log.exception("failed")
        log.info("extra", extra={"url": f"?access_token={JWT}"})
        try:
            try:
                raise ValueError(KEY)
            except ValueError as inner:
                raise KeyError("outer") from inner
        except KeyError:
            log.warning("chained", exc_info=True)
    findings = scan_records(records, secrets)
    places = {(f.where.split(")")[0].split("#")[1], f.label) for f in findings}
    assert ("1 (scan.test.deep.child:DEBUG", "api_key") in places
    assert ("2 (scan.test.deep.child:ERROR", "jwt") in places
    assert ("3 (scan.test.deep.child:INFO", "jwt") in places
    assert ("4 (scan.test.deep.child:WARNING", "api_key") in places
    assert not any(f.where.startswith("log record #0 ") for f in findings)
    with pytest.raises(AssertionError, match="secret leak") as info:
        assert_clean(findings)
    assert KEY not in str(info.value) and JWT not in str(info.value)


def test_capture_restores_logger_levels():
    log = logging.getLogger("scan.test.levels")
    log.setLevel(logging.ERROR)
    with capture_logs():
        assert log.level == logging.DEBUG
    assert log.level == logging.ERROR


def test_objects_and_suppressed_exception_context(secrets: SecretSet):
    class Leaky:
        def __repr__(self) -> str:
            return f"Leaky({KEY})"

    assert {f.label for f in scan_object(Leaky(), secrets)} == {"api_key"}
    try:
        try:
            raise OSError(JWT)
        except OSError:
            raise RuntimeError("clean message") from None
    except RuntimeError as exc:
        err = exc
    assert scan_object(err, secrets) == []  # what a traceback shows
    assert "jwt" in {f.label for f in scan_object(err, secrets, suppressed=True)}


def test_files_and_directories(tmp_path: Path, secrets: SecretSet):
    (tmp_path / "clean.json").write_text('{"a": 1}')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rec.bin").write_bytes(b"\x00\x1e" + JWT.encode() + b"\xff")
    findings = scan_path(tmp_path, secrets)
    assert [f.where.endswith("rec.bin") for f in findings] == [True, True]
    assert scan_path(tmp_path / "clean.json", secrets) == []
