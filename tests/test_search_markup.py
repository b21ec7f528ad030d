"""Searching by the characters a name holds, markup characters included (issue 17 item 7), at 80×24.

"[@cl" found nothing while "Click" found "[@click=app.quit]x[/]": the "@" made the query an email.
Punctuation is now left out of a query as it is from names, and a lone word may still start an email.
"""

from __future__ import annotations

from frontdesk.clock import FixedClock
from frontdesk.services.context import Actor
from tests.test_greet import greet_scene, url_of
from tests.ui import at_the_stand, make_app, screen_text, type_text, until

MARKUP_NAME = "[@click=app.quit]x[/]"


async def test_typing_markup_characters_finds_the_name_that_holds_them(sqlite_desk: Actor, clock: FixedClock) -> None:
    greet_scene(sqlite_desk)
    app = make_app(url_of(sqlite_desk), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        greet = await at_the_stand(pilot)
        for typed in ("[@cl", "[@click=app.q", "Click"):
            await pilot.press("escape")
            await type_text(pilot, typed)
            await until(pilot, lambda typed=typed: greet.results.query == typed)
            names = [hit.name for hit in greet.results.hits]
            assert names == [MARKUP_NAME], f"{typed!r} found {names}"
            assert MARKUP_NAME in screen_text(app)
        assert app.is_running  # the name is shown, never acted on
