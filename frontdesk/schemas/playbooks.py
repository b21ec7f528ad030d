"""The playbook and category files: their shape, and errors that name the entry."""

from __future__ import annotations

import re
import tomllib
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from frontdesk.errors import FrontdeskError
from frontdesk.schemas.base import (
    Input,
    OptionalText,
    RequiredLine,
    plain_message,
    problem,
)
from frontdesk.schemas.vocab import SEVERITIES, Channel, Severity


class StepSpec(Input):
    kind: Literal["check_in", "wrap_up"]
    channel: Channel
    offset_days: int = Field(ge=0, le=365)
    at_hour: int = Field(default=10, ge=0, le=23)
    at_minute: int = Field(default=0, ge=0, le=59)
    words: OptionalText = None


class CheckSpec(Input):
    kind: Literal["handoff_check", "promise_check"]
    channel: Channel
    offset_days: int = Field(default=0, ge=0, le=365)
    at_hour: int | None = Field(default=None, ge=0, le=23)
    at_minute: int = Field(default=0, ge=0, le=59)
    words: OptionalText = None


class PlaybookSpec(Input):
    severity: Severity
    category: str | None = None
    name: RequiredLine
    step: list[StepSpec] = Field(min_length=1)


_CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class CategorySpec(Input):
    key: str
    label: RequiredLine

    @field_validator("key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> str:
        """Checked by hand: a regex pattern's own error is not words a manager can act on."""
        if not isinstance(value, str) or not _CATEGORY_KEY.match(value):
            raise problem("lower-case letters, digits and _ only, starting with a letter, at most 40 (e.g. food)")
        return value


class PlaybookFile(Input):
    """A playbooks file: plans by severity and category, the two checks, optional categories."""

    playbook: list[PlaybookSpec] = Field(min_length=1)
    check: list[CheckSpec] = Field(default_factory=list)
    category: list[CategorySpec] | None = None

    @model_validator(mode="after")
    def _complete(self) -> PlaybookFile:
        seen: set[tuple[str, str | None]] = set()
        for number, playbook in enumerate(self.playbook, 1):
            key = (playbook.severity, playbook.category)
            if key in seen:
                raise ValueError(f"playbook {number}: a second plan for {playbook.severity}/{playbook.category or 'any category'}")
            seen.add(key)
        missing = [severity for severity in SEVERITIES if (severity, None) not in seen]
        if missing:
            raise ValueError(f"no plan for any category at severity {', '.join(missing)}")
        kinds = [check.kind for check in self.check]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each [[check]] kind may appear once")
        if self.category is not None:
            keys = [category.key for category in self.category]
            if len(set(keys)) != len(keys):
                raise ValueError("a category key appears twice")
        return self


class PlaybookFileError(FrontdeskError):
    """A playbooks file that cannot be used; the message names file, entry and problem."""


_ENTRY_NAMES = {"playbook": "playbook", "step": "step", "check": "check", "category": "category"}


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    index = 0
    while index < len(loc):
        part = loc[index]
        if isinstance(part, str) and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            parts.append(f"{_ENTRY_NAMES.get(part, part)} {loc[index + 1] + 1}")
            index += 2
        else:
            parts.append(str(part))
            index += 1
    return ", ".join(parts)


def parse_playbook_file(text: str, source: str) -> PlaybookFile:
    """Parse and validate a playbooks TOML text; `source` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookFileError(f"{source}: not valid TOML ({exc})") from None
    try:
        return PlaybookFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _where(tuple(error["loc"]))
        message = plain_message(error)
        raise PlaybookFileError(f"{source}: {where + ': ' if where else ''}{message}") from None


def parse_categories(text: str, source: str) -> list[CategorySpec]:
    try:
        raw = tomllib.loads(text)
        return [CategorySpec.model_validate(entry) for entry in raw.get("category", [])]
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise PlaybookFileError(f"{source}: {exc}") from None
