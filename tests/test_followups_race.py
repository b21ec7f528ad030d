"""Two terminals on one store (a SQLite file, and PostgreSQL): the app and a second process.

The second terminal is a real process working through the services, as
another front desk would. Both complete the same follow-up at the same moment:
exactly one completion is stored, and the loser is told who won. When the
other terminal changes something else, the app's queue shows it by itself
(the change feed), within five seconds and without a key press.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_followups_screen import (
    Shift,
    app_for,
    fill_queue,
    message_line,
    open_queue,
    row,
    table,
)

from frontdesk.services.context import Actor
from frontdesk.store.feed import POLL_SECONDS as FEED_POLL
from frontdesk.store.models import FollowUp, FollowUpAttempt
from tests.ui import screen_text, settle, until

pytestmark = pytest.mark.stress

OTHER_TERMINAL = textwrap.dedent("""
    import os, sys, time
    from datetime import datetime
    from frontdesk.clock import FixedClock
    from frontdesk.schemas.inputs import OutcomeInput
    from frontdesk.services import followups
    from frontdesk.services.context import Actor
    from frontdesk.errors import Conflict
    from frontdesk.store.db import Store

    url, now, site_id, staff_id, action, follow_up_id, version, go = sys.argv[1:9]
    actor = Actor(Store(url), FixedClock(datetime.fromisoformat(now)), int(site_id), "office", int(staff_id))
    print("ready", flush=True)
    while go != "-" and not os.path.exists(go):
        time.sleep(0.001)
    try:
        if action == "complete":
            followups.complete(actor, int(follow_up_id), int(version),
                               OutcomeInput.parse({"outcome": "reached_satisfied"}))
        else:
            followups.reschedule_by_days(actor, int(follow_up_id), int(version), 7)
        print("saved", flush=True)
    except Conflict as exc:
        print(f"refused: {exc}", flush=True)
""")


def other_terminal(shift: Shift, action: str, follow_up_id: int, go: Path | None) -> subprocess.Popen[str]:
    """Start Lena's terminal; it acts on the version it read when `go` appears (at once without one).

    Lena is a lead: the follow-up is Maria's, and the role table lets only a
    lead (or a manager) work someone else's follow-ups.
    """
    url = shift.desk.store.url.render_as_string(hide_password=False)
    version = row(shift.desk, follow_up_id).version
    process = subprocess.Popen(
        [sys.executable, "-c", OTHER_TERMINAL, url, shift.desk.now().isoformat(), str(shift.desk.site_id),
         str(shift.staff["Lena"]), action, str(follow_up_id), str(version), str(go) if go else "-"],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


async def finished(process: subprocess.Popen[str]) -> str:
    out, _ = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0
    return out.strip()


def completions(desk: Actor, follow_up_id: int) -> tuple[int, int]:
    """(done rows, attempts recorded) for one follow-up."""
    with desk.store.read() as session:
        done = session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.id == follow_up_id, FollowUp.status == "done")) or 0
        attempts = session.scalar(select(func.count()).select_from(FollowUpAttempt).where(
            FollowUpAttempt.follow_up_id == follow_up_id)) or 0
        return done, attempts


async def stop_feed(pilot: Any) -> None:
    """Stop the change feed before the app closes, so nothing it sets off arrives after the screens are gone."""
    feed = [worker for worker in pilot.app.workers if worker.group == "feed"]
    for worker in feed:
        worker.cancel()
    await asyncio.sleep(FEED_POLL + 0.2)  # the feed thread notices within one poll
    await settle(pilot)


@pytest.fixture
def shift(desk: Actor) -> Shift:
    """The shift of test_followups_screen, on each backend (SQLite file and PostgreSQL)."""
    return fill_queue(desk)


async def test_both_complete_the_same_follow_up_at_once_and_one_wins(
        shift: Shift, clock: Any, tmp_path: Path) -> None:
    click_mail = shift.follow_ups["click_mail"]
    go = tmp_path / "go"
    app = app_for(shift.desk, clock, watch_store=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await pilot.press("down", "down", "down", "enter", "1")
        await settle(pilot)
        lena = other_terminal(shift, "complete", click_mail, go)
        go.touch()
        await pilot.press("enter")
        lena_says = await finished(lena)
        await until(pilot, lambda: "Not saved" in message_line(app) or "Done" in message_line(app))

        assert completions(shift.desk, click_mail) == (1, 1)
        winner = row(shift.desk, click_mail).completed_by_id
        if winner == shift.staff["Lena"]:
            assert lena_says == "saved"
            assert "Not saved: already done by Lena at 19:30 (reached – satisfied)" in message_line(app)
        else:
            assert winner == shift.staff["Maria"]
            assert lena_says == "refused: already done by Maria at 19:30 (reached – satisfied)"
            assert message_line(app).startswith("Done: [@click=app.quit]x[/], reached – satisfied.")
        await stop_feed(pilot)


async def test_the_app_completing_what_the_other_terminal_just_did_says_who_and_changes_nothing(
        shift: Shift, clock: Any) -> None:
    """The manager opened the dialog on the version they saw; Lena's terminal saved first."""
    click_mail = shift.follow_ups["click_mail"]
    app = app_for(shift.desk, clock, watch_store=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await pilot.press("down", "down", "down", "enter", "1")
        await settle(pilot)
        assert await finished(other_terminal(shift, "complete", click_mail, None)) == "saved"
        await pilot.press("enter")
        await until(pilot, lambda: "Not saved" in message_line(app))

        assert completions(shift.desk, click_mail) == (1, 1)
        assert row(shift.desk, click_mail).completed_by_id == shift.staff["Lena"]
        assert "Not saved: already done by Lena at 19:30 (reached – satisfied). Nothing was changed." in \
            message_line(app)
        await stop_feed(pilot)


async def test_a_change_at_another_terminal_shows_in_the_queue_within_five_seconds(
        shift: Shift, clock: Any) -> None:
    click_mail = shift.follow_ups["click_mail"]
    app = app_for(shift.desk, clock, watch_store=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        assert "tomorrow 10:00  [@click=app.quit]x[/]" in screen_text(app)
        assert await finished(other_terminal(shift, "reschedule", click_mail, None)) == "saved"
        started = asyncio.get_running_loop().time()
        await until(pilot, lambda: "28 Nov 10:00    [@click=app.quit]x[/]" in screen_text(app), timeout=5)
        assert asyncio.get_running_loop().time() - started < 5
        assert "tomorrow 10:00  [@click=app.quit]x[/]" not in screen_text(app)
        assert [item.id for item in table(app).items][-1] == click_mail
        await stop_feed(pilot)
