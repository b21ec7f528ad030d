"""The host stand (F2), driven by keys only: find the guest, read the flag, act on the card.

Each action test asserts what the store holds afterwards, then what the screen shows.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from textual import events
from textual.message import Message
from textual.notifications import Notify

from frontdesk.clock import FixedClock
from frontdesk.messages import LogIncidentFor, OpenCustomer
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.schemas.reads import LogResult
from frontdesk.services import customers, followups, incidents, search
from frontdesk.services.context import Actor
from frontdesk.store.models import (
    AuditEvent,
    Customer,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    Incident,
    Visit,
)
from frontdesk.widgets.customer_card import CustomerCardView
from frontdesk.widgets.in_house import InHouseList
from frontdesk.widgets.search_results import SearchResults, masked_phone
from tests.conftest import PINNED_NOW
from tests.ui import make_app, ready, screen_text, settle, type_text, until

LITERAL_NAMES = ("Smith [/]", "[@click=app.quit]x[/]", "[red]Bob[/red]")


# -- building a history through the services -----------------------------------------


def ago(days: int = 0, hours: int = 0, minutes: int = 0) -> datetime:
    """An instant before the pinned Friday 19:30 Berlin (18:30 UTC)."""
    return PINNED_NOW - timedelta(days=days, hours=hours, minutes=minutes)


def at(desk: Actor, instant: datetime) -> Actor:
    """The desk's terminal at another moment (to write history in the past)."""
    return Actor(desk.store, FixedClock(instant), desk.site_id, desk.terminal, desk.staff_id)


def add_customer(desk: Actor, name: str, *, since: datetime | None = None, **details: Any) -> int:
    actor = at(desk, since) if since else desk
    return customers.create_customer(actor, customers.parse_customer(actor, {"name": name, **details}))


def visit(desk: Actor, customer_id: int, start: datetime, hours: float | None = 2, departure: str = "out") -> int:
    """A visit from `start`, closed `hours` later (None: still in house)."""
    visit_id = customers.check_in(at(desk, start), customer_id)
    if hours is not None:
        customers.check_out(at(desk, start + timedelta(hours=hours)), visit_id, departure)
    return visit_id


def log(desk: Actor, customer_id: int | None, occurred: datetime, **fields: Any) -> LogResult:
    """A deposition logged five minutes after it happened, by the desk's staff member."""
    actor = at(desk, occurred + timedelta(minutes=5))
    data: dict[str, Any] = {"customer_id": customer_id, "occurred_at": occurred, "category": "food",
                            "severity": "minor", "description": "Soup arrived cold"}
    data.update(fields)
    return incidents.log_incident(actor, incidents.parse_incident(actor, data))


def complete_follow_ups(desk: Actor, incident_id: int, outcome: str, by: datetime) -> None:
    """Every follow-up of the incident due before `by`, done then with this outcome."""
    actor = at(desk, by)
    detail = incidents.incident_detail(actor, incident_id)
    for item in detail.follow_ups:
        if item.status == "open" and item.due_at <= by:
            followups.complete(actor, item.id, None, OutcomeInput.parse({"outcome": outcome}))


def regular_with_trouble(desk: Actor) -> int:
    """Ana García: a regular for a year (12 visits), a small problem in August put right, and a
    serious one last Friday: comped, a promise open, the flag still up."""
    ana = add_customer(desk, "Ana García", since=ago(days=370), phone="030 1234 5678", email="ana@example.com",
                       consent_call=True, consent_email=True, notes="Prefers the window table")
    for month in range(11, 0, -1):
        visit(desk, ana, ago(days=30 * month + 3, hours=1))
    august = log(desk, ana, ago(days=98, hours=1), description="Corked bottle of Riesling",
                 remedy_kind="replaced")
    complete_follow_ups(desk, august.incident_id, "reached_satisfied", ago(days=90))
    visit(desk, ana, ago(days=7, hours=1, minutes=30))
    friday = log(desk, ana, ago(days=7, hours=1), severity="major",
                 description="Main course came 50 minutes late, then cold", remedy_kind="comped",
                 remedy_cost="24.00", reaction="Upset, left without dessert",
                 promise_text="Dessert on the house next visit", promise_due_at="fri 22:00",
                 promise_likelihood="likely")
    complete_follow_ups(desk, friday.incident_id, "reached_satisfied", ago(days=5))
    return ana


