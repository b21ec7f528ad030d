"""The incident screen (F3), driven by keys only; each test then checks what the store holds.

The clock is pinned to Friday 20 Nov 2026, 19:30 in Berlin (18:30 UTC), so
every due instant below is written out by hand: local wall time, then UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from textual import events
from textual.widgets import Input

from frontdesk.messages import AmendIncident, LogIncidentFor
from frontdesk.services import customers, drafts, incidents, setup
from frontdesk.store.models import Alert, AuditEvent, Flag, FollowUp, Incident
from frontdesk.widgets.save_preview import SavePreview
from tests.ui import make_app, ready, screen_text, settle, type_text, until


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class Keys:
    """Presses keys for a test and counts those that are not typed text: moving and choosing."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await type_text(self.pilot, text)


def kept_description(desk: Any) -> str | None:
    """The description in the kept draft, if there is one."""
    draft = drafts.load_draft(desk, "incident")
    return draft[0]["values"].get("description") if draft else None


async def shown(pilot: Any) -> None:
    """Wait until the flag and plan preview has caught up with the typing (its pause is over), then every worker
    has finished."""
    await until(pilot, lambda: all(preview.timer is None for preview in pilot.app.screen.query(SavePreview)))


async def open_form(pilot: Any) -> None:
    """Wait for the desk, press F3, and wait for the form to be ready."""
    await ready(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert pilot.app.screen.query("#form"), "the incident screen did not compose"  # a crash shows nothing


def app_for(desk: Any, clock: Any, **settings: Any) -> Any:
    return make_app(desk.store.url.render_as_string(hide_password=False), clock, **settings)


def staff_ids(desk: Any) -> dict[str, int]:
    return {info.name: info.id for info in setup.list_staff(desk.store)}


def only_incident(desk: Any) -> Incident:
    with desk.store.read() as session:
        rows = list(session.scalars(select(Incident)))
        assert len(rows) == 1, f"expected one incident, found {len(rows)}"
        return rows[0]


def follow_ups(desk: Any, incident_id: int) -> list[tuple[str, str, datetime, int, str]]:
    """(kind, channel, due, owner, status) in due order."""
    with desk.store.read() as session:
        rows = session.scalars(select(FollowUp).where(FollowUp.incident_id == incident_id)
                               .order_by(FollowUp.due_at, FollowUp.id))
        return [(row.kind, row.channel, row.due_at, row.owner_id, row.status) for row in rows]


def count(desk: Any, model: type) -> int:
    with desk.store.read() as session:
        return len(list(session.scalars(select(model))))


def new_customer(desk: Any, name: str = "Ana García", phone: str = "+49 151 23456789") -> int:
    return customers.create_customer(desk, customers.parse_customer(desk, {"name": name, "phone": phone}))


def log(desk: Any, **fields: Any) -> int:
    data = {"category": "food", "severity": "minor", "description": "Soup arrived cold", **fields}
    return incidents.log_incident(desk, incidents.parse_incident(desk, data)).incident_id


async def test_full_deposition_by_keys_creates_incident_flag_alert_and_plan(sqlite_desk, clock):
    """Every field of the deposition, filled by keys alone in at most 40 non-text presses."""
    desk = sqlite_desk
    customer_id = new_customer(desk)
    staff = staff_ids(desk)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        keys = Keys(pilot)
        await keys.press("f3")
        await settle(pilot)
        await keys.type("Ana")
        await shown(pilot)
        await keys.press("enter")  # attach Ana García; focus moves on to "When"
        await keys.type("20m ago")
        await keys.press("tab", "right", "right")  # category: food
        await keys.press("tab", "right", "right", "right")  # severity: major
        await keys.press("tab")
        await keys.type("fish soup")
        await keys.press("tab")
        await keys.type("table 4")
        await keys.press("tab")
        await keys.type("Soup arrived cold and salty")
        await keys.press("tab")
        await keys.type("upset, stayed for dessert")
        await keys.press("tab", "right", "right", "right", "right")  # remedy: comped
        await keys.press("tab")
        await keys.type("12.50")
        await keys.press("tab")
        await keys.type("refund the soup on her card")
        await keys.press("tab")
        await keys.type("tomorrow 12:00")
        await keys.press("tab", "right")  # likely
        await keys.press("tab", "right")  # original ally: Tom (after Hana, Lena, Maria)
        await keys.press("tab")
        await keys.type("kitchen")
        await keys.press("tab")
        await keys.type("21:00")
        await shown(pilot)
        await keys.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        await keys.press("enter")  # close the confirmation

        assert keys.count <= 40, f"{keys.count} non-text key presses"
        incident = only_incident(desk)
        assert (incident.customer_id, incident.category, incident.severity) == (customer_id, "food", "major")
        assert incident.occurred_at == utc(2026, 11, 20, 18, 10)  # 19:10 Berlin
        assert (incident.local_date.isoformat(), incident.local_hour, incident.local_weekday) == ("2026-11-20", 19, 4)
        assert (incident.product, incident.location) == ("fish soup", "table 4")
        assert incident.description == "Soup arrived cold and salty"
        assert incident.reaction == "upset, stayed for dessert"
        assert (incident.remedy_kind, incident.remedy_cost) == ("comped", 1250)
        assert incident.promise_text == "refund the soup on her card"
        assert incident.promise_due_at == utc(2026, 11, 21, 11)  # Sat 12:00 Berlin
        assert (incident.promise_likelihood, incident.promise_status) == ("likely", "pending")
        assert (incident.ally_id, incident.logged_by_id) == (staff["Tom"], staff["Maria"])
        assert (incident.handoff_to, incident.handoff_status) == ("kitchen", "pending")
        assert incident.handoff_expected_at == utc(2026, 11, 20, 20)  # 21:00 Berlin
        assert incident.complete
        with desk.store.read() as session:
            flag = session.scalars(select(Flag)).one()
            alert = session.scalars(select(Alert)).one()
            assert (flag.customer_id, flag.incident_id, flag.level, flag.active) == (customer_id, incident.id,
                                                                                    "priority", True)
            assert flag.headline == "Food and drink follow-up · 20 Nov"
            assert "Soup arrived cold and salty" in flag.message
            assert (alert.incident_id, alert.site_id, alert.created_terminal) == (incident.id, desk.site_id, "stand")
            assert alert.headline == flag.headline
        tom = staff["Tom"]
        assert follow_ups(desk, incident.id) == [
            ("handoff_check", "in_person", utc(2026, 11, 20, 20), tom, "open"),  # at "fixed by", 21:00
            ("check_in", "call", utc(2026, 11, 21, 9), tom, "open"),  # Sat 10:00 CET
            ("promise_check", "call", utc(2026, 11, 21, 11), tom, "open"),  # at the promise, Sat 12:00
            ("wrap_up", "call", utc(2026, 11, 22, 10), tom, "open"),  # Sun 11:00
            ("wrap_up", "note", utc(2026, 11, 27, 9), tom, "open"),  # Fri 27 10:00
            ("check_in", "call", utc(2026, 12, 4, 10), tom, "open"),  # +14 days, 11:00
        ]
        assert f"Incident #{incident.id} logged" in text
        assert "6 follow-ups" in text and "Alert sent" in text and "Flag raised for Ana García" in text
        assert "Sat 21 Nov 12:00  promise check" in text
        assert drafts.load_draft(desk, "incident") is None


async def test_quick_log_then_finish_it_from_todays_incidents(sqlite_desk, clock):
    """A quick log flags, alerts and asks its logger to finish; finishing it closes that follow-up."""
    desk = sqlite_desk
    maria = staff_ids(desk)["Maria"]
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f3", "f6")
        await settle(pilot)
        await type_text(pilot, "man at table 4")
        await pilot.press("tab", "right", "right", "tab", "right", "right", "tab")  # food, moderate
        await type_text(pilot, "soup cold")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Finish the deposition by 23:30" in screen_text(app)
        await pilot.press("enter")

        incident = only_incident(desk)
        assert not incident.complete
        assert (incident.customer_id, incident.guest_description) == (None, "man at table 4")
        assert (incident.category, incident.severity, incident.description) == ("food", "moderate", "soup cold")
        assert ("incomplete_deposition", "in_person", utc(2026, 11, 20, 22, 30), maria, "open") in follow_ups(
            desk, incident.id)
        assert count(desk, Alert) == 1 and count(desk, Flag) == 0  # no flag without a customer

        await pilot.press("f8")
        await settle(pilot)
        assert "✎ to finish" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Amending incident #{incident.id}" in screen_text(app)
        assert app.screen.focused.id == "description"
        await pilot.press("end")
        await type_text(pilot, "; the pass light was broken")
        await pilot.press("tab")
        await type_text(pilot, "calm")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Incident #{incident.id} amended" in screen_text(app)

        finished = only_incident(desk)
        assert finished.complete
        assert finished.description == "soup cold; the pass light was broken"
        assert finished.reaction == "calm"
        assert ("incomplete_deposition", "in_person", utc(2026, 11, 20, 22, 30), maria, "done") in follow_ups(
            desk, incident.id)


async def test_the_queue_opens_an_incomplete_deposition_here(sqlite_desk, clock):
    """AmendIncident (sent by the queue's "finish deposition" item) opens it on F3, ready to finish."""
    desk = sqlite_desk
    quick = incidents.quick_log(desk, incidents.parse_quick_log(desk, {
        "category": "wait", "severity": "minor", "description": "waited 40 minutes", "guest_description": "Braun"}))
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.post_message(AmendIncident(quick.incident_id))
        await settle(pilot)
        text = screen_text(app)
        assert f"Amending incident #{quick.incident_id}" in text and "✎ to finish" in text
        assert app.screen.query_one("#customer Input", Input).value == "Braun"
        await type_text(pilot, " at the bar")
        await pilot.press("ctrl+s")
        await settle(pilot)
    incident = only_incident(desk)
    assert incident.complete and incident.description == "waited 40 minutes at the bar"


async def test_unknown_guest_keeps_what_is_known_and_raises_no_flag(sqlite_desk, clock):
    """Text typed for a guest not on file is kept as their description; no flag is possible yet."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "tall man, grey coat, table 7")
        await shown(pilot)
        assert "not on file: kept as a description" in screen_text(app)
        await pilot.press("tab", "tab", "right", "tab", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Waited an hour for a table he had booked")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)

    incident = only_incident(desk)
    assert incident.customer_id is None
    assert incident.guest_description == "tall man, grey coat, table 7"
    assert (incident.category, incident.severity) == ("wait", "moderate")
    assert count(desk, Flag) == 0 and count(desk, Alert) == 1
    assert "No flag: unknown guest" in text


async def test_handoff_creates_a_check_back_for_the_original_ally(sqlite_desk, clock):
    """Handing the fix to the kitchen keeps the original ally responsible: a hand-off check is theirs."""
    desk = sqlite_desk
    lena = staff_ids(desk)["Lena"]
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("tab", "tab", "right", "right", "tab", "right", "tab", "tab", "tab")  # food, minor
        await type_text(pilot, "Wrong wine served")
        await pilot.press(*["tab"] * 7, "left")  # original ally: Maria -> Lena
        await pilot.press("tab")
        await type_text(pilot, "sommelier")
        await pilot.press("tab")
        await type_text(pilot, "tomorrow 18:00")
        await shown(pilot)
        assert "hand-off check · in person · Lena" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)

    incident = only_incident(desk)
    assert (incident.ally_id, incident.handoff_to) == (lena, "sommelier")
    assert ("handoff_check", "in_person", utc(2026, 11, 21, 17), lena, "open") in follow_ups(desk, incident.id)


async def test_promise_creates_a_promise_check_at_its_due_time(sqlite_desk, clock):
    """What was promised, by when and how likely: checked at the promised time by the ally."""
    desk = sqlite_desk
    maria = staff_ids(desk)["Maria"]
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("tab", "tab", "right", "right", "right", "right", "right", "tab", "right", "tab", "tab",
                          "tab")  # billing, minor
        await type_text(pilot, "Charged twice for the menu")
        await pilot.press("tab", "tab", "tab", "tab")
        await type_text(pilot, "refund the second charge")
        await pilot.press("tab")
        await type_text(pilot, "mon 12:00")
        await pilot.press("tab", "right", "right")  # uncertain
        await pilot.press("ctrl+s")
        await settle(pilot)

    incident = only_incident(desk)
    assert (incident.category, incident.promise_likelihood, incident.promise_status) == ("billing", "uncertain",
                                                                                        "pending")
    assert incident.promise_due_at == utc(2026, 11, 23, 11)  # Monday 12:00 Berlin
    assert ("promise_check", "call", utc(2026, 11, 23, 11), maria, "open") in follow_ups(desk, incident.id)


async def test_amend_root_cause_handoff_fixed_promise_kept_is_audited(sqlite_desk, clock):
    """Amending from today's list: root cause, "kitchen fixed it", promise kept; each change audited."""
    desk = sqlite_desk
    incident_id = log(desk, handoff_to="kitchen", handoff_expected_at="21:00", promise_text="a new soup",
                      promise_due_at="20:00", promise_likelihood="likely")
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f3", "f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.focused.id == "occurred_at"
        await pilot.press(*["tab"] * 12, "right")  # promise: pending -> kept
        await pilot.press("tab", "tab", "tab", "tab", "right")  # hand-off: fixed
        await pilot.press("tab")
        await type_text(pilot, "The soup station's warmer was off")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)

    incident = only_incident(desk)
    assert incident.root_cause == "The soup station's warmer was off"
    assert (incident.handoff_status, incident.promise_status) == ("fixed", "kept")
    assert incident.promise_settled_at == clock.now()
    checks = {kind: status for kind, _, _, _, status in follow_ups(desk, incident_id)}
    assert checks["promise_check"] == "done"
    with desk.store.read() as session:
        amended = session.scalars(select(AuditEvent).where(AuditEvent.action == "amend",
                                                           AuditEvent.record_id == incident_id)).one()
        assert set(amended.fields.split(",")) >= {"root_cause", "handoff_status", "promise_status"}
        assert (amended.staff_id, amended.terminal) == (desk.staff_id, "stand")
    assert "Changed: Promise, Hand-off, Root cause" in text


