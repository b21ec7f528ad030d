"""The store itself: migrations, upgrades, refusals, file permissions, SQLite settings."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from frontdesk.errors import StoreError
from frontdesk.paths import default_store_path
from frontdesk.store import models
from frontdesk.store.db import Store, default_url
from frontdesk.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    open_store,
)

FIXTURE = Path(__file__).parent / "fixtures" / "store-0001.db"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_models_match_migrations(store: Store) -> None:
    """`alembic check`: no difference between the models and the migrations, on both backends."""
    with store.engine.connect() as connection:
        command.check(alembic_config(connection))


def test_default_store_is_owner_only_under_umask_022() -> None:
    """The default store, its -wal and -shm, and its folder are private even under umask 022."""
    old = os.umask(0o022)
    try:
        store = open_store(default_url())
        with store.read() as session:
            session.execute(text("SELECT 1"))
            path = default_store_path()
            assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
            assert mode(path) == 0o600
            assert mode(Path(f"{path}-wal")) == 0o600
            assert mode(Path(f"{path}-shm")) == 0o600
            assert mode(path.parent) == 0o700
        store.dispose()
    finally:
        os.umask(old)


def test_sqlite_connections_are_wal_full_and_enforce_foreign_keys(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    with store.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    store.dispose()


def test_write_transactions_begin_immediate_and_reads_stay_deferred(sqlite_url: str) -> None:
    """A write transaction holds the write lock from its first statement; a read takes none."""
    store = open_store(sqlite_url)
    path = store.path
    assert path is not None
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with store.read() as session:
        session.execute(select(func.count()).select_from(models.Site)).scalar()
        other.execute("BEGIN IMMEDIATE")  # a reader does not block a writer
        other.execute("ROLLBACK")
    with store.begin() as session:
        session.execute(select(func.count()).select_from(models.Site)).scalar()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.close()
    store.dispose()


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def test_store_made_at_the_first_migration_opens_and_keeps_every_row(tmp_path: Path) -> None:
    """The committed fixture (migration 0001, rows in every table) opens with today's code.

    When it is behind the head revision it is backed up first; either way no
    row is lost. This test must keep passing as migrations are added.
    """
    copy = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, copy)
    before = _counts(copy)
    assert all(count > 0 for table, count in before.items()), "the fixture must have rows in every table"
    with sqlite3.connect(copy) as connection:
        fixture_revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    store = open_store(f"sqlite:///{copy}")
    assert current_revision(store) == head_revision()
    store.dispose()
    after = _counts(copy)
    for table, count in before.items():
        if table != "alembic_version":
            assert after[table] >= count, f"rows lost from {table}"
    backups = list(tmp_path.glob("old.db.backup-*"))
    if fixture_revision != head_revision():
        assert len(backups) == 1 and mode(backups[0]) == 0o600
        assert _counts(backups[0]) == before
    else:
        assert backups == []


def test_backup_is_a_complete_private_copy(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from frontdesk.store.migrate import backup_sqlite

    copy = tmp_path / "store.db"
    shutil.copyfile(FIXTURE, copy)
    backup = backup_sqlite(copy, "0001", datetime(2026, 11, 20, tzinfo=UTC))
    assert backup.name == "store.db.backup-0001-20261120T000000Z"
    assert mode(backup) == 0o600
    assert _counts(backup) == _counts(copy)


def test_store_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    copy = tmp_path / "newer.db"
    shutil.copyfile(FIXTURE, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f9f9future'")
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match="newer frontdesk"):
        open_store(f"sqlite:///{copy}")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest
    assert list(tmp_path.glob("newer.db.backup-*")) == []


def test_newer_store_refused_on_postgresql_too(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f9f9future'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer frontdesk"):
        open_store(store_url)


def test_a_database_with_other_tables_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="other tables"):
        open_store(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://x@localhost/db", "unsupported database"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot reach"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_bad_urls_give_one_clear_line(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as info:
        open_store(url)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 200)
    with pytest.raises(StoreError, match="not a frontdesk store"):
        open_store(f"sqlite:///{path}")


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody may create files in: a chmod 500 folder, or /sys when running as root."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    probe = Path("/sys/frontdesk-probe")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError:
        return Path("/sys")
    probe.unlink()
    pytest.skip("no read-only folder available to root here")


def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = _read_only_folder(tmp_path)
    with pytest.raises(StoreError, match="not writable|read-only") as info:
        open_store(f"sqlite:///{folder}/store.db")
    assert "\n" not in str(info.value)
