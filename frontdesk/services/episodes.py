"""Episodes: an incident with its flag and follow-ups, open until followed through.

An episode closes only when no follow-up is open and its promise, if any, is
settled (kept or broken); closing records a root cause from the store's list
("unknown" allowed and counted) and an outcome (recovered, not recovered or
unknown, proposed from the last follow-up's outcome), and offers to clear the
flag. "Reached – still
unhappy" reopens it (see followups). Reopening by hand schedules a check-in
for the original ally, so a reopened episode is never left without a next step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from frontdesk import timing
from frontdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.schemas.inputs import PlannedStep
from frontdesk.schemas.reads import EpisodeInfo
from frontdesk.schemas.vocab import EPISODE_OUTCOMES, PROPOSED_OUTCOME
from frontdesk.services import audit
from frontdesk.services.authority import require_staff
from frontdesk.services.context import Actor
from frontdesk.services.flags import deactivate
from frontdesk.services.playbooks import DEFAULT_HOUR, root_causes_in
from frontdesk.store.models import Customer, Episode, Flag, FollowUp, Incident
from frontdesk.store.queries import episode_for, open_follow_up_count, staff_names


def proposed_outcome(session: Session, incident_id: int) -> str:
    """The outcome the close dialog proposes: from the last follow-up done with an outcome."""
    last = session.scalar(
        select(FollowUp.outcome)
        .where(FollowUp.incident_id == incident_id, FollowUp.outcome.is_not(None))
        .order_by(FollowUp.completed_at.desc().nulls_last(), FollowUp.updated_at.desc(), FollowUp.id.desc())
        .limit(1)
    )
    return PROPOSED_OUTCOME.get(last or "", "unknown")


def _info(session: Session, incident: Incident) -> EpisodeInfo:
    episode = episode_for(session, incident.id)
    open_items = open_follow_up_count(session, incident.id)
    flag_active = session.scalar(
        select(Flag.id).where(Flag.incident_id == incident.id, Flag.active.is_(True)).limit(1)
    ) is not None
    blockers = []
    if open_items:
        blockers.append(f"{open_items} follow-up{'s are' if open_items > 1 else ' is'} still open")
    if incident.promise_text and incident.promise_status == "pending":
        blockers.append("the promise is not yet marked kept or broken")
    customer = session.get(Customer, incident.customer_id) if incident.customer_id else None
    return EpisodeInfo(
        incident_id=incident.id,
        status=episode.status,
        open_follow_ups=open_items,
        promise_status=incident.promise_status,
        flag_active=flag_active,
        can_close=episode.status == "open" and not open_items,
        blockers=tuple(blockers),
        customer_name=customer.name if customer else None,
        promise_text=incident.promise_text,
        root_cause=episode.root_cause,
        outcome=episode.outcome,
        proposed_outcome=proposed_outcome(session, incident.id),
        root_causes=root_causes_in(session),
    )


def _incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist")
    return incident


def info_in(session: Session, incident_id: int) -> EpisodeInfo:
    """The episode as this session sees it: for a service that changed it, in the same transaction."""
    return _info(session, _incident(session, incident_id))


def episode_info(actor: Actor, incident_id: int) -> EpisodeInfo:
    with actor.store.read() as session:
        return info_in(session, incident_id)


def close_episode(
    actor: Actor,
    incident_id: int,
    *,
    root_cause: str | None = None,
    outcome: str | None = None,
    settle_promise: str | None = None,
    clear_flag: bool = False,
) -> EpisodeInfo:
    """Close the episode with a root cause (required) and an outcome (the proposed one if not given); settle a
    pending promise ("kept" or "broken") on the way, and clear the flag if asked."""
    if settle_promise not in (None, "kept", "broken"):
        raise InvalidInput.one("promise", "say whether the promise was kept or broken")
    try:
        with actor.store.begin() as session:
            require_staff(session, actor, "clear_flag" if clear_flag else "work_queue")
            incident = _incident(session, incident_id)
            episode = episode_for(session, incident_id)
            if episode.status == "closed":
                names = staff_names(session)
                tz = actor.zone(session)
                when = timing.local(episode.closed_at, tz) if episode.closed_at else None
                raise Conflict(
                    f"already closed by {names.get(episode.closed_by_id or 0, 'someone')}"
                    + (f" at {when:%a %d %b %H:%M}" if when else "")
                )
            open_items = open_follow_up_count(session, incident_id)
            if open_items:
                raise NotAllowed(
                    f"{open_items} follow-up{'s are' if open_items > 1 else ' is'} still open: "
                    "do, skip or reassign them first"
                )
            if incident.promise_text and incident.promise_status == "pending":
                if settle_promise is None:
                    raise NotAllowed("say whether the promise was kept or broken before closing")
            if not root_cause:
                raise InvalidInput.one("root_cause", "choose a root cause (\"unknown\" if nobody knows)")
            if root_cause not in dict(root_causes_in(session)):
                raise InvalidInput.one("root_cause", f"{root_cause!r} is not on the list of root causes")
            if outcome is not None and outcome not in EPISODE_OUTCOMES:
                raise InvalidInput.one("outcome", "say whether the customer was recovered, not recovered, or unknown")
            if incident.promise_text and incident.promise_status == "pending":
                incident.promise_status = settle_promise
                incident.promise_settled_at = actor.now()
                session.flush()
                audit.record(session, actor, "amend", "incident", incident.id, ("promise_status", "promise_settled_at"))
            episode.status = "closed"
            episode.closed_at = actor.now()
            episode.closed_by_id = actor.staff_id
            episode.root_cause = root_cause
            episode.outcome = outcome or proposed_outcome(session, incident_id)
            session.flush()
            audit.record(session, actor, "close", "episode", episode.id,
                         ("status", "closed_at", "closed_by_id", "root_cause", "outcome"))
            if clear_flag:
                for flag in session.scalars(select(Flag).where(Flag.incident_id == incident_id, Flag.active.is_(True))):
                    deactivate(session, actor, flag)
            return _info(session, incident)
    except StaleDataError:
        raise Conflict("this episode was changed at another terminal meanwhile; look again and retry") from None


def reopen(session: Session, actor: Actor, incident_id: int) -> Episode:
    """Reopen the incident's episode if it was closed (audited); new work never sits in a closed one."""
    episode = episode_for(session, incident_id)
    if episode.status == "closed":
        episode.status = "open"
        episode.closed_at = None
        episode.closed_by_id = None
        episode.root_cause = None  # chosen again at the next close, with what was learnt since
        episode.outcome = None
        episode.reopened_count += 1
        session.flush()
        audit.record(session, actor, "reopen", "episode", episode.id, ("status", "root_cause", "outcome"))
    return episode


