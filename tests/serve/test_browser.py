"""The host stand on a tablet: `frontdesk serve` on the demo store, in headless Chromium, by taps.

Debian's chromium through Playwright (`executable_path`); nothing downloads a browser. CI sets
FRONTDESK_TEST_REQUIRE_BROWSER, so there a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.serve import browser
from tests.serve.browser import screen, sign_in, tap, wait_for, wait_for_line

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
"""Screenshots also copied here (ignored by git), to look at after a run."""
DEMO_PINS = {"Kenji Watanabe": "7396", "Zoë Laurent": "6285", "Giulia Romano": "1906"}
"""From README: the demo restaurant's staff and their PINs."""
VIEWPORT = {"width": 1024, "height": 700}


@pytest.fixture
def chromium() -> Any:
    """A headless Chromium (Debian's), closed afterwards."""
    from playwright.sync_api import sync_playwright

    path = browser.chromium_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(path), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def tablet(chromium: Any) -> Any:
    """A new tab the size of a landscape tablet, with a touch screen."""
    return chromium.new_context(viewport=VIEWPORT, has_touch=True).new_page()


def keep(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / name)
    return path


def flagged_guest(url: str) -> tuple[str, str]:
    """A guest of the demo with an active flag (the demo's flags follow today's date): name and level,
    priority first."""
    from frontdesk.store.migrate import open_store
    from frontdesk.store.models import Customer, Flag

    store = open_store(url)
    try:
        with store.read() as session:
            rows = session.execute(select(Customer.name, Flag.level).join(Flag, Flag.customer_id == Customer.id)
                                   .where(Flag.active.is_(True)).order_by(Customer.name)).all()
    finally:
        store.dispose()
    order = {"priority": 0, "care": 1, "info": 2}
    usable = [(name, level) for name, level in rows if len(name.split()[-1]) >= 4]
    assert usable, "the demo has no flagged guest"
    return min(usable, key=lambda row: order.get(row[1], 3))


def four_letters(name: str) -> str:
    """The first four letters of the surname, accents dropped (the search folds them)."""
    return folded(name.split()[-1])[:4]


def folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(char for char in plain if not unicodedata.combining(char)).lower()


def answers(text: str, letters: str) -> bool:
    """The result rows on screen are those for `letters` (each name has a word starting with them), not an
    earlier keystroke's."""
    lines = text.split("\n")
    start = next((index for index, line in enumerate(lines) if " found" in line.split("│")[0]), None)
    if start is None:
        return False
    names = []
    for line in lines[start + 1:]:
        left = line.split("│")[0]
        if not left.strip() or "─" in left:
            break
        names.append(re.sub(r"^[▶\s]*(⚑ \w+)?\s*", "", left).split("  ")[0])
    return bool(names) and all(any(word.startswith(letters) for word in re.split(r"[\s-]+", folded(name)))
                               for name in names)


def test_the_host_signs_in_finds_a_flagged_guest_and_opens_the_card_by_taps(serve, chromium, demo_url, tmp_path,
                                                                            show) -> None:
    """Sign in by tapping the name and the PIN pad; type four letters of a flagged guest's name; the flag
    marker and the name are on the page; tapping the row opens the card; a screenshot is kept."""
    name, level = flagged_guest(demo_url)
    letters = four_letters(name)
    served = serve()
    page = tablet(chromium)
    opened = time.monotonic()
    page.goto(served.url)
    wait_for(page, "Sign in: who is at this terminal?")
    to_sign_in = time.monotonic() - opened
    keep(page, tmp_path, "sign-in.png")
    signed = sign_in(page, "Kenji Watanabe", DEMO_PINS["Kenji Watanabe"])
    wait_for(page, "Recent guests")  # the greet screen with its first answer
    keep(page, tmp_path, "greet.png")

    pressed = time.monotonic()
    page.keyboard.press(letters[0])
    wait_for(page, " found")
    key_to_results = time.monotonic() - pressed
    page.keyboard.type(letters[1:])
    wait_for_line(page, rf"▊\s+{letters}\s")  # the search box holds the four letters
    text = browser.wait_until(page, lambda shown: answers(shown, letters), f"the results for {letters!r}")
    row = rf"^[^│]*⚑ {level}\s+{re.escape(name)}"  # in the results (left of the in-house list)
    assert any(re.search(row, line) for line in text.split("\n")), text
    keep(page, tmp_path, "results.png")

    tap(page, re.escape(name), line_pattern=row)
    wait_for(page, "F6 Story")
    wait_for(page, "Customer since")
    text = screen(page)
    assert name in text and "F6: the story and how to greet" in text, text
    card = keep(page, tmp_path, "card.png")
    assert card.stat().st_size > 10_000
    show(f"browser, over loopback: page open → sign-in screen {to_sign_in:.2f} s; PIN tapped → greet "
         f"{signed:.2f} s; a key → its results on the page {key_to_results * 1000:.0f} ms")
    assert served.stop() == 0


