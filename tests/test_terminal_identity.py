"""Each running app is its own terminal unless named: the host name and a suffix kept per station (tty)."""

from __future__ import annotations

import os
import socket

import pytest

from frontdesk.config import Settings, load_settings
from frontdesk.errors import ConfigError


def test_two_stations_on_one_machine_are_two_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = {"name": "/dev/pts/3"}
    monkeypatch.setattr(os, "ttyname", lambda fd: tty["name"])
    first = Settings().terminal
    assert first.startswith(socket.gethostname()[:8]) and first == Settings().terminal  # kept across restarts
    tty["name"] = "/dev/pts/4"
    second = Settings().terminal
    assert second != first and second == Settings().terminal
    tty["name"] = "/dev/pts/3"
    assert Settings().terminal == first


def test_a_named_terminal_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDESK_TERMINAL", "bar\x1b]0;x")
    with pytest.raises(ConfigError, match="control character"):
        load_settings()


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("FRONTDESK_LOCK_AFTER_SECONDS", "soon", "whole number"),
    ("FRONTDESK_KIOSK", "yes please", "1, 0, true or false"),
])
def test_typed_terminal_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                      says: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=says):
        load_settings()


def test_typed_terminal_settings_from_the_file(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    config = Path(str(tmp_path)) / "config.toml"
    config.write_text("lock_after_seconds = 120\nkiosk = true\n")
    monkeypatch.setenv("FRONTDESK_KIOSK", "0")
    settings = load_settings({"lock_after_seconds": "90"}, path=config)
    assert (settings.lock_after_seconds, settings.kiosk) == (90, False)
    config.write_text('lock_after_seconds = "120"\n')
    with pytest.raises(ConfigError, match="lock_after_seconds must be a whole number"):
        load_settings(path=config)


def test_pool_size_is_a_terminal_setting_of_1_to_16(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    config = Path(str(tmp_path)) / "config.toml"
    config.write_text('pool_size = 3\nfeed_database_url = "postgresql://db.example/frontdesk"\n')
    settings = load_settings(path=config)
    assert (settings.pool_size, settings.feed_database_url) == (3, "postgresql://db.example/frontdesk")
    assert load_settings(path=tmp_path / "none.toml").pool_size == 1  # type: ignore[operator]
    monkeypatch.setenv("FRONTDESK_POOL_SIZE", "2")
    assert load_settings(path=config).pool_size == 2
    for wrong, says in (("0", "pool_size is 1 to 16"), ("17", "pool_size is 1 to 16"),
                        ("many", "whole number of connections")):
        monkeypatch.setenv("FRONTDESK_POOL_SIZE", wrong)
        with pytest.raises(ConfigError, match=says):
            load_settings(path=config)
