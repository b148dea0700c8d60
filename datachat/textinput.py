"""Typed text that cannot be stored or shown as given: NUL (PostgreSQL refuses it in text, a
500 before this check) and other control characters (terminal escapes, bidi tricks in logs).
Services call `refuse_control_characters` and say which field was wrong."""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are ordinary in a question; the rest of Cc (and U+2028/9) are not.
ALLOWED_IN_TEXT = frozenset("\n\r\t")


def control_character(value: str, *, multiline: bool = True) -> str | None:
    """The first forbidden character as U+XXXX, or None."""
    allowed = ALLOWED_IN_TEXT if multiline else frozenset()
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
            return f"U+{ord(char):04X}"
    return None


def refuse_control_characters(field: str, value: str, *, multiline: bool = True) -> None:
    """Raise ValueError naming the field when `value` holds a control character."""
    found = control_character(value, multiline=multiline)
    if found:
        name = " (NUL)" if found == "U+0000" else ""
        raise ValueError(
            f"{field}: contains a control character ({found}{name}); remove it and try again."
        )