async def test_amend_conflict_is_said_plainly_and_keeps_the_typing(sqlite_desk, clock):
    """Another terminal amended first: nothing is overwritten, the screen says so, the typing stays."""
    desk = sqlite_desk
    incident_id = log(desk)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.post_message(AmendIncident(incident_id))
        await settle(pilot)
        other = desk.as_staff(staff_ids(desk)["Lena"])
        version = incidents.incident_detail(desk, incident_id).version
        incidents.amend_incident(other, incident_id, version, incidents.parse_amend(other, {"reaction": "calm"}))
        await pilot.press(*["tab"] * 5, "end")
        await type_text(pilot, " and salty")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert "changed by Lena at 19:30 (stand) meanwhile" in text
        assert app.screen.query_one("#description").text == "Soup arrived cold and salty"
    assert only_incident(desk).description == "Soup arrived cold"


VALID = {
    "customer": "Mr Braun",
    "occurred_at": "19:10",
    "description": "Soup arrived cold",
    "remedy_cost": "12.50",
    "promise_text": "a call from the chef",
    "promise_due_at": "tomorrow 12:00",
}

BAD_INPUT = {
    "empty description": ("description", "", "required"),
    "cost not a number": ("remedy_cost", "twelve", "must be an amount like 12.50"),
    "promise due in the past": ("promise_due_at", "2026-11-19 12:00", "that is already past"),
    "unparseable time": ("occurred_at", "teatime", "not a time"),
    "control character in a name": ("customer", "Braun\x1b[31m", "has a control character"),
}


