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

import os
import queue
import secrets
import shutil
import threading
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
    """The test schema's URL; commits skip waiting for the WAL flush (durability, not visibility or locking)."""
    assert PG_URL
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def _recorded_migration(dsn: str) -> list[str]:
    """The statements that migrating an empty PostgreSQL schema executes (DDL and the revision row)."""
    import psycopg
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from frontdesk.store.migrate import open_store

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
    return statements


class SchemaPool:
    """Fresh migrated schemas made a little ahead, and used ones dropped, on two helper threads.

    Creating and dropping a schema is mostly waiting for the server's disk;
    done beside the running test, it stays off the suite's clock.
    """

    AHEAD = 2

    def __init__(self, dsn: str, migration: list[str]) -> None:
        self._dsn, self._migration = dsn, migration
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=self.AHEAD)
        self._used: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._make, daemon=True),
                         threading.Thread(target=self._drop, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _make(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self._dsn, options="-csynchronous_commit=off") as connection:
                while not self._stopping.is_set():
                    schema = f"t_{secrets.token_hex(6)}"
                    with connection.transaction():
                        connection.execute(f"CREATE SCHEMA {schema}")
                        connection.execute(f"SET LOCAL search_path TO {schema}")
                        for statement in self._migration:
                            connection.execute(statement)
                    while True:
                        try:
                            self._ready.put(schema, timeout=0.2)
                            break
                        except queue.Full:
                            if self._stopping.is_set():
                                self._used.put(schema)
                                return
        except BaseException as exc:  # noqa: BLE001 - handed to the test that waits for a schema
            self._ready.put(exc)

    def _drop(self) -> None:
        import psycopg

        with psycopg.connect(self._dsn, autocommit=True, options="-csynchronous_commit=off") as connection:
            while (schema := self._used.get()) is not None:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def take(self) -> str:
        item = self._ready.get(timeout=60)
        if isinstance(item, BaseException):
            raise item
        return item

    def give_back(self, schema: str) -> None:
        self._used.put(schema)

    def close(self) -> None:
        self._stopping.set()
        self._threads[0].join(30)
        while not self._ready.empty():
            item = self._ready.get()
            if isinstance(item, str):
                self._used.put(item)
        self._used.put(None)
        self._threads[1].join(60)


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[SchemaPool]:
    pool = SchemaPool(_pg_dsn(), _recorded_migration(_pg_dsn()))
    yield pool
    pool.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty store URL on each backend (a fresh schema per PostgreSQL test)."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copyfile(_sqlite_template, path)
        os.chmod(path, 0o600)
        yield f"sqlite:///{path}"
        return
    pool: SchemaPool = request.getfixturevalue("_pg_schemas")
    schema = pool.take()
    try:
        yield _schema_url(schema)
    finally:
        pool.give_back(schema)


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
