"""Opening a store: check its schema revision, back it up, upgrade it.

A store made by an older frontdesk is backed up (SQLite) and upgraded; a
store made by a newer one is refused before anything is written; a database
that holds other tables but no frontdesk revision is refused too.
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
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import DatabaseError, OperationalError

from frontdesk.errors import StoreError
from frontdesk.store.db import Store

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
    """Copy the store through SQLite's backup API, owner-only, beside the original."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
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
    upgrade: bool = True,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Store:
    """Open the store at `url`, upgrading its schema (after a backup) if it is older.

    Raises StoreError with one plain line for anything a person must fix.
    """
    store = Store(url)
    try:
        ensure_current(store, upgrade=upgrade, now=now)
    except StoreError:
        store.dispose()
        raise
    except OperationalError as exc:
        store.dispose()
        raise StoreError(store.describe(exc)) from None
    except DatabaseError as exc:
        store.dispose()
        if "not a database" in str(exc.orig):
            raise StoreError(f"{store.display_url} is not a frontdesk store (not a database file)") from None
        raise StoreError(f"cannot open {store.display_url}: {exc.orig}") from None
    return store


def ensure_current(store: Store, *, upgrade: bool, now: Callable[[], datetime]) -> str | None:
    """Bring the schema to head; returns the backup path's name if one was made."""
    current = current_revision(store)
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    if current == head:
        return None
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise StoreError(
            f"this store was made by a newer frontdesk (schema {current}); "
            "upgrade frontdesk to open it (nothing was changed)"
        )
    if current is None:
        with store.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
        if tables:
            raise StoreError(
                f"{store.display_url} holds other tables and no frontdesk schema; "
                "refusing to touch it"
            )
    if not upgrade:
        raise StoreError(f"the store's schema is {current or 'empty'}; run `frontdesk db upgrade`")
    backup = None
    if current is not None and store.path is not None:
        backup = backup_sqlite(store.path, current, now())
    with store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return str(backup) if backup else None
