"""Audit events: who did what to which record. Ids and field names only.

Nothing personal is written here, so erasing a customer leaves no trace in
the audit trail. A transaction's events are written together, in one
INSERT, just before it commits: a deposition records about ten of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, event, false, insert, or_, select
from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.errors import InvalidInput, NotFound
from frontdesk.schemas.base import ReadModel
from frontdesk.services import authority
from frontdesk.services.context import Actor
from frontdesk.store import changes
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Episode,
    Flag,
    FollowUp,
    Incident,
    Site,
    Staff,
    Visit,
)

ACTIONS = (
    "acknowledge", "amend", "attempt", "auto_check_out", "backup", "check_in", "check_out", "clear", "close",
    "complete", "create", "customer_export", "disable", "edit", "erase", "escalate", "hold", "import", "lock",
    "locked_out", "lockout_lifted", "merge", "purge", "quit", "reapply", "reassign", "remedy_approved", "reopen",
    "report_export", "reschedule", "restore",
    "setting_change", "sign_in", "sign_in_refused", "skip", "unhold", "unlock", "view_story",
)
"""Every action the audit trail holds (README lists them; a test checks the code writes no other)."""
TRAIL_ROWS = 500
"""The screen shows the newest this many events that match; the command prints them all."""
RECORD = re.compile(r"([a-z_]{1,32}):([0-9]{1,10})")
COLUMNS = (AuditEvent.id, AuditEvent.at, AuditEvent.staff_id, AuditEvent.site_id, AuditEvent.terminal,
           AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id, AuditEvent.fields)

PENDING = "frontdesk.audit"
"""Key in `Session.info` of the events waiting for the commit."""


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int,
    fields: Iterable[str] = (),
) -> None:
    changes.note(session, site_id=actor.site_id or None, tables=("audit_events",))
    session.info.setdefault(PENDING, []).append(
        {
            "at": actor.now(),
            "staff_id": actor.staff_id,
            "site_id": actor.site_id or None,
            "terminal": actor.terminal,
            "action": action,
            "record_type": record_type,
            "record_id": record_id,
            "fields": ",".join(sorted(fields)) or None,
        }
    )


def changed_meanwhile(session: Session, actor: Actor, record_type: str, record_id: int) -> str:
    """Who changed a record last and when, from its audit trail: "by Lena at 14:02 (bar)".

    What a terminal that lost a race is told, as follow-ups tell it.
    """
    row = session.execute(
        select(AuditEvent.at, AuditEvent.terminal, Staff.name)
        .outerjoin(Staff, Staff.id == AuditEvent.staff_id)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return "at another terminal"
    tz = actor.zone(session)
    wall = timing.local(row.at, tz)
    when = f"{wall:%H:%M}" if wall.date() == timing.local(actor.now(), tz).date() else f"{wall:%a %d %b %H:%M}"
    return f"by {row.name or 'someone'} at {when} ({row.terminal})"


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(PENDING, [])
    if pending:
        session.execute(insert(AuditEvent), pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


class AuditEntry(ReadModel):
    """One audit event as the trail shows it: ids and field names, and the staff member's name."""

    id: int
    at: datetime
    local_at: datetime
    """`at` in the zone of the event's site (of this terminal's, for an event of no site)."""
    staff_id: int | None
    staff_name: str | None
    site_id: int | None
    terminal: str
    action: str
    record_type: str
    record_id: int
    fields: tuple[str, ...]

    @property
    def who(self) -> str:
        """The staff member's name; "shell" for a command run from a shell, "nobody" before anyone signed in."""
        return self.staff_name or ("shell" if self.terminal.startswith("cli:") else "nobody")


@dataclass(frozen=True)
class TrailFilter:
    """Which events to show; every part optional, days site-local and inclusive."""

    staff: str | None = None
    customer_id: int | None = None
    record: tuple[str, int] | None = None
    action: str | None = None
    first_day: date | None = None
    last_day: date | None = None


