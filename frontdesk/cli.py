"""The `frontdesk` command: the app, and the subcommands that need no screen.

Heavy modules (SQLAlchemy, pydantic, Textual) are imported inside each
command, so `frontdesk --version` and the app's first frame stay quick.
Errors a person can fix are one line on stderr and exit status 2; anything
unexpected is an apology with a crash-log reference and status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from frontdesk import __version__
from frontdesk.errors import FrontdeskError
from frontdesk.text import visible

EXIT_USAGE = 2


class CommandError(FrontdeskError):
    """A refusal to print as one line."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one line on stderr (exit status 2), as every refusal is."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"frontdesk: {message} (see `{self.prog} --help`)\n")


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="URL", default=default,
                        help="store URL (default: the embedded SQLite store; env FRONTDESK_DATABASE_URL)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="frontdesk",
        description="Keyboard-first service recovery for the front desk.",
    )
    parser.add_argument("--version", action="version", version=f"frontdesk {__version__}")
    _common(parser, suppress=False)
    parser.add_argument("--staff", metavar="NAME", help="who is at the terminal (env FRONTDESK_STAFF)")
    parser.add_argument("--site", metavar="NAME", help="this terminal's site (env FRONTDESK_SITE)")
    parser.add_argument("--terminal", metavar="NAME", help="this station's name (env FRONTDESK_TERMINAL)")
    parser.add_argument("--theme", metavar="NAME", help="colour theme, e.g. ansi-dark for a Linux console")
    parser.add_argument("--lock-after", metavar="SECONDS", dest="lock_after_seconds",
                        help="lock after this many seconds without a key (default 300; 0 never, only when "
                             "require_pin is off; env FRONTDESK_LOCK_AFTER_SECONDS)")
    parser.add_argument("--kiosk", action="store_true", default=None,
                        help="kiosk mode: quitting needs a manager's PIN (env FRONTDESK_KIOSK)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _common(sub, suppress=True)
        return sub

    setup = command("setup", "set up a new store: its first site and staff member")
    setup.add_argument("--site", dest="site_name", metavar="NAME")
    setup.add_argument("--tz", metavar="ZONE", help="time zone, e.g. Europe/Berlin")
    setup.add_argument("--region", metavar="CC", help="default phone region, e.g. DE")
    setup.add_argument("--currency", metavar="CUR", help="e.g. EUR")
    setup.add_argument("--staff", dest="staff_name", metavar="NAME", help="the first staff member (a manager)")
    setup.add_argument("--kind", choices=("restaurant", "hotel", "clinic"),
                       help="the kind of business: its categories, root causes and playbooks (asked on a terminal; "
                            "restaurant otherwise)")
    _pin_options(setup, "their PIN (asked on a terminal when not given)")

    staff = command("staff", "add, list or disable staff")
    staff_commands = staff.add_subparsers(dest="action", metavar="ACTION", required=True)
    staff_add = staff_commands.add_parser("add", help="add a staff member")
    _common(staff_add, suppress=True)
    staff_add.add_argument("name")
    staff_add.add_argument("--role", default="staff", help="host, staff, lead or manager (default staff)")
    _pin_options(staff_add, "their PIN")
    staff_add.add_argument("--site", dest="site_name", metavar="NAME", help="home site (default: every site)")
    staff_list = staff_commands.add_parser("list", help="list staff")
    _common(staff_list, suppress=True)
    staff_list.add_argument("--all", action="store_true", help="include disabled staff")
    staff_disable = staff_commands.add_parser("disable", help="disable a staff member")
    _common(staff_disable, suppress=True)
    staff_disable.add_argument("name")
    staff_set_pin = staff_commands.add_parser("set-pin", help="set a staff member's PIN (asked twice on a terminal)")
    _common(staff_set_pin, suppress=True)
    staff_set_pin.add_argument("name")
    staff_set_pin.add_argument("--pin-stdin", action="store_true", help="read the PIN as one line from stdin")
    staff_unlock = staff_commands.add_parser("unlock", help="lift a staff member's lockout after wrong PINs")
    _common(staff_unlock, suppress=True)
    staff_unlock.add_argument("name")

    settings = command("settings", "list or change the store's and the sites' settings")
    settings_commands = settings.add_subparsers(dest="action", metavar="ACTION", required=True)
    settings_list = settings_commands.add_parser("list", help="every setting, its value and its default")
    _common(settings_list, suppress=True)
    settings_set = settings_commands.add_parser("set", help="change a setting (empty VALUE: none)")
    _common(settings_set, suppress=True)
    settings_set.add_argument("name", metavar="NAME")
    settings_set.add_argument("value", metavar="VALUE")
    settings_set.add_argument("--site", dest="site_name", metavar="NAME", help="the site, for a per-site setting")

    site = command("site", "add or list sites")
    site_commands = site.add_subparsers(dest="action", metavar="ACTION", required=True)
    site_add = site_commands.add_parser("add", help="add a site")
    _common(site_add, suppress=True)
    site_add.add_argument("name")
    site_add.add_argument("--tz", required=True, metavar="ZONE")
    site_add.add_argument("--region", required=True, metavar="CC")
    site_add.add_argument("--currency", required=True, metavar="CUR")
    site_list = site_commands.add_parser("list", help="list sites")
    _common(site_list, suppress=True)

    customers = command("customers", "find and merge customers on file twice; privacy requests and retention")
    customer_commands = customers.add_subparsers(dest="action", metavar="ACTION", required=True)
    customers_merge = customer_commands.add_parser(
        "merge", help="move all of OTHER_ID's history to KEEP_ID, then remove OTHER_ID")
    _common(customers_merge, suppress=True)
    customers_merge.add_argument("keep_id", metavar="KEEP_ID")
    customers_merge.add_argument("other_id", metavar="OTHER_ID")
    customers_duplicates = customer_commands.add_parser(
        "duplicates", help="customers who share a phone or email (the same name too: merge them)")
    _common(customers_duplicates, suppress=True)
    customers_export = customer_commands.add_parser(
        "export", help="everything the store holds about one customer (check it for other people's data "
                       "before sending it)")
    _common(customers_export, suppress=True)
    customers_export.add_argument("customer_id", metavar="ID")
    customers_export.add_argument("--format", choices=("json", "text"), default="json",
                                  help="json (keys as in `frontdesk export`) or text (labelled, to send)")
    customers_export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (owner-only)")
    customers_erase = customer_commands.add_parser(
        "erase", help="erase a customer's personal data and free texts for good (counts are kept)")
    _common(customers_erase, suppress=True)
    customers_erase.add_argument("customer_id", metavar="ID")
    customers_erase.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    customers_hold = customer_commands.add_parser(
        "hold", help="keep a customer's records for a legal claim: erase and purge refuse them")
    _common(customers_hold, suppress=True)
    customers_hold.add_argument("customer_id", metavar="ID")
    customers_hold.add_argument("--reason", required=True, metavar="TEXT", help="why they are kept")
    customers_unhold = customer_commands.add_parser("unhold", help="lift a legal hold")
    _common(customers_unhold, suppress=True)
    customers_unhold.add_argument("customer_id", metavar="ID")
    customers_purge = customer_commands.add_parser(
        "purge", help="erase customers with no visit or incident in DAYS (default: the store's retention_days)")
    _common(customers_purge, suppress=True)
    customers_purge.add_argument("--inactive-for", metavar="DAYS")
    customers_purge.add_argument("--dry-run", action="store_true", help="print the counts only")
    customers_import = customer_commands.add_parser(
        "import", help="add the customers of a guest list (CSV, UTF-8, `,` or `;`); one refused row: nothing added")
    _common(customers_import, suppress=True)
    customers_import.add_argument("file", metavar="FILE.csv")
    customers_import.add_argument("--site", dest="import_site", metavar="NAME",
                                  help="the site they are customers of (its phone region and date order)")
    customers_import.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                                  help="read COLUMN as FIELD (name, first_name, last_name, phone, email, notes, "
                                  "customer_since, last_visit, visits, consent_call/text/email/post)")
    customers_import.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    customers_import.add_argument("--skip-bad", action="store_true", help="import the good rows, report the refused")
    customers_import.add_argument("--report", metavar="PATH", help="one entry per record, as CSV or JSON (by extension)")

    demo = command("demo", "fill a new store with a demo restaurant")
    demo.add_argument("--force", action="store_true", help="add the demo even if the store has data")

    export = command("export", "write the whole store (one consistent snapshot) as JSON, or as CSV files")
    export.add_argument("--format", choices=("json", "csv"), default="json",
                        help="json: one file, stdout without -o; csv: a new folder (-o) with one file per table")
    export.add_argument("-o", "--output", metavar="PATH",
                        help="write to PATH (owner-only), replacing a JSON file only once the export is complete")

    backup = command("backup", "copy the live SQLite store to PATH (owner-only) while others keep working")
    backup.add_argument("path", metavar="PATH")
    restore = command("restore", "replace the store by a backup, re-applying every erasure since")
    restore.add_argument("path", metavar="PATH")
    restore.add_argument("--yes", action="store_true", help="do not ask (for scripts)")

    privacy = command("privacy", "keep erasures after a restore")
    privacy_commands = privacy.add_subparsers(dest="action", metavar="ACTION", required=True)
    privacy_reapply = privacy_commands.add_parser(
        "reapply", help="erase again every customer in the erasure log (after restoring a backup or a pg_dump)")
    _common(privacy_reapply, suppress=True)
    privacy_reapply.add_argument("--log", metavar="FILE", help="the erasure log file (default: the one beside the store)")

    audit = command("audit", "print the audit trail: who did what to which record, when (ids, never personal data)")
    audit.add_argument("--staff", dest="audit_staff", metavar="NAME", help="events by this staff member")
    audit.add_argument("--customer", metavar="ID",
                       help="events on this customer and their visits, incidents, episodes, flags, follow-ups, alerts")
    audit.add_argument("--record", metavar="TYPE:ID", help="events on one record, e.g. incident:12")
    audit.add_argument("--action", dest="audit_action", metavar="NAME", help="one action, e.g. view_story")
    audit.add_argument("--from", dest="first_day", metavar="DATE", help="from this site-local day (YYYY-MM-DD)")
    audit.add_argument("--to", dest="last_day", metavar="DATE", help="up to and including this site-local day")
    audit.add_argument("--format", dest="form", metavar="text|csv|json", default="text")
    audit.add_argument("-o", "--output", metavar="PATH", help="write to PATH (owner-only, replaced when complete)")

    report = command("report", "the manager's report: what recurs and whether follow-through happens "
                               "(same figures as F5)")
    report.add_argument("--from", dest="first_day", metavar="DATE",
                        help="from this site-local day, YYYY-MM-DD (default: 4 weeks ending --to)")
    report.add_argument("--to", dest="last_day", metavar="DATE", help="up to and including this day (default today)")
    report_where = report.add_mutually_exclusive_group()
    report_where.add_argument("--site", dest="report_site", metavar="NAME", help="this site (default: the first)")
    report_where.add_argument("--all-sites", action="store_true", help="every site of the store")
    report.add_argument("--category", metavar="KEY", help="only incidents of this category")
    report.add_argument("--format", dest="form", metavar="text|csv|json", default="text")
    report.add_argument("-o", "--output", metavar="PATH", help="write to PATH (owner-only, replaced when complete)")

    escalations = command("escalations", "list the follow-ups escalated to the leads or the managers "
                                         "(for a scheduled mail or a wall screen)")
    escalations.add_argument("--format", dest="form", choices=("text", "json"), default="text",
                             help="text: one line each, naming no guest; json: a list of objects")

    db = command("db", "schema migrations")
    db_commands = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="upgrade the store's schema (after a backup)")
    _common(db_upgrade, suppress=True)
    db_check = db_commands.add_parser("check", help="check that the models match the migrations")
    _common(db_check, suppress=True)

    playbooks = command("playbooks", "show or replace the follow-up playbooks")
    playbook_commands = playbooks.add_subparsers(dest="action", metavar="ACTION", required=True)
    playbooks_load = playbook_commands.add_parser("load", help="replace the playbooks from a TOML file")
    _common(playbooks_load, suppress=True)
    playbooks_load.add_argument("file")
    playbooks_list = playbook_commands.add_parser("list", help="list the playbooks")
    _common(playbooks_list, suppress=True)

    serve = command("serve", "serve the app to browsers (a tablet at the host stand): each tab is a terminal, "
                             "a PIN is always asked")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; anything else: behind a TLS reverse proxy)")
    serve.add_argument("--port", default="8000", help="port to listen on (default 8000)")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address browsers open (a reverse proxy's, e.g. https://stand.example/desk); "
                            "websockets from any other origin are refused (default http://HOST:PORT)")
    serve.add_argument("--max-sessions", metavar="N", default="8",
                       help="browser tabs served at once (default 8); more get a page asking them to wait")

    bench = command("bench", "measure search, logging and the queue on a synthetic store")
    bench.add_argument("--customers", type=int, default=100_000, metavar="N")
    bench.add_argument("--incidents", type=int, metavar="N",
                       help="that many incidents over the store's history (default: one per 20 customers)")
    bench.add_argument("--json", metavar="PATH", help="write the figures as JSON here")
    bench.add_argument("--force", action="store_true", help="use a --db store that already has data")
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument("--screens", action=argparse.BooleanOptionalAction, default=True,
                       help="also measure the app (startup, keystroke to render, queue open)")
    bench.add_argument("--terminals", metavar="N",
                       help="simulate N terminals at once on a PostgreSQL store instead (see README, Benchmarks)")
    bench.add_argument("--sites", metavar="S", default="10", help="with --terminals: spread them over S sites")
    bench.add_argument("--think-s", metavar="SECONDS", default="10",
                       help="with --terminals: each terminal acts once every this many seconds (default 10)")
    bench.add_argument("--duration-s", metavar="SECONDS", default="60",
                       help="with --terminals: how long they run (default 60)")
    return parser