def test_two_tabs_are_two_terminals_and_an_alert_in_one_shows_in_the_other(serve, chromium, demo_url, tmp_path,
                                                                          show) -> None:
    """Two tabs at once, each its own terminal (web-…); a major incident quick-logged by keys in the first
    shows as an alert in the second within 5 s."""
    from frontdesk.store.migrate import open_store
    from frontdesk.store.models import Alert, AuditEvent

    served = serve()
    first, second = tablet(chromium), tablet(chromium)
    for page, name in ((first, "Kenji Watanabe"), (second, "Zoë Laurent")):
        page.goto(served.url)
        sign_in(page, name, DEMO_PINS[name])
        wait_for(page, "Type a name or phone number")
    store = open_store(demo_url)
    try:
        with store.read() as session:
            terminals = list(session.scalars(select(AuditEvent.terminal).where(AuditEvent.action == "sign_in")
                                             .order_by(AuditEvent.id)))
            alerts_before = len(list(session.scalars(select(Alert.id))))
        assert len(terminals) == 2 and len(set(terminals)) == 2, terminals
        assert all(terminal.startswith("web-") and len(terminal) == 10 for terminal in terminals), terminals

        first.keyboard.press("F3")
        wait_for(first, "New incident")
        first.keyboard.press("F6")
        wait_for(first, "Quick log")
        first.keyboard.type("man at table 4")
        wait_for(first, "not on file")
        first.keyboard.press("Tab")
        wait_for(first, "→ Next option")  # the category row has the focus
        for shown in ("2/11", "3/11"):
            first.keyboard.press("ArrowRight")
            wait_for_line(first, rf"Category .*{shown}")
        first.keyboard.press("Tab")
        for _ in range(3):
            first.keyboard.press("ArrowRight")
        wait_for(first, "[major]")
        first.keyboard.press("Tab")
        first.keyboard.type("glass in the risotto")
        wait_for(first, "glass in the risotto")
        first.keyboard.press("Control+s")
        logged = time.monotonic()
        wait_for(first, "Finish the deposition")
        with store.read() as session:
            alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
        assert len(alerts) == alerts_before + 1 and alerts[-1].created_terminal == terminals[0]
        alert_line = wait_for_line(second, rf"⚠ .* major · {terminals[0]} ", timeout_ms=5_000)
        seen_after = time.monotonic() - logged
        assert "F7" in alert_line and terminals[0] not in screen(first).split("\n")[2], screen(first)
        keep(second, tmp_path, "alert-in-the-other-tab.png")
        show(f"browser: an alert quick-logged in one tab shown in the other {seen_after:.2f} s after Ctrl+S")
    finally:
        store.dispose()
    assert served.stop() == 0


def drafts_of(url: str) -> list[tuple[str, str]]:
    """(terminal, payload) of every draft in the store."""
    from frontdesk.store.migrate import open_store
    from frontdesk.store.models import Draft

    store = open_store(url)
    try:
        with store.read() as session:
            return [(row.terminal, row.payload) for row in session.scalars(select(Draft).order_by(Draft.id))]
    finally:
        store.dispose()


def wait_for_draft(url: str, words: str, *, timeout: float = 30.0) -> list[tuple[str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        kept = drafts_of(url)
        if any(words in payload for _, payload in kept):
            return kept
        assert time.monotonic() < deadline, f"no draft holding {words!r}: {kept}"
        time.sleep(0.1)  # polling the store for the condition, bounded by the deadline


def test_a_reloaded_tab_loses_nothing_and_ctrl_c_keeps_the_drafts(serve, chromium, demo_url) -> None:
    """Half an incident typed in a tab is a draft as it is typed; the tab reloaded is a new terminal, and
    after signing in again the same person is offered it and resumes it; Ctrl+C then stops the server
    cleanly (exit 0) with the draft still in the store."""
    served = serve()
    page = tablet(chromium)
    page.goto(served.url)
    sign_in(page, "Kenji Watanabe", DEMO_PINS["Kenji Watanabe"])
    page.keyboard.press("F3")
    wait_for(page, "New incident")
    page.keyboard.type("man at table 4")
    wait_for(page, "man at table 4")
    (first_terminal, _), = wait_for_draft(demo_url, "man at table 4")

    page.reload()
    sign_in(page, "Kenji Watanabe", DEMO_PINS["Kenji Watanabe"])
    wait_for(page, "An incident was not saved")
    page.keyboard.press("Enter")
    wait_for(page, "man at table 4")
    ((terminal, payload),) = drafts_of(demo_url)
    assert terminal != first_terminal and terminal.startswith("web-") and "man at table 4" in payload
    assert served.stop() == 0
    assert any("man at table 4" in payload for _, payload in drafts_of(demo_url))
