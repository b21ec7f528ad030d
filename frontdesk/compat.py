"""The places frontdesk leans on Textual internals, each for a measured need with no public way.

Nothing else in the product touches a private Textual name.
`tests/test_compat.py` fails loudly when a Textual release changes any of
these behaviours, so an upgrade cannot quietly bring back a slow first frame or a
traceback full of customer data.
"""

from __future__ import annotations

import traceback
from typing import Any

from rich.text import Text
from textual.app import App
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import WorkerFailed


def styled(screen: Screen[Any]) -> Screen[Any]:
    """Mark a mode's new screen as styled with the app's current stylesheet.

    Textual otherwise re-parses and re-applies every style twice when a
    mode's first screen is installed (its counter starts at -1), which costs
    the first frame and every first F-key press ~60 ms on a kiosk; a screen
    being created has nothing stale, and a later theme change still
    refreshes it. Textual has no public way to say so.
    """
    screen._css_update_count = screen.app._css_update_count  # the running app, through Textual's context
    return screen


class QuietCrashes(App[int]):
    """An unhandled exception on the UI thread stops the app with our apology, not Textual's traceback.

    Textual's default prints a traceback with every frame's local values:
    customer names, phones and stories. There is no public hook for an
    exception raised in a message handler, so `_handle_exception` is
    overridden here and hands the error to `crashed()`.
    (Workers run with `exit_on_error=False`; their errors never come here.)
    """

    def crashed(self, error: Exception) -> str:
        """Record the error; return the text to show as the app stops."""
        raise NotImplementedError

    def _handle_exception(self, error: Exception) -> None:
        if palette_list_gone(error):
            return
        self.exit(return_code=1, message=Text(self.crashed(error)))


def palette_list_gone(error: Exception) -> bool:
    """Textual's command palette searching after its list was taken down: nothing to show, nothing lost.

    The palette starts a search worker on each change of its input; when the
    palette is closed or covered before that worker runs, the worker looks
    for the palette's list, which is gone, and Textual reports it as a
    worker failure (seen once in CI's random keys, `NoMatches` for
    `CommandList`). Only that one failure, in that one worker, is let pass.
    """
    return (isinstance(error, WorkerFailed) and isinstance(error.error, NoMatches)
            and "CommandList" in str(error.error)
            and any(frame.name == "_gather_commands" for frame in traceback.extract_tb(error.error.__traceback__)))
