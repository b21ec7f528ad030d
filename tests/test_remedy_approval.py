"""The remedy approval dialog (issue 15 item 3), by keys: Tom (staff, limit 20.00 EUR) logs a 45.00 voucher."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.screens.remedy_dialog import RemedyApprovalDialog
from frontdesk.store.models import AuditEvent, FollowUp, Incident
from tests.conftest import DESK_PINS
from tests.test_followups_screen import press
from tests.test_incident import VALID, app_for, count, fill_valid_form, open_form, staff_ids
from tests.ui import ready, screen_text, settle, type_text, until

ABOVE = {**VALID, "remedy_cost": "45.00"}


async def save_above_the_limit(pilot: Any) -> None:
    await open_form(pilot)
    await fill_valid_form(pilot, ABOVE)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(pilot.app.screen, RemedyApprovalDialog))


async def test_a_leads_pin_approves_the_remedy_and_the_incident_is_saved(sqlite_desk, clock):
    desk = sqlite_desk
    app = app_for(desk, clock, staff="Tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await save_above_the_limit(pilot)
        text = screen_text(app)
        assert "45.00 EUR is above your limit as a staff (20.00 EUR)" in text
        assert "1 Lena" in text and "2 Maria" in text and "3 nobody at hand" in text
        assert count(desk, Incident) == 0, "nothing is saved while the question is open"

        await press(pilot, "1", "tab")
        await type_text(pilot, "9999")
        await press(pilot, "enter")
        await until(pilot, lambda: "That PIN is not right" in screen_text(app))
        assert isinstance(app.screen, RemedyApprovalDialog) and count(desk, Incident) == 0

        await type_text(pilot, DESK_PINS["Lena"])
        await press(pilot, "enter")
        await until(pilot, lambda: count(desk, Incident) == 1)
        await settle(pilot)
        with desk.store.read() as session:
            incident = session.scalars(select(Incident)).one()
            assert (incident.remedy_cost, incident.remedy_approval, incident.remedy_approved_by_id) == (
                4500, "approved", staff_ids(desk)["Lena"])
            approved = session.scalars(select(AuditEvent).where(AuditEvent.action == "remedy_approved")).one()
            assert approved.staff_id == staff_ids(desk)["Lena"]
        assert "Incident #1 logged" in screen_text(app)


async def test_nobody_at_hand_saves_it_pending_with_a_follow_up_for_the_lead(sqlite_desk, clock):
    desk = sqlite_desk
    app = app_for(desk, clock, staff="Tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await save_above_the_limit(pilot)
        await press(pilot, "3", "enter")
        await until(pilot, lambda: count(desk, Incident) == 1)
        with desk.store.read() as session:
            incident = session.scalars(select(Incident)).one()
            assert (incident.remedy_approval, incident.remedy_approved_by_id) == ("pending", None)
            approval = session.scalars(select(FollowUp).where(FollowUp.kind == "remedy_approval")).one()
            assert approval.owner_id == staff_ids(desk)["Lena"]


async def test_escape_goes_back_to_the_form_and_saves_nothing(sqlite_desk, clock):
    desk = sqlite_desk
    app = app_for(desk, clock, staff="Tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await save_above_the_limit(pilot)
        await press(pilot, "escape")
        assert not isinstance(app.screen, RemedyApprovalDialog)
        assert app.screen.form.read().remedy_cost == "45.00", "what was typed stays"
        assert count(desk, Incident) == 0


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_approval_dialog(snap_compare: Any, sqlite_desk: Any, clock: Any, size: tuple[int, int]) -> None:
    """Tom saves a 45.00 EUR voucher: "Remedy above your limit", the sentence "45.00 EUR is above your limit as a
    staff (20.00 EUR): a lead's or manager's PIN approves it, or it saves pending approval.", "Who approves it?"
    with "1 Lena" highlighted, "2 Maria", "3 nobody at hand: save it pending approval", the PIN field (dots for
    the two digits typed) and the keys line; nothing cut off at 80×24. At 120×40 the plan behind it ends with
    "approve remedy · in person · Lena (if the remedy waits for approval)", partly under the dialog."""

    async def run_before(pilot: Any) -> None:
        await save_above_the_limit(pilot)
        await press(pilot, "tab")
        await type_text(pilot, "13")

    assert snap_compare(app_for(sqlite_desk, clock, staff="Tom"), terminal_size=size, run_before=run_before)


async def test_raising_the_remedy_in_an_amendment_asks_the_same_and_a_pin_approves_it(sqlite_desk, clock):
    """Issue 15: Tom's 15.00 voucher (within his 20.00) amended to 45.00 goes through the same dialog."""
    from frontdesk.services import incidents
    from frontdesk.services.context import Actor

    desk = sqlite_desk
    tom = Actor(desk.store, clock, desk.site_id, "stand", staff_ids(desk)["Tom"])
    incident_id = incidents.log_incident(tom, incidents.parse_incident(tom, {
        "category": "food", "severity": "minor", "description": "Soup arrived cold", "remedy_kind": "voucher",
        "remedy_cost": "15.00", "plan": []})).incident_id
    app = app_for(desk, clock, staff="Tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await press(pilot, "f3", "f8", "enter")
        await press(pilot, *["tab"] * 8, "end", *["backspace"] * 5)  # the remedy's cost
        await type_text(pilot, "45.00")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RemedyApprovalDialog))
        assert "45.00 EUR is above your limit as a staff (20.00 EUR)" in screen_text(app)
        with desk.store.read() as session:
            assert session.get(Incident, incident_id).remedy_cost == 1500, "nothing is saved while it asks"

        await press(pilot, "1", "tab")
        await type_text(pilot, DESK_PINS["Lena"])
        await press(pilot, "enter")
        await until(pilot, lambda: f"Incident #{incident_id} amended" in screen_text(app))
        with desk.store.read() as session:
            incident = session.get(Incident, incident_id)
            assert (incident.remedy_cost, incident.remedy_approval, incident.remedy_approved_by_id) == (
                4500, "approved", staff_ids(desk)["Lena"])


async def test_the_save_preview_lists_the_approval_follow_up_a_pending_remedy_adds(sqlite_desk, clock):
    """Issue 15: above Tom's limit, what saving creates shows the leads' approval follow-up, not in the plan's keys."""
    from frontdesk.widgets.plan_preview import PlanPreview

    app = app_for(sqlite_desk, clock, staff="Tom")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await fill_valid_form(pilot, ABOVE)
        plan = app.screen.query_one(PlanPreview)
        await until(pilot, lambda: plan.if_pending is not None)
        lines = [str(plan.get_option_at_index(index).prompt) for index in range(plan.option_count)]
        assert lines[-1] == "Fri 20 Nov 19:30  approve remedy · in person · Lena (if the remedy waits for approval)"
        assert len(plan.steps) == len(lines) - 1 and plan.get_option_at_index(len(lines) - 1).disabled
        assert count(sqlite_desk, Incident) == 0
