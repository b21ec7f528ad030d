"""Follow-ups: do them, record how they went, move them, and read the due queue.

Rules (DESIGN.md):
- "no answer" and "left a message" count an attempt and move the item to the
  next local day at the same local time; at three attempts it is marked for
  the lead's attention (and still rescheduled).
- "reached – still unhappy" completes the item, keeps or reopens the episode,
  and schedules a new check-in for the original ally the next day at 10:00.
- A handwritten note and an "incomplete deposition" item may be done without
  an outcome: there is nobody to reach.
- One action, one call, one transaction: each of these returns what the
  dialog needs next (a completion says whether the episode may now close,
  and what stays open), read in the transaction that made the change. They
  take the typed input model, or the values as typed (a mapping), which they
  read with the site's zone and clock.
- Two terminals acting on one follow-up: the first wins. Every change names
  the version the person saw; a stale version or a finished item raises
  `Conflict` with who did what and when, and nothing is changed. On
  PostgreSQL a race inside open transactions is caught by the ORM's version
  check on UPDATE.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from frontdesk import timing
from frontdesk.errors import ApprovalNeeded, Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.schemas.base import Input
from frontdesk.schemas.inputs import (
    FollowUpInput,
    GrievanceResponse,
    OutcomeInput,
    PlannedStep,
    RescheduleInput,
    RescheduleReason,
    SkipInput,
)
from frontdesk.schemas.reads import (
    Attempt,
    CompletionResult,
    DueCounts,
    DueItem,
    DueQueue,
    EpisodeInfo,
    FollowUpDetail,
    GrievanceAnswered,
    NoteToWrite,
    Rescheduled,
)
from frontdesk.schemas.vocab import RETRY_OUTCOMES, label
from frontdesk.services import audit, episodes, escalation
from frontdesk.services.authority import require, require_staff
from frontdesk.services.context import Actor
from frontdesk.services.incidents import detail_of
from frontdesk.store.models import Customer, FollowUp, FollowUpAttempt, Incident, Staff
from frontdesk.store.queries import Described, staff_names, summary_line

T = TypeVar("T")
In = TypeVar("In", bound=Input)
Scope = Literal["mine", "everyone"]
Window = Literal["overdue", "today", "week", "all"]
PAGE = 50
OUTCOME_OPTIONAL_CHANNELS = frozenset({"note"})
OUTCOME_OPTIONAL_KINDS = frozenset({"incomplete_deposition", "remedy_approval"})


def _when(instant: datetime, now: datetime, tz: ZoneInfo) -> str:
    wall = timing.local(instant, tz)
    return f"{wall:%H:%M}" if wall.date() == timing.local(now, tz).date() else f"{wall:%a %d %b %H:%M}"


def conflict_message(session: Session, actor: Actor, row: FollowUp) -> str:
    """Who got there first, and what they did: "already done by Maria at 14:02"."""
    names = staff_names(session)
    tz = actor.zone(session)
    now = actor.now()
    if row.status == "done":
        outcome = f" ({label(row.outcome)})" if row.outcome else ""
        who = names.get(row.completed_by_id or 0, "someone")
        return f"already done by {who} at {_when(row.completed_at or row.updated_at, now, tz)}{outcome}"
    if row.status == "skipped":
        who = names.get(row.completed_by_id or 0, "someone")
        return f"already skipped by {who} at {_when(row.completed_at or row.updated_at, now, tz)}"
    who = names.get(row.updated_by_id or 0, "someone")
    return f"changed by {who} at {_when(row.updated_at, now, tz)} meanwhile; look again and retry"


def _refuse_if_taken(actor: Actor, follow_up_id: int, expected_version: int | None) -> None:
    """Refuse a finished or changed follow-up from a plain read, before asking for the write lock.

    A terminal that lost a race hears so at once instead of queueing behind
    the writers (on SQLite a write transaction holds the whole store), and its
    refusal no longer keeps the others waiting. Versions only grow, so a
    refusal here stays right; the check inside the write transaction decides.
    """
    with actor.store.read() as session:
        row = session.get(FollowUp, follow_up_id)
        if row is not None and (
            row.status != "open" or (expected_version is not None and row.version != expected_version)
        ):
            raise Conflict(conflict_message(session, actor, row))


def _guarded(actor: Actor, follow_up_id: int, expected_version: int | None,
             change: Callable[[Session, FollowUp], T], *, owner_may: bool = True) -> T:
    """Run `change` on an open follow-up that still has the version the person saw (its owner's, or a lead's)."""
    _refuse_if_taken(actor, follow_up_id, expected_version)
    try:
        with actor.store.begin() as session:
            staff = require_staff(session, actor, "work_own_follow_ups")
            row = session.get(FollowUp, follow_up_id)
            if row is None:
                raise NotFound(f"follow-up {follow_up_id} does not exist")
            if not owner_may or row.owner_id != staff.id:
                require(session, actor, "work_queue")
            if row.status != "open" or (expected_version is not None and row.version != expected_version):
                raise Conflict(conflict_message(session, actor, row))
            return change(session, row)
    except StaleDataError:
        with actor.store.read() as session:
            row = session.get(FollowUp, follow_up_id)
            assert row is not None
            raise Conflict(conflict_message(session, actor, row)) from None


def _read(model: type[In], data: In | Mapping[str, Any], session: Session, actor: Actor) -> In:
    """The input as the model, read with this site's zone and clock when given as typed."""
    if isinstance(data, model):
        return data
    assert isinstance(data, Mapping)
    return model.parse(data, tz=actor.zone(session), now=actor.now())


