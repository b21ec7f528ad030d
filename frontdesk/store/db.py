"""Engines and transactions: one `Store` per database URL.

Writes go through `Store.begin()`, one user action per transaction (on SQLite
it begins IMMEDIATE, so a read-then-write never fails with a busy snapshot);
reads go through `Store.read()`, which stays deferred. On PostgreSQL every
write transaction also sends a NOTIFY that the change feed listens for.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import StoreError
from frontdesk.paths import default_store_path, private_dir

NOTIFY_CHANNEL = "frontdesk_changes"
SQLITE_BUSY_TIMEOUT_S = 30.0


def default_url() -> str:
    return f"sqlite:///{default_store_path()}"


def parse_url(raw: str) -> URL:
    """Parse a database URL; a plain postgresql:// one gets the psycopg 3 driver."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StoreError(f"not a database URL: {raw!r} (expected e.g. sqlite:///path/to/frontdesk.db)") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql")
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def prepare_sqlite_file(path: Path) -> None:
    """Create the store file owner-only before SQLite opens it.

    SQLite gives the -wal and -shm files the main file's mode, so a file
    created 0600 keeps all three private under any umask. The default store's
    folder is made 0700 too.
    """
    if path.resolve() == default_store_path().resolve():
        private_dir(path.parent)
    if path.exists():
        if not path.is_file():
            raise StoreError(f"{path} is not a file")
        return
    if not path.parent.is_dir():
        raise StoreError(f"folder {path.parent} does not exist")
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except PermissionError:
        raise StoreError(f"cannot create {path}: the folder is not writable") from None
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}") from None
    os.close(fd)


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Take transaction control from the sqlite3 module, so BEGIN is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_on_begin(connection) -> None:  # type: ignore[no-untyped-def]
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """A database: its engine, and sessions for reading and for writing."""

    def __init__(self, raw_url: str) -> None:
        self.url = parse_url(raw_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path = sqlite_path(self.url)
        if self.is_sqlite:
            if self.path is None:
                raise StoreError("an in-memory SQLite store would vanish on exit; give a file path")
            prepare_sqlite_file(self.path)
        self.engine = self._create_engine()
        self._write_engine = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)

    def _create_engine(self) -> Engine:
        try:
            if self.is_sqlite:
                engine = create_engine(
                    self.url,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                    pool_size=8,
                    max_overflow=8,
                )
                event.listen(engine, "connect", _sqlite_on_connect)
                event.listen(engine, "begin", _sqlite_on_begin)
                return engine
            return create_engine(self.url, pool_pre_ping=True, pool_size=8, max_overflow=8)
        except NoSuchModuleError:
            raise StoreError(f"no driver for {self.url.drivername}: install frontdesk[pg]") from None
        except ModuleNotFoundError as exc:
            raise StoreError(f"no driver for {self.url.drivername} ({exc.name}): install frontdesk[pg]") from None

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and the title bar."""
        return self.url.render_as_string(hide_password=True)

    def describe(self, exc: OperationalError) -> str:
        """A driver's failure to reach or use the store, in one line naming the store."""
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if self.is_sqlite:
            if "readonly" in detail or "unable to open" in detail:
                return f"cannot write to {self.path}: the file or its folder is read-only"
            return f"cannot use {self.path}: {detail}"
        return f"cannot reach {self.display_url}: {detail}"

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on error."""
        try:
            with self._writer() as session, session.begin():
                session.info["write"] = True
                yield session
                if not self.is_sqlite:
                    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        except OperationalError as exc:
            raise StoreError(f"{self.describe(exc)}; nothing was saved, try again in a moment") from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction (deferred on SQLite: it takes no write lock)."""
        try:
            with self._reader() as session:
                yield session
        except OperationalError as exc:
            raise StoreError(f"{self.describe(exc)}; try again in a moment") from None

    def dispose(self) -> None:
        self.engine.dispose()
