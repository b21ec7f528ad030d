"""Proof under bad input, random keys and failures: shared helpers.

`seed_shop` writes a small but complete Friday evening through the services
(a few dozen rows: customers with names that look like markup, guests in
house, flags, alerts from another terminal, due and overdue follow-ups, a
quick log, an unknown guest), so keys and texts reach real actions quickly;
the demo restaurant is far too slow to build for every run. `store_problems`
is the store's consistency check, `crash_entries` reads the crash log, and
`rendered` / `action_styles` read what a widget really drew.
(A package, so its module names do not clash with the rest of tests/.)
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from frontdesk.clock import FixedClock
from frontdesk.schemas.inputs import FlagInput, OutcomeInput
from frontdesk.services import customers, flags, followups, incidents, setup
from frontdesk.services.context import Actor
from frontdesk.store.db import Store
from frontdesk.store.models import (
    Alert,
    AuditEvent,
    Customer,
    Episode,
    Flag,
    FlagAcknowledgement,
    FollowUp,
    FollowUpAttempt,
    Incident,
    Visit,
)

HOSTILE_NAMES = (
    "Smith [/]",
    "[@click=app.quit]x[/]",
    "[bold]Bo[/bold] \u202eredli\u202c",
    "[link=https://evil.example]Mallory[/link]",
    "O'Brien [",
    "Zoë \U0001f469\u200d\U0001f373 Okafor",
    "\u674e\u5c0f\u9f8d",
    "Ärger\u200b Müller \u2066[red]\u2069",
)
"""Names a real desk meets (and a few it should survive): markup, bidi, zero-width, emoji, CJK."""


@dataclass
class Shop:
    """What `seed_shop` made: ids by a short name."""

    desk: Actor
    staff: dict[str, int]
    customers: dict[str, int] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)


def at(desk: Actor, instant: datetime, terminal: str | None = None, staff_id: int | None = None) -> Actor:
    """The desk at another moment (to write history in the past), or at another terminal."""
    return Actor(desk.store, FixedClock(instant), desk.site_id, terminal or desk.terminal,
                 staff_id if staff_id is not None else desk.staff_id)


def seed_shop(desk: Actor) -> Shop:
    """A Friday evening at Bistro Berlin, through the services (about forty service calls)."""
    now = desk.now()
    staff = {info.name: info.id for info in setup.list_staff(desk.store)}
    shop = Shop(desk, staff)

    def customer(key: str, name: str, number: int, **details: Any) -> int:
        data = {"name": name, "phone": f"+49 30 5550{number:04d}", **details}
        shop.customers[key] = customers.create_customer(at(desk, now - timedelta(days=60)),
                                                        customers.parse_customer(desk, data))
        return shop.customers[key]

    def log(key: str, actor: Actor, **fields: Any) -> int:
        data = {"category": "food", "severity": "minor", "description": "Soup arrived cold", **fields}
        shop.incidents[key] = incidents.log_incident(actor, incidents.parse_incident(actor, data)).incident_id
        return shop.incidents[key]

    ana = customer("ana", "Ana García", 1, email="ana@example.com", consent_call=True, consent_post=True,
                   postal_address="Hauptstraße 1\n10115 Berlin", notes="Prefers the window [table]")
    smith = customer("smith", HOSTILE_NAMES[0], 2, consent_call=True, consent_text=True)
    click = customer("click", HOSTILE_NAMES[1], 3, email="x@example.com", consent_email=True)
    bold = customer("bold", HOSTILE_NAMES[2], 4, postal_address="[b]Torstraße[/b] 9\n10119 Berlin",
                    consent_post=True)
    mallory = customer("mallory", HOSTILE_NAMES[3], 5)
    for number, name in enumerate(HOSTILE_NAMES[4:], 6):
        customer(f"guest{number}", name, number)
    bar = at(desk, now - timedelta(minutes=10), terminal="bar", staff_id=staff["Lena"])

    for key, minutes in (("smith", 50), ("click", 35), ("bold", 20), ("guest7", 5)):
        customers.check_in(at(desk, now - timedelta(minutes=minutes)), shop.customers[key])
    old_visit = customers.check_in(at(desk, now - timedelta(days=9, hours=2)), ana)
    customers.check_out(at(desk, now - timedelta(days=9)), old_visit)

    nine_days = now - timedelta(days=9, hours=1)
    log("ana", at(desk, nine_days + timedelta(minutes=5)), customer_id=ana, occurred_at=nine_days,
        description="Corked bottle of Riesling [again]", remedy_kind="replaced")
    first = incidents.incident_detail(desk, shop.incidents["ana"]).follow_ups[0]
    followups.complete(at(desk, nine_days + timedelta(days=1)), first.id, None,
                       OutcomeInput.parse({"outcome": "reached_satisfied", "note": "All good [really]"}))
    two_days = now - timedelta(days=2, hours=2)
    log("smith", at(desk, two_days + timedelta(minutes=5)), customer_id=smith, occurred_at=two_days,
        severity="moderate", description="Wrong wine served [bold]twice[/]", reaction="Upset \u202ebut polite",
        promise_text="A free dessert [next time]", promise_due_at="+3d", promise_likelihood="likely")
    log("click", bar, customer_id=click, occurred_at=now - timedelta(minutes=40), severity="major",
        category="wait", description="Waited 50 minutes for a table [@click=app.quit]despite[/] a booking",
        handoff_to="kitchen [lead]", handoff_expected_at="+1d", remedy_kind="comped", remedy_cost="24.00",
        product="Tasting menu [7 courses]", location="table 4")
    yesterday = now - timedelta(days=1, hours=3)
    log("bold", at(desk, yesterday + timedelta(minutes=5), terminal="bar"), customer_id=bold, occurred_at=yesterday,
        severity="critical", category="safety", description="Allergen in the dessert\n[red]nut traces[/red]",
        flag={"headline": "Allergy [nuts] · manager first", "message": "Ask about the dessert\ttwice",
              "greeting": "Manager greets [them]"})
    log("guest6", desk, customer_id=shop.customers["guest6"], occurred_at=now - timedelta(hours=3),
        description="Bill was wrong", category="billing",
        plan=[{"kind": "wrap_up", "channel": "note", "due_at": now + timedelta(hours=2), "owner_id": desk.staff_id,
               "words": "Thank them [warmly]"},
              {"kind": "check_in", "channel": "call", "due_at": now - timedelta(hours=1), "owner_id": staff["Tom"],
               "words": None}])
    shop.incidents["quick"] = incidents.quick_log(bar, incidents.parse_quick_log(bar, {
        "guest_description": "Man in a grey coat [table 9]", "category": "service", "severity": "moderate",
        "description": "Waited long for the bill", "occurred_at": "19:00",
    })).incident_id
    flags.raise_flag(desk, mallory, FlagInput.parse({"headline": "Regular [VIP]", "message": "Likes the corner",
                                                    "greeting": None}))
    return shop


def store_problems(store: Store) -> list[str]:
    """The store's consistency rules; an empty list when every one holds.

    Every follow-up belongs to an incident (and to its customer), every
    incident has exactly one episode, no closed episode has an open
    follow-up, and the audit trail covers every change: one "create" per
    customer, incident, follow-up, flag and alert; a check-in per visit and
    a check-out per ended visit; a completion or skip per finished
    follow-up, an attempt per try, a close per closed episode, a clear per
    cleared flag, an acknowledgement per read flag and acknowledged alert;
    and no row changed since its creation (version above 1) without an
    audited change to it or to its incident (a customer's last visit is
    stamped by the audited check-in).
    """
    problems: list[str] = []
    with store.read() as session:
        incident_rows = {row.id: row for row in session.scalars(select(Incident))}
        episodes = list(session.scalars(select(Episode)))
        follow_ups = list(session.scalars(select(FollowUp)))
        flag_rows = list(session.scalars(select(Flag)))
        alert_rows = list(session.scalars(select(Alert)))
        visit_rows = list(session.scalars(select(Visit)))
        customer_rows = list(session.scalars(select(Customer)))
        acks = Counter(session.scalars(select(FlagAcknowledgement.flag_id)))
        attempts = Counter(session.scalars(select(FollowUpAttempt.follow_up_id)))
        audit = Counter(
            (row.action, row.record_type, row.record_id)
            for row in session.execute(select(AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id))
        )
    changed = Counter((record_type, record_id) for action, record_type, record_id in audit if action != "create")

    def audited(record_type: str, record_id: int, *actions: str) -> int:
        return sum(audit[(action, record_type, record_id)] for action in actions)

    per_incident = Counter(episode.incident_id for episode in episodes)
    for incident_id in incident_rows:
        if per_incident[incident_id] != 1:
            problems.append(f"incident {incident_id} has {per_incident[incident_id]} episodes")
    open_items = Counter(row.incident_id for row in follow_ups if row.status == "open")
    for episode in episodes:
        if episode.incident_id not in incident_rows:
            problems.append(f"episode {episode.id} has no incident")
        if episode.status == "closed" and open_items[episode.incident_id]:
            problems.append(f"episode {episode.id} is closed with {open_items[episode.incident_id]} open follow-ups")
        if episode.status == "closed" and not audited("episode", episode.id, "close"):
            problems.append(f"episode {episode.id} was closed without an audit event")
    for row in follow_ups:
        incident = incident_rows.get(row.incident_id)
        if incident is None:
            problems.append(f"follow-up {row.id} belongs to no incident")
        elif row.customer_id != incident.customer_id:
            problems.append(f"follow-up {row.id} is for customer {row.customer_id}, its incident for "
                            f"{incident.customer_id}")
        if row.status == "done" and not audited("follow_up", row.id, "complete"):
            problems.append(f"follow-up {row.id} was done without an audit event")
        if row.status == "skipped" and not audited("follow_up", row.id, "skip"):
            problems.append(f"follow-up {row.id} was skipped without an audit event")
        if attempts[row.id] > audited("follow_up", row.id, "attempt", "complete"):
            problems.append(f"follow-up {row.id} has {attempts[row.id]} tries and fewer audit events")
    for row in flag_rows:
        if row.incident_id is not None and row.incident_id in incident_rows \
                and incident_rows[row.incident_id].customer_id != row.customer_id:
            problems.append(f"flag {row.id} is on customer {row.customer_id}, its incident is another's")
        if not row.active and not audited("flag", row.id, "clear"):
            problems.append(f"flag {row.id} was cleared without an audit event")
        if acks[row.id] != audited("flag", row.id, "acknowledge"):
            problems.append(f"flag {row.id}: {acks[row.id]} acknowledgements, "
                            f"{audited('flag', row.id, 'acknowledge')} audit events")
    for row in alert_rows:
        if row.acknowledged_at is not None and not audited("alert", row.id, "acknowledge"):
            problems.append(f"alert {row.id} was acknowledged without an audit event")
    for row in visit_rows:
        if audited("visit", row.id, "check_in") != 1:
            problems.append(f"visit {row.id} has {audited('visit', row.id, 'check_in')} check-in audit events")
        if row.checked_out_at is not None and not audited("visit", row.id, "check_out", "auto_check_out"):
            problems.append(f"visit {row.id} ended without an audit event")
    created: dict[str, list[Any]] = {"customer": customer_rows, "incident": list(incident_rows.values()),
                                     "follow_up": follow_ups, "flag": flag_rows, "alert": alert_rows}
    for record_type, rows in created.items():
        ids = {row.id for row in rows}
        for row in rows:
            if audit[("create", record_type, row.id)] != 1:
                problems.append(f"{record_type} {row.id} has {audit[('create', record_type, row.id)]} "
                                f"creation audit events")
        for action, audited_type, record_id in audit:
            if action == "create" and audited_type == record_type and record_id not in ids:
                problems.append(f"{record_type} {record_id} was audited as created but is not in the store")
    versioned: dict[str, list[Any]] = {**created, "visit": visit_rows, "episode": episodes}
    visited = {row.customer_id for row in visit_rows}  # a check-in stamps the customer's last visit
    for record_type, rows in versioned.items():
        for row in rows:
            incident_id = getattr(row, "incident_id", None)
            if row.version > 1 and not changed[(record_type, row.id)] and not (
                    incident_id is not None and changed[("incident", incident_id)]) and not (
                    record_type == "customer" and row.id in visited):
                problems.append(f"{record_type} {row.id} is at version {row.version} with no audited change")
    return problems


def crash_entries() -> list[str]:
    """The crash log's entries (one header line each), from FRONTDESK_LOG_DIR."""
    path = Path(os.environ["FRONTDESK_LOG_DIR"]) / "crash.log"
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("[")]
