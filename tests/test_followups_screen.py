"""The follow-ups queue (F4), driven by keys only: each test checks the store first, then the screen.

(Named _screen: tests/services/test_followups.py already has the basename test_followups.)

`fill_queue` is the shift a lead finds on Friday 20 Nov 2026, 19:30 in Berlin;
the snapshot and race tests use it too.
"""

from __future__ import annotations

import os
import stat
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.app import FrontdeskApp
from frontdesk.messages import AmendIncident, OpenCustomer
from frontdesk.schemas.inputs import OutcomeInput, SiteInput, SkipInput
from frontdesk.screens.followup_dialogs import OutcomeDialog
from frontdesk.screens.followups import FollowUpsScreen
from frontdesk.services import customers, followups, incidents, setup
from frontdesk.services.context import Actor
from frontdesk.store.models import (
    AuditEvent,
    Episode,
    Flag,
    FollowUp,
    FollowUpAttempt,
    Incident,
)
from frontdesk.widgets.due_table import DueRows, DueTable
from tests.ui import make_app, ready, screen_text, settle, type_text, until


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass
class Shift:
    """What `fill_queue` made: follow-up, incident and customer ids by a short name."""

    desk: Actor
    staff: dict[str, int]
    follow_ups: dict[str, int]
    incidents: dict[str, int]
    customers: dict[str, int]


def fill_queue(desk: Actor) -> Shift:
    """Five open follow-ups at Bistro Berlin, in due order:

    1. ana_call   Ana García, check-in call, Wed 10:00: 2 days overdue (for the lead); Tom's; a pending promise
    2. smith_note Smith [/], wrap-up note, today 22:00; Lena's
    3. finish     unknown guest, finish deposition (a quick log), today 23:30; Maria's
    4. click_mail [@click=app.quit]x[/], wrap-up email, tomorrow 10:00; Maria's
    5. smith_call Smith [/], check-in call, tried three times: tomorrow 15:00 (for the lead); Lena's
    6. click_promise  the promise check on the same incident as click_mail, Tue 10:00; Tom's
    """
    staff = {person.name: person.id for person in setup.list_staff(desk.store)}

    def customer(name: str, **details: Any) -> int:
        return customers.create_customer(desk, customers.parse_customer(desk, {"name": name, **details}))

    def log(customer_id: int, description: str, steps: list[tuple[str, str, datetime, str, str | None]],
            **fields: Any) -> list[int]:
        data = {
            "customer_id": customer_id, "category": "food", "severity": "moderate", "description": description,
            "occurred_at": "18:00", "ally_id": staff["Tom"],
            "plan": [{"kind": kind, "channel": channel, "due_at": due, "owner_id": staff[owner], "words": words}
                     for kind, channel, due, owner, words in steps],
            **fields,
        }
        incident_id = incidents.log_incident(desk, incidents.parse_incident(desk, data)).incident_id
        with desk.store.read() as session:
            ids = session.scalars(select(FollowUp.id).where(FollowUp.incident_id == incident_id)
                                  .order_by(FollowUp.due_at)).all()
        return [incident_id, *ids]

    ana = customer("Ana García", phone="+49 30 1234567", email="ana@example.com", consent_call=True,
                   postal_address="Hauptstraße 1\n10115 Berlin", consent_post=True)
    smith = customer("Smith [/]", phone="+49 30 7654321", consent_call=True,
                     postal_address="Torstraße 9\n10119 Berlin", consent_post=True)
    click = customer("[@click=app.quit]x[/]", email="x@example.com")
    ana_incident, ana_call = log(
        ana, "Soup arrived cold; the main course took 50 minutes",
        [("check_in", "call", utc(2026, 11, 18, 9), "Tom", "Apologise for the wait; ask if Friday suits them")],
        promise_text="A free dessert on the next visit", promise_due_at="2026-11-27 17:00",
        promise_likelihood="likely", reaction="Upset but polite", remedy_kind="comped", remedy_cost="12.50",
    )
    smith_incident, smith_call, smith_note = log(
        smith, "Wrong wine served [bold]twice[/]",
        [("check_in", "call", utc(2026, 11, 20, 14), "Lena", None),
         ("wrap_up", "note", utc(2026, 11, 20, 21), "Lena", "Thank them for staying [red]with us[/]")],
    )
    click_incident, click_mail, click_promise = log(
        click, "Booking lost; waited 30 minutes at the door",
        [("wrap_up", "email", utc(2026, 11, 21, 9), "Maria", None),
         ("promise_check", "call", utc(2026, 11, 24, 9), "Tom", None)],
    )
    quick = incidents.quick_log(desk, incidents.parse_quick_log(desk, {
        "guest_description": "Man in a grey coat, table 4", "category": "service", "severity": "minor",
        "description": "Waited long for the bill", "occurred_at": "19:00",
    }))
    with desk.store.read() as session:
        quick_rows = session.scalars(select(FollowUp).where(FollowUp.incident_id == quick.incident_id)).all()
    finish = next(r.id for r in quick_rows if r.kind == "incomplete_deposition")
    for playbook_step in (r for r in quick_rows if r.id != finish):  # keep the queue to the six above
        followups.skip(desk, playbook_step.id, None, SkipInput.parse({"reason": "not needed in these tests"}))
    lena = desk.as_staff(staff["Lena"])
    for _ in range(3):
        version = followups.follow_up_detail(desk, smith_call).item.version
        followups.complete(lena, smith_call, version, OutcomeInput.parse({"outcome": "no_answer"}))
    return Shift(
        desk, staff,
        {"ana_call": ana_call, "smith_note": smith_note, "finish": finish, "click_mail": click_mail,
         "smith_call": smith_call, "click_promise": click_promise},
        {"ana": ana_incident, "smith": smith_incident, "click": click_incident, "quick": quick.incident_id},
        {"ana": ana, "smith": smith, "click": click},
    )


