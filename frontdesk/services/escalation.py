"""Escalation: overdue follow-ups rise to the site's leads, then to its managers (issue 15 item 1).

The rule, per site (its settings `escalate_lead_after_days` and
`escalate_manager_after_days`): a follow-up open that many local days after
its escalation clock started (`FollowUp.escalation_clock_at`, the first due
time, same local time of day) gets `escalation` 1, then 2. Three unanswered
attempts also set 1 (services/followups.py). Only a lead's or manager's
reschedule with a reason, or a reassignment, restarts the clock (and drops
the level back to 0); the owner's attempts and reschedules move `due_at`
only, so overdue work cannot be hidden by moving it.

The level is stored, not computed in each query: `escalate_due` raises
every follow-up that has crossed a threshold, stamps `escalated_at` with the
instant it crossed (so the result does not depend on when a terminal
happened to look: a pinned clock gives the same answer every time) and
audits one `escalate` per step. It runs for the sites shown: when the
queue loads (in the queue's own read), with the alert bar of a lead's or
manager's terminal, before a report and before `frontdesk escalations`
lists; it reads first and takes the write lock only when something rose, so
running it often costs two small queries per site (migration 0014's index
finds the few candidates near a threshold). Levels only rise here, in short
batches that lock their rows with SKIP LOCKED and raise only what is still as
read (`raise_levels`), with an UPDATE that does not bump the row's version: a
lead's dialog open on the item is not made stale by the clock.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple, TextIO, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from frontdesk import timing
from frontdesk.schemas.reads import EscalatedItem, EscalationCounts
from frontdesk.schemas.vocab import LEAD_ATTENTION_ATTEMPTS, label
from frontdesk.services import audit
from frontdesk.services.authority import allows, require
from frontdesk.services.context import Actor
from frontdesk.services.settings import site_value
from frontdesk.store.models import Customer, FollowUp, Incident, Site, SiteSetting, Staff
from frontdesk.store.queries import staff_names, summary_line

LEVEL_WORDS = {1: "leads", 2: "managers"}
THRESHOLDS_KEPT = 65_536
"""Thresholds remembered (two per follow-up near one): a few MB at most."""


@lru_cache(maxsize=THRESHOLDS_KEPT)
def threshold(clock_at: datetime, days: int, tz: ZoneInfo) -> datetime:
    """`days` local days after the clock started, at the same local time of day.

    Kept (a pure function of its arguments): the follow-ups within a day of a
    threshold are read again on every queue load, and converting each one's
    local day and time was about a third of `escalate_due` (cProfile of 50
    queue loads at 10,000 open follow-ups: 71,000 conversions, 4.7 of 16.4 s).
    """
    wall = timing.local(clock_at, tz)
    return timing.at_local(wall.date() + timedelta(days=days), wall.time().replace(tzinfo=None), tz)


def level_due(clock_at: datetime, now: datetime, tz: ZoneInfo, lead_days: int,
              manager_days: int) -> tuple[int, datetime | None]:
    """The level the overdue rule gives at `now`, and the instant it was reached."""
    for level, days in ((2, manager_days), (1, lead_days)):
        crossed = threshold(clock_at, days, tz)
        if crossed <= now:
            return level, crossed
    return 0, None


NEAR = timedelta(hours=2)
"""How far past the exact boundary the candidate filter reaches when no clock change is near it."""


def candidate_cut(now: datetime, tz: ZoneInfo, days: int) -> datetime:
    """Clock starts before this instant may have crossed `days` by `now` (`level_due` says which did).

    The boundary is the instant whose local day and time are `days` before
    now's; a clock started later has not crossed. Near a change of the zone's
    offset (a day either side of the boundary or of now) that can be off by
    the change, so the filter then keeps the day's margin it always had;
    otherwise two hours. A day's margin returned every follow-up within a
    day of a threshold on every queue load (about 710 at 10,000 open), each
    converted twice in Python; two hours return about a twelfth of them.
    """
    day = timedelta(days=1)
    steady = all(
        (moment - day).astimezone(tz).utcoffset() == (moment + day).astimezone(tz).utcoffset()
        for moment in (now, now - timedelta(days=days))
    )
    if not steady:
        return now - timedelta(days=days - 1)
    wall = timing.local(now, tz)
    return timing.at_local(wall.date() - timedelta(days=days), wall.time().replace(tzinfo=None), tz) + NEAR


RULES = ("escalate_lead_after_days", "escalate_manager_after_days")


class Rise(NamedTuple):
    """A follow-up that crossed a threshold: its level was `was` at clock `clock_at`, it rose to `level` at `crossed`."""

    follow_up_id: int
    was: int
    clock_at: datetime
    level: int
    crossed: datetime


_LEAD, _MANAGER = aliased(SiteSetting), aliased(SiteSetting)
_SITE_RULES = (
    select(Site.id, Site.time_zone, _LEAD.value, _MANAGER.value)
    .outerjoin(_LEAD, and_(_LEAD.site_id == Site.id, _LEAD.name == RULES[0]))
    .outerjoin(_MANAGER, and_(_MANAGER.site_id == Site.id, _MANAGER.name == RULES[1]))
)
"""Each site's zone and its two thresholds as stored (None: not set), built once: aliases cost to build."""