def _touch(actor: Actor, row: FollowUp) -> None:
    row.updated_at = actor.now()
    row.updated_by_id = actor.staff_id


def _new_check_in(session: Session, actor: Actor, row: FollowUp, tz: ZoneInfo) -> FollowUp:
    incident = session.get(Incident, row.incident_id)
    assert incident is not None
    channel = row.channel if row.channel in ("call", "text", "email", "in_person") else "call"
    step = episodes.check_in_tomorrow(
        actor, tz, incident, channel, "They were still unhappy last time: listen first, and ask what would make it right."
    )
    return episodes.add_follow_ups(session, actor, incident, [step])[0]


def complete(actor: Actor, follow_up_id: int, expected_version: int | None,
             given: OutcomeInput | Mapping[str, Any]) -> CompletionResult:
    """Record how a follow-up went, by DESIGN.md's rules for each outcome; say where that leaves the episode."""

    def change(session: Session, row: FollowUp) -> CompletionResult:
        data = _read(OutcomeInput, given, session, actor)
        if row.kind == "remedy_approval":
            _approve_pending_remedy(session, actor, row)
        if _is_grievance_response(row, session.get(Incident, row.incident_id)):
            raise NotAllowed("a grievance's written response is done with a resolution (contact person, steps "
                             "taken, results, date of completion) or an interim notice with a new date")
        if data.outcome is None and row.channel not in OUTCOME_OPTIONAL_CHANNELS and row.kind not in OUTCOME_OPTIONAL_KINDS:
            raise InvalidInput.one("outcome", "say how it went")
        tz = actor.zone(session)
        now = actor.now()
        fields = ["status", "outcome", "attempts", "completed_at", "completed_by_id"]
        if data.outcome is not None:
            row.attempts += 1
            session.add(FollowUpAttempt(follow_up_id=row.id, at=now, by_id=actor.staff_id, outcome=data.outcome,
                                        note=data.note))
        row.outcome = data.outcome
        if data.note:
            row.note = data.note
            fields.append("note")
        new_follow_up = None
        if data.outcome in RETRY_OUTCOMES:
            row.due_at, row.local_time = timing.retry_at(row.due_at, row.local_time, now, tz)
            fields = ["outcome", "attempts", "due_at"]
            if escalation.attempts_escalate(row, now):
                fields += ["escalation", "escalated_at"]
        else:
            row.status = "done"
            row.completed_at = now
            row.completed_by_id = actor.staff_id
        _touch(actor, row)
        session.flush()
        audit.record(session, actor, "complete" if row.status == "done" else "attempt", "follow_up", row.id, fields)
        if data.outcome == "reached_unhappy":
            episodes.reopen(session, actor, row.incident_id)
            new_follow_up = _new_check_in(session, actor, row, tz)
        return CompletionResult(
            follow_up_id=row.id,
            status=row.status,
            outcome=row.outcome,
            attempts=row.attempts,
            due_at=row.due_at,
            escalation=row.escalation,
            new_follow_up_id=new_follow_up.id if new_follow_up else None,
            new_follow_up_due_at=new_follow_up.due_at if new_follow_up else None,
            episode=episodes.info_in(session, row.incident_id),
        )

    return _guarded(actor, follow_up_id, expected_version, change)


