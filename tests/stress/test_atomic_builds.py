"""`frontdesk setup` and `frontdesk demo` killed at any moment leave nothing, or a store the next run completes.

Each round starts a child that opens a fresh, never-opened store as the CLI
does (an empty SQLite path, an empty PostgreSQL schema) and then sets it up
or builds the demo, and SIGKILLs it at a moment spread over the work: a
quarter while it starts and migrates, the rest at a point of the build it
reports (for setup: between writing the site and its first staff member).
The store is then read back: either it has no site, or it is whole. The
real command then runs on the last one (`setup`, or `demo --force`, which must
add one restaurant, never a second on top of a half-built one), and its counts
say what whole means. Three kills of each on each backend (CI time); twenty with --deep.
"""

from __future__ import annotations

import random
import signal
from typing import Any
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontdesk.demo.data import demo_data
from frontdesk.store.migrate import open_store
from frontdesk.store.models import Customer, Incident, Site, Staff
from tests.stress import build_workers, workers

pytestmark = pytest.mark.stress

SETUP = ["setup", "--site", "Bistro Berlin", "--tz", "Europe/Berlin", "--region", "DE", "--currency", "EUR",
         "--staff", "Maria"]
DEMO = ["demo"]
EMPTY = (0, 0, 0, 0)


@pytest.fixture
def fresh_url(empty_url: str, tmp_path: Path, pg_schemas: Callable[[], str]) -> Callable[[], str]:
    """Makes URLs of stores never opened, on `empty_url`'s backend: the command creates and migrates them."""
    if not empty_url.startswith("sqlite"):
        return pg_schemas
    made = iter(range(1_000))
    return lambda: f"sqlite:///{tmp_path / f'store-{next(made)}.db'}"


def run(url: str, words: list[str]) -> float:
    """The CLI on `url`, to its end: how many seconds it took."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "frontdesk", "--db", url, *words],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    process.wait()
    seconds = time.perf_counter() - started
    assert process.stderr is not None
    errors = process.stderr.read().decode()
    process.stderr.close()
    assert process.returncode == 0, errors
    return seconds


def kill_inside(url: str, command: str, target: float, rng: random.Random) -> bool:
    """Start the build in a child and SIGKILL it: during start-up for `target` < 0.25, else once it reports
    `target` of its work done. Returns whether it was killed before it finished."""
    ctx = workers.context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=build_workers.build, args=(url, command, send), daemon=True)
    child.start()
    send.close()
    seen: list[tuple[Any, ...]] = []
    try:
        if target < 0.25:
            receive.poll(rng.uniform(0, 1.0))
        else:
            while not any(message[0] == "done" or (message[0] == "progress" and message[1] >= target)
                          for message in seen):
                assert receive.poll(120), f"the {command} child said nothing for two minutes"
                seen.append(receive.recv())
    except EOFError:
        pass  # it ended by itself
    finally:
        assert child.pid is not None
        child.kill()
        child.join(30)
        receive.close()
    assert child.exitcode in (0, -signal.SIGKILL), f"the {command} child failed: exit {child.exitcode}"
    return child.exitcode == -signal.SIGKILL and not any(message[0] == "done" for message in seen)


def counts(url: str) -> tuple[int, ...]:
    """Sites, staff, customers and incidents, as a terminal opening the store now would find them."""
    store = open_store(url)
    try:
        with store.read() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Site, Staff, Customer, Incident)
            )
    finally:
        store.dispose()


@pytest.mark.parametrize("command", ["setup", "demo"])
def test_killed_setup_or_demo_leaves_nothing_or_a_whole_store(command: str, fresh_url: Callable[[], str],
                                                              deep: bool, show: Callable[[str], None]) -> None:
    kills = 20 if deep else 3
    rng = random.Random(13_09)
    started = time.perf_counter()
    killed, found = 0, []
    for number in range(kills):
        url = fresh_url()
        killed += kill_inside(url, command, (number + rng.random()) / kills, rng)
        found.append(counts(url))
    # The next run completes the last store: `setup` again, or `demo --force`, which must add one
    # restaurant and never a second on top of a half-built one. Its counts are what "whole" means.
    if found[-1] != EMPTY:
        url = fresh_url()
    seconds = run(url, SETUP if command == "setup" else [*DEMO, "--force"])
    whole = counts(url)
    staff = 1 if command == "setup" else len(demo_data().staff)
    assert whole[:2] == (1, staff), f"the next run left {whole}"
    nothing, complete = found.count(EMPTY), found.count(whole)
    partial = [left for left in found if left not in (EMPTY, whole)]

    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    show(f"{kills} SIGKILLs of `frontdesk {command}` ({backend}, {killed} before it finished): {nothing} left "
         f"nothing, {complete} a whole store, {len(partial)} partial; the next run completed the store in "
         f"{seconds:.1f} s · {time.perf_counter() - started:.0f} s in all")
    assert not partial, f"(sites, staff, customers, incidents) left by kills: {partial}"
