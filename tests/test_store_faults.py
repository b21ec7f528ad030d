"""When the store misbehaves: time limits, lost connections, full disks, read-only and damaged stores.

Each failure a person can act on becomes one StoreError subclass with one
sentence (never an apology); a lost connection, pooled or the change feed's,
is replaced by itself. The shared PostgreSQL server is never stopped: a
server that goes away and comes back is played by a loopback forwarder
(tests/pg_proxy.py).
"""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from frontdesk.clock import FixedClock
from frontdesk.errors import (
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreFull,
    StoreOutdated,
    StoreReadOnly,
    StoreUnavailable,
)
from frontdesk.schemas.inputs import CustomerInput
from frontdesk.services import customers, search
from frontdesk.services.context import Actor
from frontdesk.store import db, feed, queries
from frontdesk.store.db import Store
from frontdesk.store.migrate import backup_sqlite, open_store
from frontdesk.store.models import Customer
from tests.conftest import set_up_desk
from tests.pg_proxy import PgProxy


def dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def with_name(url: str, name: str) -> str:
    """The URL with an application_name, so the test can find (and end) this store's own connections."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def terminate(url: str, name: str, *, listening: bool | None = None) -> int:
    """End the server sessions named `name` (only the feed's LISTEN one, or only the others); how many."""
    condition = {None: "", True: " AND query LIKE 'LISTEN%%'", False: " AND query NOT LIKE 'LISTEN%%'"}[listening]
    with psycopg.connect(dsn(url), autocommit=True) as connection:
        return len(connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE application_name = %s AND pid <> pg_backend_pid(){condition}", (name,)).fetchall())


@pytest.fixture
def pg_url(pg_schemas: Callable[[], str]) -> str:
    """An empty PostgreSQL schema of its own (skipped, or failed under FRONTDESK_TEST_REQUIRE_PG, without a server)."""
    return pg_schemas()


@pytest.fixture
def pg_desk(pg_url: str, clock: FixedClock) -> Iterator[Actor]:
    store = open_store(with_name(pg_url, f"fd_{secrets.token_hex(4)}"))
    yield set_up_desk(store, clock)  # type: ignore[misc]
    store.dispose()


def app_name(store: Store) -> str:
    return str(store.url.query["application_name"])


def new_guest(actor: Actor, name: str = "Ana García") -> int:
    return customers.create_customer(actor, CustomerInput.parse({"name": name}, region="DE"))


def rename(actor: Actor, customer_id: int, name: str) -> None:
    card = customers.customer_card(actor, customer_id)
    customers.edit_customer(actor, customer_id, card.version, CustomerInput.parse({"name": name}, region="DE"))


# -- nothing waits forever ----------------------------------------------------------------------


def test_interactive_postgresql_transactions_are_time_limited_and_bulk_ones_are_not(pg_desk: Actor) -> None:
    store = pg_desk.store
    settings = "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), " \
               "current_setting('transaction_isolation'), current_setting('transaction_read_only')"
    with store.begin() as session:
        assert session.execute(text(settings)).one() == ("5s", "15s", "read committed", "off")
    with store.read() as session:
        assert session.execute(text(settings)).one() == ("5s", "15s", "read committed", "off")
    with store.begin(bulk=True) as session:
        assert session.execute(text(settings)).one()[:2] == ("0", "0")
    with store.read(bulk=True) as session:  # export: one snapshot, no limits, no writes
        assert session.execute(text(settings)).one() == ("0", "0", "repeatable read", "on")
    with store.read() as session:  # SET LOCAL ended with its transaction; the pooled connection is clean
        session.execute(text("SELECT 1"))
        assert session.execute(text("SHOW transaction_isolation")).scalar() == "read committed"


def test_a_row_lock_waits_within_lock_timeout_then_the_statement_limit_is_back(pg_desk: Actor) -> None:
    """The locking read runs under statement_timeout = lock_timeout (all its waits together), then
    the transaction's own limit returns: 15 s interactive, none in bulk."""
    guest = new_guest(pg_desk)
    for bulk, limit in ((False, "15s"), (True, "0")):
        with pg_desk.store.begin(bulk=bulk) as session:
            assert queries.for_change(session, Customer, guest) is not None
            assert session.execute(text("SHOW statement_timeout")).scalar() == limit


def test_psycopg_prepares_no_statements(pg_desk: Actor) -> None:
    """prepare_threshold=None: a statement run many times is never prepared (a pooler would lose it)."""
    guest = new_guest(pg_desk)
    for _ in range(10):
        customers.customer_card(pg_desk, guest)
    with pg_desk.store.read() as session:
        for _ in range(10):
            session.execute(text("SELECT count(*) FROM customers WHERE id = :id"), {"id": guest})
        assert session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lock waits of a fraction of a second instead of 5 s (PostgreSQL) and 30 s (SQLite), for speed."""
    monkeypatch.setattr(db, "INTERACTIVE_LIMITS", "SET LOCAL lock_timeout = '300ms'; "
                                                  "SET LOCAL statement_timeout = '2s'")
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 0.3)


def test_a_held_lock_makes_others_busy_not_frozen(short_waits: None, store_url: str, clock: FixedClock) -> None:
    """A terminal frozen mid-save holds its row: another one is told "busy at another terminal" and
    changes nothing; once the first lets go, the same edit goes through."""
    store = open_store(store_url)
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    guest = new_guest(desk)
    frozen = store.begin()
    session = frozen.__enter__()
    session.execute(text("UPDATE customers SET notes = 'frozen' WHERE id = :id"), {"id": guest})
    try:
        with pytest.raises(StoreBusy, match="^busy at another terminal — try again$"):
            rename(desk, guest, "Ana Busy")
    finally:
        frozen.__exit__(None, None, None)
    assert customers.customer_card(desk, guest).name == "Ana García"
    rename(desk, guest, "Ana Free")
    assert customers.customer_card(desk, guest).name == "Ana Free"
    store.dispose()


def test_a_statement_over_the_time_limit_is_busy_too(short_waits: None, pg_desk: Actor) -> None:
    with pytest.raises(StoreBusy, match="took longer than"), pg_desk.store.read() as session:
        session.execute(text("SELECT pg_sleep(5)"))


# -- messages a person can act on -------------------------------------------------------------


def test_a_full_disk_says_nothing_was_saved(sqlite_desk: Actor) -> None:
    """SQLite's SQLITE_FULL (here: the file may not grow by one more page) is the disk-full sentence."""
    store = sqlite_desk.store
    store.engine.dispose()

    def no_room(connection: sqlite3.Connection, _record: object) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", no_room)
    with pytest.raises(StoreFull) as info:
        for number in range(200):
            customers.create_customer(sqlite_desk, CustomerInput.parse(
                {"name": f"Guest {number}", "notes": "x" * 3000}, region="DE"))
    assert str(info.value) == "the disk holding the store is full: nothing was saved"


def test_a_read_only_store_says_so_and_where(store_url: str, clock: FixedClock) -> None:
    store = open_store(store_url)
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    store.dispose()
    if store.is_sqlite:
        read_only = open_store(store_url)
        read_only.engine.dispose()
        event.listen(read_only.engine, "connect", lambda connection, _: connection.execute("PRAGMA query_only=1"))
        where = str(store.path)
    else:  # a hot standby answers like this
        read_only = open_store(f"{store_url}%20-cdefault_transaction_read_only%3Don")
        where = read_only.display_url
    actor = Actor(read_only, desk.clock, desk.site_id, desk.terminal, desk.staff_id)
    with pytest.raises(StoreReadOnly) as info:
        new_guest(actor)
    assert where in str(info.value) and "read-only" in str(info.value) and "nothing was saved" in str(info.value)
    read_only.dispose()


def test_a_damaged_store_names_its_newest_backup(sqlite_desk: Actor, tmp_path: Path) -> None:
    store = sqlite_desk.store
    for number in range(60):
        customers.create_customer(sqlite_desk, CustomerInput.parse(
            {"name": f"Guest {number}", "notes": "x" * 400}, region="DE"))
    assert store.path is not None
    from datetime import UTC, datetime

    older = backup_sqlite(store.path, "0003", datetime(2026, 11, 1, tzinfo=UTC))
    newer = backup_sqlite(store.path, "0003", datetime(2026, 11, 2, tzinfo=UTC))
    older.touch()  # the newest is by time written, not by name
    newer.touch()
    store.dispose()
    with sqlite3.connect(store.path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(store.path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # every page but the header and the last
        data[offset:offset + page] = b"\xa5" * page
    store.path.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged) as info:
        damaged = open_store(f"sqlite:///{store.path}")
        customers.customer_card(Actor(damaged, sqlite_desk.clock, sqlite_desk.site_id, "stand",
                                      sqlite_desk.staff_id), 1)
    assert f"the newest backup is {newer}" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (psycopg.errors.DiskFull("could not extend file: No space left on device"), StoreFull),
        (psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"), StoreReadOnly),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), StoreBusy),
        (psycopg.errors.DeadlockDetected("deadlock detected"), StoreBusy),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), StoreBusy),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), StoreUnavailable),
        (psycopg.errors.DataCorrupted("invalid page in block 7"), StoreDamaged),
        (psycopg.OperationalError("connection refused"), StoreUnavailable),
        (psycopg.errors.QueryCanceled("canceling statement due to user request"), type(None)),
    ],
)
def test_postgresql_failures_become_the_right_store_error(error: psycopg.Error, expected: type) -> None:
    """What PostgreSQL says (by SQLSTATE) → what a person reads; a deliberate cancel stays the caller's."""
    store = Store("postgresql://nobody@127.0.0.1:1/none")
    problem = store.problem(OperationalError("SELECT 1", {}, error), saving=True)
    assert isinstance(problem, expected)
    if isinstance(problem, StoreFull):
        assert str(problem) == "the disk holding the store is full: nothing was saved"
    store.dispose()


