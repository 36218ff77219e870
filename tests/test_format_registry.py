"""One registry lists every format once; the CLI's choices and the README's table come from it."""

from __future__ import annotations

import click
import pytest

from compliance import formats
from compliance.cli.main import cli
from conftest import ROOT


@pytest.mark.parametrize(("command", "subject"), [("assess", "assessment"), ("screen", "screening"), ("diff", "diff")])
def test_cli_format_choices_are_the_registry(command, subject):
    option = next(p for p in cli.commands[command].params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == formats.names(subject)
    assert option.default == formats.names(subject)[0]


def test_readme_format_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- formats: generated from compliance.formats.table() -->\n", "<!-- /formats -->"
    assert start in readme and end in readme
    assert readme.split(start, 1)[1].split(end, 1)[0] == formats.table()


def test_every_registered_renderer_exists():
    import importlib

    for f in formats.FORMATS.values():
        for target in f.renderers.values():
            module, function = target.split(":")
            assert callable(getattr(importlib.import_module(f"compliance.formats.{module}"), function)), target


def test_an_unknown_pairing_names_the_known_formats():
    with pytest.raises(ValueError, match="known: text, json, markdown"):
        formats.render("diff", "html", None)