def _pin_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--pin", metavar="DIGITS", help=help_text)
    parser.add_argument("--pin-stdin", action="store_true", help="read the PIN as one line from stdin")


def _read_pin(args: argparse.Namespace, *, ask: bool) -> str | None:
    """The PIN from --pin, one line of stdin (--pin-stdin), or asked twice on a terminal."""
    import getpass

    from frontdesk.errors import InvalidInput
    from frontdesk.schemas.inputs import pin_problem

    if getattr(args, "pin_stdin", False):
        pin = sys.stdin.readline().rstrip("\r\n")
    elif getattr(args, "pin", None):
        pin = args.pin
    elif ask and sys.stdin.isatty():
        pin = getpass.getpass("PIN (4 to 12 digits): ")
        if pin_problem(pin) is None and getpass.getpass("The PIN again: ") != pin:
            raise InvalidInput.one("pin", "the two PINs differ")
    else:
        return None
    if (problem := pin_problem(pin)) is not None:
        raise InvalidInput.one("pin", problem)
    return pin


def _settings(args: argparse.Namespace) -> Any:
    from frontdesk.config import load_settings

    running = args.command is None
    app_like = args.command in (None, "serve")
    """The app, run here or served to browsers: the global flags that shape it apply."""
    return load_settings(
        {
            "database_url": getattr(args, "db", None),
            "staff": getattr(args, "staff", None) if running else None,
            "site": getattr(args, "site", None) if app_like else None,
            "terminal": getattr(args, "terminal", None),
            "theme": getattr(args, "theme", None),
            "lock_after_seconds": getattr(args, "lock_after_seconds", None) if app_like else None,
            "kiosk": getattr(args, "kiosk", None) if running else None,
        }
    )