async def fill_valid_form(pilot: Any, values: dict[str, str]) -> None:
    """Customer, when, food/moderate, the story, a comped remedy and a likely promise; typed by keys.

    A control character cannot be typed, only pasted (as a terminal does), so the customer
    field takes its text as a paste.
    """
    pilot.app.screen.query_one("#customer Input").focus()
    pilot.app.screen.focused.post_message(events.Paste(values["customer"]))
    await pilot.pause()
    await pilot.press("tab")
    await type_text(pilot, values["occurred_at"])
    await pilot.press("tab", "right", "right", "tab", "right", "right", "tab", "tab", "tab")
    await type_text(pilot, values["description"])
    await pilot.press("tab", "tab", "right", "right", "right", "right", "tab")
    await type_text(pilot, values["remedy_cost"])
    await pilot.press("tab")
    await type_text(pilot, values["promise_text"])
    await pilot.press("tab")
    await type_text(pilot, values["promise_due_at"])
    await pilot.press("tab", "right")


@pytest.mark.parametrize("case", list(BAD_INPUT))
async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_lost(sqlite_desk, clock, case):
    """The error sits under its field, focus goes there, every other field keeps what was typed."""
    desk = sqlite_desk
    field, bad, message = BAD_INPUT[case]
    values = {**VALID, field: bad}
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await fill_valid_form(pilot, values)
        await pilot.press("ctrl+s")
        await settle(pilot)

        screen = app.screen
        error = screen.query_one(f"#{field}-error")
        assert error.display and message in str(error.render())
        shown_errors = [line.id for line in screen.query(".field-error") if line.display]
        assert shown_errors == [f"{field}-error"]
        focused = screen.focused
        assert focused is not None and (focused.id == field or focused.parent.id == field)
        form = screen.form.read()
        for name, typed in values.items():
            kept = form.customer.guest if name == "customer" else getattr(form, name)
            assert kept == typed, name
        assert (form.category, form.severity, form.remedy_kind) == ("food", "moderate", "comped")
        assert message in screen_text(app)
    assert count(desk, Incident) == 0


