"""The change feed: one cheap way to learn that another connection committed.

On SQLite a dedicated connection polls `PRAGMA data_version`, which changes
when any other connection commits (a read of the header, no table touched).
On PostgreSQL a dedicated autocommit connection LISTENs for the NOTIFY that
every write transaction sends (see `Store.begin`), whose payload says the
site and the tables it changed (`store/changes.py`). Screens re-query only
when a change concerns what they show, so an idle terminal runs no queries,
and none for a change at another site.

`follow()` keeps a feed alive: a lost connection (a server restart, a
terminated backend, a store file that went away) is reported once and
reopened with backoff; once it is back, everything re-queries once, since
what changed meanwhile is unknown. Every wait returns early when the
caller's `stop` event is set, so a worker that is cancelled ends at once.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote

from frontdesk.errors import StoreUnavailable
from frontdesk.store.changes import EVERYTHING, Change, merge
from frontdesk.store.db import CHANNEL_SQL, Store

POLL_SECONDS = 1.0
SLICE_SECONDS = 0.2
"""PostgreSQL waits for a notification in slices this long, looking at `stop` between them."""
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 5.0


class ChangeFeed(Protocol):
    def wait(self, timeout: float = POLL_SECONDS) -> tuple[Change, ...]:
        """Block up to `timeout` seconds (less once `stop` is set); what other connections committed
        meanwhile (empty: nothing).

        Raises StoreUnavailable when the feed's connection is lost.
        """
        ...

    def close(self) -> None: ...


class SQLiteFeed:
    def __init__(self, store: Store, stop: threading.Event | None = None) -> None:
        assert store.path is not None
        self._path = store.path
        self._stop = stop or threading.Event()
        try:
            # mode=rw: reconnecting to a store file that went away must not create an empty one.
            self._connection = sqlite3.connect(f"file:{quote(str(store.path))}?mode=rw", uri=True,
                                               check_same_thread=False, isolation_level=None)
            self._last = self._version()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot watch {self._path} for changes: {exc}") from None

    def _version(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float = POLL_SECONDS) -> tuple[Change, ...]:
        if self._stop.wait(timeout):
            return ()
        try:
            current = self._version()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"lost the change feed of {self._path}: {exc}") from None
        changed = current != self._last
        self._last = current
        return (EVERYTHING,) if changed else ()  # SQLite says that, not what

    def close(self) -> None:
        self._connection.close()


class PostgresFeed:
    def __init__(self, store: Store, stop: threading.Event | None = None) -> None:
        import psycopg
        from psycopg import sql

        self._errors = psycopg.Error
        self._stop = stop or threading.Event()
        self._where = store.display_url
        try:
            # Keepalives: a silently dropped network is noticed within about a minute, not never.
            self._connection = psycopg.connect(autocommit=True, connect_timeout=10, keepalives=1,
                                               keepalives_idle=30, keepalives_interval=10, keepalives_count=3,
                                               **store.feed_connect_args())
            channel = self._connection.execute(f"SELECT {CHANNEL_SQL}").fetchone()
            assert channel is not None
            self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel[0])))
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot reach {self._where} for live updates: {_first_line(exc)}") from None

    def wait(self, timeout: float = POLL_SECONDS) -> tuple[Change, ...]:
        deadline = time.monotonic() + timeout
        try:
            while not self._stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
                heard = [Change.parse(notice.payload) for notice in
                         self._connection.notifies(timeout=min(SLICE_SECONDS, remaining), stop_after=1)]
                if heard:
                    # Drain a burst of notifications into one report, joined by site.
                    heard.extend(Change.parse(notice.payload) for notice in self._connection.notifies(timeout=0.05))
                    return merge(heard)
        except self._errors as exc:
            raise StoreUnavailable(f"lost the live updates from {self._where}: {_first_line(exc)}") from None
        return ()

    def close(self) -> None:
        self._connection.close()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def open_feed(store: Store, stop: threading.Event | None = None) -> ChangeFeed:
    """A feed on its own connection; raises StoreUnavailable when the store cannot be reached."""
    return SQLiteFeed(store, stop) if store.is_sqlite else PostgresFeed(store, stop)


def backoff(attempt: int) -> float:
    """Seconds before reconnecting attempt `attempt` (0, 1, …): doubling up to a cap, with jitter so
    that the terminals of a restarted server do not all knock at once."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2.0**attempt) * random.uniform(0.75, 1.0)


def follow(store: Store, stop: threading.Event, on_change: Callable[[tuple[Change, ...]], object],
           on_live: Callable[[bool], object]) -> None:
    """Call `on_change(changes)` after every commit elsewhere until `stop` is set, whatever happens to the
    connection.

    `on_live(False)` when the feed cannot be reopened (live updates are paused),
    `on_live(True)` when it is back; after any reconnection `on_change` is
    called once with `EVERYTHING`, for what was missed.
    """
    live, attempt, missed = True, 0, False
    while not stop.is_set():
        try:
            feed = open_feed(store, stop)
        except StoreUnavailable:
            if live:
                live = False
                on_live(False)
            missed = True
            stop.wait(backoff(attempt))
            attempt += 1
            continue
        try:
            if not live:
                live = True
                on_live(True)
            if missed:
                missed = False
                on_change((EVERYTHING,))
            while not stop.is_set():
                changed = feed.wait()
                attempt = 0
                if changed:
                    on_change(changed)
        except StoreUnavailable:
            missed = True
            if attempt:  # lost again right after reopening: slow down
                stop.wait(backoff(attempt))
            attempt += 1  # the first reopen is at once; a pause is reported only if it fails
        finally:
            feed.close()
