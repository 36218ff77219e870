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
    absent: str | None = None  # regex the output must NOT match (content of a file that is not what it claims)
    max_chars: int | None = None  # the most the message may run to


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
    cases += _records_cases(root, quick)
    cases += _alias_cases(root, quick, good)
    cases += _disclosure_cases(root, quick)
    cases += _exit_cases(root, quick, good)
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


RECORDS = ROOT / "fixtures" / "records"
REC_RETURN = RECORDS / "brookside-acute.yaml"
TRAINING = (RECORDS / "brookside-acute" / "training.csv").read_text()


def _records_cases(root: Path, quick: list[str]) -> list[Case]:
    """Record extracts (issue 27 classes 2, 4, 5, 8): each a folder holding one hostile training extract."""
    import shutil

    cases: list[Case] = []
    base = root / "records"
    header, *rows = TRAINING.splitlines()

    def folder(name: str) -> Path:
        d = base / name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        return d

    def run(klass: str, name: str, d: Path, exit: list[int], where: str, **kw) -> None:
        cases.append(Case(name, klass, ["assess", *quick, str(REC_RETURN), "--records", str(d)], exit, where, **kw))

    def csv(klass: str, name: str, text: str | bytes, where: str, exit: tuple[int, ...] = (2,), file: str = "training.csv") -> None:
        d = folder(name)
        (d / file).write_bytes(text if isinstance(text, bytes) else text.encode())
        run(klass, name, d, list(exit), where)

    # --- class 2: what is not a regular file, or is far too large ------------------------------------
    d = folder("fifo")
    os.mkfifo(d / "training.csv")
    run("records-files", "extract fifo", d, [2], r"training\.csv.*not a regular file")
    d = folder("zero")
    (d / "training.csv").symlink_to("/dev/zero")
    run("records-files", "extract symlink to /dev/zero", d, [2], r"training\.csv.*not a regular file")
    d = folder("dangling")
    (d / "training.csv").symlink_to(d / "nowhere.csv")
    run("records-files", "extract dangling symlink", d, [2], r"training\.csv.*does not exist")
    d = folder("loop")
    (d / "training.csv").symlink_to("training.csv")
    run("records-files", "extract symlink loop", d, [2], r"training\.csv.*loop")
    d = folder("sparse-nul")
    with open(d / "training.csv", "wb") as f:
        f.truncate(1_000_000_000)  # 1 GB of NUL bytes, taking no disk
    run("records-files", "extract 1 GB sparse NULs", d, [2], r"training\.csv.*row 1.*NUL")
    d = folder("sparse-huge")
    with open(d / "training.csv", "wb") as f:
        f.truncate(3 << 30)
    run("records-files", "extract 3 GB sparse", d, [2], r"training\.csv.*at most")
    d = folder("fifo-in-folder")
    (d / "training").mkdir()
    (d / "training" / "a.csv").write_text(TRAINING)
    os.mkfifo(d / "training" / "b.csv")
    run("records-files", "fifo inside an extract folder", d, [2], r"b\.csv.*not a regular file")
    d = folder("bomb")
    _xlsx_bomb(d / "training.xlsx", 30 * 1024 * 1024)
    run("records-files", "xlsx extract zip bomb", d, [2], r"training\.xlsx.*zip bomb")
    d = folder("dir-named-csv")
    (d / "training.csv").mkdir()
    run("records-files", "folder named training.csv", d, [2], r"training\.csv.*not a known extract")

    # --- class 4: paths are paths, never patterns ------------------------------------------------------
    bad = header.replace("staff_group", "staff_grope") + "\n" + "\n".join(rows) + "\n"
    for pattern, sibling in (("recs[1]", "recs1"), ("recs*", "recsX"), ("rec?", "recs"), ("{a,b}", "a")):
        good_d, bad_d = base / "globs" / pattern, base / "globs" / sibling
        for d, text in ((good_d, TRAINING), (bad_d, bad)):
            d.mkdir(parents=True, exist_ok=True)
            (d / "training.csv").write_text(text)
        run("records-globs", f"records folder named {pattern}", good_d, [0, 1], "")
    d = folder("star-file")
    (d / "training").mkdir()
    (d / "training" / "a.csv").write_text(TRAINING)
    (d / "training" / "*.csv").write_text(bad)
    run("records-globs", "a file named *.csv in an extract folder", d, [2], r"\*\.csv.*row 1.*staff_grope")

    # --- class 8 (and 5): ordinary mistakes, exit 2 with the row --------------------------------------
    body = "\n".join(rows)
    csv("records-rows", "row too wide", header + "\n" + rows[0] + "\n" + rows[1] + ",extra\n" + body + "\n", r"row 3.*values where the header has 6")
    csv("records-rows", "row too narrow", header + "\n" + rows[0] + "\nS1,x\n" + body + "\n", r"row 3.*values where the header has 6")
    csv("records-rows", "unterminated quote", header + "\n" + rows[0] + '\n"S1,Nursing,,2,2025-01-01,\n' + body + "\n", r"row \d+.*never closed")
    cp = (header + "\n" + body + "\n") * 3 + "S9,Caf\u00e9 staff,,2,2025-01-01,\n"
    csv("records-rows", "cp1252 after the first 8 KB", cp.encode("cp1252"), r"row \d+.*not UTF-8")
    csv("records-rows", "duplicate header", header + ",level\n" + "\n".join(r + ",2" for r in rows) + "\n", r"row 1.*level.*more than once")
    csv("records-rows", "3 MB field", header + "\nS1," + "x" * 3_000_000 + ",,2,2025-01-01,\n", r"row 2.*longer than")
    csv("records-rows", "CSV renamed .xlsx", TRAINING, r"training\.xlsx.*not an Excel workbook", file="training.xlsx")
    csv("records-rows", "empty file", "", r"row 1.*not this extract's header")
    csv("records-rows", "header only", header + "\n", "", exit=[0, 1])
    csv("records-rows", "BOM and CRLF", ("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n"), "", exit=[0, 1])
    csv("records-rows", "a NUL in a row", header + "\n" + rows[0] + "\nS1,Nur\x00sing,,2,2025-01-01,\n", r"row 3.*NUL")
    csv("records-rows", "xls renamed", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, r"old-format Excel", file="training.xlsx")
    csv("records-rows", "binary junk as parquet", b"PAR1" + os.urandom(64) + b"PAR1", r"training\.parquet.*Parquet", file="training.parquet")
    d = folder("damaged-parquet")
    _damaged_parquet(d / "training.parquet")
    run("records-rows", "damaged parquet page", d, [2], r"training\.parquet.*Parquet")
    csv("records-rows", "ages and hours written oddly", "staff_ref,date,hours\nS1,2025-05-01,1e1\nS2,2025-05-01,0x10\n"
        "S3,2025-05-01,inf\nS4,2025-05-01,2.5\n", r"learning_log.*invalid", file="learning_log.csv")
    csv("records-rows", "too many bad rows", header + "\n" + "\n".join(r.replace(",2,", ",9,") for r in rows) + "\n",
        r"training.*--bad-rows")
    return cases


