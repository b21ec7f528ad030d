"""Audit events: who did what to which record. Ids and field names only.

Nothing personal is written here, so erasing a customer leaves no trace in
the audit trail. A transaction's events are written together, in one
INSERT, just before it commits: a deposition records about ten of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert
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


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(PENDING, [])
    if pending:
        session.execute(insert(AuditEvent), pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
