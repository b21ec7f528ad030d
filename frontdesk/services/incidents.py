"""Depositions: log (full or quick), preview the plan, amend, read.

Logging is one transaction that creates the incident and its episode; a flag
on the customer when the severity is moderate or worse (or when asked); an
alert to the site for moderate or worse; the playbook's follow-ups, owned by
the original ally; a hand-off check for the ally when the fix was handed to
someone else; and a promise check at the promise's due time. A quick log
also gets an "incomplete deposition" follow-up for its logger, four hours on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.errors import ApprovalNeeded, Conflict, InvalidInput, NotFound
from frontdesk.money import format_money
from frontdesk.schemas.base import ReadModel
from frontdesk.schemas.inputs import (
    FlagInput,
    IncidentAmend,
    IncidentInput,
    PlannedStep,
    QuickLogInput,
)
from frontdesk.schemas.reads import (
    IncidentDetail,
    IncidentRow,
    LogResult,
    PlanStepPreview,
)
from frontdesk.schemas.vocab import FLAG_LEVEL_FOR, SERIOUS, label
from frontdesk.services import audit, episodes, remedies
from frontdesk.services.authority import require, require_staff
from frontdesk.services.context import Actor
from frontdesk.services.customers import flag_infos, follow_up_brief
from frontdesk.services.drafts import DraftKey, discard_in
from frontdesk.services.pins import verify_approver
from frontdesk.services.remedies import RemedyApproval
from frontdesk.services.playbooks import (
    Step,
    check_step,
    handoff_anchor,
    plan_steps,
    planned,
)
from frontdesk.store.models import (
    Alert,
    Category,
    Customer,
    Episode,
    Flag,
    FollowUp,
    Incident,
    RootCause,
    Site,
    Staff,
)
from frontdesk.store.queries import (
    category_labels,
    episode_for,
    for_change,
    repeat_in,
    staff_names,
    summary_line,
    visit_at,
)

QUICK_LOG_DUE = timedelta(hours=4)
"""A quick log must be finished within four hours, while memory is fresh."""
"""A hand-off with no "expected fixed by" is checked the next day at 10:00."""


def context(actor: Actor) -> dict[str, Any]:
    """Validation context for this terminal's site: phone region, currency, zone, now."""
    with actor.store.read() as session:
        site = actor.site(session)
        return {"region": site.phone_region, "currency": site.currency, "tz": timing.zone(site.time_zone),
                "now": actor.now()}


def parse_incident(actor: Actor, data: Mapping[str, Any]) -> IncidentInput:
    return IncidentInput.parse(data, **context(actor))


def parse_quick_log(actor: Actor, data: Mapping[str, Any]) -> QuickLogInput:
    return QuickLogInput.parse(data, **context(actor))


def parse_amend(actor: Actor, data: Mapping[str, Any]) -> IncidentAmend:
    return IncidentAmend.parse(data, **context(actor))


