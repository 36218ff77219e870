"""The terminal report: fits the width it is given, shortens with an ellipsis instead of cutting a
word, colours only when asked, and --quiet prints the summary line alone."""

from __future__ import annotations

import pytest

from compliance.formats import Options, render


@pytest.fixture(scope="module")
def northfield(evaluator):
    from conftest import FIXTURES

    from compliance.app.assess import report_for
    from compliance.catalogue.loading import BUNDLED_RULES
    from compliance.intake.returns import load_assessment

    assessment, info = load_assessment(FIXTURES / "northfield-acute.yaml")
    return report_for(assessment, info, evaluator, [BUNDLED_RULES])


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_every_line_fits_the_width(northfield, width):
    out = render("assessment", "text", northfield, Options(verbose=True, width=width))
    assert max(len(line) for line in out.splitlines()) <= width
    assert "\x1b[" not in out


def test_long_titles_end_in_an_ellipsis_not_a_cut_word(northfield):
    out = render("assessment", "text", northfield, Options(width=60))
    heads = [line for line in out.splitlines() if line.startswith(("Met ", "Not applicable "))]
    assert heads and all(len(line) <= 60 for line in heads)
    cut = [line for line in heads if len(line) == 60]
    assert cut and all(line.endswith("…") for line in cut)
    titles = {f.title for f in northfield.findings}
    for line in heads:
        shown = line[32:]
        assert shown in titles or (shown.endswith("…") and any(t.startswith(shown[:-1]) for t in titles))


def test_messages_wrap_at_words(northfield):
    out = render("assessment", "text", northfield, Options(width=60))
    words = {w for f in northfield.findings for w in f.message.split()}
    body = [line.strip() for line in out.splitlines() if line.startswith(" " * 12)]
    assert all(set(line.split()) <= words | {w for f in northfield.findings for w in f.remediation.split()} | {"To", "do:"}
               for line in body)


def test_colour_only_when_asked(northfield):
    assert "\x1b[" in render("assessment", "text", northfield, Options(color=True))
    assert "\x1b[" not in render("assessment", "text", northfield, Options(color=False))


def test_quiet_is_one_summary_line(run_cli):
    from conftest import FIXTURES

    code, out, _ = run_cli("assess", FIXTURES / "northfield-acute.yaml", "--quiet", "--fail-on", "none")
    assert code == 0 and len(out.splitlines()) == 1
    assert out.startswith("Northfield Hospitals NHS Foundation Trust (RXN01): ") and "17 not met" in out


@pytest.mark.parametrize("env,flag,coloured", [({}, [], True), ({"NO_COLOR": "1"}, [], False), ({}, ["--no-color"], False)])
def test_no_color_and_the_flag_are_honoured_on_a_terminal(env, flag, coloured):
    """Run under a pseudo-terminal, where colour would otherwise be on."""
    import os
    import pty
    import subprocess
    import sys

    from conftest import FIXTURES

    main, child = pty.openpty()
    # Read while the report is written: a report longer than the terminal's buffer would otherwise
    # block the child until the timeout.
    proc = subprocess.Popen([sys.executable, "-m", "compliance", "assess", str(FIXTURES / "northfield-acute.yaml"),
                             "--fail-on", "none", *flag], stdout=child, stderr=subprocess.DEVNULL,
                            env={**{k: v for k, v in os.environ.items() if k != "NO_COLOR"}, **env, "COLUMNS": "100"})
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(main)
    out = b"".join(chunks).decode()
    assert proc.returncode == 0 and "Not met" in out
    assert ("\x1b[" in out) == coloured
    if not coloured:
        assert max(len(line) for line in out.replace("\r", "").splitlines()) <= 100


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_catalogue_of_one_rule_is_counted_in_the_singular(tmp_path, fmt):
    import shutil

    from click.testing import CliRunner
    from conftest import ROOT

    from compliance.cli.main import cli

    (tmp_path / "training").mkdir()
    shutil.copy(ROOT / "rules" / "training" / "TRN-001.yaml", tmp_path / "training")
    done = CliRunner().invoke(cli, ["assess", str(ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"),
                                    "--rules", str(tmp_path), "--no-bundled", "--fail-on", "none", "-f", fmt])
    assert done.exit_code == 0, done.output
    assert "(1 rule)" in done.output and "(1 rules)" not in done.output