def _open(settings: Any, *, create: bool = False) -> Any:
    """Open the store; only commands that set one up (setup, demo) may create it."""
    from frontdesk.store.db import default_url
    from frontdesk.store.migrate import open_store

    return open_store(settings.database_url or default_url(), create=create, terminal=settings.terminal,
                      pool_size=settings.pool_size, feed_url=settings.feed_database_url)


def _ask(prompt: str, given: str | None) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        raise CommandError(f"{prompt.lower()} is needed: give it as a flag (see frontdesk setup --help)")
    return input(f"{prompt}: ").strip()


def _ask_kind() -> str:
    """The kind of business, asked on a terminal (restaurant when Enter is pressed); restaurant otherwise."""
    kinds = ("restaurant", "hotel", "clinic")
    if not sys.stdin.isatty():
        return "restaurant"
    while (answer := input("Kind of business (restaurant, hotel or clinic) [restaurant]: ").strip().lower() or
           "restaurant") not in kinds:
        print(f"  {answer!r} is not one of: {', '.join(kinds)}")
    return answer


def cmd_setup(args: argparse.Namespace) -> int:
    from frontdesk.clock import SystemClock
    from frontdesk.schemas.inputs import SiteInput, StaffInput
    from frontdesk.services import setup

    settings = _settings(args)
    store = _open(settings, create=True)
    if not setup.is_empty(store):
        raise CommandError("this store is already set up: use `frontdesk site add` or `frontdesk staff add`")
    site = SiteInput.parse(
        {
            "name": _ask("Site name", args.site_name),
            "time_zone": _ask("Time zone (e.g. Europe/Berlin)", args.tz),
            "phone_region": _ask("Default phone region (e.g. DE)", args.region),
            "currency": _ask("Currency (e.g. EUR)", args.currency),
        }
    )
    name = _ask("First staff member (a manager)", args.staff_name)
    staff = StaffInput.parse({"name": name, "role": "manager", "pin": _read_pin(args, ask=True)})
    kind = args.kind or _ask_kind()
    created, first = setup.setup_store(store, SystemClock(), site, staff, settings.terminal, kind)
    print(f"Set up {created.name} ({created.time_zone}, {created.phone_region}, {created.currency}) "
          f"as a {kind} with {first.name} as manager, in {store.display_url}.")
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from frontdesk.clock import SystemClock
    from frontdesk.schemas.inputs import StaffInput
    from frontdesk.schemas.vocab import label
    from frontdesk.services import pins, setup

    settings = _settings(args)
    store = _open(settings)
    if args.action == "list":
        locked = {lockout.staff_id: lockout.until for lockout in pins.locked_out(_shell_actor(store))}
        for staff in setup.list_staff(store, include_inactive=args.all):
            state = "" if staff.active else "  (disabled)"
            if staff.id in locked:
                state += f"  (locked out until {locked[staff.id]:%Y-%m-%d %H:%M} UTC)"
            print(f"{staff.id:>4}  {visible(staff.name)}  ·  {label(staff.role)}{'  ·  PIN' if staff.has_pin else ''}{state}")
        return 0
    if args.action in ("set-pin", "unlock"):
        member = setup.find_staff(store, args.name)
        if args.action == "unlock":
            pins.lift_lockout(_shell_actor(store), member.id)
            print(f"Lifted {visible(member.name)}'s lockout.")
            return 0
        pin = _read_pin(args, ask=True)
        if pin is None:
            raise CommandError("give the PIN on stdin with --pin-stdin (or run this on a terminal to be asked)")
        pins.set_pin(_shell_actor(store), member.id, pin)
        print(f"Set {visible(member.name)}'s PIN.")
        return 0
    if args.action == "disable":
        staff = setup.disable_staff(store, SystemClock(), args.name, settings.terminal)
        print(f"Disabled {staff.name}.")
        return 0
    site_id = setup.find_site(store, args.site_name).id if args.site_name else None
    data = StaffInput.parse({"name": args.name, "role": args.role, "pin": _read_pin(args, ask=False),
                             "site_id": site_id})
    staff = setup.add_staff(store, SystemClock(), data, settings.terminal)
    print(f"Added {staff.name} ({label(staff.role)}).")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from frontdesk.clock import SystemClock
    from frontdesk.schemas.inputs import SiteInput
    from frontdesk.services import setup

    settings = _settings(args)
    store = _open(settings)
    if args.action == "list":
        for site in setup.list_sites(store):
            print(f"{site.id:>4}  {visible(site.name)}  ·  {site.time_zone}  ·  {site.phone_region}  ·  {site.currency}")
        return 0
    data = SiteInput.parse({"name": args.name, "time_zone": args.tz, "phone_region": args.region,
                            "currency": args.currency})
    site = setup.add_site(store, SystemClock(), data, settings.terminal)
    print(f"Added site {site.name}.")
    return 0


