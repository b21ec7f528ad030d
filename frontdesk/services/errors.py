"""Errors a service raises for a person to read; anything else is a bug."""

from __future__ import annotations

from frontdesk.schemas.base import InvalidInput

__all__ = ["Conflict", "InvalidInput", "NotAllowed", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """A refusal with one sentence that a screen shows as is."""


class NotFound(ServiceError):
    pass


class NotAllowed(ServiceError):
    """The action breaks a rule (closing with follow-ups open, a host clearing a flag)."""


class Conflict(ServiceError):
    """Another terminal changed the record first; nothing was changed here."""
