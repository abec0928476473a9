"""A real headless browser for the report tests: Chromium's ``--dump-dom`` (the page's DOM after
its scripts ran). Found as ``$PROJECTX_BROWSER`` or ``chromium``/``chromium-browser``/
``google-chrome`` on the PATH (``.ci/browser`` installs Debian's ``chromium``). Without one the
tests skip, unless ``PROJECTX_REQUIRE_BROWSER`` is set (CI), when they fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    """The browser's executable, or None."""
    env = os.environ.get("PROJECTX_BROWSER")
    if env:
        return shutil.which(env)
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def browser_or_skip() -> str:
    """The browser; skip the test without one (fail when ``PROJECTX_REQUIRE_BROWSER`` is set)."""
    found = find_browser()
    if found is None:
        message = (
            "no headless browser found (chromium, chromium-browser, google-chrome or "
            "$PROJECTX_BROWSER); .ci/browser installs one"
        )
        if os.environ.get("PROJECTX_REQUIRE_BROWSER"):
            pytest.fail(f"PROJECTX_REQUIRE_BROWSER is set but {message}")
        pytest.skip(message)
    return found


def rendered_dom(browser: str, page: Path, timeout: float = 90.0) -> str:
    """The DOM of ``page`` after the browser loaded it and ran its scripts (no network)."""
    with tempfile.TemporaryDirectory(prefix="projectx-browser-") as profile:
        proc = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise AssertionError(f"{browser} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


class Element:
    """One element of a parsed DOM: tag, attributes, own text and ``<title>`` child text."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.text, self.title = tag, attrs, "", ""

    @property
    def classes(self) -> set[str]:
        """The ``class`` attribute's names."""
        return set(self.attrs.get("class", "").split())


def elements(dom: str) -> list[Element]:
    """Every element of ``dom`` in document order."""
    from html.parser import HTMLParser

    found: list[Element] = []
    stack: list[Element] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            e = Element(tag, {k: v or "" for k, v in attrs})
            found.append(e)
            stack.append(e)

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append(Element(tag, {k: v or "" for k, v in attrs}))

        def handle_endtag(self, tag: str) -> None:
            while stack:
                e = stack.pop()
                if e.tag == tag:
                    break

        def handle_data(self, data: str) -> None:
            if stack:
                stack[-1].text += data
                if stack[-1].tag == "title" and len(stack) > 1:
                    stack[-2].title += data

    Parser().feed(dom)
    return found
