"""The migrations form one line: each file's number is its revision and it revises the one before.

Engineers working in parallel each added a "0009" on top of 0008 once: two heads, and no store could
be opened or upgraded. This fails at once when that happens again.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from frontdesk.store import migrate


def test_the_migrations_are_one_numbered_line() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1, f"several heads: {scripts.get_heads()}"
    revisions = list(reversed(list(scripts.walk_revisions())))
    for number, revision in enumerate(revisions, 1):
        assert revision.revision == f"{number:04d}"
        assert revision.down_revision == (f"{number - 1:04d}" if number > 1 else None)
        assert revision.path is not None and Path(revision.path).name.startswith(f"{number:04d}_")