def _approve_pending_remedy(session: Session, actor: Actor, row: FollowUp) -> None:
    """Done on an approval follow-up approves the pending remedy, as the person doing it (issue 15 item 3): they
    must be a lead or manager whose own limit covers it."""
    from frontdesk.services.remedies import decide

    incident = session.get(Incident, row.incident_id)
    if incident is None or incident.remedy_approval != "pending":
        return
    staff = require_staff(session, actor, "approve_remedy")
    try:
        decide(session, actor, staff, incident.remedy_cost, None)
    except ApprovalNeeded:
        raise NotAllowed("This remedy is above your own limit too: a manager approves it.") from None
    incident.remedy_approval, incident.remedy_approved_by_id = "approved", staff.id
    session.flush()
    audit.record(session, actor, "remedy_approved", "incident", incident.id,
                 ("remedy_approval", "remedy_approved_by_id"))


GRIEVANCE = "grievance"
"""The clinic preset's category whose written response completes with a resolution or an interim notice."""


def _is_grievance_response(row: FollowUp | AnyRow, incident: Described | None) -> bool:
    return row.kind == "wrap_up" and incident is not None and incident.category == GRIEVANCE


def respond_to_grievance(actor: Actor, follow_up_id: int, expected_version: int | None,
                         given: GrievanceResponse | Mapping[str, Any]) -> GrievanceAnswered:
    """A grievance's written response (issue 15 item 6): a resolution with its four parts completes the follow-up;
    an interim notice moves it to the new date it promises. Says where that leaves it and its episode."""

    def change(session: Session, row: FollowUp) -> GrievanceAnswered:
        data = _read(GrievanceResponse, given, session, actor)
        if not _is_grievance_response(row, session.get(Incident, row.incident_id)):
            raise NotAllowed("only a grievance's written response is answered with a resolution or an interim notice")
        if data.kind == "interim":
            assert data.new_due_at is not None
            row.due_at, row.local_time = data.new_due_at, None
            by = timing.local(data.new_due_at, actor.zone(session))
            row.note = f"Interim letter sent: the written response will come by {by:%Y-%m-%d}."
            fields: tuple[str, ...] = ("due_at", "note")
            action = "reschedule"
        else:
            row.note = (f"Resolution. Contact person: {data.contact_person}. Steps taken: {data.steps_taken}. "
                        f"Results: {data.results}. Completed on {data.completed_on}.")
            row.status, row.completed_at, row.completed_by_id = "done", actor.now(), actor.staff_id
            fields, action = ("status", "note", "completed_at", "completed_by_id"), "complete"
        _touch(actor, row)
        session.flush()
        audit.record(session, actor, action, "follow_up", row.id, fields)
        return GrievanceAnswered(status=row.status, due_at=row.due_at, episode=episodes.info_in(session, row.incident_id))

    return _guarded(actor, follow_up_id, expected_version, change)


def reschedule(actor: Actor, follow_up_id: int, expected_version: int | None,
               given: RescheduleInput | Mapping[str, Any]) -> Rescheduled:
    """Move a follow-up to a new due time (a typed one is read in the site's zone)."""

    def change(session: Session, row: FollowUp) -> Rescheduled:
        data = _read(RescheduleInput, given, session, actor)
        row.due_at = data.due_at
        return _moved(session, actor, row, data.reason, tuple(data.time_notes.values()))

    return _guarded(actor, follow_up_id, expected_version, change)


def _moved(session: Session, actor: Actor, row: FollowUp, reason: str | None,
           time_notes: tuple[str, ...] = ()) -> Rescheduled:
    """Finish a reschedule: with a reason, a lead's or manager's restarts the escalation clock."""
    fields = ["due_at"]
    if reason:
        row.reschedule_reason = reason
        fields.append("reschedule_reason")
        if escalation.restart_clock(session, actor, row, row.due_at):
            fields += ["escalation", "escalation_clock_at"]
    _touch(actor, row)
    session.flush()
    audit.record(session, actor, "reschedule", "follow_up", row.id, fields)
    return Rescheduled(due_at=row.due_at, time_notes=time_notes, escalation=row.escalation)


