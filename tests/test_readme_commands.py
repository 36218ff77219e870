"""Every `safeguard` command of the README runs, as written, in a test: each shell block on a fresh
temporary project (a copy of `fixtures/`, a `./rules` of one area, a git history for `diff`, the
rule cache and the history store in the temporary folder), in-process, in the README's order. Each
command's exit code and something it must say or write are pinned in EXPECTED, and EXPECTED names
exactly the README's commands: a new, changed or removed example fails here until its expectation
is written. The two set-up commands (they install the package) are the ones `.ci/run` runs."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT
from test_rule_authoring import _git

README = ROOT / "README.md"
R = "fixtures/organisations/northfield-acute.yaml"


@dataclass(frozen=True)
class Block:
    heading: str
    commands: tuple[str, ...]  # `safeguard ...` commands, continuation lines joined, comments removed


def _blocks() -> list[Block]:
    text = README.read_text()
    out = []
    for m in re.finditer(r"```sh\n(.*?)```", text, flags=re.S):
        heading = re.findall(r"^#+ (.+)$", text[:m.start()], flags=re.M)[-1]
        joined = re.sub(r"\\\n\s*", " ", m.group(1))
        commands = tuple(" ".join(line.split("#")[0].split()) for line in joined.splitlines())
        out.append(Block(heading, tuple(c for c in commands if c.startswith("safeguard "))))
    return out


SET_UP = "Set up"


@dataclass(frozen=True)
class Expect:
    """A command's exit code, text its output (stdout and stderr) must hold and must not hold, and
    files it writes, each with a check of its content."""

    code: int
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    writes: dict[str, Callable[[Path], object]] = field(default_factory=dict)


def _json_findings(n: int) -> Callable[[Path], bool]:
    return lambda path: len(json.loads(path.read_text())["findings"]) == n


def _junit(path: Path) -> bool:
    from lxml import etree

    root = etree.parse(str(path)).getroot()
    return root.tag == "testsuites" and len(root.findall(".//testcase")) == 40 and root.find(".//failure") is not None


def _zip_with(member: str) -> Callable[[Path], bool]:
    return lambda path: member in zipfile.ZipFile(path).namelist()


def _html_with(text: str) -> Callable[[Path], bool]:
    return lambda path: path.read_text().lstrip().lower().startswith("<!doctype html>") and text in path.read_text()


def _has(text: str) -> Callable[[Path], bool]:
    return lambda path: text in path.read_text()


def _sarif(path: Path) -> bool:
    from test_rule_authoring import assert_valid_sarif

    doc = json.loads(path.read_text())
    assert_valid_sarif(doc)
    return doc["runs"][0]["results"] == []


def _history_lines(path: Path) -> bool:
    runs = [json.loads(line) for line in path.read_text().splitlines()]
    return len(runs) == 41 and {r["org_id"] for r in runs} >= {"RXN01", "ZZP00001"}


NORTHFIELD = "Northfield Hospitals NHS Foundation Trust (RXN01, acute)"
EXPECTED: dict[str, Expect] = {
    # Assessing an organisation
    f"safeguard assess {R}": Expect(1, (NORTHFIELD, "(40 rules)", "Not met, by severity: 3 critical, 11 high")),
    f"safeguard assess {R} -v": Expect(1, (NORTHFIELD, "Services run in the settings that must have CP-IS: 4",
                                           "Source: NHS Standard Contract")),
    f"safeguard assess {R} --format json -o report.json": Expect(1, writes={"report.json": _json_findings(40)}),
    f"safeguard assess {R} --fail-on critical": Expect(1, (NORTHFIELD, "3 critical")),
    # The self-assessment format: the starter return is refused until its placeholder codes are replaced
    "safeguard init --type acute -o my-return.yaml": Expect(0, writes={"my-return.yaml": _has("CHANGE-ME")}),
    "safeguard assess my-return.yaml": Expect(2, ("my-return.yaml", "still the placeholder 'CHANGE-ME'"),
                                              never=("Traceback",)),
    # The workbook
    "safeguard template --type acute -o return.xlsx": Expect(0, ("wrote return.xlsx (acute template)",),
                                                            writes={"return.xlsx": _zip_with("xl/workbook.xml")}),
    f"safeguard template --type acute --from {R} -o return.xlsx": Expect(
        0, ("moved the period on by a year",), writes={"return.xlsx": _zip_with("xl/workbook.xml")}),
    'safeguard template --type acute --services "emergency department, maternity" -o return.xlsx': Expect(
        0, ("wrote return.xlsx (acute template)",), writes={"return.xlsx": _zip_with("xl/workbook.xml")}),
    "safeguard assess return.xlsx": Expect(1, (NORTHFIELD, "Period 2026-04-01 to 2027-03-31")),
    "safeguard screen fixtures/organisations/": Expect(1, ("Screened 5 organisations; 0 invalid file(s)",)),
    # Evidence from records
    "safeguard assess fixtures/records/brookside-acute.yaml --records fixtures/records/brookside-acute -v": Expect(
        1, ("(fictional; measured from records) (RXB01, acute)",)),
    "safeguard records generate -o national --scale 0.01 --organisations 10": Expect(
        0, ("for 10 organisations to national (period 2025-04-01 to 2026-03-31)",),
        writes={"national/organisations.csv": _has("XN009")}),
    "safeguard records aggregate national/extracts -o returns/ --organisations national/organisations.csv "
    "--start 2025-04-01 --end 2026-03-31": Expect(0, ("wrote 10 returns to returns",), writes={"returns/XN000.yaml": _has("XN000")}),
    "safeguard screen returns/": Expect(1, ("Screened 10 organisations; 0 invalid file(s)",)),
    # Reports in the frameworks people answer to
    f"safeguard assess {R} --by section11": Expect(1, ("By Section 11 standards (Children Act 2004)",
                                                       "A clear line of accountability for safeguarding")),
    f"safeguard assess {R} --by cqc-saf -f markdown": Expect(1, ("| Safe: Involving people to manage risks | RED",)),
    "safeguard screen fixtures/organisations/ -f html --by cqc-saf -o screening.html": Expect(
        1, writes={"screening.html": _html_with("Safe: Safeguarding")}),
    # Rule authors (./rules: the training rules)
    "safeguard rules list": Expect(0, ("ARE-001  area ", "TRN-001  org  high ")),
    "safeguard rules list --area training --severity high": Expect(0, ("TRN-001  org  high ",), never=("ALR-", "ARE-")),
    "safeguard rules show TRN-001": Expect(0, ("TRN-001: Level 1 safeguarding training is in date",)),
    "safeguard rules show ARE-001": Expect(0, ("ARE-001: One exploitation risk tool across the area's services",)),
    "safeguard rules test": Expect(0, ("6 rule files in rules: ", " passed, 0 failed")),
    "safeguard rules test --mutate": Expect(0, ("6 rule files in rules: ", "mutants killed (100.0%), 0 survived")),
    "safeguard rules lint": Expect(0, ("6 rule files in rules: 0 problems",)),
    "safeguard rules lint --format sarif -o rules.sarif": Expect(0, ("6 rule files in rules: 0 problems",),
                                                                writes={"rules.sarif": _sarif}),
    "safeguard rules new training": Expect(0, ("wrote rules/training/TRN-007.yaml",),
                                           writes={"rules/training/TRN-007.yaml": _has("id: TRN-007")}),
    "safeguard rules coverage": Expect(0, ("TRN-007",)),
    "safeguard snapshot check": Expect(1, ("note: snapshots made with the rules in ./rules (7 rule files in rules)",
                                           "+  TRN-007: {outcome: "), never=("-  ALR-001",)),
    "safeguard snapshot update": Expect(0, ("updated fixtures/expected/northfield-acute.yaml",),
                                        writes={"fixtures/expected/northfield-acute.yaml": _has("TRN-007")}),
    f"safeguard assess {R} --rules fixtures/local-rules/": Expect(1, ("(41 rules)", "TRN-101")),
    f"safeguard assess {R} --rules fixtures/local-rules/ --no-bundled": Expect(
        0, ("Only 2,730 of 2,900 staff (94.1%) are in date; the standard is 95%.",), never=("TRN-001",)),
    # Rule changes in CI (the last commit made TRN-001 critical)
    "safeguard diff --base origin/main:rules --head rules": Expect(0, ("rules: 0 added, 0 removed, 1 changed",)),
    "safeguard diff --base HEAD~1:rules --head rules fixtures/organisations/ --format markdown --fail-on-change": Expect(
        0, ("### safeguard diff `HEAD~1:rules` → `rules`", "TRN-001")),
    "safeguard diff --base HEAD~1:rules --head rules --fail-on-change any": Expect(1, ("1 changed",)),
    # Area assessment
    "safeguard area NS1 fixtures/areas/northshire": Expect(1, ("Area NS1: 3 organisation(s)", "ARE-001")),
    "safeguard area SV1 fixtures/areas/southvale --format html -o area.html": Expect(0, writes={"area.html": _html_with("SV1")}),
    # Reports
    f"safeguard assess {R} --format html -o report.html": Expect(1, writes={"report.html": _html_with("RXN01")}),
    f"safeguard assess {R} --format markdown -o board-paper.md": Expect(
        1, writes={"board-paper.md": _has("# Safeguarding children: Northfield Hospitals NHS Foundation Trust (RXN01)")}),
    f"safeguard assess {R} --format junit -o safeguard.xml": Expect(1, writes={"safeguard.xml": _junit}),
    f"safeguard assess {R} --format csv -o findings.csv": Expect(
        1, writes={"findings.csv": lambda p: len(p.read_text().splitlines()) == 41 and "RXN01,Northfield" in p.read_text()}),
    f"safeguard assess {R} --format xlsx -o findings.xlsx": Expect(1, writes={"findings.xlsx": _zip_with("xl/workbook.xml")}),
    "safeguard screen fixtures/organisations/ --format xlsx -o screening.xlsx": Expect(
        1, writes={"screening.xlsx": _zip_with("xl/workbook.xml")}),
    "safeguard assess return.xlsx --format docx -o board-paper.docx --history h.sqlite": Expect(
        1, writes={"board-paper.docx": _zip_with("word/document.xml")}),
    # History (SAFEGUARD_HISTORY points into the temporary project)
    "safeguard fixtures generate --count 20 --output demo/ --periods 3": Expect(
        0, ("wrote 60 returns to demo",), writes={"demo/2025-26/ZZP00001.json": _has("ZZP00001")}),
    "safeguard screen demo/2024-25/ --record": Expect(1, ("recorded 20 organisation(s)",)),
    "safeguard screen demo/2025-26/ --record": Expect(1, ("recorded 20 organisation(s)",)),
    f"safeguard assess {R} --record": Expect(1, ("recorded run ", "(RXN01 2025/26)")),
    "safeguard assess demo/2025-26/ZZP00001.json --record -f html -o report.html": Expect(
        1, ("(ZZP00001 2025/26, already recorded: now current)",), writes={"report.html": _html_with("ZZP00001")}),
    "safeguard history list": Expect(0, ("41 periods, 21 organisations",)),
    "safeguard history list ZZP00001": Expect(0, ("Recorded periods: ZZP00001", "2024/25", "2025/26")),
    "safeguard history show RUN": Expect(0, ("Run ",)),
    "safeguard history trend ZZP00001 --rule TRN-001": Expect(0, ("Trend: Quarrington Surgery (ZZP00001)",)),
    "safeguard history compare ZZP00001 --from 2024/25 --to 2025/26": Expect(
        0, ("Changes: Quarrington Surgery (ZZP00001), 2024/25 to 2025/26",)),
    "safeguard history prune --keep 5": Expect(0, ("deleted 0 runs",)),
    "safeguard history export > history.jsonl": Expect(0, writes={"history.jsonl": _history_lines}),
    "safeguard history where": Expect(0, ("history.sqlite",)),
    "safeguard history actions ZZP00001 --overdue": Expect(0, ("Action plans", "overdue on"), never=("Traceback",)),
    "safeguard assess demo/2025-26/ZZP00001.json --record --replace": Expect(1, ("recorded run ", "ZZP00001 2025/26")),
}


@pytest.fixture(scope="module")
def project_template(tmp_path_factory) -> Path:
    """A rule author's project, made once and copied for each block: the example returns and their
    snapshots, a ./rules of the training rules (snapshots made for it), and a git history whose
    last commit made TRN-001 critical (origin/main is the commit before)."""
    from click.testing import CliRunner

    from compliance.cli.main import cli

    folder = tmp_path_factory.mktemp("readme") / "project"
    shutil.copytree(ROOT / "fixtures", folder / "fixtures")
    shutil.copytree(ROOT / "rules" / "training", folder / "rules" / "training")
    update = ["snapshot", "update", "--fixtures", folder / "fixtures" / "organisations", "--rules", folder / "rules",
              "--no-bundled"]
    assert CliRunner().invoke(cli, list(map(str, update))).exit_code == 0
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "base")
    _git(folder, "update-ref", "refs/remotes/origin/main", "HEAD")
    trn = folder / "rules" / "training" / "TRN-001.yaml"
    trn.write_text(trn.read_text().replace("severity: high", "severity: critical", 1))
    assert CliRunner().invoke(cli, list(map(str, update))).exit_code == 0
    _git(folder, "commit", "-q", "-am", "TRN-001 critical")
    return folder


BLOCKS = [b for b in _blocks() if b.heading != SET_UP and b.commands]


def test_every_readme_command_has_its_expectation():
    """EXPECTED is the README's commands, no more and no fewer (a new or changed example needs one)."""
    written = {c for b in BLOCKS for c in b.commands}
    assert len(written) > 50
    assert written == set(EXPECTED), (sorted(written - set(EXPECTED)), sorted(set(EXPECTED) - written))
    assert SLOW <= {b.heading for b in BLOCKS}


