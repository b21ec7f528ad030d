"""Engines and transactions: one `Store` per database URL.

Writes go through `Store.begin()`, one user action per transaction (on SQLite
it begins IMMEDIATE, so a read-then-write never fails with a busy snapshot);
reads go through `Store.read()`, which stays deferred. On PostgreSQL every
write transaction also sends one NOTIFY that the change feed listens for,
saying the site and the tables it changed (`store/changes.py`), and
every interactive transaction waits at most `lock_timeout` for a lock and
`statement_timeout` for a statement (`SET LOCAL`, so a transaction pooler is
fine); bulk work (export, upgrades, backups, bench builds) asks for
`bulk=True` and has no limits. A driver failure a person can act on (busy,
full, read-only, damaged, unreachable, upgraded by a newer frontdesk)
becomes one `StoreError` subclass with one sentence; anything else is a bug
and passes through unchanged.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import (
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreFull,
    StoreOutdated,
    StoreReadOnly,
    StoreUnavailable,
)
from frontdesk.paths import default_store_path, private_dir
from frontdesk.store import changes

NOTIFY_CHANNEL = "frontdesk_changes"
CHANNEL_SQL = (f"CASE current_schema() WHEN 'public' THEN '{NOTIFY_CHANNEL}' "
               f"ELSE '{NOTIFY_CHANNEL}:' || current_schema() END")
"""The channel of this store's notices: one per schema, so stores in two schemas of one database (the
test suite's) do not wake each other; the public schema keeps the plain name older terminals listen on."""
NOTIFY_SQL = f"SELECT pg_notify({CHANNEL_SQL}, :payload)"
SQLITE_BUSY_TIMEOUT_S = 30.0
MIGRATION_WAIT_S = 600.0
"""How long an opening terminal waits on SQLite for another one that is upgrading the store (backup included)."""
LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "15s"
IDLE_IN_TRANSACTION_TIMEOUT = "30s"
INTERACTIVE_LIMITS = (
    f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'; "
    f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'"
)
"""Sent first in every interactive PostgreSQL transaction: nothing waits forever, and a
frozen terminal's open transaction is ended by the server instead of holding its locks."""
POOL_SIZE = 1
"""Pooled PostgreSQL connections a terminal keeps open at rest (the terminal setting `pool_size`)."""
POOL_OVERFLOW = 4
"""More connections a burst of workers may open for a moment; closed as soon as they are returned."""
APPLICATION_NAME_MAX = 63
BUSY = "busy at another terminal — try again"
FULL = "the disk holding the store is full: nothing was saved"


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


def prepare_sqlite_file(path: Path, *, create: bool = True) -> None:
    """Create the store file owner-only before SQLite opens it.

    SQLite gives the -wal and -shm files the main file's mode, so a file
    created 0600 keeps all three private under any umask. The default store's
    folder is made 0700 too. With `create=False` a missing file is refused:
    a read-only command given a mistyped path must not leave a new store there.
    """
    if path.exists():
        if not path.is_file():
            raise StoreError(f"{path} is not a file")
        return
    if not create:
        raise StoreError(f"there is no store at {path}: check --db (or FRONTDESK_DATABASE_URL)")
    if path.resolve() == default_store_path().resolve():
        private_dir(path.parent)
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


def newest_backup(path: Path) -> Path | None:
    """The most recent `*.backup-*` copy beside a SQLite store, if any."""
    backups = [candidate for candidate in path.parent.glob(f"{path.name}.backup-*") if candidate.is_file()]
    return max(backups, key=lambda candidate: candidate.stat().st_mtime_ns, default=None)


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
    if mode is not None:  # None: each statement its own transaction, as SQLite runs one outside BEGIN
        connection.exec_driver_sql(f"BEGIN {mode}")


def _postgres_on_begin(connection) -> None:  # type: ignore[no-untyped-def]
    if not connection.get_execution_options().get("frontdesk_bulk"):
        connection.exec_driver_sql(INTERACTIVE_LIMITS)


