"""Writing outputs so that a failed or interrupted run never leaves a half-written file."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from typing import Any
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
    """Write an output: a regular file (or a new name) atomically, anything else directly or not at all.

    A regular file is written beside the target, flushed to disk, then renamed over it in one step,
    so a failed or interrupted run never leaves half a report. A name that is not a regular file is
    never renamed over: renaming over `/dev/null` as root replaces the machine's null device with a
    file. A character device (a terminal, /dev/null, /dev/stdout) or a FIFO is opened and written
    as it stands; a FIFO nobody is reading, a block device, a socket or anything else is refused.

    An existing file the user may not write (read-only) is refused rather than renamed over, as a
    shell's `>` would refuse it: renaming needs only the folder's permission.

    The new file gets the mode any other program's new file would (0666 less the umask): mkstemp's
    private 0600 would hide a shared report from the team that reads it. Anything the file system
    refuses (no such folder, no permission, a name too long, a folder in the way) is the user's
    error naming the file, never a traceback. `content` may be pieces of text (a large report
    rendered as it is written, never held whole).
    """
    pieces = [content] if isinstance(content, (str, bytes)) else content
    folder = path.parent if str(path.parent) else Path(".")
    try:
        st = _stat(path)
        if st is not None and not stat.S_ISREG(st.st_mode):
            return _write_special(path, st.st_mode, pieces)
        if st is not None and not os.access(path, os.W_OK):  # a rename would replace it all the same
            raise OutputError(str(path), [Problem("the file is read-only, so it was not replaced: make it writable "
                                                  "or give another name")])
        if not folder.is_dir():
            raise OutputError(str(path), [Problem(f"the folder {folder} does not exist")])
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
        st = _stat(path)  # again, just before the rename: a node made meanwhile is not renamed over either
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise OutputError(str(path), [Problem(f"{_KIND.get(stat.S_IFMT(st.st_mode), 'not a regular file')} "
                                                  "appeared at this name while the report was written; not replaced")])
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError):
            raise OutputError(str(path), [Problem(f"cannot write: {os_reason(e)}")]) from None
        raise


def make_folder(folder: Path) -> None:
    """An output folder, made if missing (parents too); anything in the way is the user's error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        st = _stat(folder)
        what = _KIND.get(stat.S_IFMT(st.st_mode), "a file") if st is not None else "something"
        raise OutputError(str(folder), [Problem(f"is {what}, not a folder: give a folder to write into")]) from None
    except OSError as e:
        raise OutputError(str(folder), [Problem(f"cannot make the folder: {os_reason(e)}")]) from None


_KIND = {stat.S_IFCHR: "a character device", stat.S_IFIFO: "a pipe (FIFO)", stat.S_IFBLK: "a block device (a disk)",
         stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def _stat(path: Path) -> os.stat_result | None:
    """What stands at the name (through symlinks), None when nothing does."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except ValueError:  # a NUL in the name
        raise OutputError(str(path), [Problem("cannot write: the name contains a NUL character")]) from None


def _write_special(path: Path, mode: int, pieces: Iterable[str | bytes]) -> None:
    """A character device or a FIFO, written where it stands (never truncated, renamed or fsynced)."""
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFDIR:
        raise OutputError(str(path), [Problem("is a folder (a directory); give a file name")])
    if kind not in (stat.S_IFCHR, stat.S_IFIFO):
        raise OutputError(str(path), [Problem(f"is {_KIND.get(kind, 'not a regular file')}, not a file: "
                                              "reports are written only to files, terminals and pipes")])
    try:
        # Non-blocking open: a FIFO nobody reads fails at once (ENXIO) instead of hanging the run.
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise OutputError(str(path), [Problem("is a pipe (FIFO) that nothing is reading; start its reader first")]) from None
        raise OutputError(str(path), [Problem(f"cannot write: {os_reason(e)}")]) from None
    try:
        os.set_blocking(fd, True)  # the reader sets the pace from here on
        fstat = os.fstat(fd)
        if stat.S_IFMT(fstat.st_mode) != kind:  # swapped between the look and the open
            raise OutputError(str(path), [Problem("changed while it was being opened; not written")])
        with os.fdopen(fd, "wb", closefd=False) as f:
            for piece in pieces:
                f.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise OutputError(str(path), [Problem("the pipe's reader stopped before the report was written")]) from None
        raise OutputError(str(path), [Problem(f"cannot write: {os_reason(e)}")]) from None
    finally:
        os.close(fd)


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
    return fixed_time_zip(first)


def fixed_time_zip(first: Any) -> bytes:
    """A zip (an Office document) rewritten with every entry's time fixed at FIXED_TIME, in its own
    order: the same report gives the same bytes (xlsx and docx alike)."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(first) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
