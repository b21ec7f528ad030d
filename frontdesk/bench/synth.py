"""The synthetic store: a restaurant group's N customers, written in bulk for `frontdesk bench`.

Proportions follow a busy group's store: about five visits per customer, one
incident per twenty customers, an open follow-up per fifty and an active flag
per two hundred (per million customers: 5M visits, 50k incidents, 20k open
follow-ups, 5k active flags). Names, phones and stories come from
data/demo.toml, so the search meets accents, a dozen countries and prefixes
shared by thousands of customers, as it would in a real store.

Speed: rows go through the driver's executemany in batches of ~10,000 per
transaction, on the generator's own connection. Only that connection turns
SQLite's `synchronous` OFF and foreign-key checks off while it builds (the
app's connections keep FULL and ON); the secondary indexes of the big tables
are dropped first and built once at the end, which costs far less than
keeping them current row by row. Search tokens come from the search
service's own `tokens_for`, and follow-up due times from the stored
playbooks, so the bench measures the product's real shapes.

The rows are a plausible present, not a replayed history: there are no audit
events, and ids are given explicitly (PostgreSQL's sequences are moved past
them at the end). The sites and staff are set up through the services first.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex, DropIndex, Index, Table

from frontdesk import timing
from frontdesk.clock import Clock
from frontdesk.demo.data import Story, demo_data, email_local_part
from frontdesk.demo.restaurant import unique_site_name
from frontdesk.errors import NotFound
from frontdesk.schemas.inputs import SiteInput, StaffInput
from frontdesk.schemas.reads import SiteInfo
from frontdesk.schemas.vocab import FLAG_LEVEL_FOR, SERIOUS, SEVERITIES
from frontdesk.services import setup
from frontdesk.services.context import Actor
from frontdesk.services.playbooks import Step, check_step, plan_steps
from frontdesk.services.search import tokens_for
from frontdesk.services.settings import set_setting
from frontdesk.store.db import Store
from frontdesk.store.models import (
    Customer,
    Episode,
    FollowUp,
    Incident,
    RootCause,
    SearchToken,
    Staff,
    Visit,
)
from frontdesk.store.queries import category_labels

VISITS_PER_CUSTOMER = 5.0
INCIDENTS_PER_CUSTOMER = 0.05
OPEN_FOLLOW_UPS_PER_CUSTOMER = 0.02
ACTIVE_FLAGS_PER_CUSTOMER = 0.005
BATCH = 10_000
"""Customers per transaction (with their ~50,000 visits and ~60,000 search tokens)."""
HISTORY_DAYS = 4 * 365
GROUP = (("Lumen Harbour", "America/New_York"), ("Lumen Lakeside", "America/Chicago"))
"""The group's sites; the first is the one the bench measures."""
HOME_SHARE = (0.6, 0.4)
STAFF_ROLES = ("manager", "lead", "lead", "staff", "staff", "staff", "host", "host")
TERMINAL = "bench"
BULK_TABLES = (Customer, SearchToken, Visit)
"""Tables whose secondary indexes are built after the load rather than during it."""
SEVERITY_WEIGHTS = (45, 35, 15, 5)
OUTCOMES = ("recovered", "not_recovered", "unknown")
OUTCOME_WEIGHTS = (60, 15, 25)
"""How closed episodes ended; the root cause is "unknown" for about one in six (see _root_cause_weights)."""
DAY = 86_400
EPOCH = datetime(1970, 1, 1)

Progress = Callable[[str, int, int], None]
"""Told (stage, done, total) as the build goes."""


@dataclass(frozen=True)
class SynthCounts:
    """What a build wrote."""

    customers: int
    visits: int
    search_tokens: int
    incidents: int
    follow_ups: int
    open_follow_ups: int
    active_flags: int
    in_house: int


