"""What a person may submit: one model per user action, validated in plain words.

Context passed to `parse()`: `region` (the site's phone region), `currency`,
`now` (aware UTC) and `tz` (the site's ZoneInfo) for fields typed as text
times such as "20m ago" or "fri 12:00".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
from pydantic import (
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from frontdesk import timing
from frontdesk.schemas.base import (
    Email,
    FieldErrors,
    Input,
    Money,
    Name,
    OptionalLine,
    OptionalText,
    Phone,
    RequiredLine,
    RequiredText,
    field_errors,
    problem,
    record_id,
)
from frontdesk.schemas.vocab import (
    Channel,
    FollowUpKind,
    HandoffStatus,
    Likelihood,
    Outcome,
    PromiseStatus,
    RemedyKind,
    Role,
    Severity,
)


def _context(info: ValidationInfo) -> tuple[datetime, ZoneInfo]:
    context = info.context or {}
    now = context.get("now") or datetime.now(UTC)
    tz = context.get("tz") or ZoneInfo("UTC")
    return now, tz


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise problem("needs a time zone")
        return value.astimezone(UTC)
    return None


def occurred_time(value: Any, info: ValidationInfo) -> datetime:
    """When it happened, typed ("20m ago", "19:40") or given as an instant."""
    now, tz = _context(info)
    if (instant := _instant(value)) is not None:
        return _within_horizon(instant, now)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise problem("must be a time such as 19:40 or 20m ago")
    try:
        resolved = timing.parse_occurred(value, now, tz)
    except timing.TimeInputError as exc:
        raise problem(str(exc)) from None
    if info.context is not None and resolved.note:
        info.context.setdefault("notes", {})[info.field_name] = resolved.note
    return _within_horizon(resolved.at, now)


def due_time(value: Any, info: ValidationInfo) -> datetime | None:
    """A future time something is due by ("tomorrow 12:00", "+3d"), or none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    now, tz = _context(info)
    if (instant := _instant(value)) is not None:
        if instant <= now:
            raise problem("that is already past; when will it be done?")
        return _within_horizon(instant, now)
    if not isinstance(value, str):
        raise problem("must be a time such as tomorrow 12:00")
    try:
        resolved = timing.parse_due(value, now, tz)
    except timing.TimeInputError as exc:
        raise problem(str(exc)) from None
    if info.context is not None and resolved.note:
        info.context.setdefault("notes", {})[info.field_name] = resolved.note
    return _within_horizon(resolved.at, now)


def _within_horizon(instant: datetime, now: datetime) -> datetime:
    """A time within HORIZON of now either way: what is planned from it (a check a week later) stays in the
    calendar, which ends with year 9999."""
    years = timing.HORIZON.days // 365
    if instant > now + timing.HORIZON:
        raise problem(f"that is more than {years} years ahead; when will it really be?")
    if instant < now - timing.HORIZON:
        raise problem(f"that is more than {years} years ago")
    return instant


def planned_time(value: Any, info: ValidationInfo) -> datetime:
    """A planned step's due time, as the plan on screen gives it (an aware instant)."""
    instant = _instant(value)
    if instant is None:
        raise problem("must be a date and time")
    return _within_horizon(instant, _context(info)[0])


Occurred = Annotated[datetime, BeforeValidator(occurred_time)]
Due = Annotated[datetime | None, BeforeValidator(due_time)]
RequiredDue = Annotated[datetime, BeforeValidator(lambda v, i: due_time(v, i) or _missing_due())]


def _missing_due() -> datetime:
    raise problem("say by when, e.g. tomorrow 12:00, fri, +3d")


def _optional_id(value: Any) -> int | None:
    if value is None or value == "" or (type(value) is int and value == 0):
        return None
    return record_id(value)


OptionalId = Annotated[int | None, BeforeValidator(_optional_id)]
RecordId = Annotated[int, BeforeValidator(record_id)]