def due_in(session: Session, now: datetime, site_id: int | None) -> tuple[dict[int, ZoneInfo], list[Rise]]:
    """Each site's zone, and what crossed a threshold by `now` at one site (None: at every site), read only.

    Two small queries for one site (one more for each further site): the
    sites with their two settings, then each site's candidates, written per
    level so the index on (site, status, level, clock) reads the few near a
    threshold, not every open follow-up.
    """
    zones: dict[int, ZoneInfo] = {}
    found = []
    for site, zone, lead_text, manager_text in session.execute(
            _SITE_RULES if site_id is None else _SITE_RULES.where(Site.id == site_id)):
        tz = zones[site] = timing.zone(zone)
        lead_days = int(site_value(RULES[0], lead_text) or 0)
        manager_days = int(site_value(RULES[1], manager_text) or 0)
        # A candidate filter only; the exact local-day test is below.
        lead_cut = candidate_cut(now, tz, lead_days)
        manager_cut = candidate_cut(now, tz, manager_days)
        open_at = (FollowUp.site_id == site, FollowUp.status == "open")
        rows = session.execute(
            select(FollowUp.id, FollowUp.escalation, FollowUp.escalation_clock_at).where(or_(
                and_(*open_at, FollowUp.escalation == 0, FollowUp.escalation_clock_at < max(lead_cut, manager_cut)),
                and_(*open_at, FollowUp.escalation == 1, FollowUp.escalation_clock_at < manager_cut)))
        ).all()
        for row in rows:
            level, crossed = level_due(row.escalation_clock_at, now, tz, lead_days, manager_days)
            if crossed is not None and level > row.escalation:
                found.append(Rise(row.id, row.escalation, row.escalation_clock_at, level, crossed))
    return zones, found


ESCALATION_BATCH = 50
"""Follow-ups raised per write transaction: a backlog's catch-up (746 at one site of the bench's store) holds
each row's lock for one short batch, not for the whole run (issue 19: 12-35 s under load, and the site's
terminals completing a follow-up waited on it past `lock_timeout`)."""


def raise_levels(actor: Actor, rises: list[Rise]) -> int:
    """Write what `due_in` found, in batches of `ESCALATION_BATCH`, each its own transaction.

    Each batch first locks its rows (PostgreSQL: FOR UPDATE SKIP LOCKED) and
    raises only those still as read: a row another terminal holds is left to
    it (it is escalating it, or changing it, and the next read raises what is
    still due, at the same `escalated_at`), so two terminals loading a site's
    queue at once never wait on each other and never raise a row twice. On
    SQLite the IMMEDIATE write transaction already holds the store.
    """
    clock = replace(actor, staff_id=None)
    ordered = sorted(rises, key=lambda rise: rise.follow_up_id)
    return sum(_raise_batch(actor, clock, ordered[start:start + ESCALATION_BATCH])
               for start in range(0, len(ordered), ESCALATION_BATCH))


