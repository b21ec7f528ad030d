"""Notices that say where (issue 19 item 1): a write's notification names its site and the tables it
changed, and a terminal re-queries only when that concerns its site and what its screen shows.

The idle-terminal test runs the app at Bistro Berlin on PostgreSQL, counts every statement its own
engine sends, and writes through the services (another engine) at Bistro Hamburg, then at Berlin.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import event

from frontdesk.clock import FixedClock
from frontdesk.messages import StoreChanged
from frontdesk.schemas.inputs import SiteInput
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor
from frontdesk.store.changes import CUSTOMER_HISTORY, EVERYTHING, Change, Interest, merge
from frontdesk.store.db import CHANNEL_SQL, Store
from tests.conftest import set_up_desk
from tests.ui import make_app, ready, settle, until

HAMBURG = SiteInput.parse({"name": "Bistro Hamburg", "time_zone": "Europe/Berlin", "phone_region": "DE",
                           "currency": "EUR"})


def test_a_payload_reads_back_and_anything_else_means_everything() -> None:
    change = Change(3, frozenset({"follow_ups", "alerts"}))
    assert change.payload() == "site=3;tables=alerts,follow_ups"
    assert Change.parse(change.payload()) == change
    assert Change.parse("site=;tables=categories") == Change(None, frozenset({"categories"}))
    for old in ("", "schema", "site=x;tables=alerts", "tables=alerts"):
        assert Change.parse(old) == EVERYTHING


def test_a_change_concerns_its_own_site_and_a_customers_history_concerns_every_site() -> None:
    in_house = Interest.of(("visits", "flags"))
    card = Interest.of(("visits",), CUSTOMER_HISTORY)
    flag_at_3 = Change(3, frozenset({"flags", "audit_events"}))
    assert in_house.concerns(flag_at_3, 3)
    assert not in_house.concerns(flag_at_3, 4)
    assert card.concerns(flag_at_3, 4)  # a customer's flags are the group's
    assert not in_house.concerns(Change(3, frozenset({"alerts"})), 3)  # not what it shows
    assert in_house.concerns(Change(None, frozenset({"visits"})), 4)  # a shell command: every site
    assert in_house.concerns(Change(3, frozenset({"categories"})), 4)  # store-wide
    assert in_house.concerns(EVERYTHING, 4)
    assert merge([Change(3, frozenset({"a"})), Change(3, frozenset({"b"})), Change(4, frozenset({"c"}))]) == (
        Change(3, frozenset({"a", "b"})), Change(4, frozenset({"c"})))
    assert merge([Change(3, frozenset({"a"})), EVERYTHING]) == (EVERYTHING,)


# -- on PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def two_sites(pg_store: Store, clock: FixedClock) -> tuple[Actor, Actor]:
    """Maria at Bistro Berlin's stand, and Maria at Bistro Hamburg's bar, on one PostgreSQL store."""
    berlin: Actor = set_up_desk(pg_store, clock)  # type: ignore[assignment]
    hamburg = setup.add_site(pg_store, clock, HAMBURG, "stand")
    return berlin, Actor(pg_store, clock, hamburg.id, "bar", berlin.staff_id)


class Listener:
    """A LISTEN on the store's channel, on its own connection, recording payloads."""

    def __init__(self, store: Store) -> None:
        self.connection = psycopg.connect(autocommit=True, **store.feed_connect_args())
        channel = self.connection.execute(f"SELECT {CHANNEL_SQL}").fetchone()
        assert channel is not None
        self.connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel[0])))

    def heard(self) -> list[Change]:
        return [Change.parse(notice.payload) for notice in self.connection.notifies(timeout=0.5)]

    def close(self) -> None:
        self.connection.close()


def serious_incident(actor: Actor, customer_id: int | None = None) -> int:
    data: dict[str, Any] = {"category": "food", "severity": "major", "description": "Soup arrived cold"}
    if customer_id is not None:
        data["customer_id"] = customer_id
    return incidents.log_incident(actor, incidents.parse_incident(actor, data)).incident_id


def test_each_write_says_its_site_and_the_tables_it_changed(two_sites: tuple[Actor, Actor]) -> None:
    _, hamburg = two_sites
    listener = Listener(hamburg.store)
    try:
        guest = customers.create_customer(hamburg, customers.parse_customer(hamburg, {"name": "Ana García"}))
        [created] = listener.heard()
        assert created.site_id == hamburg.site_id
        assert {"customers", "search_tokens", "audit_events"} <= created.tables
        customers.check_in(hamburg, guest)
        assert listener.heard() == [Change(hamburg.site_id, frozenset({"visits", "customers", "audit_events"}))]
        serious_incident(hamburg, guest)
        [logged] = listener.heard()
        assert logged.site_id == hamburg.site_id
        assert {"incidents", "episodes", "flags", "follow_ups", "alerts", "audit_events"} <= logged.tables
    finally:
        listener.close()


class Statements:
    """Every statement one engine sends (the app's own: the writer's engine is another)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, *_: Any) -> None:
        with self._lock:
            self.count += 1


def heard_from(seen: list[Any], site_id: int) -> bool:
    return any(isinstance(message, StoreChanged) and message.changes is not None
               and any(change.site_id == site_id for change in message.changes) for message in seen)


def berlin_terminal_and_hamburg_guest(two_sites: tuple[Actor, Actor], clock: FixedClock) -> tuple[Any, int]:
    """The app at Berlin with its change feed on, and a guest put on file at Hamburg."""
    berlin, hamburg = two_sites
    guest = customers.create_customer(hamburg, customers.parse_customer(hamburg, {"name": "Ana García"}))
    url = berlin.store.url.render_as_string(hide_password=False)
    return make_app(url, clock, watch_store=True, site="Bistro Berlin"), guest


async def test_an_idle_terminal_asks_nothing_for_a_change_at_another_site_and_wakes_for_its_own(
    two_sites: tuple[Actor, Actor], clock: FixedClock
) -> None:
    berlin, hamburg = two_sites
    app, guest = berlin_terminal_and_hamburg_guest(two_sites, clock)
    seen: list[Any] = []
    statements = Statements()
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await ready(pilot)
        assert app.store is not None
        event.listen(app.store.engine, "before_cursor_execute", statements)
        await settle(pilot)
        before = statements.count

        customers.check_in(hamburg, guest)
        serious_incident(hamburg, guest)
        await until(pilot, lambda: heard_from(seen, hamburg.site_id))
        await settle(pilot)
        assert statements.count == before, "an idle terminal at Berlin re-queried for Hamburg's changes"

        serious_incident(replace(berlin, terminal="bar"))
        await until(pilot, lambda: heard_from(seen, berlin.site_id))
        await until(pilot, lambda: statements.count > before)
        await until(pilot, lambda: len(app.alerts) == 1)  # Berlin's own alert, shown


async def test_a_card_open_at_one_site_follows_the_customers_flags_raised_at_another(
    two_sites: tuple[Actor, Actor], clock: FixedClock
) -> None:
    """A customer's flags and history are the group's: the card at Berlin refreshes for Hamburg's incident."""
    _, hamburg = two_sites
    app, guest = berlin_terminal_and_hamburg_guest(two_sites, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press(*"Ana")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "card", None) is not None)
        assert app.screen.card.id == guest and app.screen.card.active_flags == ()  # type: ignore[attr-defined]
        serious_incident(hamburg, guest)
        await until(pilot, lambda: app.screen.card.active_flags != ())  # type: ignore[attr-defined]