def reschedule_by_days(actor: Actor, follow_up_id: int, expected_version: int | None, days: int,
                       reason: str | None = None) -> Rescheduled:
    """+1 day, +3 days, +1 week: counted from today (or the due date, if later), same local time."""
    reason = RescheduleReason.parse({"reason": reason}).reason

    def change(session: Session, row: FollowUp) -> Rescheduled:
        tz = actor.zone(session)
        wall = timing.local(row.due_at, tz)
        base = max(wall.date(), timing.local(actor.now(), tz).date())
        row.due_at = timing.at_local(base + timedelta(days=days), wall.time().replace(tzinfo=None), tz)
        return _moved(session, actor, row, reason)

    return _guarded(actor, follow_up_id, expected_version, change)


def reassign(actor: Actor, follow_up_id: int, expected_version: int | None, owner_id: int | None) -> str:
    """Give the follow-up to someone else (the original ally stays on the incident); returns their name."""

    def change(session: Session, row: FollowUp) -> str:
        if owner_id is None:
            raise InvalidInput.one("owner_id", "pick who should do it")
        if owner_id == row.owner_id:
            raise InvalidInput.one("owner_id", "they own it already; pick someone else")
        owner = session.get(Staff, owner_id)
        if owner is None or not owner.active:
            raise InvalidInput.one("owner_id", "not an active staff member")
        row.owner_id = owner_id
        fields = ["owner_id"]
        if escalation.restart_clock(session, actor, row, max(row.due_at, actor.now())):
            fields += ["escalation", "escalation_clock_at"]
        _touch(actor, row)
        session.flush()
        audit.record(session, actor, "reassign", "follow_up", row.id, fields)
        return owner.name

    return _guarded(actor, follow_up_id, expected_version, change, owner_may=False)


def skip(actor: Actor, follow_up_id: int, expected_version: int | None,
         given: SkipInput | Mapping[str, Any]) -> EpisodeInfo:
    """Decide not to do a follow-up, and say why; returns the episode as the skip left it."""

    def change(session: Session, row: FollowUp) -> EpisodeInfo:
        data = _read(SkipInput, given, session, actor)
        row.status = "skipped"
        row.skip_reason = data.reason
        row.completed_at = actor.now()
        row.completed_by_id = actor.staff_id
        _touch(actor, row)
        session.flush()
        audit.record(session, actor, "skip", "follow_up", row.id, ("status", "skip_reason"))
        return episodes.info_in(session, row.incident_id)

    return _guarded(actor, follow_up_id, expected_version, change, owner_may=False)


def add_follow_up(actor: Actor, incident_id: int, data: FollowUpInput) -> int:
    """A follow-up by hand on an incident's episode (reopening it if it was closed)."""
    with actor.store.begin() as session:
        staff = require_staff(session, actor, "work_own_follow_ups")
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"incident {incident_id} does not exist")
        owner_id = data.owner_id or staff.id
        if owner_id != staff.id:
            require(session, actor, "work_queue")
        owner = session.get(Staff, owner_id)
        if owner is None or not owner.active:
            raise InvalidInput.one("owner_id", "not an active staff member")
        episodes.reopen(session, actor, incident.id)
        step = PlannedStep.model_construct(kind=data.kind, channel=data.channel, due_at=data.due_at,
                                           owner_id=owner_id, words=data.words)
        return episodes.add_follow_ups(session, actor, incident, [step])[0].id


def _day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, date]:
    """Start of tomorrow and of the day a week after today, as UTC instants."""
    today = timing.local(now, tz).date()
    tomorrow = timing.at_local(today + timedelta(days=1), time(0), tz)
    week_end = timing.at_local(today + timedelta(days=7), time(0), tz)
    return tomorrow, week_end, today


def due_queue(
    actor: Actor,
    *,
    scope: Scope = "everyone",
    window: Window = "all",
    channel: str | None = None,
    all_sites: bool = False,
    offset: int = 0,
    limit: int = PAGE,
) -> DueQueue:
    """Open follow-ups, earliest due first (so overdue, then today, then upcoming), one page at a time.

    Counts of overdue, due today and due this week (the next seven local
    days, overdue included) are for the same scope, channel and sites, and
    ignore the window so they stay in view whatever is filtered. What is
    overdue past a threshold at the sites shown is escalated first
    (services/escalation.py).
    """
    now = actor.now()
    with actor.store.read() as session:
        zones, rises = escalation.due_in(session, now, None if all_sites else actor.site_id)
        if not rises:  # nearly always: the page comes from the same read
            return _queue_page(session, actor, zones, now, scope, window, channel, all_sites, offset, limit)
    escalation.raise_levels(actor, rises)
    with actor.store.read() as session:
        return _queue_page(session, actor, zones, now, scope, window, channel, all_sites, offset, limit)


