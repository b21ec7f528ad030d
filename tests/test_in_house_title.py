"""The in-house list says whom it counts (issue 17 item 6), at 120×40 where it showed.

"In house now · 5" was read as five guests in the house while nine were: it counts only those
with a flag or an incident today, and now says so.
"""

from __future__ import annotations

from frontdesk.clock import FixedClock
from frontdesk.services import customers
from frontdesk.services.context import Actor
from frontdesk.widgets.in_house import InHouseList
from tests.test_greet import greet_scene, url_of
from tests.ui import at_the_stand, make_app, screen_text


async def test_the_title_counts_the_guests_listed_and_says_who_they_are(sqlite_desk: Actor, clock: FixedClock) -> None:
    ids = greet_scene(sqlite_desk)
    customers.check_in(sqlite_desk, ids["jose"])  # in house, no flag, no incident: not listed
    in_house = customers.in_house(sqlite_desk)
    assert len(in_house) == 3 and ids["jose"] not in {guest.customer_id for guest in in_house}
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        greet = await at_the_stand(pilot)
        title = str(greet.query_one(InHouseList).render()).splitlines()[0]
        assert title == "In house with a flag or incident · 3"
        assert title in screen_text(app)
