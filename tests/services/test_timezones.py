"""Clock changes in New York, Berlin and Sydney, both directions, through the services, on both backends.

DESIGN.md's rule: a local time that happened twice (clocks go back) is read
as its first occurrence; one that never happened (clocks go forward) moves
forward by the gap, as zoneinfo gives with fold=0, and `time_notes` says so.
Each site here is the store's own site, set up in its zone, with the clock
pinned on the morning after the change, so a desk types the time the way it
would that morning. Playbook offsets are calendar days in the site's zone:
a call "the next day at 10:00" is at 10:00 local on either side of a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Date, DateTime, Integer, String, text

from frontdesk.clock import FixedClock
from frontdesk.schemas.inputs import OutcomeInput, SiteInput, StaffInput
from frontdesk.services import followups, incidents, playbooks, setup
from frontdesk.services.context import Actor
from frontdesk.store.db import Store
from frontdesk.store.migrate import open_store
from tests.conftest import drop_pg_schema, new_pg_schema


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass(frozen=True)
class Change:
    """One clock change of 2026 and a time on that night that is either doubled or missing."""

    zone: str
    day: date
    """The Sunday of the change."""
    direction: str
    """"back" (a wall time happens twice) or "forward" (a wall time is skipped)."""
    wall: time
    """The doubled or missing wall time."""
    instant: datetime
    """What DESIGN.md's rule makes of it."""
    local_hour: int
    """The hour stored beside it: the doubled hour itself, or the hour after the gap."""
    next_morning_10: datetime
    """10:00 local on the Sunday of the change, in UTC: the check-in of an incident on the Saturday."""
    note: str

    @property
    def id(self) -> str:
        return f"{self.zone.split('/')[1]}-{self.direction}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def typed(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.wall:%H:%M}"


CHANGES = [
    Change("America/New_York", date(2026, 11, 1), "back", time(1, 30), utc(2026, 11, 1, 5, 30), 1,
           utc(2026, 11, 1, 15), "01:30 happened twice on 01 Nov (clocks went back); taken as the first"),
    Change("America/New_York", date(2026, 3, 8), "forward", time(2, 30), utc(2026, 3, 8, 7, 30), 3,
           utc(2026, 3, 8, 14), "02:30 does not exist on 08 Mar (clocks went forward); taken as 03:30"),
    Change("Europe/Berlin", date(2026, 10, 25), "back", time(2, 30), utc(2026, 10, 25, 0, 30), 2,
           utc(2026, 10, 25, 9), "02:30 happened twice on 25 Oct (clocks went back); taken as the first"),
    Change("Europe/Berlin", date(2026, 3, 29), "forward", time(2, 30), utc(2026, 3, 29, 1, 30), 3,
           utc(2026, 3, 29, 8), "02:30 does not exist on 29 Mar (clocks went forward); taken as 03:30"),
    Change("Australia/Sydney", date(2026, 4, 5), "back", time(2, 30), utc(2026, 4, 4, 15, 30), 2,
           utc(2026, 4, 5, 0), "02:30 happened twice on 05 Apr (clocks went back); taken as the first"),
    Change("Australia/Sydney", date(2026, 10, 4), "forward", time(2, 30), utc(2026, 10, 3, 16, 30), 3,
           utc(2026, 10, 3, 23), "02:30 does not exist on 04 Oct (clocks went forward); taken as 03:30"),
]
SUNDAY = 6


def local_at(change: Change, day: date, wall: time) -> datetime:
    """An unambiguous local wall time in the change's zone, as a UTC instant."""
    return datetime.combine(day, wall, tzinfo=change.tz).astimezone(UTC)


def site_desk(store: Store, change: Change, now: datetime) -> Actor:
    """A store whose only site is in the change's zone, with its manager at the terminal."""
    clock = FixedClock(now)
    region, currency = {"America": ("US", "USD"), "Europe": ("DE", "EUR"), "Australia": ("AU", "AUD")}[
        change.zone.split("/")[0]]
    site, manager = setup.setup_store(
        store, clock,
        SiteInput.parse({"name": f"Desk in {change.zone}", "time_zone": change.zone, "phone_region": region,
                         "currency": currency}),
        StaffInput.parse({"name": "Maria", "role": "manager"}),
        "stand",
    )
    return Actor(store, clock, site.id, "stand", manager.id)


def log(desk: Actor, **fields: object) -> incidents.LogResult:
    data = {"category": "food", "severity": "minor", "description": "The soup arrived cold"}
    data.update(fields)
    return incidents.log_incident(desk, incidents.parse_incident(desk, data))


def due_times(desk: Actor, incident_id: int) -> list[tuple[str, datetime]]:
    with desk.store.read() as session:
        rows = session.execute(
            text("SELECT kind, due_at FROM follow_ups WHERE incident_id = :id ORDER BY due_at, id")
            .columns(kind=String, due_at=DateTime),
            {"id": incident_id},
        ).all()
    return [(kind, due.replace(tzinfo=UTC)) for kind, due in rows]


