"""Shared fixtures: a store on SQLite and on PostgreSQL, a pinned clock, a site and staff.

`store_url` is the one store fixture every test tree uses; PostgreSQL URLs are
built by `tests.pg.pg_schema_url` alone (see tests/pg.py for the server, its
schemas and the pool of migrated ones).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from frontdesk.clock import FixedClock
from tests.pg import (  # re-exported: tests take the PostgreSQL helpers from here too
    SchemaPool,
    drop_pg_schema,
    new_pg_schema,
    pg_dsn,
    pg_schema_url,
    pg_url,
    recorded_migration,
)

PINNED_NOW = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
"""A Friday, 19:30 in Berlin: dinner service."""
SITE_ZONE = "Europe/Berlin"


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's config, data or logs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("FRONTDESK_CONFIG", str(home / "no-config.toml"))
    monkeypatch.setenv("FRONTDESK_LOG_DIR", str(home / "logs"))
    for name in ("FRONTDESK_DATABASE_URL", "FRONTDESK_STAFF", "FRONTDESK_SITE", "FRONTDESK_TERMINAL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite store, copied for each test (migrating each time is slow)."""
    from frontdesk.store.migrate import open_store

    path = tmp_path_factory.mktemp("template") / "template.db"
    store = open_store(f"sqlite:///{path}")
    store.dispose()
    return path


@pytest.fixture
def pg_schemas() -> Iterator[Callable[[], str]]:
    """Fresh empty PostgreSQL schemas, dropped afterwards: call it for each one's URL."""
    made: list[str] = []

    def make() -> str:
        schema, url = new_pg_schema()
        made.append(schema)
        return url

    yield make
    for schema in made:
        drop_pg_schema(schema)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store no one has opened yet: a path with no file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    pg_schemas: Callable[[], str] = request.getfixturevalue("pg_schemas")
    return pg_schemas()


@pytest.fixture(scope="session")
def _pg_schema_pool() -> Iterator[SchemaPool]:
    pool = SchemaPool(pg_dsn(), recorded_migration(pg_dsn()))
    yield pool
    pool.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """A migrated, empty store URL on each backend: a copy of the SQLite template, or a fresh PostgreSQL
    schema from the pool (see tests/pg.py)."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    pool: SchemaPool = request.getfixturevalue("_pg_schema_pool")
    schema = pool.take()
    try:
        yield pg_schema_url(pg_url(), schema)
    finally:
        pool.give_back(schema)


@pytest.fixture
def pg_store(request: pytest.FixtureRequest) -> Iterator[object]:
    """A migrated, empty store on PostgreSQL only (skipped without a server), from the pool."""
    from frontdesk.store.migrate import open_store

    pool: SchemaPool = request.getfixturevalue("_pg_schema_pool")
    schema = pool.take()
    store = open_store(pg_schema_url(pg_url(), schema))
    try:
        yield store
    finally:
        store.dispose()
        pool.give_back(schema)


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    path = tmp_path / "store.db"
    shutil.copyfile(_sqlite_template, path)
    os.chmod(path, 0o600)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(PINNED_NOW)


@pytest.fixture
def store(store_url: str) -> Iterator[object]:
    from frontdesk.store.migrate import open_store

    store = open_store(store_url)
    yield store
    store.dispose()


DESK_PINS = {"Maria": "2468", "Lena": "1357", "Tom": "2580", "Hana": "3690"}
"""The PIN of each staff member set_up_desk adds: make_app signs the named person in with theirs."""


@pytest.fixture(autouse=True)
def _quick_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PINs hash with cheap scrypt parameters in tests (each real check costs ~190 ms);
    tests of the real parameters restore them (see test_pins.py)."""
    from frontdesk.services import pins

    monkeypatch.setattr(pins, "CURRENT", pins.Scrypt(n=2**8, r=8, p=1))


def set_up_desk(store: object, clock: FixedClock) -> object:
    """Site "Bistro Berlin" (Europe/Berlin, DE, EUR), manager Maria, lead Lena, staff Tom and
    host Hana, each with their PIN in DESK_PINS; returns the actor: Maria at terminal "stand"."""
    from frontdesk.schemas.inputs import SiteInput, StaffInput
    from frontdesk.services import setup
    from frontdesk.services.context import Actor

    site, maria = setup.setup_store(
        store,
        clock,
        SiteInput.parse({"name": "Bistro Berlin", "time_zone": SITE_ZONE, "phone_region": "DE", "currency": "EUR"}),
        StaffInput.parse({"name": "Maria", "role": "manager", "pin": DESK_PINS["Maria"]}),
        "stand",
    )
    for name, role in (("Lena", "lead"), ("Tom", "staff"), ("Hana", "host")):
        setup.add_staff(store, clock, StaffInput.parse({"name": name, "role": role, "pin": DESK_PINS[name]}), "stand",
                        site_id=site.id)
    return Actor(store, clock, site.id, "stand", maria.id)


@pytest.fixture
def desk(store: object, clock: FixedClock) -> object:
    """A set-up store on each backend (see set_up_desk)."""
    return set_up_desk(store, clock)


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[object]:
    from frontdesk.store.migrate import open_store

    store = open_store(sqlite_url)
    yield store
    store.dispose()


@pytest.fixture
def sqlite_desk(sqlite_store: object, clock: FixedClock) -> object:
    """A set-up SQLite store, for Pilot and snapshot tests (see set_up_desk)."""
    return set_up_desk(sqlite_store, clock)


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursors do not blink in tests, so snapshots are the same every run."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


def pytest_configure(config: pytest.Config) -> None:
    """Put the tests' files (SQLite stores, HOME, logs) in memory-backed /dev/shm when there is one.

    Every write transaction fsyncs (synchronous=FULL, as in production); on
    tmpfs an fsync costs nothing, which takes minutes off the suite without
    changing what any test checks: locking, atomicity and a SIGKILLed writer
    behave the same (the crash test kills a process, not the machine).
    """
    shm = Path("/dev/shm")
    if config.option.basetemp is None and shm.is_dir() and os.access(shm, os.W_OK):
        config.option.basetemp = tempfile.mkdtemp(prefix="frontdesk-tests-", dir=shm)
        config.stash[_SHM_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    if (basetemp := config.stash.get(_SHM_BASETEMP, None)) is not None:
        shutil.rmtree(basetemp, ignore_errors=True)


_SHM_BASETEMP = pytest.StashKey[str]()


@pytest.fixture
def show(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Report a figure ("8×500 completions: 0 doubles, …"): printed in the run's summary, also under xdist,
    whose workers' own output never reaches the terminal."""

    def write(line: str) -> None:
        request.node.user_properties.append(("figure", line))

    return write


_FIGURES: list[str] = []
"""Every figure reported in this run, in the order the tests finished (xdist relays workers' reports here)."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _FIGURES.extend(str(value) for key, value in report.user_properties if key == "figure")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--deep: the larger counts behind an option (200 crash kills instead of 20, 2,000 racing follow-ups, …)."""
    parser.addoption(
        "--deep",
        action="store_true",
        default=False,
        help="run the stress, crash and fuzz tests with their larger counts (slow: minutes, not seconds)",
    )