def _active_staff(session: Session, staff_id: int, field: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise InvalidInput.one(field, "not an active staff member")
    return staff


def _check_references(session: Session, data: IncidentInput | QuickLogInput | IncidentAmend) -> None:
    fields = data.model_fields_set
    if "customer_id" in fields and data.customer_id is not None and session.get(Customer, data.customer_id) is None:
        raise InvalidInput.one("customer_id", "that customer is not on file")
    if "category" in fields and data.category is not None:
        category = session.scalars(select(Category).where(Category.key == data.category)).first()
        if category is None or not category.active:
            raise InvalidInput.one("category", "not one of this store's categories")
    for field in ("ally_id", "handoff_staff_id"):
        if field in fields and getattr(data, field, None) is not None:
            _active_staff(session, getattr(data, field), field)


def _plan(
    session: Session,
    tz: ZoneInfo,
    *,
    severity: str,
    category: str | None,
    occurred_at: datetime,
    now: datetime,
    ally_id: int,
    handoff: bool,
    handoff_expected_at: datetime | None,
    promise_due_at: datetime | None,
) -> list[PlannedStep]:
    """The follow-ups an incident gets: the playbook's steps, then the checks."""
    steps: list[tuple[Step, datetime]] = [(step, occurred_at) for step in plan_steps(session, severity, category)]
    if handoff:
        steps.append((check_step(session, "handoff_check"), handoff_anchor(occurred_at, handoff_expected_at, now, tz)))
    if promise_due_at is not None:
        steps.append((check_step(session, "promise_check"), promise_due_at))
    return [planned(step, anchor, tz, ally_id) for step, anchor in steps]


def _previews(session: Session, plan: list[PlannedStep]) -> tuple[PlanStepPreview, ...]:
    names = staff_names(session)
    return tuple(
        PlanStepPreview(
            kind=step.kind,
            channel=step.channel,
            due_at=step.due_at,
            owner_id=step.owner_id,
            owner_name=names.get(step.owner_id, "?"),
            words=step.words,
            local_time=step.local_time,
        )
        for step in sorted(plan, key=lambda step: step.due_at)
    )


def preview_plan(actor: Actor, data: IncidentInput) -> tuple[PlanStepPreview, ...]:
    """What logging `data` would create as follow-ups, for the screen to show and edit."""
    with actor.store.read() as session:
        tz = actor.zone(session)
        ally_id = data.ally_id or actor.staff(session).id
        plan = _plan(
            session,
            tz,
            severity=data.severity,
            category=data.category,
            occurred_at=data.occurred_at,
            now=actor.now(),
            ally_id=ally_id,
            handoff=bool(data.handoff_to or data.handoff_staff_id),
            handoff_expected_at=data.handoff_expected_at,
            promise_due_at=data.promise_due_at,
        )
        return _previews(session, plan)


def default_flag(session: Session, incident: Incident, tz: ZoneInfo) -> FlagInput:
    """The flag a deposition suggests: a neutral headline, the story, a greeting cue."""
    category = category_labels(session, neutral=True).get(incident.category, incident.category)
    wall = timing.local(incident.occurred_at, tz)
    headline = f"{category} follow-up · {wall:%d %b}"
    story = [incident.description]
    site = session.get(Site, incident.site_id)
    if incident.remedy_kind and incident.remedy_kind != "none":
        remedy = label(incident.remedy_kind)
        if incident.remedy_cost and site is not None:
            remedy += f" ({format_money(incident.remedy_cost, site.currency)})"
        story.append(f"Remedy: {remedy}")
    if incident.promise_text:
        due = f" by {timing.local(incident.promise_due_at, tz):%a %d %b %H:%M}" if incident.promise_due_at else ""
        story.append(f"Promised: {incident.promise_text}{due}")
    day = timing.WEEKDAY_NAMES[wall.weekday()]
    if incident.severity in ("major", "critical"):
        greeting = f"Acknowledge what happened on {day} before anything else; the manager will stop by."
    else:
        greeting = f"Acknowledge what happened on {day}; ask whether it was put right."
    return FlagInput.model_construct(headline=headline[:120], message="\n".join(story), greeting=greeting)


def _raise_flag(session: Session, actor: Actor, incident: Incident, spec: FlagInput) -> Flag:
    assert incident.customer_id is not None
    flag = Flag(
        customer_id=incident.customer_id,
        incident_id=incident.id,
        level=FLAG_LEVEL_FOR[incident.severity],
        headline=spec.headline,
        message=spec.message,
        greeting=spec.greeting,
        active=True,
        created_at=actor.now(),
        created_by_id=actor.staff_id,
    )
    session.add(flag)
    session.flush()
    audit.record(session, actor, "create", "flag", flag.id, ("level", "headline", "message", "greeting"))
    return flag


def _add_follow_ups(session: Session, actor: Actor, incident: Incident, plan: list[PlannedStep]) -> list[FollowUp]:
    for step in plan:
        _active_staff(session, step.owner_id, "plan")
    return episodes.add_follow_ups(session, actor, incident, plan)


def _alert(session: Session, actor: Actor, incident: Incident, headline: str) -> Alert:
    alert = Alert(
        incident_id=incident.id,
        site_id=incident.site_id,
        headline=headline,
        created_at=actor.now(),
        created_terminal=actor.terminal,
    )
    session.add(alert)
    session.flush()
    audit.record(session, actor, "create", "alert", alert.id, ("headline",))
    return alert


def _new_incident(session: Session, actor: Actor, tz: ZoneInfo, values: dict[str, Any]) -> Incident:
    local_date, local_hour, local_weekday = timing.local_parts(values["occurred_at"], tz)
    customer_id = values.get("customer_id")
    visit = visit_at(session, customer_id, actor.site_id, values["occurred_at"]) if customer_id else None
    incident = Incident(
        site_id=actor.site_id,
        visit_id=visit.id if visit else None,
        local_date=local_date,
        local_hour=local_hour,
        local_weekday=local_weekday,
        logged_at=actor.now(),
        logged_by_id=actor.staff_id,
        logged_terminal=actor.terminal,
        **values,
    )
    session.add(incident)
    session.flush()
    session.add(Episode(incident_id=incident.id, status="open", opened_at=actor.now()))
    session.flush()
    audit.record(session, actor, "create", "incident", incident.id, values.keys())
    return incident


def _finish_log(
    session: Session,
    actor: Actor,
    tz: ZoneInfo,
    incident: Incident,
    *,
    want_flag: bool,
    flag_spec: FlagInput | None,
    plan: list[PlannedStep],
    time_notes: dict[str, str],
) -> LogResult:
    flag = None
    if want_flag and incident.customer_id is not None:
        flag = _raise_flag(session, actor, incident, flag_spec or default_flag(session, incident, tz))
    alert = None
    if incident.severity in SERIOUS:
        headline = flag.headline if flag else default_flag(session, incident, tz).headline
        alert = _alert(session, actor, incident, headline)
    _add_follow_ups(session, actor, incident, plan)
    return LogResult(
        incident_id=incident.id,
        flag_id=flag.id if flag else None,
        alert_id=alert.id if alert else None,
        follow_ups=_previews(session, plan),
        time_notes=time_notes,
    )


def log_incident(actor: Actor, data: IncidentInput, *, draft: DraftKey | None = None,
                 approval: RemedyApproval | None = None) -> LogResult:
    """Record a full deposition and everything it sets in motion, in one transaction.

    `draft`: the draft the form was kept as; it goes in the same transaction.
    `approval`: the answer to ApprovalNeeded for a remedy above the logger's limit (see services/remedies.py);
    an approver's PIN is checked first, outside the transaction.
    """
    if approval is not None and approval.approver_id is not None:
        verify_approver(actor, approval.approver_id, approval.pin)
    with actor.store.begin() as session:
        if draft is not None:
            discard_in(session, draft)
        staff = require_staff(session, actor, "log_incident")
        _check_references(session, data)
        site = actor.site(session)  # held: a remedy limit's default reads it too (the session keeps what is referenced)
        tz = timing.zone(site.time_zone)
        remedy_approval, approved_by = remedies.decide(session, actor, None if actor.store_authority else staff,
                                                       data.remedy_cost, approval)
        ally_id = data.ally_id or staff.id
        handoff = bool(data.handoff_to or data.handoff_staff_id)
        values = data.model_dump(
            exclude={"flag", "raise_flag", "plan", "ally_id", "handoff_expected_at"}
        )
        values.update(
            ally_id=ally_id,
            handoff_expected_at=data.handoff_expected_at if handoff else None,
            promise_status="pending" if data.promise_text else None,
            handoff_status="pending" if handoff else None,
            complete=True,
            remedy_approval=remedy_approval,
            remedy_approved_by_id=approved_by,
        )
        incident = _new_incident(session, actor, tz, values)
        if approved_by is not None:
            audit.record(session, actor.as_staff(approved_by), "remedy_approved", "incident", incident.id,
                         ("remedy_approval", "remedy_approved_by_id"))
        plan = data.plan if data.plan is not None else _plan(
            session,
            tz,
            severity=data.severity,
            category=data.category,
            occurred_at=data.occurred_at,
            now=actor.now(),
            ally_id=ally_id,
            handoff=handoff,
            handoff_expected_at=data.handoff_expected_at,
            promise_due_at=data.promise_due_at,
        )
        if remedy_approval == "pending":
            plan = [*plan, remedies.approval_step(session, actor.site_id, data.remedy_cost, staff.id, actor.now())]
        want_flag = data.raise_flag if data.raise_flag is not None else data.severity in SERIOUS
        return _finish_log(
            session, actor, tz, incident, want_flag=want_flag, flag_spec=data.flag, plan=plan,
            time_notes=data.time_notes,
        )


def quick_log(actor: Actor, data: QuickLogInput, *, draft: DraftKey | None = None) -> LogResult:
    """A 20-second log: flag and alert at once, the playbook, and a reminder to finish it (and its draft gone)."""
    with actor.store.begin() as session:
        if draft is not None:
            discard_in(session, draft)
        staff = require_staff(session, actor, "log_incident")
        _check_references(session, data)
        tz = actor.zone(session)
        ally_id = data.ally_id or staff.id
        values = data.model_dump()
        values.update(ally_id=ally_id, complete=False)
        incident = _new_incident(session, actor, tz, values)
        plan = _plan(
            session,
            tz,
            severity=data.severity,
            category=data.category,
            occurred_at=data.occurred_at,
            now=actor.now(),
            ally_id=ally_id,
            handoff=False,
            handoff_expected_at=None,
            promise_due_at=None,
        )
        plan.append(
            PlannedStep.model_construct(
                kind="incomplete_deposition",
                channel="in_person",
                due_at=actor.now() + QUICK_LOG_DUE,
                owner_id=staff.id,
                words="Finish the deposition while it is fresh: what happened, what was done, what was promised.",
            )
        )
        return _finish_log(
            session, actor, tz, incident, want_flag=data.severity in SERIOUS, flag_spec=None, plan=plan,
            time_notes=data.time_notes,
        )


def _incident(session: Session, incident_id: int) -> Incident:
    incident = for_change(session, Incident, incident_id)  # locked in a write: two amends take turns
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist")
    return incident


def amend_incident(actor: Actor, incident_id: int, expected_version: int, changes: IncidentAmend, *,
                   draft: DraftKey | None = None, approval: RemedyApproval | None = None) -> IncidentDetail:
    """Correct or complete a deposition; only given fields change, each change is audited; `draft` goes with it.

    Side effects follow the rules of logging: a new hand-off or promise gets
    its check, a moved due date moves the open check, a promise marked kept
    or broken closes its promise check, attaching a customer to an unknown
    guest's serious incident raises the flag it could not have before, and
    marking the deposition complete closes its "incomplete deposition" item.
    A remedy raised above the amender's limit asks for an approval as at
    logging (`ApprovalNeeded`, nothing written); `approval` answers it.
    """
    if approval is not None and approval.approver_id is not None:
        verify_approver(actor, approval.approver_id, approval.pin)
    with actor.store.begin() as session:
        staff = require_staff(session, actor, "amend_own_incident")
        incident = _incident(session, incident_id)
        if incident.logged_by_id != staff.id:
            require(session, actor, "amend_any_incident")
        if incident.version != expected_version:
            who = audit.changed_meanwhile(session, actor, "incident", incident_id)
            raise Conflict(f"incident {incident_id} was changed {who} meanwhile; reopen it and try again")
        if draft is not None:
            discard_in(session, draft)
        _check_references(session, changes)
        tz = actor.zone(session)
        given = {field: getattr(changes, field) for field in changes.model_fields_set}
        if given.get("description", incident.description) is None:
            raise InvalidInput.one("description", "required")
        before = {field: getattr(incident, field) for field in given}
        changed = [field for field, value in given.items() if before[field] != value]
        had_customer = incident.customer_id is not None
        for field in changed:
            setattr(incident, field, given[field])
        _check_amended(incident)
        if "occurred_at" in changed:
            incident.local_date, incident.local_hour, incident.local_weekday = timing.local_parts(incident.occurred_at, tz)
            changed += ["local_date", "local_hour", "local_weekday"]
        if "promise_text" in changed and incident.promise_text and not incident.promise_status:
            incident.promise_status = "pending"
        if "promise_status" in changed and incident.promise_status in ("kept", "broken"):
            episodes.settle_promise(session, actor, incident, incident.promise_status)
            changed.append("promise_settled_at")
        handoff = bool(incident.handoff_to or incident.handoff_staff_id)
        if handoff and not incident.handoff_status:
            incident.handoff_status = "pending"
        new_steps: list[PlannedStep] = []
        if "remedy_cost" in changed and (incident.remedy_cost or 0) > (before["remedy_cost"] or 0):
            new_steps += _approve_raised_remedy(session, actor, None if actor.store_authority else staff, incident,
                                                approval, changed)
        if {"handoff_to", "handoff_staff_id", "handoff_expected_at"} & set(changed) and handoff:
            anchor = handoff_anchor(incident.occurred_at, incident.handoff_expected_at, actor.now(), tz)
            new_steps += _place_check(session, incident, "handoff_check", anchor, tz)
        if {"promise_text", "promise_due_at"} & set(changed) and incident.promise_due_at and incident.promise_status == "pending":
            new_steps += _place_check(session, incident, "promise_check", incident.promise_due_at, tz)
        if new_steps:
            _add_follow_ups(session, actor, incident, new_steps)
            episodes.reopen(session, actor, incident.id)
        if "customer_id" in changed:
            _attach_customer(session, actor, incident, tz, had_customer)
        if "severity" in changed and incident.customer_id is not None and incident.severity in SERIOUS:
            _ensure_flag(session, actor, incident, tz)
        if "complete" in changed and incident.complete:
            episodes.close_checks(session, actor, episodes.open_checks(session, incident.id, "incomplete_deposition"),
                                  "deposition completed")
        if changed:
            session.flush()
            audit.record(session, actor, "amend", "incident", incident.id, changed)
        return detail_of(session, incident)


def _approve_raised_remedy(session: Session, actor: Actor, staff: Staff | None, incident: Incident,
                           approval: RemedyApproval | None, changed: list[str]) -> list[PlannedStep]:
    """A remedy raised by an amendment goes through the limit check of logging (services/remedies.py): above the
    amender's limit it is approved by the PIN given (audited under the approver, an open approval follow-up done)
    or left pending with an approval follow-up for the leads (one is enough); without an answer, ApprovalNeeded.
    Returns the follow-ups to add."""
    decision, approved_by = remedies.decide(session, actor, staff, incident.remedy_cost or 0, approval)
    if decision is None:
        return []
    incident.remedy_approval, incident.remedy_approved_by_id = decision, approved_by
    changed += [field for field in ("remedy_approval", "remedy_approved_by_id") if field not in changed]
    waiting = episodes.open_checks(session, incident.id, "remedy_approval")
    if approved_by is not None:
        session.flush()
        audit.record(session, actor.as_staff(approved_by), "remedy_approved", "incident", incident.id,
                     ("remedy_approval", "remedy_approved_by_id"))
        episodes.close_checks(session, actor, waiting, "remedy approved with the amendment")
        return []
    if waiting:
        return []
    assert staff is not None  # a pending answer comes from a person above their limit
    return [remedies.approval_step(session, actor.site_id, incident.remedy_cost or 0, staff.id, actor.now())]


def _check_amended(incident: Incident) -> None:
    """The cross-field rules of a deposition, on the amended whole."""
    errors = {}
    if incident.promise_text and incident.promise_due_at is None:
        errors["promise_due_at"] = "say by when it was promised"
    if incident.promise_text and incident.promise_likelihood is None:
        errors["promise_likelihood"] = "say how likely it honestly is"
    if incident.promise_status in ("kept", "broken") and not incident.promise_text:
        errors["promise_status"] = "there is no promise to settle"
    if incident.handoff_status and incident.handoff_status != "pending" and not (incident.handoff_to or incident.handoff_staff_id):
        errors["handoff_status"] = "there is no hand-off to update"
    if incident.remedy_cost and incident.remedy_kind in (None, "none", "apology"):
        errors["remedy_kind"] = "say what the remedy was (refund, voucher, …)"
    if errors:
        raise InvalidInput(errors)


def _place_check(session: Session, incident: Incident, kind: str, anchor: datetime, tz: ZoneInfo) -> list[PlannedStep]:
    """Move the open check of this kind to its new anchor, or plan a new one."""
    step = check_step(session, kind)
    open_checks = episodes.open_checks(session, incident.id, kind)
    if open_checks:
        for row in open_checks:
            row.due_at = step.due(anchor, tz)
        return []
    return [planned(step, anchor, tz, incident.ally_id)]


def _attach_customer(session: Session, actor: Actor, incident: Incident, tz: ZoneInfo, had_customer: bool) -> None:
    for row in session.scalars(select(FollowUp).where(FollowUp.incident_id == incident.id)):
        row.customer_id = incident.customer_id
    if incident.customer_id is None:
        return
    visit = visit_at(session, incident.customer_id, incident.site_id, incident.occurred_at)
    incident.visit_id = visit.id if visit else None
    for flag in session.scalars(select(Flag).where(Flag.incident_id == incident.id)):
        flag.customer_id = incident.customer_id
    if not had_customer and incident.severity in SERIOUS:
        _ensure_flag(session, actor, incident, tz)


def _ensure_flag(session: Session, actor: Actor, incident: Incident, tz: ZoneInfo) -> None:
    """Raise the incident's flag unless it already has one (active or cleared)."""
    exists = session.scalar(select(Flag.id).where(Flag.incident_id == incident.id).limit(1))
    if exists is None:
        session.flush()
        _raise_flag(session, actor, incident, default_flag(session, incident, tz))


def detail_of(session: Session, incident: Incident) -> IncidentDetail:
    names = staff_names(session)
    site = session.get(Site, incident.site_id)
    customer = session.get(Customer, incident.customer_id) if incident.customer_id else None
    flag = session.scalars(
        select(Flag).where(Flag.incident_id == incident.id).order_by(Flag.active.desc(), Flag.created_at.desc())
    ).first()
    follow_ups = session.scalars(
        select(FollowUp).where(FollowUp.incident_id == incident.id).order_by(FollowUp.due_at)
    )
    episode = episode_for(session, incident.id)
    return IncidentDetail(
        id=incident.id,
        version=incident.version,
        site_id=incident.site_id,
        customer_id=incident.customer_id,
        customer_name=customer.name if customer else None,
        guest_description=incident.guest_description,
        occurred_at=incident.occurred_at,
        local_date=incident.local_date,
        local_hour=incident.local_hour,
        local_weekday=incident.local_weekday,
        logged_at=incident.logged_at,
        logged_by=names.get(incident.logged_by_id, "?"),
        category=incident.category,
        product=incident.product,
        location=incident.location,
        severity=incident.severity,
        description=incident.description,
        reaction=incident.reaction,
        remedy_kind=incident.remedy_kind,
        remedy_cost=incident.remedy_cost,
        currency=site.currency if site else "",
        promise_text=incident.promise_text,
        promise_due_at=incident.promise_due_at,
        promise_likelihood=incident.promise_likelihood,
        promise_status=incident.promise_status,
        ally_id=incident.ally_id,
        ally_name=names.get(incident.ally_id, "?"),
        handoff_to=incident.handoff_to,
        handoff_staff_id=incident.handoff_staff_id,
        handoff_expected_at=incident.handoff_expected_at,
        handoff_status=incident.handoff_status,
        root_cause=incident.root_cause,
        remedy_sought=incident.remedy_sought,
        complete=incident.complete,
        episode_status=episode.status,
        episode_outcome=episode.outcome,
        episode_root_cause=session.scalar(select(RootCause.label).where(RootCause.key == episode.root_cause))
        if episode.root_cause else None,
        repeat_incident_id=repeat_in(session, incident, episode),
        flag=flag_infos(session, [flag])[0] if flag else None,
        follow_ups=tuple(follow_up_brief(row, names) for row in follow_ups),
    )


def incident_detail(actor: Actor, incident_id: int) -> IncidentDetail:
    with actor.store.read() as session:
        return detail_of(session, _incident(session, incident_id))


def todays_incidents(actor: Actor, days: int = 1) -> list[IncidentRow]:
    """Incidents at this site on the last `days` local dates, newest first."""
    with actor.store.read() as session:
        tz = actor.zone(session)
        today = timing.local(actor.now(), tz).date()
        rows = session.execute(
            select(Incident, Customer.name, Episode.status)
            .outerjoin(Customer, Customer.id == Incident.customer_id)
            .join(Episode, Episode.incident_id == Incident.id)
            .where(Incident.site_id == actor.site_id, Incident.local_date > today - timedelta(days=days))
            .order_by(Incident.occurred_at.desc())
        ).all()
        return [
            IncidentRow(
                id=incident.id,
                occurred_at=incident.occurred_at,
                customer_id=incident.customer_id,
                customer_name=name,
                category=incident.category,
                severity=incident.severity,
                summary=summary_line(incident),
                complete=incident.complete,
                episode_status=status,
            )
            for incident, name, status in rows
        ]


class LogPreview(ReadModel):
    """What saving the form as typed so far would create, shown (and editable) before saving."""

    headline: str
    message: str
    greeting: str | None
    flag_by_default: bool
    """Moderate and worse flag the customer unless the person says otherwise."""
    plan: tuple[PlanStepPreview, ...]
    approval_step: PlanStepPreview | None = None
    """The approval follow-up for the site's leads that saving adds if the remedy, above the person's limit, is
    left pending approval (none within the limit)."""


def _pending_approval_step(session: Session, actor: Actor, cost: int) -> PlanStepPreview | None:
    """The follow-up a remedy of `cost` adds when it saves pending approval; None when the person's limit covers it."""
    if not cost or actor.store_authority or actor.staff_id is None:
        return None
    staff = session.get(Staff, actor.staff_id)
    try:
        remedies.decide(session, actor, staff, cost, None)
    except ApprovalNeeded:
        assert staff is not None
        return _previews(session, [remedies.approval_step(session, actor.site_id, cost, staff.id, actor.now())])[0]
    return None


_FIELDS_THAT_GO_TOGETHER = (
    frozenset({"promise_text", "promise_due_at", "promise_likelihood"}),
    frozenset({"handoff_to", "handoff_staff_id", "handoff_expected_at"}),
    frozenset({"remedy_kind", "remedy_cost"}),
)


def preview_log(actor: Actor, data: Mapping[str, Any]) -> LogPreview | None:
    """The flag and follow-up plan a half-typed deposition would create; None until it has a severity and category.

    A field that does not read yet (a half-typed time, a promise without its
    due date) is left out with the fields it goes with, so the preview follows
    the typing; saving reports the error next to the field.
    """
    description = str(data.get("description") or "").strip()
    raw = {key: value for key, value in data.items() if key not in ("flag", "raise_flag", "plan")}
    raw["description"] = "-"  # the story is not needed to plan; the flag takes it as typed
    validation = context(actor)
    for _ in range(3):
        try:
            parsed = IncidentInput.parse(raw, **validation)
            break
        except InvalidInput as exc:
            unreadable = set(exc.errors)
            if unreadable & {"severity", "category"}:
                return None
            for group in _FIELDS_THAT_GO_TOGETHER:
                if unreadable & group:
                    unreadable |= group
            raw = {key: value for key, value in raw.items() if key not in unreadable}
    else:
        return None
    plan = preview_plan(actor, parsed)
    with actor.store.read() as session:
        incident = Incident(  # transient: never added to the session
            site_id=actor.site_id,
            category=parsed.category,
            severity=parsed.severity,
            occurred_at=parsed.occurred_at,
            description=description,
            remedy_kind=parsed.remedy_kind,
            remedy_cost=parsed.remedy_cost,
            promise_text=parsed.promise_text,
            promise_due_at=parsed.promise_due_at,
        )
        flag = default_flag(session, incident, actor.zone(session))
        approval_step = _pending_approval_step(session, actor, parsed.remedy_cost)
    return LogPreview(headline=flag.headline, message=flag.message.strip(), greeting=flag.greeting,
                      flag_by_default=parsed.severity in SERIOUS, plan=plan, approval_step=approval_step)
