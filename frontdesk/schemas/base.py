"""Validated input: field types that refuse bad text, and errors in plain words.

Every service input is an `Input`; `Input.parse(raw, **context)` returns the
model or raises `InvalidInput`, whose `errors` map each field to one sentence
a screen shows next to where it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Self

import phonenumbers
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from frontdesk.errors import InvalidInput
from frontdesk.money import MINOR_MAX, minor_digits
from frontdesk.text import control_characters as _control_characters
from frontdesk.text import has_visible

NAME_MAX = 120
LINE_MAX = 120
TEXT_MAX = 4000
EMAIL_MAX = 254


class FieldErrors(ValueError):
    """Cross-field errors raised by a model validator, one message per field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def problem(message: str) -> PydanticCustomError:
    """A validation error whose message is shown exactly as written."""
    return PydanticCustomError("frontdesk", message)


_PLAIN: dict[str, str] = {
    "missing": "required",
    "string_type": "must be text",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be yes or no",
    "bool_type": "must be yes or no",
    "datetime_type": "must be a date and time",
    "datetime_parsing": "must be a date and time",
    "extra_forbidden": "is not a field here",
}


def plain_message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "frontdesk":
        return str(error["msg"])
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "required" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    if kind == "too_short":
        return "needs at least one entry" if ctx.get("min_length") == 1 else f"needs at least {ctx.get('min_length')} entries"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} entries (this has {ctx.get('actual_length')})"
    if kind == "literal_error":
        return f"choose one of: {ctx.get('expected', '').replace(chr(39), '')}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])


def field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldErrors):
            for field, message in cause.errors.items():
                errors.setdefault(field, message)
            continue
        field = ".".join(str(part) for part in error["loc"]) or "form"
        errors.setdefault(field, plain_message(error))
    return errors


class Input(BaseModel):
    """Base of every service input: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _notes: dict[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any], **context: Any) -> Self:
        """Validate `data`; context gives the site's region, currency, zone and now."""
        try:
            model = cls.model_validate(dict(data), context=context)
        except ValidationError as exc:
            raise InvalidInput(field_errors(exc)) from None
        model._notes.update(context.get("notes", {}))
        return model

    @property
    def time_notes(self) -> dict[str, str]:
        """What was assumed while reading typed times (a skipped hour, "yesterday")."""
        return dict(self._notes)


class ReadModel(BaseModel):
    """Base of the frozen read models services hand to screens."""

    model_config = ConfigDict(frozen=True)


def _line_ends(text: str) -> str:
    """Every line end as "\n": Windows, old Mac, and Unicode's line and paragraph separators."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_name(value: str) -> str:
    if not isinstance(value, str):
        raise problem("must be text")
    if _control_characters(value):
        raise problem("has a control character (such as Esc or a line break); retype it")
    value = value.strip()
    if not value:
        raise problem("required")
    if not has_visible(value):
        raise problem("needs at least one letter or digit (this has only invisible characters)")
    if len(value) > NAME_MAX:
        raise problem(f"at most {NAME_MAX} characters (this has {len(value)})")
    return value


def _check_line(value: str) -> str:
    if _control_characters(value):
        raise problem("has a control character (such as Esc or a line break); retype it")
    value = value.strip()
    if len(value) > LINE_MAX:
        raise problem(f"at most {LINE_MAX} characters (this has {len(value)})")
    return value


def _check_text(value: str) -> str:
    value = _line_ends(value)
    if _control_characters(value, allowed="\n\t"):
        raise problem("has a control character (such as Esc); retype it")
    value = value.strip()
    if len(value) > TEXT_MAX:
        raise problem(f"at most {TEXT_MAX} characters (this has {len(value)})")
    return value


def _str_only(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise problem("must be text")
    return value


def _required_line(value: Any) -> str:
    line = _check_line(_str_only(value) or "")
    if not line:
        raise problem("required")
    if not has_visible(line):
        raise problem("needs at least one letter or digit (this has only invisible characters)")
    return line


def _optional_line(value: Any) -> str | None:
    return _check_line(_str_only(value) or "") or None


def _required_text(value: Any) -> str:
    text = _check_text(_str_only(value) or "")
    if not text:
        raise problem("required")
    return text


def _optional_text(value: Any) -> str | None:
    return _check_text(_str_only(value) or "") or None


Name = Annotated[str, BeforeValidator(_check_name)]
"""A person's name: trimmed, 1–120 characters, no control characters."""

