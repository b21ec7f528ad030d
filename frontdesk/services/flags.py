"""Flags on a customer's file: acknowledge (every time, recorded), clear (a lead), raise by hand."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from frontdesk import timing
from frontdesk.errors import Conflict, NotFound
from frontdesk.schemas.inputs import FlagInput
from frontdesk.schemas.vocab import FlagLevel
from frontdesk.services import audit
from frontdesk.services.authority import require, require_staff
from frontdesk.services.context import Actor
from frontdesk.store.models import Customer, Flag, FlagAcknowledgement, Incident
from frontdesk.store.queries import for_change, sensitive_categories, staff_names


def _flag(session: Session, flag_id: int) -> Flag:
    """The flag, locked for the write: a clear and an acknowledgement at two terminals take turns."""
    flag = for_change(session, Flag, flag_id)
    if flag is None:
        raise NotFound(f"flag {flag_id} does not exist")
    return flag


def _cleared(session: Session, actor: Actor, flag: Flag) -> Conflict:
    """Who cleared the flag, and when: "already cleared by Lena at Fri 20 Nov 19:42"."""
    names = staff_names(session)
    when = timing.local(flag.cleared_at, actor.zone(session)) if flag.cleared_at else None
    return Conflict(f"already cleared by {names.get(flag.cleared_by_id or 0, 'someone')}"
                    + (f" at {when:%a %d %b %H:%M}" if when else ""))


def acknowledge_flag(actor: Actor, flag_id: int) -> None:
    """Record that the person at this terminal has read the flag; the flag stays active."""
    acknowledge_flags(actor, (flag_id,))


def deactivate(session: Session, actor: Actor, flag: Flag) -> None:
    flag.active = False
    flag.cleared_at = actor.now()
    flag.cleared_by_id = actor.staff_id
    session.flush()
    audit.record(session, actor, "clear", "flag", flag.id, ("active", "cleared_at", "cleared_by_id"))


def clear_flag(actor: Actor, flag_id: int) -> None:
    """Clear a flag (a shift lead or manager, at any time)."""
    try:
        with actor.store.begin() as session:
            require(session, actor, "clear_flag")
            flag = _flag(session, flag_id)
            if not flag.active:
                raise _cleared(session, actor, flag)
            deactivate(session, actor, flag)
    except StaleDataError:
        with actor.store.read() as session:
            flag = _flag(session, flag_id)
            if not flag.active:
                raise _cleared(session, actor, flag) from None
            raise Conflict(f"this flag was changed {audit.changed_meanwhile(session, actor, 'flag', flag_id)}"
                           "; look again") from None


def raise_flag(actor: Actor, customer_id: int, data: FlagInput, level: FlagLevel = "care") -> int:
    """Flag a customer's file by hand, without an incident."""
    with actor.store.begin() as session:
        staff = require_staff(session, actor, "log_incident")
        if session.get(Customer, customer_id) is None:
            raise NotFound(f"customer {customer_id} is not on file")
        flag = Flag(
            customer_id=customer_id, incident_id=None, level=level, headline=data.headline, message=data.message,
            greeting=data.greeting, active=True, created_at=actor.now(), created_by_id=staff.id,
        )
        session.add(flag)
        session.flush()
        audit.record(session, actor, "create", "flag", flag.id, ("level", "headline", "message", "greeting"))
        return flag.id


def acknowledge_flags(actor: Actor, flag_ids: Sequence[int]) -> None:
    """Record that the person at this terminal has read every flag on the card, all or none.

    The host reads the card's flags together, so one key records them together.
    A flag cleared at another terminal since the card was read is not
    acknowledged: the host is told who cleared it and when.
    """
    with actor.store.begin() as session:
        staff = require_staff(session, actor, "acknowledge")
        for flag_id in flag_ids:
            flag = _flag(session, flag_id)
            if not flag.active:
                raise _cleared(session, actor, flag)
            session.add(FlagAcknowledgement(
                flag_id=flag.id, staff_id=staff.id, site_id=actor.site_id, terminal=actor.terminal,
                acknowledged_at=actor.now(),
            ))
            session.flush()
            audit.record(session, actor, "acknowledge", "flag", flag.id, ("acknowledged_at",))


def view_story(actor: Actor, customer_id: int) -> int:
    """Record that the story of the customer's sensitive incidents was opened (F6); how many were.

    Allergies and injuries are health data: who read them, and when, is
    kept as `view_story` events on the incidents, ids only.
    """
    with actor.store.begin() as session:
        actor.staff(session)
        incident_ids = list(session.scalars(
            select(Incident.id)
            .where(Incident.customer_id == customer_id, Incident.category.in_(sensitive_categories(session)))
            .order_by(Incident.id)
        ))
        for incident_id in incident_ids:
            audit.record(session, actor, "view_story", "incident", incident_id)
        return len(incident_ids)
