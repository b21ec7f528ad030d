"""Drafts: a form's content saved as it is typed, per terminal, offered back after a crash."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from frontdesk.services.context import Actor
from frontdesk.store.models import Draft


def save_draft(actor: Actor, kind: str, payload: dict[str, Any]) -> None:
    """Keep the latest content of this terminal's `kind` form (one draft per form)."""
    text = json.dumps(payload, ensure_ascii=False, default=str)
    with actor.store.begin() as session:
        draft = session.scalars(select(Draft).where(Draft.terminal == actor.terminal, Draft.kind == kind)).first()
        if draft is None:
            session.add(Draft(terminal=actor.terminal, kind=kind, payload=text, staff_id=actor.staff_id,
                              updated_at=actor.now()))
        else:
            draft.payload = text
            draft.staff_id = actor.staff_id
            draft.updated_at = actor.now()


def load_draft(actor: Actor, kind: str) -> tuple[dict[str, Any], datetime] | None:
    """This terminal's saved draft of `kind` and when it was last saved, if any."""
    with actor.store.read() as session:
        draft = session.scalars(select(Draft).where(Draft.terminal == actor.terminal, Draft.kind == kind)).first()
        if draft is None:
            return None
        return json.loads(draft.payload), draft.updated_at


def discard_draft(actor: Actor, kind: str) -> None:
    with actor.store.begin() as session:
        session.execute(delete(Draft).where(Draft.terminal == actor.terminal, Draft.kind == kind))
