"""Opening and upgrading a store: who may create or upgrade it, migration 0003, money at the 64-bit limit.

SQLite upgrades on open (after a backup); PostgreSQL only through
`frontdesk db upgrade`, so terminals of two versions never meet one schema
unannounced. Read-only commands never create a store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from frontdesk.cli import main
from frontdesk.clock import FixedClock
from frontdesk.errors import InvalidInput, StoreError
from frontdesk.money import MINOR_MAX, format_money
from frontdesk.services import incidents
from frontdesk.services.context import Actor
from frontdesk.store.db import Store
from frontdesk.store.migrate import (
    alembic_config,
    backup_sqlite,
    current_revision,
    head_revision,
    open_store,
    upgrade_store,
)
from frontdesk.store.models import Incident
from tests.conftest import set_up_desk

LIMIT = "92233720368547758.07"
"""MINOR_MAX cents, typed as an amount."""


def log_refund(actor: Actor, amount: str) -> int:
    data = {"category": "food", "severity": "minor", "description": "Wrong bill", "remedy_kind": "refund",
            "remedy_cost": amount}
    return incidents.log_incident(actor, incidents.parse_incident(actor, data)).incident_id


def at_revision(url: str, revision: str, clock: FixedClock) -> tuple[Actor, int]:
    """A store with a desk and a refunded incident, its schema taken back to `revision`."""
    store = open_store(url)
    desk = set_up_desk(store, clock)
    assert isinstance(desk, Actor)
    incident_id = log_refund(desk, "1234.56")
    with store.migration_lock() as connection:
        command.downgrade(alembic_config(connection), revision)
    store.dispose()
    return desk, incident_id


def remedy_cost(store: Store, incident_id: int) -> int:
    with store.read() as session:
        return session.scalars(select(Incident.remedy_cost).where(Incident.id == incident_id)).one()


def test_money_fits_at_the_64_bit_limit_and_not_a_cent_more(desk: Actor) -> None:
    incident_id = log_refund(desk, LIMIT)
    assert remedy_cost(desk.store, incident_id) == MINOR_MAX
    assert format_money(MINOR_MAX, "EUR") == "92,233,720,368,547,758.07 EUR"
    assert incidents.incident_detail(desk, incident_id).remedy_cost == MINOR_MAX
    with pytest.raises(InvalidInput, match="remedy_cost: too large"):
        log_refund(desk, "92233720368547758.08")
    with pytest.raises(InvalidInput, match="remedy_cost: too large"):
        incidents.parse_incident(desk, {"category": "food", "severity": "minor", "description": "x",
                                        "remedy_kind": "refund", "remedy_cost": MINOR_MAX + 1})


def test_0003_makes_remedy_cost_64_bit_and_keeps_every_row(empty_url: str, clock: FixedClock) -> None:
    """A store at 0002 (32-bit column on PostgreSQL) with a refund: upgraded, the refund is kept
    and the column takes the limit. SQLite upgrades on open; PostgreSQL waits for `db upgrade`."""
    desk, incident_id = at_revision(empty_url, "0002", clock)
    if empty_url.startswith("sqlite"):
        store = open_store(empty_url, now=lambda: datetime(2026, 11, 24, tzinfo=UTC))
        assert store.path is not None
        assert [path.name for path in store.path.parent.glob("store.db.backup-*")] == [
            "store.db.backup-0002-20261124T000000Z"]
    else:
        with pytest.raises(StoreError, match=r"run `frontdesk db upgrade`"):
            open_store(empty_url)
        assert upgrade_store(empty_url) == ("0002", head_revision())
        store = open_store(empty_url)
    with store.engine.connect() as connection:
        column = next(c for c in inspect(connection).get_columns("incidents") if c["name"] == "remedy_cost")
    assert "BIGINT" in str(column["type"]).upper()
    assert remedy_cost(store, incident_id) == 123456
    actor = Actor(store, clock, desk.site_id, "stand", desk.staff_id)
    assert remedy_cost(store, log_refund(actor, LIMIT)) == MINOR_MAX
    store.dispose()


def test_an_empty_store_is_created_on_open_but_not_by_read_only_openers(empty_url: str) -> None:
    with pytest.raises(StoreError, match="no store|no frontdesk store") as info:
        open_store(empty_url, create=False)
    assert "\n" not in str(info.value)
    if empty_url.startswith("sqlite"):
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()
    else:
        probe = Store(empty_url)
        with probe.engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
        probe.dispose()
    store = open_store(empty_url)
    assert current_revision(store) == head_revision()
    store.dispose()


def test_backup_names_never_collide(tmp_path: Path, sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    second = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    names = [backup_sqlite(path, "0002", second).name for _ in range(3)]
    assert names == ["store.db.backup-0002-20261124T093000Z", "store.db.backup-0002-20261124T093000Z-2",
                     "store.db.backup-0002-20261124T093000Z-3"]


def test_a_store_from_a_newer_frontdesk_is_refused_under_the_lock_too(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f9f9future'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer frontdesk"):
        upgrade_store(store_url)


@pytest.mark.parametrize("command_line", [
    ["export"], ["export", "-o", "OUT"], ["staff", "list"], ["site", "list"], ["playbooks", "list"],
    ["db", "check"], ["staff", "add", "Tom"],
])
def test_read_only_commands_never_create_a_store(command_line: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped --db: one line on stderr, exit status 2, and no file left behind."""
    missing = tmp_path / "typo.db"
    argv = [part.replace("OUT", str(tmp_path / "out.json")) for part in command_line]
    assert main([*argv, "--db", f"sqlite:///{missing}"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "there is no store at" in err
    assert out == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == []
