"""Small query helpers that services share; each receives the session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from frontdesk.errors import StoreBusy
from frontdesk.store.db import BUSY, LOCK_TIMEOUT

from frontdesk.store.models import (
    Category,
    Episode,
    FollowUp,
    Incident,
    Site,
    Staff,
    Visit,
)

T = TypeVar("T")


def staff_names(session: Session) -> dict[int, str]:
    """Every staff member's name by id (a small table, read whole)."""
    return {row.id: row.name for row in session.execute(select(Staff.id, Staff.name))}


NEUTRAL_LABEL = "Care"
"""What a sensitive category is called where a guest may read the screen ("Care follow-up · 20 Nov")."""


def category_labels(session: Session, *, neutral: bool = False) -> dict[str, str]:
    """Category key to its on-screen label (a small table, read whole); `neutral`: sensitive ones say "Care"."""
    rows = session.execute(select(Category.key, Category.label, Category.sensitive))
    return {row.key: NEUTRAL_LABEL if neutral and row.sensitive else row.label for row in rows}


def sensitive_categories(session: Session) -> set[str]:
    return set(session.scalars(select(Category.key).where(Category.sensitive.is_(True))))


def sites_by_id(session: Session) -> dict[int, Site]:
    return {site.id: site for site in session.scalars(select(Site))}


def for_change(session: Session, model: type[T], record_id: int) -> T | None:
    """The row a write is about to change, locked FOR UPDATE in a write transaction on PostgreSQL.

    A second terminal changing the same row then waits for the first to
    commit and reads the new version, so its own check finds the change and
    names it; without the lock both pass the check and the second UPDATE
    fails on the version column (a StaleDataError). SQLite's IMMEDIATE write
    transactions already take turns (FOR UPDATE is not rendered there).
    """
    locking = bool(session.info.get("write"))
    if not locking:
        return session.get(model, record_id)
    return _within_lock_budget(
        session, lambda: session.get(model, record_id, with_for_update=True, populate_existing=True)
    )


def _within_lock_budget(session: Session, lock: Callable[[], T]) -> T:
    """Run `lock` (a locking read) so that all its lock waits together take at most `lock_timeout`.

    `lock_timeout` counts each wait on its own, and a terminal queued behind
    another waiter inherits the row's tuple lock from it and then waits again
    for the frozen holder: up to twice as long. A statement timeout on the
    locking statement alone bounds the whole; it is put back afterwards.
    """
    if session.get_bind().dialect.name != "postgresql":
        return lock()
    previous = session.scalar(
        text("SELECT current_setting('statement_timeout') || left(set_config('statement_timeout', :budget, true), 0)"),
        {"budget": LOCK_TIMEOUT},
    )
    try:
        result = lock()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "57014":
            raise StoreBusy(BUSY) from None
        raise
    session.execute(text("SELECT set_config('statement_timeout', :previous, true)"), {"previous": previous})
    return result


def open_visit(session: Session, customer_id: int, site_id: int) -> Visit | None:
    statement = (
        select(Visit)
        .where(Visit.customer_id == customer_id, Visit.site_id == site_id, Visit.checked_out_at.is_(None))
        .order_by(Visit.checked_in_at.desc())
        .limit(1)
    )
    return session.scalars(statement).first()


def open_follow_up_count(session: Session, incident_id: int) -> int:
    statement = select(func.count()).where(FollowUp.incident_id == incident_id, FollowUp.status == "open")
    return session.scalar(statement) or 0


def episode_for(session: Session, incident_id: int) -> Episode:
    """The incident's episode; in a write transaction its row is locked (FOR UPDATE).

    Closing an episode and adding a follow-up to it then take turns on
    PostgreSQL, so a close can never miss a follow-up added meanwhile.
    (SQLite's IMMEDIATE write transactions already take turns.)
    """
    statement = select(Episode).where(Episode.incident_id == incident_id)
    if not session.info.get("write"):
        return session.scalars(statement).one()
    return _within_lock_budget(session, lambda: session.scalars(statement.with_for_update()).one())


def visit_at(session: Session, customer_id: int, site_id: int, instant: datetime) -> Visit | None:
    """The customer's visit at the site that spans `instant` (for linking an incident).

    Read through the customer's visits (ix_visits_customer_id_checked_in_at).
    SQLite keeps no statistics on a store, and from migration 0013 on it
    walked the site's visits back from `instant` instead (by
    ix_visits_site_id_checked_in_at_customer_id, for every deposition: 36 ms
    on a 100k-customer store): `site_id + 0` is SQLite's way of keeping a
    term out of the index choice.
    """
    statement = (
        select(Visit)
        .where(
            Visit.customer_id == customer_id,
            Visit.site_id + 0 == site_id,
            Visit.checked_in_at <= instant,
            (Visit.checked_out_at.is_(None)) | (Visit.checked_out_at >= instant),
        )
        .order_by(Visit.checked_in_at.desc())
        .limit(1)
    )
    return session.scalars(statement).first()


class Described(Protocol):
    """What a summary line reads: an Incident, or a row of these columns (a page read without ORM objects)."""

    @property
    def category(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def description(self) -> str | None: ...


def summary_line(incident: Described, width: int = 80) -> str:
    """An incident in one line: "food · major · Soup arrived cold".

    Built from the stored words and the customer-typed description; screens
    still render it literally.
    """
    first_line = (incident.description or "").splitlines()[0] if incident.description else ""
    text = f"{incident.category} · {incident.severity} · {first_line}"
    return text if len(text) <= width else text[: width - 1] + "…"


REPEAT_WINDOW = timedelta(days=30)
"""A later incident for the same customer this soon after an episode closed makes it a repeat (issue 15)."""


def repeat_of(closed_at: datetime | None, later: list[tuple[int, datetime]]) -> int | None:
    """The first of the customer's incidents (id, occurred at) that happened after the episode closed and no more
    than REPEAT_WINDOW after; None for an open episode or none such.

    One that happened while the episode was still open is not a repeat: the
    closer saw it on the card; a repeat is a failure after the customer was
    thought recovered.
    """
    if closed_at is None:
        return None
    return next((other_id for other_id, at in sorted(later, key=lambda pair: pair[1])
                 if closed_at < at <= closed_at + REPEAT_WINDOW), None)


def repeat_in(session: Session, incident: Incident, episode: Episode) -> int | None:
    """`repeat_of` for one incident, reading the customer's incidents in the window after its episode closed."""
    if incident.customer_id is None or episode.status != "closed" or episode.closed_at is None:
        return None
    later = session.execute(
        select(Incident.id, Incident.occurred_at)
        .where(Incident.customer_id == incident.customer_id, Incident.occurred_at > episode.closed_at,
               Incident.occurred_at <= episode.closed_at + REPEAT_WINDOW)
    ).all()
    return repeat_of(episode.closed_at, [(row.id, row.occurred_at) for row in later])
