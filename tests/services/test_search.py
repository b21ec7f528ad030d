"""Search: any word prefix of the name, phone digits however typed, email prefix; flagged first."""

from __future__ import annotations

import pytest
from _support import utc

from frontdesk.services import customers
from frontdesk.services.search import find_customers

PEOPLE = {
    "José Pérez": {"phone": "+1 (555) 123-4567", "email": "Jose.Perez@example.com"},
    "Ana García": {"phone": "+44 20 7946 0018", "email": "ana.garcia@example.com"},
    "Joseph Smith": {"phone": "030 1234567", "email": "jsmith@example.net"},  # a Berlin number, typed locally
    "Ana Müller": {},
    "Łukasz Øberg": {"phone": "0171 5550199"},
}


@pytest.fixture
def people(desk, new_customer) -> dict[str, int]:
    return {name: new_customer(name, **details) for name, details in PEOPLE.items()}


def found(desk, text: str) -> list[str]:
    return [hit.name for hit in find_customers(desk.store, text)]


NAME_QUERIES = {
    "jose": {"José Pérez", "Joseph Smith"},
    "JOSÉ": {"José Pérez", "Joseph Smith"},
    "josé p": {"José Pérez"},
    "perez": {"José Pérez"},
    "garc": {"Ana García"},
    "GARCÍA": {"Ana García"},
    "ana garc": {"Ana García"},
    "garc ana": {"Ana García"},
    "muller": {"Ana Müller"},
    "lukasz": {"Łukasz Øberg"},
    "oberg": {"Łukasz Øberg"},
    "smith joseph": {"Joseph Smith"},
    "nobody": set(),
}


def test_name_words_any_case_and_accent(desk, people):
    """Case and accents never matter ("jose" finds José); a later word counts ("garc" finds Ana García)."""
    assert {typed: set(found(desk, typed)) for typed in NAME_QUERIES} == NAME_QUERIES


PHONE_QUERIES = {
    "555 12": ["José Pérez"],  # the national number as read out
    "+1 (555) 12": ["José Pérez"],  # with the country code, punctuation and all
    "1-555-123": ["José Pérez"],
    "0044 20": ["Ana García"],  # international prefix 00
    "+44 20 79": ["Ana García"],
    "20 7946": ["Ana García"],
    "030 12": ["Joseph Smith"],  # the trunk 0 of a local number
    "+49 30 123": ["Joseph Smith"],
    "0171 555": ["Łukasz Øberg"],
    "+1 (555) 99": [],
}


def test_phone_typed_any_way(desk, people):
    assert {typed: found(desk, typed) for typed in PHONE_QUERIES} == PHONE_QUERIES


EMAIL_QUERIES = {
    "ana.g": ["Ana García"],
    "jose.perez@": ["José Pérez"],
    "JSMITH@EXAMPLE.N": ["Joseph Smith"],
    "jsmith": ["Joseph Smith"],
    "jsmith@example.com": [],
}


def test_email_prefix(desk, people):
    assert {typed: found(desk, typed) for typed in EMAIL_QUERIES} == EMAIL_QUERIES


def test_one_and_two_characters_answer(desk, people):
    assert set(found(desk, "j")) == {"José Pérez", "Joseph Smith"}
    assert set(found(desk, "a")) == {"Ana García", "Ana Müller"}
    assert set(found(desk, "an")) == {"Ana García", "Ana Müller"}
    assert set(found(desk, "ø")) == {"Łukasz Øberg"}
    assert found(desk, "5") == ["José Pérez"]
    assert found(desk, "44") == ["Ana García"]
    assert found(desk, "") == [] and found(desk, "   ") == []


def test_flagged_first_then_most_recent_visit(desk, clock, log, people):
    customers.check_in(desk, people["Ana Müller"])
    clock.set(utc(2026, 11, 20, 19))
    customers.check_in(desk, people["Ana García"])

    assert found(desk, "ana") == ["Ana García", "Ana Müller"], "latest visit first"

    log(customer_id=people["Ana Müller"], severity="moderate")

    hits = find_customers(desk.store, "ana")
    assert [hit.name for hit in hits] == ["Ana Müller", "Ana García"], "flagged before a later visit"
    assert (hits[0].flag_level, hits[1].flag_level) == ("care", None)
    assert hits[0].flag_headline and "Ana" not in hits[0].flag_headline


def test_higher_flag_level_ranks_first(desk, log, people):
    log(customer_id=people["José Pérez"], severity="moderate")
    log(customer_id=people["Joseph Smith"], severity="critical", category="safety")

    assert found(desk, "jo") == ["Joseph Smith", "José Pérez"]


def test_one_screen_of_rows(desk, new_customer):
    for number in range(25):
        new_customer(f"Bruno Test{number:02d}")

    assert len(find_customers(desk.store, "bru")) == 20
    assert len(find_customers(desk.store, "bru", limit=5)) == 5


def test_an_edited_name_is_found_by_its_new_words_only(desk, people):
    customer_id = people["Ana Müller"]
    card = customers.customer_card(desk, customer_id)
    customers.edit_customer(desk, customer_id, card.version,
                            customers.parse_customer(desk, {"name": "Ana Schäfer", "email": "ana@schaefer.de"}))

    assert found(desk, "schafer") == ["Ana Schäfer"]
    assert found(desk, "muller") == []
    assert found(desk, "ana@sch") == ["Ana Schäfer"]


def test_hits_are_the_read_models_validation_would_build(desk, log, people):
    """The search builds its hits without pydantic's per-field loop: each equals the model validated from its
    own fields, keeps it frozen, and dumps the same."""
    from pydantic import ValidationError

    from frontdesk.schemas.reads import SearchHit

    customers.check_in(desk, people["Ana Müller"])
    log(customer_id=people["Ana García"], severity="moderate")
    hits = find_customers(desk.store, "ana")
    assert {hit.name for hit in hits} == {"Ana García", "Ana Müller"}
    for hit in hits:
        validated = SearchHit.model_validate(hit.model_dump())
        assert hit == validated and hit.model_dump() == validated.model_dump() and hash(hit) == hash(validated)
        assert hit.model_fields_set == validated.model_fields_set
        with pytest.raises(ValidationError):
            hit.name = "someone else"  # type: ignore[misc]
    assert any(hit.flag_level for hit in hits)
