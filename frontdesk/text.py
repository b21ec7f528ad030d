"""What typed text may hold: the character rules every field and setting shares.

Plain Python, cheap to import: the settings are checked with it before the
first frame, the schemas with it for every field a person types.
"""

from __future__ import annotations

import hashlib
import unicodedata

REPLACEMENT = "\ufffd"

_VISIBLE: dict[int, str] = {
    **{code: f"^{chr(code + 64)}" for code in range(0x20) if chr(code) not in "\n\t"},
    0x7F: "^?",
    **{code: REPLACEMENT for code in range(0x80, 0xA0)},
    **{code: REPLACEMENT for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)},
    **{code: REPLACEMENT for code in range(0xD800, 0xE000)},
}
"""What each unsafe code point is shown as; every other character is shown as itself."""


def visible(text: str) -> str:
    """`text` with its control characters shown harmlessly ("^[" for Esc, "�" for C1 and bidi controls)."""
    return text.translate(_VISIBLE)


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


_EXTRA_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case, accent-free: "José" and "JOSE" both give "jose"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_FOLDS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def identity_keys(name: str, phone: str | None, email: str | None) -> set[str]:
    """Who a customer is (DESIGN.md): the same phone or email with the same name, case, accents and spacing folded.

    One key per contact, hashed to a fixed length for a unique index ("Ana  GARCÍA" with +4930123
    and "ana garcia" with +4930123 give the same key; "Ben García" with that phone does not: a
    household shares a landline). A customer with neither phone nor email has no identity.
    """
    folded = " ".join(fold(name).split())
    contacts = [f"p:{phone}"] if phone else []
    contacts += [f"e:{email.lower()}"] if email else []
    return {hashlib.sha256(f"{contact}\n{folded}".encode("utf-8", "surrogatepass")).hexdigest()
            for contact in contacts}
