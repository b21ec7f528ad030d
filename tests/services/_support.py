"""Plain helpers shared by the service tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from frontdesk.services.context import Actor
from frontdesk.store.models import FollowUp


def utc(*parts: int) -> datetime:
    """An aware UTC instant: utc(2026, 11, 20, 18, 30)."""
    return datetime(*parts, tzinfo=UTC)


def follow_ups_of(actor: Actor, incident_id: int) -> list[FollowUp]:
    """The incident's follow-ups in due order, as detached rows (for status checks)."""
    with actor.store.read() as session:
        return list(
            session.scalars(
                select(FollowUp).where(FollowUp.incident_id == incident_id).order_by(FollowUp.due_at, FollowUp.id)
            )
        )


def step(kind: str, due_at: datetime, owner_id: int, channel: str = "call") -> Mapping[str, Any]:
    """One edited plan step, as the incident screen submits it."""
    return {"kind": kind, "channel": channel, "due_at": due_at, "owner_id": owner_id}