def add_unflagged_check_in(shift: Shift) -> int:
    """Bo Lind's minor incident, no flag and no promise, with one check-in call due Tue 17 Nov (first in the
    queue); returns the incident's id."""
    desk = shift.desk
    customer = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Bo Lind"}))
    return incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": customer, "category": "food", "severity": "minor", "description": "Bread was stale",
        "occurred_at": "18:00", "raise_flag": False,
        "plan": [{"kind": "check_in", "channel": "call", "due_at": utc(2026, 11, 17, 9), "owner_id": shift.staff["Tom"]}],
    })).incident_id


@pytest.fixture
def shift(sqlite_desk: Actor) -> Shift:
    return fill_queue(sqlite_desk)


def app_for(desk: Actor, clock: Any, **options: Any) -> FrontdeskApp:
    return make_app(desk.store.url.render_as_string(hide_password=False), clock, **options)


def table(app: FrontdeskApp) -> DueTable:
    return app.screen.query_one(DueTable)


async def open_queue(pilot: Any) -> FrontdeskApp:
    """F4, and wait until the first page of the queue is on screen."""
    app = await ready(pilot)
    await pilot.press("f4")
    await until(pilot, lambda: app.current_mode == "followups" and table(app).limit > 0)
    return app


async def press(pilot: Any, *keys: str) -> None:
    """Press keys, letting workers finish after each (a dialog saves in a worker)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def row(desk: Actor, follow_up_id: int) -> FollowUp:
    with desk.store.read() as session:
        found = session.get(FollowUp, follow_up_id)
        assert found is not None
        return found


def audit_actions(desk: Actor, record_type: str, record_id: int) -> list[str]:
    with desk.store.read() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.record_type == record_type, AuditEvent.record_id == record_id).order_by(AuditEvent.id)))


def attempts_of(desk: Actor, follow_up_id: int) -> list[tuple[str, str | None, int]]:
    with desk.store.read() as session:
        return [(attempt.outcome, attempt.note, attempt.by_id) for attempt in session.scalars(
            select(FollowUpAttempt).where(FollowUpAttempt.follow_up_id == follow_up_id).order_by(FollowUpAttempt.id))]


def message_line(app: FrontdeskApp) -> str:
    """The queue's message line (also while a dialog is open over it)."""
    queue = next(screen for screen in app.screen_stack if isinstance(screen, FollowUpsScreen))
    return str(queue.query_one("#queue-message").render())


