"""Lost races are conflicts on both backends, and a person is on file once (issue 13, items 3 and 4).

Two terminals (processes) read the same customer or incident, meet at a
barrier, then both change it with the version they read: one wins, the other
is told who changed it and when; an apology (a StaleDataError, say) counts as
a failure. Four terminals then put the same forty guests on file at the same
instant, each typing the name its own way: one customer per guest.
"""

# ruff: noqa: F811
from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.schemas.inputs import CustomerInput
from frontdesk.services import customers, incidents
from frontdesk.services.context import Actor
from frontdesk.store.models import Customer
from tests.stress import conflict_workers
# The fixtures `children` and `deep` come from the concurrency tests (imported, not redefined: F811 is theirs).
from tests.stress.test_concurrency import Children, add_terminals, backend, children, deep  # noqa: F401

pytestmark = pytest.mark.stress

TOLD = re.compile(r" (?:was|were) changed by (?P<who>Racer \d) at \d\d:\d\d \(racer-\d+\) meanwhile; ")


def _race(desk: Actor, store_url: str, children: Children, kind: str, ids: list[int]) -> tuple[Counter[str], list[str]]:
    # Amending an incident the desk logged needs a lead; anyone may edit a customer.
    first, second = add_terminals(desk, 2, "Racer", role="lead" if kind == "amend" else "staff")
    barrier = children.ctx.Barrier(2)
    now = desk.clock.now().isoformat()
    for staff_id in (first, second):
        children.start(conflict_workers.race_edits, store_url, now, desk.site_id, staff_id, kind, ids, children.go,
                       barrier)
    children.start_all_at_once()
    one, two = children.results()
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for record_id, a, b in zip(ids, one, two, strict=True):
        outcomes = sorted((a[0], b[0]))
        if "error" in outcomes:
            tally["apologies"] += 1
            wrong.append(f"{record_id}: {a[1] or b[1]}")
        elif outcomes == ["conflict", "won"]:
            tally["one won"] += 1
            loser, winner = (a, "Racer 2") if a[0] == "conflict" else (b, "Racer 1")
            told = TOLD.search(loser[1])
            if not (told and told["who"] == winner):
                wrong.append(f"{record_id}: the loser was told {loser[1]!r}")
        else:
            tally["both" if outcomes == ["won", "won"] else "neither"] += 1
            wrong.append(f"{record_id}: {outcomes}")
    return tally, wrong


def rounds_for(desk: Actor, deep: bool) -> int:
    """Races per test: 100 on PostgreSQL (where they used to end in apologies), 50 on SQLite; 1,000 with --deep."""
    return 1000 if deep else 50 if desk.store.is_sqlite else 100


def _records(desk: Actor, kind: str, rounds: int) -> list[int]:
    """Customers, or incidents, one per race."""
    if kind == "customer":
        return [customers.create_customer(desk, CustomerInput.parse({"name": f"Guest {n}"}, region="DE"))
                for n in range(rounds)]
    return [incidents.log_incident(desk, incidents.parse_incident(desk, {
        "category": "food", "severity": "minor", "description": f"Race {n}: soup cold", "plan": []})).incident_id
        for n in range(rounds)]


@pytest.mark.parametrize("kind", ["customer", "amend"])
def test_edit_races_are_conflicts(desk: Actor, store_url: str, children: Children, show: Any, deep: bool,
                                  kind: str) -> None:
    """Customer edits and incident amends: one terminal wins each race, the other is told who and when."""
    rounds = rounds_for(desk, deep)
    ids = _records(desk, kind, rounds)
    started = time.perf_counter()
    tally, wrong = _race(desk, store_url, children, kind, ids)
    show(f"{rounds} {'customer-edit' if kind == 'customer' else 'amend'} races ({backend(desk)}): "
         f"{tally['one won']} one won and the other was told who changed it and when, {tally['apologies']} apologies, "
         f"{tally['both'] + tally['neither']} other · {time.perf_counter() - started:.1f} s")
    assert wrong == [], wrong[:10]
    assert tally["one won"] == rounds


def test_same_phone_creates_make_one_customer(desk: Actor, store_url: str, children: Children, show: Any,
                                              deep: bool) -> None:
    """Four terminals put the same guests on file at once, each typing the name its own way."""
    guests = 200 if deep else 40
    terminals = add_terminals(desk, 4, "Racer")
    spellings = (str, str.lower, str.upper, lambda name: "  ".join(name.split()))
    barrier = children.ctx.Barrier(len(terminals))
    now = desk.clock.now().isoformat()
    for staff_id, spell in zip(terminals, spellings, strict=True):
        people = [(spell(f"Guest Número {n}"), f"+49 30 555{n:04d}") for n in range(guests)]
        children.start(conflict_workers.race_creates, store_url, now, desk.site_id, staff_id, people, children.go,
                       barrier)
    started = time.perf_counter()
    children.start_all_at_once()
    results = children.results()
    seconds = time.perf_counter() - started
    with desk.store.read() as session:
        per_phone = Counter(dict(session.execute(
            select(Customer.phone, func.count()).group_by(Customer.phone)).all()))
    duplicates = sum(count - 1 for count in per_phone.values())
    outcomes = Counter(kind for terminal in results for kind, _ in terminal)
    winners = [[result for terminal in results for result in [terminal[n]] if result[0] == "won"]
               for n in range(guests)]
    misnamed = [n for n in range(guests) for terminal in results
                if terminal[n][0] == "told" and winners[n] and terminal[n][1] != winners[n][0][1]]
    show(f"{guests} guests × {len(terminals)} terminals adding them at once ({backend(desk)}): "
         f"{len(per_phone)} customers, {duplicates} duplicates, {outcomes['told']} told who is on file, "
         f"{outcomes['error']} errors · {seconds:.1f} s")
    assert outcomes["error"] == 0, [r for t in results for r in t if r[0] == "error"][:5]
    assert duplicates == 0 and len(per_phone) == guests
    assert outcomes["won"] == guests and outcomes["told"] == guests * (len(terminals) - 1)
    assert misnamed == []