def test_a_store_upgraded_by_a_newer_frontdesk_says_restart_to_upgrade(store_url: str, clock: FixedClock) -> None:
    """A terminal still running while `db upgrade` of a newer version changed a table: no apology."""
    store = open_store(store_url)
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    guest = new_guest(desk)
    with store.engine.begin() as connection:  # what a newer frontdesk's migration might do
        connection.execute(text("ALTER TABLE customers RENAME COLUMN notes TO remarks"))
        connection.execute(text("UPDATE alembic_version SET version_num = 'f9f9future'"))
    with pytest.raises(StoreOutdated, match="restart to upgrade"):
        customers.customer_card(desk, guest)
    store.dispose()


# -- lost connections ---------------------------------------------------------------------------


def test_dead_pooled_connections_are_replaced(pg_desk: Actor) -> None:
    """Every pooled connection ended by the server: the next calls reconnect (pre-ping), no error."""
    guest = new_guest(pg_desk)
    store = pg_desk.store
    held = [store.engine.connect() for _ in range(3)]  # a burst: the pool keeps pool_size of them
    for connection in held:
        connection.execute(text("SELECT 1"))
        connection.close()
    assert terminate(str(store.url), app_name(store)) == store.pool_size
    assert customers.customer_card(pg_desk, guest).name == "Ana García"
    rename(pg_desk, guest, "Ana Again")
    assert customers.customer_card(pg_desk, guest).name == "Ana Again"


