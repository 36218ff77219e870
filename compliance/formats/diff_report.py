"""Rendering a rule diff for a terminal (text), tools (JSON) and a pull-request comment (Markdown)."""

from __future__ import annotations

from compliance.formats import Options
from compliance.app.diff import DiffReport, FindingChange, RuleChange, Verdict, show


def summary_line(r: DiffReport) -> str:
    orgs = len({c.input for c in r.finding_changes})
    parts = [f"{len(r.finding_changes)} finding(s) changed outcome or severity in {orgs} of {r.organisations} "
             f"organisation(s)", f"{len(r.wording_changes)} changed only their wording"]
    counts = {k: len(r.rule_ids(k)) for k in ("added", "removed", "changed")}
    parts.append(f"rules: {counts['added']} added, {counts['removed']} removed, {counts['changed']} changed "
                 f"({r.rules_before} -> {r.rules_after})")
    return "; ".join(parts)


def _side(v: Verdict | None, absent: str) -> str:
    return absent if v is None else f"{v.outcome.value} ({v.severity.value})"


def _transition(c: FindingChange) -> str:
    return f"{_side(c.before, 'no rule')} -> {_side(c.after, 'no rule')}"


def cause(r: DiffReport, rule_id: str, limit: int = 3) -> str:
    """The rule change behind a finding change, short enough for a table cell."""
    c = next((c for c in r.rule_changes if c.rule_id == rule_id), None)
    if c is None:
        return "rule unchanged"
    if c.change != "changed":
        return f"rule {c.change}"
    shown = [f"{f.path.removeprefix('parameters.')} {show(f.before)} -> {show(f.after)}" for f in c.fields[:limit]]
    more = len(c.fields) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _rule_lines(c: RuleChange) -> list[str]:
    head = f"{c.rule_id} {c.change}: {c.title}"
    return [head] + [f"    {f.path}: {show(f.before)} -> {show(f.after)}" for f in c.fields]


def wording_by_rule(r: DiffReport) -> list[tuple[str, list[FindingChange]]]:
    """Wording-only changes grouped by rule: a reviewer checks one example per rule, not every row."""
    groups: dict[str, list[FindingChange]] = {}
    for c in r.wording_changes:
        groups.setdefault(c.rule_id, []).append(c)
    return sorted(groups.items())


def _example(changes: list[FindingChange]) -> tuple[str, str]:
    """The first change's message before and after (a wording change has a finding on both sides)."""
    c = changes[0]
    return (c.before.message if c.before else ""), (c.after.message if c.after else "")


def _wording_summary(rule_id: str, changes: list[FindingChange]) -> str:
    orgs = len({c.input for c in changes})
    return f"{rule_id}: {len(changes)} finding(s) in {orgs} organisation(s), e.g. {changes[0].organisation}"


def render_text(r: DiffReport, options: Options | None = None) -> str:
    lines = [f"safeguard diff {r.base} -> {r.head}", summary_line(r)]
    if r.rule_changes:
        lines += ["", "Rules"] + ["  " + line for c in r.rule_changes for line in _rule_lines(c)]
    if r.finding_changes:
        lines += ["", "Outcome and severity changes"]
        for c in r.finding_changes:
            lines.append(f"  {c.organisation}  {c.rule_id}  {_transition(c)}  [{cause(r, c.rule_id)}]")
            if c.before and c.after and c.before.message != c.after.message:
                lines += [f"      was: {c.before.message}", f"      now: {c.after.message}"]
            elif c.after and not c.before:
                lines.append(f"      now: {c.after.message}")
    if r.wording_changes:
        lines += ["", "Wording only (same outcome and severity)"]
        for rule_id, changes in wording_by_rule(r):
            was, now = _example(changes)
            lines += [f"  {_wording_summary(rule_id, changes)}", f"      was: {was}", f"      now: {now}"]
    if not r.changed:
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(r: DiffReport, options: Options | None = None) -> str:
    """Summary first, then a table a reviewer scans, then collapsed details for whoever wants them."""
    out = [f"### safeguard diff `{_cell(r.base)}` → `{_cell(r.head)}`", "", f"**{summary_line(r)}**", ""]
    if not r.changed:
        out.append("No finding and no rule changed.")
        return "\n".join(out) + "\n"
    if r.finding_changes:
        out += ["| Organisation | Rule | Before | After | Changed | Because |", "| --- | --- | --- | --- | --- | --- |"]
        for c in r.finding_changes:
            out.append(f"| {_cell(c.organisation)} | {c.rule_id} | {_side(c.before, '—')} | {_side(c.after, '—')} "
                       f"| {', '.join(c.what)} | {_cell(cause(r, c.rule_id))} |")
        out.append("")
    if r.rule_changes:
        out += ["<details><summary>Rule changes</summary>", ""]
        for rc in r.rule_changes:
            out.append(f"- **{rc.rule_id}** {rc.change}: {_cell(rc.title)}")
            out += [f"  - `{f.path}`: `{_cell(show(f.before))}` → `{_cell(show(f.after))}`" for f in rc.fields]
        out += ["", "</details>", ""]
    messages = [c for c in r.finding_changes if "message" in c.what]
    if messages:
        out += ["<details><summary>Messages</summary>", ""]
        for c in messages:
            out.append(f"- **{_cell(c.organisation)} {c.rule_id}**")
            if c.before:
                out.append(f"  - was: {_cell(c.before.message)}")
            if c.after:
                out.append(f"  - now: {_cell(c.after.message)}")
        out += ["", "</details>", ""]
    if r.wording_changes:
        out += [f"<details><summary>Wording only: {len(r.wording_changes)} finding(s), same outcome and "
                "severity</summary>", ""]
        for rule_id, changes in wording_by_rule(r):
            was, now = _example(changes)
            out += [f"- **{_cell(_wording_summary(rule_id, changes))}**",
                    f"  - was: {_cell(was)}", f"  - now: {_cell(now)}"]
        out += ["", "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"