@dataclass(frozen=True)
class _Site:
    info: SiteInfo
    tz: ZoneInfo
    staff: dict[str, list[int]]
    """Staff ids by role."""


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def set_up_group(store: Store, clock: Clock, seed: int = 7) -> list[SiteInfo]:
    """The group's sites and eight staff each, through the setup service (names unique per store)."""
    rng = random.Random(seed)
    data = demo_data()
    taken = {staff.name.lower() for staff in setup.list_staff(store)}
    sites = []
    for name, zone in GROUP:
        site = setup.add_site(store, clock, SiteInput.parse(
            {"name": unique_site_name(store, name), "time_zone": zone, "phone_region": "US", "currency": "USD"}
        ), TERMINAL)
        for role in STAFF_ROLES:
            people = rng.choice(data.people)
            staff_name = f"{rng.choice(people.first)} {rng.choice(people.last)}"
            while staff_name.lower() in taken:
                staff_name = f"{rng.choice(people.first)} {rng.choice(people.last)}"
            taken.add(staff_name.lower())
            setup.add_staff(store, clock, StaffInput.parse({"name": staff_name, "role": role}), TERMINAL,
                            site_id=site.id)
        sites.append(site)
    # The synthetic staff have no PINs: the bench signs them in by name (`--staff`), as require_pin off allows.
    set_setting(Actor(store, clock, sites[0].id, TERMINAL, store_authority=True), "require_pin", "false")
    return sites


class Stamps:
    """Instants (whole seconds since 1970, UTC) as the driver stores them.

    UTCDateTime stores naive UTC; on SQLite that is the text SQLAlchemy's
    DateTime writes ("2026-11-20 18:30:00.000000"), made here without a
    datetime object per value, which matters at ten million values.
    """

    def __init__(self, is_sqlite: bool) -> None:
        self.is_sqlite = is_sqlite
        self._days: dict[int, str] = {}
        self._times: dict[int, str] = {}

    def __call__(self, seconds: int | None) -> Any:
        if seconds is None:
            return None
        if not self.is_sqlite:
            return EPOCH + timedelta(seconds=seconds)
        day, rest = divmod(seconds, DAY)
        day_text = self._days.get(day)
        if day_text is None:
            day_text = self._days[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d ")
        time_text = self._times.get(rest)
        if time_text is None:
            time_text = self._times[rest] = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.000000"
        return day_text + time_text

    def day(self, value: date) -> Any:
        return value.isoformat() if self.is_sqlite else value


def seconds(instant: datetime) -> int:
    return int(instant.timestamp())


def aware(seconds_: int) -> datetime:
    return datetime.fromtimestamp(seconds_, UTC)


class Writer:
    """The generator's own connection: quick and unsafe on purpose, and never lent to the app."""

    def __init__(self, store: Store) -> None:
        self.is_sqlite = store.is_sqlite
        self.engine = create_engine(store.url, poolclass=NullPool)
        self.raw = self.engine.raw_connection()
        self.cursor = self.raw.cursor()
        if self.is_sqlite:
            for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-65536", "busy_timeout=30000"):
                self.cursor.execute(f"PRAGMA {pragma}")
        else:
            self.cursor.execute("SET synchronous_commit TO off")
        self.raw.commit()
        self.marker = "?" if self.is_sqlite else "%s"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                   f"VALUES ({', '.join([self.marker] * len(columns))})")
            self.cursor.executemany(sql, rows)

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def scalar(self, sql: str) -> Any:
        self.cursor.execute(sql)
        row = self.cursor.fetchone()
        return row[0] if row else None

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.cursor.close()
        self.raw.close()
        self.engine.dispose()


@contextmanager
def _writer(store: Store) -> Iterator[Writer]:
    writer = Writer(store)
    try:
        yield writer
    finally:
        writer.close()


@contextmanager
def _indexes_built_after(writer: Writer, progress: Progress) -> Iterator[None]:
    """Drop the big tables' secondary indexes, and build them again afterwards (also on failure)."""
    indexes: list[Index] = [index for model in BULK_TABLES for index in cast(Table, model.__table__).indexes]
    for index in indexes:
        writer.execute(str(DropIndex(index, if_exists=True).compile(dialect=writer.engine.dialect)))
    writer.commit()
    try:
        yield
    finally:
        for number, index in enumerate(indexes):
            progress(f"index {index.name}", number, len(indexes))
            writer.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=writer.engine.dialect)))
            writer.commit()


def _visit_count(rng: random.Random) -> int:
    """Half come once, some a few times, a few are regulars: about five visits each on average."""
    share = rng.random()
    if share < 0.5:
        return 1
    if share < 0.8:
        return 2 + int(rng.random() * 4)
    if share < 0.95:
        return 6 + int(rng.random() * 15)
    return 21 + int(rng.random() * 24)


