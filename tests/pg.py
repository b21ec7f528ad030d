"""The test PostgreSQL server: its URL, one URL builder for a schema on it, fresh schemas, and a pool of
migrated ones.

Tests read FRONTDESK_TEST_DATABASE_URL and skip with a reason when it is
unset; with FRONTDESK_TEST_REQUIRE_PG=1 (CI sets it when the server answers)
they fail instead, so a broken connection cannot pass as green. Each test
gets its own schema, named in the URL's search_path, so a second process
given the same URL sees the same tables.

Running Alembic for every test costs about 0.25 s: the pool records the
statements one real migration executes, once per session, and replays them
into each test's fresh schema (the same tables at the same revision;
`open_store` still checks it), while helper threads make the next schemas
and drop used ones.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading

import pytest

PG_URL = os.environ.get("FRONTDESK_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("FRONTDESK_TEST_REQUIRE_PG") == "1"
NO_PG_REASON = "FRONTDESK_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"


def pg_url() -> str:
    """The server's URL; skips the test without one (fails it under FRONTDESK_TEST_REQUIRE_PG=1)."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("FRONTDESK_TEST_REQUIRE_PG=1 but FRONTDESK_TEST_DATABASE_URL is not set")
        pytest.skip(NO_PG_REASON)
    return PG_URL


def pg_dsn() -> str:
    """The server's URL for psycopg itself."""
    return pg_url().replace("postgresql+psycopg://", "postgresql://")


def pg_schema_url(base: str, schema: str) -> str:
    """A URL whose connections use `schema`; commits skip waiting for the WAL flush
    (durability after a power cut is the server's business, not what a test checks)."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def new_pg_schema() -> tuple[str, str]:
    """A fresh, empty schema on the test server: (its name, a URL that uses it)."""
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(pg_dsn(), autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    return schema, pg_schema_url(pg_url(), schema)


def drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(pg_dsn(), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def recorded_migration(dsn: str) -> list[str]:
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
        open_store(pg_schema_url(pg_url(), schema)).dispose()
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