def test_the_set_up_commands_are_what_ci_runs():
    """The two set-up commands install the package, so the suite does not run them; CI does, as
    written (the first with only the package's own dependencies, before the test extra is added)."""
    set_up = [b for b in _blocks() if b.heading == SET_UP]
    text = README.read_text()
    section = text[text.index("## " + SET_UP):text.index("\n## ", text.index("## " + SET_UP))]
    commands = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(commands) == len(set_up) == 2 and not any(b.commands for b in set_up)
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    install, tests = commands
    assert install in ci and tests in ci and ci.index(install) < ci.index(tests)
    assert install.endswith(f".venv/bin/safeguard assess {R} --fail-on none") and "[test]" not in install


# Blocks over about 5 s on a 2-core machine (screening, records, mutation testing, reports).
SLOW = {"Rule authors", "National extracts: every organisation in one run", "Reports", "History",
        "Reports in the frameworks people answer to"}


@pytest.mark.parametrize("block", [pytest.param(b, marks=[pytest.mark.slow] if b.heading in SLOW else [],
                                                id=f"{i}-{b.heading}") for i, b in enumerate(BLOCKS)])
def test_readme_block_runs_as_written(block: Block, project_template, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from compliance.cli.main import cli

    tmp_path = tmp_path / "project"
    shutil.copytree(project_template, tmp_path, symlinks=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAFEGUARD_HISTORY", str(tmp_path / "history.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    run_id = None
    for command in block.commands:
        words = shlex.split(command)[1:]
        redirect = None
        if ">" in words:
            words, redirect = words[:words.index(">")], words[words.index(">") + 1]
        if "RUN" in words:
            assert run_id, command
            words = [run_id if w == "RUN" else w for w in words]
        result = CliRunner().invoke(cli, words, catch_exceptions=False)
        said = result.stdout + result.stderr
        if redirect:
            (tmp_path / redirect).write_text(result.stdout)
        found = re.search(r"recorded run ([0-9a-f]{6,})", result.stderr)
        run_id = found.group(1) if found else run_id
        expect = EXPECTED[command]
        assert result.exit_code == expect.code, (command, result.exit_code, said[-3000:])
        for text in expect.says:
            assert text in said, (command, text, said[-3000:])
        for text in expect.never:
            assert text not in said, (command, text)
        for name, check in expect.writes.items():
            assert (tmp_path / name).is_file() and check(tmp_path / name), (command, name)
