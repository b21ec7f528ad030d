"""Alerts across terminals: a second process logs incidents; this app's bar shows the serious ones
within 5 seconds (through the change feed) and keeps them until someone acknowledges them.

The writer is a real second process on the same store, as terminal "bar"; the
app runs as terminal "stand" with the change feed on.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from typing import Any

from sqlalchemy import select

from frontdesk.messages import StoreChanged
from frontdesk.schemas.inputs import SiteInput
from frontdesk.services import setup
from frontdesk.store.models import Alert
from tests.ui import make_app, ready, screen_text, settle, type_text

ALERT_WITHIN = 5.0
"""Seconds: every other terminal of the site shows a serious incident by then."""

WRITER = textwrap.dedent(
    """
    import sys
    from frontdesk.clock import SystemClock
    from frontdesk.services import incidents, setup
    from frontdesk.services.context import Actor
    from frontdesk.store.migrate import open_store

    url, site_name, severity, description = sys.argv[1:5]
    store = open_store(url)
    site = setup.find_site(store, site_name)
    maria = setup.find_staff(store, "Maria")
    actor = Actor(store, SystemClock(), site.id, "bar", maria.id)
    data = {"category": "food", "severity": severity, "description": description, "guest_description": "table 9"}
    incidents.log_incident(actor, incidents.parse_incident(actor, data))
    store.dispose()
    """
)


async def log_elsewhere(url: str, site: str, severity: str, description: str) -> None:
    """Log an incident from another process, as terminal "bar" (customer text stays out of argv logs)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, url, site, severity, description)
    assert await process.wait() == 0


async def wait_for_text(pilot: Any, text: str, timeout: float) -> float:
    """Seconds until `text` is on screen; fails after `timeout`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while text not in screen_text(pilot.app):
        if loop.time() - start > timeout:
            raise AssertionError(f"{text!r} not shown within {timeout} s:\n{screen_text(pilot.app)}")
        await asyncio.sleep(0.05)
    return loop.time() - start


def changes(seen: list[Any]) -> int:
    """How many times the change feed has reported another connection's commit so far."""
    return sum(isinstance(message, StoreChanged) for message in seen)


async def feed_noticed(pilot: Any, seen: list[Any], before: int, timeout: float = ALERT_WITHIN) -> None:
    """Wait until the change feed has reported a commit since `before`, and the alerts were reloaded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while changes(seen) == before:
        assert loop.time() < deadline, "the change feed never reported the other process's commit"
        await asyncio.sleep(0.05)
    await settle(pilot)  # the alerts worker has answered


async def test_a_major_incident_elsewhere_shows_within_5s_until_acknowledged(sqlite_desk, clock):
    """Neutral headline first, never the customer's name; F7 acknowledges and the bar goes."""
    desk = sqlite_desk
    url = desk.store.url.render_as_string(hide_password=False)
    app = make_app(url, clock, watch_store=True, terminal="stand")
    seen: list[Any] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        assert "⚠" not in screen_text(app)

        await log_elsewhere(url, "Bistro Berlin", "major", "Soup arrived cold")
        took = await wait_for_text(pilot, "⚠ Food and drink follow-up", ALERT_WITHIN)
        assert took <= ALERT_WITHIN
        bar = next(line for line in screen_text(app).splitlines() if "⚠" in line)
        assert bar.index("Food and drink follow-up") < bar.index("major")  # headline first
        assert "table 9" not in screen_text(app) and "major · bar" in bar

        await type_text(pilot, "Mr Braun")  # keys still reach the form under the bar
        assert app.screen.query_one("#customer Input").value == "Mr Braun"
        before = changes(seen)
        await log_elsewhere(url, "Bistro Berlin", "minor", "Bread was stale")
        await feed_noticed(pilot, seen, before)
        assert "⚠ Food and drink follow-up" in screen_text(app)  # still there, until acknowledged

        await pilot.press("f7")
        await wait_for_gone(pilot, "⚠")
    with desk.store.read() as session:
        alert = session.scalars(select(Alert)).one()
        assert (alert.acknowledged_by_id, alert.acknowledged_terminal) == (desk.staff_id, "stand")


async def test_minor_incidents_and_other_sites_raise_no_alert(sqlite_desk, clock):
    """A minor incident here and a major one at another site: the feed notices, the bar stays away."""
    desk = sqlite_desk
    url = desk.store.url.render_as_string(hide_password=False)
    setup.add_site(desk.store, clock, SiteInput.parse({"name": "Bistro Hamburg", "time_zone": "Europe/Berlin",
                                                      "phone_region": "DE", "currency": "EUR"}), "stand")
    app = make_app(url, clock, watch_store=True, terminal="stand", site="Bistro Berlin")
    seen: list[Any] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        before = changes(seen)
        await log_elsewhere(url, "Bistro Berlin", "minor", "Bread was stale")
        await feed_noticed(pilot, seen, before)
        before = changes(seen)
        await log_elsewhere(url, "Bistro Hamburg", "major", "Soup arrived cold")
        await feed_noticed(pilot, seen, before)
        assert "⚠" not in screen_text(app)
        assert app.alerts == ()
    with desk.store.read() as session:
        assert len(session.scalars(select(Alert)).all()) == 1  # Hamburg's, for Hamburg's terminals


async def wait_for_gone(pilot: Any, text: str, timeout: float = ALERT_WITHIN) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text in screen_text(pilot.app):
        assert loop.time() < deadline, f"{text!r} still shown"
        await asyncio.sleep(0.05)
