"""Audit events: who did what to which record. Ids and field names only.

Nothing personal is written here, so erasing a customer leaves no trace in
the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent


def record(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int,
    fields: Iterable[str] = (),
) -> None:
    session.add(
        AuditEvent(
            at=actor.now(),
            staff_id=actor.staff_id,
            site_id=actor.site_id or None,
            terminal=actor.terminal,
            action=action,
            record_type=record_type,
            record_id=record_id,
            fields=",".join(sorted(fields)) or None,
        )
    )
