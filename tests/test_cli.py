"""The `frontdesk` command as a person runs it: real processes, real stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


EXPORT_KEYS = {"sites", "customers", "visits", "staff", "incidents", "flags", "alerts", "follow_ups", "audit_events"}
SETUP = ["setup", "--site", "Bistro [Mitte]", "--tz", "Europe/Berlin", "--region", "DE", "--currency", "EUR",
         "--staff", "Maria"]


def frontdesk(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it; `timeout` only stops a hung run, so a slow build gets a longer one."""
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        capture_output=True, text=True, input=stdin, timeout=timeout, env=os.environ.copy(),
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A refusal: exit status 2, one line on stderr, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("frontdesk: ")
    return lines[0]


@pytest.fixture
def empty_url(empty_url: str) -> str:
    """The shared never-opened store, its PostgreSQL URL plain: a plain URL must get psycopg 3."""
    return empty_url.replace("postgresql+psycopg://", "postgresql://")


def test_version() -> None:
    result = frontdesk("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("frontdesk ")


def test_setup_then_export_prints_the_nine_keys(empty_url: str) -> None:
    setup = frontdesk(*SETUP, "--db", empty_url)
    assert setup.returncode == 0, setup.stderr
    assert "Bistro [Mitte]" in setup.stdout
    result = frontdesk("export", "--db", empty_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert EXPORT_KEYS <= set(data)
    assert [site["name"] for site in data["sites"]] == ["Bistro [Mitte]"]
    assert data["sites"][0]["time_zone"] == "Europe/Berlin"
    assert [(staff["name"], staff["role"]) for staff in data["staff"]] == [("Maria", "manager")]
    assert all("pin_hash" not in staff for staff in data["staff"])
    assert {event["action"] for event in data["audit_events"]} >= {"create"}


def test_export_shape_and_times(desk: object) -> None:
    """Every documented field is present; times are ISO 8601 in UTC."""
    from frontdesk.services import customers, incidents

    actor = desk
    customer_id = customers.create_customer(actor, customers.parse_customer(actor, {
        "name": "Ana García", "phone": "030 1234567", "email": "ana@example.com"}))
    customers.check_in(actor, customer_id)
    incidents.log_incident(actor, incidents.parse_incident(actor, {
        "customer_id": customer_id, "category": "wait", "severity": "major", "description": "45 min wait"}))
    url = actor.store.url.render_as_string(hide_password=False)
    data = json.loads(frontdesk("export", "--db", url).stdout)
    fields = {
        "customers": {"id", "name", "phone", "email"},
        "visits": {"id", "customer_id", "site_id", "checked_in_at", "checked_out_at"},
        "staff": {"id", "name", "role"},
        "incidents": {"id", "customer_id", "site_id", "occurred_at", "category", "severity"},
        "flags": {"id", "customer_id", "incident_id", "active", "headline"},
        "alerts": {"id", "incident_id", "site_id", "acknowledged_at"},
        "follow_ups": {"id", "incident_id", "customer_id", "kind", "channel", "due_at", "status", "outcome",
                       "owner_id", "completed_by_id", "completed_at"},
    }
    for key, expected in fields.items():
        assert data[key], key
        assert expected <= set(data[key][0]), key
    assert data["customers"][0]["phone"] == "+49301234567"
    assert data["incidents"][0]["occurred_at"].endswith("+00:00")
    assert data["visits"][0]["checked_in_at"] == "2026-11-20T18:30:00+00:00"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export", "--db", "not a url"], "not a database URL"),
        (["export", "--db", "postgresql://nobody@127.0.0.1:1/none"], "cannot reach"),
        (["--db", "oracle://x/y", "export"], "unsupported database"),
    ],
)
def test_bad_store_urls_are_one_clear_line(args: list[str], expected: str) -> None:
    assert expected in one_line_error(frontdesk(*args))


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "recipes.db"
    path.write_text("flour, water, salt\n" * 300)
    assert "not a frontdesk store" in one_line_error(frontdesk("export", "--db", f"sqlite:///{path}"))


