"""The errors a person reads: one family, recognised by type.

Anything raised from this family carries one sentence that a screen, a
notification or the command line shows as is; anything else is a bug and
gets an apology with a crash-log reference. This module imports nothing, so
the app and the CLI can catch these by class before any heavy module loads.
"""

from __future__ import annotations

from collections.abc import Mapping


class FrontdeskError(Exception):
    """A refusal or a problem with one sentence a person can act on."""


class InvalidInput(FrontdeskError, ValueError):
    """Input refused: `errors` maps each field name to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls({field: message})


class NotFound(FrontdeskError):
    """The record asked for does not exist (or no longer does)."""


class NotAllowed(FrontdeskError):
    """The action breaks a rule (closing with follow-ups open, a host clearing a flag)."""


class ApprovalNeeded(NotAllowed):
    """A remedy above the signed-in person's limit (issue 15): a lead's or manager's PIN approves it at save, or
    the incident saves with it pending approval. Nothing was written; `approvers` are (id, name) who may approve."""

    def __init__(self, message: str, approvers: tuple[tuple[int, str], ...]) -> None:
        super().__init__(message)
        self.approvers = approvers


class Conflict(FrontdeskError):
    """Another terminal changed the record first; nothing was changed here."""


class StoreError(FrontdeskError):
    """A store that cannot be used (unreachable, read-only, full, too new), in one line."""


class StoreUnavailable(StoreError):
    """The store cannot be reached right now (server down, connection lost); it may come back."""


class StoreBusy(StoreError):
    """Another terminal holds what this action needs, or the store is too slow: try again."""


class StoreFull(StoreError):
    """The disk holding the store is full: nothing was saved."""


class StoreReadOnly(StoreError):
    """The store can be read but not written (file permissions, a read-only mount, a standby server)."""


class StoreDamaged(StoreError):
    """The store's file is corrupt; the message names the newest backup."""


class StoreOutdated(StoreError):
    """A newer frontdesk upgraded the store while this one ran: restart to upgrade."""


class ConfigError(FrontdeskError):
    """A setting that cannot be used; the message names the file or variable and the problem."""
