"""Search input is bounded and a search in flight can be cancelled in the database (issue 13, item 6).

At most 8 words and 100 characters of what is typed are used, and the result
says so; a long paste answers at once on both backends. A running statement
is cancelled in the database (PostgreSQL: a cancel request; SQLite:
interrupt()), shown here on a statement slow enough to be caught running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from frontdesk.services import search
from frontdesk.services.context import Actor
from frontdesk.services.search import Cancellable, Searcher, bounded, search_customers


def test_at_most_eight_words_and_a_hundred_characters_are_used() -> None:
    assert bounded("ana garcia") == ("ana garcia", False)
    assert bounded("  ana   garcia ") == ("  ana   garcia ", False)
    assert bounded(" ".join(f"w{n}" for n in range(9))) == (" ".join(f"w{n}" for n in range(8)), True)
    used, shortened = bounded("x" * 150)
    assert (used, shortened) == ("x" * 100, True)
    assert search.query_prefixes(" ".join(["ana"] * 1000)) == [["n:ana"]] * 8


def test_a_long_paste_is_answered_and_says_the_rest_was_ignored(desk: Actor, new_customer: Callable[..., int],
                                                               show: Callable[[str], None]) -> None:
    ana = new_customer("Ana María García López", phone="030 1234567")
    for words in (150, 300, 1000):
        typed = " ".join(["ana", "maria", "garcia", "lopez"] + [f"extra{n}" for n in range(words - 4)])
        started = time.perf_counter()
        result = search_customers(desk.store, typed)
        seconds = time.perf_counter() - started
        assert result is not None and result.shortened
        assert [hit.customer_id for hit in result.hits] == []  # the 5th to 8th words match no one
        short = search_customers(desk.store, "ana maria garcia lopez ana maria garcia lopez" + " zzz" * words)
        assert short is not None and short.shortened and [hit.customer_id for hit in short.hits] == [ana]
        show(f"search of {words} words ({desk.store.engine.dialect.name}): answered in {seconds * 1000:.1f} ms, "
             "8 words used, the rest said to be ignored")
    plain = search_customers(desk.store, "ana garcia")
    assert plain is not None and not plain.shortened and [hit.customer_id for hit in plain.hits] == [ana]


SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
              "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(30)",
}


def running(desk: Actor, handle: Cancellable) -> bool:
    """The slow statement is under way: its connection handed over (SQLite), or active on the server (PostgreSQL)."""
    if handle._running is None:
        return False
    if desk.store.is_sqlite:
        return True
    with desk.store.engine.connect() as connection:
        return bool(connection.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = %(sql)s",
            {"sql": SLOW["postgresql"]}).scalar())


def test_a_running_statement_is_cancelled_in_the_database(desk: Actor) -> None:
    handle = Cancellable()
    answer: list[object] = []
    started = time.perf_counter()

    def run() -> None:
        with desk.store.engine.connect() as connection:
            answer.append(handle.run(connection, SLOW[desk.store.engine.dialect.name], ()))

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(4000):  # wait (a condition, polled) until the statement is running in the database
        if running(desk, handle):
            break
        time.sleep(0.005)
    assert running(desk, handle)
    handle.cancel()
    worker.join(20)
    assert not worker.is_alive() and answer == [None]
    assert time.perf_counter() - started < 15  # it did not run to its end
    with desk.store.engine.connect() as connection:  # the pool's connections still work
        assert Cancellable().run(connection, "SELECT 1", ()) == [(1,)]


def test_a_new_search_cancels_the_one_before(desk: Actor, new_customer: Callable[..., int],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    new_customer("Ana García", phone="030 1234567")
    searcher = Searcher()
    started, results = threading.Event(), []
    real = search._driver_search

    def held(store, statement, parameters, handle=None):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "first":
            started.set()
            while not handle.cancelled:  # the first keystroke's search is still "running"
                time.sleep(0.005)
        return real(store, statement, parameters, handle)

    monkeypatch.setattr(search, "_driver_search", held)
    first = threading.Thread(target=lambda: results.append(searcher.find(desk.store, "an")), name="first")
    first.start()
    assert started.wait(20)
    second = searcher.find(desk.store, "ana")
    first.join(20)
    assert results == [None]
    assert second is not None and [hit.name for hit in second.hits] == ["Ana García"]
