"""The audit trail read back (issue 12 item 6): filters, site-local days, the customer's whole story, and
`frontdesk audit` in text, CSV and JSON."""

from __future__ import annotations

from dataclasses import replace

import csv
import io
import json
import re
import stat
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from frontdesk import cli
from frontdesk.clock import FixedClock
from frontdesk.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.schemas.inputs import StaffInput
from frontdesk.services import audit, customers, flags, setup
from frontdesk.services.audit import TrailFilter, audit_trail, iter_trail, parse_filter
from frontdesk.services.context import Actor
from frontdesk.store.models import AuditEvent

ROOT = Path(__file__).parents[2]


def at(desk: Actor, instant: datetime) -> Actor:
    return Actor(desk.store, FixedClock(instant), desk.site_id, desk.terminal, desk.staff_id)


def trail(desk: Actor, **filters: Any) -> list[tuple[str, str, int]]:
    return [(entry.action, entry.record_type, entry.record_id)
            for entry in iter_trail(desk, parse_filter(**filters))]


def test_customer_matches_their_visits_incidents_episodes_flags_follow_ups_and_alerts(
    desk: Actor, new_customer: Callable[..., int], log: Callable[..., Any]
) -> None:
    ana, ben = new_customer("Ana García"), new_customer("Ben Ortiz")
    visit = customers.check_in(desk, ana)
    other = Actor(desk.store, desk.clock, desk.site_id, "bar", desk.staff_id)
    result = log(customer_id=ana, severity="major", occurred_at="19:00")
    log(customer_id=ben, severity="major", occurred_at="19:00")
    flags.acknowledge_flag(other, result.flag_id)
    found = trail(desk, customer=str(ana))
    kinds = {kind for _, kind, _ in found}
    assert kinds == {"customer", "visit", "incident", "flag", "follow_up", "alert"}
    assert ("check_in", "visit", visit) in found and ("acknowledge", "flag", result.flag_id) in found
    assert ("create", "customer", ben) not in found
    assert trail(desk, customer=str(ben)) and not set(trail(desk, customer=str(ben))) & set(found)


def test_staff_record_action_and_site_local_inclusive_days(
    desk: Actor, as_staff: Callable[[str], Actor], new_customer: Callable[..., int]
) -> None:
    """Berlin is UTC+1: an event at 23:30 UTC on the 19th is on the local 20th."""
    late = datetime.fromisoformat("2026-11-19T23:30:00+00:00")  # 00:30 on Fri 20 Nov in Berlin
    early = datetime.fromisoformat("2026-11-19T22:30:00+00:00")  # 23:30 on Thu 19 Nov
    ana = new_customer("Ana García", actor=at(as_staff("Lena"), early))
    visit = customers.check_in(at(as_staff("Lena"), late), ana)
    assert trail(desk, staff="lena") == [("create", "customer", ana), ("check_in", "visit", visit)]
    assert trail(desk, staff="Lena", first_day="2026-11-20", last_day="2026-11-20") == [("check_in", "visit", visit)]
    assert trail(desk, staff="Lena", last_day="2026-11-19") == [("create", "customer", ana)]
    assert trail(desk, record=f"visit:{visit}") == [("check_in", "visit", visit)]
    assert trail(desk, action="check_in", staff="Lena") == [("check_in", "visit", visit)]
    assert trail(desk, staff="LENA", action="check_in") == trail(desk, staff="le", action="check_in")
    with pytest.raises(NotFound, match="no staff member called 'Nobody'"):
        trail(desk, staff="Nobody")
    setup.add_staff(desk.store, desk.clock, StaffInput.parse({"name": "Marco Lenz", "role": "staff"}), "stand")
    with pytest.raises(InvalidInput, match="could be Lena, Marco Lenz: type more"):
        trail(desk, staff="len")


def test_days_follow_each_events_own_site(desk: Actor, add_site: Callable[..., Actor],
                                          new_customer: Callable[..., int]) -> None:
    """02:30 UTC on the 20th is the 20th in Berlin but still the 19th in New York."""
    new_york = add_site("Diner NYC", "America/New_York")
    instant = datetime.fromisoformat("2026-11-20T02:30:00+00:00")
    berlin_id = new_customer("Ana García", actor=at(desk, instant))
    nyc_id = new_customer("Ben Ortiz", actor=at(new_york, instant))
    on_20th = trail(desk, first_day="2026-11-20", last_day="2026-11-20")
    assert ("create", "customer", berlin_id) in on_20th and ("create", "customer", nyc_id) not in on_20th
    assert ("create", "customer", nyc_id) in trail(desk, first_day="2026-11-19", last_day="2026-11-19")


