"""Every output format, listed once: which results it can render, and the function that does it.

The CLI's `--format` choices, its help and the README's format lists are read from (or checked
against) `FORMATS`, so a new format is one entry here and one renderer module. Renderers are named
as "module:function" and imported only when used, so a command pays for the formats it prints.
Each renderer is a pure function of the result it is given (a Report, a Screening or a
DiffReport) and the options: the same input and rules give the same bytes unless a timestamp is
passed in explicitly. No renderer reads the raw return.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, Literal, NamedTuple

Subject = Literal["assessment", "screening", "diff", "area"]


class Options(NamedTuple):
    """What a reader can ask of a rendering; each renderer takes the options it understands.

    (Named tuples, not dataclasses: the two dataclasses here were a tenth of what every command,
    `--help` included, adds to the command-line library's own start-up.)"""

    verbose: bool = False
    color: bool = False
    junit_insufficient: str = "failure"
    timestamp: dt.datetime | None = None
    details: int | None = None  # screening HTML/Markdown: full findings for this many organisations
    width: int = 80  # text: the terminal's width (80 when not a terminal)
    quiet: bool = False  # text: the summary line only
    by: str | None = None  # text, markdown, html: group findings by this framework (a key of FRAMEWORKS)


class Format(NamedTuple):
    name: str
    description: str
    renderers: dict[Subject, str]  # subject -> "module:function"
    binary: bool = False  # renders bytes: written to a file (-o), never to a terminal


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", "80-column report for a terminal", {
        "assessment": "text:render_assessment", "screening": "screening:render_text_screening",
        "diff": "diff_report:render_text", "area": "area:render_text"}),
    Format("json", "versioned JSON document for tools (`safeguard schema` describes it)", {
        "assessment": "json_report:render_json", "screening": "json_report:render_json",
        "diff": "json_report:render_json", "area": "json_report:render_json"}),
    Format("html", "one self-contained page for people", {
        "assessment": "html:render_html_assessment", "screening": "screening:render_detailed_html",
        "area": "area:render_html"}),
    Format("markdown", "a board paper or pull-request comment", {
        "assessment": "markdown:render_markdown_assessment", "screening": "screening:render_detailed_markdown",
        "diff": "diff_report:render_markdown", "area": "area:render_markdown"}),
    Format("junit", "JUnit XML, one test per rule, for CI test reports", {
        "assessment": "junit:render_junit_assessment", "screening": "screening:render_detailed_junit"}),
    Format("csv", "one row per finding (assess) or per organisation (screen)", {
        "assessment": "csv_report:render_csv", "screening": "screening:render_csv"}),
    Format("enquiries-csv", "one row per organisation and line of enquiry: what to probe on each visit", {
        "screening": "screening:render_enquiries_csv"}),
    Format("xlsx", "Excel workbook: findings with filters and red/amber/green, summary, ranking (needs -o)", {
        "assessment": "xlsx:render_xlsx_assessment", "screening": "xlsx:render_xlsx_screening"}, binary=True),
    Format("docx", "Word board paper: level of assurance, key risks, still to report, changes, asks (needs -o)", {
        "assessment": "docx:render_docx_assessment"}, binary=True),
)}

# Screening formats that need every organisation's full report, not only its score.
DETAILED = frozenset({"html", "markdown", "junit", "xlsx"})


def names(subject: Subject) -> list[str]:
    """The formats that can render this kind of result, in registry order (the first is the default)."""
    return [f.name for f in FORMATS.values() if subject in f.renderers]


def render(subject: Subject, fmt: str, result: Any, options: Options | None = None, **context: Any) -> str | bytes:
    """Render `result` (a Report, a Screening or a DiffReport) in format `fmt`.

    `context` carries what a subject needs beyond its result (a screening's full reports).
    """
    try:
        target = FORMATS[fmt].renderers[subject]
    except KeyError:
        raise ValueError(f"no {fmt!r} format for a {subject}; known: {', '.join(names(subject))}") from None
    module, function = target.split(":")
    renderer = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return renderer(result, options or Options(), **context)


def table() -> str:
    """The README's table of formats, generated from the registry (a test keeps the README in step)."""
    commands = {"assessment": "assess", "screening": "screen", "diff": "diff", "area": "area"}
    rows = ["| format | what it is | commands |", "|---|---|---|"]
    for f in FORMATS.values():
        used = ", ".join(f"`{commands[s]}`" for s in commands if s in f.renderers)
        rows.append(f"| `{f.name}` | {f.description} | {used} |")
    return "\n".join(rows) + "\n"
