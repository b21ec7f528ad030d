"""Driving a served tab in headless Chromium: Debian's `chromium`, through Playwright, never a downloaded browser.

The page reads the terminal's text from xterm's buffer (`window.frontdeskScreenText()`), so tests find
words on the screen as text, and tap them at the cell they occupy.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = "FRONTDESK_TEST_REQUIRE_BROWSER"
WAIT_MS = 30_000
"""How long a condition may take to show on the page (a loaded CI machine starts apps slowly)."""


def chromium_or_skip() -> Path:
    """Debian's Chromium; without it, a skip with the reason, unless the run requires the browser (CI)."""
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.environ.get(REQUIRE):
        pytest.fail(f"{CHROMIUM} is missing and {REQUIRE} is set: install Debian's chromium (apt-get install "
                    "chromium); the browser tests must run here", pytrace=False)
    pytest.skip(f"no {CHROMIUM} (apt-get install chromium); set {REQUIRE}=1 to make this a failure")


def screen(page: Any) -> str:
    return str(page.evaluate("window.frontdeskScreenText ? window.frontdeskScreenText() : ''"))


def wait_for(page: Any, text: str, *, timeout_ms: int = WAIT_MS) -> float:
    """Seconds until `text` is on the terminal (fails after `timeout_ms`, with the screen in the message)."""
    started = time.monotonic()
    try:
        page.wait_for_function("(t) => window.frontdeskScreenText && window.frontdeskScreenText().includes(t)",
                               arg=text, timeout=timeout_ms)
    except Exception as exc:  # Playwright's TimeoutError: say what was on screen instead
        raise AssertionError(f"{text!r} not on the page within {timeout_ms} ms:\n{screen(page)}") from exc
    return time.monotonic() - started


def wait_for_line(page: Any, pattern: str, *, timeout_ms: int = WAIT_MS) -> str:
    """The first screen line matching the regular expression `pattern`, once there is one."""
    try:
        page.wait_for_function(
            "(p) => window.frontdeskScreenText && new RegExp(p, 'm').test(window.frontdeskScreenText())",
            arg=pattern, timeout=timeout_ms)
    except Exception as exc:
        raise AssertionError(f"no line matching {pattern!r} within {timeout_ms} ms:\n{screen(page)}") from exc
    return next(line for line in screen(page).split("\n") if re.search(pattern, line))


def wait_until(page: Any, check: Callable[[str], bool], what: str, *, timeout_ms: int = WAIT_MS) -> str:
    """The screen's text once `check` holds for it (polled; fails after `timeout_ms`, saying `what`)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check(text := screen(page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_ms} ms:\n{text}")
        page.wait_for_timeout(50)  # between two reads of the screen; the condition decides, not the time
    return text


def wait_gone(page: Any, text: str, *, timeout_ms: int = WAIT_MS) -> None:
    try:
        page.wait_for_function("(t) => window.frontdeskScreenText && !window.frontdeskScreenText().includes(t)",
                               arg=text, timeout=timeout_ms)
    except Exception as exc:
        raise AssertionError(f"{text!r} still on the page after {timeout_ms} ms:\n{screen(page)}") from exc


def cell_of(page: Any, pattern: str, *, line_pattern: str | None = None) -> tuple[int, int]:
    """(row, column) of the first match of `pattern` on the screen (in the first line matching
    `line_pattern`, when given)."""
    lines = screen(page).split("\n")
    for row, line in enumerate(lines):
        if line_pattern is not None and not re.search(line_pattern, line):
            continue
        if (found := re.search(pattern, line)) is not None:
            return row, found.start()
    raise AssertionError(f"{pattern!r} not on the screen:\n{chr(10).join(lines)}")


def tap_cell(page: Any, row: int, column: int) -> None:
    """A finger on the middle of one cell of the terminal."""
    box = page.locator(".xterm-screen").bounding_box()
    size = page.evaluate("[window.frontdeskTerminal.cols, window.frontdeskTerminal.rows]")
    width, height = box["width"] / size[0], box["height"] / size[1]
    page.touchscreen.tap(box["x"] + (column + 0.5) * width, box["y"] + (row + 0.5) * height)


def tap(page: Any, pattern: str, *, line_pattern: str | None = None, offset: int = 0) -> None:
    row, column = cell_of(page, pattern, line_pattern=line_pattern)
    tap_cell(page, row, column + offset)


def tap_pin(page: Any, pin: str) -> None:
    """Tap the PIN on the sign-in's pad (digits 1–5 and ⌫ on one row, 6–0 and OK on the next), then OK."""
    for key in [*pin, "OK"]:
        line = r"⌫" if key in "12345" else r"\bOK\b"
        tap(page, rf"(?<![\w]){re.escape(key)}(?![\w])", line_pattern=line)


def sign_in(page: Any, name: str, pin: str) -> float:
    """On the sign-in screen: tap the name, then the PIN on the pad; seconds until the greet screen is free."""
    wait_for(page, name)
    tap(page, re.escape(name))
    wait_for(page, "⌫")
    started = time.monotonic()
    tap_pin(page, pin)
    wait_gone(page, "Sign in: who is at this terminal?")
    return time.monotonic() - started