@pytest.mark.parametrize(("filters", "field"), [
    ({"customer": "ana"}, "customer"), ({"customer": "0"}, "customer"), ({"record": "incident"}, "record"),
    ({"record": "incident:x"}, "record"), ({"action": "delete"}, "action"), ({"first_day": "20.11.2026"}, "from"),
    ({"last_day": "2026-02-30"}, "to"), ({"first_day": "2026-11-21", "last_day": "2026-11-20"}, "to"),
])
def test_bad_filters_are_refused_naming_the_part(filters: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filter(**filters)
    assert list(refused.value.errors) == [field]


def test_only_a_manager_reads_the_trail_and_the_shell_may(desk: Actor, as_staff: Callable[[str], Actor]) -> None:
    for name in ("Lena", "Tom", "Hana"):
        with pytest.raises(NotAllowed):
            audit_trail(as_staff(name), TrailFilter())
        with pytest.raises(NotAllowed):
            list(iter_trail(as_staff(name), TrailFilter()))
    shell = replace(desk, staff_id=None, store_authority=True)
    assert audit_trail(shell, TrailFilter()) and list(iter_trail(shell, TrailFilter()))


def test_every_action_written_is_known_and_in_the_readme() -> None:
    written = set()
    for path in (ROOT / "frontdesk").rglob("*.py"):
        written |= set(re.findall(r"audit\.record\(\s*session,\s*[^,]+,\s*\"([a-z_]+)\"", path.read_text()))
    written |= {"complete", "attempt"}  # followups.py picks one of the two in an expression
    assert written and written <= set(audit.ACTIONS)
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{action}`" in readme for action in audit.ACTIONS)


# -- the command ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    status = cli.main(["audit", "--db", url, *args])
    out, err = capsys.readouterr()
    return status, out, err


def url_of(desk: Actor) -> str:
    return desk.store.url.render_as_string(hide_password=False)


def test_json_has_exactly_the_keys_and_csv_is_spreadsheet_safe(
    desk: Actor, new_customer: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    ana = new_customer("Ana García")
    with desk.store.begin() as session:  # a terminal named like a formula
        session.execute(insert(AuditEvent), [{"at": desk.now(), "staff_id": desk.staff_id, "site_id": desk.site_id,
                                              "terminal": "=HYPERLINK(1)", "action": "edit", "record_type": "customer",
                                              "record_id": ana, "fields": "notes"}])
    status, out, _ = run(capsys, url_of(desk), "--customer", str(ana), "--format", "json")
    rows = json.loads(out)
    assert status == 0 and [row["action"] for row in rows] == ["create", "edit"]
    assert all(list(row) == list(audit.JSON_KEYS) for row in rows)
    assert rows[0]["at"] == desk.now().isoformat() and rows[1]["fields"] == ["notes"]
    assert "Ana" not in out
    status, out, _ = run(capsys, url_of(desk), "--customer", str(ana), "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == list(audit.JSON_KEYS) and table[2][4] == "'=HYPERLINK(1)"
    status, out, _ = run(capsys, url_of(desk), "--record", f"customer:{ana}")
    assert out.splitlines()[0].startswith("2026-11-20 19:30  Maria  stand  create customer:")


def test_output_file_is_owner_only_and_bad_arguments_are_one_line(
    desk: Actor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "trail.json"
    status, out, _ = run(capsys, url_of(desk), "--format", "json", "-o", str(target))
    assert status == 0 and out == "" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())
    assert [path.name for path in target.parent.iterdir()] == ["trail.json"]  # no partial file left
    for args in (["--from", "yesterday"], ["--format", "xml"], ["--record", "7"], ["--staff", "Nobody"],
                 ["--action", "drop"], ["-o", str(tmp_path / "missing" / "x.json")]):
        status, out, err = run(capsys, url_of(desk), *args)
        assert status == 2 and out == "" and len(err.strip().splitlines()) == 1 and err.startswith("frontdesk: ")


def test_the_trail_of_a_day_keeps_its_order(desk: Actor, new_customer: Callable[..., int]) -> None:
    first = new_customer("Ana García")
    second = new_customer("Ben Ortiz", actor=at(desk, desk.now() + timedelta(minutes=1)))
    assert [entry.record_id for entry in audit_trail(desk, TrailFilter(), limit=2)] == [second, first]