def _shell_actor(store: Any, site: str | None = None) -> Any:
    """A command run from a shell acts with the store's authority: no staff member, terminal cli:<OS user>."""
    import getpass

    from frontdesk.clock import SystemClock
    from frontdesk.services import setup
    from frontdesk.services.context import Actor

    return Actor(store, SystemClock(), setup.find_site(store, site).id, f"cli:{getpass.getuser()}",
                 store_authority=True)


def cmd_settings(args: argparse.Namespace) -> int:
    from frontdesk.services import settings

    actor = _shell_actor(_open(_settings(args)))
    if args.action == "set":
        changed = settings.set_setting(actor, args.name, args.value, args.site_name)
        where = f" at {visible(changed.site)}" if changed.site else ""
        print(f"{changed.name}{where} is now {settings.shown(changed.value)}.")
        return 0
    for setting in settings.list_settings(actor):
        where = visible(setting.site) if setting.site else "store"
        print(f"{where:<20}  {setting.name:<28}  {settings.shown(setting.value):<6}  "
              f"(default {settings.shown(setting.default)}) {setting.about}")
    return 0


def _record_number(text: str, what: str) -> int:
    from pydantic_core import PydanticCustomError

    from frontdesk.schemas.base import record_id

    try:
        return record_id(text.strip())
    except PydanticCustomError as exc:
        raise CommandError(f"{what} {text!r}: {exc.message()} (a customer number, as `customers duplicates` shows)") from None


