"""ISO-8601 -> int64 ns in C agrees with a plain-Python reference and refuses to guess."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projectx._native.isotime import format_iso, parse_iso, parse_iso_list
from tests.reference.frames_model import Fallback, iso_to_ns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-14T17:49:10.142532+00:00", 1744652950142532000),
        ("2026-05-06T13:36:03.4962794+00:00", 1778074563496279400),
        ("2024-12-01T00:00:00Z", 1733011200000000000),
        ("2024-03-10T02:30:00-05:00", 1710055800000000000),
        ("1969-12-31T23:59:59.5Z", -500_000_000),
        ("2024-02-29T00:00:00.000000001+00:00", 1709164800000000001),
        ("2262-04-11T23:47:16.854775807Z", 2**63 - 1),
        ("1677-09-21T00:12:43.145224192Z", -(2**63)),
    ],
)
def test_server_and_docs_forms_parse_exactly(text: str, expected: int) -> None:
    assert parse_iso(text) == expected
    assert parse_iso(text.encode()) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-04-14T17:49:10",  # no offset: never assume a zone
        "2025-02-29T00:00:00Z",  # not a leap year
        "2025-04-14T24:00:00Z",
        "2025-04-14T17:49:60Z",
        "2025-04-14T17:49:10.1234567890Z",  # 10 fractional digits
        "2025-04-14T17:49:10.Z",
        "2025-04-14T17:49:10+25:00",
        "2025-4-14T17:49:10Z",
        "2025-04-14T17:49:10Zjunk",
        "2262-04-11T23:47:16.854775808Z",  # one ns past the int64 range
        "1677-09-21T00:12:43.145224191Z",
        "",
    ],
)
def test_malformed_timestamps_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)


def test_non_text_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_iso(12345)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2262, 4, 10)),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=-23 * 60, max_value=23 * 60),
    st.booleans(),
)
def test_agrees_with_the_reference_parser(
    dt: datetime, digits: int, offset_min: int, colon: bool
) -> None:
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{dt.microsecond:06d}123"[:digits]
    sign = "+" if offset_min >= 0 else "-"
    hh, mm = divmod(abs(offset_min), 60)
    text += f"{sign}{hh:02d}{':' if colon else ''}{mm:02d}"
    assert parse_iso(text) == iso_to_ns(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-:T.Z+ ", max_size=40))
def test_accepts_only_what_the_reference_accepts(text: str) -> None:
    try:
        expected: int | None = iso_to_ns(text)
    except Fallback:
        expected = None
    try:
        got: int | None = parse_iso(text)
    except ValueError:
        got = None
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(2**62), max_value=2**62))
def test_format_round_trips_through_parse(ts_ns: int) -> None:
    assert parse_iso(format_iso(ts_ns, 9)) == ts_ns
    dt = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=UTC) if abs(ts_ns) < 2**60 else None
    if dt is not None and dt.year > 1:
        assert format_iso(ts_ns, 0).startswith(dt.strftime("%Y-%m-%dT%H:%M:%S"))


def test_list_parse_equals_item_parse_and_names_the_bad_item() -> None:
    texts = ["2025-04-14T17:49:10.142532+00:00", "2024-12-01T00:00:00Z", "1969-12-31T23:59:59.5Z"]
    assert parse_iso_list(texts).tolist() == [parse_iso(t) for t in texts]
    assert parse_iso_list([]).tolist() == []
    with pytest.raises(ValueError, match="item 1"):
        parse_iso_list([texts[0], "2024-12-01T00:00:00"])
    with pytest.raises(TypeError, match="item 0"):
        parse_iso_list([b"2024-12-01T00:00:00Z"])  # type: ignore[list-item]
