"""Guest lists in: `frontdesk customers import FILE.csv` (issue 14 item 5).

A spreadsheet or reservation-system export becomes customers, row by row
through the same checks as a typed customer (CustomerInput), and the same
identity rule (DESIGN.md): the same phone or email with the same folded
name is one person (`merged`, nothing added twice); another name with that
phone or email is a household (`possible_duplicate`, added). One refused
row means nothing is imported, unless the good rows are asked for
(`skip_bad`); either way it is one transaction. Rows go in chunks, so a
100,000-row list needs neither 100,000 queries nor all its rows in memory.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from frontdesk import timing
from frontdesk.csvsafe import SafeWriter
from frontdesk.errors import InvalidInput
from frontdesk.schemas.inputs import CustomerInput
from frontdesk.services import audit, authority
from frontdesk.services.context import Actor
from frontdesk.services.search import tokens_for
from frontdesk.store.models import Customer, CustomerIdentity, SearchToken
from frontdesk.text import identity_keys

FIELDS = ("name", "first_name", "last_name", "phone", "email", "notes", "customer_since", "last_visit", "visits",
          "consent_call", "consent_text", "consent_email", "consent_post")
CONSENTS = ("consent_call", "consent_text", "consent_email", "consent_post")
ALIASES = {
    "fullname": "name", "guest": "name", "guestname": "name", "customer": "name", "customername": "name",
    "firstname": "first_name", "forename": "first_name", "givenname": "first_name", "first": "first_name",
    "lastname": "last_name", "surname": "last_name", "familyname": "last_name", "last": "last_name",
    "phonenumber": "phone", "telephone": "phone", "tel": "phone", "mobile": "phone", "cell": "phone",
    "emailaddress": "email", "mail": "email",
    "note": "notes", "comment": "notes", "comments": "notes", "remarks": "notes",
    "since": "customer_since", "created": "customer_since", "firstvisit": "customer_since",
    "lastvisitdate": "last_visit", "lastseen": "last_visit",
    "visitcount": "visits", "numberofvisits": "visits",
}
STATUSES = ("imported", "merged", "possible_duplicate", "refused")
CHUNK = 1000
VISITS_MAX = 1_000_000
MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "PR", "VI", "UM"})
"""Regions that write dates month first (3/31/2024); everywhere else a slashed date is day first."""
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass(frozen=True)
class ReportEntry:
    """One input record: `line` is the physical line it starts on."""

    line: int
    status: str
    reason: str = ""
    customer_id: int | None = None


@dataclass
class ImportResult:
    entries: list[ReportEntry] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    dry_run: bool = False
    written: bool = False
    """Whether the good rows went in (not on a dry run, nor when a refused row stopped an all-or-nothing import)."""
    new: set[int] = field(default_factory=set)
    """The ids of the customers this import added (none once it is rolled back)."""

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)


def _key(header: str) -> str:
    folded = unicodedata.normalize("NFKD", header.casefold())
    return "".join(char for char in folded if char.isalnum())


def match_columns(headers: Sequence[str], mapping: Mapping[str, str]) -> tuple[dict[int, str], tuple[str, ...]]:
    """Which column holds which field: `mapping` (COLUMN=FIELD) first, then loosely by header ("E-Mail" is email)."""
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    if unknown:
        raise InvalidInput({"map": f"{', '.join(unknown)}: not a field (fields: {', '.join(FIELDS)})"})
    mapped = {_key(column): target for column, target in mapping.items()}
    loose = {_key(name): name for name in FIELDS} | ALIASES
    columns: dict[int, str] = {}
    ignored = []
    for index, header in enumerate(headers):
        target = mapped.get(_key(header)) or loose.get(_key(header))
        if target is None or target in columns.values():
            ignored.append(header)
        else:
            columns[index] = target
    return columns, tuple(ignored)


def parse_date(text: str, region: str) -> date | None:
    """ISO dates always (2024-03-31); a slashed date day first, or month first where the region writes so."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]) if re.fullmatch(r"\d{4}-\d\d-\d\d([T ].*)?", text) else _slashed(text, region)
    except ValueError:
        raise ValueError(f"{text!r} is no date in the calendar") from None


def _slashed(text: str, region: str) -> date:
    match = _SLASHED.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date such as 2024-03-31")
    first, second, year = (int(part) for part in match.groups())
    return date(year, first, second) if region in MONTH_FIRST else date(year, second, first)


def _consent(text: str) -> bool:
    answer = text.strip().casefold()
    if answer in ("", "0", "no", "n", "false", "f", "nein", "non"):
        return False
    if answer in ("1", "yes", "y", "true", "t", "x", "ja", "oui", "si", "sí"):
        return True
    raise ValueError(f"{text!r} is not yes or no")


