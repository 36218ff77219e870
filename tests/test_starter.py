"""`safeguard init` writes a starter return that is valid as it stands and claims nothing: assessing
it unchanged gives insufficient evidence (or out of scope), never an error and never a met."""

from __future__ import annotations

import json

import pytest

from compliance.domain.model import SCHEMA_VERSION, OrgType, SelfAssessment


@pytest.mark.parametrize("org_type", [t.value for t in OrgType])
def test_an_unchanged_starter_return_is_insufficient_evidence_not_an_error(run_cli, tmp_path, org_type):
    path = tmp_path / f"{org_type}.yaml"
    code, _, err = run_cli("init", "--type", org_type, "-o", path)
    assert code == 0, err
    # its placeholders are refused, each named, rather than assessed as an organisation called CHANGE-ME
    code, _out, err = run_cli("assess", path)
    assert code == 2 and "organisation code is still the placeholder 'CHANGE-ME'" in err
    path.write_text(path.read_text().replace('id: "CHANGE-ME"', 'id: "RXX01"'))
    code, _out, err = run_cli("assess", path)
    assert code == 2 and "local authority code is still the placeholder" in err
    path.write_text(path.read_text().replace('["CHANGE-ME"]', '["E08000025"]'))
    code, out, err = run_cli("assess", path, "--format", "json", "--fail-on", "low")
    assert code == 1, err  # findings, not invalid input (2) or a crash (3)
    outcomes = {f["rule_id"]: f["outcome"] for f in json.loads(out)["findings"]}
    assert set(outcomes.values()) <= {"insufficient_evidence", "not_applicable"}
    assert "insufficient_evidence" in outcomes.values()


def test_every_field_the_rules_read_is_explained(run_cli):
    code, out, _ = run_cli("init", "--type", "acute")
    assert code == 0
    for needle in ("cp_is_live:", "in_date:", "# Whether CP-IS is live:", "was_not_brought:", "looked_after:"):
        assert needle in out
    assert "providers:" not in out  # an ICB-only list is not asked of a trust
    assert f'schema_version: "{SCHEMA_VERSION}"' in out  # the current format, not one migrated on read
    assert "renewal_months:" in out and "window_working_days:" in out  # each count's window beside it


def test_the_schema_describes_every_field():
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if not prop.get("description"):
                    missing.append(f"{where}.{name}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    walk(SelfAssessment.model_json_schema(), "")
    assert missing == []
