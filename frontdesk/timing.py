"""Time rules of DESIGN.md: stored in UTC, shown and scheduled in the site's zone.

Calendar steps are taken on the local date, then converted, because an aware
datetime plus a timedelta keeps the wall clock and skips the zone's rules.
An ambiguous local time (clocks go back) is the first occurrence; a
nonexistent one (clocks go forward) moves forward by the gap, as zoneinfo
gives with fold=0. Both are reported in a note the screen shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, wraps
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_DUE_TIME = time(17, 0)
"""A promise 'by Friday' means by the end of Friday's working day."""
DEFAULT_OCCURRED_TIME = time(12, 0)
"""An incident given only a date is placed at noon, and the screen says so."""
HORIZON = timedelta(days=3653)
"""How far from now a typed time may be, either way (ten years): plans made from it stay in the calendar."""


class TimeInputError(ValueError):
    """Text that is not a time we understand; the message says what is accepted."""


@dataclass(frozen=True)
class Resolved:
    """A UTC instant from local input, and what was assumed to get it."""

    at: datetime
    note: str | None = None


Parser = Callable[[str, datetime, ZoneInfo], Resolved]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder ("Europe") is an OSError
        raise TimeInputError(f"unknown time zone {name!r} (e.g. Europe/Berlin, America/New_York)") from None


NOT_PLACES = frozenset({"Factory"})
"""Zones in the IANA list that are no place's time ("Factory" is tzdata's placeholder)."""


@cache
def iana_zones() -> frozenset[str]:
    """Every zone name of the IANA database, from the tzdata package's own list.

    The system's zone folder also holds files that are no zone a site is in
    ("localtime", "posixrules", folders such as "Europe"), which ZoneInfo
    would open all the same.
    """
    return frozenset(files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()) - NOT_PLACES


def site_zone(name: str) -> ZoneInfo:
    """A time zone typed for a site: a real IANA zone such as Europe/Berlin, nothing else."""
    if name not in iana_zones():
        raise TimeInputError(f"unknown time zone {name!r} (e.g. Europe/Berlin, America/New_York)")
    return zone(name)


def local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


def local_to_utc(wall: datetime, tz: ZoneInfo) -> Resolved:
    """Convert a naive local wall time to UTC by DESIGN.md's rule, noting gaps and folds."""
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    at = first.astimezone(UTC)
    back = at.astimezone(tz).replace(tzinfo=None)
    if back != wall:
        return Resolved(at, f"{wall:%H:%M} does not exist on {wall:%d %b} (clocks went forward); "
                            f"taken as {back:%H:%M}")
    if first.utcoffset() != second.utcoffset():
        return Resolved(at, f"{wall:%H:%M} happened twice on {wall:%d %b} (clocks went back); "
                            "taken as the first")
    return Resolved(at)


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local date and wall time."""
    return local_to_utc(datetime.combine(day, at), tz).at


def scheduled(anchor: datetime, tz: ZoneInfo, offset_days: int, hour: int, minute: int = 0) -> datetime:
    """A playbook step's due instant: the anchor's local date plus N calendar days, at hour:minute."""
    day = local(anchor, tz).date() + timedelta(days=offset_days)
    return at_local(day, time(hour, minute), tz)


def next_day_same_time(due: datetime, tz: ZoneInfo) -> datetime:
    """The same local wall time on the next local date (a retry after no answer)."""
    wall = local(due, tz)
    return at_local(wall.date() + timedelta(days=1), wall.time().replace(tzinfo=None), tz)


def intended_time(due: datetime, planned: time | None, tz: ZoneInfo) -> time:
    """The local time of day an item is meant for: `planned` (02:30) while it still gives `due` on due's
    day (a clock change moved it to 03:30), else due's own local time (it was moved since)."""
    wall = local(due, tz)
    if planned is not None and at_local(wall.date(), planned, tz) == due:
        return planned
    return wall.time().replace(tzinfo=None)


def due_note(due: datetime, planned: time | None, tz: ZoneInfo) -> str | None:
    """What the screen says of a due time in a DST gap or fold (README: "the screen says so"), else None."""
    wall = local(due, tz)
    meant = intended_time(due, planned, tz)
    if meant != wall.time().replace(tzinfo=None):
        return f"{meant:%H:%M} does not exist on {wall:%d %b} (clocks went forward): due {wall:%H:%M}"
    naive = wall.replace(tzinfo=None)
    if naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset():
        return (f"{wall:%H:%M} happens twice on {wall:%d %b} (clocks went back): "
                f"due the {'second' if wall.fold else 'first'} time")
    return None