def greet_scene(desk: Actor) -> dict[str, int]:
    """A Friday evening: Ana (priority flag) arriving, three flagged or troubled guests in house,
    Annika with an info flag, a few unflagged regulars, and the three names that look like markup."""
    ids = {"ana": regular_with_trouble(desk)}
    ids["jose"] = add_customer(desk, "José Fernández", since=ago(days=200), phone="0151 2345 6789")
    visit(desk, ids["jose"], ago(days=12))
    ids["anton"] = add_customer(desk, "Anton Weber", since=ago(days=60), phone="0160 555 0101")
    log(desk, ids["anton"], ago(days=2), category="wait", severity="moderate",
        description="Waited 40 minutes for a table despite a booking")
    visit(desk, ids["anton"], ago(minutes=25), hours=None)
    ids["anna"] = add_customer(desk, "Anna Kowalski", since=ago(days=30), phone="0171 222 3344")
    visit(desk, ids["anna"], ago(days=3))
    ids["annika"] = add_customer(desk, "Annika Berg", since=ago(days=45), email="annika@example.com")
    visit(desk, ids["annika"], ago(days=9))
    log(desk, ids["annika"], ago(days=9, minutes=-30), category="booking", description="Booked for 4, table set for 2",
        raise_flag=True)
    ids["bob"] = add_customer(desk, "[red]Bob[/red]", since=ago(days=90), phone="0176 987 6543")
    log(desk, ids["bob"], ago(days=20), category="billing", severity="moderate", description="Charged twice")
    visit(desk, ids["bob"], ago(minutes=40), hours=None)
    ids["smith"] = add_customer(desk, "Smith [/]", since=ago(days=10))
    visit(desk, ids["smith"], ago(minutes=55), hours=None)
    log(desk, ids["smith"], ago(minutes=20), category="service", description="[b]Wrong[/b] wine poured")
    ids["click"] = add_customer(desk, "[@click=app.quit]x[/]", since=ago(days=5), phone="0152 444 5555")
    visit(desk, ids["click"], ago(days=1))
    return ids


def url_of(desk: Actor) -> str:
    return desk.store.url.render_as_string(hide_password=False)


def open_visits(desk: Actor, customer_id: int) -> list[Visit]:
    with desk.store.read() as session:
        return list(session.scalars(select(Visit).where(Visit.customer_id == customer_id,
                                                        Visit.checked_out_at.is_(None))))


def active_flags(desk: Actor, customer_id: int) -> list[Flag]:
    with desk.store.read() as session:
        return list(session.scalars(select(Flag).where(Flag.customer_id == customer_id, Flag.active.is_(True))))


def customer_row(desk: Actor, customer_id: int) -> Customer:
    with desk.store.read() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer


def customers_named(desk: Actor, name: str) -> list[int]:
    with desk.store.read() as session:
        return list(session.scalars(select(Customer.id).where(Customer.name == name)))


def card_view(app: Any) -> CustomerCardView:
    return app.screen.query_one(CustomerCardView)


def shown_card_id(app: Any) -> int | None:
    """The customer whose card the greet screen shows (None: results, or another screen)."""
    card = getattr(app.screen, "card", None)
    return card.id if card is not None else None


def squeezed(app: Any) -> str:
    """The screen's text with runs of spaces as one (column widths are the snapshots' business)."""
    return re.sub(r" +", " ", screen_text(app))


def notifications(seen: list[Message]) -> list[str]:
    """The texts of the notifications among the messages a `message_hook` saw (Textual's public `Notify`)."""
    return [message.notification.message for message in seen if isinstance(message, Notify)]


@asynccontextmanager
async def greeting(desk: Actor, clock: FixedClock, size: tuple[int, int] = (80, 24),
                   message_hook: Callable[[Message], None] | None = None,
                   **settings: Any) -> AsyncIterator[tuple[Any, Any]]:
    """The app on the desk's store, ready (store open, staff known): yields (app, pilot)."""
    app = make_app(url_of(desk), clock, **settings)
    async with app.run_test(size=size, message_hook=message_hook) as pilot:
        await ready(pilot)
        yield app, pilot


