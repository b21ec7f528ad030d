"""Fixtures the stress modules share: child processes (`children`) and `--deep` (defined beside the
completion races, where they began)."""

from tests.stress.test_concurrency import children, deep

__all__ = ["children", "deep"]
