"""The report tests' browser lookup: skip without a browser, fail when CI requires one."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import browser_or_skip, find_browser


def test_without_a_browser_the_report_test_skips_unless_ci_requires_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PROJECTX_BROWSER", raising=False)
    monkeypatch.delenv("PROJECTX_REQUIRE_BROWSER", raising=False)
    assert find_browser() is None
    with pytest.raises(pytest.skip.Exception, match="no headless browser found"):
        browser_or_skip()
    monkeypatch.setenv("PROJECTX_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PROJECTX_REQUIRE_BROWSER is set"):
        browser_or_skip()


def test_the_browser_can_be_named_by_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PROJECTX_BROWSER", str(fake))
    assert find_browser() == str(fake)
    monkeypatch.setenv("PROJECTX_BROWSER", str(tmp_path / "missing"))
    assert find_browser() is None
