"""CI runs what the README tells a developer to run, so neither can drift from the other."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command_with_lint_and_types_before_the_tests():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci
    steps = test_command.split(" && ")
    assert [s.split()[0] for s in steps[-3:]] == [".venv/bin/ruff", ".venv/bin/mypy", ".venv/bin/python"]
    assert "set -euo pipefail" in ci  # a failing step fails the run


def test_every_subpackage_and_the_bundled_data_are_packaged():
    """A wheel holds every folder of code under compliance/ (a hand list once missed
    compliance.catalogue.kinds) and the bundled rules and example returns."""
    from setuptools.config.setupcfg import read_configuration

    packages = set(read_configuration(ROOT / "setup.cfg")["options"]["packages"])
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "compliance").rglob("*.py")}
    assert code <= packages
    assert {"compliance.bundled_rules", "compliance.bundled_fixtures"} <= packages
    assert not any("__pycache__" in p for p in packages)
