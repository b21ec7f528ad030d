"""Escalation at the terminal (issue 15 item 1): the alert bar of a lead's or manager's terminal, and a
lead's first sign-in of the day opening on the queue. Driven by keys; the store is checked first.

The shift of tests/test_followups_screen.py: Ana's call two days overdue (escalated to the leads) and
Smith's call tried three times (escalated to the leads); nothing yet with the managers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from frontdesk.widgets.alert_bar import AlertBar
from tests.test_followups_screen import Shift, app_for, fill_queue, message_line, row, utc
from tests.ui import ready, screen_text, until

import pytest


@pytest.fixture
def shift(sqlite_desk: Any) -> Shift:
    return fill_queue(sqlite_desk)


def bar(app: Any) -> str:
    return str(app.screen.query_one(AlertBar).render())


async def test_a_leads_first_sign_in_of_the_day_opens_on_the_queue(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock, staff="Lena")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: app.current_mode == "followups" and "escalated." in message_line(app))
        assert [row(shift.desk, shift.follow_ups[name]).escalation for name in ("ana_call", "smith_call")] == [1, 1]
        assert message_line(app) == "1 overdue, 2 escalated."
        await until(pilot, lambda: "escalated to the leads" in bar(app))
        assert "! 2 follow-ups escalated to the leads · F4: the queue" in screen_text(app)
        assert "Ana" not in bar(app), "the bar names no guest"

    again = app_for(shift.desk, clock, staff="Lena")  # the second sign-in of the day stays on F2
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: "escalated to the leads" in bar(again))
        assert again.current_mode == "greet"


async def test_a_manager_hears_of_both_levels(shift: Shift, clock: Any) -> None:
    """Issue 15: what sits with the leads is the managers' to chase too, so a manager's bar counts both levels."""
    app = app_for(shift.desk, clock)  # Maria, a manager: two follow-ups with the leads, none with the managers yet
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: "escalated to the leads" in bar(app))
        assert row(shift.desk, shift.follow_ups["ana_call"]).escalation == 1
        assert "! 2 follow-ups escalated to the leads · F4: the queue" in screen_text(app)
        assert app.current_mode == "greet"
    clock.set(utc(2026, 11, 21, 9, 30))  # Sat 10:30: Ana's call (Wed 10:00) is three local days overdue
    later = app_for(shift.desk, clock)
    async with later.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: "managers" in bar(later))
        assert [row(shift.desk, shift.follow_ups[name]).escalation for name in ("ana_call", "smith_call")] == [2, 1]
        assert "!! 2 escalated (managers 1, leads 1) · F4: the queue" in screen_text(later)
        assert later.current_mode == "greet", "only a lead's terminal opens on the queue"
