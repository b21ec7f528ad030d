"""`frontdesk customers import`: the summary, the report file, one line on stderr and exit 2 for bad input."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from frontdesk.services.context import Actor
from tests.test_cli import frontdesk, one_line_error

GUESTS = Path(__file__).parent / "fixtures" / "guest_list.csv"


@pytest.fixture
def url(desk: Actor) -> str:
    return desk.store.url.render_as_string(hide_password=False)


def test_a_refused_row_imports_nothing_exit_2(url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = frontdesk("customers", "import", str(GUESTS), "--report", str(report), "--db", url)
    assert one_line_error(result) == ("frontdesk: line 9: name: has a control character (such as Esc or a line "
                                      "break); retype it; fix the refused rows or give --skip-bad")
    assert "Nothing imported: 8 imported, 1 merged, 1 possible duplicate, 8 refused." in result.stdout
    assert "Columns ignored: Favourite table" in result.stdout
    assert len(json.loads(report.read_text())["rows"]) == 18
    customers = json.loads(frontdesk("export", "--db", url).stdout)["customers"]
    assert customers == []


def test_skip_bad_and_dry_run(url: str, tmp_path: Path) -> None:
    dry = frontdesk("customers", "import", str(GUESTS), "--dry-run", "--skip-bad", "--report",
                    str(tmp_path / "dry.csv"), "--db", url)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run, nothing written: 8 imported, 1 merged, 1 possible duplicate, 8 refused." in dry.stdout
    assert json.loads(frontdesk("export", "--db", url).stdout)["customers"] == []
    assert (tmp_path / "dry.csv").read_bytes().decode().startswith("line,status,reason,customer_id\r\n2,imported,,\r\n")

    done = frontdesk("customers", "import", str(GUESTS), "--skip-bad", "--db", url)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar: stderr is no terminal
    data = json.loads(frontdesk("export", "--db", url).stdout)
    assert len(data["customers"]) == 9 and {row["imported_visits"] for row in data["customers"]} == {0, 3, 12}
    events = [event for event in data["audit_events"] if event["action"] == "import"]
    assert [(event["terminal"], event["staff_id"]) for event in events] == [(f"cli:{getpass.getuser()}", None)]


@pytest.mark.parametrize(("args", "expected"), [
    (["missing.csv"], "missing.csv: no such file"),
    ([str(GUESTS), "--map", "Phone"], "--map 'Phone': say COLUMN=FIELD"),
    ([str(GUESTS), "--map", "Phone=mobile"], "map: mobile: not a field"),
    ([str(GUESTS), "--report", "out.txt"], "name a .csv or a .json file"),
    ([str(GUESTS), "--site", "Nowhere"], "no site called 'Nowhere'"),
])
def test_bad_input_is_one_line(url: str, args: list[str], expected: str) -> None:
    assert expected in one_line_error(frontdesk("customers", "import", *args, "--db", url))