def cmd_customers(args: argparse.Namespace) -> int:
    from frontdesk.services import customers

    actor = _shell_actor(_open(_settings(args)), getattr(args, "import_site", None))
    if args.action in PRIVACY_ACTIONS:
        return PRIVACY_ACTIONS[args.action](actor, args)
    if args.action == "merge":
        keep, other = _record_number(args.keep_id, "KEEP_ID"), _record_number(args.other_id, "OTHER_ID")
        result = customers.merge_customers(actor, keep, other)
        moved = ", ".join(f"{count} {table.replace('_', '-')}" for table, count in result.moved.items())
        print(f"Merged customer {other} into {keep}: moved {moved}.")
        return 0
    groups = customers.duplicate_groups(actor)
    for group in groups:
        label = "same person" if group.same_person else "shared " + group.contact
        print(f"{label}: " + "; ".join(f"{hit.customer_id} {visible(hit.name)}" for hit in group.customers))
    if not groups:
        print("No customers share a phone or email.")
    return 0


def _customer_export(actor: Any, args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from frontdesk.services import privacy
    from frontdesk.services.export import write_atomically

    found = privacy.export_customer(actor, _record_number(args.customer_id, "ID"))
    text = (json.dumps(found, ensure_ascii=False, indent=1) + "\n" if args.format == "json"
            else privacy.export_text(found))
    if args.output:
        write_atomically(Path(args.output), lambda out: out.write(text))
        print(f"Wrote customer {args.customer_id}'s data to {args.output}: check it for other people's data "
              "before sending it.", file=sys.stderr)
    else:
        sys.stdout.write(text if args.format == "json" else visible(text))
    return 0


def _customer_erase(actor: Any, args: argparse.Namespace) -> int:
    from frontdesk.services import privacy

    customer_id = _record_number(args.customer_id, "ID")
    preview = privacy.erase_preview(actor, customer_id)
    if preview.erased_at is not None:
        raise CommandError(f"customer {customer_id} was already erased on {preview.erased_at:%Y-%m-%d}")
    if preview.hold_reason is not None:
        raise CommandError(f"customer {customer_id} is under legal hold ({visible(preview.hold_reason)}): "
                           "their records are kept for a legal claim; `frontdesk customers unhold` lifts it")
    if not _confirmed(args.yes, f"Erase customer {customer_id}, {visible(preview.name)}, for good "
                                f"({preview.incidents} incidents; {preview.open_follow_ups} open follow-ups "
                                "will be skipped)?"):
        print("Nothing was erased.")
        return 1
    result = privacy.erase(actor, customer_id)
    print(f"Erased customer {customer_id}: {result.skipped_follow_ups} open follow-ups skipped, "
          f"{result.cleared_flags} flags cleared, {result.deleted_drafts} drafts deleted.")
    if not result.checkpointed:
        print("Another terminal is reading the store: the erased values leave its WAL file at the next checkpoint.")
    if result.backups:
        print("These backups still hold the customer (a restore re-applies the erasure; delete them when no "
              "longer needed):")
        print("\n".join(f"  {path}" for path in result.backups))
    return 0


def _customer_hold(actor: Any, args: argparse.Namespace) -> int:
    from frontdesk.services import privacy

    customer_id = _record_number(args.customer_id, "ID")
    if args.action == "hold":
        privacy.hold(actor, customer_id, args.reason)
        print(f"Customer {customer_id} is under legal hold: erase and purge will refuse them.")
    else:
        privacy.unhold(actor, customer_id)
        print(f"Lifted the legal hold on customer {customer_id}.")
    return 0


def _customer_purge(actor: Any, args: argparse.Namespace) -> int:
    from frontdesk.services import privacy

    days = args.inactive_for
    if days is not None and (not (days.isascii() and days.isdigit()) or not 0 < int(days) <= 36_500):
        raise CommandError(f"--inactive-for {days!r}: a whole number of days, 1 to 36500")
    result = privacy.purge(actor, int(days) if days is not None else None, dry_run=args.dry_run)
    if result.inactive_for_days is None:
        print("Nothing purged: the store has no retention_days setting (or give --inactive-for DAYS).")
        return 0
    verb = "would be erased" if result.dry_run else "erased"
    print(f"{result.erased} customers inactive for {result.inactive_for_days} days {verb}; "
          f"{result.held} under legal hold kept.")
    return 0


def _customer_import(actor: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import importing

    mapping = {}
    for pair in args.map:
        column, equals, target = pair.partition("=")
        if not equals or not column.strip() or not target.strip():
            raise CommandError(f"--map {pair!r}: say COLUMN=FIELD, e.g. --map 'Mobile=phone'")
        mapping[column.strip()] = target.strip()
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file}: no such file")
    report = Path(args.report) if args.report else None
    if report is not None and report.suffix.lower() not in (".csv", ".json"):
        raise CommandError(f"--report {args.report!r}: name a .csv or a .json file")
    progress = _progress_bar("Importing") if sys.stderr.isatty() else None
    result = importing.import_customers(actor, path, mapping=mapping, dry_run=args.dry_run,
                                        skip_bad=args.skip_bad, progress=progress)
    if report is not None:
        importing.write_report(result, report)
    counts = ", ".join(f"{result.count(status)} {status.replace('_', ' ')}" for status in importing.STATUSES)
    if result.ignored_columns:
        print("Columns ignored: " + ", ".join(visible(name) for name in result.ignored_columns))
    if result.dry_run:
        print(f"Dry run, nothing written: {counts}.")
    elif result.written:
        print(f"Imported: {counts}.")
    else:
        print(f"Nothing imported: {counts}.")
        first = next(entry for entry in result.entries if entry.status == "refused")
        raise CommandError(f"line {first.line}: {visible(first.reason)}; fix the refused rows or give --skip-bad"
                           + ("" if report else " (--report PATH lists them all)"))
    return 0


def _progress_bar(label: str) -> Callable[[int, int], None]:
    """A one-line bar on stderr, redrawn in place (only on a terminal)."""
    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * 30)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


