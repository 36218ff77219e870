"""Finding the returns named on a command line: files, folders and globs, one routine for every command.

Every entry that looks like a return (by its suffix) is kept, even one that cannot be read (a
broken or looping symlink, a FIFO, a device): the reader then names it and why, so a screening
lists it instead of silently screening one organisation fewer. Symlinked folders are not
followed, so a link back up the tree cannot loop.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compliance.domain.errors import InputError, Problem
from compliance.intake.workbook_layout import OTHER_SPREADSHEETS, WORKBOOK_SUFFIXES
from compliance.intake.documents import os_reason

INPUT_SUFFIXES = (".yaml", ".yml", ".json") + WORKBOOK_SUFFIXES + tuple(OTHER_SPREADSHEETS)


def is_input(f: Path) -> bool:
    """A return by its name; Excel's lock files (~$name.xlsx, left while a workbook is open) are not."""
    return f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith("~$")


def _bundled_fixtures() -> Path:
    """fixtures/organisations in a source checkout or editable install; compliance/bundled_fixtures/
    in an installed wheel (in a checkout a symlink, resolved so paths read fixtures/...). Found from the package, never from the current folder, so a command that
    defaults to the example returns works wherever it is run."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "bundled_fixtures"
    return installed.resolve() if installed.is_dir() else package.parent / "fixtures" / "organisations"


BUNDLED_FIXTURES = _bundled_fixtures()


@dataclass(frozen=True)
class Unfound:
    """A command-line argument that names nothing to read, or a folder that cannot be listed."""

    given: str
    reason: str

    def error(self) -> InputError:
        return InputError(self.given, [Problem(self.reason)])


def discover(paths: Iterable[str | Path], recursive: bool = True) -> tuple[list[Path], list[Unfound]]:
    """Files as given, folders searched (recursively unless told), globs expanded; each file once,
    in a stable order; plus what could not be found or listed."""
    found: list[Path] = []
    unfound: list[Unfound] = []
    for raw in paths:
        given = str(raw)
        p = Path(given)
        if p.is_dir():
            found += _walk(p, recursive, unfound)
        elif os.path.lexists(given):
            found.append(p)  # a file, or something the reader will say it cannot read
        elif glob.has_magic(given):
            matches = sorted(Path(m) for m in glob.glob(given, recursive=True))
            files = [m for m in matches if not m.is_dir()]
            if not files:
                unfound.append(Unfound(given, "no file matches this pattern"))
            found += files
        else:
            unfound.append(Unfound(given, _missing_reason(given)))
    return list(dict.fromkeys(found)), unfound


def input_files(paths: list[Path], recursive: bool = True) -> list[Path]:
    """`discover` for commands that need every input: the first thing not found is the error."""
    files, unfound = discover(paths, recursive)
    if unfound:
        raise unfound[0].error()
    return files


def _missing_reason(given: str) -> str:
    try:
        os.stat(given)
    except OSError as e:
        reason = os_reason(e)
        return "no such file or folder" if reason == "no such file" else reason
    except ValueError:
        return "the name contains a NUL character"
    return "no such file or folder"


def _walk(folder: Path, recursive: bool, unfound: list[Unfound]) -> list[Path]:
    out: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        unfound.append(Unfound(str(folder), f"cannot list this folder: {os_reason(e)}"))
        return out
    for entry in entries:
        path = Path(entry.path)
        try:
            real_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            real_dir = False
        if real_dir:
            if recursive:
                out += _walk(path, recursive, unfound)
            continue
        if not is_input(path):
            continue
        out.append(path)
    return out
