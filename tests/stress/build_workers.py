"""Child processes for the atomic-build kills: open a store as the CLI does, then set it up or build the demo,
saying how far they got so the test can kill them inside the work."""

from __future__ import annotations

import time
from typing import Any

from frontdesk.clock import SystemClock
from frontdesk.demo.restaurant import build_demo
from frontdesk.schemas.inputs import SiteInput, StaffInput
from frontdesk.services import setup
from frontdesk.store.migrate import open_store

SITE = {"name": "Bistro Berlin", "time_zone": "Europe/Berlin", "phone_region": "DE", "currency": "EUR"}
FIRST_STAFF = {"name": "Maria"}


def build(url: str, command: str, send: Any) -> None:
    store = open_store(url)
    send.send(("opened",))
    if command == "setup":
        add_staff = setup.add_staff

        def slow_add_staff(*args: Any, **kwargs: Any) -> Any:
            send.send(("progress", 1.0))
            time.sleep(0.3)  # the site is written, its first staff member not yet: the kill lands between
            return add_staff(*args, **kwargs)

        setup.add_staff = slow_add_staff  # type: ignore[assignment]
        setup.setup_store(store, SystemClock(), SiteInput.parse(SITE), StaffInput.parse(FIRST_STAFF), "stand")
    else:
        build_demo(store, SystemClock(), terminal="stand", progress=lambda done: send.send(("progress", done)))
    send.send(("done",))
