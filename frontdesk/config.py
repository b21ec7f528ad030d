"""Settings: config.toml, then FRONTDESK_* environment variables, then typed flags.

Read with tomllib and os.environ into a small frozen dataclass before the
first frame; nothing heavy is imported here. A flag wins only when the user
typed it.
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from frontdesk.errors import ConfigError
from frontdesk.paths import config_file
from frontdesk.text import control_characters, has_visible

ENV_PREFIX = "FRONTDESK_"
ENV_NAMES = {
    "database_url": "FRONTDESK_DATABASE_URL",
    "staff": "FRONTDESK_STAFF",
    "site": "FRONTDESK_SITE",
    "terminal": "FRONTDESK_TERMINAL",
    "theme": "FRONTDESK_THEME",
    "lock_after_seconds": "FRONTDESK_LOCK_AFTER_SECONDS",
    "kiosk": "FRONTDESK_KIOSK",
    "served": "FRONTDESK_SERVED",
    "pool_size": "FRONTDESK_POOL_SIZE",
    "feed_database_url": "FRONTDESK_FEED_DATABASE_URL",
}
TYPED = {"lock_after_seconds": int, "kiosk": bool, "served": bool, "pool_size": int}
"""Settings that are not text: TOML integers and booleans in the file; 1/0/true/false in the environment."""
LOCK_AFTER_MAX = 24 * 3600
POOL_SIZE_MAX = 16


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    """SQLAlchemy URL of the store; None means the default SQLite file."""
    staff: str | None = None
    """Name of the staff member at the terminal; None asks at start."""
    site: str | None = None
    """Name of this terminal's site; None means the store's first site."""
    terminal: str = field(default_factory=lambda: default_terminal())
    """This station's name, recorded on audit events, drafts and alerts; by default the host name and
    this station's own suffix, so two apps on one machine are two terminals."""
    theme: str | None = None
    """A Textual theme name; `ansi-dark` suits a Linux console."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id to keys, e.g. {"greet": "f2,ctrl+g"}."""
    lock_after_seconds: int = 300
    """Lock the terminal after this long without a key; 0 never (allowed only when require_pin is off)."""
    kiosk: bool = False
    """Kiosk mode: quitting and suspending need a manager's PIN."""
    served: bool = False
    """Served to a browser by `frontdesk serve` (set in the app's environment, never by a request): a PIN is
    always asked, whatever the store's require_pin says, and the idle lock cannot be switched off."""
    pool_size: int = 1
    """PostgreSQL connections this terminal keeps open at rest besides the change feed's."""
    feed_database_url: str | None = None
    """Where the change feed connects when database_url goes through a transaction pooler (PgBouncer):
    the server itself. None: database_url."""


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    known = {item.name for item in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ConfigError(f"{path}: [keymap] maps binding ids to key names, e.g. greet = \"f2\"")
    for name, value in data.items():
        kind = TYPED.get(name, str)
        if name != "keymap" and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            what = {int: "a whole number", bool: "true or false"}.get(kind, "a string")
            raise ConfigError(f"{path}: {name} must be {what}")
    return data


def load_settings(flags: dict[str, Any] | None = None, *, path: Path | None = None) -> Settings:
    """Merge the config file, the environment and the flags the user typed, in that order."""
    values: dict[str, Any] = dict(_read_file(path or config_file()))
    for name, variable in ENV_NAMES.items():
        if os.environ.get(variable):
            values[name] = _typed(name, os.environ[variable], variable)
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = _typed(name, value, "--" + name.replace("_", "-")) if isinstance(value, str) else value
    if "terminal" in values:
        values["terminal"] = terminal_name(values["terminal"])
    if not 0 <= values.get("lock_after_seconds", 0) <= LOCK_AFTER_MAX:
        raise ConfigError(f"lock_after_seconds is 0 to {LOCK_AFTER_MAX} seconds")
    if values.get("served") and values.get("lock_after_seconds") == 0:
        raise ConfigError("a terminal served to a browser always locks when idle: lock_after_seconds cannot be 0")
    if not 1 <= values.get("pool_size", 1) <= POOL_SIZE_MAX:
        raise ConfigError(f"pool_size is 1 to {POOL_SIZE_MAX} connections")
    return Settings(**values)


def _typed(name: str, text: str, source: str) -> Any:
    """An environment variable's or a flag's text as its setting's type (1/0/true/false for a switch)."""
    kind = TYPED.get(name, str)
    value = text.strip().lower()
    if kind is bool:
        if value not in ("1", "0", "true", "false"):
            raise ConfigError(f"{source} is 1, 0, true or false, not {text!r}")
        return value in ("1", "true")
    if kind is int:
        if not (value.isascii() and value.isdigit()):
            unit = "connections" if name == "pool_size" else "seconds"
            raise ConfigError(f"{source} is a whole number of {unit}, not {text!r}")
        return int(value)
    return text


def default_terminal() -> str:
    """The host name and a short suffix kept per station in the user config folder.

    The suffix is made once per station (the controlling terminal) and reused, so a station keeps
    its name across restarts (its drafts are found again) while a second app on the same machine,
    in another terminal, is another terminal: an alert logged on one shows on the other.
    """
    import secrets

    from frontdesk.paths import station_file

    path = station_file()
    try:
        suffix = path.read_text(encoding="utf-8").strip()
    except OSError:
        suffix = ""
    if not (suffix.isascii() and suffix.isalnum() and 0 < len(suffix) <= 8):
        suffix = secrets.token_hex(2)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(suffix + "\n", encoding="utf-8")
        except OSError:
            pass  # a read-only home: this run is its own terminal
    return terminal_name(f"{socket.gethostname()[: TERMINAL_MAX - 9]}-{suffix}")


TERMINAL_MAX = 64
WEB_TERMINAL_PREFIX = "web-"
"""A browser tab served by `frontdesk serve` is a terminal named this and a short suffix."""


def terminal_name(value: str) -> str:
    """A station's name as given, trimmed; refused if it could not be shown as typed (it is, on alerts)."""
    name = value.strip()
    if control_characters(name):
        raise ConfigError(f"terminal name {name!r} has a control character (such as Esc); pick a plain name")
    if not has_visible(name):
        raise ConfigError("terminal name is empty: give a name such as stand or bar")
    if len(name) > TERMINAL_MAX:
        raise ConfigError(f"terminal name is longer than {TERMINAL_MAX} characters")
    return name
