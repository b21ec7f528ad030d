"""Who is acting, where, and when: passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.clock import Clock
from frontdesk.errors import NotAllowed, NotFound
from frontdesk.store.db import Store
from frontdesk.store.models import Site, Staff

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """The terminal's view of the world: its store, clock, site, name and staff member."""

    store: Store
    clock: Clock
    site_id: int
    terminal: str
    staff_id: int | None = None
    store_authority: bool = False
    """A command run from a shell: no staff member, every role check passes (see services/authority.py)."""
    pin_always: bool = False
    """Sign-in here always needs a PIN, whatever the store's require_pin says (a terminal served to a browser)."""

    def now(self) -> datetime:
        return self.clock.now()

    def as_staff(self, staff_id: int | None) -> Actor:
        return replace(self, staff_id=staff_id)

    def site(self, session: Session) -> Site:
        site = session.get(Site, self.site_id)
        if site is None:
            raise NotFound(f"site {self.site_id} does not exist")
        return site

    def zone(self, session: Session) -> ZoneInfo:
        return timing.zone(self.site(session).time_zone)

    def staff(self, session: Session) -> Staff:
        """The staff member at the terminal; every write is attributed to them."""
        if self.staff_id is None:
            raise NotAllowed("sign in at this terminal first")
        staff = session.get(Staff, self.staff_id)
        if staff is None or not staff.active:
            raise NotAllowed("the staff member at this terminal is no longer active")
        return staff

