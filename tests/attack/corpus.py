"""The attack corpus: malformed, hostile and careless inputs, each with the answer the CLI must give.

`build(root)` writes every file a case needs under ROOT and returns the cases; nothing is checked
in, so the corpus is always in step with the formats. Run it alone to look at the files:

    python tests/attack/corpus.py /tmp/corpus     # writes the files and prints one line per case

Each case names its class (the issue's headings), the command line, the exit code it must give
and a pattern for the location its message must carry: a line (and column), a field path, or for
file-system errors the file name itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"
RULE = ROOT / "rules" / "training" / "TRN-001.yaml"

DEEP = 5_000
HUGE = "9" * 5_000


@dataclass
class Case:
    name: str
    klass: str
    args: list[str]
    exit: list[int]
    where: str  # regex the message (stderr, or stdout for lint) must match
    cwd: str | None = None
    unchanged: dict[str, str] = field(default_factory=dict)  # files the command must not touch
    measure: bool = True  # under tracemalloc (slower): the cases whose point is refusing before building


def _good_yaml() -> str:
    return GOOD.read_text()


def _good_json() -> str:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(_good_yaml())
    return json.dumps(data, default=str, indent=1)


def build(root: Path) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    good = root / "good.yaml"
    good.write_text(_good_yaml())
    gj = _good_json()

    def write(name: str, text: str | bytes) -> Path:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        (p.write_bytes if isinstance(text, bytes) else p.write_text)(text)
        return p

    r = RULE.read_text()
    # One small rule (`quick`) keeps the engine's compile, which every assess does before reading
    # the return, out of the corpus's time; the reading layer is the same whatever the rules.
    one = root / "one-rule"
    write("one-rule/TRN-001.yaml", r)
    quick = ["--no-bundled", "--rules", str(one)]

    def ret(klass: str, name: str, text: str | bytes, where: str) -> None:
        cases.append(Case(name, klass, ["assess", *quick, str(write(name, text))], [2], where))

    def rule(klass: str, name: str, text: str, where: str, lint: bool = True) -> None:
        folder = root / f"rules-{name}"
        write(f"rules-{name}/TRN-001.yaml", text)
        cases.append(Case(f"{name} (assess --rules)", klass, ["assess", "--rules", str(folder), str(good)], [2], where))
        if lint:  # lint prints file:line:column: level: field: what (as compilers do)
            lint_where = where.replace(r"line \d+", r"(?:line \d+|\.yaml:\d+:\d+: \w+: )")
            cases.append(Case(f"{name} (rules lint)", klass, ["rules", "lint", str(folder)], [1, 2], lint_where))

    def profile(klass: str, name: str, text: str, where: str) -> None:
        p = write(f"{name}.yaml", text)
        cases.append(Case(name, klass, ["assess", "--profile", str(p), str(good)], [2], where))

    def weights(klass: str, name: str, text: str, where: str) -> None:
        p = write(f"{name}.yaml", text)
        cases.append(Case(name, klass, ["screen", "--weights", str(p), str(good)], [2], where))

    y = _good_yaml()
    r = RULE.read_text()
    line = r"line \d+"

    # --- impossible dates -------------------------------------------------------------------------
    ret("dates", "date-yaml.yaml", y.replace("last_inspection: 2023-09-21", "last_inspection: 2026-02-30"), r"line 11, column \d+")
    ret("dates", "date-month.yaml", y.replace("start: 2025-04-01", "start: 2025-13-01"), line)
    ret("dates", "datetime-hour.yaml", y.replace("last_inspection: 2023-09-21", "last_inspection: 2023-09-21T25:00:00"), line)
    ret("dates", "date-json.json", gj.replace('"2023-09-21"', '"2026-02-30"'), r"organisation\.last_inspection")
    profile("dates", "profile-expires", "name: Local waivers\ndisable:\n  TRN-001: {reason: agreed locally, expires: 2026-02-30}\n", line)
    rule("dates", "rule-source-date", r.replace("year: 2019, confidence: verified}", "year: 2019-02-30, confidence: verified}", 1), line)
    rule("dates", "rule-case-date", r.replace("    input: {}\n", "    input: {organisation: {last_inspection: 2026-02-31}}\n"), line)

    # --- deep nesting, aliases, sheer size ----------------------------------------------------------
    ret("nesting", "deep.yaml", "a: " + "[" * DEEP + "]" * DEEP + "\n", line)
    ret("nesting", "deep.json", '{"a": ' + "[" * DEEP + "]" * DEEP + "}", line)
    ret("nesting", "deep-map.yaml", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n", line)
    laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    ret("nesting", "laughs.yaml", "\n".join(laughs) + "\n", line)
    ret("nesting", "wide-flow.yaml", "a: [" + ",".join(["1"] * 300_000) + "]\n", line)
    ret("nesting", "wide.json", '{"a": [' + ",".join(["1"] * 300_000) + "]}", line)
    ret("nesting", "too-big.yaml", "# " + "x" * (2 * 1024 * 1024) + "\n", "bytes")
    rule("nesting", "rule-deep", r + "x: " + "[" * DEEP + "]" * DEEP + "\n", line)
    profile("nesting", "profile-deep", "name: deep one\nparameters: " + "[" * DEEP + "]" * DEEP + "\n", line)
    weights("nesting", "weights-deep", "severity: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", line)

    # --- numbers: length, NaN, infinity ------------------------------------------------------------
    ret("numbers", "bigint.yaml", y.replace("open_practice_reviews: 0", f"open_practice_reviews: {HUGE}"), line)
    ret("numbers", "bigint.json", gj.replace('"open_practice_reviews": 0', f'"open_practice_reviews": {HUGE}'), line)
    ret("numbers", "overflow.json", gj.replace('"open_practice_reviews": 0', '"open_practice_reviews": 1e999'), line)
    ret("numbers", "nan.json", gj.replace('"open_practice_reviews": 0', '"open_practice_reviews": NaN'), line)
    ret("numbers", "infinity.json", gj.replace('"open_practice_reviews": 0', '"open_practice_reviews": -Infinity'), line)
    ret("numbers", "inf.yaml", y.replace("open_practice_reviews: 0", "open_practice_reviews: .inf"), line)
    rule("numbers", "rule-nan-default", r.replace("threshold: {default: 90,", "threshold: {default: .nan,"), line)
    rule("numbers", "rule-huge-default", r.replace("threshold: {default: 90,", f"threshold: {{default: {HUGE},"), line)
    profile("numbers", "profile-inf", "name: Local values\nparameters:\n  TRN-001: {threshold: .inf}\n", line)
    profile("numbers", "profile-nan", "name: Local values\nparameters:\n  TRN-001: {threshold: .NaN}\n", line)
    profile("numbers", "profile-huge", f"name: Local values\nparameters:\n  TRN-001: {{threshold: {HUGE}}}\n", line)
    weights("numbers", "weights-nan", "severity: {high: .nan}\n", line)
    weights("numbers", "weights-huge", f"severity: {{high: {HUGE}}}\n", line)

    # --- strict types: true is not 1 ---------------------------------------------------------------
    profile("types", "profile-bool", "name: Local values\nparameters:\n  TRN-001: {threshold: true}\n", r"line 3.*TRN-001\.threshold")
    rule("types", "rule-bool-default", r.replace("threshold: {default: 90,", "threshold: {default: true,"), line)
    weights("types", "weights-bool", "severity: {high: true}\n", r"line 1.*severity\.high")
    weights("types", "weights-bool-limit", "context: {max_open_practice_reviews: false}\n", r"line 1.*context\.max_open_practice_reviews")
    ret("types", "count-bool.yaml", y.replace("open_practice_reviews: 0", "open_practice_reviews: true"), r"line \d+.*context\.open_practice_reviews")

    # --- text that is not text: control characters, keys, tags, encodings -------------------------
    ret("text", "nul.yaml", y.replace("Elm Tree Surgery", "Elm\x00Tree"), r"line \d+, column \d+")
    ret("text", "esc.yaml", y.replace("Elm Tree Surgery", "\x1b[31mElm"), r"line \d+, column \d+")
    ret("text", "esc-raw.json", gj.replace("Elm Tree Surgery", "\x1b[2J"), r"line \d+, column \d+")
    ret("text", "dup-key.json", gj.replace('"schema_version": "1",', '"schema_version": "1", "schema_version": "1",'), line)
    ret("text", "dup-key.yaml", y.replace('schema_version: "1"\n', 'schema_version: "1"\nschema_version: "1"\n'), line)
    ret("text", "int-key.yaml", y + "1: one\n", line)
    ret("text", "tag.yaml", y + "extra: !!python/object:os.system echo\n", line)
    ret("text", "latin1.yaml", y.replace("Elm Tree Surgery", "Elm Tr\u00e9e").encode("latin-1"), line)
    ret("text", "truncated.json", gj[: len(gj) // 2], line)
    rule("text", "rule-template", r.replace('met: "{in_date} of', 'met: "{nobody} of', 1), r"messages\.met")

    # --- rules that lint and assess must agree on --------------------------------------------------
    rule("rules", "rule-bad-path", r.replace('sum: "training.groups[].staff_in_post"', 'sum: "training.groups[].staff_on_mars"'), r"line \d+.*measures\.staff")
    rule("rules", "rule-unknown-name", r.replace("gte: [coverage, threshold]", "gte: [coverage, nobody]"), r"line \d+.*condition")

    # --- the file system -------------------------------------------------------------------------
    loop = root / "loop.yaml"
    if not os.path.lexists(loop):
        loop.symlink_to(loop.name)
    dangling = root / "dangling.yaml"
    if not os.path.lexists(dangling):
        dangling.symlink_to("nowhere.yaml")
    fifo = root / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    long_name = root / ("x" * 300 + ".yaml")
    (root / "folder.yaml").mkdir(exist_ok=True)
    fs = [("symlink loop", loop, "symlink loop"), ("dangling symlink", dangling, "does not exist"),
          ("fifo", fifo, "not a regular file"), ("long name", long_name, "too long"),
          ("through a file", good / "x.yaml", "is a file, not a folder"), ("device", Path("/dev/zero"), "not a regular file"),
          ("folder", root / "folder.yaml", "folder"), ("missing", root / "missing.yaml", "no such file")]
    for label, path, why in fs:
        cases.append(Case(f"assess {label}", "filesystem", ["assess", *quick, str(path)], [2], _file_pattern(path, why)))
    cases.append(Case("profile symlink loop", "filesystem", ["assess", "--profile", str(loop), str(good)], [2], _file_pattern(loop, "loop")))
    cases.append(Case("weights fifo", "filesystem", ["screen", "--weights", str(fifo), str(good)], [2], _file_pattern(fifo, "regular")))
    cases.append(Case("rules folder missing", "filesystem", ["assess", "--rules", str(root / "no-rules"), str(good)], [2], "no-rules"))
    for label, out, why in [("-o in a missing folder", root / "no-folder" / "r.txt", "does not exist"),
                            ("-o is a folder", root / "folder.yaml", "directory"),
                            ("-o name too long", root / ("o" * 300 + ".txt"), "too long"),
                            ("-o where nothing can be written", Path("/proc/self/report.txt"), "cannot write")]:
        cases.append(Case(label, "filesystem", ["assess", *quick, str(good), "-o", str(out)], [2], _file_pattern(out, why),
                          measure=False))

    # --- filters that match nothing --------------------------------------------------------------
    folder = ROOT / "fixtures" / "organisations"
    cases.append(Case("unknown local authority", "filters", ["screen", "-j1", *quick, "--local-authority", "XX999", str(folder)],
                      [2], r"--local-authority XX999.*riverside", measure=False))
    cases.append(Case("local authority in the wrong case", "filters", ["screen", "-j1", *quick, "--local-authority", "RIVERSIDE",
                      str(folder)], [2], r"did you mean riverside", measure=False))
    cases.append(Case("unknown organisation type", "filters", ["screen", "--org-type", "hospice", str(folder)], [2],
                      r"--org-type.*acute"))
    cases.append(Case("type not screened", "filters", ["screen", "-j1", *quick, "--org-type", "ambulance", str(folder)], [2],
                      r"--org-type ambulance.*types screened are", measure=False))

    # --- diff and hostile revisions --------------------------------------------------------------
    victim = write("victim.txt", "precious\n")
    for label, base in [("revision as an option", f"--output={victim}:rules"),
                        ("revision as --remote", "--remote=ssh://example.invalid/x:rules"),
                        ("revision naming a URL", "ssh://example.invalid/repo:rules"),
                        ("revision naming user@host", "git@example.invalid:rules")]:
        cases.append(Case(label, "diff", ["diff", "--base", base, "--head", str(ROOT / "rules"), str(good)], [2],
                          r"the revision", unchanged={str(victim): "precious\n"}, measure=False))
    repo = _repo_with_link(root / "linked-repo")
    if repo is not None:
        cases.append(Case("symlink inside the archive", "diff",
                          ["diff", "--base", "HEAD:rules", "--head", str(ROOT / "rules"), str(good)], [2],
                          r"rules/training/TRN-001\.yaml.*link", cwd=str(repo), measure=False))
    return cases


def _file_pattern(path: Path, why: str) -> str:
    import re

    return re.escape(str(path)[:60]) + ".*" + re.escape(why)


def _repo_with_link(repo: Path) -> Path | None:
    """A git repository whose rules folder holds a symlink pointing outside it."""
    if (repo / ".git").is_dir():
        return repo
    try:
        (repo / "rules" / "training").mkdir(parents=True, exist_ok=True)
        (repo / "rules" / "training" / "TRN-002.yaml").write_text((ROOT / "rules" / "training" / "TRN-002.yaml").read_text())
        (repo / "rules" / "training" / "TRN-001.yaml").symlink_to("/etc/passwd")
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
        for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "link"]):
            subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True, env=env)
    except (OSError, subprocess.CalledProcessError):
        return None
    return repo


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "attack-corpus")
    for c in build(out):
        print(json.dumps(asdict(c))[:200])
