"""`safeguard rules new AREA`: a rule file that is valid, lints clean and kills its mutants from the
start, with the four cases every rule needs (met, not met, no evidence, not applicable), so an
author changes a working rule rather than fights the schema.

The skeleton is a share-against-threshold rule (the commonest shape) over a windowed count, with
its window checked, so it also shows the two things authors most often get wrong: a case at and
just below the threshold, and `window:` on a count the return states with its window.
"""

from __future__ import annotations

import re
from pathlib import Path

from compliance.domain.errors import Problem, RuleError

SKELETON = """\
id: {id}
title: "TODO: what must be true, in one line"
area: {area}
requirement: >
  TODO: the requirement in plain words, as a safeguarding lead would read it. At least the threshold
  share of level-1 staff must hold in-date training (replace with your requirement).
rationale: >
  TODO: why it matters to children, and where the threshold comes from (a national rule, or a local
  default a profile may change).
severity: medium
key_question: safe
applies_to:
  org_types: [acute, community, mental_health]
sources:
  - {{document: "TODO: the document the requirement comes from", section: "TODO: its section", year: 2023, confidence: local_default}}
mappings:
  - {{framework: "cqc-saf", version: "2023", clause: "Safe: Safeguarding", relationship: "subset-of"}}
parameters:
  threshold: {{default: 90, min: 0, max: 100, unit: "%", description: "Share that must be in date (TODO)."}}
  renewal_months: {{default: 36, min: 1, max: 120, unit: months, description: "In date: done within this many months."}}
threshold: {{measure: coverage, parameter: threshold}}
measures:
  staff: {{sum: "training.groups[].staff_in_post", where: {{level: 1}}, description: "TODO: the whole."}}
  in_date: {{sum: "training.groups[].in_date", where: {{level: 1}}, window: [{{field: renewal_months, max: renewal_months}}]}}
  coverage: {{percent: [in_date, staff], description: "TODO: the share."}}
condition:
  gte: [coverage, threshold]
messages:
  met: "{{in_date}} of {{staff}} staff ({{coverage}}%) are in date; the standard is {{threshold}}%."
  not_met: "Only {{in_date}} of {{staff}} staff ({{coverage}}%) are in date; the standard is {{threshold}}%."
  not_applicable: "This requirement applies to acute, community and mental health trusts."
remediation: >
  TODO: what the organisation should do first, in plain words.
line_of_enquiry: >
  TODO: what an inspector should ask to test this requirement.
cases:
  - name: {slug}_met_at_threshold
    input: {{training: {{groups: [{{group: all staff, level: 1, staff_in_post: 100, in_date: 90, renewal_months: 36}}]}}}}
    expect: met
  - name: {slug}_not_met_just_below
    input: {{training: {{groups: [{{group: all staff, level: 1, staff_in_post: 200, in_date: 179, renewal_months: 36}}]}}}}
    expect: not_met
  - name: {slug}_not_reported
    input: {{training: {{groups: [{{group: all staff, level: 1, staff_in_post: 200}}]}}}}
    expect: insufficient_evidence
  - name: {slug}_window_wider_than_standard
    input: {{training: {{groups: [{{group: all staff, level: 1, staff_in_post: 200, in_date: 190, renewal_months: 37}}]}}}}
    expect: insufficient_evidence
  - name: {slug}_not_applicable_to_gp_practices
    org_type: gp_practice
    input: {{}}
    expect: not_applicable
"""


def known_ids(folders: list[Path]) -> dict[str, str]:
    """Rule id -> area, read cheaply from the files' first lines (no validation needed)."""
    from compliance.catalogue.files import rule_files

    out: dict[str, str] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for f in rule_files(folder):
            m = re.match(r"[A-Z]{3}-[0-9]{3}", f.stem)
            if m:
                out[f.stem] = f.parent.name
    return out


def new_rule(area: str, folder: Path, rule_id: str | None = None) -> Path:
    """Write `folder/AREA/ID.yaml` (never over an existing file) and return its path."""
    from compliance.catalogue.files import BUNDLED_RULES
    from compliance.intake.files import write_atomic

    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", area):
        raise RuleError(area, [Problem("an area is a name: lower-case letters, digits and _, starting with a letter "
                                       "(e.g. training, governance)")])
    ids = known_ids([BUNDLED_RULES, folder])
    if rule_id is None:
        prefixes = sorted({i[:3] for i, a in ids.items() if a == area})
        prefix = prefixes[0] if prefixes else re.sub(r"[^A-Z]", "", area.upper())[:3].ljust(3, "X")
        taken = [int(i[4:]) for i in ids if i.startswith(prefix + "-")]
        rule_id = f"{prefix}-{max(taken, default=0) + 1:03d}"
    elif not re.fullmatch(r"[A-Z]{3}-[0-9]{3}", rule_id):
        raise RuleError(rule_id, [Problem("a rule id is three capital letters, a dash and three digits (e.g. TRN-007)")])
    target = folder / area / f"{rule_id}.yaml"
    if target.exists():
        raise RuleError(str(target), [Problem("already exists; choose another id with --id")])
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, SKELETON.format(id=rule_id, area=area, slug=rule_id.lower().replace("-", "")))
    return target