async def test_control_character_in_a_new_customers_name_is_refused(sqlite_desk, clock):
    """Adding the guest as a customer on the spot: a pasted control character is refused at the name."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Ana")
        await shown(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.screen.focused.post_message(events.Paste("\x07Beep"))
        await pilot.pause()
        await pilot.press("tab")
        await type_text(pilot, "0151 23456789")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "has a control character" in screen_text(app)
        assert app.screen.focused.id == "name"
        await pilot.press("ctrl+u")
        await type_text(pilot, "Ana Weber")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "✓ attached: Ana Weber" in screen_text(app)
    with desk.store.read() as session:
        from frontdesk.store.models import Customer

        (customer,) = session.scalars(select(Customer)).all()
        assert (customer.name, customer.phone) == ("Ana Weber", "+4915123456789")


async def test_escape_with_unsaved_changes_asks_before_discarding(sqlite_desk, clock):
    """Esc asks first; "n" keeps everything, "y" clears the form and its draft."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await pilot.press("escape")  # nothing typed: nothing to ask
        await settle(pilot)
        assert "Discard what you typed?" not in screen_text(app)
        await type_text(pilot, "Mr Braun")
        await until(pilot, lambda: drafts.load_draft(desk, "incident") is not None, timeout=20)
        await pilot.press("escape")
        await pilot.pause()
        assert "Discard what you typed?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#customer Input", Input).value == "Mr Braun"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.query_one("#customer Input", Input).value == ""
        assert not app.screen.dirty
    assert drafts.load_draft(desk, "incident") is None
    assert count(desk, Incident) == 0