def test_a_connection_ended_mid_transaction_is_a_clear_error_then_replaced(pg_desk: Actor) -> None:
    """The server ends a session between two statements of one transaction: that action fails with one
    sentence (it cannot be retried blindly), and the next one gets a fresh connection."""
    guest = new_guest(pg_desk)
    store = pg_desk.store
    with pytest.raises(StoreUnavailable, match="^cannot reach .*try again in a moment$"), store.read() as session:
        session.execute(text("SELECT 1"))
        assert terminate(str(store.url), app_name(store), listening=False) >= 1
        session.execute(text("SELECT 1"))
    with pytest.raises(StoreUnavailable, match="nothing was saved, try again in a moment$"), \
            store.begin() as session:
        session.execute(text("SELECT 1"))
        terminate(str(store.url), app_name(store), listening=False)
        session.execute(text("UPDATE customers SET notes = 'lost' WHERE id = :id"), {"id": guest})
    rename(pg_desk, guest, "Ana Again")
    assert customers.customer_card(pg_desk, guest).name == "Ana Again"


def test_a_server_that_goes_away_is_a_clear_error_and_comes_back(pg_url: str, clock: FixedClock) -> None:
    proxy = PgProxy(dsn(pg_url))
    store = open_store(proxy.url().replace("postgresql://", "postgresql+psycopg://", 1))
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    guest = new_guest(desk)
    proxy.down()
    with pytest.raises(StoreUnavailable, match="cannot reach .*try again in a moment$"):
        customers.customer_card(desk, guest)
    with pytest.raises(StoreUnavailable, match="cannot reach .*try again in a moment$"):
        search.find_customers(store, "Ana")  # a Core connection, no session: said the same way
    with pytest.raises(StoreUnavailable, match="nothing was saved, try again in a moment$"):
        new_guest(desk, "Ana Lost")
    proxy.up()
    rename(desk, guest, "Ana Back")
    assert customers.customer_card(desk, guest).name == "Ana Back"
    store.dispose()
    proxy.down()


# -- the change feed ----------------------------------------------------------------------------


