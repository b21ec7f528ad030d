"""`frontdesk customers export/erase/hold/unhold/purge`, `frontdesk export --format csv`, `frontdesk privacy reapply`."""

from __future__ import annotations

import csv
import getpass
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from frontdesk.services import customers, incidents
from frontdesk.services.context import Actor
from tests.test_cli import frontdesk, one_line_error


@pytest.fixture
def shop(desk: Actor) -> tuple[str, int]:
    """The store's URL and Ana, a guest whose name a spreadsheet would read as a formula, with one incident."""
    customer_id = customers.create_customer(desk, customers.parse_customer(desk, {
        "name": "=HYPERLINK(\"http://x\") Ana", "phone": "030 1234567", "email": "ana@example.com"}))
    incidents.log_incident(desk, incidents.parse_incident(desk, {
        "customer_id": customer_id, "category": "wait", "severity": "major", "description": "-45 min wait"}))
    return desk.store.url.render_as_string(hide_password=False), customer_id


def test_customer_export_json_text_and_file(shop: tuple[str, int], tmp_path: Path) -> None:
    url, customer_id = shop
    result = frontdesk("customers", "export", str(customer_id), "--db", url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [row["id"] for row in data["customers"]] == [customer_id] and len(data["incidents"]) == 1

    text = frontdesk("customers", "export", str(customer_id), "--format", "text", "--db", url)
    assert "Incidents (1)" in text.stdout and "description: -45 min wait" in text.stdout

    target = tmp_path / "ana.json"
    saved = frontdesk("customers", "export", str(customer_id), "-o", str(target), "--db", url)
    assert saved.returncode == 0, saved.stderr
    assert "other people's data" in saved.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["customers"][0]["id"] == customer_id
    events = json.loads(frontdesk("export", "--db", url).stdout)["audit_events"]
    exports = [event for event in events if event["action"] == "customer_export"]
    assert len(exports) == 3
    assert {(event["staff_id"], event["terminal"]) for event in exports} == {(None, f"cli:{getpass.getuser()}")}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["customers", "export", "abc"], "ID 'abc'"),
        (["customers", "export", "999"], "customer 999 is not on file"),
        (["customers", "export", "1", "--format", "xml"], "invalid choice: 'xml'"),
        (["customers", "erase", "999", "--yes"], "customer 999 is not on file"),
        (["customers", "erase", "1"], "confirm on a terminal, or give --yes"),
        (["customers", "hold", "1", "--reason", " "], "reason: required"),
        (["customers", "unhold", "1"], "not under legal hold"),
        (["customers", "purge", "--inactive-for", "0"], "--inactive-for '0'"),
        (["customers", "purge", "--inactive-for", "ten"], "--inactive-for 'ten'"),
        (["export", "--format", "csv"], "name a new folder with -o PATH"),
        (["privacy", "reapply", "--log", "/nonexistent/erasures"], "there is no erasure log"),
    ],
)
def test_bad_input_is_one_line(shop: tuple[str, int], args: list[str], expected: str) -> None:
    url, _ = shop
    assert expected in one_line_error(frontdesk(*args, "--db", url))


def test_hold_erase_and_purge(shop: tuple[str, int]) -> None:
    url, customer_id = shop
    held = frontdesk("customers", "hold", str(customer_id), "--reason", "injury claim", "--db", url)
    assert held.returncode == 0, held.stderr
    refused = one_line_error(frontdesk("customers", "erase", str(customer_id), "--yes", "--db", url))
    assert "legal hold (injury claim)" in refused
    assert frontdesk("customers", "unhold", str(customer_id), "--db", url).returncode == 0

    asked = frontdesk("customers", "erase", str(customer_id), "--db", url, stdin="no\n")
    assert asked.returncode == 2, "no terminal: refused rather than asked"
    erased = frontdesk("customers", "erase", str(customer_id), "--yes", "--db", url)
    assert erased.returncode == 0, erased.stderr
    assert "Erased customer" in erased.stdout
    dump = frontdesk("export", "--db", url).stdout
    assert "HYPERLINK" not in dump and "1234567" not in dump and "ana@example.com" not in dump
    assert "already erased" in one_line_error(frontdesk("customers", "erase", str(customer_id), "--yes", "--db", url))

    dry = frontdesk("customers", "purge", "--inactive-for", "30", "--dry-run", "--db", url)
    assert dry.stdout.strip() == "0 customers inactive for 30 days would be erased; 0 under legal hold kept."
    unset = frontdesk("customers", "purge", "--db", url)
    assert "no retention_days setting" in unset.stdout
    events = json.loads(frontdesk("export", "--db", url).stdout)["audit_events"]
    assert [event["action"] for event in events if event["action"] in ("hold", "unhold", "erase")] == [
        "hold", "unhold", "erase"]


def test_reapply_from_the_command_line(shop: tuple[str, int]) -> None:
    url, customer_id = shop
    assert frontdesk("customers", "erase", str(customer_id), "--yes", "--db", url).returncode == 0
    result = frontdesk("privacy", "reapply", "--db", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 erasures in the log; 0 customers erased again."
    events = json.loads(frontdesk("export", "--db", url).stdout)["audit_events"]
    assert events[-1]["action"] == "reapply"


def test_csv_export_is_an_owner_only_folder_of_safe_files(shop: tuple[str, int], tmp_path: Path) -> None:
    url, customer_id = shop
    folder = tmp_path / "export"
    result = frontdesk("export", "--format", "csv", "-o", str(folder), "--db", url)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    data = json.loads(frontdesk("export", "--db", url).stdout)
    assert sorted(path.name for path in folder.iterdir()) == sorted(f"{name}.csv" for name in data)
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with (folder / "customers.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(data["customers"][0])
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\") Ana"
    assert rows[0]["phone"] == "'+49301234567", "a phone starting with + is text too"
    with (folder / "incidents.csv").open(newline="", encoding="utf-8") as file:
        assert next(csv.DictReader(file))["description"] == "'-45 min wait"
    again = one_line_error(frontdesk("export", "--format", "csv", "-o", str(folder), "--db", url))
    assert "already exists" in again
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".export")] == []


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+49", "'+49"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Ana", "Ana"), ("a=b", "a=b"), ("", ""), (None, ""), (True, "true"), (-5, "-5"),
     (12.5, "12.5")],
)
def test_spreadsheet_safe_cells(value: Any, cell: str) -> None:
    from frontdesk.csvsafe import safe_cell

    assert safe_cell(value) == cell


def test_backup_and_restore_from_the_command_line(shop: tuple[str, int], tmp_path: Path) -> None:
    url, customer_id = shop
    target = tmp_path / "nightly.db"
    made = frontdesk("backup", str(target), "--db", url)
    if not url.startswith("sqlite"):
        assert "pg_dump" in one_line_error(made)
        return
    assert made.returncode == 0, made.stderr
    assert frontdesk("customers", "erase", str(customer_id), "--yes", "--db", url).returncode == 0
    assert "this cannot be undone" in one_line_error(frontdesk("restore", str(target), "--db", url))
    assert "there is no backup" in one_line_error(frontdesk("restore", str(tmp_path / "none.db"), "--yes", "--db", url))
    restored = frontdesk("restore", str(target), "--yes", "--db", url)
    assert restored.returncode == 0, restored.stderr
    assert "1 erased customers erased again" in restored.stdout
    assert "HYPERLINK" not in frontdesk("export", "--db", url).stdout
