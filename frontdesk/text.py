"""What typed text may hold: the character rules every field and setting shares.

Plain Python, cheap to import: the settings are checked with it before the
first frame, the schemas with it for every field a person types.
"""

from __future__ import annotations

import unicodedata

_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern)."""


def control_characters(text: str, allowed: str = "") -> bool:
    """Control characters, surrogates, and the Unicode line and paragraph separators (line breaks too)."""
    return any(
        (unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") and char not in allowed) for char in text
    )


def has_visible(text: str) -> bool:
    """Whether any character draws something: a letter, digit, punctuation or symbol.

    Spaces, zero-width and format characters, combining marks on their own
    and the blank letters do not: a name made of them is no name.
    """
    return any(unicodedata.category(char)[0] in "LNPS" and char not in _BLANK_LETTERS for char in text)
