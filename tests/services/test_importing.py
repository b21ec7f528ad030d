"""Guest lists in (issue 14 item 5): the fixture's exact report, all or nothing, dry runs, the store untouched."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.errors import InvalidInput
from frontdesk.services import export, importing
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent, Customer, CustomerIdentity, SearchToken

GUESTS = Path(__file__).parent.parent / "fixtures" / "guest_list.csv"
CONTROL = "has a control character (such as Esc or a line break); retype it"
REPORT = [
    (2, "imported", ""),
    (4, "imported", ""),
    (5, "imported", ""),
    (6, "possible_duplicate", "another name has this phone or email"),
    (7, "merged", "the same person as line 2"),
    (8, "imported", ""),
    (9, "refused", f"name: {CONTROL}"),
    (10, "imported", ""),
    (11, "refused", "name: needs at least one letter or digit (this has only invisible characters)"),
    (12, "refused", "email: not an email address"),
    (13, "refused", "phone: needs the area code too (this is only a local number)"),
    (14, "refused", "customer_since: '2024-02-30' is no date in the calendar"),
    (15, "refused", "last_visit: '31/02/2024' is no date in the calendar"),
    (16, "refused", "notes: at most 4000 characters (this has 12000)"),
    (17, "imported", ""),
    (19, "merged", "the same person is on file"),
    (20, "possible_duplicate", "another name has this phone or email"),
    (21, "refused", "notes: has a control character (such as Esc); retype it"),
]


@pytest.fixture
def ana(new_customer: Any) -> int:
    """On file before the import: Ana, whose household shares her email."""
    return int(new_customer("Ana García", phone="030 9999999", email="ana@example.com"))


def _customers(desk: Actor) -> int:
    with desk.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def _report(result: importing.ImportResult) -> list[tuple[int, str, str]]:
    return [(entry.line, entry.status, entry.reason) for entry in result.entries]


def _store(desk: Actor) -> str:
    out = io.StringIO()
    export.write_export(desk.store, out)
    return out.getvalue()


def test_one_refused_row_imports_nothing(desk: Actor, ana: int) -> None:
    before = _store(desk)
    result = importing.import_customers(desk, GUESTS)
    assert _report(result) == REPORT
    assert result.ignored_columns == ("Favourite table",)
    assert not result.written
    assert [entry.customer_id for entry in result.entries if entry.customer_id] == [ana]
    assert _store(desk) == before


def test_a_dry_run_writes_nothing_and_reports_the_same(desk: Actor, ana: int) -> None:
    before = _store(desk)
    result = importing.import_customers(desk, GUESTS, dry_run=True, skip_bad=True)
    assert _report(result) == REPORT and result.dry_run and not result.written
    assert _store(desk) == before


def test_skip_bad_imports_the_good_rows_in_one_go(desk: Actor, ana: int) -> None:
    result = importing.import_customers(desk, GUESTS, skip_bad=True)
    assert _report(result) == REPORT and result.written
    ids = {entry.line: entry.customer_id for entry in result.entries}
    assert ids[7] == ids[2] and ids[19] == ana and ids[9] is None
    new = [ids[line] for line in (2, 4, 5, 6, 8, 10, 17, 20)]
    assert len(set(new)) == 8 and ana not in new
    with desk.store.read() as session:
        jose = session.get(Customer, ids[2])
        assert jose is not None
        assert (jose.name, jose.phone, jose.email, jose.imported_visits, jose.consent_text, jose.consent_call) == (
            "José Müller", "+49301234567", "jose@example.com", 12, True, False)
        assert jose.customer_since == datetime(2023, 4, 30, 22, tzinfo=UTC)  # midnight in Berlin
        assert jose.last_visit_at == datetime(2025, 12, 30, 23, tzinfo=UTC)
        wang = session.get(Customer, ids[4])
        assert wang is not None and wang.customer_since == datetime(2024, 1, 31, 23, tzinfo=UTC)  # 1 Feb: day first
        markup = session.get(Customer, ids[8])
        assert markup is not None and markup.name == "<b>Bold</b> [red]Rich[/red]"
        assert markup.notes == "[link=https://x]click[/link]"
        two_lines = session.get(Customer, ids[17])
        assert two_lines is not None and two_lines.notes == "line one\nline two"
        assert session.get(Customer, ids[5]) is not None
        assert session.scalar(select(func.count()).select_from(Customer)) == 9
        assert session.scalar(select(func.count()).select_from(CustomerIdentity)
                              .where(CustomerIdentity.customer_id == ids[2])) == 2
        assert session.scalar(select(func.count()).select_from(SearchToken)
                              .where(SearchToken.customer_id == ids[4])) > 0
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert [(event.record_type, event.fields) for event in events] == [
        ("customers", "imported:6,merged:2,possible_duplicate:2,refused:8")]


def test_importing_the_list_again_merges_every_good_row(desk: Actor, ana: int) -> None:
    importing.import_customers(desk, GUESTS, skip_bad=True)
    again = importing.import_customers(desk, GUESTS, skip_bad=True)
    assert {entry.status for entry in again.entries} == {"merged", "refused"}
    assert _customers(desk) == 9


def test_reports_as_csv_and_json(desk: Actor, ana: int, tmp_path: Path) -> None:
    result = importing.import_customers(desk, GUESTS, dry_run=True)
    importing.write_report(result, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ignored_columns"] == ["Favourite table"]
    assert [(row["line"], row["status"], row["reason"]) for row in data["rows"]] == REPORT
    assert data["rows"][15]["customer_id"] == ana
    importing.write_report(result, tmp_path / "r.csv")
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0] == "line,status,reason,customer_id"
    assert lines[1] == "2,imported,,"
    assert lines[16] == f"19,merged,the same person is on file,{ana}"
    assert len(lines) == len(REPORT) + 1


def test_commas_lf_and_mapped_columns(desk: Actor, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Mobile,Vorname,Nachname,Seit\n0151 2345678,Ana,Ruiz,3.4.2024\n\n,Ben,Ruiz,\n", encoding="utf-8")
    result = importing.import_customers(desk, source, mapping={"Mobile": "phone", "Vorname": "first_name",
                                                               "Nachname": "last_name", "seit": "customer_since"})
    assert _report(result) == [(2, "imported", ""), (4, "imported", "")] and not result.ignored_columns
    with desk.store.read() as session:
        names = session.execute(select(Customer.name, Customer.phone).order_by(Customer.id)).all()
    assert [tuple(row) for row in names] == [("Ana Ruiz", "+491512345678"), ("Ben Ruiz", None)]


@pytest.mark.parametrize(("content", "mapping", "expected"), [
    (b"", {}, "file: is empty"),
    (b"Phone;Email\n123;a@b.de\n", {}, "file: has no name column"),
    (b"Name\n\xff\xfe\n", {}, "file: is not UTF-8 text"),
    (b"Name\nAna\n", {"Name": "nickname"}, "map: nickname: not a field"),
])
def test_files_it_cannot_read(desk: Actor, tmp_path: Path, content: bytes, mapping: dict[str, str],
                              expected: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    with pytest.raises(InvalidInput) as caught:
        importing.import_customers(desk, source, mapping=mapping)
    assert expected in str(caught.value)
    assert _customers(desk) == 0


def test_progress_reaches_the_end(desk: Actor, tmp_path: Path) -> None:
    source = tmp_path / "many.csv"
    source.write_text("name\n" + "".join(f"Guest {n}\n" for n in range(2500)), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    importing.import_customers(desk, source, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2501, 2501) and len(seen) == 3
    assert _customers(desk) == 2500


def test_only_a_manager_imports(desk: Actor, as_staff: Any) -> None:
    from frontdesk.errors import NotAllowed

    with pytest.raises(NotAllowed):
        importing.import_customers(as_staff("Tom"), GUESTS, skip_bad=True)
    assert _customers(desk) == 0