def retry_at(due: datetime, planned: time | None, now: datetime, tz: ZoneInfo) -> tuple[datetime, time]:
    """A retry: tomorrow (local) at the time the item was meant for, and that time to keep.

    02:30 moved to 03:30 by a gap goes back to 02:30 the next day, not 03:30 for good.
    """
    meant = intended_time(due, planned, tz)
    return at_local(local(now, tz).date() + timedelta(days=1), meant, tz), meant


def due_words(due: datetime, planned: time | None, now: datetime, tz: ZoneInfo) -> str:
    """describe_due, with the clock-change note when there is one: "tomorrow 03:30 (02:30 does not exist …)"."""
    note = due_note(due, planned, tz)
    return describe_due(due, now, tz) + (f" ({note})" if note else "")


def local_parts(instant: datetime, tz: ZoneInfo) -> tuple[date, int, int]:
    """The local date, hour and weekday (Monday 0) stored beside an incident's instant."""
    wall = local(instant, tz)
    return wall.date(), wall.hour, wall.weekday()


_AGO = re.compile(r"^(?:(\d{1,9})\s*d)?\s*(?:(\d{1,9})\s*h)?\s*(?:(\d{1,9})\s*m(?:in)?)?\s+ago$")
_CLOCK = re.compile(r"^(\d{1,2})(?::?(\d{2}))?\s*(am|pm)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?$")
_RELATIVE = re.compile(r"^(?:in\s+|\+)?(\d{1,9})\s*(d|days?|w|weeks?)$")


def _parse_clock(text: str) -> time | None:
    match = _CLOCK.match(text)
    if not match:
        return None
    hour = int(match[1])
    minute = int(match[2] or 0)
    meridiem = match[3]
    if match[2] is None and meridiem is None and len(match[1]) <= 2 and ":" not in text:
        # A bare number like "19" is an hour only when written with am/pm or a colon.
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_day(text: str, today: date) -> date | None:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text == "tomorrow":
        return today + timedelta(days=1)
    try:
        if match := _ISO_DATE.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DAY_MONTH.match(text):
            year = int(match[3]) if match[3] else today.year
            if year < 100:
                year += 2000
            return date(year, int(match[2]), int(match[1]))
    except ValueError:
        return None
    return None


def _weekday(text: str) -> int | None:
    text = text[:3]
    return WEEKDAYS.index(text) if text in WEEKDAYS else None


def _split_day_and_clock(text: str) -> tuple[str, str]:
    parts = text.rsplit(" ", 1)
    if len(parts) == 2 and _parse_clock(parts[1]) is not None:
        return parts[0].strip(), parts[1]
    if _parse_clock(text) is not None:
        return "", text
    return text, ""


def _within_the_calendar(example: str) -> Callable[[Parser], Parser]:
    """Text naming a moment beyond year 1 or 9999 ("99999999d ago") is refused, not a crash.

    Date arithmetic past the calendar's ends raises OverflowError, which
    nothing that reads typed text expects (the form's live hint would stop the app).
    """

    def guard(parse: Parser) -> Parser:
        @wraps(parse)
        def within(text: str, now: datetime, tz: ZoneInfo) -> Resolved:
            try:
                return parse(text, now, tz)
            except OverflowError:
                raise TimeInputError(f"that is too far from today: try {example}") from None

        return within

    return guard


@_within_the_calendar("19:40, 20m ago or yesterday 19:40")
def parse_occurred(text: str, now: datetime, tz: ZoneInfo) -> Resolved:
    """When an incident happened: "now", "20m ago", "19:40", "yesterday 19:40", "2026-11-20 19:40".

    A clock time later than now is taken as yesterday's (incidents are in the
    past); a date without a time is taken at noon.
    """
    raw = " ".join(text.lower().split())
    if raw in ("", "now"):
        return Resolved(now)
    if match := _AGO.match(raw):
        if not any(match.groups()):
            raise TimeInputError("say how long ago, e.g. 20m ago, 2h ago")
        delta = timedelta(days=int(match[1] or 0), hours=int(match[2] or 0), minutes=int(match[3] or 0))
        return Resolved(now - delta)
    today = local(now, tz).date()
    day_text, clock_text = _split_day_and_clock(raw)
    clock = _parse_clock(clock_text) if clock_text else None
    if day_text:
        day = _parse_day(day_text, today)
        if day is None and (weekday := _weekday(day_text)) is not None:
            day = today - timedelta(days=(today.weekday() - weekday) % 7)
        if day is None:
            raise TimeInputError("not a time: try 19:40, 20m ago, yesterday 19:40 or 2026-11-20 19:40")
    else:
        day = today
    note = None
    if clock is None:
        clock, note = DEFAULT_OCCURRED_TIME, "no time given: taken as 12:00"
    resolved = local_to_utc(datetime.combine(day, clock), tz)
    if not day_text and resolved.at > now + timedelta(minutes=5):
        resolved = local_to_utc(datetime.combine(day - timedelta(days=1), clock), tz)
        note = "that time is still ahead today: taken as yesterday"
    if resolved.at > now + timedelta(minutes=5):
        raise TimeInputError("that is in the future; when did it happen?")
    return Resolved(resolved.at, " · ".join(n for n in (note, resolved.note) if n) or None)


