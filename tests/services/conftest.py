"""Fixtures for the service tests: staff by name, customers, depositions and extra sites.

Everything goes through the services (as a screen would), so the tests check
the product's rules and not the store's internals; the few places that read
tables directly say why.

`store_url` is overridden here for speed only: on PostgreSQL, running Alembic
for every test costs about 0.25 s, so the statements one real migration
executes are recorded once per session and replayed into each test's fresh
schema (about a tenth of the time). The result is the same schema at the
same revision; `open_store` still checks it. SQLite keeps the shared
template copy.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from frontdesk.schemas.inputs import SiteInput
from frontdesk.schemas.reads import LogResult
from frontdesk.services import customers, incidents, setup
from frontdesk.services.context import Actor

PG_URL = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("FRONTDESK_TEST_REQUIRE_PG") == "1"


def _pg_dsn() -> str:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("FRONTDESK_TEST_REQUIRE_PG=1 but FRONTDESK_TEST_DATABASE_URL is not set")
        pytest.skip("FRONTDESK_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def _schema_url(schema: str) -> str:
    assert PG_URL
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def _pg_migration() -> Iterator[list[str]]:
    """The statements that migrating an empty PostgreSQL schema executes (DDL and the revision row)."""
    import psycopg
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from frontdesk.store.migrate import open_store

    dsn = _pg_dsn()
    schema = f"t_{secrets.token_hex(6)}"
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("SELECT"):
            assert not parameters, statement
            statements.append(statement)

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    event.listen(Engine, "before_cursor_execute", record)
    try:
        open_store(_schema_url(schema)).dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
    assert any("alembic_version" in statement and "INSERT" in statement for statement in statements)
    yield statements


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty store URL on each backend (a fresh schema per PostgreSQL test)."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(_sqlite_template, path)
        os.chmod(path, 0o600)
        yield f"sqlite:///{path}"
        return
    import psycopg

    dsn = _pg_dsn()
    migration = request.getfixturevalue("_pg_migration")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(dsn) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET LOCAL search_path TO {schema}")
        for statement in migration:
            connection.execute(statement)
    try:
        yield _schema_url(schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


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
