"""Where a version of the rules comes from: a folder, or a folder at a git revision (`origin/main:rules`).

A revision is extracted with `git archive` into a temporary folder, so the working tree, the index
and the checked-out branch are never touched.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from compliance.domain.errors import Problem, RuleError


def is_revision(spec: str) -> bool:
    """`REV:PATH` that is not an existing folder (a Windows drive letter would be, so check the path first)."""
    return ":" in spec and not Path(spec).is_dir()


def resolve_rules(spec: str, workdir: Path, cwd: Path | None = None) -> Path:
    """The folder holding the rules named by SPEC; a revision is extracted under WORKDIR."""
    if not is_revision(spec):
        return Path(spec)
    git = shutil.which("git")
    if git is None:
        raise RuleError(spec, [Problem("a REV:PATH rules version needs git, which is not installed (or not on PATH)")])
    rev, _, path = spec.partition(":")
    if not rev or not path:
        raise RuleError(spec, [Problem("expected a folder or REV:PATH, e.g. origin/main:rules or HEAD~1:rules")])
    run = subprocess.run([git, "archive", "--format=tar", spec], cwd=cwd, capture_output=True)
    if run.returncode != 0:
        why = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuleError(spec, [Problem(
            f"git cannot read revision '{rev}' path '{path}' ({why[-1] if why else 'no reason given'}); "
            "is this a git repository, has the revision been fetched (e.g. `git fetch origin main`), "
            "and is PATH a folder relative to the repository root?")])
    target = workdir / "rules"
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(run.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target
