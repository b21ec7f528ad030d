"""Privacy requests (issue 14): one customer's data out, erased for good, legal holds, retention purges."""

from __future__ import annotations

import io
import json
import os
import stat
from dataclasses import replace
from typing import Any

import pytest
from _support import follow_ups_of, step, utc
from sqlalchemy import String, Text, select

from frontdesk.clock import FixedClock
from frontdesk.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.schemas.inputs import OutcomeInput
from frontdesk.services import drafts, episodes, export, flags, followups, privacy, reports
from frontdesk.services.context import Actor
from frontdesk.store.models import Base, Customer, Draft, Erasure, FollowUp

DONE = OutcomeInput.parse({"outcome": "reached_satisfied"})
NO_ANSWER = OutcomeInput.parse({"outcome": "no_answer", "note": "Ana García did not pick up at +49 30 1234567"})
ANA = {"name": "Ana García", "phone": "030 1234567", "email": "ana.garcia@example.com",
       "postal_address": "Torstraße 1, Berlin", "notes": "Ana García is allergic to nuts"}
PERSONAL = ("Ana García", "Garc", "1234567", "ana.garcia@example.com", "Torstra", "allergic to nuts",
            "Ana's risotto", "window seat for Ana")


@pytest.fixture
def ana(desk: Actor, staff: dict[str, int], log: Any, new_customer: Any) -> dict[str, int]:
    """Ana with a row in every table that refers to a customer: a visit; a closed episode (flag cleared,
    follow-ups done, promise kept); an open one (active flag acknowledged, alert, a follow-up with an
    unanswered attempt); a legal hold lifted again; her draft. Ben, another guest, has an incident too."""
    customer_id = new_customer(**ANA)
    privacy.hold(desk, customer_id, "claim pending")
    privacy.unhold(desk, customer_id)
    from frontdesk.services import customers

    visit_id = customers.check_in(desk, customer_id)
    closed = log(
        customer_id=customer_id, severity="moderate", occurred_at="19:00", ally_id=staff["Tom"],
        product="Ana's risotto", location="table 4", description="Ana García found a nut in the risotto",
        reaction="Ana García was shaken", promise_text="A window seat for Ana next time",
        promise_due_at="2026-11-27 18:00", promise_likelihood="likely", handoff_to="kitchen (Ana García's dish)",
        remedy_kind="comped", remedy_cost="12.50",
        plan=[step("check_in", utc(2026, 11, 21, 9), staff["Tom"])],
    )
    for row in follow_ups_of(desk, closed.incident_id):
        followups.complete(desk, row.id, None, DONE)
    episodes.close_episode(desk, closed.incident_id, root_cause="unknown", settle_promise="kept", clear_flag=True)
    open_one = log(
        customer_id=customer_id, severity="critical", occurred_at="19:10", description="Ana García slipped",
        guest_description="Ana García, red coat", plan=[step("check_in", utc(2026, 11, 21, 9), staff["Lena"])],
    )
    assert open_one.flag_id is not None and open_one.alert_id is not None
    flags.acknowledge_flag(desk, open_one.flag_id)
    first = follow_ups_of(desk, open_one.incident_id)[0]
    followups.complete(desk, first.id, None, NO_ANSWER)
    drafts.save_draft(desk, "incident", {"values": {"customer_id": customer_id, "description": "Ana García again"}})
    drafts.save_draft(replace(desk, terminal="bar"), "incident", {"values": {"customer_id": None}})
    ben = new_customer("Ben Weber", phone="030 7654321")
    log(customer_id=ben, severity="minor", description="Ben's soup was cold", product="Soup")
    return {"customer": customer_id, "visit": visit_id, "closed": closed.incident_id,
            "open": open_one.incident_id, "ben": ben}


def whole_export(actor: Actor) -> str:
    out = io.StringIO()
    export.write_export(actor.store, out)
    return out.getvalue()