async def test_edited_plan_and_flag_are_what_is_saved(sqlite_desk, clock):
    """Before saving, a step is removed, another moved to Tom on Monday, and the headline reworded."""
    desk = sqlite_desk
    new_customer(desk)
    tom = staff_ids(desk)["Tom"]
    app = app_for(desk, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Ana")
        await shown(pilot)
        await pilot.press("enter", "tab", "right", "right", "tab", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await shown(pilot)
        assert "Sun 22 Nov 11:00  wrap-up · call · Maria" in screen_text(app)
        await pilot.press(*["tab"] * 11)  # to the flag: moderate flags by default
        assert app.screen.focused.id == "raise_flag"
        await pilot.press("tab")
        await type_text(pilot, "Cold soup on Friday")  # replaces the suggested headline
        await pilot.press("tab", "tab", "tab")  # story, greeting, the plan
        assert app.screen.focused.id == "plan"
        await pilot.press("down", "delete")  # leave out Sunday's wrap-up call
        await pilot.press("enter")  # edit the note (now the second step)
        await settle(pilot)
        await pilot.press("ctrl+u")
        await type_text(pilot, "2026-11-23 15:00")
        await pilot.press("tab", "right")  # who: Maria -> Tom
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Mon 23 Nov 15:00  wrap-up · note · Tom" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)

    incident = only_incident(desk)
    maria = desk.staff_id
    assert follow_ups(desk, incident.id) == [
        ("check_in", "call", utc(2026, 11, 21, 9), maria, "open"),
        ("wrap_up", "note", utc(2026, 11, 23, 14), tom, "open"),
    ]
    with desk.store.read() as session:
        flag = session.scalars(select(Flag)).one()
        assert (flag.headline, flag.level) == ("Cold soup on Friday", "care")
        assert flag.message == "Soup arrived cold"


async def test_the_card_starts_an_incident_with_its_customer(sqlite_desk, clock):
    """LogIncidentFor (sent by the customer card) opens F3 with that customer attached."""
    desk = sqlite_desk
    customer_id = new_customer(desk, "Smith [/]")
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.post_message(LogIncidentFor(customer_id))
        await settle(pilot)
        assert "✓ attached: Smith [/]" in screen_text(app)
        assert app.screen.focused.id == "occurred_at"


async def test_draft_is_kept_while_typing_and_offered_back_at_the_next_start(sqlite_desk, clock):
    """A second start at the same terminal offers the unsaved incident back, with what was typed."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        await pilot.press("tab", "tab", "right", "right", "tab", "right", "right", "right", "tab", "tab", "tab")
        await type_text(pilot, "Soup arrived cold")
        await until(pilot, lambda: kept_description(desk) == "Soup arrived cold", timeout=20)
    payload, _ = drafts.load_draft(desk, "incident")
    assert payload["values"]["guest"] == "Mr Braun"
    assert payload["values"]["description"] == "Soup arrived cold"

    again = app_for(desk, clock)
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await settle(pilot)
        text = screen_text(again)
        assert "An incident was not saved" in text and "Mr Braun" in text and "Soup arrived cold" in text
        await pilot.press("n", "y")  # letters typed before noticing the question do nothing
        assert "An incident was not saved" in screen_text(again)
        await pilot.press("enter")
        await settle(pilot)
        form = again.screen.form.read()
        assert (form.customer.guest, form.category, form.severity) == ("Mr Braun", "food", "major")
        assert form.occurred_at == "2026-11-20 19:30"  # "now" meant when it was typed, not when resumed
        assert form.description == "Soup arrived cold"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert only_incident(desk).guest_description == "Mr Braun"
    assert drafts.load_draft(desk, "incident") is None


async def test_a_draft_at_another_terminal_is_not_offered_here(sqlite_desk, clock):
    desk = sqlite_desk
    drafts.save_draft(replace(desk, terminal="bar"), "incident", {"mode": "new", "values": {"guest": "Mr Braun"}})
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await settle(pilot)
        assert "An incident was not saved" not in screen_text(app)


async def test_literal_text_everywhere(sqlite_desk, clock):
    """Markup-looking names and stories show as typed and do nothing."""
    desk = sqlite_desk
    new_customer(desk, "[@click=app.quit]x[/]")
    log(desk, description="[b]bold[/b] Smith [/]")
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("f3", "f8")
        await settle(pilot)
        assert "[b]bold[/b] Smith [/]" in screen_text(app)
        await pilot.press("escape")
        await type_text(pilot, "click")
        await shown(pilot)
        assert "[@click=app.quit]x[/]" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running
        assert "✓ attached: [@click=app.quit]x[/]" in screen_text(app)


async def test_draft_is_kept_within_about_a_second_of_typing(sqlite_desk, clock):
    """The draft is kept about a second after typing: a kill loses at most that."""
    desk = sqlite_desk
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "Mr Braun")
        await until(pilot, lambda: drafts.load_draft(desk, "incident") is not None, timeout=3)