# -- reading the queue ---------------------------------------------------------------


async def test_queue_lists_overdue_then_today_then_upcoming_with_names_literal(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        assert [item.id for item in table(app).items] == [shift.follow_ups[name] for name in (
            "ana_call", "smith_note", "finish", "click_mail", "smith_call", "click_promise")]
        assert app.is_running  # the [@click=app.quit] name did nothing
        text = screen_text(app)
        lines = {name: next(line for line in text.splitlines() if marker in line) for name, marker in (
            ("ana", "Ana García"), ("smith_note", "today 22:00"), ("finish", "unknown guest"),
            ("click", "tomorrow 10:00"), ("smith_call", "tomorrow 15:00"))}
        assert lines["ana"].startswith("!  2 days overdue")  # escalated to the leads: overdue by a local day
        assert "check-in" in lines["ana"] and "call" in lines["ana"] and "Tom" in lines["ana"]
        assert "food · moderate · Soup" in lines["ana"]  # the incident in one line
        assert "Smith [/]" in lines["smith_note"] and "Thank" not in lines["smith_note"]
        assert "finish deposition" in lines["finish"]
        assert "[@click=app.quit]x[/]" in text
        assert lines["smith_call"].startswith("!  tomorrow 15:00")  # escalated to the leads: three tries
        assert lines["smith_call"].split(" Lena ")[1].split()[0] == "3"  # the tries column
        assert "1 overdue · 2 due today · 6 this week · 2 escalated (!, !!)" in text
        assert "1–6 of 6" in text


async def test_detail_panel_tells_the_story_promise_tries_consent_and_words(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await press(pilot, "down", "down", "down", "down")  # Smith's call, tried three times
        detail = screen_text(app).split("─" * 20)[-1]
        assert "Smith [/] · check-in by call · owner Lena" in detail
        assert "! Escalated to the leads on " in detail
        assert detail.count("Lena · no answer") == 3
        assert "Wrong wine served [bold]twice[/]" in detail
        assert "+49 30 7654321 · call: yes · text: no consent" in detail, "the number as it is dialled"
        await press(pilot, "home")
        detail = screen_text(app).split("─" * 20)[-1]
        assert "A free dessert on the next visit · by Fri 27 Nov 17:00 · likely · pending" in detail
        assert "Apologise for the wait; ask if Friday suits them" in detail
        assert "comped · 12.50 EUR" in detail
        assert "ana@example.com · email: no consent" in detail
        assert "Hauptstraße 1, 10115 Berlin · note: yes" in detail


async def test_counts_stay_in_view_and_filters_narrow_the_queue(shift: Shift, clock: Any, sqlite_desk: Actor) -> None:
    other = setup.add_site(sqlite_desk.store, clock, SiteInput.parse(
        {"name": "Café Köln", "time_zone": "Europe/Berlin", "phone_region": "DE", "currency": "EUR"}), "desk")
    cologne = Actor(sqlite_desk.store, clock, other.id, "desk", sqlite_desk.staff_id)
    incidents.quick_log(cologne, incidents.parse_quick_log(cologne, {
        "guest_description": "Lady with a red hat", "category": "service", "severity": "minor",
        "description": "Cold coffee in Cologne", "occurred_at": "19:00"}))
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)

        def shown() -> set[int]:
            return {item.id for item in table(app).items}

        await press(pilot, "1")
        assert shown() == {shift.follow_ups["ana_call"]}
        assert "1 overdue · 2 due today · 6 this week" in screen_text(app)
        await press(pilot, "2")
        assert shown() == {shift.follow_ups[name] for name in ("ana_call", "smith_note", "finish")}
        await press(pilot, "4", "m")  # Maria's own
        assert shown() == {shift.follow_ups["finish"], shift.follow_ups["click_mail"]}
        assert "0 overdue · 1 due today · 2 this week" in screen_text(app)
        await press(pilot, "m", "c")  # everyone's calls
        assert shown() == {shift.follow_ups[name] for name in ("ana_call", "smith_call", "click_promise")}
        assert " c  call" in screen_text(app)
        await press(pilot, "c")  # texts: none
        assert shown() == set() and "Nothing matches these filters" in screen_text(app)
        await press(pilot, "c", "c", "c", "c")  # email, note, in person, and back to any channel
        assert "Cold coffee in Cologne" not in screen_text(app)
        await press(pilot, "h")
        assert "Café Köln · service · minor · C" in screen_text(app)
        assert len(shown()) == 9  # Cologne's quick log brought three


async def test_a_long_queue_shows_one_screen_of_rows_and_pages(sqlite_desk: Actor, clock: Any) -> None:
    staff = {person.name: person.id for person in setup.list_staff(sqlite_desk.store)}
    plan = [{"kind": "check_in", "channel": "call", "due_at": utc(2026, 11, 21, 8, minute), "owner_id": staff["Tom"]}
            for minute in range(30)]
    incidents.log_incident(sqlite_desk, incidents.parse_incident(sqlite_desk, {
        "category": "food", "severity": "minor", "description": "Thirty calls", "plan": plan}))
    seen: list[Any] = []
    app = app_for(sqlite_desk, clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await open_queue(pilot)
        due_table = table(app)
        size = due_table.page_size
        assert 0 < size < 30 and due_table.rows.option_count == size == due_table.limit
        assert f"1–{size} of 30" in screen_text(app)
        shown = [message for message in seen if isinstance(message, DueTable.PageShown)]
        assert (shown[0].offset, shown[0].count, shown[0].total) == (0, size, 30)
        assert str(due_table.rows.get_option_at_index(0).prompt).startswith("   tomorrow 09:00 ")
        await press(pilot, "pagedown")
        assert due_table.queue_offset == size and due_table.rows.option_count == size
        assert "tomorrow 09:" in screen_text(app)
        for _ in range(size):
            await press(pilot, "down")
        assert due_table.queue_offset == 2 * size and due_table.rows.highlighted == 0
        await press(pilot, "up")
        assert due_table.queue_offset == size and due_table.rows.highlighted == size - 1
        await press(pilot, "end")
        assert due_table.queue_offset == 30 - size and due_table.selected is not None
        assert due_table.selected.due_at == utc(2026, 11, 21, 8, 29)
        await press(pilot, "home")
        assert due_table.queue_offset == 0 and due_table.rows.highlighted == 0
        assert max(rows.option_count for rows in app.screen.query(DueRows)) <= size


# -- done, with an outcome --------------------------------------------------------------


async def test_done_reached_satisfied_completes_it_and_offers_to_close_the_episode(
        shift: Shift, clock: Any) -> None:
    """Ana's check-in is her episode's only follow-up: closing asks about the promise and the flag."""
    app = app_for(shift.desk, clock)
    ana_call = shift.follow_ups["ana_call"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "1", "tab")
        await type_text(pilot, "Happy; coming Friday")
        await press(pilot, "enter")

        done = row(shift.desk, ana_call)
        assert (done.status, done.outcome, done.attempts, done.completed_by_id, done.note) == (
            "done", "reached_satisfied", 1, shift.staff["Maria"], "Happy; coming Friday")
        assert attempts_of(shift.desk, ana_call) == [("reached_satisfied", "Happy; coming Friday", shift.staff["Maria"])]
        assert audit_actions(shift.desk, "follow_up", ana_call) == ["create", "escalate", "complete"]
        assert "Close the episode for Ana García" in screen_text(app)

        # root cause 2 (training); the outcome proposed from "reached – satisfied"; promise kept; clear the flag
        await press(pilot, "2", "tab", "tab", "1", "tab", "2", "enter")
        with shift.desk.store.read() as session:
            episode = session.scalars(select(Episode).where(Episode.incident_id == shift.incidents["ana"])).one()
            incident = session.get(Incident, shift.incidents["ana"])
            flags = session.scalars(select(Flag).where(Flag.incident_id == shift.incidents["ana"])).all()
            assert (episode.status, episode.closed_by_id) == ("closed", shift.staff["Maria"])
            assert (episode.root_cause, episode.outcome) == ("training", "recovered")
            assert incident is not None and incident.promise_status == "kept"
            assert flags and not any(flag.active for flag in flags)
        assert audit_actions(shift.desk, "episode", episode.id)[-1] == "close"
        assert ("Episode closed: Ana García, recovered (root cause: training). Promise kept. Flag cleared."
                in message_line(app))
        assert ana_call not in {item.id for item in table(app).items}


async def test_closing_waits_for_a_choice_and_can_be_left_for_later(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "1", "enter")
        await press(pilot, "enter")  # nothing chosen yet (the outcome is proposed)
        await until(pilot, lambda: "Choose why it happened (Unknown if nobody knows); say whether the" in screen_text(app))
        assert "promise was kept or broken" in screen_text(app)
        assert "say whether the customer was recovered" not in screen_text(app)
        await press(pilot, "escape")
        assert "The episode stays open: e closes it" in message_line(app)
        with shift.desk.store.read() as session:
            assert session.scalars(select(Episode.status).where(
                Episode.incident_id == shift.incidents["ana"])).one() == "open"
        # unknown (0, the tenth); not recovered; broken; keep the flag
        await press(pilot, "e", "0", "tab", "2", "tab", "2", "tab", "1", "enter")
        with shift.desk.store.read() as session:
            episode = session.scalars(select(Episode).where(Episode.incident_id == shift.incidents["ana"])).one()
            assert (episode.status, episode.root_cause, episode.outcome) == ("closed", "unknown", "not_recovered")
            incident = session.get(Incident, shift.incidents["ana"])
            assert incident is not None and incident.promise_status == "broken"
            assert session.scalars(select(Flag.active).where(Flag.incident_id == shift.incidents["ana"])).one()
        assert "Promise broken. Flag kept." in message_line(app)


async def test_closing_an_episode_without_promise_or_flag_asks_only_why_and_how_it_ended(
        shift: Shift, clock: Any) -> None:
    """Issue 17 item 4 left "Close the episode?" over an empty list; since issue 15 every close asks for a
    root cause and an outcome (proposed), and nothing about a promise or flag there is none of."""
    desk = shift.desk
    incident_id = add_unflagged_check_in(shift)
    app = app_for(desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        assert table(app).selected is not None and table(app).selected.incident_id == incident_id
        await press(pilot, "enter", "1", "enter")
        assert type(app.screen).__name__ == "CloseEpisodeDialog"
        text = screen_text(app)
        assert "Close the episode for Bo Lind" in text
        assert "Promise kept?" not in text and "Their flag" not in text
        assert "Enter: close it" in text
        await press(pilot, "enter")
        await until(pilot, lambda: "Choose why it happened" in screen_text(app))
        await press(pilot, "down", "down", "down", "enter")  # arrows: the third, process
        with desk.store.read() as session:
            episode = session.scalars(select(Episode).where(Episode.incident_id == incident_id)).one()
            assert (episode.status, episode.root_cause, episode.outcome) == ("closed", "process", "recovered")
        assert "Episode closed: Bo Lind, recovered (root cause: process)." in message_line(app)


async def test_no_answer_counts_a_try_and_moves_it_to_tomorrow(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    ana_call = shift.follow_ups["ana_call"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "3", "enter")
        moved = row(shift.desk, ana_call)
        assert (moved.status, moved.outcome, moved.attempts) == ("open", "no_answer", 1)
        assert moved.due_at == utc(2026, 11, 21, 9)  # tomorrow, same local time (10:00)
        assert audit_actions(shift.desk, "follow_up", ana_call)[-1] == "attempt"
        assert "Ana García: no answer (try 1). Next try tomorrow 10:00." in message_line(app)
        assert table(app).items[0].id == shift.follow_ups["smith_note"]


async def test_a_digit_typed_before_the_dialog_has_focus_still_picks(shift: Shift, clock: Any) -> None:
    """Keys typed fast (Enter 3 Enter in a real terminal) can reach the dialog before it focuses its list:
    the digit picks in the dialog's list instead of being lost."""
    app = app_for(shift.desk, clock)
    ana_call = shift.follow_ups["ana_call"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        dialog.set_focus(None)
        await press(pilot, "3", "enter")
        moved = row(shift.desk, ana_call)
        assert (moved.status, moved.outcome, moved.attempts) == ("open", "no_answer", 1)


async def test_the_third_unanswered_try_marks_it_for_the_lead(shift: Shift, clock: Any) -> None:
    smith_call = shift.follow_ups["smith_call"]
    with shift.desk.store.begin() as session:  # back to two tries, not yet marked
        found = session.get(FollowUp, smith_call)
        assert found is not None
        found.attempts, found.escalation = 2, 0
        found.escalation_clock_at = clock.now()  # not overdue: only the tries escalate it
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queue(pilot)
        await press(pilot, "end", "up", "enter", "4", "enter")
        marked = row(shift.desk, smith_call)
        assert (marked.attempts, marked.escalation, marked.status, marked.outcome) == (3, 1, "open", "left_message")
        assert "Escalated to the leads (!)." in message_line(app)


async def test_still_unhappy_books_a_new_check_in_and_keeps_the_episode_open(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "2", "enter")
        with shift.desk.store.read() as session:
            rows = session.scalars(select(FollowUp).where(FollowUp.incident_id == shift.incidents["ana"])
                                   .order_by(FollowUp.id)).all()
            episode = session.scalars(select(Episode).where(Episode.incident_id == shift.incidents["ana"])).one()
        assert [(r.status, r.outcome) for r in rows] == [("done", "reached_unhappy"), ("open", None)]
        assert (rows[1].kind, rows[1].owner_id, rows[1].due_at) == ("check_in", shift.staff["Tom"], utc(2026, 11, 21, 9))
        assert episode.status == "open"
        assert "New check-in for the original ally tomorrow 10:00." in message_line(app)
        assert "Nothing is left open" not in screen_text(app)


async def test_done_without_an_outcome_is_refused_next_to_the_field_and_keeps_the_note(
        shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "tab")
        await type_text(pilot, "Called twice")
        await press(pilot, "enter")
        assert (row(shift.desk, shift.follow_ups["ana_call"]).status,
                row(shift.desk, shift.follow_ups["ana_call"]).attempts) == ("open", 0)
        assert "say how it went: pick one of the four" in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "outcome"
        assert "Called twice" in screen_text(app)
        await press(pilot, "1", "enter")
        assert row(shift.desk, shift.follow_ups["ana_call"]).note == "Called twice"


async def test_a_handwritten_note_is_done_without_an_outcome(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "down", "enter")
        assert "written and sent" in screen_text(app)
        await press(pilot, "1", "enter")
        sent = row(shift.desk, shift.follow_ups["smith_note"])
        assert (sent.status, sent.outcome, sent.attempts) == ("done", None, 0)
        assert attempts_of(shift.desk, sent.id) == []  # nobody to reach: no try is counted


async def test_an_unfinished_deposition_opens_on_f3_to_finish_it(shift: Shift, clock: Any) -> None:
    seen: list[Any] = []
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await open_queue(pilot)
        await press(pilot, "down", "down", "enter")
        assert app.current_mode == "incident"
        assert {m.incident_id for m in seen if isinstance(m, AmendIncident)} == {shift.incidents["quick"]}
        assert row(shift.desk, shift.follow_ups["finish"]).status == "open"  # done when the deposition is


# -- reschedule, reassign, skip ---------------------------------------------------------


async def test_reschedule_by_three_days_keeps_the_time_of_day(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "r", "2", "enter")
        moved = row(shift.desk, shift.follow_ups["ana_call"])
        assert (moved.due_at, moved.status, moved.attempts) == (utc(2026, 11, 23, 9), "open", 0)
        assert audit_actions(shift.desk, "follow_up", moved.id)[-1] == "reschedule"
        assert "Rescheduled: Ana García, now due Mon 10:00." in message_line(app)


async def test_reschedule_to_a_typed_date_and_a_bad_date_is_said_next_to_it(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "r", "tab")
        await type_text(pilot, "someday")
        await press(pilot, "enter")
        assert row(shift.desk, shift.follow_ups["ana_call"]).due_at == utc(2026, 11, 18, 9)
        assert "not a date" in screen_text(app) and "someday" in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "due_at"
        await press(pilot, *["backspace"] * 7)
        await type_text(pilot, "2026-11-28 11:00")
        await press(pilot, "enter")
        assert row(shift.desk, shift.follow_ups["ana_call"]).due_at == utc(2026, 11, 28, 10)
        assert "now due 28 Nov 11:00" in message_line(app)


async def test_a_managers_reschedule_with_a_reason_restarts_the_escalation_clock(shift: Shift, clock: Any) -> None:
    """Ana's call is escalated (two days overdue); Maria moves it a day on and says why: back to 0."""
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        assert row(shift.desk, shift.follow_ups["ana_call"]).escalation == 1
        await press(pilot, "r", "tab", "tab")
        await type_text(pilot, "Guest away until Saturday")
        await press(pilot, "enter")
        moved = row(shift.desk, shift.follow_ups["ana_call"])
        assert (moved.due_at, moved.escalation, moved.escalated_at, moved.escalation_clock_at,
                moved.reschedule_reason) == (utc(2026, 11, 21, 9), 0, None, utc(2026, 11, 21, 9),
                                             "Guest away until Saturday")
        assert "The escalation clock starts again." in message_line(app)


async def test_reassign_gives_it_to_the_chosen_person(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "a")  # Hana, Lena, Maria, Tom (owns it): Hana is highlighted first
        await press(pilot, "down", "enter")
        moved = row(shift.desk, shift.follow_ups["ana_call"])
        assert (moved.owner_id, moved.escalation, moved.escalation_clock_at) == (shift.staff["Lena"], 0, clock.now())
        assert audit_actions(shift.desk, "follow_up", moved.id)[-1] == "reassign"
        assert "Reassigned: Ana García is now with Lena. The escalation clock starts again." in message_line(app)
        assert "Lena" in next(line for line in screen_text(app).splitlines() if "Ana García" in line)


async def test_skip_needs_a_reason(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "down", "s", "enter")
        assert row(shift.desk, shift.follow_ups["smith_note"]).status == "open"
        assert "required" in screen_text(app)
        await type_text(pilot, "They asked for no post")
        await press(pilot, "enter")
        skipped = row(shift.desk, shift.follow_ups["smith_note"])
        assert (skipped.status, skipped.skip_reason, skipped.completed_by_id) == (
            "skipped", "They asked for no post", shift.staff["Maria"])
        assert audit_actions(shift.desk, "follow_up", skipped.id)[-1] == "skip"
        assert "Skipped: Smith [/]." in message_line(app)


async def test_escape_closes_a_dialog_without_changing_anything(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        for key in ("enter", "r", "a", "s", "n"):
            await press(pilot, key)
            assert not isinstance(app.screen, FollowUpsScreen)
            await press(pilot, "1", "escape")
            assert isinstance(app.screen, FollowUpsScreen)
        assert audit_actions(shift.desk, "follow_up", shift.follow_ups["ana_call"]) == ["create", "escalate"]  # the queue escalated it as it loaded


async def test_escape_while_saving_waits_for_the_save_and_says_what_happened(
        shift: Shift, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the random keys: Enter then Esc before a slow save returned closed the dialog twice (a crash)."""
    slow = followups.complete
    release = threading.Event()

    def slow_complete(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30), "the test never let the save finish"
        return slow(*args, **kwargs)

    monkeypatch.setattr(followups, "complete", slow_complete)
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "1")
        await pilot.press("enter", "escape")  # Esc while the save is still running
        release.set()
        await settle(pilot)
        assert row(shift.desk, shift.follow_ups["ana_call"]).status == "done"
        assert type(app.screen).__name__ == "CloseEpisodeDialog", "the save's outcome is shown, not lost"
        await press(pilot, "escape")
        assert isinstance(app.screen, FollowUpsScreen)


# -- the customer and the incident ---------------------------------------------------------


async def test_o_opens_the_customer_card_and_i_the_incident(shift: Shift, clock: Any) -> None:
    seen: list[Any] = []
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await open_queue(pilot)
        await press(pilot, "o")
        assert app.current_mode == "greet"
        assert {m.customer_id for m in seen if isinstance(m, OpenCustomer)} == {shift.customers["ana"]}
        await press(pilot, "f4")
        await press(pilot, "i")
        assert app.current_mode == "incident"
        assert {m.incident_id for m in seen if isinstance(m, AmendIncident)} == {shift.incidents["ana"]}


async def test_the_card_key_is_dimmed_for_an_unknown_guest(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "down", "down")
        assert app.screen.check_action("open_card", ()) is None
        await press(pilot, "o")
        assert app.current_mode == "followups"


# -- another terminal got there first -------------------------------------------------------


async def test_completing_what_another_terminal_just_did_changes_nothing_and_says_so(
        shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    ana_call = shift.follow_ups["ana_call"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "enter", "1")
        tom = shift.desk.as_staff(shift.staff["Tom"])
        followups.complete(tom, ana_call, row(shift.desk, ana_call).version,
                           OutcomeInput.parse({"outcome": "reached_satisfied"}))
        await press(pilot, "enter")
        assert attempts_of(shift.desk, ana_call) == [("reached_satisfied", None, shift.staff["Tom"])]
        assert row(shift.desk, ana_call).completed_by_id == shift.staff["Tom"]
        assert "Not saved: already done by Tom at 19:30 (reached – satisfied). Nothing was changed." in \
            message_line(app)
        assert ana_call not in {item.id for item in table(app).items}  # refreshed


async def test_rescheduling_what_another_terminal_just_moved_is_refused(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    ana_call = shift.follow_ups["ana_call"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        followups.reschedule_by_days(shift.desk.as_staff(shift.staff["Lena"]), ana_call, None, 7)
        await press(pilot, "r", "1", "enter")
        assert row(shift.desk, ana_call).due_at == utc(2026, 11, 27, 9)  # Lena's week, not our day
        assert "Not saved: changed by Lena at 19:30 meanwhile" in message_line(app)


# -- notes to write --------------------------------------------------------------------


async def test_notes_to_write_are_saved_as_plain_text_only_the_lead_can_read(shift: Shift, clock: Any) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "n")
        assert "Torstraße 9" in screen_text(app)
        await press(pilot, "f10")
        saved = Path(os.environ["HOME"]) / "frontdesk-notes-2026-11-20.txt"
        text = saved.read_text(encoding="utf-8")
        assert "1. Smith [/]\n   Torstraße 9\n   10119 Berlin" in text
        assert "Suggested: Thank them for staying [red]with us[/]" in text
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert f"Saved 1 note to write to {saved}" in message_line(app)
        assert row(shift.desk, shift.follow_ups["smith_note"]).status == "open"


async def test_notes_to_a_folder_that_does_not_exist_are_refused_under_the_file_name(
        shift: Shift, clock: Any, tmp_path: Path) -> None:
    app = app_for(shift.desk, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(pilot)
        await press(pilot, "n", "tab", "ctrl+u")
        await type_text(pilot, f"{tmp_path}/missing/notes.txt")
        await press(pilot, "enter")
        assert not (tmp_path / "missing").exists()
        assert "cannot write" in screen_text(app) and "No such file or directory" in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "path"