class Store:
    """A database: its engine, and sessions for reading and for writing."""

    def __init__(self, raw_url: str, *, create: bool = True, terminal: str | None = None,
                 pool_size: int = POOL_SIZE, feed_url: str | None = None) -> None:
        self.url = parse_url(raw_url)
        self.feed_url = parse_url(feed_url) if feed_url else self.url
        """Where the change feed LISTENs: the server itself when `url` goes through a transaction pooler."""
        self.pool_size = pool_size
        self.application_name = f"frontdesk/{terminal}"[:APPLICATION_NAME_MAX] if terminal else "frontdesk"
        """What the server shows for this terminal's connections (pg_stat_activity)."""
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path = sqlite_path(self.url)
        if self.is_sqlite:
            if self.path is None:
                raise StoreError("an in-memory SQLite store would vanish on exit; give a file path")
            prepare_sqlite_file(self.path, create=create)
        self.engine = self._create_engine()
        self.revision: str | None = None
        """The schema revision this process opened the store at (set by `open_store`)."""
        bulk = self.engine.execution_options(frontdesk_bulk=True)
        write = {"sqlite_begin": "IMMEDIATE"} if self.is_sqlite else {}
        snapshot = {} if self.is_sqlite else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(**write), expire_on_commit=False)
        self._bulk_reader = sessionmaker(bulk.execution_options(**snapshot), expire_on_commit=False)
        self._bulk_writer = sessionmaker(bulk.execution_options(**write), expire_on_commit=False)
        self._statements = self.engine.execution_options(sqlite_begin=None) if self.is_sqlite else self.engine
        """For `connect()`: on SQLite no BEGIN (a statement of its own, one round trip less per keystroke)."""

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
            # No prepared statements: one would not outlive a pooled server connection behind a pooler.
            # `pool_size` stay open at rest; a burst of workers may open a few more, closed when returned.
            engine = create_engine(self.url, pool_pre_ping=True, pool_size=self.pool_size,
                                   max_overflow=POOL_OVERFLOW, connect_args=self._postgres_connect_args(self.url))
            event.listen(engine, "begin", _postgres_on_begin)
            return engine
        except NoSuchModuleError:
            raise StoreError(f"no driver for {self.url.drivername}: install frontdesk[pg]") from None
        except ModuleNotFoundError as exc:
            raise StoreError(f"no driver for {self.url.drivername} ({exc.name}): install frontdesk[pg]") from None

    def _postgres_connect_args(self, url: URL) -> dict[str, Any]:
        connect_args: dict[str, Any] = {"prepare_threshold": None}
        if "application_name" not in url.query:  # a URL that names its connections keeps its name
            connect_args["application_name"] = self.application_name
        return connect_args

    def feed_connect_args(self) -> dict[str, Any]:
        """psycopg.connect() keywords for the change feed's own connection (to `feed_url`)."""
        _, arguments = self.engine.dialect.create_connect_args(self.feed_url)
        return {**arguments, **self._postgres_connect_args(self.feed_url)}

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and the title bar."""
        return self.url.render_as_string(hide_password=True)

    def describe(self, exc: DBAPIError) -> str:
        """A driver's failure to reach or use the store, in one line naming the store."""
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig and str(exc.orig).strip() else type(exc).__name__
        if self.is_sqlite:
            if "readonly" in detail or "unable to open" in detail:
                return f"cannot write to {self.path}: the file or its folder is read-only"
            return f"cannot use {self.path}: {detail}"
        if detail.startswith("connection failed:"):  # libpq's "… to server at "host", port N failed: why"
            detail = detail.rsplit(": ", 1)[-1]
        return f"cannot reach {self.display_url}: {detail}"

    def damaged(self) -> StoreDamaged:
        """The store's file is corrupt: say so, and where the newest backup is."""
        if self.path is None:
            return StoreDamaged(f"the store at {self.display_url} reports damaged data: "
                                "ask its administrator to restore it from a backup")
        backup = newest_backup(self.path)
        try:
            with self.path.open("rb") as file:
                sqlite_file = file.read(16) == b"SQLite format 3\x00"
        except OSError:
            sqlite_file = False
        if not sqlite_file and backup is None:
            return StoreDamaged(f"{self.path} is not a frontdesk store (not a database file)")
        where = f"the newest backup is {backup}" if backup else f"no backup was found beside it in {self.path.parent}"
        return StoreDamaged(f"the store {self.path} is damaged (corrupt database): {where}")

    def problem(self, exc: DBAPIError, *, saving: bool = False, committing: bool = False) -> StoreError | None:
        """The StoreError a person should read for a driver failure, or None for a bug.

        `saving`: the failure ended a write ("nothing was saved"); `committing`:
        it came while committing, when the write may or may not have landed.
        """
        if self.is_sqlite:
            return self._sqlite_problem(exc, saving=saving)
        return self._postgres_problem(exc, saving=saving, committing=committing)

    def _sqlite_problem(self, exc: DBAPIError, *, saving: bool) -> StoreError | None:
        code = getattr(exc.orig, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == sqlite3.SQLITE_FULL:
            return StoreFull(FULL)
        if primary == sqlite3.SQLITE_READONLY:
            return StoreReadOnly(f"the store {self.path} is read-only{': nothing was saved' if saving else ''} "
                                 "(check the permissions of the file and its folder, and the disk it is on)")
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return self.damaged()
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(BUSY)
        if primary == sqlite3.SQLITE_ERROR:  # "no such column": a newer frontdesk's schema, or a bug
            return self.outdated()
        if isinstance(exc, OperationalError) and primary != sqlite3.SQLITE_INTERRUPT:
            tail = "nothing was saved, try again in a moment" if saving else "try again in a moment"
            return StoreUnavailable(f"{self.describe(exc)}; {tail}")
        return None

    def _postgres_problem(self, exc: DBAPIError, *, saving: bool, committing: bool) -> StoreError | None:
        state = getattr(exc.orig, "sqlstate", None) or ""
        message = str(exc.orig)
        if state == "53100":
            return StoreFull(FULL)
        if state == "25006":
            return StoreReadOnly(f"the store at {self.display_url} is read-only (a standby server?)"
                                 f"{': nothing was saved' if saving else ''}")
        if state in ("55P03", "40P01", "40001"):
            return StoreBusy(BUSY)
        if state == "57014":
            if "statement timeout" in message:
                return StoreBusy(f"the store took longer than {STATEMENT_TIMEOUT} to answer — try again")
            return None  # cancelled on purpose (a search overtaken by typing): the caller's business
        if state in ("XX001", "XX002"):
            return self.damaged()
        if exc.connection_invalidated or state.startswith(("08", "57P")) or (
            isinstance(exc, OperationalError) and not state
        ):
            if committing:
                tail = "the connection was lost while saving: look whether it was saved before trying again"
            elif saving:
                tail = "nothing was saved, try again in a moment"
            else:
                tail = "try again in a moment"
            return StoreUnavailable(f"{self.describe(exc)}; {tail}")
        if state.startswith("42"):  # undefined table or column: a newer frontdesk's schema, or a bug
            return self.outdated()
        return None

    def outdated(self) -> StoreOutdated | None:
        """StoreOutdated if a newer frontdesk has changed the schema since this process opened it."""
        if self.revision is None:
            return None
        try:
            with self.engine.connect() as connection:
                now = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None
        if now == self.revision:
            return None
        return StoreOutdated(f"frontdesk was upgraded on this store (schema {now}): restart to upgrade")

    @contextmanager
    def begin(self, *, bulk: bool = False) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on error.

        `bulk=True` (imports, demo and bench builds) lifts the PostgreSQL time limits.
        """
        committing = False
        try:
            with (self._bulk_writer if bulk else self._writer)() as session, session.begin():
                session.info[changes.WRITE] = True
                yield session
                if not self.is_sqlite:
                    session.flush()
                    change = changes.collected(session)
                    if change is not None:  # one notice at the commit, saying where and what
                        session.execute(text(NOTIFY_SQL), {"payload": change.payload()})
                committing = True
        except DBAPIError as exc:
            self._saving_failed(exc, committing)

    def _saving_failed(self, exc: DBAPIError, committing: bool) -> NoReturn:
        """A failed write said as one StoreError (or, if no person can act on it, the error itself)."""
        problem = self.problem(exc, saving=True, committing=committing)
        if problem is None:
            raise exc
        raise problem from None

    @contextmanager
    def read(self, *, bulk: bool = False) -> Iterator[Session]:
        """One read-only transaction (deferred on SQLite: it takes no write lock).

        `bulk=True` (export, backups) reads one consistent snapshot with no time
        limits: REPEATABLE READ on PostgreSQL, one read transaction on SQLite.
        """
        with self._reading(), (self._bulk_reader if bulk else self._reader)() as session:
            yield session

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A Core connection for a read that skips the ORM (the search on every keystroke), its
        failures said as `read()` says them. On SQLite each statement on it is a transaction of its
        own (no BEGIN): for one statement, what BEGIN would give, without running BEGIN first."""
        try:  # not `_reading()` around it: one context manager less on every keystroke
            with self._statements.connect() as connection:
                yield connection
        except DBAPIError as exc:
            self._read_failed(exc)

    @contextmanager
    def one_transaction(self) -> Iterator[Store]:
        """This store, with every `begin()` and `read()` joined to one bulk write transaction.

        A build of many service calls (the demo, a first setup) then commits
        whole or not at all: a kill at any moment leaves nothing behind, and
        any error rolls all of it back (so a build looks up what it may not
        do rather than trying and catching). No savepoints: on PostgreSQL
        thousands of them in one transaction cost more than the build. On
        SQLite other writers wait for it, as for any write.
        """
        write = {"sqlite_begin": "IMMEDIATE"} if self.is_sqlite else {}
        committing = False
        try:
            with self.engine.execution_options(frontdesk_bulk=True, **write).connect() as connection:
                with connection.begin():
                    yield _OneTransaction(self, connection)
                    committing = True
        except DBAPIError as exc:
            self._saving_failed(exc, committing)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            self._read_failed(exc)

    def _read_failed(self, exc: DBAPIError) -> NoReturn:
        """A failed read said as one StoreError (or, if no person can act on it, the error itself)."""
        problem = self.problem(exc)
        if problem is None:
            raise exc
        raise problem from None

    @contextmanager
    def migration_lock(self) -> Iterator[Connection]:
        """A transaction holding the store's upgrade lock: whoever comes second waits, then finds it done.

        PostgreSQL: a transaction-scoped advisory lock for this schema.
        SQLite: an exclusive transaction, with foreign keys off while tables
        are rebuilt (SQLite's own recipe for altering a table), checked before
        the commit.
        """
        locked = self.engine.execution_options(frontdesk_bulk=True, sqlite_begin="EXCLUSIVE")
        with locked.connect() as connection:
            raw = connection.connection.driver_connection if self.is_sqlite else None
            if isinstance(raw, sqlite3.Connection):
                raw.execute("PRAGMA foreign_keys=OFF")
                raw.execute(f"PRAGMA busy_timeout={int(MIGRATION_WAIT_S * 1000)}")
            try:
                with connection.begin():
                    if raw is None:
                        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('frontdesk.' || current_schema()))"))
                    yield connection
                    if raw is not None and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise StoreError("the upgrade would leave broken references; nothing was changed")
            finally:
                if isinstance(raw, sqlite3.Connection):
                    raw.execute("PRAGMA foreign_keys=ON")
                    raw.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")

    def dispose(self) -> None:
        self.engine.dispose()


class _OneTransaction(Store):
    """A store view whose sessions all join one connection's transaction (see `Store.one_transaction`)."""

    def __init__(self, outer: Store, connection: Connection) -> None:  # a view of `outer`: no engine of its own
        self.__dict__.update(outer.__dict__)
        self._connection = connection
        joined = sessionmaker(connection, expire_on_commit=False, join_transaction_mode="rollback_only")
        self._reader = self._writer = self._bulk_reader = self._bulk_writer = joined

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._reading():
            yield self._connection

    @contextmanager
    def one_transaction(self) -> Iterator[Store]:
        yield self  # already one
