"""Hostile and careless inputs found in the last hunt over every command (issue 27, item 3), each
tested as its class."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

GOOD = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"
RULE = ROOT / "rules" / "training" / "TRN-001.yaml"
PROFILE_TEXT = "parameters:\n  TRN-001: {threshold: 85}\n  # caf\u00e9\n"

ENCODINGS = {
    "utf-16 with BOM": lambda t: t.encode("utf-16"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "latin-1": lambda t: t.replace("Level", "L\u00e9vel").replace("Elm", "\u00c9lm").replace("caf\u00e9", "caf\u00e9").encode("latin-1"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("reader", ["return yaml", "return json", "rule", "profile"])
def test_text_not_in_utf8_is_refused_with_how_to_save_it(run_cli, tmp_path, reader, encoding):
    """Notepad's "Unicode" is UTF-16; Excel and older editors save Windows-1252: each is refused with
    the file, the place and what to do, never read as garbage or an internal error."""
    import json

    from ruamel.yaml import YAML

    if reader == "return json":
        text = json.dumps(YAML(typ="safe").load(GOOD.read_text()), default=str, ensure_ascii=False)
        path, args = tmp_path / "r.json", ["assess", "{path}"]
    elif reader == "return yaml":
        text, path, args = GOOD.read_text(), tmp_path / "r.yaml", ["assess", "{path}"]
    elif reader == "rule":
        (tmp_path / "training").mkdir()
        text, path, args = RULE.read_text(), tmp_path / "training" / "TRN-001.yaml", ["rules", "lint", "{path}"]
    else:
        text, path, args = PROFILE_TEXT, tmp_path / "p.yaml", ["assess", str(GOOD), "--profile", "{path}"]
    data = ENCODINGS[encoding](text)
    path.write_bytes(data)
    code, out, err = run_cli(*[a.replace("{path}", str(path)) for a in args])
    message = err or out
    assert code == 2, message
    assert str(path) in message and "not UTF-8 text" in message and "save it as UTF-8" in message, message
    if encoding.startswith("utf-16"):
        assert "UTF-16" in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_record_extract_saved_as_utf16_is_refused_with_how_to_save_it(run_cli, tmp_path, encoding):
    """Excel's "Unicode Text" is UTF-16: it was refused as 'a NUL byte ... not a CSV text file'."""
    import shutil

    records = ROOT / "fixtures" / "records"
    folder = tmp_path / "recs"
    shutil.copytree(records / "brookside-acute", folder)
    csv = folder / "training.csv"
    csv.write_bytes(csv.read_text().encode(encoding))
    code, _, err = run_cli("assess", records / "brookside-acute.yaml", "--records", folder)
    assert code == 2 and str(csv.name) in err and "UTF-16" in err and "CSV UTF-8" in err and "row 1" in err, err


def _choice_options():
    """(command path, option flag, its choices) for every option of every command that takes one of a list."""
    import click

    from compliance.cli.main import cli

    out = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), [*path, name])
            return
        for p in cmd.params:
            if isinstance(p, click.Option) and isinstance(p.type, click.Choice):
                out.append((path, p.opts[-1], list(p.type.choices)))

    walk(cli, [])
    return out


CHOICES = _choice_options()


def test_every_command_with_a_choice_is_found():
    assert len(CHOICES) >= 15 and any(opts == "--fail-on" for _, opts, _ in CHOICES)


@pytest.mark.parametrize("path, flag, choices", CHOICES, ids=[" ".join(p) + " " + f for p, f, _ in CHOICES])
def test_a_huge_value_typed_for_a_choice_gives_a_short_message_that_still_lists_the_choices(run_cli, path, flag, choices):
    """click quoted the whole value: a 100,000-character value gave a 100 KB message."""
    code, out, err = run_cli(*path, f"{flag}={'x' * 100_000}\x1b[2J")
    assert code == 2 and len(out + err) < 2000, len(out + err)
    assert choices[-1] in err and "\x1b" not in err


@pytest.mark.parametrize("args", [["x" * 100_000], ["assess", "--" + "x" * 100_000], ["history", "x" * 100_000]])
def test_a_huge_command_or_option_name_gives_a_short_message(run_cli, args):
    code, out, err = run_cli(*args)
    assert code == 2 and len(out + err) < 2000, len(out + err)


@pytest.mark.parametrize("size", ["x", "-1", "99999999TB", "'; DROP TABLE t; --", "1GB; PRAGMA threads=1", "", "1e3GB",
                                  "GB", "1.5.5GB", "١GB"])
def test_a_memory_limit_duckdb_would_refuse_is_a_usage_error(run_cli, tmp_path, size):
    """DuckDB's own refusal of `--memory-limit x` reached the user as an internal error (exit 3)."""
    code, out, err = run_cli("records", "aggregate", tmp_path, "-o", tmp_path / "out", "--organisations",
                             tmp_path / "orgs.csv", "--start", "2025-04-01", "--end", "2026-03-31", "--memory-limit", size)
    assert code == 2 and "--memory-limit" in err and "internal error" not in err, err


@pytest.mark.parametrize("size", ["4GB", "512 MiB", "1.5gb", "100000KB"])
def test_a_memory_limit_duckdb_takes_is_taken(size):
    from compliance.cli.records import _memory

    assert _memory(None, None, size) == size.strip()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    from click.testing import CliRunner

    from compliance.cli.main import cli

    root = tmp_path_factory.mktemp("national")
    result = CliRunner().invoke(cli, ["records", "generate", "-o", str(root), "--scale", "0.0001", "--organisations", "2",
                                      "-f", "csv"])
    assert result.exit_code == 0, result.output
    return root


def _aggregate(run_cli, national, register, extracts=None, out=None):
    return run_cli("records", "aggregate", extracts or national / "extracts", "--organisations", register, "--start",
                   "2025-04-01", "--end", "2026-03-31", "-o", out or national.parent / "out")


@pytest.mark.parametrize("kind", ["fifo", "device link", "control character", "utf-16"])
def test_the_register_of_organisations_is_read_through_the_reading_layer(run_cli, national, tmp_path, kind):
    """The register was opened by name: a FIFO hung the run, /dev/zero was read for 20 MB."""
    import os

    register = tmp_path / "organisations.csv"
    text = (national / "organisations.csv").read_text()
    if kind == "fifo":
        os.mkfifo(register)
    elif kind == "device link":
        register.symlink_to("/dev/zero")
    elif kind == "control character":
        register.write_text(text.replace("National", "\x1b[2JNational", 1))
    else:
        register.write_bytes(text.encode("utf-16"))
    code, _, err = _aggregate(run_cli, national, register)
    assert code == 2 and str(register) in err and "internal error" not in err, err
    assert "\x1b" not in err


@pytest.mark.parametrize("header", ["a" * 300_000 + "\n1\n", '"' + "a" * 300_000 + "\n1\n", "x" * 2_000_000])
def test_a_national_extract_with_a_huge_header_is_refused_not_an_internal_error(run_cli, national, tmp_path, header):
    """csv's field limit (131,072 characters) was an internal error (exit 3)."""
    import shutil

    extracts = tmp_path / "extracts"
    shutil.copytree(national / "extracts", extracts)
    folder = next(p for p in sorted(extracts.rglob("org_code=*")) if p.is_dir())
    (folder / "big.csv").write_text(header)
    code, _, err = _aggregate(run_cli, national, national / "organisations.csv", extracts, tmp_path / "out")
    assert code == 2 and "big.csv" in err and "internal error" not in err and len(err) < 5000, err[:500]
