"""-o never replaces what is not a regular file (issue 27, class 3).

Every writer goes through one writing layer (compliance.intake.files.write_atomic): a regular file
is replaced atomically, a character device or a FIFO is written where it stands, anything else is
refused with exit 2. Tested as root on PRIVATE nodes made in a temporary folder (a character device
with /dev/null's numbers 1,3): never the machine's own /dev/null.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "organisations" / "elm-tree-gp.yaml"
V1 = ROOT / "fixtures" / "organisations" / "northfield-acute.yaml"
ONE_RULE = ["--no-bundled", "--rules", str(ROOT / "rules" / "training")]

# Every command that takes -o FILE, as (name, arguments before -o). History export is given a store
# made in the test's folder.
WRITERS = {
    "assess": ["assess", *ONE_RULE, str(GOOD)],
    "assess xlsx": ["assess", *ONE_RULE, "-f", "xlsx", str(GOOD)],
    "screen": ["screen", "-j1", *ONE_RULE, str(GOOD)],
    "area": ["area", "NS1", str(ROOT / "fixtures" / "areas" / "northshire")],
    "init": ["init", "--type", "gp_practice"],
    "template": ["template", "--type", "gp_practice"],
    "migrate": ["migrate", str(V1)],
    "schema": ["schema"],
    "history export": ["history", "export", "--history", "{store}"],
}

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes needs root")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("history") / "h.sqlite"
    result = CliRunner().invoke(cli, ["assess", *ONE_RULE, str(GOOD), "--record", "--history", str(path)])
    assert result.exit_code in (0, 1), result.output
    return path


def _invoke(args: list[str], out: Path, store: Path):
    args = [a.replace("{store}", str(store)) for a in args]
    return CliRunner().invoke(cli, [*args, "-o", str(out)])


def _chardev(path: Path) -> Path:
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private null device, in a temporary folder
    return path


@root_only
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_character_device_is_written_to_never_replaced(tmp_path, writer, store):
    node = _chardev(tmp_path / "null")
    before = os.stat(node)
    result = _invoke(WRITERS[writer], node, store)
    assert result.exit_code in (0, 1), result.output
    after = os.lstat(node)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path, writer, store):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # the read end is open before the command runs (as `cmd -o pipe` beside a running reader), and
    # drained by a thread so a report larger than the pipe's buffer never blocks the writer
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    done, got = threading.Event(), bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                chunk = None
            if chunk:
                got.extend(chunk)
            elif done.is_set():
                # The writer has finished, but it may have written (and closed) after the empty read
                # above and before `done` was looked at: read what is left, up to the end of the pipe.
                while rest := os.read(fd, 1 << 16):
                    got.extend(rest)
                return
            else:
                time.sleep(0.005)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        result = _invoke(WRITERS[writer], fifo, store)
    finally:
        done.set()
        reader.join(10)
        os.close(fd)
    assert result.exit_code in (0, 1), result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert len(got) > 20


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path, writer, store):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = _invoke(WRITERS[writer], fifo, store)
    assert result.exit_code == 2 and "nothing is reading" in result.output and str(fifo) in result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@root_only
@pytest.mark.parametrize("writer", ["assess", "template", "history export"])
def test_a_block_device_and_a_socket_are_refused_and_left_alone(tmp_path, writer, store):
    # a block device numbered for local experimental use (240): it is never opened, only refused
    disk = tmp_path / "disk"
    os.mknod(disk, 0o600 | stat.S_IFBLK, os.makedev(240, 0))
    sock_path = tmp_path / "s"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for node, check, word in ((disk, stat.S_ISBLK, "block device"), (sock_path, stat.S_ISSOCK, "socket")):
            result = _invoke(WRITERS[writer], node, store)
            assert result.exit_code == 2 and word in result.output, result.output
            assert check(os.lstat(node).st_mode)
    finally:
        sock.close()


@root_only
def test_a_symlink_to_a_device_writes_to_the_device_and_keeps_the_link(tmp_path, store):
    node = _chardev(tmp_path / "null")
    link = tmp_path / "report.txt"
    link.symlink_to(node)
    result = _invoke(WRITERS["assess"], link, store)
    assert result.exit_code in (0, 1)
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_regular_file_is_still_replaced_atomically(tmp_path, store):
    out = tmp_path / "r.txt"
    out.write_text("old")
    os.chmod(out, 0o600)
    result = _invoke(WRITERS["assess"], out, store)
    assert result.exit_code in (0, 1) and "TRN-001" in out.read_text()


@root_only
@pytest.mark.parametrize("kind", ["chardev", "fifo", "file"])
def test_fixtures_generate_refuses_a_folder_that_is_not_one(tmp_path, kind):
    target = tmp_path / "out"
    if kind == "chardev":
        _chardev(target)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.write_text("x")
    mode = os.lstat(target).st_mode
    result = CliRunner().invoke(cli, ["fixtures", "generate", "--count", "1", "-o", str(target)])
    assert result.exit_code == 2 and ("not a folder" in result.output or "is a file" in result.output), result.output
    assert os.lstat(target).st_mode == mode


@pytest.mark.parametrize("where", ["under a file", "under /proc"])
def test_fixtures_generate_where_no_folder_can_be_made_is_the_users_error(tmp_path, where):
    (tmp_path / "f").write_text("x")
    target = tmp_path / "f" / "sub" if where == "under a file" else Path("/proc/self/no-such/sub")
    result = CliRunner().invoke(cli, ["fixtures", "generate", "--count", "1", "-o", str(target)])
    assert result.exit_code == 2 and "cannot make the folder" in result.output, result.output


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_read_only_file_is_refused_not_renamed_over(tmp_path, writer, store, monkeypatch):
    """Renaming needs only the folder's permission, so an atomic writer would replace a file its
    user made read-only (a shell's `>` refuses). As root permissions do not apply: the seam is
    os.access, which answers for the real user (the real-user run below checks the seam)."""
    out = tmp_path / "kept.out"
    out.write_text("KEEP")
    out.chmod(0o444)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if (Path(p) == out and mode & os.W_OK)
                        else real(p, mode, *a, **k))
    result = _invoke(WRITERS[writer], out, store)
    assert result.exit_code == 2, result.output
    assert "read-only" in result.stderr and str(out) in result.stderr and "Traceback" not in result.stderr
    assert out.read_text() == "KEEP" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.out"]


def test_a_read_only_file_is_refused_as_a_real_user(tmp_path):
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("no way to drop root's privileges here (setpriv)")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="sg-ro-out-"))
    try:
        folder.chmod(0o777)
        out = folder / "kept.json"
        out.write_text("KEEP")
        out.chmod(0o444)
        done = subprocess.run([*prefix, sys.executable, "-m", "compliance", "schema", "-o", str(out)], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "HOME": str(folder)}, cwd=folder)
        assert done.returncode == 2 and "read-only" in done.stderr, done.stderr
        assert out.read_text() == "KEEP"
    finally:
        shutil.rmtree(folder)
