"""Finding a customer from a few typed letters or digits.

Every customer has search tokens: each folded name word ("n:garcia"), the
digits of the phone with and without country code ("p:15555550123",
"p:5555550123") and the email ("e:ana@example.com"). A query becomes prefix
range scans on the token index, bounded to `CANDIDATES` matches; those are
ranked flagged first, then by most recent visit. Accents and case never
matter ("jose" finds "José"), nor how a phone is typed ("+1 (555) 12",
"0044 20", "555 12").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import phonenumbers
from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from frontdesk.schemas.reads import SearchHit
from frontdesk.store.db import Store
from frontdesk.store.models import Customer, Flag, SearchToken

CANDIDATES = 200
"""How many index matches are ranked; one- and two-letter queries stay fast."""
SCREEN_ROWS = 20
LEVEL_RANK = {"priority": 3, "care": 2, "info": 1}

_EXTRA_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_PHONE_QUERY = re.compile(r"^[\d\s+()\-./]+$")


def fold(text: str) -> str:
    """Lower-case, accent-free: "José" and "JOSE" both give "jose"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_FOLDS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_words(name: str) -> set[str]:
    """Searchable words of a name: "María García-López" gives maria, garcia, lopez, garcialopez."""
    words: set[str] = set()
    for chunk in fold(name).split():
        parts = [part for part in re.split(r"[^\w]+|_", chunk) if part]
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
    return {word[:70] for word in words}


def phone_digits(e164: str) -> set[str]:
    """The phone's digits with its country code and without (the national number)."""
    digits = {e164.lstrip("+")}
    try:
        number = phonenumbers.parse(e164, None)
        digits.add(phonenumbers.national_significant_number(number))
    except phonenumbers.NumberParseException:
        pass
    return digits


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


def query_prefixes(text: str) -> list[list[str]]:
    """The token prefixes a query asks for: each inner list is one word's alternatives."""
    raw = text.strip()
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
    if "@" in raw:
        return [[f"e:{raw.lower()}"]]
    words = [word for word in fold(raw).split() if word]
    prefixes = []
    for word in words:
        parts = [part for part in re.split(r"[^\w]+|_", word) if part]
        alternatives = [f"n:{''.join(parts)}"] if parts else []
        if len(words) == 1:
            alternatives.append(f"e:{raw.lower()}")
        if alternatives:
            prefixes.append(alternatives)
    return prefixes


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _prefix_condition(prefix: str):  # type: ignore[no-untyped-def]
    return and_(SearchToken.token >= prefix, SearchToken.token < _upper_bound(prefix))


def candidate_ids(session: Session, prefixes: Sequence[Sequence[str]], limit: int = CANDIDATES) -> list[int]:
    """Customer ids whose tokens match every word of the query, at most `limit` of them."""
    if not prefixes:
        return []
    ordered = sorted(prefixes, key=lambda alternatives: -max(len(p) for p in alternatives))
    first, rest = ordered[0], ordered[1:]
    ids: list[int] = []
    seen: set[int] = set()
    for prefix in first:
        statement = select(SearchToken.customer_id).where(_prefix_condition(prefix)).limit(limit)
        for customer_id in session.scalars(statement):
            if customer_id not in seen:
                seen.add(customer_id)
                ids.append(customer_id)
    for alternatives in rest:
        if not ids:
            break
        condition = _prefix_condition(alternatives[0])
        for prefix in alternatives[1:]:
            condition = condition | _prefix_condition(prefix)
        statement = select(SearchToken.customer_id).where(SearchToken.customer_id.in_(ids), condition).distinct()
        keep = set(session.scalars(statement))
        ids = [customer_id for customer_id in ids if customer_id in keep]
    return ids[:limit]


def rank(session: Session, ids: Iterable[int], limit: int) -> list[SearchHit]:
    """Flagged customers first (highest level first), then the most recent visit."""
    ids = list(ids)
    if not ids:
        return []
    level = case(
        (Flag.level == "priority", 3), (Flag.level == "care", 2), (Flag.level == "info", 1), else_=0
    )
    flags = (
        select(Flag.customer_id, func.max(level).label("rank"))
        .where(Flag.customer_id.in_(ids), Flag.active.is_(True))
        .group_by(Flag.customer_id)
        .subquery()
    )
    statement = (
        select(Customer.id, Customer.name, Customer.phone, Customer.email, Customer.last_visit_at, flags.c.rank)
        .outerjoin(flags, flags.c.customer_id == Customer.id)
        .where(Customer.id.in_(ids))
        .order_by(func.coalesce(flags.c.rank, 0).desc(), Customer.last_visit_at.desc().nulls_last(), Customer.id)
        .limit(limit)
    )
    rows = session.execute(statement).all()
    flagged = [row.id for row in rows if row.rank]
    headlines = _top_flags(session, flagged)
    hits = []
    for row in rows:
        flag = headlines.get(row.id)
        hits.append(
            SearchHit.model_construct(
                customer_id=row.id,
                name=row.name,
                phone=row.phone,
                email=row.email,
                last_visit_at=row.last_visit_at,
                flag_level=flag[0] if flag else None,
                flag_headline=flag[1] if flag else None,
            )
        )
    return hits


def _top_flags(session: Session, customer_ids: list[int]) -> dict[int, tuple[str, str]]:
    if not customer_ids:
        return {}
    statement = select(Flag.customer_id, Flag.level, Flag.headline, Flag.created_at).where(
        Flag.customer_id.in_(customer_ids), Flag.active.is_(True)
    )
    best: dict[int, tuple[int, object, str, str]] = {}
    for row in session.execute(statement):
        key = (LEVEL_RANK.get(row.level, 0), row.created_at)
        current = best.get(row.customer_id)
        if current is None or key > current[:2]:
            best[row.customer_id] = (*key, row.level, row.headline)
    return {customer_id: (value[2], value[3]) for customer_id, value in best.items()}


def find_customers(store: Store, text: str, limit: int = SCREEN_ROWS) -> list[SearchHit]:
    """Customers matching a typed query: one screen of rows, flagged first."""
    prefixes = query_prefixes(text)
    if not prefixes:
        return []
    with store.read() as session:
        return rank(session, candidate_ids(session, prefixes), limit)