class _Clockwork:
    """Local service hours in whole seconds, with each day's UTC offset looked up once."""

    def __init__(self, sites: Sequence[_Site]) -> None:
        self._offsets: dict[tuple[int, int], int] = {}
        self.sites = sites

    def arrival(self, site_index: int, day: int, minute_of_day: int) -> int:
        key = (site_index, day)
        offset = self._offsets.get(key)
        if offset is None:
            noon = EPOCH + timedelta(days=day, hours=12)
            utc_offset = self.sites[site_index].tz.utcoffset(noon)
            offset = self._offsets[key] = int(utc_offset.total_seconds()) if utc_offset else 0
        return day * DAY + minute_of_day * 60 - offset


def _fill(pattern: str, rng: random.Random) -> str:
    """E.164 from a demo.toml pattern (the patterns are international numbers)."""
    getrandbits = rng.getrandbits
    digits = []
    for char in pattern:
        if char == "#":
            digits.append("0123456789"[getrandbits(4) % 10])
        elif char == "N":
            digits.append("23456789"[getrandbits(3)])
        elif char != " ":
            digits.append(char)
    return "".join(digits)


CUSTOMER_COLUMNS = ("id", "name", "phone", "email", "consent_call", "consent_text", "consent_email", "consent_post",
                    "postal_address", "notes", "customer_since", "site_id", "last_visit_at", "created_at", "version")
VISIT_COLUMNS = ("id", "customer_id", "site_id", "checked_in_at", "checked_in_by_id", "checked_out_at",
                 "checked_out_by_id", "departure", "version")
TOKEN_COLUMNS = ("token", "customer_id")


@dataclass
class _Candidate:
    """A visit that went wrong; becomes an incident once all customers are written."""

    visit_id: int
    customer_id: int
    site_index: int
    arrival: int
    leave: int


def _next_id(writer: Writer, table: str) -> int:
    return int(writer.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) + 1


def build(
    store: Store,
    sites: Sequence[SiteInfo],
    *,
    customers: int,
    now: datetime,
    seed: int = 7,
    progress: Progress = _quiet,
    incidents: int | None = None,
) -> SynthCounts:
    """Write `customers` customers with their visits, search tokens, incidents, episodes, flags, alerts and follow-ups.

    `sites` come from `set_up_group`; the first gets the most customers and
    the guests in house now. `incidents` asks for that many incidents (at
    most, drawn from all the visits of the four years of history, so they
    are spread as the visits are) instead of one per twenty customers.
    """
    rng = random.Random(seed)
    data = demo_data()
    with store.read(bulk=True) as session:
        staff_rows = session.execute(select(Staff.id, Staff.role, Staff.site_id).where(Staff.active.is_(True))).all()
        labels = category_labels(session, neutral=True)  # the headline a guest may read: "Care" if sensitive
        plans: dict[tuple[str, str], list[Step]] = {(severity, story.category): plan_steps(session, severity, story.category)
                 for story in data.stories for severity in SEVERITIES}
        checks = {kind: check_step(session, kind) for kind in ("handoff_check", "promise_check")}
        causes = list(session.scalars(select(RootCause.key).where(RootCause.active.is_(True))
                                      .order_by(RootCause.position, RootCause.key)))
    group = []
    for info in sites:
        staff: dict[str, list[int]] = {}
        for row in staff_rows:
            if row.site_id == info.id:
                staff.setdefault(row.role, []).append(row.id)
        if not staff.get("host") or not staff.get("lead"):
            raise NotFound(f"site {info.name} needs hosts and leads: set it up with set_up_group")
        group.append(_Site(info, timing.zone(info.time_zone), staff))
    now_s = seconds(now)
    clockwork = _Clockwork(group)
    with _writer(store) as writer:
        stamp = Stamps(writer.is_sqlite)
        ids = {table: _next_id(writer, table) for table in
               ("customers", "visits", "incidents", "episodes", "flags", "alerts", "follow_ups",
                "follow_up_attempts")}
        with _indexes_built_after(writer, progress):
            visits, tokens, in_house, candidates = _write_customers(
                writer, stamp, rng, group, clockwork, customers, now_s, ids, progress, incidents)
        progress("incidents and follow-ups", 0, len(candidates))
        written = _write_incidents(writer, stamp, rng, group, candidates, customers, now_s, ids, plans, checks,
                                   labels, causes)
        progress("incidents and follow-ups", len(candidates), len(candidates))
        if not writer.is_sqlite:
            for table in ids:
                writer.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT GREATEST(MAX(id), 1) FROM {table}))")
            writer.commit()
            progress("analyze", 0, 1)
            writer.execute("ANALYZE")
            writer.commit()
    return SynthCounts(customers=customers, visits=visits, search_tokens=tokens, in_house=in_house, **written)


