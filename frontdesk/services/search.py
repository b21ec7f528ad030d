"""Finding a customer from a few typed letters or digits.

Every customer has search tokens: each folded name word ("n:garcia"), the
digits of the phone with and without country code ("p:15555550123",
"p:5555550123") and the email ("e:ana@example.com"). A query becomes one
statement: prefix range scans on the token index, bounded to `CANDIDATES`
matches, ranked flagged first, then by most recent visit. Accents and case never
matter ("jose" finds "José"), nor how a phone is typed ("+1 (555) 12",
"0044 20", "555 12").
"""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

import phonenumbers
from sqlalchemy import Connection, Dialect, bindparam, delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from frontdesk.schemas.reads import SearchHit, SearchResult
from frontdesk.store.db import Store
from frontdesk.store.models import Customer, SearchToken, UTCDateTime
from frontdesk.text import fold

CANDIDATES = 200
"""How many index matches are ranked; one- and two-letter queries stay fast."""
QUERY_WORDS = 8
QUERY_CHARACTERS = 100
"""What of a query is used: 150 pasted words took 3 s on PostgreSQL, 1,000 never finished, and made
SQLite's expression tree too large. A name or phone needs far less."""
SCREEN_ROWS = 20
LEVEL_RANK = {"priority": 3, "care": 2, "info": 1}

_PHONE_QUERY = re.compile(r"^[\d\s+()\-./]+$")
_UNSENDABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (Cc) and surrogates: in no token, and refused by the database (NUL by PostgreSQL)."""


def name_words(name: str) -> set[str]:
    """Searchable words of a name: "María García-López" gives maria, garcia, lopez, garcialopez."""
    words: set[str] = set()
    for chunk in fold(name).split():
        parts = [part for part in re.split(r"[^\w]+|_", chunk) if part]
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
    return {word[:70] for word in words}


_COUNTRY_CODES = frozenset(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def phone_digits(e164: str) -> set[str]:
    """The phone's digits with its country code and without (the national number).

    A stored phone is E.164: "+", the country code, then the national number;
    country codes are prefix-free, so the national number is what follows
    the code the digits start with. That gives what parsing the number
    gives, at a fiftieth of the cost, which matters when a bulk load indexes
    a million phones.
    """
    digits = e164.lstrip("+")
    if e164.startswith("+"):
        for size in (1, 2, 3):
            if digits[:size] in _COUNTRY_CODES:
                return {digits, digits[size:]} if len(digits) > size else {digits}
    return {digits}


def tokens_for(name: str, phone: str | None, email: str | None) -> set[str]:
    tokens = {f"n:{word}" for word in name_words(name)}
    if phone:
        tokens.update(f"p:{digits}" for digits in phone_digits(phone))
    if email:
        tokens.add(f"e:{email[:75]}")
    return tokens


def index_customer(session: Session, customer: Customer) -> None:
    """Replace the customer's search tokens (after a create or an edit)."""
    session.execute(delete(SearchToken).where(SearchToken.customer_id == customer.id))
    session.add_all(
        SearchToken(token=token, customer_id=customer.id)
        for token in tokens_for(customer.name, customer.phone, customer.email)
    )


def bounded(text: str) -> tuple[str, bool]:
    """The part of a query that is used (its first 100 characters, then its first 8 words), and whether
    anything was left out."""
    used = text[:QUERY_CHARACTERS]
    words = used.split()
    if len(words) > QUERY_WORDS:
        used = " ".join(words[:QUERY_WORDS])
    return used, used.split() != text.split()


def query_prefixes(text: str) -> list[list[str]]:
    """The token prefixes a query asks for: each inner list is one word's alternatives."""
    return _prefixes(bounded(text)[0])


