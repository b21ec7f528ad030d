"""Audit events: who did what to which record. Ids and field names only.

Nothing personal is written here, so erasing a customer leaves no trace in
the audit trail. A transaction's events are written together, in one
INSERT, just before it commits: a deposition records about ten of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent

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
    from frontdesk import timing
    from frontdesk.store.models import Staff

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
