"""Opening a store: check its schema revision, back it up, upgrade it.

A store made by an older frontdesk is upgraded: on SQLite when it is opened
(after a backup), on PostgreSQL only by `frontdesk db upgrade`, since a
shared store must not change under the terminals still running on it. A
store made by a newer one is refused before anything is written; a database
that holds other tables but no frontdesk revision is refused too. Creating
or upgrading happens under the store's migration lock, so four terminals
opening one store at once find it done by the first instead of racing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from frontdesk.errors import StoreError
from frontdesk.store.db import NOTIFY_SQL, POOL_SIZE, Store

SCRIPT_LOCATION = "frontdesk.store:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_sqlite(path: Path, revision: str, now: datetime) -> Path:
    """Copy the store through SQLite's backup API, owner-only, beside the original.

    The name says the revision and the second; a second backup within the
    same second gets `-2`, `-3`, … rather than failing or overwriting.
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{path.name}.backup-{revision}-{stamp}"
    for number in range(1, 1000):
        target = path.with_name(base if number == 1 else f"{base}-{number}")
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            continue
    else:
        raise StoreError(f"too many backups named {base}* beside {path}; move some away")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def open_store(
    url: str,
    *,
    upgrade: bool | None = None,
    create: bool = True,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    terminal: str | None = None,
    pool_size: int = POOL_SIZE,
    feed_url: str | None = None,
) -> Store:
    """Open the store at `url`, bringing its schema to this frontdesk's head where allowed.

    `upgrade`: None upgrades an older SQLite store (after a backup) and
    refuses an older PostgreSQL one (`frontdesk db upgrade` does that).
    `create`: an empty store (a new SQLite file, an empty PostgreSQL schema)
    gets the schema; read-only commands pass False, so a mistyped path is
    refused instead of becoming a new store. Raises StoreError with one
    plain line for anything a person must fix. `terminal`, `pool_size` and
    `feed_url` shape its PostgreSQL connections (see `Store`).
    """
    store = Store(url, create=create, terminal=terminal, pool_size=pool_size, feed_url=feed_url)
    try:
        ensure_current(store, upgrade=store.is_sqlite if upgrade is None else upgrade, create=create, now=now)
    except StoreError:
        store.dispose()
        raise
    except DBAPIError as exc:
        store.dispose()
        problem = store.problem(exc)
        if problem is not None:
            raise problem from None
        raise StoreError(f"cannot open {store.display_url}: {exc.orig}") from None
    store.revision = head_revision()
    return store


def ensure_current(store: Store, *, upgrade: bool, create: bool = True,
                   now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> str | None:
    """Bring the schema to head; returns the backup path's name if one was made.

    The revision is read once without a lock (the usual case: nothing to
    do), then again under the migration lock, where whoever waited finds the
    work done by whoever held it.
    """
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current_revision(store) == head:
        return None
    with store.migration_lock() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return None
        if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
            raise StoreError(
                f"this store was made by a newer frontdesk (schema {current}); "
                "upgrade frontdesk to open it (nothing was changed)"
            )
        if current is None:
            if inspect(connection).get_table_names():
                raise StoreError(
                    f"{store.display_url} holds other tables and no frontdesk schema; "
                    "refusing to touch it"
                )
            if not create:
                raise StoreError(f"{store.display_url} holds no frontdesk store yet: set one up with "
                                 "`frontdesk setup` (or check --db)")
        elif not upgrade:
            raise StoreError(f"the store's schema is {current} and this frontdesk needs {head}: "
                             "run `frontdesk db upgrade`")
        backup = None
        if current is not None and store.path is not None:
            backup = backup_sqlite(store.path, current, now())
        command.upgrade(alembic_config(connection), "head")
        if not store.is_sqlite and current is not None:
            # Terminals still running the older schema hear of it at the commit.
            connection.execute(text(NOTIFY_SQL), {"payload": "schema"})
    return str(backup) if backup else None


def upgrade_store(url: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> tuple[str | None, str]:
    """`frontdesk db upgrade`: (the revision before, the revision now), creating an empty store too."""
    store = Store(url)
    try:
        before = current_revision(store)
    except DBAPIError as exc:
        store.dispose()
        raise store.problem(exc) or StoreError(f"cannot open {store.display_url}: {exc.orig}") from None
    store.dispose()
    store = open_store(url, upgrade=True, now=now)
    try:
        return before, current_revision(store) or ""
    finally:
        store.dispose()