RequiredLine = Annotated[str, BeforeValidator(_required_line)]
"""A one-line label that must be given (a headline): up to 120 characters."""

OptionalLine = Annotated[str | None, BeforeValidator(_optional_line)]
"""A one-line label that may be empty (product, location)."""

RequiredText = Annotated[str, BeforeValidator(_required_text)]
"""Free text that must be given: up to 4,000 characters, newlines and tabs allowed."""

OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
"""Free text that may be left empty (stored as NULL)."""


def normalise_phone(value: Any, info: ValidationInfo) -> str | None:
    """Parse a phone with the site's default region; store E.164."""
    value = _blank_to_none(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise problem("must be text")
    if _control_characters(value):
        raise problem("has a control character; retype it")
    region = (info.context or {}).get("region") or "US"
    raw = value.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise problem("not a phone number (e.g. 212 555 0123, or +44 20 7946 0018 for abroad)") from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        # Dialable only inside its area: without the area code it has no E.164 form to store.
        raise problem("needs the area code too (this is only a local number)")
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        # Name the country the number was typed for (+44 ... at a German site is British).
        country = phonenumbers.region_code_for_country_code(number.country_code or 0)
        raise problem(f"not a possible phone number in {country if country != 'ZZ' else region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable_phone(e164: str) -> str:
    """A stored phone as people read and dial it: "+16175573638" shows as "+1 617-557-3638"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalise_email(value: Any) -> str | None:
    value = _blank_to_none(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise problem("must be text")
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or _control_characters(email) or not _EMAIL.match(email):
        raise problem("not an email address (e.g. ana@example.com)")
    return email


Phone = Annotated[str | None, BeforeValidator(normalise_phone)]
Email = Annotated[str | None, BeforeValidator(normalise_email)]

MONEY_TEXT_MAX = 24
"""An amount typed longer than this is no amount (MINOR_MAX has 19 digits)."""


def parse_money(value: Any, info: ValidationInfo) -> int:
    """An amount typed as "12.50" (or an int of minor units) to integer minor units.

    Its size is checked before any arithmetic: "1e999999999" is refused as
    too large, not computed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise problem("must be an amount like 12.50")
    if isinstance(value, int):
        if value < 0:
            raise problem("cannot be negative")
        if value > MINOR_MAX:
            raise problem("too large")
        return value
    digits = minor_digits((info.context or {}).get("currency") or "USD")
    text = str(value).strip().replace(",", ".")
    for symbol in "$€£¥ ":
        text = text.replace(symbol, "")
    if len(text) > MONEY_TEXT_MAX:
        raise problem("must be an amount like 12.50")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise problem("must be an amount like 12.50") from None
    if not amount.is_finite():
        raise problem("must be an amount like 12.50")
    if amount < 0:
        raise problem("cannot be negative")
    if amount and amount.adjusted() > len(str(MINOR_MAX)) - digits:
        raise problem("too large")
    if amount and amount.adjusted() < -digits:
        raise problem(f"at most {digits} decimal places")
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise problem(f"at most {digits} decimal places")
    if scaled > MINOR_MAX:
        raise problem("too large")
    return int(scaled)


ID_MAX = 2**31 - 1
"""The largest record number a store holds (PostgreSQL's INTEGER): a larger one names no record."""


def record_id(value: Any) -> int:
    """A record number (a customer, a staff member): a whole number from 1 to ID_MAX, or its digits."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(ID_MAX)):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise problem("must be a record number")
    if not 1 <= value <= ID_MAX:
        raise problem("no such record")
    return value


Money = Annotated[int, BeforeValidator(parse_money)]

