"""Where a version of the rules comes from: a folder, or a folder at a git revision (`origin/main:rules`).

A revision is extracted with `git archive` into a temporary folder, so the working tree, the index
and the checked-out branch are never touched.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from compliance.domain.errors import Problem, RuleError


def is_revision(spec: str) -> bool:
    """`REV:PATH` that is not an existing folder (a Windows drive letter would be, so check the path first)."""
    return ":" in spec and not Path(spec).is_dir()


def resolve_rules(spec: str, workdir: Path, cwd: Path | None = None) -> Path:
    """The folder holding the rules named by SPEC; a revision is extracted under WORKDIR.

    The revision is checked before git sees it: a revision starting with `-` would be read as an
    option (`--output=FILE` truncates a file, `--remote=URL` runs ssh) and one naming a remote
    would fetch from it, so both are refused; it is resolved to a tree with `--end-of-options`
    and the path is passed after `--`. Links in the archive are refused: a rule folder is plain
    files, and a link could point the extraction anywhere.
    """
    if not is_revision(spec):
        return Path(spec)
    git = shutil.which("git")
    if git is None:
        raise RuleError(spec, [Problem("a REV:PATH rules version needs git, which is not installed (or not on PATH)")])
    rev, _, path = spec.partition(":")
    if not rev or not path:
        raise RuleError(spec, [Problem("expected a folder or REV:PATH, e.g. origin/main:rules or HEAD~1:rules")])
    bad = _bad_revision(rev)
    if bad:
        raise RuleError(spec, [Problem(f"the revision '{rev}' {bad}; give a branch, tag or commit of this repository "
                                       "(e.g. origin/main, HEAD~1, v1.2)")])
    if path.startswith("-") or "\0" in path:
        raise RuleError(spec, [Problem(f"the path '{path}' is not a folder of the repository")])
    top = subprocess.run([git, "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True)
    commit = subprocess.run([git, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                            cwd=cwd, capture_output=True)
    run = top if top.returncode != 0 else commit
    if run.returncode == 0:  # PATH is relative to the repository root, as in git's own REV:PATH
        run = subprocess.run([git, "archive", "--format=tar", commit.stdout.decode().strip(), "--", path.strip("/")],
                             cwd=top.stdout.decode().strip(), capture_output=True)
    if run.returncode != 0:
        why = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuleError(spec, [Problem(
            f"git cannot read revision '{rev}' path '{path}' ({why[-1] if why else 'no such revision'}); "
            "is this a git repository, has the revision been fetched (e.g. `git fetch origin main`), "
            "and is PATH a folder relative to the repository root?")])
    target = workdir / "rules"
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(run.stdout)) as tar:
        members = tar.getmembers()
        links = [m.name for m in members if m.issym() or m.islnk() or not (m.isfile() or m.isdir())]
        if links:
            raise RuleError(spec, [Problem(f"'{name}' is a link or special file, not a rule file", path=name)
                                   for name in links])
        tar.extractall(target, members=members, filter="data")
    folder = target / path.strip("/")
    if not folder.is_dir():
        raise RuleError(spec, [Problem(f"'{path}' is not a folder at revision '{rev}'")])
    return folder


# A URL (ssh://, https://), scp-like user@host, or the scheme left before the first ':' of a URL.
_REMOTE = re.compile(r"://|^[\w.+-]+@(?!\{)|^(?:ssh|git|https?|ftps?|file)$", re.IGNORECASE)


def _bad_revision(rev: str) -> str | None:
    if rev.startswith("-"):
        return "starts with '-' (git would read it as an option)"
    if _REMOTE.search(rev):
        return "names a remote repository (only this repository's own revisions are read)"
    if any(ord(c) < 32 or ord(c) == 127 for c in rev):
        return "contains control characters"
    return None