@pytest.fixture(params=CHANGES, ids=[change.id for change in CHANGES])
def change(request: pytest.FixtureRequest) -> Change:
    return request.param


# An incident at the doubled or missing time ---------------------------------------------------


def test_incident_at_a_doubled_or_missing_time(store: Store, change: Change) -> None:
    """Typed at the desk the next morning (09:00 local), with the date and without it: the same instant."""
    desk = site_desk(store, change, local_at(change, change.day, time(9)))

    for typed in (change.typed, f"{change.wall:%H:%M}"):
        result = log(desk, occurred_at=typed)

        assert result.time_notes == {"occurred_at": change.note}, typed
        detail = incidents.incident_detail(desk, result.incident_id)
        assert detail.occurred_at == change.instant, typed
        assert (detail.local_date, detail.local_hour, detail.local_weekday) == (change.day, change.local_hour, SUNDAY)
    wall = change.instant.astimezone(change.tz)
    if change.direction == "back":
        assert (wall.time(), wall.fold) == (change.wall, 0), "the first of the two"
        assert (change.instant + timedelta(hours=1)).astimezone(change.tz).time() == change.wall, "it did repeat"
    else:
        assert wall.time() == time(change.wall.hour + 1, change.wall.minute), "moved on by the one-hour gap"


def test_twenty_minutes_ago_across_the_change(store: Store, change: Change) -> None:
    """"20m ago" is plain arithmetic on the instant: right across the change, with no note."""
    now = change.instant + timedelta(minutes=50)
    desk = site_desk(store, change, now)

    result = log(desk, occurred_at="50m ago")

    assert result.time_notes == {}
    detail = incidents.incident_detail(desk, result.incident_id)
    assert detail.occurred_at == change.instant
    assert detail.local_hour == change.local_hour


# Follow-ups planned across the change ---------------------------------------------------------


def test_playbook_calls_keep_their_local_hour_across_the_change(store: Store, change: Change) -> None:
    """A critical incident on the Saturday evening: every call lands on its local hour, whatever the offset.

    The promise made for the missing or doubled time is read by the same
    rule, and its check is due then.
    """
    saturday = change.day - timedelta(days=1)
    desk = site_desk(store, change, local_at(change, saturday, time(19, 30)))

    result = log(desk, severity="critical", occurred_at="19:00", promise_text="The manager calls back tonight",
                 promise_due_at=change.typed, promise_likelihood="likely")

    assert result.time_notes == {"promise_due_at": change.note}
    due = due_times(desk, result.incident_id)
    steps = [(0, 21), (1, 10), (2, 11), (7, 10), (30, 11)]  # data/playbooks.toml, critical
    walls = sorted([(saturday + timedelta(days=days), time(hour)) for days, hour in steps]
                   + [(change.day, time(change.local_hour, 30))])
    assert [(at.astimezone(change.tz).date(), at.astimezone(change.tz).time()) for _, at in due] == walls
    assert ("promise_check", change.instant) in due
    assert ("check_in", change.next_morning_10) in due
    assert change.next_morning_10 - local_at(change, saturday, time(10)) != timedelta(days=1), (
        "the Sunday call is not 24 hours after a Saturday 10:00: the zone's offset changed"
    )


def test_a_step_at_the_doubled_or_missing_time_itself(store: Store, change: Change, tmp_path: Path) -> None:
    """A playbook step set for the very time that is doubled or missing is due as the rule says."""
    playbook = tmp_path / "night.toml"
    playbook.write_text("".join(
        f'[[playbook]]\nseverity = "{severity}"\nname = "Night audit"\n\n'
        f'  [[playbook.step]]\n  kind = "check_in"\n  channel = "call"\n  offset_days = 1\n'
        f"  at_hour = {change.wall.hour}\n  at_minute = {change.wall.minute}\n\n"
        for severity in ("minor", "moderate", "major", "critical")
    ), encoding="utf-8")
    saturday = change.day - timedelta(days=1)
    desk = site_desk(store, change, local_at(change, saturday, time(19, 30)))
    playbooks.load_playbook_file(desk.store, playbook)

    result = log(desk, occurred_at="19:00")

    assert due_times(desk, result.incident_id) == [("check_in", change.instant)]