def test_a_read_only_store_folder(tmp_path: Path) -> None:
    from tests.test_store import _read_only_folder

    folder = _read_only_folder(tmp_path)
    message = one_line_error(frontdesk(*SETUP, "--db", f"sqlite:///{folder}/store.db"))
    assert "not writable" in message
    message = one_line_error(frontdesk("export", "--db", f"sqlite:///{folder}/store.db"))
    assert "there is no store at" in message  # a read-only command never creates one


def test_setup_refuses_a_store_that_is_set_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    assert frontdesk(*SETUP, "--db", url).returncode == 0
    assert "already set up" in one_line_error(frontdesk(*SETUP, "--db", url))


def test_setup_without_a_terminal_names_the_missing_flag(tmp_path: Path) -> None:
    message = one_line_error(frontdesk("setup", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--site", "A"))
    assert "time zone" in message.lower()


def test_setup_rejects_a_bad_zone_in_plain_words(tmp_path: Path) -> None:
    args = [a if a != "Europe/Berlin" else "Mars/Olympus" for a in SETUP]
    message = one_line_error(frontdesk(*args, "--db", f"sqlite:///{tmp_path / 'x.db'}"))
    assert "unknown time zone" in message


def test_staff_and_sites(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert frontdesk(*SETUP, "--db", url).returncode == 0
    assert frontdesk("staff", "add", "Lena", "--role", "lead", "--pin", "2580", "--db", url).returncode == 0
    assert frontdesk("site", "add", "Bistro Ost", "--tz", "Europe/Berlin", "--region", "DE", "--currency", "EUR",
                     "--db", url).returncode == 0
    assert frontdesk("staff", "add", "Tom", "--site", "Bistro Ost", "--db", url).returncode == 0
    listed = frontdesk("staff", "list", "--db", url).stdout
    assert "Lena" in listed and "shift lead" in listed and "PIN" in listed and "Tom" in listed
    assert "Bistro Ost" in frontdesk("site", "list", "--db", url).stdout
    assert frontdesk("staff", "disable", "Tom", "--db", url).returncode == 0
    assert "Tom" not in frontdesk("staff", "list", "--db", url).stdout
    assert "disabled" in frontdesk("staff", "list", "--all", "--db", url).stdout
    assert "role" in one_line_error(frontdesk("staff", "add", "Kim", "--role", "chef", "--db", url))
    assert "no active staff member" in one_line_error(frontdesk("staff", "disable", "Nobody", "--db", url))


def test_playbooks_load_names_the_file_and_the_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    assert frontdesk(*SETUP, "--db", url).returncode == 0
    bad = tmp_path / "plans.toml"
    bad.write_text(
        '[[playbook]]\nseverity = "minor"\nname = "x"\n[[playbook.step]]\nkind = "check_in"\n'
        'channel = "fax"\noffset_days = 1\n'
    )
    message = one_line_error(frontdesk("playbooks", "load", str(bad), "--db", url))
    assert str(bad) in message and "playbook 1" in message and "step 1" in message and "channel" in message
    before = frontdesk("playbooks", "list", "--db", url).stdout
    assert "critical" in before


def test_db_upgrade_and_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgraded = frontdesk("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and "was empty" in upgraded.stdout
    assert "is current" in frontdesk("db", "upgrade", "--db", url).stdout
    checked = frontdesk("db", "check", "--db", url)
    assert checked.returncode == 0 and "match" in checked.stdout


def test_unexpected_errors_are_an_apology_without_personal_data(tmp_path: Path) -> None:
    """A bug in a command prints an apology and a reference; the crash log holds no customer data."""
    script = (
        "import frontdesk.cli as cli, sys\n"
        "def boom(args):\n"
        "    raise RuntimeError('Zoë Canary +49301234567 canary@example.com')\n"
        "cli.COMMANDS['export'] = boom\n"
        "sys.exit(cli.main(['export']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Canary" not in result.stderr
    assert "reference FD-" in result.stderr
    log = Path(os.environ["FRONTDESK_LOG_DIR"]) / "crash.log"
    content = log.read_text()
    assert "RuntimeError" in content and "Canary" not in content and "canary@" not in content
    assert "+49301234567" not in content


def test_pins_from_the_shell(tmp_path: Path) -> None:
    """set-pin reads one line with --pin-stdin; bad PINs are one line; the store's audit names cli:<user>."""
    import getpass

    from frontdesk.store.migrate import open_store

    url = f"sqlite:///{tmp_path / 'pins.db'}"
    assert frontdesk(*SETUP, "--db", url, "--pin-stdin", stdin="8024\n").returncode == 0
    assert frontdesk("staff", "add", "Tom", "--db", url).returncode == 0
    assert "run of digits" in one_line_error(frontdesk("staff", "set-pin", "Tom", "--pin-stdin", "--db", url,
                                                       stdin="1234\n"))
    assert "give the PIN on stdin" in one_line_error(frontdesk("staff", "set-pin", "Tom", "--db", url, stdin=""))
    assert frontdesk("staff", "set-pin", "Tom", "--pin-stdin", "--db", url, stdin="2580\n").returncode == 0
    assert "PIN" in frontdesk("staff", "list", "--db", url).stdout.splitlines()[1]
    store = open_store(url)
    with store.read() as session:
        from sqlalchemy import select

        from frontdesk.store.models import AuditEvent, Staff

        hashes = list(session.scalars(select(Staff.pin_hash).order_by(Staff.id)))
        row = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    store.dispose()
    assert all(value and value.startswith("scrypt$32768$8$3$") for value in hashes)
    assert row is not None and (row.action, row.staff_id, row.terminal) == ("edit", None, f"cli:{getpass.getuser()}")


def test_settings_from_the_shell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    assert frontdesk(*SETUP, "--db", url).returncode == 0
    listed = frontdesk("settings", "list", "--db", url).stdout
    assert "require_pin" in listed and "remedy_limit_manager" in listed
    changed = frontdesk("settings", "set", "remedy_limit_host", "2500", "--site", "Bistro [Mitte]", "--db", url)
    assert changed.stdout.strip() == "remedy_limit_host at Bistro [Mitte] is now 2500."
    assert "true or false" in one_line_error(frontdesk("settings", "set", "require_pin", "perhaps", "--db", url))


def test_an_unknown_or_disabled_staff_name_stops_the_app_before_any_screen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'named.db'}"
    assert frontdesk(*SETUP, "--db", url).returncode == 0
    assert frontdesk("staff", "add", "Tom", "--db", url).returncode == 0
    assert frontdesk("staff", "disable", "Tom", "--db", url).returncode == 0
    for name in ("Nobody", "Tom"):
        result = frontdesk("--db", url, "--staff", name)
        assert "no active staff member called" in one_line_error(result)
        assert result.stdout == ""  # nothing drawn
    env_named = subprocess.run([sys.executable, "-m", "frontdesk", "--db", url], capture_output=True, text=True,
                               timeout=60, env={**os.environ, "FRONTDESK_STAFF": "Nobody"})
    assert "no active staff member called 'Nobody'" in one_line_error(env_named)


def test_setup_kind_seeds_that_business_and_restaurant_without_a_terminal(tmp_path: Path) -> None:
    """Issue 15 item 6: --kind clinic seeds the clinic's categories; no --kind and no terminal: a restaurant."""
    clinic, plain = f"sqlite:///{tmp_path / 'clinic.db'}", f"sqlite:///{tmp_path / 'plain.db'}"
    made = frontdesk(*SETUP, "--kind", "clinic", "--db", clinic)
    assert made.returncode == 0, made.stderr
    assert "as a clinic" in made.stdout
    assert frontdesk(*SETUP, "--db", plain, stdin="").returncode == 0
    listed = frontdesk("playbooks", "list", "--db", clinic).stdout
    assert "minor/grievance: Grievance (minor): acknowledge in 1 day, written response in 7" in listed
    assert "grievance" not in frontdesk("playbooks", "list", "--db", plain).stdout
    refused = frontdesk(*SETUP, "--kind", "spa", "--db", f"sqlite:///{tmp_path / 'spa.db'}")
    assert refused.returncode == 2 and "invalid choice: 'spa'" in refused.stderr