class SiteInput(Input):
    name: Name
    time_zone: str
    phone_region: str
    currency: str

    @field_validator("time_zone", mode="before")
    @classmethod
    def _zone(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise problem("required (e.g. Europe/Berlin)")
        try:
            timing.site_zone(value.strip())
        except timing.TimeInputError as exc:
            raise problem(str(exc)) from None
        return value.strip()

    @field_validator("phone_region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> str:
        region = str(value or "").strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise problem("a two-letter country code such as US, GB, DE")
        return region

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> str:
        currency = str(value or "").strip().upper()
        if not is_currency(currency):
            raise problem("an ISO 4217 currency code such as USD, EUR, GBP")
        return currency


NOT_MONEY = frozenset({"XTS", "XXX"})
"""ISO 4217's codes for testing and for "no currency": no site is paid in them."""


def is_currency(code: str) -> bool:
    """An ISO 4217 code, by pycountry's copy of the standard (its tables load on first use)."""
    return len(code) == 3 and code not in NOT_MONEY and pycountry.currencies.get(alpha_3=code) is not None


PIN_MIN, PIN_MAX = 4, 12


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is refused, in words for the person choosing it; None when it will do."""
    if not pin:
        return f"type a PIN of {PIN_MIN} to {PIN_MAX} digits"
    if not all(ch in "0123456789" for ch in pin):
        return "a PIN is digits 0–9 only"
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        return f"a PIN is {PIN_MIN} to {PIN_MAX} digits long"
    if len(set(pin)) == 1:
        return "one digit repeated is too easy to guess: pick another PIN"
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):  # 7890 and 0987 wrap round
        return "a run of digits (like 1234 or 4321) is too easy to guess: pick another PIN"
    return None


class StaffInput(Input):
    name: Name
    role: Role = "staff"
    pin: str | None = None
    site_id: OptionalId = None

    @field_validator("pin", mode="before")
    @classmethod
    def _pin(cls, value: Any) -> str | None:
        if value is None or value == "":
            return None
        pin = str(value).strip()
        if (reason := pin_problem(pin)) is not None:
            raise problem(reason)
        return pin


class CustomerInput(Input):
    """A new customer, or the full set of editable details of an existing one."""

    name: Name
    phone: Phone = None
    email: Email = None
    consent_call: bool = False
    consent_text: bool = False
    consent_email: bool = False
    consent_post: bool = False
    postal_address: OptionalText = None
    notes: OptionalText = None


class FlagInput(Input):
    """The flag a deposition puts on the customer's file (editable before saving)."""

    headline: RequiredLine
    message: RequiredText
    greeting: OptionalText = None


class PlannedStep(Input):
    """One follow-up of the plan, as previewed and possibly edited before saving."""

    kind: FollowUpKind
    channel: Channel
    due_at: Annotated[datetime, BeforeValidator(planned_time)]
    owner_id: RecordId
    words: OptionalText = None
    local_time: time | None = None
    """The local time of day it was planned for, when a playbook step gave one (kept for DST gaps)."""


class IncidentInput(Input):
    """A full deposition."""

    customer_id: OptionalId = None
    guest_description: OptionalText = None
    occurred_at: Occurred = Field(default=None, validate_default=True)
    category: str = Field(min_length=1, max_length=40)
    product: OptionalLine = None
    location: OptionalLine = None
    severity: Severity
    description: RequiredText
    reaction: OptionalText = None
    remedy_sought: OptionalText = None
    """What the customer asked for, in their words (optional)."""
    remedy_kind: RemedyKind | None = None
    remedy_cost: Money = 0
    promise_text: OptionalText = None
    promise_due_at: Due = None
    promise_likelihood: Likelihood | None = None
    ally_id: OptionalId = None
    handoff_to: OptionalLine = None
    handoff_staff_id: OptionalId = None
    handoff_expected_at: Due = None
    flag: FlagInput | None = None
    """The flag to raise; None lets the severity decide (moderate and worse)."""
    raise_flag: bool | None = None
    """True or False overrides the severity's default."""
    plan: list[PlannedStep] | None = None
    """The follow-up plan as edited on screen; None takes the playbook's."""

    @field_validator("remedy_kind", "promise_likelihood", mode="before")
    @classmethod
    def _blank_choice(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _consistent(self) -> IncidentInput:
        errors: dict[str, str] = {}
        if self.promise_text and self.promise_due_at is None:
            errors["promise_due_at"] = "say by when it was promised"
        if self.promise_text and self.promise_likelihood is None:
            errors["promise_likelihood"] = "say how likely it honestly is"
        if not self.promise_text and (self.promise_due_at or self.promise_likelihood):
            errors["promise_text"] = "say what was promised"
        if self.handoff_expected_at and not (self.handoff_to or self.handoff_staff_id):
            errors["handoff_to"] = "say who the fix was handed to"
        if self.remedy_cost and self.remedy_kind in (None, "none", "apology"):
            errors["remedy_kind"] = "say what the remedy was (refund, voucher, …)"
        if errors:
            raise FieldErrors(errors)
        return self


class QuickLogInput(Input):
    """A 20-second log: who, category, severity and one line; finished later."""

    customer_id: OptionalId = None
    guest_description: OptionalText = None
    occurred_at: Occurred = Field(default=None, validate_default=True)
    category: str = Field(min_length=1, max_length=40)
    severity: Severity
    description: RequiredText
    ally_id: OptionalId = None


class IncidentAmend(Input):
    """Corrections to a deposition: only the fields given are changed."""

    customer_id: OptionalId = None
    guest_description: OptionalText = None
    occurred_at: Occurred = None  # type: ignore[assignment]
    category: str | None = Field(default=None, min_length=1, max_length=40)
    product: OptionalLine = None
    location: OptionalLine = None
    severity: Severity | None = None
    description: RequiredText = None  # type: ignore[assignment]
    reaction: OptionalText = None
    remedy_sought: OptionalText = None
    """What the customer asked for, in their words (optional)."""
    remedy_kind: RemedyKind | None = None
    remedy_cost: Money = 0
    promise_text: OptionalText = None
    promise_due_at: Due = None
    promise_likelihood: Likelihood | None = None
    promise_status: PromiseStatus | None = None
    ally_id: OptionalId = None
    handoff_to: OptionalLine = None
    handoff_staff_id: OptionalId = None
    handoff_expected_at: Due = None
    handoff_status: HandoffStatus | None = None
    root_cause: OptionalText = None
    complete: bool | None = None

    @field_validator("remedy_kind", "promise_likelihood", "promise_status", "handoff_status", mode="before")
    @classmethod
    def _blank_choice(cls, value: Any) -> Any:
        return None if value == "" else value


class OutcomeInput(Input):
    outcome: Outcome | None = None
    note: OptionalText = None


class SkipInput(Input):
    reason: RequiredText


class RescheduleInput(Input):
    due_at: RequiredDue
    reason: OptionalText = None
    """Why it moves: a lead's or manager's reschedule with a reason restarts the escalation clock."""


class RescheduleReason(Input):
    """The reason given with a reschedule by steps (+1 day, +3 days, +1 week)."""

    reason: OptionalText = None


class FollowUpInput(Input):
    """A follow-up added by hand to an incident's episode."""

    kind: FollowUpKind = "check_in"
    channel: Channel = "call"
    due_at: RequiredDue
    owner_id: OptionalId = None
    words: OptionalText = None


def done_day(value: Any, info: ValidationInfo) -> date | None:
    """The local day something was done, typed ("today", "2026-12-09") or given as a date; never a day ahead."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    now, tz = _context(info)
    if isinstance(value, datetime):
        value = timing.local(value, tz).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise problem("must be a date such as 2026-11-20")
    try:
        return timing.parse_done_day(value, now, tz)
    except timing.TimeInputError as exc:
        raise problem(str(exc)) from None


class GrievanceResponse(Input):
    """The written response to a grievance (CMS guidance on 42 CFR 482.13): a resolution that names the contact
    person, the steps taken, the results and the date of completion; or an interim letter that says when the
    response will come (a new due date). Every missing or unreadable part is named at once."""

    kind: Literal["resolution", "interim"]
    contact_person: OptionalLine = None
    steps_taken: OptionalText = None
    results: OptionalText = None
    completed_on: Annotated[date | None, BeforeValidator(done_day)] = None
    new_due_at: Due = None

    MISSING: ClassVar[dict[str, dict[str, str]]] = {
        "resolution": {"contact_person": "name the contact person", "steps_taken": "say what steps were taken",
                       "results": "say what the results were", "completed_on": "give the date of completion"},
        "interim": {"new_due_at": "say when the written response will come"},
    }
    """What each kind of response needs, and what its absence says."""

    @model_validator(mode="wrap")
    @classmethod
    def _complete(cls, data: Any, handler: ModelWrapValidatorHandler[GrievanceResponse]) -> GrievanceResponse:
        """The parts this kind needs that are missing, with any that do not read, all in one refusal."""
        try:
            model = handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            errors = field_errors(exc)
            needed = cls.MISSING.get(str(data.get("kind")), {})
            for field, message in needed.items():
                value = data.get(field)
                if field not in errors and (value is None or (isinstance(value, str) and not value.strip())):
                    errors[field] = message
            raise FieldErrors(errors) from None
        missing = {field: message for field, message in cls.MISSING[model.kind].items()
                   if not getattr(model, field)}
        if missing:
            raise FieldErrors(missing)
        return model