AnyRow = Row[Unpack[tuple[Any, ...]]]
_OWNER = aliased(Staff)
_PAGE = (
    select(FollowUp.id, FollowUp.version, FollowUp.incident_id, FollowUp.customer_id, FollowUp.site_id, FollowUp.kind,
           FollowUp.channel, FollowUp.due_at, FollowUp.owner_id, FollowUp.attempts, FollowUp.escalation,
           FollowUp.escalated_at, FollowUp.local_time, Incident.category, Incident.severity, Incident.description,
           Customer.name.label("customer_name"), _OWNER.name.label("owner_name"))
    .join(Incident, Incident.id == FollowUp.incident_id)
    .outerjoin(Customer, Customer.id == FollowUp.customer_id)
    .outerjoin(_OWNER, _OWNER.id == FollowUp.owner_id)
)
"""A queue page's columns with its customer's and owner's names: columns, not ORM objects (a page of 50 builds
in half the time), built once (an alias costs to build)."""


def _queue_page(session: Session, actor: Actor, zones: Mapping[int, ZoneInfo], now: datetime, scope: Scope,
                window: Window, channel: str | None, all_sites: bool, offset: int, limit: int) -> DueQueue:
    """`due_queue`'s counts and page in two queries: the counts with the total, then the page with its names."""
    tz = zones.get(actor.site_id) or actor.zone(session)
    tomorrow, week_end, _ = _day_bounds(now, tz)
    conditions = [FollowUp.status == "open"]
    if not all_sites:
        conditions.append(FollowUp.site_id == actor.site_id)
    if scope == "mine":
        conditions.append(FollowUp.owner_id == (actor.staff_id or 0))
    if channel:
        conditions.append(FollowUp.channel == channel)
    counted = session.execute(
        select(
            func.sum(case((FollowUp.due_at < now, 1), else_=0)),
            func.sum(case(((FollowUp.due_at >= now) & (FollowUp.due_at < tomorrow), 1), else_=0)),
            func.sum(case((FollowUp.due_at < week_end, 1), else_=0)),
            func.sum(case((FollowUp.escalation > 0, 1), else_=0)),
            func.count(),
        ).where(*conditions)
    ).one()
    counts = DueCounts(overdue=counted[0] or 0, today=counted[1] or 0, week=counted[2] or 0,
                       escalated=counted[3] or 0)
    total = {
        "overdue": counts.overdue,
        "today": counts.overdue + counts.today,
        "week": counts.week,
    }.get(window, counted[4] or 0)
    if window == "overdue":
        conditions.append(FollowUp.due_at < now)
    elif window == "today":
        conditions.append(FollowUp.due_at < tomorrow)
    elif window == "week":
        conditions.append(FollowUp.due_at < week_end)
    rows = session.execute(
        _PAGE.where(*conditions).order_by(FollowUp.due_at, FollowUp.id).offset(offset).limit(limit)
    ).all()
    items = tuple(_due_item(row, row, row.customer_name, row.owner_name or "?", now, tomorrow) for row in rows)
    return DueQueue(items=items, counts=counts, total=total, offset=offset, limit=limit)


def _due_item(row: FollowUp | AnyRow, incident: Described, customer_name: str | None, owner_name: str,
              now: datetime, tomorrow: datetime) -> DueItem:
    """A queue item from a follow-up and its incident, as ORM objects (the detail) or one page row (both)."""
    bucket = "overdue" if row.due_at < now else "today" if row.due_at < tomorrow else "upcoming"
    return DueItem(
        id=row.id,
        version=row.version,
        incident_id=row.incident_id,
        customer_id=row.customer_id,
        customer_name=customer_name,
        site_id=row.site_id,
        kind=row.kind,
        channel=row.channel,
        due_at=row.due_at,
        bucket=bucket,
        owner_id=row.owner_id,
        owner_name=owner_name,
        attempts=row.attempts,
        escalation=row.escalation,
        escalated_at=row.escalated_at,
        incident_summary=summary_line(incident),
        local_time=row.local_time,
        grievance_response=_is_grievance_response(row, incident),
    )


