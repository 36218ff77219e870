"""Escaping what users supplied (names, codes, file names, reasons) for each place it is written.

One helper per destination, each the only place its rule lives, so every renderer (and the text
report, whichever library draws it) escapes alike:

- `terminal`: control characters (C0, DEL, C1, line and paragraph separators, bidirectional
  overrides) become visible escapes such as `\\x1b` or `\\n`, so a name can neither drive the
  terminal nor forge a line of a report.
- `markdown`: one line (newlines folded), control characters visible as for `terminal`, and the
  Markdown punctuation that makes links, images, HTML, emphasis, headings or table cells escaped,
  so `<script>`, `[x](javascript:...)` or a `|` in a name is shown as written and never acts.
- `csv_cell`: a cell a spreadsheet would read as a formula (starting = + - @, tab or carriage
  return) gets a leading `'`, the OWASP convention; numbers are left alone. Control characters
  other than line breaks and tabs become visible as for `terminal` (a CSV file is often read with
  `cat`, and an ESC in a name would drive the terminal).
- `xml_text`: characters XML 1.0 cannot carry become visible escapes, so the JUnit file a CI
  server parses is always well-formed (ElementTree escapes markup but writes these raw); so do the
  bidirectional overrides, which would show a name reversed.
- `html_text`: the same control characters shown, for the HTML reports (whose templates escape
  markup themselves); line breaks and tabs are kept, as HTML folds them anyway.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# As _CONTROL, but tab, line feed and carriage return kept: for formats where they are ordinary text.
_SHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(m: re.Match) -> str:
    ch = m.group()
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def terminal(text: object) -> str:
    """Safe to print on a terminal, on one line."""
    return _CONTROL.sub(_visible, str(text))


# Enough to stop every construct that acts: no link or image without [ ], no HTML without < >.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def markdown(text: object) -> str:
    """Safe inside a Markdown paragraph or table cell (see the module's docstring)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", terminal(" ".join(str(text).split())))


def xml_text(text: str) -> str:
    """Safe inside an XML 1.0 element or attribute (tab, newline and carriage return are kept)."""
    return _XML_INVALID.sub(_visible, text)


def html_text(text: str) -> str:
    """Control characters shown (see the module's docstring); markup is the template's to escape."""
    return _SHOWN.sub(_visible, text)


def html(text: object) -> str:
    """Safe inside an HTML element or quoted attribute written by hand: control characters shown, markup escaped."""
    import html as _html

    return _html.escape(html_text(str(text)))


def csv_cell(value: Any) -> Any:
    """A cell no spreadsheet evaluates and no terminal obeys: text that looks like a formula starts
    with `'`; control characters other than line breaks and tabs are shown."""
    if not isinstance(value, str):
        return value
    value = _SHOWN.sub(_visible, value)
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}
