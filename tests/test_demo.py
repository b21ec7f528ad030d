"""The demo restaurant: built through the services, rich enough to show every screen.

Counts are read back from `frontdesk export`'s JSON (what a person would
check) and from the due queue in the site's zone, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from frontdesk.clock import FixedClock
from frontdesk.demo.restaurant import CUSTOMERS, build_demo
from frontdesk.errors import NotAllowed
from frontdesk.services import followups, setup
from frontdesk.services.context import Actor
from frontdesk.services.export import write_export
from frontdesk.store.migrate import open_store


def exported(store: Any) -> dict[str, list[dict[str, Any]]]:
    out = io.StringIO()
    write_export(store, out)
    return json.loads(out.getvalue())


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_demo_restaurant(store: Any, clock: FixedClock) -> None:
    """≥300 customers from five countries and more, ≥40 incidents of every severity and category,
    overdue and due-today follow-ups in the site's zone, flags, alerts, guests in house, audit events."""
    summary = build_demo(store, clock, terminal="stand")
    assert "Trattoria Lumen" in summary
    data = exported(store)
    now = clock.now()
    (site,) = data["sites"]
    zone = ZoneInfo(site["time_zone"])
    assert site["time_zone"] != "UTC"

    people = data["customers"]
    assert len(people) == CUSTOMERS >= 300
    assert sum(any(ord(char) > 127 for char in person["name"]) for person in people) >= 30
    numbers = [phonenumbers.parse(person["phone"]) for person in people if person["phone"]]
    assert all(phonenumbers.is_valid_number(number) for number in numbers)
    assert len({number.country_code for number in numbers}) >= 5
    assert len({person["phone"] for person in people if person["phone"]}) == len(numbers)
    assert sum(bool(person["email"]) for person in people) >= 200
    assert sum(bool(person["postal_address"]) for person in people) >= 30
    assert any(person["consent_call"] for person in people) and any(person["consent_post"] for person in people)
    assert all(instant(person["customer_since"]) <= now for person in people)

    visits = data["visits"]
    assert len(visits) >= 500
    first_visit = min(instant(visit["checked_in_at"]) for visit in visits)
    assert now - first_visit >= timedelta(weeks=6)
    in_house = [visit for visit in visits if visit["checked_out_at"] is None]
    assert len(in_house) >= 5
    assert all(instant(visit["checked_in_at"]) <= now for visit in visits)

    logged = data["incidents"]
    assert len(logged) >= 40
    assert {incident["severity"] for incident in logged} == {"minor", "moderate", "major", "critical"}
    assert {incident["category"] for incident in logged} == {category["key"] for category in data["categories"]}
    assert any(incident["remedy_cost"] > 0 for incident in logged)
    assert {incident["promise_status"] for incident in logged} >= {"kept", "pending"}
    assert any(incident["handoff_status"] == "fixed" for incident in logged)
    assert any(not incident["complete"] for incident in logged)
    assert any(incident["guest_description"] for incident in logged)
    approvals = {incident["remedy_approval"] for incident in logged}
    assert {"approved", "pending"} <= approvals, "remedies above the logger's limit, approved or waiting"
    assert all(bool(incident["remedy_approved_by_id"]) == (incident["remedy_approval"] == "approved")
               for incident in logged)
    assert all(instant(incident["occurred_at"]) <= instant(incident["logged_at"]) <= now for incident in logged)

    assert {episode["status"] for episode in data["episodes"]} == {"open", "closed"}
    closed = [episode for episode in data["episodes"] if episode["status"] == "closed"]
    causes = {cause["key"] for cause in data["root_causes"]}
    assert all(episode["root_cause"] in causes and episode["outcome"] for episode in closed)
    assert len({episode["root_cause"] for episode in closed}) >= 4, "closed episodes with several root causes"
    assert "unknown" in {episode["root_cause"] for episode in closed}
    assert "recovered" in {episode["outcome"] for episode in closed}
    assert all(episode["root_cause"] is None and episode["outcome"] is None
               for episode in data["episodes"] if episode["status"] == "open")
    active_flags = {flag["customer_id"] for flag in data["flags"] if flag["active"]}
    assert len(active_flags) >= 3
    assert any(not flag["active"] for flag in data["flags"])
    assert data["flag_acknowledgements"]
    assert any(alert["acknowledged_at"] is None for alert in data["alerts"])
    assert any(alert["acknowledged_at"] for alert in data["alerts"])
    assert {visit["customer_id"] for visit in in_house} & active_flags, "a flagged guest is in house"

    follow_ups = data["follow_ups"]
    assert {row["status"] for row in follow_ups} == {"open", "done", "skipped"}
    assert any(row["outcome"] == "reached_satisfied" for row in follow_ups)
    assert {row["escalation"] for row in follow_ups if row["status"] == "open"} >= {1, 2}, \
        "escalated to the leads and to the managers"
    assert all(row["escalated_at"] for row in follow_ups if row["escalation"])
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    pending = [incident for incident in logged if incident["promise_status"] == "pending" and incident["customer_id"]]
    in_house_guests = {visit["customer_id"] for visit in in_house}
    assert any(incident["customer_id"] in in_house_guests and instant(incident["promise_due_at"]) < now
               for incident in pending), "a guest in house with a promise past due"
    assert any(incident["customer_id"] not in in_house_guests and now < instant(incident["promise_due_at"]) < midnight
               for incident in pending), "a guest expected, a promise due tonight: check-in offers to keep it"
    open_due = [instant(row["due_at"]) for row in follow_ups if row["status"] == "open"]
    assert any(due < now for due in open_due), "an overdue follow-up"
    assert any(now <= due < midnight for due in open_due), "a follow-up due later today, local time"
    assert any(due >= midnight for due in open_due), "an upcoming follow-up"
    assert data["follow_up_attempts"]

    lead = next(member for member in data["staff"] if member["role"] == "lead")
    queue = followups.due_queue(Actor(store, clock, site["id"], "stand", lead["id"]))
    assert queue.counts.overdue >= 1 and queue.counts.today >= 1

    events = data["audit_events"]
    assert len(events) > len(people) + len(visits)
    assert {"create", "check_in", "check_out", "complete", "close", "acknowledge"} <= {e["action"] for e in events}
    names = {person["name"] for person in people}
    assert not any(event["fields"] and any(name in event["fields"] for name in names) for event in events)

    with pytest.raises(NotAllowed, match="already has data"):
        build_demo(store, clock, terminal="stand")