def parse_filter(
    *, staff: str | None = None, customer: str | None = None, record: str | None = None, action: str | None = None,
    first_day: str | None = None, last_day: str | None = None,
) -> TrailFilter:
    """Check what was typed (a flag, a screen field); a mistake is one sentence naming the part."""
    customer_id = None
    if customer := (customer or "").strip():
        if not (customer.isascii() and customer.isdigit() and 0 < int(customer) < 2**31):
            raise InvalidInput({"customer": f"give a customer number, e.g. 42 (not {customer!r})"})
        customer_id = int(customer)
    record_key = None
    if record := (record or "").strip():
        if (match := RECORD.fullmatch(record)) is None or not 0 < int(match[2]) < 2**31:
            raise InvalidInput({"record": f"give TYPE:ID, e.g. incident:12 (not {record!r})"})
        record_key = (match[1], int(match[2]))
    if (action := (action or "").strip() or None) is not None and action not in ACTIONS:
        raise InvalidInput({"action": f"{action!r} is not an action the trail holds ({', '.join(ACTIONS)})"})
    first, last = parse_day(first_day, "from"), parse_day(last_day, "to")
    if first and last and first > last:
        raise InvalidInput({"to": f"the last day ({last}) is before the first ({first})"})
    return TrailFilter((staff or "").strip() or None, customer_id, record_key, action, first, last)


def parse_day(text: str | None, what: str) -> date | None:
    if not (text := (text or "").strip()):
        return None
    try:
        if len(text) == len("2026-11-20"):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput({what: f"give a date as YYYY-MM-DD, e.g. 2026-11-20 (not {text!r})"})


def audit_trail(actor: Actor, wanted: TrailFilter, *, limit: int = TRAIL_ROWS) -> list[AuditEntry]:
    """The newest `limit` events that match, newest first: what the screen shows."""
    with actor.store.read() as session:
        query, entry = _trail(session, actor, wanted)
        return [entry(row) for row in session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))]


def iter_trail(actor: Actor, wanted: TrailFilter) -> Iterator[AuditEntry]:
    """Every event that matches, oldest first, streamed from one read transaction: what the command prints."""
    with actor.store.read(bulk=True) as session:
        query, entry = _trail(session, actor, wanted)
        for row in session.execute(query.order_by(AuditEvent.id).execution_options(yield_per=2000)):
            yield entry(row)


def _trail(session: Session, actor: Actor, wanted: TrailFilter) -> tuple[Select[Unpack[tuple[Any, ...]]], Callable[[Row[Any]], AuditEntry]]:
    """The query for `wanted`, and how a row of it becomes an entry. A manager's view: names of staff,
    ids of records, never a customer's words."""
    authority.require(session, actor, "audit_trail")
    query = select(*COLUMNS, Staff.name.label("staff_name")).outerjoin(Staff, Staff.id == AuditEvent.staff_id)
    for condition in _conditions(session, actor, wanted):
        query = query.where(condition)
    zones = {site.id: timing.zone(site.time_zone) for site in session.scalars(select(Site))}
    here = zones.get(actor.site_id, ZoneInfo("UTC"))

    def entry(row: Row[Any]) -> AuditEntry:
        return AuditEntry(
            id=row.id, at=row.at, local_at=timing.local(row.at, zones.get(row.site_id or 0, here)),
            staff_id=row.staff_id, staff_name=row.staff_name, site_id=row.site_id, terminal=row.terminal,
            action=row.action, record_type=row.record_type, record_id=row.record_id,
            fields=tuple(row.fields.split(",")) if row.fields else (),
        )

    return query, entry