def test_a_customer_export_holds_every_record_that_refers_to_them(desk: Actor, ana: dict[str, int]) -> None:
    privacy.hold(desk, ana["customer"], "claim filed")
    found = privacy.export_customer(desk, ana["customer"])

    whole = json.loads(whole_export(desk))
    assert set(found) <= set(whole), "keys are the whole-store export's table names"
    empty = {name for name, records in found.items() if not records}
    assert empty == {"erasures"}, "a row in every table (erasures: see the erasure test)"
    assert [row["reason"] for row in found["legal_holds"]] == ["claim filed"]
    assert [row["id"] for row in found["customers"]] == [ana["customer"]]
    assert found["customers"][0]["phone"] == "+49301234567"
    assert [row["id"] for row in found["visits"]] == [ana["visit"]]
    assert [row["id"] for row in found["incidents"]] == [ana["closed"], ana["open"]]
    assert {row["incident_id"] for row in found["episodes"]} == {ana["closed"], ana["open"]}
    assert len(found["flag_acknowledgements"]) == 1
    assert {"Ben" in json.dumps(row) for rows in found.values() for row in rows} == {False}
    assert {(event["action"], event["record_type"]) for event in found["audit_events"]} >= {
        ("create", "customer"), ("hold", "customer"), ("unhold", "customer"), ("check_in", "visit"),
        ("create", "incident"), ("close", "episode"), ("acknowledge", "flag"), ("complete", "follow_up"),
        ("create", "alert")}
    for name, records in found.items():  # exactly the whole export's rows that refer to her
        assert records == [row for row in whole[name] if row in records], name
    trail = json.loads(whole_export(desk))["audit_events"]
    assert trail[-1]["action"] == "customer_export" and trail[-1]["record_id"] == ana["customer"]
    text = privacy.export_text(found)
    assert "Customers (1)" in text and "name: Ana García" in text and "phone: +49301234567" in text


def test_a_customer_export_of_no_one_is_refused(desk: Actor) -> None:
    with pytest.raises(NotFound, match="customer 999 is not on file"):
        privacy.export_customer(desk, 999)


def test_only_a_manager_handles_privacy_requests(desk: Actor, ana: dict[str, int], as_staff: Any) -> None:
    for call in (lambda actor: privacy.export_customer(actor, ana["customer"]),
                 lambda actor: privacy.erase(actor, ana["customer"]),
                 lambda actor: privacy.hold(actor, ana["customer"], "claim")):
        with pytest.raises(NotAllowed, match="privacy requests .* needs a manager; Lena is a lead"):
            call(as_staff("Lena"))


def closed_work(report: Any) -> dict[str, Any]:
    """Every report figure about closed work: open follow-ups (skipped by the erasure) and the product
    breakdown (a product is a free text the issue erases) are left out."""
    figures = report.model_dump()
    for open_work in ("follow_ups_due", "follow_ups_overdue", "by_product"):
        figures.pop(open_work)
    for repeat in figures["repeat_customers"]:  # her figures stay; her name is erased
        repeat.pop("name")
    return figures


def test_after_erasure_her_details_are_nowhere_and_closed_work_counts_the_same(
    desk: Actor, ana: dict[str, int]
) -> None:
    before = reports.report(desk, 30)
    before_all = reports.report(desk, 30, all_sites=True)

    result = privacy.erase(desk, ana["customer"])

    assert (result.skipped_follow_ups, result.cleared_flags, result.deleted_drafts) == (1, 1, 1)
    dump = whole_export(desk)
    assert [text for text in PERSONAL if text in dump] == []
    assert "Ben Weber" in dump and "Ben's soup was cold" in dump, "other guests are untouched"
    assert closed_work(reports.report(desk, 30)) == closed_work(before)
    assert "Ana García" in str(before) and "Ana García" not in str(reports.report(desk, 30))
    assert closed_work(reports.report(desk, 30, all_sites=True)) == closed_work(before_all)
    after = privacy.export_customer(desk, ana["customer"])
    incident = after["incidents"][0]
    assert (incident["category"], incident["severity"], incident["remedy_cost"], incident["promise_status"]) == (
        "food", "moderate", 1250, "kept")
    assert (incident["description"], incident["product"], incident["promise_text"]) == ("", None, "")
    assert [(row["status"], row["skip_reason"]) for row in after["follow_ups"]] == [
        ("done", None), ("skipped", "erased")]
    assert {row["active"] for row in after["flags"]} == {False}
    assert [(row["customer_id"], row["reason"]) for row in after["erasures"]] == [(ana["customer"], "request")]
    assert "erase" in {event["action"] for event in after["audit_events"]}
    with desk.store.read() as session:
        assert session.scalars(select(Draft.terminal)).all() == ["bar"]


