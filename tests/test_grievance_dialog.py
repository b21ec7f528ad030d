"""A clinic grievance's written response from the follow-ups queue (issue 15 item 6), by keys; the store first.

The clinic (America/Chicago, Friday 20 Nov 2026 12:30 there) logged a grievance for Ana García: its
acknowledgement note is due tomorrow, its written response (the second row of the queue) in a week.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.schemas.inputs import SiteInput, StaffInput
from frontdesk.screens.grievance_dialog import GrievanceResponseDialog
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor
from frontdesk.store.models import FollowUp
from tests.conftest import DESK_PINS
from tests.test_followups_screen import app_for, audit_actions, message_line, open_queue, press, row
from tests.ui import screen_text, type_text, until

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def clinic(sqlite_store: Any, clock: Any) -> tuple[Actor, int]:
    """The clinic and Ana's grievance; returns Maria (manager) at the desk and the written response's id."""
    setup.setup_store(sqlite_store, clock,
                      SiteInput.parse({"name": "Mitte Clinic", "time_zone": "America/Chicago", "phone_region": "US",
                                       "currency": "USD"}),
                      StaffInput.parse({"name": "Maria", "role": "manager", "pin": DESK_PINS["Maria"]}), "stand",
                      "clinic")
    site = setup.list_sites(sqlite_store)[0]
    desk = Actor(sqlite_store, clock, site.id, "stand", setup.list_staff(sqlite_store)[0].id)
    ana = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Ana García"}))
    logged = incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": ana, "category": "grievance", "severity": "moderate",
        "description": "Waited three hours; nobody explained why"}))
    with sqlite_store.read() as session:
        kinds = session.execute(select(FollowUp.kind, FollowUp.id).where(FollowUp.incident_id == logged.incident_id)
                                .order_by(FollowUp.due_at)).all()
    assert [kind for kind, _ in kinds] == ["check_in", "wrap_up"]
    return desk, kinds[1][1]


async def open_response(pilot: Any) -> Any:
    app = await open_queue(pilot)
    await press(pilot, "down", "enter")
    await until(pilot, lambda: isinstance(app.screen, GrievanceResponseDialog))
    return app


async def name_the_contact(pilot: Any) -> None:
    """Open the response and type only the contact person."""
    await open_response(pilot)
    await press(pilot, "tab")
    await type_text(pilot, "Dr Okafor")


async def test_a_resolution_needs_its_four_parts_said_under_each_field(clinic: tuple[Actor, int], clock: Any) -> None:
    desk, response = clinic
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await name_the_contact(pilot)
        await press(pilot, "enter")
        assert (row(desk, response).status, row(desk, response).note) == ("open", None)
        text = screen_text(app)
        for said in ("say what steps were taken", "say what the results were", "give the date of completion"):
            assert said in text
        assert "name the contact person" not in text and "Dr Okafor" in text
        assert app.screen.focused is not None and app.screen.focused.id == "steps_taken"

        await type_text(pilot, "Reviewed the triage rota")
        await press(pilot, "tab")
        await type_text(pilot, "A second nurse at triage on Mondays")
        await press(pilot, "tab")
        await type_text(pilot, "2026-12-09")
        await press(pilot, "enter")
        assert row(desk, response).status == "open"
        assert "that day is still ahead" in screen_text(app) and "say what steps" not in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "completed_on"

        await press(pilot, *["backspace"] * 10)
        await type_text(pilot, "today")
        await press(pilot, "enter")
        done = row(desk, response)
        assert (done.status, done.completed_by_id) == ("done", desk.staff_id)
        assert done.note == ("Resolution. Contact person: Dr Okafor. Steps taken: Reviewed the triage rota. "
                             "Results: A second nurse at triage on Mondays. Completed on 2026-11-20.")
        assert audit_actions(desk, "follow_up", response)[-1] == "complete"
        assert not isinstance(app.screen, GrievanceResponseDialog)
        assert message_line(app).startswith("Grievance resolved in writing: Ana García. The episode stays open:")


async def test_an_interim_letter_moves_the_response_to_the_date_it_gives(clinic: tuple[Actor, int],
                                                                          clock: Any) -> None:
    desk, response = clinic
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_response(pilot)
        await press(pilot, "right")
        assert "Contact person" not in screen_text(app) and "Response by" in screen_text(app)
        await press(pilot, "enter")
        assert "say when the written response will come" in screen_text(app)
        assert row(desk, response).due_at == datetime(2026, 11, 27, 16, tzinfo=UTC)
        await type_text(pilot, "2026-12-04")
        await press(pilot, "enter")
        moved = row(desk, response)
        assert (moved.status, moved.due_at) == ("open", datetime(2026, 12, 4, 23, tzinfo=UTC))  # 17:00 in Chicago
        assert moved.note == "Interim letter sent: the written response will come by 2026-12-04."
        assert audit_actions(desk, "follow_up", response)[-1] == "reschedule"
        assert message_line(app) == "Interim letter recorded: Ana García. The written response is now due 04 Dec 17:00."


async def test_escape_leaves_the_response_as_it_was(clinic: tuple[Actor, int], clock: Any) -> None:
    desk, response = clinic
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await name_the_contact(pilot)
        await press(pilot, "escape")
        assert not isinstance(app.screen, GrievanceResponseDialog)
        assert (row(desk, response).status, row(desk, response).version) == ("open", 1)


@pytest.mark.parametrize("size", SIZES)
def test_resolution_with_parts_missing(snap_compare: Any, clinic: tuple[Actor, int], clock: Any,
                                       size: tuple[int, int]) -> None:
    """The grievance response dialog over the queue: "Written response to a grievance · Ana García · due 27 Nov
    10:00", the hint, "Answer with" showing resolution chosen, "Dr Okafor" as the
    contact person, and under Steps taken, Results and Completed on each its own ⚠ message; focus (reversed
    caption) on Steps taken; the keys line at the bottom; nothing is cut off at 80×24."""

    async def run_before(pilot: Any) -> None:
        await name_the_contact(pilot)
        await press(pilot, "enter")

    assert snap_compare(app_for(clinic[0], clock), terminal_size=size, run_before=run_before)


def test_interim_letter(snap_compare: Any, clinic: tuple[Actor, int], clock: Any) -> None:
    """The same dialog with "interim letter" chosen: only "Response by" under it, with "+7d" typed and
    focused; no resolution fields."""

    async def run_before(pilot: Any) -> None:
        await open_response(pilot)
        await press(pilot, "right", "tab")
        await type_text(pilot, "+7d")

    assert snap_compare(app_for(clinic[0], clock), terminal_size=(80, 24), run_before=run_before)
