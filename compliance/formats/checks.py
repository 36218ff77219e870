"""`rules lint`, `rules test` and `rules test --mutate` results for people and for CI.

text: one problem per line, `file:line:column: level: what [code]`, as compilers and ruff print them
(editors and terminals make them clickable); json: the same, for tools; junit: one test per rule
file (lint), case (test) or rule (mutate), read by every CI's test view; sarif: SARIF 2.1.0, which
GitHub code scanning shows on the pull request's lines; github: workflow commands (`::error
file=...`) that GitHub Actions turns into annotations without any upload.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from compliance.app.checks import CODES, Check, CheckRun, Issue, shown
from compliance.formats.escape import xml_text

CHECK_FORMATS = ("text", "json", "junit", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/nhs-safeguarding/safeguard#rule-authors"


def render_checks(run: CheckRun, fmt: str, color: bool = False) -> str:
    return {"text": _text, "json": _json, "junit": _junit, "sarif": _sarif, "github": _github}[fmt](run, color)


def _location(i: Issue) -> str:
    out = shown(i.file) if i.file else "-"
    if i.line is not None:
        out += f":{i.line}" + (f":{i.column}" if i.column is not None else "")
    return out


def issue_line(i: Issue) -> str:
    """`rules/training/TRN-001.yaml:32:3: error: condition: ... [unknown-name]`."""
    where = f"{i.path}: " if i.path else ""
    return f"{_location(i)}: {i.level}: {where}{i.message} [{i.code}]"


def _text(run: CheckRun, color: bool) -> str:
    import click

    def mark(failed: bool) -> str:
        return click.style("FAIL", fg="red", bold=True) if failed else click.style("PASS", fg="green")

    out: list[str] = []
    if run.command == "lint":
        out = [issue_line(i) for c in run.checks for i in c.issues]
    elif run.command == "test":
        suites: dict[str, list[Check]] = {}
        for c in run.checks:
            suites.setdefault(c.suite, []).append(c)
        for rid, checks in suites.items():
            bad = [c for c in checks if c.failed]
            out.append(f"{mark(bool(bad))} {rid}  {len(checks) - len(bad)}/{len(checks)} cases")
            out += [f"     {issue_line(i)}" for c in bad for i in c.issues]
    else:
        for c in run.checks:
            out.append(f"{mark(c.failed)} {c.suite}  {c.detail}")
            out += [f"     {issue_line(i)}" for i in c.issues]
    out.append(f"{run.target}: {run.summary}")
    return "\n".join(out) + "\n"


def _json(run: CheckRun, color: bool) -> str:
    doc = {
        "command": f"rules {'test --mutate' if run.command == 'mutate' else run.command}",
        "checked": run.target,
        "summary": run.summary,
        "exit_code": run.exit_code(),
        "checks": [{"suite": c.suite, "name": c.name, "file": shown(c.file) if c.file else None,
                    "passed": not c.failed, **({"detail": c.detail} if c.detail else {})} for c in run.checks],
        "problems": [{"code": i.code, "level": i.level, "file": shown(i.file) if i.file else None, "line": i.line,
                      "column": i.column, "field": i.path or None, "message": i.message} for i in run.issues],
    }
    return json.dumps(doc, indent=2) + "\n"


def _junit(run: CheckRun, color: bool) -> str:
    """The junit-10.xsd shape (testsuites > testsuite > testcase > failure), one suite per rule."""
    root = ET.Element("testsuites", name=f"safeguard rules {run.command}")
    suites: dict[str, list[Check]] = {}
    for c in run.checks:
        suites.setdefault(c.suite, []).append(c)
    total = fails = 0
    for i, (name, checks) in enumerate(suites.items()):
        failures = sum(c.failed for c in checks)
        suite = ET.SubElement(root, "testsuite", name=xml_text(name), id=str(i), package=xml_text(name),
                              tests=str(len(checks)), failures=str(failures), errors="0", skipped="0", time="0")
        for c in checks:
            case = ET.SubElement(suite, "testcase", name=xml_text(c.name), classname=xml_text(f"{run.command}.{name}"),
                                 time="0")
            if c.failed:
                first = c.issues[0]
                el = ET.SubElement(case, "failure", message=xml_text(first.message),
                                   type=xml_text(f"{first.level}:{first.code}"))
                el.text = xml_text("\n".join(issue_line(x) for x in c.issues))
        total += len(checks)
        fails += failures
    root.set("tests", str(total))
    root.set("failures", str(fails))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _uri(path: Path) -> tuple[str, bool]:
    """A relative URI (forward slashes) under the current folder, else an absolute file URI."""
    rel = shown(path)
    if Path(rel).is_absolute():
        return path.resolve().as_uri(), False
    return Path(rel).as_posix(), True


def _sarif(run: CheckRun, color: bool) -> str:
    from compliance import __version__

    codes = sorted({i.code for i in run.issues})
    index = {c: n for n, c in enumerate(codes)}
    results = []
    for i in run.issues:
        result: dict = {"ruleId": i.code, "ruleIndex": index[i.code], "level": i.level,
                        "message": {"text": (f"{i.path}: " if i.path else "") + i.message}}
        if i.file is not None:
            uri, relative = _uri(i.file)
            physical: dict = {"artifactLocation": {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}}
            if i.line is not None:
                physical["region"] = {"startLine": i.line, **({"startColumn": i.column} if i.column else {})}
            location: dict = {"physicalLocation": physical}
            if i.path:
                location["logicalLocations"] = [{"fullyQualifiedName": i.path, "kind": "member"}]
            result["locations"] = [location]
        results.append(result)
    rules = [{"id": c, "name": c.replace("-", " ").title().replace(" ", ""),
              "shortDescription": {"text": CODES.get(c, c)},
              "defaultConfiguration": {"level": _default_level(run, c)},
              "helpUri": INFORMATION_URI} for c in codes]
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "safeguard", "semanticVersion": __version__, "version": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "automationDetails": {"id": f"safeguard-rules-{run.command}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
        "invocations": [{"executionSuccessful": True, "exitCode": run.exit_code()}],
        "results": results,
    }]}
    return json.dumps(doc, indent=2) + "\n"


def _default_level(run: CheckRun, code: str) -> str:
    levels = {i.level for i in run.issues if i.code == code}
    return "error" if "error" in levels else "warning"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(run: CheckRun, color: bool) -> str:
    """GitHub Actions workflow commands: each problem an annotation on its file and line."""
    out = []
    for i in run.issues:
        props = []
        if i.file is not None:
            props.append(f"file={_escape_property(Path(shown(i.file)).as_posix())}")
        if i.line is not None:
            props.append(f"line={i.line}")
            if i.column is not None:
                props.append(f"col={i.column}")
        props.append(f"title={_escape_property(f'safeguard rules {run.command}: {i.code}')}")
        message = (f"{i.path}: " if i.path else "") + i.message
        out.append(f"::{i.level} {','.join(props)}::{_escape_data(message)}")
    out.append(f"{run.target}: {run.summary}")
    return "\n".join(out) + "\n"
