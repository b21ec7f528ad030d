"""The change feed: one cheap way to learn that another connection committed.

On SQLite a dedicated connection polls `PRAGMA data_version`, which changes
when any other connection commits (a read of the header, no table touched).
On PostgreSQL a dedicated autocommit connection LISTENs for the NOTIFY that
every write transaction sends (see `Store.begin`). Screens re-query only when
`wait()` says something changed, so an idle terminal runs no queries.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Protocol

from frontdesk.store.db import NOTIFY_CHANNEL, Store

POLL_SECONDS = 1.0


class ChangeFeed(Protocol):
    def wait(self, timeout: float = POLL_SECONDS) -> bool:
        """Block up to `timeout` seconds; True if another connection committed since the last call."""
        ...

    def close(self) -> None: ...


class SQLiteFeed:
    def __init__(self, store: Store) -> None:
        assert store.path is not None
        self._connection = sqlite3.connect(store.path, check_same_thread=False, isolation_level=None)
        self._last = self._version()

    def _version(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float = POLL_SECONDS) -> bool:
        time.sleep(timeout)
        current = self._version()
        changed = current != self._last
        self._last = current
        return changed

    def close(self) -> None:
        self._connection.close()


class PostgresFeed:
    def __init__(self, store: Store) -> None:
        import psycopg

        url = store.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        self._connection = psycopg.connect(dsn, autocommit=True)
        self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, timeout: float = POLL_SECONDS) -> bool:
        changed = False
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            changed = True
        if changed:
            # Drain a burst of notifications into one change.
            for _ in self._connection.notifies(timeout=0.05):
                pass
        return changed

    def close(self) -> None:
        self._connection.close()


def open_feed(store: Store) -> ChangeFeed:
    return SQLiteFeed(store) if store.is_sqlite else PostgresFeed(store)