def slow_search(monkeypatch: pytest.MonkeyPatch, slow_text: str) -> tuple[threading.Event, threading.Event]:
    """The search service holds its answer to `slow_text` until `release` is set, then sets `answered`
    (and answers other text at once). Returns (release, answered)."""
    real = search.search_customers
    release, answered = threading.Event(), threading.Event()

    def search_customers(store: Any, text: str, limit: int = search.SCREEN_ROWS, handle: Any = None) -> Any:
        if text != slow_text:
            return real(store, text, limit, handle)
        assert release.wait(30), "the test never released the slow search"
        try:
            return real(store, text, limit, handle)
        finally:
            answered.set()

    monkeypatch.setattr(search, "search_customers", search_customers)
    return release, answered


async def search_and_open(pilot: Any, text: str) -> None:
    await type_text(pilot, text)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


# -- finding the guest -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "who"),
    [("jose", "jose"), ("fern", "jose"), ("0151 234", "jose"), ("kowal", "anna")],
    ids=["accentless name", "later word of the name", "phone digits", "surname prefix"],
)
async def test_search_opens_the_right_guest_and_checks_them_in(
    sqlite_desk: Actor, clock: FixedClock, typed: str, who: str
) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        assert app.focused is app.screen.query_one("#search")
        await search_and_open(pilot, typed)
        assert shown_card_id(app) == ids[who]
        await pilot.press("f8")
        await settle(pilot)
        assert len(open_visits(sqlite_desk, ids[who])) == 1
        assert "In house since 19:30" in screen_text(app)


