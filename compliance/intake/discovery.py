"""Loading a self-assessment file: read safely, validate, and record what was read."""

from __future__ import annotations

from pathlib import Path

from compliance.domain.errors import InputError


INPUT_SUFFIXES = (".yaml", ".yml", ".json")


def input_files(paths: list[Path]) -> list[Path]:
    """Files as given, folders as their returns (not recursive), in a stable order."""
    from compliance.domain.errors import Problem

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in INPUT_SUFFIXES and f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(str(p), [Problem("no such file or folder")])
    return out
