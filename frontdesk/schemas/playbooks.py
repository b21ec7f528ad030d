"""The playbook and category files: their shape, and errors that name the entry."""

from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictInt, ValidationError, model_validator

from frontdesk.errors import FrontdeskError
from frontdesk.schemas.base import (
    Input,
    OptionalText,
    RequiredLine,
    plain_message,
    problem,
)
from frontdesk.schemas.vocab import SEVERITIES, Channel, Severity

FILE_MAX_BYTES = 256 * 1024
"""A playbooks file is a page or two of TOML; anything this large is the wrong file."""
DEPTH_MAX = 6
"""Tables and arrays nested deeper than a playbook's steps are in no playbooks file."""
STEPS_MAX = 20
PLAYBOOKS_MAX = 200
CATEGORIES_MAX = 100
ROOT_CAUSES_MAX = 100
UNKNOWN_ROOT_CAUSE = "unknown"
"""Always on the list: closing is never blocked for want of a cause (and "unknown" is counted)."""

# Numbers are TOML integers: `offset_days = true` or `= 1.5` is refused, not read as 1.
Days = Annotated[StrictInt, Field(ge=0, le=365)]
Hour = Annotated[StrictInt, Field(ge=0, le=23)]
Minute = Annotated[StrictInt, Field(ge=0, le=59)]

_CATEGORY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _category_key(value: Any) -> str:
    """Checked by hand: a regex pattern's own error is not words a manager can act on."""
    if not isinstance(value, str) or not _CATEGORY_KEY.match(value):
        raise problem("lower-case letters, digits and _ only, starting with a letter, at most 40 (e.g. food)")
    return value


CategoryKey = Annotated[str, BeforeValidator(_category_key)]


class StepSpec(Input):
    kind: Literal["check_in", "wrap_up"]
    channel: Channel
    offset_days: Days
    at_hour: Hour = 10
    at_minute: Minute = 0
    words: OptionalText = None


class CheckSpec(Input):
    kind: Literal["handoff_check", "promise_check"]
    channel: Channel
    offset_days: Days = 0
    at_hour: Hour | None = None
    at_minute: Minute = 0
    words: OptionalText = None


class PlaybookSpec(Input):
    severity: Severity
    category: CategoryKey | None = None
    name: RequiredLine
    step: list[StepSpec] = Field(min_length=1, max_length=STEPS_MAX)


SENSITIVE_CATEGORIES = frozenset({"allergy", "safety", "injury", "health"})
"""Categories whose wording stays off screens a guest may read, unless a file says otherwise."""


class CategorySpec(Input):
    key: CategoryKey
    label: RequiredLine
    sensitive: bool | None = None
    """None: sensitive if the key is one of SENSITIVE_CATEGORIES (an existing row keeps its own)."""


class RootCauseSpec(Input):
    """One root cause an episode may close with (`[[root_cause]]`)."""

    key: CategoryKey
    label: RequiredLine


def check_root_causes(causes: list[RootCauseSpec]) -> None:
    """Keys once each, and `unknown` among them; raises ValueError naming the problem."""
    keys = [cause.key for cause in causes]
    if len(set(keys)) != len(keys):
        raise ValueError("a root cause key appears twice")
    if UNKNOWN_ROOT_CAUSE not in keys:
        raise ValueError(f"the root causes must include {UNKNOWN_ROOT_CAUSE!r}, so an episode can always close")


class PlaybookFile(Input):
    """A playbooks file: plans by severity and category, the two checks, optional categories and root causes."""

    playbook: list[PlaybookSpec] = Field(min_length=1, max_length=PLAYBOOKS_MAX)
    check: list[CheckSpec] = Field(default_factory=list, max_length=2)
    category: list[CategorySpec] | None = Field(default=None, max_length=CATEGORIES_MAX)
    root_cause: list[RootCauseSpec] | None = Field(default=None, max_length=ROOT_CAUSES_MAX)

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
        if self.root_cause is not None:
            check_root_causes(self.root_cause)
        return self


class PlaybookFileError(FrontdeskError):
    """A playbooks file that cannot be used; the message names file, entry and problem."""


_ENTRY_NAMES = {"playbook": "playbook", "step": "step", "check": "check", "category": "category",
                "root_cause": "root cause"}


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


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in a parsed TOML value (a scalar is 0)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _toml(text: str, source: str) -> dict[str, Any]:
    """Parse a TOML text of bounded size and nesting; anything else is one line naming `source`."""
    if len(text.encode("utf-8", "surrogatepass")) > FILE_MAX_BYTES:
        raise PlaybookFileError(f"{source}: larger than {FILE_MAX_BYTES // 1024} KiB; is it the right file?")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookFileError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PlaybookFileError(f"{source}: nested more than {DEPTH_MAX} levels deep") from None
    if _depth(raw) > DEPTH_MAX:
        raise PlaybookFileError(f"{source}: nested more than {DEPTH_MAX} levels deep")
    return raw


def _refusal(exc: ValidationError, source: str) -> PlaybookFileError:
    error = exc.errors()[0]
    where = _where(tuple(error["loc"]))
    message = plain_message(error)
    return PlaybookFileError(f"{source}: {where + ': ' if where else ''}{message}")


def parse_playbook_file(text: str, source: str) -> PlaybookFile:
    """Parse and validate a playbooks TOML text; `source` names it in errors."""
    raw = _toml(text, source)
    try:
        return PlaybookFile.model_validate(raw)
    except ValidationError as exc:
        raise _refusal(exc, source) from None


def parse_categories(text: str, source: str) -> list[CategorySpec]:
    raw = _toml(text, source)
    entries = raw.get("category", [])
    if not isinstance(entries, list) or len(entries) > CATEGORIES_MAX:
        raise PlaybookFileError(f"{source}: [[category]] entries, at most {CATEGORIES_MAX}")
    try:
        return [CategorySpec.model_validate(entry) for entry in entries]
    except ValidationError as exc:
        raise _refusal(exc, source) from None


def parse_root_causes(text: str, source: str) -> list[RootCauseSpec]:
    """The `[[root_cause]]` entries of a bundled file (data/root_causes.toml)."""
    raw = _toml(text, source)
    entries = raw.get("root_cause", [])
    if not isinstance(entries, list) or len(entries) > ROOT_CAUSES_MAX:
        raise PlaybookFileError(f"{source}: [[root_cause]] entries, at most {ROOT_CAUSES_MAX}")
    try:
        causes = [RootCauseSpec.model_validate(entry) for entry in entries]
    except ValidationError as exc:
        raise _refusal(exc, source) from None
    try:
        check_root_causes(causes)
    except ValueError as exc:
        raise PlaybookFileError(f"{source}: {exc}") from None
    return causes
