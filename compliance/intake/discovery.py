"""Finding the returns a command was pointed at: files, folders (searched recursively) and globs.

One routine for every command, so `assess`-style commands and `screen` agree on what counts as a
return.
"""

from __future__ import annotations

import glob
from pathlib import Path

from compliance.domain.errors import InputError, Problem
from compliance.intake.workbook_layout import WORKBOOK_SUFFIXES

INPUT_SUFFIXES = (".yaml", ".yml", ".json") + WORKBOOK_SUFFIXES


def is_input(f: Path) -> bool:
    """A return by its name; Excel's lock files (~$name.xlsx, left while a workbook is open) are not."""
    return f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith("~$")


def _bundled_fixtures() -> Path:
    """fixtures/organisations in a source checkout or editable install; compliance/bundled_fixtures/
    in an installed wheel. Found from the package, never from the current folder, so a command that
    defaults to the example returns works wherever it is run."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "bundled_fixtures"
    return installed if installed.is_dir() else package.parent / "fixtures" / "organisations"


BUNDLED_FIXTURES = _bundled_fixtures()


def discover(paths: list[str] | list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files as given, folders searched recursively, globs expanded; each file once, in a stable order.

    Returns the files and, for each argument that named nothing, the argument and why.
    """
    found: list[Path] = []
    missing: list[tuple[str, str]] = []
    for arg in paths:
        raw = str(arg)
        p = Path(raw)
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if is_input(f) and f.is_file())
        elif p.exists():
            found.append(p)
        elif glob.has_magic(raw):
            files = [m for m in sorted(Path(m) for m in glob.glob(raw, recursive=True)) if m.is_file()]
            if not files:
                missing.append((raw, "no file matches this pattern"))
            found += files
        else:
            missing.append((raw, "no such file or folder"))
    return list(dict.fromkeys(found)), missing


def input_files(paths: list[Path]) -> list[Path]:
    """Like `discover`, for commands that must stop when an argument names nothing."""
    files, missing = discover(paths)
    if missing:
        raw, why = missing[0]
        raise InputError(raw, [Problem(why)])
    return files