PRIVACY_ACTIONS: dict[str, Callable[[Any, argparse.Namespace], int]] = {
    "export": _customer_export,
    "erase": _customer_erase,
    "hold": _customer_hold,
    "unhold": _customer_hold,
    "purge": _customer_purge,
    "import": _customer_import,
}


def cmd_privacy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import privacy

    actor = _shell_actor(_open(_settings(args)))
    result = privacy.reapply(actor, Path(args.log) if args.log else None)
    print(f"{result.entries} erasures in the log; {result.erased_again} customers erased again.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import backup

    actor = _shell_actor(_open(_settings(args)))
    if args.command == "backup":
        removed = backup.backup(actor, Path(args.path))
        print(f"Backed up the store to {args.path}.")
    else:
        source = Path(args.path)
        revision = backup.check_backup(source)
        if not _confirmed(args.yes, f"Replace {actor.store.path} by {source} (schema {revision})? The store now "
                                    "is kept as a backup beside it."):
            print("Nothing was restored.")
            return 1
        result = backup.restore(actor, source)
        removed = result.removed_backups
        print(f"Restored {source} (schema {result.revision}); {result.erased_again} erased customers erased "
              f"again. The replaced store is kept as {result.kept}.")
    if removed:
        print(f"Deleted {len(removed)} automatic backups older than the store's keep_backups_days.")
    return 0


def _confirmed(yes: bool, question: str) -> bool:
    """--yes, or "yes" typed on a terminal; without a terminal, a refusal (a script must say --yes)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CommandError("this cannot be undone: confirm on a terminal, or give --yes")
    return input(f"{question} Type yes: ").strip().lower() == "yes"


def cmd_demo(args: argparse.Namespace) -> int:
    from frontdesk.clock import SystemClock
    from frontdesk.demo import restaurant as demo

    settings = _settings(args)
    store = _open(settings, create=True)
    summary = demo.build_demo(store, SystemClock(), terminal=settings.terminal, force=args.force)
    print(summary)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services.export import export_csv, export_to_file, write_export

    store = _open(_settings(args))
    if args.format == "csv":
        if not args.output:
            raise CommandError("a CSV export is a folder of files: name a new folder with -o PATH")
        written = export_csv(store, Path(args.output))
        print(f"Wrote {len(written)} CSV files to {args.output}.")
        return 0
    if args.output:
        export_to_file(store, Path(args.output))
        return 0
    try:
        write_export(store, sys.stdout)
        sys.stdout.flush()
    except FrontdeskError as exc:
        raise CommandError(f"{exc} (the export on stdout is incomplete)") from None
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise CommandError(f"cannot write the export: {exc.strerror or exc} (the output is incomplete)") from None
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import audit
    from frontdesk.services.export import write_atomically

    if args.form not in audit.FORMATS:
        raise CommandError(f"--format {args.form!r}: give text, csv or json")
    wanted = audit.parse_filter(staff=args.audit_staff, customer=args.customer, record=args.record,
                                action=args.audit_action, first_day=args.first_day, last_day=args.last_day)
    actor = _shell_actor(_open(_settings(args)))
    if args.output:
        write_atomically(Path(args.output), lambda out: audit.write_trail(audit.iter_trail(actor, wanted), out,
                                                                          args.form))
    else:
        audit.write_trail(audit.iter_trail(actor, wanted), sys.stdout, args.form)
        sys.stdout.flush()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import reports
    from frontdesk.services.export import write_atomically

    if args.form not in reports.FORMATS:
        raise CommandError(f"--format {args.form!r}: give text, csv or json")
    actor = _shell_actor(_open(_settings(args)))
    scope = reports.parse_scope(actor, first_day=args.first_day, last_day=args.last_day, site=args.report_site,
                                all_sites=args.all_sites, category=args.category)
    figures = reports.build(actor, scope)
    if args.output:
        write_atomically(Path(args.output), lambda out: reports.write_report(figures, out, args.form))
    else:
        reports.write_report(figures, sys.stdout, args.form)
        sys.stdout.flush()
    return 0


def cmd_escalations(args: argparse.Namespace) -> int:
    from frontdesk.services import escalation

    actor = _shell_actor(_open(_settings(args)))
    escalation.write_escalations(escalation.escalations(actor), sys.stdout, args.form, actor)
    sys.stdout.flush()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from frontdesk.store import migrate

    settings = _settings(args)
    if args.action == "check":
        from alembic import command
        from alembic.util.exc import AutogenerateDiffsDetected

        store = _open(settings)
        with store.engine.connect() as connection:
            try:
                command.check(migrate.alembic_config(connection))
            except AutogenerateDiffsDetected as exc:
                raise CommandError(f"the models differ from the migrations: {exc}") from None
        print("The models match the migrations.")
        return 0
    from frontdesk.store.db import default_url

    before, after = migrate.upgrade_store(settings.database_url or default_url())
    print(f"Schema {after} (was {before or 'empty'})." if before != after else f"Schema {after} is current.")
    return 0


def cmd_playbooks(args: argparse.Namespace) -> int:
    from pathlib import Path

    from frontdesk.services import playbooks

    store = _open(_settings(args))
    if args.action == "list":
        print("\n".join(playbooks.describe_playbooks(store)))
        return 0
    spec = playbooks.load_playbook_file(store, Path(args.file))
    causes = f", {len(spec.root_cause)} root causes" if spec.root_cause is not None else ""
    print(f"Loaded {len(spec.playbook)} playbooks{causes} from {args.file}.")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.terminals is not None:
        return _bench_terminals(args)
    from frontdesk.bench.run import run_bench

    return run_bench(
        customers=args.customers,
        database_url=getattr(args, "db", None),
        json_path=args.json,
        force=args.force,
        seed=args.seed,
        screens=args.screens,
        incidents=args.incidents,
    )


def _bench_terminals(args: argparse.Namespace) -> int:
    """`bench --terminals N`: many terminals on one PostgreSQL store (frontdesk.bench.terminals)."""
    from frontdesk.bench.terminals import needs_postgres, run_terminals

    terminals = _whole_number(args.terminals, "--terminals", 2, 1000)
    sites = _whole_number(args.sites, "--sites", 1, terminals)
    think_s, duration_s = _seconds(args.think_s, "--think-s"), _seconds(args.duration_s, "--duration-s")
    database_url = getattr(args, "db", None)
    refusal = needs_postgres(database_url)
    if refusal:
        raise CommandError(refusal)
    run_terminals(args.customers, database_url, args.json, args.force, args.seed, terminals=terminals, sites=sites,
                  think_s=think_s, duration_s=duration_s, out=sys.stdout)
    return 0


def _seconds(text: str, flag: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.05 <= value <= 3600:
        raise CommandError(f"{flag} is a number of seconds from 0.05 to 3600, not {text!r}")
    return value


def _whole_number(text: str, flag: str, lowest: int, highest: int) -> int:
    if not (text.isascii() and text.isdigit()) or not lowest <= int(text) <= highest:
        raise CommandError(f"{flag} is a whole number from {lowest} to {highest}, not {text!r}")
    return int(text)


def cmd_serve(args: argparse.Namespace) -> int:
    """Check everything once (flags, the store, the site), then serve until Ctrl+C."""
    import re
    from urllib.parse import urlsplit

    from frontdesk.errors import NotFound
    from frontdesk.services import setup
    from frontdesk.store.db import default_url

    port = _whole_number(args.port, "--port", 1, 65535)
    max_sessions = _whole_number(args.max_sessions, "--max-sessions", 1, 1000)
    host = args.host.strip()
    if not host or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host):
        raise CommandError(f"--host is an address or host name, not {args.host!r}")
    shown_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    public_url = (args.public_url or f"http://{shown_host}:{port}").rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or not re.fullmatch(r"[A-Za-z0-9._~/-]*", parts.path):
        raise CommandError(f"--public-url is the address browsers open, such as https://stand.example or "
                           f"https://stand.example/desk, not {args.public_url!r}")
    settings = _settings(args)
    if settings.lock_after_seconds == 0:
        raise CommandError("a served terminal always locks when idle: give --lock-after a number of seconds, not 0")
    database_url = settings.database_url or default_url()
    store = _open(settings)
    try:
        if setup.is_empty(store):
            raise CommandError("the store is empty: set it up first (frontdesk setup, or frontdesk demo)")
        setup.find_site(store, settings.site)
    except NotFound as exc:
        raise CommandError(f"{exc}: check --site") from None
    finally:
        store.dispose()
    try:
        from frontdesk.serve.server import ServeConfig, serve
    except ImportError as exc:
        raise CommandError(f"frontdesk serve needs textual-serve ({exc}): "
                           "pip install -c constraints.txt -e '.[serve]'") from None
    environment = {"FRONTDESK_DATABASE_URL": database_url,
                   "FRONTDESK_LOCK_AFTER_SECONDS": str(settings.lock_after_seconds)}
    if settings.site:
        environment["FRONTDESK_SITE"] = settings.site
    if settings.theme:
        environment["FRONTDESK_THEME"] = settings.theme
    serve(ServeConfig(host=host, port=port, public_url=public_url, max_sessions=max_sessions,
                      environment=environment), say=lambda line: print(line, file=sys.stderr, flush=True))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from frontdesk.app import run_app

    settings = _settings(args)
    if settings.staff:
        _check_staff(settings)
    return run_app(settings)


def _check_staff(settings: Any) -> None:
    """--staff / FRONTDESK_STAFF names someone who may sign in here, or the app does not start."""
    from frontdesk.errors import NotFound
    from frontdesk.services import setup

    store = _open(settings, create=True)
    try:
        if setup.is_empty(store):
            return
        site = setup.find_site(store, settings.site)
        setup.find_staff(store, settings.staff, site.id)
    except NotFound as exc:
        raise CommandError(f"{exc}: --staff (or FRONTDESK_STAFF) names who signs in at this terminal") from None
    finally:
        store.dispose()


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_run,
    "setup": cmd_setup,
    "staff": cmd_staff,
    "settings": cmd_settings,
    "site": cmd_site,
    "customers": cmd_customers,
    "demo": cmd_demo,
    "export": cmd_export,
    "audit": cmd_audit,
    "report": cmd_report,
    "escalations": cmd_escalations,
    "privacy": cmd_privacy,
    "backup": cmd_backup,
    "restore": cmd_backup,
    "db": cmd_db,
    "playbooks": cmd_playbooks,
    "bench": cmd_bench,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into words
        if isinstance(exc, FrontdeskError):
            print(f"frontdesk: {exc}", file=sys.stderr)
            return EXIT_USAGE
        from frontdesk import crash

        reference = crash.record(exc, where=f"cli {args.command or 'run'}")
        print(crash.apology(reference), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
