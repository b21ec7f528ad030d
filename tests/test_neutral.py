"""What a guest can read from the stand is neutral (issue 12 item 7).

A sensitive category (allergy, safety, injury, health) says "Care follow-up · DATE";
no incident's description, reaction, remedy or promise shows until F6, and a
sensitive story opened is on record as `view_story`.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.clock import FixedClock
from frontdesk.services import alerts, customers, flags
from frontdesk.services.context import Actor
from frontdesk.store.migrate import open_store
from frontdesk.store.models import AuditEvent, Category
from frontdesk.widgets.alert_bar import AlertBar
from frontdesk.widgets.customer_card import CustomerCardView
from frontdesk.widgets.in_house import InHouseList
from tests.conftest import PINNED_NOW
from tests.test_greet import add_customer, at, log, url_of
from tests.ui import make_app, ready, screen_text, settle, type_text, until

FIXTURE = Path(__file__).parent / "fixtures" / "store-0001.db"
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])

DESCRIPTION = "Declared tree-nut allergy, served pesto; used her own epinephrine"
REACTION = "Shaken, left early with her sister"
PROMISE = "Chef will call about the new allergen card"
SECRETS = (DESCRIPTION, REACTION, PROMISE, "pesto", "epinephrine", "comped", "Safety, allergy", "allergen")


def allergy_guest(desk: Actor, *, in_house: bool = True) -> int:
    """Ana: in house since 19:00, a major safety incident at 19:10 with a remedy and a promise."""
    ana = add_customer(desk, "Ana García", phone="+49 30 1234567", since=PINNED_NOW - timedelta(days=400))
    if in_house:
        customers.check_in(at(desk, PINNED_NOW - timedelta(minutes=30)), ana)
    log(desk, ana, PINNED_NOW - timedelta(minutes=20), category="safety", severity="major",
        description=DESCRIPTION, reaction=REACTION, remedy_kind="comped", remedy_cost="42.00",
        promise_text=PROMISE, promise_due_at=PINNED_NOW + timedelta(days=1), promise_likelihood="likely")
    return ana


# -- services ---------------------------------------------------------------------------


def test_sensitive_categories_default_to_allergy_safety_injury_health(desk: Actor) -> None:
    with desk.store.read() as session:
        marked = set(session.scalars(select(Category.key).where(Category.sensitive.is_(True))))
    assert marked == {"safety"}  # the bundled list has no allergy, injury or health category


def test_a_categories_file_may_mark_any_category_sensitive_or_not(desk: Actor) -> None:
    """New keys allergy, injury, health default to sensitive; a file's `sensitive` wins; a later file that
    says nothing keeps what the store holds."""
    from frontdesk.schemas.playbooks import CategorySpec
    from frontdesk.services.playbooks import _replace_categories

    def spec(key: str, **more: Any) -> CategorySpec:
        return CategorySpec.model_validate({"key": key, "label": key.title(), **more})

    def marked() -> set[str]:
        with desk.store.read() as session:
            return set(session.scalars(select(Category.key).where(Category.sensitive.is_(True))))

    with desk.store.begin() as session:
        _replace_categories(session, [spec("allergy"), spec("health"), spec("wait", sensitive=True),
                                      spec("safety", sensitive=False), spec("food")])
    assert marked() == {"allergy", "health", "wait"}
    with desk.store.begin() as session:
        _replace_categories(session, [spec("allergy"), spec("wait"), spec("safety"), spec("injury")])
    assert marked() == {"allergy", "health", "wait", "injury"}  # health inactive now, still marked


def test_a_sensitive_incident_gets_the_neutral_headline_on_flag_card_alert_and_in_house(desk: Actor) -> None:
    ana = allergy_guest(desk)
    card = customers.customer_card(desk, ana)
    assert [flag.headline for flag in card.active_flags] == ["Care follow-up · 20 Nov"]
    other = Actor(desk.store, desk.clock, desk.site_id, "bar", desk.staff_id)
    assert [alert.headline for alert in alerts.active_alerts(other)] == ["Care follow-up · 20 Nov"]
    [guest] = customers.in_house(desk)
    assert guest.flag_headline == "Care follow-up · 20 Nov" and guest.incident_today == "Care"
    [entry] = [entry for entry in card.timeline if entry.kind == "incident"]
    assert entry.title == "Incident · Care · major" and entry.detail == ""
    assert entry.story is not None and entry.story.startswith("Safety, allergy or injury: Declared tree-nut")


def test_an_ordinary_category_keeps_its_wording(desk: Actor) -> None:
    ana = add_customer(desk, "Ana García")
    log(desk, ana, PINNED_NOW - timedelta(minutes=20), category="food", severity="major", description="Cold soup")
    card = customers.customer_card(desk, ana)
    assert card.active_flags[0].headline == "Food and drink follow-up · 20 Nov"
    assert flags.view_story(desk, ana) == 0


def test_opening_a_sensitive_story_is_audited_as_view_story_without_personal_data(desk: Actor) -> None:
    ana = allergy_guest(desk)
    card = customers.customer_card(desk, ana)
    assert flags.view_story(desk, ana) == 1
    with desk.store.read() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.record_type, event.record_id, event.fields, event.staff_id, event.terminal) == (
        "view_story", "incident", card.incidents[0].id, None, desk.staff_id, "stand")


# -- the migration ------------------------------------------------------------------------


def test_migration_rewrites_old_default_headlines_of_sensitive_categories(tmp_path: Path) -> None:
    """A store from before 0006 with "Safety, allergy or injury follow-up · 20 Nov" on a flag and an
    alert: both become "Care follow-up · 20 Nov"; a typed headline and a food flag stay as they were."""
    copy = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE incidents SET category = 'safety' WHERE id = 1")
        connection.execute("UPDATE flags SET headline = 'Safety, allergy or injury follow-up · 20 Nov' WHERE id = 1")
        connection.execute("UPDATE alerts SET headline = 'Safety, allergy or injury follow-up · 20 Nov'")
        connection.execute("INSERT INTO flags (customer_id, incident_id, level, headline, message, active, "
                           "created_at, created_by_id, version) SELECT customer_id, incident_id, level, "
                           "'Safety, allergy or injury follow-up · see notes', message, 1, created_at, "
                           "created_by_id, 1 FROM flags WHERE id = 1")
        connection.commit()
    store = open_store(f"sqlite:///{copy}")
    store.dispose()
    with sqlite3.connect(copy) as connection:
        headlines = connection.execute("SELECT headline FROM flags ORDER BY id").fetchall()
        alert_headlines = connection.execute("SELECT headline FROM alerts").fetchall()
        sensitive = dict(connection.execute("SELECT key, sensitive FROM categories").fetchall())
    assert headlines == [("Care follow-up · 20 Nov",), ("Birthday",),
                         ("Safety, allergy or injury follow-up · see notes",)]
    assert alert_headlines == [("Care follow-up · 20 Nov",)]
    assert sensitive["safety"] == 1 and sensitive["food"] == 0


# -- the stand ----------------------------------------------------------------------------


def _lacks_story(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} shows before F6"


async def _open_ana(pilot: Any, *, check_results: bool = False) -> None:
    await ready(pilot)
    await type_text(pilot, "ana")
    await settle(pilot)
    if check_results:  # the search results: marker, level and the neutral headline only
        results = screen_text(pilot.app)
        assert "Ana García" in results and "Care follow-up · 20 Nov" in results
        _lacks_story(results)
    await pilot.press("enter")
    app = pilot.app
    await until(pilot, lambda: app.screen.card is not None)


async def test_the_card_shows_no_story_text_before_f6(sqlite_desk: Actor, clock: FixedClock) -> None:
    """Before F6: marker, level, dates and "Care follow-up"; F6 shows the story, audited; Esc closes it."""
    ana = allergy_guest(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_ana(pilot, check_results=True)
        text = screen_text(app)
        assert "Care follow-up · 20 Nov" in text and "⚑" in text and "Incident · Care · major" in text
        _lacks_story(text)
        card_text = "\n".join(str(widget.render()) for widget in app.screen.query(CustomerCardView).first().children)
        _lacks_story(card_text)

        await pilot.press("f6")
        await until(pilot, lambda: app.screen.story)
        text = screen_text(app)
        for shown in ("tree-nut allergy", "Chef will call", "Safety, allergy or injury", "comped"):
            assert shown in text, text
        with sqlite_desk.store.read() as session:
            actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action == "view_story")))
        assert actions == ["view_story"]

        await pilot.press("escape")  # the card closes, and the story with it
        await settle(pilot)
        assert not app.screen.story
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.card is not None and app.screen.card.id == ana)
        _lacks_story(screen_text(app))

        await pilot.press("f6")
        await until(pilot, lambda: app.screen.story)
        await pilot.press("f4")  # another screen: the story closes behind it
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        _lacks_story(screen_text(app))
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.story)
        app.screen.close_story()  # what the lock calls
        await settle(pilot)
        _lacks_story(screen_text(app))


async def test_in_house_list_and_alert_bar_are_neutral(sqlite_desk: Actor, clock: FixedClock) -> None:
    allergy_guest(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock, terminal="bar")  # another terminal: the alert shows
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: app.screen.query_one(InHouseList).guests != ())
        await until(pilot, lambda: bool(app.alerts))
        in_house = str(app.screen.query_one(InHouseList).render())
        assert "Care follow-up · 20 Nov" in in_house and "Ana García" in in_house
        bar = app.screen.query_one(AlertBar).region
        rows = screen_text(app).splitlines()[bar.y:bar.bottom]
        assert rows and "⚠ Care follow-up · 20 Nov" in rows[0] and not any("Ana" in row for row in rows)
        _lacks_story(in_house + screen_text(app))


@SIZES
def test_card_of_a_guest_with_an_allergy_incident_before_f6(
    snap_compare: Any, sqlite_desk: Actor, clock: FixedClock, size: tuple[int, int]
) -> None:
    """Ana García's card: ⚑ priority "Care follow-up · 20 Nov" with "F6: the story and how to greet";
    in house since 19:00; "Open promises" shows "A promise · due tomorrow"; History shows
    "Incident · Care · major" and the visit, and no description, reaction, remedy or promise text."""
    allergy_guest(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    assert snap_compare(app, terminal_size=size, run_before=_open_ana)