def _write_customers(
    writer: Writer, stamp: Stamps, rng: random.Random, group: Sequence[_Site], clockwork: _Clockwork,
    count: int, now_s: int, ids: dict[str, int], progress: Progress, incidents: int | None = None,
) -> tuple[int, int, int, list[_Candidate]]:
    """Customers, their visits and search tokens, a batch per transaction; returns the incident candidates.

    Draws use `random()` arithmetic rather than `randrange`/`choice`, which
    cost several times more and are called tens of millions of times at 1M.
    """
    data = demo_data()
    people = data.people
    draw = rng.random
    weights = [entry.weight for entry in people]
    origins = [entry for entry, weight in zip(people, weights, strict=True) for _ in range(weight)]
    shares = [HOME_SHARE[number] if number < len(HOME_SHARE) else HOME_SHARE[-1] for number in range(len(group))]
    homes = [number for number, share in enumerate(shares) for _ in range(round(share * 10))]
    hosts = [site.staff["host"] for site in group]
    site_ids = [site.info.id for site in group]
    incident_chance = INCIDENTS_PER_CUSTOMER / VISITS_PER_CUSTOMER
    if incidents is not None:  # a fifth more candidates than asked for, then exactly `incidents` drawn from them
        incident_chance = min(1.0, 1.2 * incidents / (count * VISITS_PER_CUSTOMER))
    yesterday = now_s // DAY - 1
    in_house_every = max(1, count // max(3, min(40, count // 2_500)))
    visit_id, customer_id = ids["visits"], ids["customers"]
    counted_visits = counted_tokens = in_house = 0
    candidates: list[_Candidate] = []

    def pick(options: Sequence[Any]) -> Any:
        return options[int(draw() * len(options))]

    for start in range(0, count, BATCH):
        customer_rows: list[tuple[Any, ...]] = []
        visit_rows: list[tuple[Any, ...]] = []
        token_rows: list[tuple[str, int]] = []
        for number in range(start, min(start + BATCH, count)):
            origin = pick(origins)
            first, last = pick(origin.first), pick(origin.last)
            name = f"{first} {last}"
            phone = _fill(pick(origin.phone), rng) if draw() < 0.9 else None
            email = None
            if phone is None or draw() < 0.75:
                suffix = "" if draw() < 0.5 else str(int(draw() * 9999))
                email = f"{email_local_part(first, last, int(draw() * 4))}{suffix}@{pick(origin.domains)}"
            address = None
            if draw() < 0.2:
                address = f"{int(draw() * 420) + 1} {pick(data.places.streets)}\n{pick(data.places.towns)}"
            home = pick(homes)
            first_day = yesterday - int(draw() ** 1.5 * HISTORY_DAYS)
            span = yesterday - first_day + 1
            days = sorted([first_day] + [first_day + int(draw() * span) for _ in range(_visit_count(rng) - 1)])
            first_arrival = last_arrival = 0
            for day in days:
                site_index = home if draw() < 0.9 else int(draw() * len(group))
                minute = 12 * 60 + 5 * int(draw() * 30) if draw() < 0.35 else 18 * 60 + 5 * int(draw() * 48)
                arrival = clockwork.arrival(site_index, day, minute)
                leave = arrival + (45 + 5 * int(draw() * 21)) * 60
                host = pick(hosts[site_index])
                visit_rows.append((visit_id, customer_id, site_ids[site_index], stamp(arrival), host, stamp(leave),
                                   host, "left" if draw() < 0.02 else "out", 1))
                if draw() < incident_chance:
                    candidates.append(_Candidate(visit_id, customer_id, site_index, arrival, leave))
                visit_id += 1
                first_arrival = first_arrival or arrival
                last_arrival = arrival if arrival > last_arrival else last_arrival
            since = first_arrival - 300  # put on file at the stand, just before their first check-in
            if number % in_house_every == in_house_every - 1 and home == 0:
                arrival = now_s - (5 + int(draw() * 115)) * 60
                visit_rows.append((visit_id, customer_id, site_ids[0], stamp(arrival), pick(hosts[0]),
                                   None, None, None, 1))
                visit_id += 1
                last_arrival = arrival
                in_house += 1
            customer_rows.append((
                customer_id, name, phone, email, phone is not None and draw() < 0.8,
                phone is not None and draw() < 0.5, email is not None and draw() < 0.6,
                address is not None and draw() < 0.9, address, None, stamp(since), site_ids[home],
                stamp(last_arrival), stamp(since), 1,
            ))
            token_rows.extend((token, customer_id) for token in tokens_for(name, phone, email))
            customer_id += 1
        writer.insert("customers", CUSTOMER_COLUMNS, customer_rows)
        writer.insert("search_tokens", TOKEN_COLUMNS, token_rows)
        writer.insert("visits", VISIT_COLUMNS, visit_rows)
        writer.commit()
        counted_visits += len(visit_rows)
        counted_tokens += len(token_rows)
        progress("customers, visits and search tokens", min(start + BATCH, count), count)
    if incidents is not None and len(candidates) > incidents:
        kept = sorted(rng.sample(range(len(candidates)), incidents))
        candidates = [candidates[number] for number in kept]
    return counted_visits, counted_tokens, in_house, candidates


INCIDENT_COLUMNS = (
    "id", "site_id", "customer_id", "visit_id", "occurred_at", "local_date", "local_hour", "local_weekday",
    "logged_at", "logged_by_id", "logged_terminal", "category", "product", "location", "severity", "description",
    "reaction", "remedy_kind", "remedy_cost", "promise_text", "promise_due_at", "promise_likelihood",
    "promise_status", "promise_settled_at", "ally_id", "handoff_to", "handoff_expected_at", "handoff_status",
    "complete", "version",
)
EPISODE_COLUMNS = ("id", "incident_id", "status", "opened_at", "closed_at", "closed_by_id", "reopened_count",
                   "root_cause", "outcome", "version")
FLAG_COLUMNS = ("id", "customer_id", "incident_id", "level", "headline", "message", "greeting", "active",
                "created_at", "created_by_id", "cleared_at", "cleared_by_id", "version")
ALERT_COLUMNS = ("id", "incident_id", "site_id", "headline", "created_at", "created_terminal", "acknowledged_at",
                 "acknowledged_by_id", "acknowledged_terminal", "version")
FOLLOW_UP_COLUMNS = ("id", "incident_id", "customer_id", "site_id", "kind", "channel", "due_at", "owner_id",
                     "status", "outcome", "attempts", "escalation", "escalated_at", "escalation_clock_at", "words", "skip_reason", "created_at",
                     "completed_at", "completed_by_id", "updated_at", "updated_by_id", "version")
ATTEMPT_COLUMNS = ("id", "follow_up_id", "at", "by_id", "outcome")


@dataclass
class _Incident:
    candidate: _Candidate
    story: Story
    severity: str
    occurred: int
    logged: int
    ally: int
    logged_by: int
    promise_due: int | None
    handoff_expected: int | None
    follow_ups: list[int]
    """Indexes into the follow-up list."""
    closed_at: int | None = None


@dataclass
class _FollowUp:
    incident: int
    kind: str
    channel: str
    due: int
    owner: int
    words: str | None
    status: str = "open"
    completed_at: int | None = None


def _write_incidents(
    writer: Writer, stamp: Stamps, rng: random.Random, group: Sequence[_Site], candidates: list[_Candidate],
    customers: int, now_s: int, ids: dict[str, int], plans: dict[tuple[str, str], list[Step]],
    checks: dict[str, Step], labels: dict[str, str], causes: Sequence[str],
) -> dict[str, int]:
    """Incidents on some visits, with their episodes, flags, alerts, follow-ups and attempts.

    The follow-ups still open are those due in the future and then the most
    recently overdue, up to one per fifty customers; earlier ones are done
    (a few skipped). Episodes with nothing open are closed, each with a root
    cause and an outcome; active flags go to the open episodes first, up to
    one per two hundred customers.
    """
    # In the order they happened, as the app would have written them: the ids (and so the rows on disk) of a
    # period's incidents and follow-ups are together, not spread over the table by customer.
    ordered = sorted(candidates, key=lambda candidate: (candidate.arrival, candidate.visit_id))
    made = [_incident(rng, group[candidate.site_index], candidate, now_s) for candidate in ordered]
    follow_ups: list[_FollowUp] = []
    for number, incident in enumerate(made):
        tz = group[incident.candidate.site_index].tz
        anchored = [(step, aware(incident.occurred)) for step in plans[(incident.severity, incident.story.category)]]
        if incident.handoff_expected is not None:
            anchored.append((checks["handoff_check"], aware(incident.handoff_expected)))
        if incident.promise_due is not None:
            anchored.append((checks["promise_check"], aware(incident.promise_due)))
        for step, anchor in anchored:
            incident.follow_ups.append(len(follow_ups))
            follow_ups.append(_FollowUp(number, step.kind, step.channel, seconds(step.due(anchor, tz)),
                                        incident.ally, step.words))
    target_open = round(customers * OPEN_FOLLOW_UPS_PER_CUSTOMER)
    open_count = 0
    for item in sorted(follow_ups, key=lambda item: -item.due):
        if item.due <= now_s and open_count >= target_open:
            item.status = rng.choices(("done", "skipped"), weights=(95, 5))[0]
            item.completed_at = min(item.due + rng.randrange(0, 30 * 3600, 60), now_s - 60)
        else:
            open_count += 1
    for incident in made:
        items = [follow_ups[index] for index in incident.follow_ups]
        if all(item.status != "open" for item in items):
            last = max([item.completed_at or 0 for item in items] + [incident.logged])
            incident.closed_at = min(last + 3600, now_s - 60)
    target_active = round(customers * ACTIVE_FLAGS_PER_CUSTOMER)
    serious = [number for number, incident in enumerate(made) if incident.severity in SERIOUS]
    serious.sort(key=lambda number: (made[number].closed_at is None, made[number].logged), reverse=True)
    active = set(serious[:target_active])
    cause_weights = _root_cause_weights(causes)

    incident_rows, episode_rows, flag_rows, alert_rows = [], [], [], []
    incident_id, flag_id, alert_id = ids["incidents"], ids["flags"], ids["alerts"]
    first_incident = incident_id
    for number, incident in enumerate(made):
        site = group[incident.candidate.site_index]
        story = incident.story
        lead = rng.choice(site.staff["lead"])
        local_date, local_hour, local_weekday = timing.local_parts(aware(incident.occurred), site.tz)
        closed = incident.closed_at
        promise_status = settled = None
        if incident.promise_due is not None:
            promise_status = "pending" if closed is None else rng.choices(("kept", "broken"), weights=(85, 15))[0]
            settled = None if closed is None else closed - 600
        handoff_status = None
        if incident.handoff_expected is not None:
            handoff_status = "pending" if closed is None else "fixed"
        cost = story.cost * 100 if story.remedy not in (None, "none", "apology") else 0
        incident_rows.append((
            incident_id, site.info.id, incident.candidate.customer_id, incident.candidate.visit_id,
            stamp(incident.occurred), stamp.day(local_date), local_hour, local_weekday, stamp(incident.logged),
            incident.logged_by, TERMINAL, story.category, story.product or rng.choice(demo_data().places.products),
            rng.choice(demo_data().places.locations), incident.severity, story.description, story.reaction, story.remedy,
            cost, story.promise if incident.promise_due else None, stamp(incident.promise_due),
            (story.likelihood or "likely") if incident.promise_due else None, promise_status, stamp(settled),
            incident.ally, story.handoff if incident.handoff_expected else None, stamp(incident.handoff_expected),
            handoff_status, True, 1,
        ))
        cause = outcome = None
        if closed is not None and causes:
            cause = rng.choices(causes, weights=cause_weights)[0]
            outcome = rng.choices(OUTCOMES, weights=OUTCOME_WEIGHTS)[0]
        episode_rows.append((ids["episodes"] + number, incident_id, "open" if closed is None else "closed",
                             stamp(incident.logged), stamp(closed), lead if closed else None, 0, cause, outcome, 1))
        if incident.severity in SERIOUS:
            headline = f"{labels.get(story.category, story.category)} follow-up · {local_date:%d %b}"
            is_active = number in active
            cleared = None if is_active else closed or min(incident.logged + 2 * DAY, now_s - 60)
            flag_rows.append((
                flag_id, incident.candidate.customer_id, incident_id, FLAG_LEVEL_FOR[incident.severity], headline,
                story.description, f"Acknowledge what happened on {timing.WEEKDAY_NAMES[local_weekday]} first.",
                is_active, stamp(incident.logged), incident.logged_by, stamp(cleared), None if is_active else lead, 1,
            ))
            flag_id += 1
            seen = incident.logged + rng.randrange(60, 1800) if incident.logged < now_s - 12 * 3600 else None
            alert_rows.append((alert_id, incident_id, site.info.id, headline, stamp(incident.logged), TERMINAL,
                               stamp(seen), lead if seen else None, "bar" if seen else None, 1))
            alert_id += 1
        incident_id += 1

    follow_up_rows, attempt_rows = [], []
    attempt_id = ids["follow_up_attempts"]
    for number, item in enumerate(follow_ups):
        incident = made[item.incident]
        site = group[incident.candidate.site_index]
        follow_up_id = ids["follow_ups"] + number
        outcome = None
        attempts = 0
        if item.status == "done" and item.channel != "note":
            outcome, attempts = "reached_satisfied", 1
        elif item.status == "open" and item.due < now_s - DAY and item.channel in ("call", "text") and rng.random() < 0.1:
            outcome, attempts = "no_answer", rng.randint(1, 3)
        for attempt in range(attempts):
            at = (item.completed_at or now_s - 3600) - (attempts - 1 - attempt) * DAY
            attempt_rows.append((attempt_id, follow_up_id, stamp(at), item.owner,
                                 outcome if attempt == attempts - 1 else "no_answer"))
            attempt_id += 1
        updated = item.completed_at or incident.logged
        follow_up_rows.append((
            follow_up_id, first_incident + item.incident, incident.candidate.customer_id, site.info.id, item.kind,
            item.channel, stamp(item.due), item.owner, item.status, outcome, attempts, int(attempts >= 3),
            stamp(updated) if attempts >= 3 else None, stamp(item.due), item.words,
            "The guest asked not to be contacted again." if item.status == "skipped" else None,
            stamp(incident.logged), stamp(item.completed_at), item.owner if item.completed_at else None,
            stamp(updated), item.owner, 1,
        ))
    for table, columns, rows in (
        ("incidents", INCIDENT_COLUMNS, incident_rows),
        ("episodes", EPISODE_COLUMNS, episode_rows),
        ("flags", FLAG_COLUMNS, flag_rows),
        ("alerts", ALERT_COLUMNS, alert_rows),
        ("follow_ups", FOLLOW_UP_COLUMNS, follow_up_rows),
        ("follow_up_attempts", ATTEMPT_COLUMNS, attempt_rows),
    ):
        for start in range(0, len(rows), BATCH):
            writer.insert(table, columns, rows[start:start + BATCH])
            writer.commit()
    return {"incidents": len(made), "follow_ups": len(follow_ups), "open_follow_ups": open_count,
            "active_flags": len(active)}


def _root_cause_weights(causes: Sequence[str]) -> list[float]:
    """A Pareto-like spread (the first causes of the list most often), "unknown" about one in six."""
    weights = [1 / (position + 1) for position in range(len(causes))]
    known = sum(weight for cause, weight in zip(causes, weights, strict=True) if cause != "unknown")
    return [known / 5 if cause == "unknown" else weight for cause, weight in zip(causes, weights, strict=True)]


def _incident(rng: random.Random, site: _Site, candidate: _Candidate, now_s: int) -> _Incident:
    """What went wrong on a visit: a story from demo.toml, a severity it can have, who handled it."""
    stories = demo_data().stories
    story = rng.choice(stories)
    severity = rng.choices(story.severities, weights=SEVERITY_WEIGHTS[: len(story.severities)])[0]
    stay = (candidate.leave - candidate.arrival) // 60
    occurred = candidate.arrival + rng.randrange(10, max(11, stay - 5)) * 60
    logged = min(occurred + rng.randrange(5, 45) * 60, now_s - 60)
    ally = rng.choice(site.staff.get("staff", []) + site.staff["lead"] + site.staff["host"])
    logged_by = ally if rng.random() < 0.8 else rng.choice(site.staff["host"])
    promise_due = handoff_expected = None
    if story.promise and rng.random() < 0.7:
        promise_due = seconds(timing.scheduled(aware(logged), site.tz, rng.randint(1, 4), 17))
    if story.handoff and rng.random() < 0.8:
        handoff_expected = seconds(timing.scheduled(aware(logged), site.tz, rng.randint(1, 2), 16))
    return _Incident(candidate, story, severity, occurred, logged, ally, logged_by, promise_due, handoff_expected, [])


HAND_ADDED = (("check_in", "call"), ("wrap_up", "call"), ("wrap_up", "note"), ("check_in", "text"),
              ("promise_check", "call"))


def set_open_follow_ups(store: Store, site_id: int, count: int, *, now: datetime, seed: int = 7) -> int:
    """Make exactly `count` follow-ups open at a site (the bench's queue figure needs 10,000).

    Missing ones go to the site's most recent incidents (their episodes
    reopened, so no closed episode has open work), due between three weeks
    ago and three weeks ahead; extra ones are marked done, latest due first.
    Returns the open count now at the site.
    """
    rng = random.Random(seed)
    is_open = (FollowUp.site_id == site_id, FollowUp.status == "open")
    with store.read(bulk=True) as session:
        have = session.scalar(select(func.count()).select_from(FollowUp).where(*is_open)) or 0
    if have > count:
        with store.begin(bulk=True) as session:
            extra = session.scalars(
                select(FollowUp.id).where(*is_open).order_by(FollowUp.due_at.desc(), FollowUp.id.desc())
                .limit(have - count)
            ).all()
            for start in range(0, len(extra), 1000):
                session.execute(
                    update(FollowUp).where(FollowUp.id.in_(extra[start:start + 1000])).values(
                        status="done", outcome="reached_satisfied", attempts=FollowUp.attempts + 1,
                        completed_at=now, completed_by_id=FollowUp.owner_id, updated_at=now,
                        updated_by_id=FollowUp.owner_id, version=FollowUp.version + 1,
                    ).execution_options(synchronize_session=False)
                )
    elif have < count:
        missing = count - have
        with store.begin(bulk=True) as session:
            recent = session.execute(
                select(Incident.id, Incident.customer_id, Incident.ally_id).where(Incident.site_id == site_id)
                .order_by(Incident.occurred_at.desc()).limit(max(1, missing // 3))
            ).all()
            if not recent:
                raise NotFound(f"site {site_id} has no incidents to give follow-ups to")
            rows = []
            for number in range(missing):
                incident = recent[number % len(recent)]
                kind, channel = rng.choice(HAND_ADDED)
                due = now + timedelta(minutes=rng.randrange(-21 * 24 * 60, 21 * 24 * 60))
                rows.append({
                    "incident_id": incident.id, "customer_id": incident.customer_id, "site_id": site_id,
                    "kind": kind, "channel": channel, "due_at": due, "owner_id": incident.ally_id, "status": "open",
                    "attempts": 0, "created_at": min(due, now) - timedelta(days=1),
                    "updated_at": now, "updated_by_id": incident.ally_id, "version": 1,
                })
            for start in range(0, len(rows), BATCH):
                session.execute(insert(cast(Table, FollowUp.__table__)), rows[start:start + BATCH])
            reopened = [incident.id for incident in recent]
            for start in range(0, len(reopened), 1000):
                session.execute(
                    update(Episode).where(Episode.incident_id.in_(reopened[start:start + 1000]),
                                          Episode.status == "closed")
                    .values(status="open", closed_at=None, closed_by_id=None, reopened_count=Episode.reopened_count + 1,
                            version=Episode.version + 1)
                    .execution_options(synchronize_session=False)
                )
    with store.read(bulk=True) as session:
        return session.scalar(select(func.count()).select_from(FollowUp).where(*is_open)) or 0
