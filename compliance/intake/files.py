"""Writing outputs so that a failed or interrupted run never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from compliance.domain.errors import Problem, UserError
from compliance.intake.documents import os_reason


class OutputError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="output")


def _umask() -> int:
    """The process umask (reading it means setting it; set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write beside the target, flush to disk, then rename over it in one step.

    The file gets the mode any other program's new file would (0666 less the umask): mkstemp's
    private 0600 would hide a shared report from the team that reads it. Anything the file system
    refuses (no such folder, no permission, a name too long, a folder in the way) is the user's
    error naming the file, never a traceback. `content` may be pieces of text (a large report
    rendered as it is written, never held whole).
    """
    pieces = [content] if isinstance(content, (str, bytes)) else content
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if not folder.is_dir():
            raise OutputError(str(path), [Problem(f"the folder {folder} does not exist")])
        if path.is_dir():
            raise OutputError(str(path), [Problem("is a folder; give a file name")])
    except OSError as e:
        raise OutputError(str(path), [Problem(f"cannot write: {os_reason(e)}")]) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputError(str(path), [Problem(f"cannot write here: {os_reason(e)}")]) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            for piece in pieces:
                f.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise OutputError(str(path), [Problem(f"cannot write: {os_reason(e)}")]) from None
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