def _prefixes(used: str) -> list[list[str]]:
    """`query_prefixes` of the part of a query that is used."""
    raw = _UNSENDABLE.sub(" ", used).strip()  # a pasted NUL or Esc separates words, as a space would
    if not raw:
        return []
    if _PHONE_QUERY.match(raw) and any(char.isdigit() for char in raw):
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("+"):
            return [[f"p:{digits}"]]
        if digits.startswith("00"):
            return [[f"p:{digits[2:]}"]] if len(digits) > 2 else [[f"p:{digits}"]]
        if digits.startswith("0") and len(digits) > 1:
            return [[f"p:{digits.lstrip('0')}", f"p:{digits}"]]
        return [[f"p:{digits}"]]
    words = [word for word in fold(raw).split() if word]
    prefixes = []
    for word in words:
        parts = [part for part in re.split(r"[^\w]+|_", word) if part]
        # Punctuation is left out as it is from names: "[@cl" finds "[@click=app.quit]x[/]" by "cl".
        alternatives = [f"n:{''.join(parts)}"] if parts else []
        if len(words) == 1:  # a lone word may also be the start of an email (with or without its @)
            alternatives.append(f"e:{raw.lower()}")
        if alternatives:
            prefixes.append(alternatives)
    return prefixes


def _upper_bound(prefix: str) -> str:
    """The first string after every string that starts with `prefix`, in code point order.

    The highest code point cannot be incremented: the bound moves to the
    character before it. The character after U+D7FF is a surrogate, which
    cannot be sent to the database: U+E000 bounds the same strings.
    """
    stem = prefix.rstrip(chr(sys.maxunicode))
    following = ord(stem[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    return stem[:-1] + chr(following)


_LEVEL = "CASE {flag}.level WHEN 'priority' THEN 3 WHEN 'care' THEN 2 WHEN 'info' THEN 1 ELSE 0 END"
"""LEVEL_RANK in SQL: the order flags are shown in."""

_RANKED = f"""
flagged AS (
  SELECT candidates.customer_id AS id,
    (SELECT flag.id FROM flags flag
     WHERE flag.customer_id = candidates.customer_id AND flag.active = :active
     ORDER BY {_LEVEL.format(flag="flag")} DESC, flag.created_at DESC, flag.id DESC LIMIT 1) AS flag_id
  FROM candidates
)
SELECT customer.id, customer.name, customer.phone, customer.email, customer.last_visit_at,
       top.level, top.headline
FROM flagged
JOIN customers customer ON customer.id = flagged.id
LEFT JOIN flags top ON top.id = flagged.flag_id
ORDER BY {_LEVEL.format(flag="top")} DESC, customer.last_visit_at DESC NULLS LAST, customer.id
LIMIT :limit
"""
"""Ranks `candidates(customer_id)`: flagged first (highest level), then the most recent visit.

Each candidate's top flag (highest level, then newest) comes from the
(customer_id, active) index; the customer row is read once.
"""

_COLUMNS = {"last_visit_at": UTCDateTime}


def _range(table: str, name: str) -> str:
    return f"{table}.token >= :{name}_from AND {table}.token < :{name}_to"


@cache
def _search_statement(first: int, rest: tuple[int, ...]) -> TextualSelect:
    """One statement per query shape: `first` alternatives for the longest word, `rest` for each other word.

    Each alternative of the longest word is a prefix range scan on the token
    index, bounded to CANDIDATES and read in index order; the other words
    keep only customers who also have a token in their range; the first
    CANDIDATES distinct customers are ranked. The scans stream, so once the
    first alternative (the name) yields enough customers the second (the
    email) is not read at all. One round trip, no sorting before the
    ranking, and no id lists travelling back and forth (building and
    sending those cost several milliseconds before SQLite did any work).
    What remains at a million customers is reading ~200 customer rows and
    their token pages per broad query: about a millisecond of CPU.
    """
    scans = " UNION ALL ".join(
        f"SELECT customer_id FROM (SELECT customer_id FROM search_tokens "
        f"WHERE {_range('search_tokens', f'first{number}')} ORDER BY token, customer_id LIMIT :bound) AS scan{number}"
        for number in range(first)
    )
    words = [
        "EXISTS (SELECT 1 FROM search_tokens word WHERE word.customer_id = hits.customer_id AND ("
        + " OR ".join(f"({_range('word', f'word{word}_{number}')})" for number in range(alternatives))
        + "))"
        for word, alternatives in enumerate(rest)
    ]
    where = f"WHERE {' AND '.join(words)}" if words else ""
    sql = f"""
WITH hits AS ({scans}),
candidates AS (SELECT DISTINCT customer_id FROM hits {where} LIMIT :bound),
{_RANKED}"""
    return sql_text(sql).columns(**_COLUMNS)


_HIT_FIELDS = frozenset(SearchHit.model_fields)
_new_hit = SearchHit.__new__
_set = object.__setattr__


def _hits(rows: Iterable[Sequence[Any]], instant: Callable[[Any], Any] | None = None) -> list[SearchHit]:
    """Rows of the ranking SQL as read models; `instant` reads last_visit_at when it comes raw from the driver.

    Built as `model_construct` builds a model (its fields, the set of fields
    given, no extra and no private attributes), without its loop over the
    fields' aliases and defaults: that loop took 150 µs for a screen of 20
    hits, a seventh of a search's budget at a million customers.
    """
    hits = []
    for row in rows:
        hit = _new_hit(SearchHit)
        _set(hit, "__dict__", {
            "customer_id": row[0], "name": row[1], "phone": row[2], "email": row[3],
            "last_visit_at": instant(row[4]) if instant else row[4], "flag_level": row[5], "flag_headline": row[6],
        })
        _set(hit, "__pydantic_fields_set__", _HIT_FIELDS)
        _set(hit, "__pydantic_extra__", None)
        _set(hit, "__pydantic_private__", None)
        hits.append(hit)
    return hits


def search_parameters(prefixes: Sequence[Sequence[str]], limit: int) -> tuple[TextualSelect, dict[str, Any]]:
    """The statement and its parameters for a query's prefixes (the longest word scanned first)."""
    ordered = sorted(prefixes, key=lambda alternatives: -max(len(p) for p in alternatives))
    first, rest = ordered[0], ordered[1:]
    parameters: dict[str, Any] = {"bound": CANDIDATES, "limit": limit, "active": True}
    for number, prefix in enumerate(first):
        parameters[f"first{number}_from"], parameters[f"first{number}_to"] = prefix, _upper_bound(prefix)
    for word, alternatives in enumerate(rest):
        for number, prefix in enumerate(alternatives):
            parameters[f"word{word}_{number}_from"] = prefix
            parameters[f"word{word}_{number}_to"] = _upper_bound(prefix)
    return _search_statement(len(first), tuple(len(alternatives) for alternatives in rest)), parameters


_RANK_IDS = sql_text(
    "WITH candidates AS (SELECT id AS customer_id FROM customers WHERE id IN :ids),"
    + _RANKED
).bindparams(bindparam("ids", expanding=True)).columns(**_COLUMNS)


def rank(session: Session, ids: Iterable[int], limit: int) -> list[SearchHit]:
    """Flagged customers first (highest level first), then the most recent visit."""
    ids = list(ids)
    if not ids:
        return []
    return _hits(session.execute(_RANK_IDS, {"ids": ids, "limit": limit, "active": True}))


@cache
def _instant_reader(dialect: Dialect) -> Callable[[Any], Any]:
    """last_visit_at as the driver returns it, read the way UTCDateTime reads it."""
    reader = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    return reader or (lambda value: value)


PROGRESS_STEPS = 20_000
"""SQLite virtual-machine steps between two looks at whether a search was cancelled (microseconds apart)."""


class Cancellable:
    """A search statement that another thread may cancel in the database while it runs.

    The DBAPI connection is known only while the statement runs (under a
    lock), so a late cancel never reaches a pooled connection's next user.
    PostgreSQL gets a cancel request for the statement; SQLite's
    `interrupt()` stops it where it is, and a progress handler stops one
    that the interrupt reached a moment before it began. Rows that arrive
    after a cancel are dropped all the same.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: Any = None
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._running is not None:
                if isinstance(self._running, sqlite3.Connection):
                    self._running.interrupt()
                else:
                    self._running.cancel_safe(timeout=2.0)

    def run(self, connection: Connection, sql: str, arguments: Any) -> Sequence[Any] | None:
        """The statement's rows, or None when cancelled (before it started, or while it ran)."""
        raw: Any = connection.connection.driver_connection
        sqlite = isinstance(raw, sqlite3.Connection)
        with self._lock:
            if self.cancelled:
                return None
            self._running = raw
        if sqlite:
            raw.set_progress_handler(lambda: self.cancelled, PROGRESS_STEPS)
        try:
            rows = connection.exec_driver_sql(sql, arguments).all()
        except DBAPIError:
            if self.cancelled:
                return None
            raise
        finally:
            with self._lock:
                self._running = None
            if sqlite:
                raw.set_progress_handler(None, 0)
        return None if self.cancelled else rows


class Searcher:
    """One search box: each new search cancels the one still running for the text typed before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: Cancellable | None = None

    def find(self, store: Store, text: str, limit: int = SCREEN_ROWS) -> SearchResult | None:
        """Customers matching `text` (see `search_customers`), or None if a newer search cancelled this one."""
        handle = Cancellable()
        with self._lock:
            previous, self._current = self._current, handle
        if previous is not None:
            previous.cancel()
        return search_customers(store, text, limit, handle)


_COMPILED: dict[tuple[str, TextualSelect], tuple[str, tuple[str, ...] | None]] = {}


def _driver_search(store: Store, statement: TextualSelect, parameters: dict[str, Any],
                   handle: Cancellable | None = None) -> list[SearchHit] | None:
    """Run a search statement as driver SQL on a plain connection: no session, no statement cache lookups.

    An ORM session around one read costs more than the statement itself
    (about 0.3 ms of a 1 ms budget per keystroke). So the search compiles
    its statement once per shape and dialect and sends the driver's SQL on
    a Core connection, which still reports it to engine events and wraps
    driver errors as any other read would. None: cancelled through `handle`.
    """
    dialect = store.engine.dialect
    compiled = _COMPILED.get((dialect.name, statement))
    if compiled is None:
        done = statement.compile(dialect=dialect)
        compiled = (str(done), tuple(done.positiontup) if done.positiontup else None)
        _COMPILED[(dialect.name, statement)] = compiled
    sql, order = compiled
    arguments: Any = tuple(parameters[name] for name in order) if order is not None else parameters
    with store.connect() as connection:
        # Nothing can cancel a search without a handle: no lock, no progress handler.
        rows = handle.run(connection, sql, arguments) if handle else connection.exec_driver_sql(sql, arguments).all()
    return None if rows is None else _hits(rows, _instant_reader(dialect))


def search_customers(store: Store, text: str, limit: int = SCREEN_ROWS,
                     handle: Cancellable | None = None) -> SearchResult | None:
    """Customers matching a typed query, flagged first, and whether part of the query was left out
    (at most 8 words and 100 characters are used). None: cancelled through `handle`."""
    used, shortened = bounded(text)
    prefixes = _prefixes(used)
    if not prefixes:
        return SearchResult(hits=(), shortened=shortened)
    statement, parameters = search_parameters(prefixes, limit)
    hits = _driver_search(store, statement, parameters, handle)
    # Built without validation, like the hits: a keystroke's budget is a millisecond.
    return None if hits is None else SearchResult.model_construct(hits=tuple(hits), shortened=shortened)


def find_customers(store: Store, text: str, limit: int = SCREEN_ROWS) -> list[SearchHit]:
    """Customers matching a typed query: one screen of rows, flagged first."""
    result = search_customers(store, text, limit)
    assert result is not None  # nothing can cancel it
    return list(result.hits)