def test_no_answer_moves_the_call_to_the_same_local_time_across_the_change(store: Store, change: Change) -> None:
    """The Saturday 21:00 call goes unanswered: the retry is Sunday 21:00 local, not 24 hours on."""
    saturday = change.day - timedelta(days=1)
    desk = site_desk(store, change, local_at(change, saturday, time(19, 30)))
    result = log(desk, severity="critical", occurred_at="19:00")
    evening = next(item for item in followups.due_queue(desk).items if item.due_at == local_at(
        change, saturday, time(21)))
    desk.clock.set(local_at(change, saturday, time(21, 5)))  # type: ignore[attr-defined]

    moved = followups.complete(desk, evening.id, evening.version, OutcomeInput.parse({"outcome": "no_answer"}))

    assert moved.status == "open"
    assert moved.due_at == local_at(change, change.day, time(21))
    assert moved.due_at - evening.due_at == timedelta(hours=24) + (
        timedelta(hours=1) if change.direction == "back" else -timedelta(hours=1)
    )
    assert incidents.incident_detail(desk, result.incident_id).local_weekday == SUNDAY - 1


# The same instants on SQLite and PostgreSQL ---------------------------------------------------


@pytest.fixture
def both_backends(sqlite_url: str) -> Iterator[dict[str, str]]:
    """A fresh SQLite file and a fresh PostgreSQL schema, side by side."""
    schema, pg_url = new_pg_schema()
    try:
        yield {"SQLite": sqlite_url, "PostgreSQL": pg_url}
    finally:
        drop_pg_schema(schema)


def stored_rows(store: Store) -> list[tuple[object, ...]]:
    """Every incident's stored instant and local parts, and its follow-ups' due times, as the columns hold them."""
    with store.read() as session:
        incidents_rows = session.execute(
            text("SELECT description, occurred_at, local_date, local_hour, local_weekday, promise_due_at "
                 "FROM incidents ORDER BY description")
            .columns(description=String, occurred_at=DateTime, local_date=Date, local_hour=Integer,
                     local_weekday=Integer, promise_due_at=DateTime)
        ).all()
        follow_up_rows = session.execute(
            text("SELECT i.description, f.kind, f.due_at FROM follow_ups f JOIN incidents i ON i.id = f.incident_id "
                 "ORDER BY i.description, f.due_at, f.kind")
            .columns(description=String, kind=String, due_at=DateTime)
        ).all()
    return [tuple(row) for row in incidents_rows] + [tuple(row) for row in follow_up_rows]


def desks_in_every_zone(store: Store) -> dict[str, Actor]:
    """One site per zone on one store (the first set up, the others added), each desk with its own clock."""
    first = site_desk(store, CHANGES[0], CHANGES[0].instant)
    desks = {CHANGES[0].zone: first}
    for change in CHANGES:
        if change.zone not in desks:
            site = setup.add_site(store, first.clock, SiteInput.parse({
                "name": f"Desk in {change.zone}", "time_zone": change.zone, "phone_region": "US", "currency": "USD",
            }), "stand")
            desks[change.zone] = Actor(store, FixedClock(change.instant), site.id, "stand", first.staff_id)
    return desks


def test_the_same_instants_on_sqlite_and_postgresql(both_backends: dict[str, str],
                                                    show: Callable[[str], None]) -> None:
    """Every change, logged the same way on both backends: the stored instants and local parts are identical."""
    seen: dict[str, list[tuple[object, ...]]] = {}
    for backend, url in both_backends.items():
        store = open_store(url)
        try:
            desks = desks_in_every_zone(store)
            for change in CHANGES:
                desk = desks[change.zone]
                saturday = change.day - timedelta(days=1)
                desk.clock.set(local_at(change, change.day, time(9)))  # type: ignore[attr-defined]
                log(desk, occurred_at=change.typed, description=f"{change.id}: at the odd time")
                desk.clock.set(local_at(change, saturday, time(19, 30)))  # type: ignore[attr-defined]
                log(desk, severity="critical", occurred_at="19:00", description=f"{change.id}: on the Saturday",
                    promise_text="A call back", promise_due_at=change.typed, promise_likelihood="likely")
            seen[backend] = stored_rows(store)
        finally:
            store.dispose()

    sqlite_rows, pg_rows = seen["SQLite"], seen["PostgreSQL"]
    differences = [(a, b) for a, b in zip(sqlite_rows, pg_rows, strict=True) if a != b]
    odd_times = {row[0]: row[1] for row in sqlite_rows if len(row) == 6 and str(row[0]).endswith("odd time")}
    show(f"time zones: {len(CHANGES)} clock changes (New York, Berlin, Sydney; back and forward), "
         f"{len(sqlite_rows)} stored rows: {len(differences)} differences between SQLite and PostgreSQL, "
         f"{sum(odd_times[f'{c.id}: at the odd time'] != c.instant.replace(tzinfo=None) for c in CHANGES)} "
         "instants off DESIGN.md's rule")
    assert len(sqlite_rows) == len(pg_rows) == len(CHANGES) * (2 + 2 + 6)  # incidents, minor plan, critical + promise
    assert differences == []
    assert odd_times == {f"{c.id}: at the odd time": c.instant.replace(tzinfo=None) for c in CHANGES}