async def test_rows_show_marker_masked_phone_and_last_visit_first_row_highlighted(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        version = customer_row(sqlite_desk, ids["anna"]).version
        await type_text(pilot, "an")
        await settle(pilot)
        results = app.screen.query_one(SearchResults)
        assert results.answered_text == "an"
        names = [hit.name for hit in results.hits]
        assert names[:3] == ["Ana García", "Anton Weber", "Annika Berg"]  # flagged first, highest level first
        assert "Anna Kowalski" in names
        top = results.first_row_text
        assert top.startswith("▶ ⚑ priority") and "Ana García" in top and "••• ••• 5678" in top
        assert "030" not in top and "1234" not in top
        assert results.highlighted == 0
        await pilot.press("down", "down", "down", "up", "down")
        assert results.highlighted_hit is not None and results.highlighted_hit.name == "Anna Kowalski"
        await pilot.press("enter")
        await settle(pilot)
        assert shown_card_id(app) == ids["anna"]
        assert customer_row(sqlite_desk, ids["anna"]).version == version  # opening a card writes nothing


async def test_newest_keystroke_wins_over_a_slow_older_query(
    sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    greet_scene(sqlite_desk)
    release, answered = slow_search(monkeypatch, "an")
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await type_text(pilot, "ant")
        await settle(pilot)
        release.set()
        await until(pilot, answered.is_set)  # the cancelled "an" search has answered now
        results = app.screen.query_one(SearchResults)
        assert results.answered_text == "ant"
        assert [hit.name for hit in results.hits] == ["Anton Weber"]


async def test_enter_before_a_slow_query_returns_opens_the_guest_typed_not_the_older_row(
    sqlite_desk: Actor, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = greet_scene(sqlite_desk)
    release, _ = slow_search(monkeypatch, "ant")
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await type_text(pilot, "an")
        await settle(pilot)
        results = app.screen.query_one(SearchResults)
        assert results.highlighted_hit is not None and results.highlighted_hit.customer_id == ids["ana"]
        await pilot.press("t", "enter")  # the rows on screen still answer "an": Ana is highlighted
        assert results.answered_text == "an" and shown_card_id(app) is None
        release.set()
        await settle(pilot)
        assert shown_card_id(app) == ids["anton"]
        await pilot.press("f10")
        await settle(pilot)
        with sqlite_desk.store.read() as session:
            acknowledged = set(session.scalars(select(Flag.customer_id).join(FlagAcknowledgement)))
        assert acknowledged == {ids["anton"]}


# -- the card ----------------------------------------------------------------------------


async def test_card_shows_the_neutral_headline_first_and_the_story_one_key_away(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "ana g")
        text = screen_text(app)
        assert "⚑ priority" in text and "Food and drink follow-up · 13 Nov" in text
        assert "Main course came 50 minutes late" not in text  # guests can see the stand's screen
        assert "Acknowledge what happened" not in text
        assert "F6: the story and how to greet" in text
        await pilot.press("f6")
        text = squeezed(app)
        assert "When Fri 13 Nov 18:30" in text
        assert "Story Main course came 50 minutes late, then cold" in text
        assert "Greet Acknowledge what happened on Friday before anything else" in text
        assert "Logged by Maria, Fri 13 Nov 18:35" in text
        assert "Read by nobody yet" in text
        await pilot.press("f6")
        assert "Main course came 50 minutes late" not in screen_text(app)


async def test_card_states_tenure_incidents_per_visit_remedies_and_open_promises(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock, (120, 40)) as (app, pilot):
        await search_and_open(pilot, "ana g")
        text = screen_text(app)
        assert "Customer since 15 Nov 2025 · 12 visits · last visit Fri 13 Nov 18:00" in text
        assert "2 incidents in 12 visits · remedies given 24.00 EUR" in text
        assert "Notes: Prefers the window table" in text
        assert "• A promise · due today 22:00 · likely" in text  # what was promised: F6
        assert "Incident · Food and drink · major" in text and "Main course came 50 minutes late" not in text
        assert "reached – satisfied · Maria" in text
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.story)
        text = screen_text(app)
        assert "• Dessert on the house next visit · promised by Maria, Fri 13 Nov" in text
        assert "18:30 · due today 22:00 · likely" in text  # on the next line at this width
        assert "Main course came 50 minutes late" in text
        await pilot.press("f6")
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("n")  # check in only: the promise stays open
        await settle(pilot)
        assert len(open_visits(sqlite_desk, ids["ana"])) == 1
        assert "2 incidents in 13 visits" in screen_text(app)
        assert "• A promise · due today 22:00" in screen_text(app)


async def test_the_banner_says_a_promise_is_open_and_check_in_marks_it_kept(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    """Before F6 the banner and the dialog say a promise is open and when it is due, not what it is;
    y at check-in marks it kept in the same call, and its promise check is done."""
    ids = greet_scene(sqlite_desk)
    seen: list[Message] = []
    async with greeting(sqlite_desk, clock, message_hook=seen.append) as (app, pilot):
        await search_and_open(pilot, "ana g")
        text = screen_text(app)
        assert "promise open · due Fri 20 Nov" in text and "Dessert" not in text
        await pilot.press("f8")
        await until(pilot, lambda: "Honour it now?" in screen_text(app))
        assert "An open promise: a promise, due today 22:00. Honour it now?" in screen_text(app)
        assert "Dessert" not in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert len(open_visits(sqlite_desk, ids["ana"])) == 1
        with sqlite_desk.store.read() as session:
            promised = session.scalars(select(Incident).where(Incident.customer_id == ids["ana"],
                                                              Incident.promise_text.is_not(None))).one()
            assert (promised.promise_status, promised.promise_settled_at) == ("kept", PINNED_NOW)
            checks = session.scalars(select(FollowUp.status).where(FollowUp.incident_id == promised.id,
                                                                   FollowUp.kind == "promise_check")).all()
        assert checks == ["done"], "its promise check is done, as when the promise is marked kept on F3"
        assert "promise open" not in screen_text(app) and "Open promises" not in screen_text(app)
        assert "Ana García checked in; 1 promise marked kept." in notifications(seen)


async def test_a_promise_past_due_shows_as_overdue(sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    clock.set(PINNED_NOW + timedelta(days=1))  # Saturday: the promise was due Friday 22:00
    async with greeting(sqlite_desk, clock, (120, 40)) as (app, pilot):
        await search_and_open(pilot, "ana g")
        text = screen_text(app)
        assert "promise open · due Fri 20 Nov · overdue" in text
        assert "• A promise · overdue since yesterday 22:00 · likely" in text


async def test_check_in_then_check_out_and_a_guest_who_left(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "jose")
        await pilot.press("f8")
        await settle(pilot)
        (current,) = open_visits(sqlite_desk, ids["jose"])
        assert current.checked_in_by_id == sqlite_desk.staff_id
        assert "In house since 19:30" in screen_text(app)
        await pilot.press("f8")
        await settle(pilot)
        assert open_visits(sqlite_desk, ids["jose"]) == []
        with sqlite_desk.store.read() as session:
            closed = session.get(Visit, current.id)
            assert closed is not None and closed.departure == "out"
            assert closed.checked_out_by_id == sqlite_desk.staff_id
        assert "Not in house" in screen_text(app)
        await pilot.press("ctrl+l")  # not in house: Left is not offered and does nothing
        await settle(pilot)
        await pilot.press("escape", "ctrl+u")
        await search_and_open(pilot, "anton")
        (anton_visit,) = open_visits(sqlite_desk, ids["anton"])
        await pilot.press("ctrl+l")
        await settle(pilot)
        with sqlite_desk.store.read() as session:
            left = session.get(Visit, anton_visit.id)
            assert left is not None and left.departure == "left" and left.checked_out_at is not None


async def test_acknowledging_records_who_and_when_and_the_flag_stays(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock, staff="Hana") as (app, pilot):
        await search_and_open(pilot, "ana g")
        await pilot.press("f10")
        await settle(pilot)
        with sqlite_desk.store.read() as session:
            (ack,) = session.scalars(select(FlagAcknowledgement))
            hana = app.staff
            assert hana is not None and ack.staff_id == hana.id and ack.terminal == "stand"
            assert ack.acknowledged_at == PINNED_NOW
        assert len(active_flags(sqlite_desk, ids["ana"])) == 1
        await pilot.press("f6")
        assert "Read by Hana (stand) today 19:30" in squeezed(app)


async def test_a_manager_clears_the_flag_after_confirming(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "ana g")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Clear the flag “Food and drink follow-up · 13 Nov”?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert len(active_flags(sqlite_desk, ids["ana"])) == 1
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert active_flags(sqlite_desk, ids["ana"]) == []
        with sqlite_desk.store.read() as session:
            (flag,) = session.scalars(select(Flag).where(Flag.customer_id == ids["ana"]))
            assert flag.cleared_by_id == sqlite_desk.staff_id
        assert "⚑ priority" not in screen_text(app)


async def test_a_host_is_told_plainly_that_clearing_is_for_a_lead(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    seen: list[Message] = []
    async with greeting(sqlite_desk, clock, staff="Hana", message_hook=seen.append) as (app, pilot):
        await search_and_open(pilot, "ana g")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not app.screen.is_modal
        assert any("Clearing a flag needs a lead or manager" in note for note in notifications(seen))
        assert len(active_flags(sqlite_desk, ids["ana"])) == 1


async def test_escape_closes_the_card_then_clears_the_search_and_focus_stays_in_the_box(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        search_box = app.screen.query_one("#search")
        await search_and_open(pilot, "jose")
        assert shown_card_id(app) is not None
        await pilot.press("escape")
        assert shown_card_id(app) is None and app.focused is search_box
        assert "José Fernández" in app.screen.query_one(SearchResults).first_row_text
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is search_box and search_box.value == ""
        assert "Recent guests" in screen_text(app)
        await pilot.press("f3")
        await pilot.press("f2")
        await settle(pilot)
        assert app.focused is search_box


async def test_typing_while_a_card_is_open_starts_the_next_search(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "jose")
        await search_and_open(pilot, "anton")  # the old text was selected: typing replaces it
        assert app.screen.query_one("#search").value == "anton"
        assert shown_card_id(app) == ids["anton"]


async def test_log_incident_key_opens_f3_for_this_guest_without_writing(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    seen: list[Message] = []
    async with greeting(sqlite_desk, clock, message_hook=seen.append) as (app, pilot):
        before = len(incidents.todays_incidents(sqlite_desk))
        await search_and_open(pilot, "jose")
        await pilot.press("f11")
        await settle(pilot)
        assert app.current_mode == "incident"
        assert {m.customer_id for m in seen if isinstance(m, LogIncidentFor)} == {ids["jose"]}
        assert len(incidents.todays_incidents(sqlite_desk)) == before


async def test_another_screen_can_open_a_card(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await pilot.press("f4")
        app.post_message(OpenCustomer(ids["anton"]))
        await until(pilot, lambda: shown_card_id(app) == ids["anton"])
        assert app.current_mode == "greet"
        assert app.focused is app.screen.query_one("#search")


# -- names that look like markup ------------------------------------------------------------


async def test_markup_names_show_literally_everywhere_and_selecting_them_does_nothing(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock, (120, 40)) as (app, pilot):
        in_house = screen_text(app)
        assert "Smith [/]" in in_house and "[red]Bob[/red]" in in_house  # the in-house list
        for typed, key in (("smith", "smith"), ("bob", "bob"), ("click", "click")):
            name = customer_row(sqlite_desk, ids[key]).name
            await type_text(pilot, typed)
            await settle(pilot)
            assert name in app.screen.query_one(SearchResults).first_row_text
            assert name in screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert shown_card_id(app) == ids[key] and app.is_running
            assert name in screen_text(app)
            await pilot.press("escape", "escape")
            await settle(pilot)
        await search_and_open(pilot, "smith")
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.story)
        assert "[b]Wrong[/b] wine poured" in screen_text(app)  # the timeline's story
        assert app.is_running and open_visits(sqlite_desk, ids["click"]) == []


# -- the in-house list ------------------------------------------------------------------------


async def test_in_house_list_gains_a_guest_when_another_writer_logs_an_incident(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    ids = greet_scene(sqlite_desk)
    customers.check_in(sqlite_desk, ids["jose"])
    async with greeting(sqlite_desk, clock, watch_store=True) as (app, pilot):
        in_house = app.screen.query_one(InHouseList)
        assert {guest.customer_id for guest in in_house.guests} == {ids["anton"], ids["bob"], ids["smith"]}
        log(sqlite_desk, ids["jose"], ago(minutes=5), description="Glass chipped")  # another connection
        await until(pilot, lambda: ids["jose"] in {guest.customer_id for guest in in_house.guests})
        await pilot.pause()
        assert "José Fernández · Food and drink incident today" in screen_text(app)
        assert "Glass chipped" not in screen_text(app)  # the story stays on the card


# -- the customer form --------------------------------------------------------------------------


async def test_edit_contact_details_consent_and_address(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await search_and_open(pilot, "ana g")
        await pilot.press("f12")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "name"
        assert app.screen.query_one("#phone").value == "+49 30 12345678", "the phone as people read it"
        await pilot.press("tab", "tab", "ctrl+u")  # email: clear it
        await type_text(pilot, "ana.garcia@example.org")
        await pilot.press("tab", "tab", "space")  # consent: call (kept), text (ticked)
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Hauptstr. 1")
        await pilot.press("enter")
        await type_text(pilot, "10115 Berlin")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.screen.is_modal
        ana = customer_row(sqlite_desk, ids["ana"])
        assert ana.email == "ana.garcia@example.org"
        assert (ana.consent_call, ana.consent_text, ana.consent_email, ana.consent_post) == (True, True, True, False)
        assert ana.postal_address == "Hauptstr. 1\n10115 Berlin"
        assert ana.phone == "+4930123456 78".replace(" ", ""), "stored as E.164 still"
        assert "may contact by call, text, email" in screen_text(app)
        with sqlite_desk.store.read() as session:
            edited = session.scalars(select(AuditEvent.fields).where(
                AuditEvent.action == "edit", AuditEvent.record_type == "customer",
                AuditEvent.record_id == ids["ana"])).all()
        assert len(edited) == 1 and "email" in edited[0] and "phone" not in edited[0], "the phone did not change"


async def test_new_customer_from_what_was_typed(sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await type_text(pilot, "Neo Anderson")
        await settle(pilot)
        assert "No one on file matches “Neo Anderson” · Ctrl+N adds them" in screen_text(app)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.query_one("#name").value == "Neo Anderson"
        await pilot.press("tab")
        await type_text(pilot, "0151 999 8888")
        await pilot.press("ctrl+s")
        await settle(pilot)
        (neo,) = customers_named(sqlite_desk, "Neo Anderson")
        assert customer_row(sqlite_desk, neo).phone == "+491519998888"
        assert shown_card_id(app) == neo


async def test_a_duplicate_phone_offers_the_existing_customer_instead(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await type_text(pilot, "Ana Twin")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "030 1234 5678")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert customers_named(sqlite_desk, "Ana Twin") == []
        text = screen_text(app)
        assert "Another name, same phone/email: Enter opens, Ctrl+S adds" in text and "Ana García" in text
        await pilot.press("enter")
        await settle(pilot)
        assert not app.screen.is_modal and shown_card_id(app) == ids["ana"]
        assert customers_named(sqlite_desk, "Ana Twin") == []


async def test_an_escape_character_in_a_name_is_refused_next_to_the_field(
    sqlite_desk: Actor, clock: FixedClock
) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await pilot.press("ctrl+n")
        await settle(pilot)
        app.post_message(events.Paste("Bo\x1b[31mb"))  # a terminal delivers a paste like this
        await pilot.pause()
        await pilot.press("tab")
        await type_text(pilot, "0151 777 6666")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = app.screen.query_one("#name-error")
        assert error.display and "control character" in str(error.render())
        assert app.focused is not None and app.focused.id == "name"
        assert app.screen.query_one("#name").value == "Bo\x1b[31mb"  # nothing typed is lost
        assert app.screen.query_one("#phone").value == "0151 777 6666"
        with sqlite_desk.store.read() as session:
            assert session.scalar(select(Customer.id).where(Customer.phone == "+491517776666")) is None


async def test_escape_in_a_changed_form_asks_before_discarding(sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock) as (app, pilot):
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_text(pilot, "Half typed")
        await pilot.press("escape")
        await pilot.pause()
        assert "Discard what you typed?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#name").value == "Half typed"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not app.screen.is_modal and customers_named(sqlite_desk, "Half typed") == []


# -- the first frame ------------------------------------------------------------------------------


def test_greet_modules_import_without_the_orm_or_pydantic() -> None:
    code = (
        "import sys\n"
        "import frontdesk.screens.greet, frontdesk.screens.customer_form\n"
        "import frontdesk.widgets.search_results, frontdesk.widgets.customer_card\n"
        "import frontdesk.widgets.flag_banner, frontdesk.widgets.in_house\n"
        "heavy = [m for m in ('sqlalchemy', 'pydantic', 'frontdesk.services', 'frontdesk.store') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_masked_phone_shows_only_the_last_four_digits() -> None:
    assert masked_phone("+4930123456 78".replace(" ", "")) == "••• ••• 5678"
    assert masked_phone(None) == masked_phone("") == ""


async def test_by_taps_a_row_opens_and_the_card_buttons_act_as_their_keys(sqlite_desk: Actor, clock: FixedClock) -> None:
    """A tablet: tapping a result row opens that guest (not the highlighted one); the card's buttons show the
    story, check in (then Check out takes its place) and acknowledge, as F6, F8 and F10 do; the search box
    keeps the focus after each tap."""
    ids = greet_scene(sqlite_desk)
    async with greeting(sqlite_desk, clock, staff="Hana") as (app, pilot):
        await type_text(pilot, "an")
        await settle(pilot)
        await pilot.press("down")  # the highlight elsewhere: the tapped row is what opens
        results = app.screen.query_one(SearchResults)
        row = next(index for index, hit in enumerate(results.hits) if hit.customer_id == ids["ana"])
        assert row != results.highlighted
        await pilot.click(results, offset=(5, row))
        await until(pilot, lambda: shown_card_id(app) == ids["ana"])
        assert app.screen.query_one("#card-check-out").display is False
        await pilot.click("#card-toggle-story")
        await until(pilot, lambda: app.screen.story)
        await pilot.click("#card-check-in")
        await until(pilot, lambda: bool(app.screen.query("#check-in-only")))  # Ana has a promise open
        await pilot.click("#check-in-only")
        await until(pilot, lambda: len(open_visits(sqlite_desk, ids["ana"])) == 1)
        await until(pilot, lambda: app.screen.query_one("#card-check-out").display is True)
        assert app.screen.query_one("#card-check-in").display is False
        await pilot.click("#card-acknowledge")
        await settle(pilot)
        with sqlite_desk.store.read() as session:
            assert [ack.staff_id for ack in session.scalars(select(FlagAcknowledgement))] == [app.staff.id]
        assert len(active_flags(sqlite_desk, ids["ana"])) == 1
        assert app.focused is app.screen.query_one("#search")