def follow_up_detail(actor: Actor, follow_up_id: int) -> FollowUpDetail:
    """One follow-up with its story, promise, attempts, contact details and consent."""
    with actor.store.read() as session:
        row = session.get(FollowUp, follow_up_id)
        if row is None:
            raise NotFound(f"follow-up {follow_up_id} does not exist")
        tz = actor.zone(session)
        now = actor.now()
        tomorrow, _, _ = _day_bounds(now, tz)
        incident = session.get(Incident, row.incident_id)
        assert incident is not None
        customer = session.get(Customer, row.customer_id) if row.customer_id else None
        names = staff_names(session)
        attempts = session.scalars(
            select(FollowUpAttempt).where(FollowUpAttempt.follow_up_id == row.id).order_by(FollowUpAttempt.at)
        )
        return FollowUpDetail(
            item=_due_item(row, incident, customer.name if customer else None, names.get(row.owner_id, "?"), now,
                           tomorrow),
            status=row.status,
            outcome=row.outcome,
            words=row.words,
            note=row.note,
            skip_reason=row.skip_reason,
            reschedule_reason=row.reschedule_reason,
            completed_at=row.completed_at,
            completed_by=names.get(row.completed_by_id) if row.completed_by_id else None,
            attempts=tuple(
                Attempt(at=attempt.at, by=names.get(attempt.by_id, "?"), outcome=attempt.outcome, note=attempt.note)
                for attempt in attempts
            ),
            incident=detail_of(session, incident),
            phone=customer.phone if customer else None,
            email=customer.email if customer else None,
            postal_address=customer.postal_address if customer else None,
            consent={
                "call": bool(customer and customer.consent_call),
                "text": bool(customer and customer.consent_text),
                "email": bool(customer and customer.consent_email),
                "note": bool(customer and customer.consent_post),
                "in_person": True,
            },
        )


def notes_to_write(actor: Actor) -> list[NoteToWrite]:
    """Handwritten notes due by the end of today at this site, with names and addresses."""
    with actor.store.read() as session:
        tz = actor.zone(session)
        tomorrow, _, _ = _day_bounds(actor.now(), tz)
        names = staff_names(session)
        rows = session.execute(
            select(FollowUp, Incident, Customer)
            .join(Incident, Incident.id == FollowUp.incident_id)
            .outerjoin(Customer, Customer.id == FollowUp.customer_id)
            .where(FollowUp.site_id == actor.site_id, FollowUp.status == "open", FollowUp.channel == "note",
                   FollowUp.due_at < tomorrow)
            .order_by(FollowUp.due_at)
        ).all()
        return [
            NoteToWrite(
                follow_up_id=row.id,
                customer_id=row.customer_id,
                name=customer.name if customer else None,
                postal_address=customer.postal_address if customer else None,
                consent_post=bool(customer and customer.consent_post),
                incident_summary=summary_line(incident),
                words=row.words,
                due_at=row.due_at,
                owner_name=names.get(row.owner_id, "?"),
            )
            for row, incident, customer in rows
        ]


def notes_as_text(notes: list[NoteToWrite], site_name: str, day: date) -> str:
    """Today's notes as plain text, to print or copy at the end of the shift."""
    lines = [f"Notes to write — {site_name} — {day:%A %d %B %Y}", ""]
    if not notes:
        lines.append("No handwritten notes are due today.")
    for number, note in enumerate(notes, 1):
        lines.append(f"{number}. {note.name or 'Unknown guest'}")
        if note.postal_address:
            lines.extend(f"   {line}" for line in note.postal_address.splitlines())
        else:
            lines.append("   (no postal address on file)")
        if not note.consent_post:
            lines.append("   ! no consent to post on file: ask before sending")
        lines.append(f"   About: {note.incident_summary}")
        if note.words:
            lines.append(f"   Suggested: {note.words}")
        lines.append(f"   Owner: {note.owner_name}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def save_notes(actor: Actor, path: Path) -> tuple[Path, int]:
    """Write today's notes as plain text to `path` (readable by its owner only: it holds addresses).

    Returns where the file went and how many notes it holds; a path that
    cannot be written is refused in words, on the field "path".
    """
    notes = notes_to_write(actor)
    with actor.store.read() as session:
        site_name = actor.site(session).name
        day = timing.local(actor.now(), actor.zone(session)).date()
    target = path.expanduser()
    if not target.is_absolute():
        target = Path.home() / target
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(notes_as_text(notes, site_name, day))
    except OSError as exc:
        raise InvalidInput.one("path", f"cannot write there: {exc.strerror or exc}") from None
    return target, len(notes)
