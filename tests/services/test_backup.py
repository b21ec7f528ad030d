"""Backups of a live SQLite store and restores that keep erasures (issue 14 item 4)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from frontdesk.errors import InvalidInput, NotAllowed
from frontdesk.services import backup, customers, export, privacy
from frontdesk.services.context import Actor
from frontdesk.store.migrate import head_revision
from frontdesk.store.models import Customer, Erasure
from tests.stress import store_workers

ANA = {"name": "Ana García", "phone": "030 1234567", "email": "ana.garcia@example.com"}


def new_customer(actor: Actor, **details: Any) -> int:
    return customers.create_customer(actor, customers.parse_customer(actor, details))


def dump(actor: Actor) -> str:
    out = io.StringIO()
    export.write_export(actor.store, out)
    return out.getvalue()


def integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def test_a_backup_taken_while_another_process_writes_restores_whole(sqlite_desk: Actor, tmp_path: Path) -> None:
    """Another process logs guests throughout; the backup holds every row committed before it began,
    passes integrity_check, refers to nothing missing, and restores."""
    desk = sqlite_desk
    url = desk.store.url.render_as_string(hide_password=False)
    ctx = store_workers.context()
    stop = ctx.Event()
    ours, theirs = ctx.Pipe()
    writer = ctx.Process(target=store_workers.keep_writing,
                         args=(url, desk.now().isoformat(), desk.site_id, desk.staff_id, stop, theirs))
    writer.start()
    try:
        assert ours.poll(60) and ours.recv()[0] == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the writer has committed a few guests
            with desk.store.read() as session:
                if (session.scalar(select(func.count()).select_from(Customer)) or 0) >= 5:
                    break
        with desk.store.read() as session:
            committed = set(session.scalars(select(Customer.id)))
        target = tmp_path / "during.db"
        backup.backup(desk, target)
    finally:
        stop.set()
        assert ours.poll(60)
        written = ours.recv()[1]
        writer.join(30)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert integrity(target) == ["ok"]
    with closing(sqlite3.connect(target)) as connection:
        in_backup = {row[0] for row in connection.execute("SELECT id FROM customers")}
    assert committed <= in_backup
    assert written >= len(committed)

    result = backup.restore(desk, target)

    assert result.revision == head_revision()
    assert integrity(desk.store.path) == ["ok"]
    data = json.loads(dump(desk))
    assert {row["id"] for row in data["customers"]} == in_backup
    assert store_workers.dangling(data) == []
    assert data["audit_events"][-1]["action"] == "restore"
    assert result.kept.is_file() and stat.S_IMODE(result.kept.stat().st_mode) == 0o600


def test_restoring_a_backup_from_before_an_erasure_erases_again(sqlite_desk: Actor, tmp_path: Path) -> None:
    desk = sqlite_desk
    ana = new_customer(desk, **ANA)
    new_customer(desk, name="Ben Weber")
    target = tmp_path / "before.db"
    backup.backup(desk, target)
    privacy.erase(desk, ana)
    carl = new_customer(desk, name="Carl Jung")
    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("SELECT name FROM customers WHERE id = ?", (ana,)).fetchone() == ("Ana García",)

    result = backup.restore(desk, target)

    assert result.erased_again == 1
    text = dump(desk)
    assert "Ana García" not in text and "1234567" not in text and "Ben Weber" in text
    assert "Carl Jung" not in text, "the backup is from before Carl"
    assert carl not in {row["id"] for row in json.loads(text)["customers"]}
    assert [row["customer_id"] for row in json.loads(text)["erasures"]] == [ana]
    kept = json.loads(_dump_file(result.kept))
    assert "Carl Jung" in {row["name"] for row in kept["customers"]}, "the replaced store is kept"


def _dump_file(path: Path) -> str:
    from frontdesk.store.migrate import open_store

    store = open_store(f"sqlite:///{path}")
    try:
        out = io.StringIO()
        export.write_export(store, out)
        return out.getvalue()
    finally:
        store.dispose()


def test_the_log_file_alone_re_applies_an_erasure(sqlite_desk: Actor, tmp_path: Path) -> None:
    """The store was replaced by hand (its erasures table gone with it): the file beside it still says."""
    desk = sqlite_desk
    ana = new_customer(desk, **ANA)
    target = tmp_path / "before.db"
    backup.backup(desk, target)
    privacy.erase(desk, ana)
    with desk.store.begin() as session:  # the erasures table of the store lost, as after a manual copy
        session.execute(delete(Erasure))

    assert backup.restore(desk, target).erased_again == 1
    assert "Ana García" not in dump(desk)


@pytest.mark.parametrize("damage", ["not_a_database", "corrupt", "newer"])
def test_a_bad_backup_is_refused_before_anything_changes(
    sqlite_desk: Actor, tmp_path: Path, damage: str
) -> None:
    desk = sqlite_desk
    new_customer(desk, **ANA)
    target = tmp_path / "bad.db"
    if damage == "not_a_database":
        target.write_text("hello")
    else:
        backup.backup(desk, target)
        with closing(sqlite3.connect(target)) as connection:
            if damage == "newer":
                connection.execute("UPDATE alembic_version SET version_num = '9999'")
                connection.commit()
        if damage == "corrupt":  # the b-tree page headers of pages 2 to 4 overwritten
            with target.open("r+b") as file:
                for page in (1, 2, 3):
                    file.seek(4096 * page)
                    file.write(b"\xff" * 12)
    before = dump(desk)
    expected = {"not_a_database": "not a frontdesk backup", "corrupt": "damaged|not a frontdesk backup",
                "newer": "schema 9999"}[damage]
    with pytest.raises(InvalidInput, match=expected):
        backup.restore(desk, target)
    assert dump(desk) == before
    assert sorted(path.name for path in desk.store.path.parent.iterdir() if ".backup-" in path.name) == []


def test_backup_refuses_an_existing_file(sqlite_desk: Actor, tmp_path: Path) -> None:
    target = tmp_path / "there.db"
    target.write_text("keep me")
    with pytest.raises(InvalidInput, match="already exists"):
        backup.backup(sqlite_desk, target)
    assert target.read_text() == "keep me"


def test_old_automatic_backups_are_deleted(sqlite_desk: Actor, tmp_path: Path) -> None:
    desk = sqlite_desk
    path = desk.store.path
    old = path.with_name(path.name + ".backup-0001-20261001T000000Z")
    recent = path.with_name(path.name + ".backup-0001-20261115T000000Z")
    for file, days in ((old, 31), (recent, 5)):
        file.write_bytes(b"")
        at = desk.now().timestamp() - days * 86400
        os.utime(file, (at, at))

    assert backup.backup(desk, tmp_path / "now.db") == (old,)
    assert recent.exists() and not old.exists()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_stores_are_pointed_at_pg_dump(desk: Actor, tmp_path: Path) -> None:
    with pytest.raises(NotAllowed, match="pg_dump"):
        backup.backup(desk, tmp_path / "x.db")
