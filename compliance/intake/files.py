"""Writing outputs so that a failed or interrupted run never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from compliance.domain.errors import Problem, UserError


class OutputError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="output")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write beside the target, flush to disk, then rename over it in one step."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(str(path), [Problem(f"the folder {folder} does not exist")])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
