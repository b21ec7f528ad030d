"""Backups of a live SQLite store, and restores that never bring an erased customer back (issue 14 item 4).

A backup is `VACUUM INTO` a new owner-only file: one read snapshot, so
terminals keep writing meanwhile, and a compact copy without free pages. A
restore checks the file first (`integrity_check`, a schema revision this
frontdesk knows), prepares it beside the store (upgraded, every erasure of
the store's log, the replaced store's log and the log file applied), keeps
the replaced store as a backup, and only then copies it over the live store
with SQLite's backup API, which other terminals' connections follow.
PostgreSQL stores use `pg_dump`/`pg_restore` and `frontdesk privacy reapply`.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import FrontdeskError, InvalidInput, NotAllowed
from frontdesk.services import audit, privacy, settings
from frontdesk.services.context import Actor
from frontdesk.store.db import SQLITE_BUSY_TIMEOUT_S, Store
from frontdesk.store.models import Erasure

"""Default of the store setting `keep_backups_days`."""


@dataclass(frozen=True)
class RestoreResult:
    kept: Path
    """The replaced store, kept as a backup beside it."""
    revision: str
    """The schema revision the backup was made at."""
    erased_again: int
    removed_backups: tuple[Path, ...]


def _live_path(store: Store) -> Path:
    if store.path is None:
        raise NotAllowed("backup and restore are for a SQLite store: on PostgreSQL use pg_dump and pg_restore, "
                         "then `frontdesk privacy reapply` (see the README)")
    return store.path


def _owner_only(path: Path) -> None:
    """Create `path` empty and owner-only, refusing one that exists."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise InvalidInput.one("path", f"{path} already exists: give a new file name") from None
    except OSError as exc:
        raise FrontdeskError(f"cannot write {path}: {exc.strerror or exc}") from None


def _manager(actor: Actor) -> None:
    with actor.store.read() as session:
        privacy.require_manager(session, actor)


def backup(actor: Actor, target: Path) -> tuple[Path, ...]:
    """Copy the live store to `target` (a new owner-only file) while other terminals write. Audited as `backup`.

    Returns the automatic backups deleted for being older than `keep_backups_days`.
    """
    path = _live_path(actor.store)
    _manager(actor)
    if not target.parent.is_dir():
        raise InvalidInput.one("path", f"folder {target.parent} does not exist")
    if target.exists():
        raise InvalidInput.one("path", f"{target} already exists: give a new file name")
    partial = target.with_name(f".{target.name}.partial")
    _owner_only(partial)
    try:
        with closing(_connect(path)) as source:
            source.execute("VACUUM INTO ?", (str(partial),))
        os.rename(partial, target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, sqlite3.Error | OSError):
            raise FrontdeskError(f"cannot back up to {target}: {exc}; nothing was written") from None
        raise
    with actor.store.begin() as session:
        audit.record(session, actor, "backup", "store", 0)
    return prune_backups(actor, path)


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}{'?mode=ro' if read_only else ''}"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)


def check_backup(source: Path) -> str:
    """The backup's schema revision, once it has passed `integrity_check`; InvalidInput saying why not."""
    from frontdesk.store.migrate import alembic_config

    if not source.is_file():
        raise InvalidInput.one("path", f"there is no backup at {source}")
    try:
        connection = _connect(source, read_only=True)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise InvalidInput.one("path", f"{source} is not a frontdesk backup ({exc}); nothing was changed") from None
    if problems != ["ok"]:
        raise InvalidInput.one("path", f"{source} is damaged ({problems[0]}); nothing was changed")
    from alembic.script import ScriptDirectory

    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision is None or revision[0] not in known:
        made = f"schema {revision[0]}" if revision else "no schema revision"
        raise InvalidInput.one("path", f"{source} was made by a newer or another program ({made}); nothing was changed")
    return str(revision[0])


def restore(actor: Actor, source: Path) -> RestoreResult:
    """Replace the live store by a checked backup, with every logged erasure applied again. Audited as `restore`."""
    from frontdesk.store.migrate import backup_sqlite, current_revision, open_store

    path = _live_path(actor.store)
    revision = check_backup(source)
    _manager(actor)
    with actor.store.read() as session:
        carried = _erasures(session) + privacy.read_log(privacy.erasure_log_path(actor.store))
    staging = path.with_name(f".{path.name}.restoring")
    for leftover in _staging_files(staging):
        leftover.unlink()
    _owner_only(staging)
    try:
        with closing(_connect(source, read_only=True)) as backup_file, closing(_connect(staging)) as staged_file:
            backup_file.backup(staged_file)
        staged = open_store(f"sqlite:///{staging}", now=actor.now)
        try:
            on_staged = replace(actor, store=staged, staff_id=None, site_id=0)
            with staged.begin() as session:
                erased_again = privacy.reapply_in(session, on_staged, carried)
                audit.record(session, on_staged, "restore", "store", 0, (f"revision:{revision}",))
            privacy.checkpoint(staged)
        finally:
            staged.dispose()
        live_revision = current_revision(actor.store) or revision
        kept = backup_sqlite(path, live_revision, actor.now())
        with closing(_connect(staging)) as staged_file, closing(_connect(path)) as live:
            staged_file.backup(live)
    finally:
        for leftover in _staging_files(staging):
            leftover.unlink()
    privacy.checkpoint(actor.store)
    return RestoreResult(kept, revision, erased_again, prune_backups(actor, path))


def _staging_files(staging: Path) -> list[Path]:
    return [candidate for candidate in staging.parent.glob(f"{staging.name}*") if candidate.is_file()]


def _erasures(session: Session) -> list[dict[str, Any]]:
    """The live store's erasure log, carried into the restored store."""
    return [{"customer_id": row.customer_id, "erased_at": row.erased_at.isoformat(), "terminal": row.terminal,
             "reason": row.reason} for row in session.scalars(select(Erasure))]


def keep_backups_days(session: Session) -> int:
    """The store setting `keep_backups_days` (default 30)."""
    days = settings.store_setting(session, "keep_backups_days")
    assert isinstance(days, int)
    return days


def prune_backups(actor: Actor, path: Path) -> tuple[Path, ...]:
    """Delete the automatic backups beside the store (`*.backup-*`) older than `keep_backups_days`."""
    with actor.store.read() as session:
        days = keep_backups_days(session)
    cutoff = (actor.now() - timedelta(days=days)).timestamp()
    removed = []
    for candidate in path.parent.glob(f"{path.name}.backup-*"):
        if candidate.is_file() and candidate.stat().st_mtime < cutoff:
            candidate.unlink()
            removed.append(candidate)
    return tuple(sorted(removed))
