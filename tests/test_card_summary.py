"""The card's follow-up line agrees with its history (issue 17 item 8), at 80×24.

It read "1 follow-up planned, next Thu 10:00" above two overdue open follow-ups: it counted only
those still ahead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk.clock import FixedClock
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor
from tests.test_greet import url_of
from tests.ui import at_the_stand, make_app, screen_text, settle, type_text, until


def guest_with_two_overdue_and_one_ahead(desk: Actor) -> int:
    tom = next(person.id for person in setup.list_staff(desk.store) if person.name == "Tom")
    guest = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Vera Late"}))
    plan = [{"kind": "check_in", "channel": "call", "due_at": datetime(2026, 11, day, 9, tzinfo=UTC),
             "owner_id": tom} for day in (18, 19, 26)]  # Wed and Thu before Friday 20 Nov; Thu after
    incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": guest, "category": "food", "severity": "moderate", "description": "Cold soup",
        "occurred_at": "18:00", "ally_id": tom, "plan": plan}))
    return guest


async def test_the_follow_up_line_counts_the_overdue_ones_too(sqlite_desk: Actor, clock: FixedClock) -> None:
    guest = guest_with_two_overdue_and_one_ahead(sqlite_desk)
    assert sum(item.status == "open" for item in customers.customer_card(sqlite_desk, guest).follow_ups) == 3
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        greet = await at_the_stand(pilot)
        await type_text(pilot, "Vera")
        await until(pilot, lambda: greet.results.query == "Vera")
        await pilot.press("enter")
        await until(pilot, lambda: greet.card is not None)
        await settle(pilot)
        line = str(greet.query_one("#card-plans").render())
        assert line == "2 follow-ups overdue since Wed 18 Nov 10:00 · 1 planned, next Thu 10:00"
        greet.query_one("#card-plans").scroll_visible(animate=False)
        await settle(pilot)
        assert "2 follow-ups overdue" in screen_text(app)
