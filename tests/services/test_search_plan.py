"""Search at scale: the queries `find_customers` really runs use the token index.

The store is filled in bulk (not through the services, which would take
minutes), then every statement a search executes is captured and explained
with its own parameters. A tiny table gets a full scan whatever the index,
so each backend gets enough rows first: 20k customers on SQLite; on
PostgreSQL about 50k tokens followed by ANALYZE (no planner switches).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import event

from frontdesk.services.search import find_customers, tokens_for

SYLLABLES = ["an", "ba", "ca", "da", "el", "fe", "ga", "ha", "il", "jo", "ka", "lu", "ma", "ne", "ol", "pa",
             "qu", "ri", "sa", "to", "ul", "ve", "wi", "xa", "yo", "zu", "br", "ch", "st", "tr"]


def fake_people(count: int, seed: int = 7) -> Iterator[tuple[int, str, str, str, list[str]]]:
    """Plain-ASCII names with Berlin numbers; their tokens are written out here as `tokens_for` gives them."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        last = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        national = f"30{rng.randrange(10**7, 10**8)}"
        email = f"{first}.{last}{number}@{rng.choice(string.ascii_lowercase)}mail.example"
        tokens = [f"n:{first}", f"n:{last}", f"p:49{national}", f"p:{national}", f"e:{email}"]
        yield number, f"{first.capitalize()} {last.capitalize()}", f"+49{national}", email, sorted(set(tokens))


def fill(store, count: int) -> None:
    """Customers and their search tokens, inserted in bulk, plus the one García the searches look for."""
    people = list(fake_people(count))
    assert people[0][4] == sorted(tokens_for(*people[0][1:4])), "the bulk tokens are the ones the services write"
    garcia = ("Ana García", "+442079460018", "ana.garcia@example.com")
    people.append((count + 1, *garcia, sorted(tokens_for(*garcia))))
    since = datetime(2025, 1, 1)
    customers = [(number, name, phone, email, since, since, False, False, False, False, 1)
                 for number, name, phone, email, _ in people]
    tokens = [(token, number) for number, *_, person_tokens in people for token in person_tokens]
    columns = ("id, name, phone, email, customer_since, created_at, consent_call, consent_text, consent_email, "
               "consent_post, version")
    with store.engine.begin() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        if store.is_sqlite:
            cursor.executemany(f"INSERT INTO customers ({columns}) VALUES ({', '.join('?' * 11)})",
                               [(*row[:4], str(since), str(since), *row[6:]) for row in customers])
            cursor.executemany("INSERT INTO search_tokens (token, customer_id) VALUES (?, ?)", tokens)
        else:
            with cursor.copy(f"COPY customers ({columns}) FROM STDIN") as copy:
                for row in customers:
                    copy.write_row(row)
            with cursor.copy("COPY search_tokens (token, customer_id) FROM STDIN") as copy:
                for row in tokens:
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence('customers', 'id'), %s)", (len(people) + 1,))
            cursor.execute("ANALYZE customers")
            cursor.execute("ANALYZE search_tokens")


def captured(store, text: str) -> tuple[list[str], list[tuple[str, object]]]:
    """The names a search finds, and every statement (with parameters) it ran against search_tokens."""
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "search_tokens" in statement:
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        names = [hit.name for hit in find_customers(store, text)]
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return names, statements


def plans(store, statements: list[tuple[str, object]]) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if store.is_sqlite else "EXPLAIN "
    with store.engine.connect() as connection:
        return [
            "\n".join(str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters))
            for statement, parameters in statements
        ]


QUERIES = ["garc", "ana garc", "0044 20", "ana.garcia@", "g"]


@pytest.fixture
def big_store(store):
    fill(store, 20_000 if store.is_sqlite else 10_000)  # 100k and 50k tokens
    return store


def sqlite_full_scans(plan: str) -> list[str]:
    """Plan lines that read a whole table or index: a SCAN of anything but a subquery the plan builds."""
    built = {line.split()[1] for line in plan.splitlines() if line.startswith(("CO-ROUTINE ", "MATERIALIZE "))}
    return [line for line in plan.splitlines() if line.startswith("SCAN ") and line.split()[1] not in built]


def test_search_uses_the_token_index(big_store):
    """Every statement a search runs reads search_tokens by index ranges, never whole."""
    store = big_store
    for text in QUERIES:
        names, statements = captured(store, text)
        if text == "g":
            assert len(names) == 20, "one screen of rows"
        else:
            assert names == ["Ana García"], text
        assert statements, text
        for plan in plans(store, statements):
            if store.is_sqlite:
                assert sqlite_full_scans(plan) == [], (text, plan)
            else:
                assert "Seq Scan on search_tokens" not in plan, (text, plan)

    # The check itself sees a whole-table read when there is one.
    if store.is_sqlite:
        bad = plans(store, [("SELECT customer_id FROM search_tokens WHERE token LIKE ?", ("%garc%",))])[0]
        assert sqlite_full_scans(bad), bad
    else:
        bad = plans(store, [("SELECT customer_id FROM search_tokens WHERE token LIKE %(p)s", {"p": "%garc%"})])[0]
        assert "Seq Scan on search_tokens" in bad, bad

    # The longest word's prefix is a range scan on the primary key (token, customer_id).
    _, statements = captured(store, "garc")
    plan = "\n".join(plans(store, statements))
    if store.is_sqlite:
        assert "SEARCH search_tokens USING COVERING INDEX sqlite_autoindex_search_tokens_1 (token>? AND token<?)" \
            in plan, plan
    else:
        assert "Index Only Scan using pk_search_tokens on search_tokens" in plan \
            or "Index Scan using pk_search_tokens on search_tokens" in plan, plan
        assert "Index Cond: ((token >= 'n:garc'::text) AND (token < 'n:gard'::text))" in plan, plan
