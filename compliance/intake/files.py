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


# The fixed time written into every workbook we make (document properties and zip entries), so the
# same input gives the same bytes and reports can be diffed.
FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def workbook_bytes(wb) -> bytes:
    """An openpyxl workbook as deterministic .xlsx bytes.

    openpyxl stamps the document's modified time with the clock and zip entries carry the time they
    were written; both are replaced with FIXED_TIME, and entries keep openpyxl's order.
    """
    import datetime as dt
    import io
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    fixed = dt.datetime(*FIXED_TIME)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "safeguard"
    wb.properties.lastModifiedBy = None
    first = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