_FOLLOW_UPS = cast(Table, FollowUp.__table__)
_RAISE = (
    update(_FOLLOW_UPS)
    .where(_FOLLOW_UPS.c.id == bindparam("rise_id"))
    .values(escalation=bindparam("rise_level"), escalated_at=bindparam("rise_at"))
)
"""One guarded row's rise (Core, so the row's version is not bumped: a dialog open on it does not go stale)."""


def _raise_batch(actor: Actor, clock: Actor, rises: list[Rise]) -> int:
    by_id = {rise.follow_up_id: rise for rise in rises}
    with actor.store.begin() as session:
        held = session.execute(
            select(FollowUp.id, FollowUp.status, FollowUp.escalation, FollowUp.escalation_clock_at)
            .where(FollowUp.id.in_(by_id))
            .order_by(FollowUp.id)
            .with_for_update(skip_locked=True)
        ).all()
        mine = [by_id[row.id] for row in held if row.status == "open"
                and (row.escalation, row.escalation_clock_at) == (by_id[row.id].was, by_id[row.id].clock_at)]
        if not mine:
            return 0
        session.execute(_RAISE, [{"rise_id": rise.follow_up_id, "rise_level": rise.level, "rise_at": rise.crossed}
                                 for rise in mine])
        for rise in mine:
            audit.record(session, clock, "escalate", "follow_up", rise.follow_up_id, ("escalated_at", "escalation"))
    return len(mine)


def escalate_due(actor: Actor, site_id: int | None = None) -> int:
    """Raise every open follow-up at a site (None: at every site) that crossed a threshold; returns how many rose.

    Idempotent: run again at the same instant, it finds nothing. Audited as
    `escalate` with no staff member (the clock did it), at this terminal.
    A level and the instant it was reached do not depend on when this runs,
    so each reader raises the sites it shows and no others.
    """
    with actor.store.read() as session:
        _, rises = due_in(session, actor.now(), site_id)
    return raise_levels(actor, rises) if rises else 0


def attempts_escalate(row: FollowUp, now: datetime) -> bool:
    """Three unanswered attempts raise a follow-up to the leads; True when this one just rose."""
    if row.attempts >= LEAD_ATTENTION_ATTEMPTS and row.escalation < 1:
        row.escalation, row.escalated_at = 1, now
        return True
    return False


def restart_clock(session: Session, actor: Actor, row: FollowUp, start: datetime) -> bool:
    """A lead's or manager's action: the clock counts from `start` again and the level drops to 0.

    The owner's own actions (and a shell's) never restart it. True when it restarted.
    """
    if actor.staff_id is None:
        return False
    staff = session.get(Staff, actor.staff_id)
    if staff is None or not allows(staff.role, "work_queue"):
        return False
    row.escalation_clock_at, row.escalation, row.escalated_at = start, 0, None
    return True


def counts(actor: Actor, *, all_sites: bool = False) -> EscalationCounts:
    """Open follow-ups at each level (this site's, or every site's), after raising what is due there."""
    escalate_due(actor, None if all_sites else actor.site_id)
    with actor.store.read() as session:
        conditions = [FollowUp.status == "open", FollowUp.escalation > 0]
        if not all_sites:
            conditions.append(FollowUp.site_id == actor.site_id)
        by_level: dict[int, int] = {level: count for level, count in session.execute(
            select(FollowUp.escalation, func.count()).where(*conditions).group_by(FollowUp.escalation))}
        return EscalationCounts(leads=by_level.get(1, 0), managers=by_level.get(2, 0))


