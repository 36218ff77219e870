"""Numbers written as text: which ones a return may hold, in every format alike.

A nurse lead copying figures from another system, or typing into a workbook cell formatted as text,
writes "12" or "1,234" and expects them read as the numbers they plainly are; a YAML or JSON return
that quotes a number means the same. Those are accepted everywhere (YAML, JSON, workbook cells).
Anything whose value a reader could doubt is refused with the place and what to write instead:
"1.234" (a thousands point, or a decimal one?), "1,5" (a decimal comma), "1e3", "0x10", "£86,000",
"12 staff", "nan"; and a whole number written with a decimal point ("12.0") in a count.
"""

from __future__ import annotations

import re

# Digits, or digits grouped in threes by commas; a sign so that "-3" gets the range's own message.
_WHOLE = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)", re.ASCII)  # ASCII: "١٢" is not for us to read
_DECIMAL = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?", re.ASCII)
_SPACES = " \t\u00a0"  # a non-breaking space comes with figures pasted from web pages and Excel
MAX_CHARS = 40


def number_from_text(text: str, whole: bool) -> int | float | None:
    """The number `text` plainly writes (an int when `whole`), or None when it writes none plainly."""
    text = text.strip(_SPACES)
    if len(text) > MAX_CHARS or not (_WHOLE if whole else _DECIMAL).fullmatch(text):
        return None
    digits = text.replace(",", "")
    return int(digits) if whole else float(digits)


def how_to_write(whole: bool) -> str:
    return ("write it in digits, e.g. 1234 or 1,234" if whole
            else "write it in digits with a decimal point, e.g. 1234.5 or 1,234.5")