@_within_the_calendar("tomorrow 12:00, fri or +3d")
def parse_due(text: str, now: datetime, tz: ZoneInfo) -> Resolved:
    """A time something is due by: "17:00", "tomorrow", "fri 12:00", "+3d", "2026-11-28".

    A clock time already past today means tomorrow; a day without a time
    means 17:00 that day. Past instants are refused.
    """
    raw = " ".join(text.lower().split())
    if not raw:
        raise TimeInputError("say by when, e.g. tomorrow 12:00, fri, +3d")
    today = local(now, tz).date()
    if match := _RELATIVE.match(raw):
        days = int(match[1]) * (7 if match[2].startswith("w") else 1)
        resolved = local_to_utc(datetime.combine(today + timedelta(days=days), DEFAULT_DUE_TIME), tz)
        return resolved
    day_text, clock_text = _split_day_and_clock(raw)
    clock = _parse_clock(clock_text) if clock_text else None
    if day_text:
        day = _parse_day(day_text, today)
        if day is None and (weekday := _weekday(day_text)) is not None:
            day = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
        if day is None:
            raise TimeInputError("not a date: try tomorrow 12:00, fri, +3d or 2026-11-28 17:00")
        resolved = local_to_utc(datetime.combine(day, clock or DEFAULT_DUE_TIME), tz)
    else:
        assert clock is not None
        resolved = local_to_utc(datetime.combine(today, clock), tz)
        if resolved.at <= now:
            resolved = local_to_utc(datetime.combine(today + timedelta(days=1), clock), tz)
    if resolved.at <= now:
        raise TimeInputError("that is already past; when will it be done?")
    return resolved


def parse_done_day(text: str, now: datetime, tz: ZoneInfo) -> date:
    """The local day something was done: "today", "yesterday", "mon", "2026-12-09", "9.12." (a weekday is the
    last one, today included). A day still ahead is refused: it was done, not planned."""
    raw = " ".join(text.lower().split())
    if not raw:
        raise TimeInputError("say on which day, e.g. today, yesterday or 2026-11-20")
    today = local(now, tz).date()
    day = _parse_day(raw, today)
    if day is None and (weekday := _weekday(raw)) is not None:
        day = today - timedelta(days=(today.weekday() - weekday) % 7)
    if day is None:
        raise TimeInputError("not a date: try today, yesterday, mon or 2026-11-20")
    if day > today:
        raise TimeInputError("that day is still ahead; on which day was it done?")
    if (today - day) > HORIZON:
        raise TimeInputError(f"that is more than {HORIZON.days // 365} years ago")
    return day


def describe_due(due: datetime, now: datetime, tz: ZoneInfo) -> str:
    """How due something is, in words: "2 days overdue", "today 15:00", "Fri 10:00"."""
    wall, today = local(due, tz), local(now, tz).date()
    days = (wall.date() - today).days
    if due < now:
        if days <= -1:
            return f"{-days} day{'s' if days < -1 else ''} overdue"
        minutes = int((now - due).total_seconds() // 60)
        return f"{minutes // 60}h {minutes % 60:02d}m overdue" if minutes >= 60 else f"{minutes}m overdue"
    if days == 0:
        return f"today {wall:%H:%M}"
    if days == 1:
        return f"tomorrow {wall:%H:%M}"
    if days < 7:
        return f"{WEEKDAY_NAMES[wall.weekday()][:3]} {wall:%H:%M}"
    return f"{wall:%d %b %H:%M}"


def utc_now() -> datetime:
    return datetime.now(UTC)
