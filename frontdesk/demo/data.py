"""data/demo.toml read through pydantic models, like the playbooks: a typo names its entry.

The demo restaurant and the bench's synthetic store draw their people,
places and stories from here.
"""

from __future__ import annotations

import random
import re
import tomllib
from functools import cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from frontdesk.paths import bundled
from frontdesk.schemas.vocab import Severity
from frontdesk.text import fold

Words = tuple[str, ...]
NonEmpty = Annotated[Words, Field(min_length=1)]


class Seed(BaseModel):
    """A demo.toml table: frozen, and unknown keys refused (a misspelt key is not silently dropped)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteSeed(Seed):
    name: str
    time_zone: str
    phone_region: str
    currency: str


class StaffSeed(Seed):
    name: str
    role: str
    pin: str
    """Their PIN: `frontdesk demo` prints it and README lists it, so the demo stays usable."""


class People(Seed):
    """Guests from one country: their names, phone patterns and email domains."""

    region: str
    weight: Annotated[StrictInt, Field(ge=1)]
    domains: NonEmpty
    phone: NonEmpty
    first: NonEmpty
    last: NonEmpty


class Places(Seed):
    streets: NonEmpty
    towns: NonEmpty
    products: NonEmpty
    locations: NonEmpty
    handoffs: NonEmpty


class Story(Seed):
    """Something that went wrong, as a careful host would depose it."""

    category: str
    severities: Annotated[tuple[Severity, ...], Field(min_length=1)]
    description: str
    reaction: str | None = None
    remedy: str | None = None
    cost: Annotated[StrictInt, Field(ge=0)] = 0
    """In the site's major unit (dollars)."""
    product: str | None = None
    promise: str | None = None
    likelihood: str | None = None
    handoff: str | None = None


class DemoData(Seed):
    """data/demo.toml, read once: the demo's and the synthetic store's raw material."""

    site: SiteSeed
    staff: Annotated[tuple[StaffSeed, ...], Field(min_length=1)]
    people: Annotated[tuple[People, ...], Field(min_length=1)]
    places: Places
    stories: Annotated[tuple[Story, ...], Field(min_length=1, alias="story")]


@cache
def demo_data() -> DemoData:
    return DemoData.model_validate(tomllib.loads(bundled("demo.toml")))


def fill_phone(pattern: str, rng: random.Random) -> str:
    """A number from a pattern: `#` any digit, `N` a digit from 2 to 9."""
    return "".join(
        str(rng.randrange(10)) if char == "#" else str(rng.randrange(2, 10)) if char == "N" else char
        for char in pattern
    )


def email_local_part(first: str, last: str, style: int) -> str:
    """An ASCII mailbox name from a person's name ("Łukasz Wójcik" gives lukasz.wojcik)."""
    first_part = re.sub(r"[^a-z0-9]", "", fold(first))
    last_part = re.sub(r"[^a-z0-9]", "", fold(last))
    return (f"{first_part}.{last_part}", f"{first_part}{last_part}", f"{first_part[:1]}{last_part}",
            f"{last_part}.{first_part}")[style % 4]