class Followed:
    """follow() on a thread, recording what it reports."""

    def __init__(self, store: Store) -> None:
        self.stop = threading.Event()
        self.changes = 0
        self.live: list[bool] = []
        self._seen = threading.Condition()
        self.thread = threading.Thread(target=feed.follow, daemon=True,
                                       args=(store, self.stop, self._changed, self._live))
        self.thread.start()

    def _changed(self, _changes: object) -> None:
        with self._seen:
            self.changes += 1
            self._seen.notify_all()

    def _live(self, live: bool) -> None:
        with self._seen:
            self.live.append(live)
            self._seen.notify_all()

    def until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        with self._seen:
            assert self._seen.wait_for(condition, timeout), "the feed never got there"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive(), "the feed did not stop when asked"


def listening(url: str, name: str) -> list[int]:
    with psycopg.connect(dsn(url), autocommit=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND query LIKE 'LISTEN%%'", (name,))]


def test_the_postgresql_feed_comes_back_after_its_connection_is_ended(pg_desk: Actor) -> None:
    store = pg_desk.store
    url, name = str(store.url), app_name(store)
    followed = Followed(store)
    try:
        deadline = time.monotonic() + 20
        while not listening(url, name):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (first,) = listening(url, name)
        assert terminate(url, name, listening=True) == 1
        followed.until(lambda: followed.changes >= 1)  # reconnected: everything re-queries once
        (second,) = listening(url, name)
        assert second != first
        assert followed.live == []  # back at once: never reported as paused
        before = followed.changes
        new_guest(pg_desk)
        followed.until(lambda: followed.changes > before)
    finally:
        followed.close()


def failing_sqlite_feed(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """While the returned event is set, the SQLite feed's reads fail as a lost network share's would;
    reconnections are tried every 50–200 ms."""
    failing = threading.Event()
    real = feed.SQLiteFeed._version

    def version(self: feed.SQLiteFeed) -> int:
        if failing.is_set():
            raise sqlite3.OperationalError("disk I/O error")
        return real(self)

    monkeypatch.setattr(feed.SQLiteFeed, "_version", version)
    monkeypatch.setattr(feed, "BACKOFF_FIRST_S", 0.05)
    monkeypatch.setattr(feed, "BACKOFF_MAX_S", 0.2)
    return failing


def test_the_sqlite_feed_comes_back_after_its_connection_fails(sqlite_desk: Actor,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing read of the store file (a lost network share, an I/O error) pauses, then resumes."""
    failing = failing_sqlite_feed(monkeypatch)
    followed = Followed(sqlite_desk.store)
    try:
        failing.set()
        followed.until(lambda: followed.live == [False])
        failing.clear()
        followed.until(lambda: followed.live == [False, True] and followed.changes == 1)
        new_guest(sqlite_desk)
        followed.until(lambda: followed.changes == 2)
    finally:
        followed.close()


def test_while_the_server_is_away_live_updates_pause_then_resume(pg_url: str, clock: FixedClock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "BACKOFF_FIRST_S", 0.05)
    monkeypatch.setattr(feed, "BACKOFF_MAX_S", 0.2)
    proxy = PgProxy(dsn(pg_url))
    store = open_store(proxy.url().replace("postgresql://", "postgresql+psycopg://", 1))
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    followed = Followed(store)
    try:
        proxy.down()
        followed.until(lambda: followed.live == [False])
        proxy.up()
        followed.until(lambda: followed.live == [False, True] and followed.changes >= 1)
        before = followed.changes
        new_guest(desk)
        followed.until(lambda: followed.changes > before)
    finally:
        followed.close()
        store.dispose()
        proxy.down()


def test_a_missing_sqlite_file_is_not_recreated_by_the_feed(sqlite_desk: Actor, tmp_path: Path) -> None:
    store = sqlite_desk.store
    assert store.path is not None
    moved = tmp_path / "moved.db"
    store.dispose()
    shutil.move(store.path, moved)
    with pytest.raises(StoreUnavailable):
        feed.open_feed(store)
    assert not store.path.exists()


def test_a_feed_wait_returns_as_soon_as_it_is_stopped(store: Store) -> None:
    stop = threading.Event()
    opened = feed.open_feed(store, stop)
    done = threading.Event()
    waited: list[bool] = []

    def wait() -> None:
        while opened.wait(timeout=60):  # other tests' commits on the same server may notify too
            pass
        waited.append(False)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    stop.set()
    assert done.wait(5), "wait() ignored the stop"
    assert waited == [False]
    opened.close()


def test_store_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{tmp_path}/missing/store.db")
    assert "\n" not in str(info.value)