def notice(role: str | None, found: EscalationCounts) -> str:
    """The alert bar's words for this person ("" for nothing): a lead hears of level 1; a manager of both levels,
    as what sits with the leads is theirs to chase too ("!! 3 escalated (managers 1, leads 2)")."""
    number = found.leads + found.managers if role == "manager" else found.leads
    if not number:
        return ""
    what = f"{number} follow-up{'s' if number != 1 else ''} escalated"
    if role != "manager" or not found.managers:
        return f"! {what} to the leads · F4: the queue"
    if not found.leads:
        return f"!! {what} to the managers · F4: the queue"
    # Short enough for the bar at 80 columns beside the alerts' count: "F4: the queue" must stay in view.
    return f"!! {number} escalated (managers {found.managers}, leads {found.leads}) · F4: the queue"


def escalations(actor: Actor) -> list[EscalatedItem]:
    """Everything escalated and still open, at every site, managers' first, then the longest escalated.

    For `frontdesk escalations` (a scheduled mail, a wall screen): run from a
    shell it acts with the store's authority; at a terminal it is a lead's.
    """
    with actor.store.read() as session:
        require(session, actor, "work_queue")  # before the escalation writes anything
    escalate_due(actor)
    with actor.store.read() as session:
        names = staff_names(session)
        sites = {site.id: site.name for site in session.scalars(select(Site))}
        rows = session.execute(
            select(FollowUp, Incident, Customer.name)
            .join(Incident, Incident.id == FollowUp.incident_id)
            .outerjoin(Customer, Customer.id == FollowUp.customer_id)
            .where(FollowUp.status == "open", FollowUp.escalation > 0)
            .order_by(FollowUp.escalation.desc(), FollowUp.escalated_at, FollowUp.id)
        ).all()
        return [
            EscalatedItem(
                follow_up_id=row.id, incident_id=row.incident_id, site=sites.get(row.site_id, "?"),
                escalation=row.escalation, escalated_at=row.escalated_at, due_at=row.due_at,
                overdue_since=row.escalation_clock_at, kind=row.kind, channel=row.channel,
                owner=names.get(row.owner_id, "?"), attempts=row.attempts, customer=name,
                about=summary_line(incident),
            )
            for row, incident, name in rows
        ]


JSON_KEYS = ("follow_up_id", "incident_id", "site", "escalation", "escalated_at", "due_at", "overdue_since", "kind",
             "channel", "owner", "attempts", "customer", "about")
"""`frontdesk escalations --format json`: a list of objects with exactly these keys (README)."""


def write_escalations(items: list[EscalatedItem], out: TextIO, form: str, actor: Actor) -> None:
    """The list as JSON (every key; times ISO 8601 UTC) or as text lines that name no guest.

    The text is for a wall screen guests may see: level, site, what, owner
    and since when, in the site's local time; the JSON is for a mail to the
    managers and carries the guest's name and the incident's first line.
    """
    if form == "json":
        rows = [{key: (value.isoformat() if isinstance(value, datetime) else value)
                 for key, value in item.model_dump(include=set(JSON_KEYS)).items()} for item in items]
        json.dump([{key: row[key] for key in JSON_KEYS} for row in rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    if not items:
        out.write("Nothing is escalated.\n")
        return
    with actor.store.read() as session:
        zones = {site.name: timing.zone(site.time_zone) for site in session.scalars(select(Site))}
    for item in items:
        tz = zones.get(item.site, ZoneInfo("UTC"))
        since = f"{timing.local(item.escalated_at, tz):%a %d %b %H:%M}" if item.escalated_at else "?"
        out.write(f"{'!' * item.escalation:<2} {item.site} · follow-up {item.follow_up_id} · {label(item.kind)} "
                  f"by {label(item.channel)} · owner {item.owner} · due "
                  f"{timing.local(item.due_at, tz):%a %d %b %H:%M} · to the {LEVEL_WORDS[item.escalation]} "
                  f"since {since}\n")
