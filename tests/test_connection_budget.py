"""A connection budget (issue 19 item 2): at rest a terminal holds at most 2 PostgreSQL connections, the
change feed's and a pool of `pool_size` (default 1), each named `frontdesk/<terminal>` on the server."""

from __future__ import annotations

import secrets

import psycopg

from frontdesk.clock import FixedClock
from frontdesk.store.db import Store
from tests.conftest import set_up_desk
from tests.pg import pg_dsn
from tests.ui import make_app, ready, settle, type_text, until


def held_by(name: str) -> list[str]:
    """The last statement of every server session named `name`."""
    with psycopg.connect(pg_dsn(), autocommit=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s", (name,))]


async def test_a_terminal_at_rest_holds_the_feed_and_one_pooled_connection(pg_store: Store, clock: FixedClock) -> None:
    set_up_desk(pg_store, clock)
    terminal = f"stand-{secrets.token_hex(3)}"
    app = make_app(pg_store.url.render_as_string(hide_password=False), clock, watch_store=True, terminal=terminal)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await type_text(pilot, "Ana")  # searches, the in-house list, the alerts: a burst of workers
        await pilot.press("f4")
        await settle(pilot)
        await until(pilot, lambda: any(query.startswith("LISTEN") for query in held_by(f"frontdesk/{terminal}")))
        held = held_by(f"frontdesk/{terminal}")
        assert len(held) <= 2, held
        assert sum(query.startswith("LISTEN") for query in held) == 1


def test_the_pool_keeps_pool_size_connections_and_names_them(pg_store: Store) -> None:
    url = pg_store.url.render_as_string(hide_password=False)
    name = f"bar-{secrets.token_hex(3)}"
    store = Store(url, terminal=name, pool_size=2)
    try:
        held = [store.engine.connect() for _ in range(4)]
        for connection in held:
            connection.exec_driver_sql("SELECT 1")
        assert len(held_by(f"frontdesk/{name}")) == 4  # a burst may open more for a moment
        for connection in held:
            connection.close()
        assert len(held_by(f"frontdesk/{name}")) == 2  # at rest: pool_size
    finally:
        store.dispose()
