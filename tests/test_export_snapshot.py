"""`frontdesk export` is one snapshot, and a file is written whole or not at all."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from frontdesk.errors import FrontdeskError, StoreError
from frontdesk.services import export
from frontdesk.services.context import Actor
from tests.stress.store_workers import dangling, log_for_new_guest


def fail_at_incidents(monkeypatch: pytest.MonkeyPatch, problem: str) -> None:
    """The export fails with `problem` once it reaches the incidents (half of it already written)."""
    real = export.rows

    def broken(session: Any, model: Any) -> Any:
        if model.__tablename__ == "incidents":
            raise StoreError(problem)
        return real(session, model)

    monkeypatch.setattr(export, "rows", broken)


class WritesMeanwhile(io.StringIO):
    """An output that lets another terminal commit a write as soon as the export has begun."""

    def __init__(self, desk: Actor) -> None:
        super().__init__()
        self.desk = desk
        self.written = False

    def write(self, text: str) -> int:
        if not self.written and '"staff"' in text:
            self.written = True
            log_for_new_guest(self.desk, "Late Guest")
        return super().write(text)


def test_an_export_taken_during_a_write_is_one_snapshot(desk: Actor) -> None:
    """A customer, incident, flag, alert and follow-ups committed while the export runs: all out, nothing
    half in (a later section referring to a customer the earlier one never listed)."""
    log_for_new_guest(desk, "Early Guest")
    out = WritesMeanwhile(desk)
    export.write_export(desk.store, out)
    assert out.written
    data = json.loads(out.getvalue())
    assert dangling(data) == []
    assert [customer["name"] for customer in data["customers"]] == ["Early Guest"]
    assert len(data["incidents"]) == 1 and len(data["alerts"]) == 1
    again = io.StringIO()
    export.write_export(desk.store, again)
    assert len(json.loads(again.getvalue())["customers"]) == 2


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own for the export (the SQLite store lives in tmp_path)."""
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


def test_export_to_a_file_is_owner_only_and_replaces_it_whole(desk: Actor, folder: Path) -> None:
    target = folder / "export.json"
    target.write_text("the previous export\n")
    log_for_new_guest(desk, "Ana García")
    export.export_to_file(desk.store, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [customer["name"] for customer in json.loads(target.read_text())["customers"]] == ["Ana García"]
    assert sorted(os.listdir(folder)) == ["export.json"]


def test_a_failed_export_leaves_the_old_file_and_no_half_file(desk: Actor, folder: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = folder / "export.json"
    target.write_text("the previous export\n")
    fail_at_incidents(monkeypatch, "the store /x is damaged (corrupt database): the newest backup is /x.backup")
    with pytest.raises(StoreError, match="damaged"):
        export.export_to_file(desk.store, target)
    assert target.read_text() == "the previous export\n"
    assert sorted(os.listdir(folder)) == ["export.json"]


def test_a_full_disk_under_the_export_file_says_so(desk: Actor, folder: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    target = folder / "export.json"
    with pytest.raises(FrontdeskError) as info:
        export.export_to_file(desk.store, target)
    assert str(info.value) == f"the disk holding {target} is full: nothing was written"
    assert os.listdir(folder) == []


def test_export_to_stdout_that_fails_is_one_line_and_a_failure(desk: Actor, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from frontdesk.cli import main

    fail_at_incidents(monkeypatch, "the disk holding the store is full: nothing was saved")
    assert main(["export", "--db", desk.store.url.render_as_string(hide_password=False)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the export on stdout is incomplete" in err