def test_erasure_is_logged_in_an_owner_only_file_beside_the_store(desk: Actor, ana: dict[str, int]) -> None:
    privacy.erase(desk, ana["customer"])

    path = privacy.erasure_log_path(desk.store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = privacy.read_log(path)
    assert [(entry["customer_id"], entry["reason"]) for entry in entries] == [(ana["customer"], "request")]
    assert "Ana" not in path.read_text()


def test_erasing_twice_is_refused_and_changes_nothing(desk: Actor, ana: dict[str, int]) -> None:
    privacy.erase(desk, ana["customer"])
    with pytest.raises(Conflict, match="already erased on 2026-11-20"):
        privacy.erase(desk, ana["customer"])
    with desk.store.read() as session:
        assert session.scalar(select(Erasure.id).where(Erasure.customer_id == ana["customer"])) == 1


def test_a_held_customer_is_refused_with_the_reason(desk: Actor, ana: dict[str, int]) -> None:
    privacy.hold(desk, ana["customer"], "injury claim filed 2026-11-21")

    with pytest.raises(NotAllowed, match=r"legal hold \(injury claim filed 2026-11-21\)"):
        privacy.erase(desk, ana["customer"])
    assert "Ana García" in whole_export(desk), "nothing was erased"
    later = replace(desk, clock=FixedClock(utc(2029, 1, 1)))
    assert privacy.purge(later, 365) == privacy.PurgeResult(365, 1, 1, False)
    assert "Ana García" in whole_export(desk) and "Ben Weber" not in whole_export(desk)
    privacy.unhold(desk, ana["customer"])
    privacy.erase(desk, ana["customer"])
    assert "Ana García" not in whole_export(desk)


def test_a_hold_needs_a_reason(desk: Actor, ana: dict[str, int]) -> None:
    with pytest.raises(InvalidInput, match="reason: required"):
        privacy.hold(desk, ana["customer"], "  ")
    with pytest.raises(NotAllowed, match="is not under legal hold"):
        privacy.unhold(desk, ana["customer"])


def test_an_erasure_is_one_transaction(desk: Actor, ana: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The log file cannot be written: nothing is erased, no half-scrubbed record is left."""
    def broken(path: Any, rows: Any) -> None:
        raise privacy.FrontdeskError("cannot write the erasure log: disk full; nothing was erased")

    before = whole_export(desk)
    monkeypatch.setattr(privacy, "append_log", broken)
    with pytest.raises(privacy.FrontdeskError, match="nothing was erased"):
        privacy.erase(desk, ana["customer"])
    assert whole_export(desk) == before


def test_purge_erases_the_inactive_and_a_dry_run_only_counts(desk: Actor, ana: dict[str, int]) -> None:
    later = replace(desk, clock=FixedClock(utc(2027, 12, 1)))

    assert privacy.purge(later, None) == privacy.PurgeResult(None, 0, 0, False), "no retention_days: nothing"
    assert privacy.purge(later, 400, dry_run=True) == privacy.PurgeResult(400, 0, 0, True)
    before = whole_export(desk)
    assert privacy.purge(later, 300, dry_run=True) == privacy.PurgeResult(300, 2, 0, True)
    assert whole_export(desk) == before
    assert privacy.purge(later, 300) == privacy.PurgeResult(300, 2, 0, False)

    dump = whole_export(desk)
    assert [text for text in PERSONAL if text in dump] == [] and "Ben Weber" not in dump
    events = json.loads(dump)["audit_events"]
    assert [event["fields"] for event in events if event["action"] == "purge"] == [
        "erased:2,held:0,inactive_for:300"]
    assert privacy.purge(later, 300) == privacy.PurgeResult(300, 0, 0, False), "the erased are not purged again"


def test_purge_refuses_a_period_below_one_day(desk: Actor) -> None:
    with pytest.raises(InvalidInput, match="1 or more"):
        privacy.purge(desk, 0)


def test_reapply_erases_again_whom_the_log_names(desk: Actor, ana: dict[str, int]) -> None:
    """What a restore of a backup from before the erasure does: the log file beside the store brings it back."""
    snapshot = whole_export(desk)
    privacy.erase(desk, ana["customer"])
    log = privacy.erasure_log_path(desk.store)
    # the store "restored" from before the erasure: her details back, no erasure row in it
    with desk.store.begin() as session:
        session.query(Erasure).delete()
        customer = session.get(Customer, ana["customer"])
        assert customer is not None
        customer.name, customer.phone = "Ana García", "+49301234567"
    assert "Ana García" in whole_export(desk)

    result = privacy.reapply(desk)

    assert (result.entries, result.erased_again) == (1, 1)
    assert "Ana García" not in whole_export(desk)
    assert privacy.reapply(desk).erased_again == 0
    assert log.is_file() and snapshot


def test_reapply_refuses_a_missing_or_damaged_log(desk: Actor, tmp_path: Any) -> None:
    with pytest.raises(InvalidInput, match="there is no erasure log"):
        privacy.reapply(desk, tmp_path / "nothing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"customer_id": 1, "erased_at": "2026-11-20T18:30:00+00:00"}\nnot json\n')
    with pytest.raises(InvalidInput, match="line 2 is not an erasure log entry"):
        privacy.reapply(desk, bad)


KEPT_TEXTS = {
    "incidents": {"logged_terminal", "category", "severity", "remedy_kind", "promise_likelihood", "promise_status",
                  "handoff_status", "remedy_approval"},
    "flags": {"level"},
    "alerts": {"created_terminal", "acknowledged_terminal"},
    "follow_ups": {"kind", "channel", "status", "outcome"},
    "follow_up_attempts": {"outcome"},
}


@pytest.mark.parametrize("model", list(privacy.ERASED_TEXTS))
def test_every_free_text_column_is_erased_or_known_to_be_a_kind(model: type[Base]) -> None:
    """A text column added later (the closing-the-loop fields) must be put in ERASED_TEXTS or here."""
    texts = {column.key for column in model.__table__.columns if isinstance(column.type, String | Text)}
    erased = set(privacy.ERASED_TEXTS[model]) | set(privacy.ERASED_LABELS.get(model, ()))
    assert texts - erased == KEPT_TEXTS[model.__tablename__]


def test_the_sqlite_file_holds_no_erased_value_after_the_checkpoint(sqlite_desk: Actor) -> None:
    """Bytes of the store file and its WAL: secure_delete zeroed what was freed, the checkpoint emptied the WAL."""
    desk = sqlite_desk
    from frontdesk.services import customers, incidents

    customer_id = customers.create_customer(desk, customers.parse_customer(desk, ANA))
    for number in range(30):  # enough to spread her over several pages, and some page splits
        incidents.log_incident(desk, incidents.parse_incident(desk, {
            "customer_id": customer_id, "category": "food", "severity": "moderate",
            "description": f"Ana García's complaint {number} " + "about the risotto " * 40,
            "reaction": "Ana García, ana.garcia@example.com"}))
    path = desk.store.path
    assert path is not None

    def leaks() -> list[str]:
        data = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                                    if path.with_name(path.name + "-wal").exists() else b"")
        return [text for text in ("Ana García", "ana.garcia@example.com", "+49301234567", "Torstraße")
                if text.encode() in data]

    assert leaks(), "the test would prove nothing if her details were not in the file first"
    result = privacy.erase(desk, customer_id)
    assert result.checkpointed
    assert leaks() == []


def test_erase_lists_the_backups_that_still_hold_her(sqlite_desk: Actor) -> None:
    import sqlite3

    from frontdesk.services import customers

    desk = sqlite_desk
    customer_id = customers.create_customer(desk, customers.parse_customer(desk, ANA))
    path = desk.store.path
    assert path is not None
    backup = path.with_name(path.name + ".backup-0004-20261120T183000")
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    other = customers.create_customer(desk, customers.parse_customer(desk, {"name": "Ben Weber"}))

    assert privacy.erase(desk, customer_id).backups == (backup,)
    assert privacy.erase(desk, other).backups == (), "Ben came after the backup"
    os.unlink(backup)


def test_erase_skips_open_follow_ups_as_erased(desk: Actor, ana: dict[str, int]) -> None:
    privacy.erase(desk, ana["customer"])
    with desk.store.read() as session:
        open_left = session.scalars(select(FollowUp.id).where(FollowUp.customer_id == ana["customer"],
                                                               FollowUp.status == "open")).all()
    assert open_left == []