def _email(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("not an email address") from None


@dataclass
class _Row:
    line: int
    details: CustomerInput
    since: datetime | None
    last_visit: datetime | None
    visits: int


def parse_row(values: Mapping[str, str], line: int, region: str, tz: ZoneInfo, now: datetime) -> _Row:
    """One record through the typed-customer checks; ValueError or InvalidInput says why it is refused."""
    name = values.get("name", "").strip() or " ".join(
        part for part in (values.get("first_name", "").strip(), values.get("last_name", "").strip()) if part)
    problems: dict[str, str] = {}
    data: dict[str, Any] = {"name": name, "phone": values.get("phone") or None, "notes": values.get("notes") or None}
    for key, convert in (("email", _email), *((consent, _consent) for consent in CONSENTS)):
        try:
            data[key] = convert(values.get(key, ""))
        except ValueError as exc:
            problems[key] = str(exc)
    dates: dict[str, datetime | None] = {}
    for key in ("customer_since", "last_visit"):
        try:
            day = parse_date(values.get(key, ""), region)
        except ValueError as exc:
            problems[key] = str(exc)
            continue
        if day is not None and day > timing.local(now, tz).date():
            problems[key] = f"{day.isoformat()} is in the future"
        dates[key] = timing.at_local(day, time(0), tz) if day is not None else None
    visits = values.get("visits", "").strip() or "0"
    if not (visits.isascii() and visits.isdigit() and int(visits) <= VISITS_MAX):
        problems["visits"] = f"{visits!r} is not a count of visits (0 to {VISITS_MAX})"
    try:
        details = CustomerInput.parse(data, region=region)
    except InvalidInput as exc:
        problems = exc.errors | problems
    if problems:
        raise InvalidInput(problems)
    return _Row(line, details, dates.get("customer_since"), dates.get("last_visit"), int(visits))


def records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record after the header row (first), blank lines left out; `,` or `;` sniffed."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        header = source.readline()
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.reader(io.StringIO(header), delimiter=delimiter)
        yield 1, next(reader, [])
        reader = csv.reader(source, delimiter=delimiter)
        line = 1
        for cells in reader:
            start, line = line + 1, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                yield start, cells


def count_lines(path: Path) -> int:
    """Physical lines, for the progress bar."""
    with path.open("rb") as source:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))


Progress = Callable[[int, int], None]


def import_customers(actor: Actor, path: Path, *, mapping: Mapping[str, str] | None = None, dry_run: bool = False,
                     skip_bad: bool = False, progress: Progress | None = None) -> ImportResult:
    """Read the guest list at `path` into the store at the actor's site: one transaction, one `import` audit event."""
    total = count_lines(path) if progress else 0
    try:
        rows = records(path)
        _, headers = next(rows, (1, []))
        if not headers:
            raise InvalidInput({"file": "is empty: it needs a header row naming the columns"})
        columns, ignored = match_columns(headers, mapping or {})
        if "name" not in columns.values() and not {"first_name", "last_name"} & set(columns.values()):
            raise InvalidInput({"file": "has no name column (name, or first_name and last_name; or --map)"})
        result = ImportResult(ignored_columns=ignored, dry_run=dry_run)
        if dry_run:
            with actor.store.read(bulk=True) as session:
                _run(session, actor, rows, columns, result, write=False, progress=progress, total=total)
            return result
        try:
            with actor.store.begin(bulk=True) as session:
                refused = _run(session, actor, rows, columns, result, write=True, progress=progress, total=total)
                if refused and not skip_bad:
                    raise _NothingImported
                audit.record(session, actor, "import", "customers", 0,
                             [f"{status}:{result.count(status)}" for status in STATUSES])
        except _NothingImported:
            result.entries = [replace(entry, customer_id=None) if entry.customer_id in result.new else entry
                              for entry in result.entries]
            return result
        result.written = True
        return result
    except UnicodeDecodeError as exc:
        raise InvalidInput({"file": f"is not UTF-8 text (byte {exc.start} of a line); save it as CSV UTF-8"}) from None


class _NothingImported(Exception):
    """A refused row in an all-or-nothing import: the transaction is rolled back."""


@dataclass
class _Seen:
    """Who is on file: identity key → where (an entry of the report, or a stored customer id), and contacts."""

    keys: dict[str, int] = field(default_factory=dict)
    contacts: set[str] = field(default_factory=set)


def _contacts(phone: str | None, email: str | None) -> set[str]:
    return ({f"p:{phone}"} if phone else set()) | ({f"e:{email.lower()}"} if email else set())


def _run(session: Session, actor: Actor, rows: Iterator[tuple[int, list[str]]], columns: Mapping[int, str],
         result: ImportResult, *, write: bool, progress: Progress | None, total: int) -> bool:
    """Classify every record (and write the good ones when `write`); whether any was refused."""
    authority.require(session, actor, "privacy")  # a manager's, as the other privacy and portability commands
    site = actor.site(session)
    context = _Context(session, actor, columns, result, _Seen(), site.phone_region, timing.zone(site.time_zone),
                       actor.now(), write)
    chunk: list[tuple[int, list[str]]] = []
    merges: list[tuple[int, int]] = []
    for line, cells in rows:
        chunk.append((line, cells))
        if len(chunk) == CHUNK:
            merges += context.chunk(chunk)
            chunk = []
            if progress and line < total:
                progress(line, total)
    merges += context.chunk(chunk)
    for index, into in merges:  # a row merged into an earlier row of the file: that row's customer
        result.entries[index] = replace(result.entries[index], customer_id=result.entries[into].customer_id)
    if progress:
        progress(total, total)
    return result.count("refused") > 0