def _xlsx_bomb(path: Path, size: int) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>x</t></si>" * (size // 16) + b"</sst>")


def _damaged_parquet(path: Path) -> None:
    import duckdb

    csv_path = path.with_suffix(".tmp.csv")
    csv_path.write_text(TRAINING)
    duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{path}' (FORMAT parquet)")
    csv_path.unlink()
    data = bytearray(path.read_bytes())
    for i in range(60, len(data) // 2, 7):  # the pages, not the footer: the file opens, its data does not
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _alias_cases(root: Path, quick: list[str], good: Path) -> list[Case]:
    """Class 1: an alias inside the value it names, in every YAML reader (returns, rules, profiles, weights)."""
    cases: list[Case] = []
    y = _good_yaml()
    r = RULE.read_text()
    loops = {"seq": "loop: &l [*l]\n", "map": "loop: &m {a: *m}\n", "nested": "loop: &o {a: [1, {b: *o}]}\n",
             "block": "loop: &b\n  - x\n  - *b\n", "merge": "loop: &g {a: 1, <<: *g}\n",
             "inner": "loop: &o [&i [*o]]\n"}
    where = r"(line \d+, column \d+|:\d+:\d+): (error: )?the alias"  # a message, or lint's file:line:col
    for label, text in loops.items():
        for kind, name, args in (
                ("return", f"alias-{label}.yaml", lambda p: ["assess", *quick, str(p)]),
                ("profile", f"alias-profile-{label}.yaml", lambda p: ["assess", "--profile", str(p), str(good)]),
                ("weights", f"alias-weights-{label}.yaml", lambda p: ["screen", "--weights", str(p), str(good)])):
            p = root / name
            p.write_text((y if kind == "return" else "name: loop\n" if kind == "profile" else "") + text)
            cases.append(Case(f"recursive alias ({label}) in a {kind}", "aliases", args(p), [2], where))
        folder = root / f"rules-alias-{label}"
        folder.mkdir(exist_ok=True)
        (folder / "TRN-001.yaml").write_text(r + text)
        cases.append(Case(f"recursive alias ({label}) in a rule", "aliases", ["assess", "--rules", str(folder), str(good)], [2], where))
        cases.append(Case(f"recursive alias ({label}) in a rule (lint)", "aliases", ["rules", "lint", str(folder)], [1, 2], where))
    return cases


def _disclosure_cases(root: Path, quick: list[str]) -> list[Case]:
    """Class 12: a file that is not what it claims has none of its content in the message; ids are cut short."""
    import shutil

    cases: list[Case] = []
    d = root / "records" / "passwd"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    (d / "training.csv").symlink_to("/etc/passwd")
    cases.append(Case("training.csv -> /etc/passwd", "disclosure", ["assess", *quick, str(REC_RETURN), "--records", str(d)],
                      [2], r"training\.csv.*not this extract's header", absent=r"root:|/bin/"))
    cases.append(Case("rules show on /etc/passwd", "disclosure", ["rules", "show", "TRN-001", "/etc/passwd"], [2],
                      r"passwd", absent=r"root:|/bin/"))
    cases.append(Case("rules show with a 100,000-character id", "disclosure", ["rules", "show", "X" * 100_000], [2],
                      r"no rule", max_chars=2000))
    cases.append(Case("assess with a 100,000-character --rules path", "disclosure",
                      ["assess", "--rules", str(root / ("r" * 100_000)), str(REC_RETURN)], [2], r"rrrr", max_chars=2000))
    return cases


def _exit_cases(root: Path, quick: list[str], good: Path) -> list[Case]:
    """Classes 3 and 9: outputs that are not files, history stores that are not stores, numbers out of range."""
    import sqlite3
    import stat as stat_

    from click.testing import CliRunner

    from compliance.cli.main import cli

    cases: list[Case] = []
    store = root / "history.sqlite"
    if not store.exists():
        CliRunner().invoke(cli, ["assess", *quick, str(good), "--record", "--history", str(store)])
    damaged = root / "damaged.sqlite"
    damaged.write_bytes(store.read_bytes())
    conn = sqlite3.connect(damaged)
    conn.execute("PRAGMA journal_mode = delete")
    conn.execute("UPDATE findings SET outcome = 'maybe'")
    conn.commit()
    conn.close()
    fifo = root / "out-fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    zero = root / "zero-link"
    if not os.path.lexists(zero):
        zero.symlink_to("/dev/zero")
    h = ["--history"]
    for label, args, where in [
            ("history export of a damaged store", ["history", "export", *h, str(damaged)], r"damaged"),
            ("history trend of a damaged store", ["history", "trend", "P81042", *h, str(damaged)], r"damaged"),
            ("history prune --keep 10**20", ["history", "prune", "--keep", "9" * 20, *h, str(store)], r"--keep"),
            ("history show %%%%%%", ["history", "show", "%%%%%%", *h, str(store)], r"no run %%%%%%"),
            ("history show ______", ["history", "show", "______", *h, str(store)], r"no run ______"),
            ("history store is a FIFO", ["history", "list", *h, str(fifo)], r"pipe, device or socket"),
            ("history store is a device", ["history", "list", *h, str(zero)], r"pipe, device or socket"),
            ("-o a FIFO nothing reads", ["assess", *quick, str(good), "-o", str(fifo)], r"nothing is reading"),
            ("fixtures generate under a file", ["fixtures", "generate", "--count", "1", "-o", str(good / "sub")],
             r"cannot make the folder"),
            ("fixtures generate over a FIFO", ["fixtures", "generate", "--count", "1", "-o", str(fifo)], r"not a folder"),
            ("--bad-rows nan", ["assess", str(REC_RETURN), "--records", str(RECORDS / "brookside-acute"), "--bad-rows", "nan"],
             r"--bad-rows"),
            ("a NUL in a path", ["assess", "--rules", "a\x00b", str(good)], r"NUL")]:
        cases.append(Case(label, "exits", args, [2], where, measure=False))
    if os.geteuid() == 0:  # a private null device, made here: never the machine's own
        null = root / "null"
        if not os.path.lexists(null):
            os.mknod(null, 0o666 | stat_.S_IFCHR, os.makedev(1, 3))
        cases.append(Case("fixtures generate -o a device", "exits", ["fixtures", "generate", "--count", "1", "-o", str(null)],
                          [2], r"character device, not a folder", measure=False))
        cases.append(Case("assess -o a device", "exits", ["assess", *quick, str(good), "-o", str(null)], [0, 1], "",
                          measure=False))
    return cases
