"""Drafts: a form's content saved as it is typed, per terminal and person, offered back after a crash or a lock.

A draft is known by its terminal, the kind of form and the person typing
(`DraftKey`): when another person signs in after a lock, the first person's
draft stays theirs, offered at their next sign-in, and the newcomer's typing
is kept beside it. Saving what a draft held (`log_incident`, `amend_incident`,
`quick_log`) drops the draft in the same transaction (`discard_in`): a kill
between the two can no longer offer a saved incident back as a draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.orm import Session

from frontdesk.config import WEB_TERMINAL_PREFIX
from frontdesk.services.context import Actor
from frontdesk.store.models import Draft


@dataclass(frozen=True)
class DraftKey:
    """Which draft: one per terminal, kind of form and person."""

    terminal: str
    kind: str
    staff_id: int | None


def draft_key(actor: Actor, kind: str) -> DraftKey:
    """The actor's draft of `kind` at their terminal."""
    return DraftKey(actor.terminal, kind, actor.staff_id)


def _is(key: DraftKey) -> ColumnElement[bool]:
    return and_(Draft.terminal == key.terminal, Draft.kind == key.kind,
                Draft.staff_id.is_(None) if key.staff_id is None else Draft.staff_id == key.staff_id)


def save_draft(actor: Actor, kind: str, payload: dict[str, Any]) -> None:
    """Keep the latest content of the actor's `kind` form at this terminal (one draft per form and person)."""
    text = json.dumps(payload, ensure_ascii=False, default=str)
    with actor.store.begin() as session:
        draft = session.scalars(select(Draft).where(_is(draft_key(actor, kind)))).first()
        if draft is None:
            session.add(Draft(terminal=actor.terminal, kind=kind, payload=text, staff_id=actor.staff_id,
                              updated_at=actor.now()))
        else:
            draft.payload = text
            draft.updated_at = actor.now()


def load_draft(actor: Actor, kind: str, *, from_any_tab: bool = False) -> tuple[dict[str, Any], datetime] | None:
    """The actor's saved draft of `kind` at this terminal and when it was last saved, if any.

    `from_any_tab` (a terminal served to a browser, where each tab is a new terminal): with none here, the
    newest draft of `kind` that the signed-in person left in another browser tab moves to this terminal
    (in one transaction, so two tabs never both take it) and is returned. Drafts of other people, and of
    named terminals (a kiosk keeps its own for its restart), are never taken.
    """
    claims = from_any_tab and actor.staff_id is not None
    with actor.store.begin() if claims else actor.store.read() as session:
        draft = session.scalars(select(Draft).where(_is(draft_key(actor, kind)))).first()
        if draft is None and claims:
            draft = session.scalars(
                select(Draft)
                .where(Draft.kind == kind, Draft.staff_id == actor.staff_id,
                       Draft.terminal.startswith(WEB_TERMINAL_PREFIX, autoescape=True))
                .order_by(Draft.updated_at.desc(), Draft.id.desc())
                .with_for_update()
            ).first()
            if draft is not None:
                draft.terminal = actor.terminal
        if draft is None:
            return None
        payload: dict[str, Any] = json.loads(draft.payload)
        return payload, draft.updated_at


def discard_draft(actor: Actor, kind: str) -> None:
    """Throw the actor's `kind` draft away (they discarded the form)."""
    with actor.store.begin() as session:
        discard_in(session, draft_key(actor, kind))


def discard_in(session: Session, key: DraftKey) -> None:
    """Drop a draft inside the caller's transaction: what saves its content commits with it."""
    session.execute(delete(Draft).where(_is(key)))
