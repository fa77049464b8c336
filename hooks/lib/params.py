"""Whole numbers from query strings, form fields and JSON bodies, parsed strictly.

`str.isdigit()` is true for '²' and '١', which int() then refuses (or, for Arabic-Indic
digits, accepts): only ASCII digits count here. Long digit strings are refused before
int() sees them (past 4,300 digits it raises; well before that the value is out of range).
"""

from __future__ import annotations

_MAX_DIGITS = 18  # fits a 64-bit signed integer, the widest column we bound against


def parse_whole_number(raw: object, *, minimum: int, maximum: int) -> int | None:
    """The integer `raw` stands for when it is one from `minimum` to `maximum`, else None.

    Accepts an int (not a bool) or a string of ASCII digits with no sign or spaces.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= _MAX_DIGITS:
        value = int(raw)
    else:
        return None
    return value if minimum <= value <= maximum else None