def test_refuses_a_store_that_has_a_site(desk: Actor, store: Any, clock: FixedClock) -> None:
    """A real store is never filled with demo guests by accident."""
    with pytest.raises(NotAllowed, match="--force"):
        build_demo(store, clock, terminal="stand")
    assert len(setup.list_sites(store)) == 1


def test_same_seed_same_restaurant_and_force_adds_another(sqlite_url: str, tmp_path: Any) -> None:
    """Two builds with one seed and one "now" are identical; --force adds a second demo site beside it."""
    clock = FixedClock(datetime(2026, 3, 29, 9, 15, tzinfo=UTC))  # the morning after Berlin's clocks go forward
    first = open_store(sqlite_url)
    second = open_store(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        build_demo(first, clock, terminal="stand")
        build_demo(second, clock, terminal="stand")
        assert exported(first) == exported(second)

        summary = build_demo(second, clock, terminal="stand", force=True)
        assert "Trattoria Lumen (2)" in summary
        data = exported(second)
        assert len(data["sites"]) == 2
        assert len(data["customers"]) == 2 * CUSTOMERS
        assert len({person["phone"] for person in data["customers"] if person["phone"]}) == sum(
            bool(person["phone"]) for person in data["customers"]
        )
    finally:
        first.dispose()
        second.dispose()