def _conditions(session: Session, actor: Actor, wanted: TrailFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.staff is not None:
        conditions.append(AuditEvent.staff_id.in_(_staff_called(session, wanted.staff)))
    if wanted.customer_id is not None:
        conditions.append(_about_customer(wanted.customer_id))
    if wanted.record is not None:
        conditions += [AuditEvent.record_type == wanted.record[0], AuditEvent.record_id == wanted.record[1]]
    if wanted.action is not None:
        conditions.append(AuditEvent.action == wanted.action)
    if wanted.first_day is not None or wanted.last_day is not None:
        conditions.append(_within_days(session, actor, wanted.first_day, wanted.last_day))
    return conditions


def _staff_called(session: Session, typed: str) -> list[int]:
    """Staff with this name, or the one whose name has a word starting so ("giulia")."""
    from frontdesk.text import fold

    wanted = fold(typed)
    staff = list(session.execute(select(Staff.id, Staff.name).order_by(Staff.name)))
    exact = [row.id for row in staff if fold(row.name) == wanted]
    if exact:
        return exact
    starting = [row for row in staff if fold(row.name).startswith(wanted) or f" {wanted}" in fold(row.name)]
    if len(starting) == 1:
        return [starting[0].id]
    if starting:
        raise InvalidInput({"staff": f"{typed!r} could be {', '.join(row.name for row in starting)}: type more"})
    raise NotFound(f"no staff member called {typed!r}")


def _about_customer(customer_id: int) -> ColumnElement[bool]:
    """Events on the customer and on their visits, incidents, episodes, flags, follow-ups and alerts."""
    incidents = select(Incident.id).where(Incident.customer_id == customer_id)
    related = {
        "visit": select(Visit.id).where(Visit.customer_id == customer_id),
        "incident": incidents,
        "episode": select(Episode.id).where(Episode.incident_id.in_(incidents)),
        "flag": select(Flag.id).where(Flag.customer_id == customer_id),
        "follow_up": select(FollowUp.id).where(
            or_(FollowUp.customer_id == customer_id, FollowUp.incident_id.in_(incidents))),
        "alert": select(Alert.id).where(Alert.incident_id.in_(incidents)),
    }
    return or_(
        and_(AuditEvent.record_type == "customer", AuditEvent.record_id == customer_id),
        *(and_(AuditEvent.record_type == kind, AuditEvent.record_id.in_(ids)) for kind, ids in related.items()),
    )


def _within_days(session: Session, actor: Actor, first: date | None, last: date | None) -> ColumnElement[bool]:
    """From the first day's local midnight to the end of the last day, in each event's own site's zone."""

    def span(zone_name: str) -> ColumnElement[bool]:
        tz = timing.zone(zone_name)
        parts = []
        if first is not None:
            parts.append(AuditEvent.at >= timing.at_local(first, time(0), tz))
        if last is not None:
            parts.append(AuditEvent.at < timing.at_local(last + timedelta(days=1), time(0), tz))
        return and_(*parts)

    sites = list(session.execute(select(Site.id, Site.time_zone)))
    here = next((zone for site_id, zone in sites if site_id == actor.site_id), None)
    either = [and_(AuditEvent.site_id == site_id, span(zone)) for site_id, zone in sites]
    if here is not None:
        either.append(and_(AuditEvent.site_id.is_(None), span(here)))
    return or_(false(), *either)


JSON_KEYS = ("id", "at", "staff_id", "site_id", "terminal", "action", "record_type", "record_id", "fields")
"""The keys of `frontdesk audit --format json` (and the columns of CSV), exactly."""
FORMATS = ("text", "csv", "json")


def as_json(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "staff_id": entry.staff_id, "site_id": entry.site_id,
            "terminal": entry.terminal, "action": entry.action, "record_type": entry.record_type,
            "record_id": entry.record_id, "fields": list(entry.fields)}


def as_text(entry: AuditEntry) -> str:
    """One line: local time, who, where, what to which record, which fields."""
    fields = f"  ({', '.join(entry.fields)})" if entry.fields else ""
    return (f"{entry.local_at:%Y-%m-%d %H:%M}  {entry.who}  {entry.terminal}  {entry.action} "
            f"{entry.record_type}:{entry.record_id}{fields}")


def write_trail(entries: Iterable[AuditEntry], out: TextIO, form: str) -> None:
    """The trail as text (a line an event), spreadsheet-safe CSV, or a JSON list of objects."""
    import json
    from itertools import chain

    from frontdesk.csvsafe import SafeWriter
    from frontdesk.text import visible

    started = iter(entries)
    first = next(started, None)  # a refused filter is told before anything is written
    entries = chain([first] if first is not None else [], started)
    if form == "json":  # one object a line, written as read: a long trail never sits in memory whole
        out.write("[")
        for number, entry in enumerate(entries):
            out.write(("," if number else "") + "\n " + json.dumps(as_json(entry), ensure_ascii=False))
        out.write("\n]\n")
    elif form == "csv":
        writer = SafeWriter(out)
        writer.writerow(JSON_KEYS)
        for entry in entries:
            row = as_json(entry) | {"fields": ",".join(entry.fields)}
            writer.writerow(row[key] for key in JSON_KEYS)
    else:
        for entry in entries:
            out.write(visible(as_text(entry)) + "\n")