def open_checks(session: Session, incident_id: int, kind: str) -> list[FollowUp]:
    return list(
        session.scalars(
            select(FollowUp).where(FollowUp.incident_id == incident_id, FollowUp.kind == kind, FollowUp.status == "open")
        )
    )


def close_checks(session: Session, actor: Actor, rows: list[FollowUp], note: str) -> None:
    for row in rows:
        row.status = "done"
        row.completed_at = actor.now()
        row.completed_by_id = actor.staff_id
        row.note = note
        row.updated_at = actor.now()
        row.updated_by_id = actor.staff_id
        session.flush()
        audit.record(session, actor, "complete", "follow_up", row.id, ("status", "completed_at", "note"))


def settle_promise(session: Session, actor: Actor, incident: Incident, status: str) -> None:
    """Mark the incident's promise kept or broken now; its open promise check is then done (the caller audits
    the incident)."""
    incident.promise_status, incident.promise_settled_at = status, actor.now()
    close_checks(session, actor, open_checks(session, incident.id, "promise_check"), f"promise marked {status}")


def add_follow_ups(session: Session, actor: Actor, incident: Incident, steps: Iterable[PlannedStep]) -> list[FollowUp]:
    """Create follow-ups on an incident (each audited); callers reopen a closed episode first."""
    now = actor.now()
    rows = [
        FollowUp(
            incident_id=incident.id,
            customer_id=incident.customer_id,
            site_id=incident.site_id,
            kind=step.kind,
            channel=step.channel,
            due_at=step.due_at,
            escalation_clock_at=step.due_at,
            local_time=step.local_time,
            owner_id=step.owner_id,
            status="open",
            attempts=0,
            words=step.words,
            created_at=now,
            updated_at=now,
            updated_by_id=actor.staff_id,
        )
        for step in steps
    ]
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit.record(session, actor, "create", "follow_up", row.id, ("kind", "channel", "due_at", "owner_id"))
    return rows


def check_in_tomorrow(actor: Actor, tz: ZoneInfo, incident: Incident, channel: str, words: str) -> PlannedStep:
    """A check-in for the original ally, tomorrow (local) at the playbooks' default hour."""
    tomorrow = timing.local(actor.now(), tz).date() + timedelta(days=1)
    return PlannedStep.model_construct(
        kind="check_in", channel=channel, due_at=timing.at_local(tomorrow, time(DEFAULT_HOUR), tz),
        owner_id=incident.ally_id, words=words,
    )


def reopen_episode(actor: Actor, incident_id: int) -> EpisodeInfo:
    """Reopen a closed episode and give the original ally a check-in tomorrow at 10:00."""
    with actor.store.begin() as session:
        require_staff(session, actor, "work_queue")
        incident = _incident(session, incident_id)
        if episode_for(session, incident_id).status != "closed":
            raise NotAllowed("this episode is already open")
        reopen(session, actor, incident_id)
        step = check_in_tomorrow(actor, actor.zone(session), incident, "call", "The episode was reopened: check in again.")
        add_follow_ups(session, actor, incident, [step])
        return _info(session, incident)