@dataclass
class _Context:
    session: Session
    actor: Actor
    columns: Mapping[int, str]
    result: ImportResult
    seen: _Seen
    region: str
    tz: ZoneInfo
    now: datetime
    write: bool

    def chunk(self, chunk: list[tuple[int, list[str]]]) -> list[tuple[int, int]]:
        """Classify (and write) one chunk of records; the (entry, earlier entry) pairs merged within the file."""
        entries = self.result.entries
        parsed: list[_Row | ReportEntry] = []
        for line, cells in chunk:
            values = {target: cells[index] for index, target in self.columns.items() if index < len(cells)}
            try:
                parsed.append(parse_row(values, line, self.region, self.tz, self.now))
            except InvalidInput as exc:
                reason = "; ".join(f"{key}: {message}" for key, message in sorted(exc.errors.items()))
                parsed.append(ReportEntry(line, "refused", reason))
        on_file = _on_file(self.session, [row for row in parsed if isinstance(row, _Row)])
        merges = []
        added: list[tuple[int, dict[str, Any]]] = []
        for row in parsed:
            if isinstance(row, ReportEntry):
                entries.append(row)
                continue
            details = row.details
            keys = identity_keys(details.name, details.phone, details.email)
            earlier = next((self.seen.keys[key] for key in keys if key in self.seen.keys), None)
            stored = next((on_file.keys[key] for key in keys if key in on_file.keys), None)
            if earlier is not None:
                merges.append((len(entries), earlier))
                entries.append(ReportEntry(row.line, "merged", "the same person as line " + str(entries[earlier].line)))
                continue
            if stored is not None:
                entries.append(ReportEntry(row.line, "merged", "the same person is on file", stored))
                continue
            contacts = _contacts(details.phone, details.email)
            shared = any(contact in self.seen.contacts or contact in on_file.contacts for contact in contacts)
            self.seen.keys.update(dict.fromkeys(keys, len(entries)))
            self.seen.contacts |= contacts
            if self.write:
                added.append((len(entries), {**details.model_dump(), "customer_since": row.since or self.now,
                                             "last_visit_at": row.last_visit, "imported_visits": row.visits,
                                             "site_id": self.actor.site_id, "created_at": self.now, "version": 1}))
            entries.append(ReportEntry(row.line, "possible_duplicate" if shared else "imported",
                                       "another name has this phone or email" if shared else ""))
        if added:
            self._written(added)
        return merges

    def _written(self, added: list[tuple[int, dict[str, Any]]]) -> None:
        """The chunk's customers in one statement (Core: a list is no place for 1,000 ORM objects), their ids
        into the report, then their search tokens and identity keys (as `create_customer` gives them)."""
        ids = self.session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                                   [values for _, values in added]).all()
        tokens, keys = [], []
        for (index, values), customer_id in zip(added, ids, strict=True):
            self.result.entries[index] = replace(self.result.entries[index], customer_id=customer_id)
            self.result.new.add(customer_id)
            contact = values["name"], values["phone"], values["email"]
            tokens += [{"token": token, "customer_id": customer_id} for token in tokens_for(*contact)]
            keys += [{"key": key, "customer_id": customer_id} for key in identity_keys(*contact)]
        self.session.execute(insert(SearchToken), tokens)
        if keys:
            self.session.execute(insert(CustomerIdentity), keys)


def _on_file(session: Session, rows: Sequence[_Row]) -> _Seen:
    """The store's customers with this chunk's phones or emails: their identity keys and contacts."""
    phones = {row.details.phone for row in rows if row.details.phone}
    emails = {row.details.email for row in rows if row.details.email}
    found = _Seen()
    if not phones and not emails:
        return found
    columns = select(Customer.id, Customer.name, Customer.phone, Customer.email)
    # Two lookups, not one with OR: each is an index range scan on SQLite too.
    matches = {*session.execute(columns.where(Customer.phone.in_(phones))),
               *session.execute(columns.where(Customer.email.in_(emails)))}
    for customer_id, name, phone, email in sorted(matches):
        for key in identity_keys(name, phone, email):
            found.keys.setdefault(key, customer_id)
        found.contacts |= _contacts(phone, email)
    return found


REPORT_FIELDS = ("line", "status", "reason", "customer_id")


def write_report(result: ImportResult, path: Path) -> None:
    """The report as CSV (spreadsheet-safe) or JSON, by the file's extension."""
    rows = [{"line": entry.line, "status": entry.status, "reason": entry.reason, "customer_id": entry.customer_id}
            for entry in result.entries]
    with path.open("w", encoding="utf-8", newline="") as out:
        if path.suffix.lower() == ".json":
            json.dump({"ignored_columns": list(result.ignored_columns), "written": result.written, "rows": rows},
                      out, ensure_ascii=False, indent=1)
            out.write("\n")
        else:
            writer = SafeWriter(out)
            writer.writerow(REPORT_FIELDS)
            writer.writerows([row[name] for name in REPORT_FIELDS] for row in rows)
