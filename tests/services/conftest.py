"""Fixtures for the service tests: staff by name, customers, depositions and extra sites.

Everything goes through the services (as a screen would), so the tests check
the product's rules and not the store's internals; the few places that read
tables directly say why.

`store_url` is overridden here for speed only. On PostgreSQL, running Alembic
for every test costs about 0.25 s: the statements one real migration executes
are recorded once per session and replayed into each test's fresh schema
(the same tables at the same revision; `open_store` still checks it), and a
helper thread makes the next schemas and drops used ones while tests run.
SQLite keeps the shared template copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from frontdesk.schemas.inputs import SiteInput
from frontdesk.schemas.reads import LogResult
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor

@pytest.fixture
def staff(desk: Actor) -> dict[str, int]:
    """Staff ids by name: Maria (manager), Lena (lead), Tom (staff), Hana (host)."""
    return {info.name: info.id for info in setup.list_staff(desk.store)}


@pytest.fixture
def as_staff(desk: Actor, staff: dict[str, int]) -> Callable[[str], Actor]:
    """The desk's terminal with someone else at it: as_staff("Lena")."""
    return lambda name: desk.as_staff(staff[name])


@pytest.fixture
def new_customer(desk: Actor) -> Callable[..., int]:
    """Create a customer through the services (parsed with the site's phone region)."""

    def make(name: str = "Ana García", actor: Actor | None = None, **details: Any) -> int:
        actor = actor or desk
        return customers.create_customer(actor, customers.parse_customer(actor, {"name": name, **details}))

    return make


@pytest.fixture
def log(desk: Actor) -> Callable[..., LogResult]:
    """Log a full deposition, parsed as the incident screen would."""

    def make(actor: Actor | None = None, **fields: Any) -> LogResult:
        actor = actor or desk
        data: dict[str, Any] = {"category": "food", "severity": "minor", "description": "Soup arrived cold"}
        data.update(fields)
        return incidents.log_incident(actor, incidents.parse_incident(actor, data))

    return make


@pytest.fixture
def add_site(desk: Actor) -> Callable[..., Actor]:
    """Another site on the same store, with Maria at its terminal "desk"."""

    def make(name: str, time_zone: str, region: str = "US", currency: str = "USD") -> Actor:
        site = setup.add_site(
            desk.store, desk.clock,
            SiteInput.parse({"name": name, "time_zone": time_zone, "phone_region": region, "currency": currency}),
            "desk",
        )
        return Actor(desk.store, desk.clock, site.id, "desk", desk.staff_id)

    return make
