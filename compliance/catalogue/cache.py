"""The one cache: each validated rule file (the rule with its line map), and what is built from a
catalogue (its compiled engine rulesets, `rules list`'s rows), kept in the platform's cache folder.

Every entry is keyed by a hash of the bytes it was made from and of the code that made it, so an
entry is only ever a copy of what the files say: a changed file, tool or model is a new key, and a
stale entry is simply never asked for again. Measured by `benchmarks/bench_cache.py` (ratios
against a start with no cache in the same run); see docs/performance.md.

Entries are pickles, because rebuilding a validated rule from JSON needs the rule model's
validator, and building that is most of what loading a catalogue costs. A pickle is code to
whoever can write it, so one is read only when this user owns it and its folder and nobody else
can write either, and only through an unpickler that rebuilds this package's types and a few
standard value types and nothing else.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

try:  # CPython's own BLAKE2: `import hashlib` loads OpenSSL first, 2-10 ms of a ~30 ms `rules list`
    from _blake2 import blake2b as _hasher
except ImportError:  # another Python
    from hashlib import blake2b as _hasher

# The code whose source shapes a cached value: the rule language and its loading, the models, the compiler.
_CODE = ("catalogue", "domain", "evaluation")


def cache_dir() -> Path | None:
    """Where entries are kept; SAFEGUARD_CACHE_DIR overrides, an empty value turns caching off."""
    configured = os.environ.get("SAFEGUARD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("safeguard", appauthor=False)) / "rules"


@lru_cache(maxsize=1)
def code_key() -> bytes:
    """A hash of this tool's version and of the source of every module a cached value depends on."""
    from compliance import __version__

    h = _hasher(f"{__version__}\0{sys.version_info[:2]}".encode(), digest_size=32)
    package = Path(__file__).parent.parent
    for folder in _CODE:
        for module in sorted((package / folder).rglob("*.py")):
            h.update(module.read_bytes())
    return h.digest()


def key(kind: str, *parts: str | bytes) -> str:
    """The key of an entry of `kind` made from `parts` (file bytes, paths, parameters) by this code."""
    h = _hasher(code_key(), digest_size=32)
    for part in parts:
        h.update(b"\0")
        h.update(part.encode() if isinstance(part, str) else part)
    return f"{kind}-{h.hexdigest()}"


_SAFE_GLOBALS = {("datetime", "date"), ("datetime", "datetime"), ("fractions", "Fraction"),
                 ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "Path")}


def _load_pickle(f: Any) -> Any:
    import pickle  # not at import: `rules list` starts without it

    class Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module.startswith("compliance.") or (module, name) in _SAFE_GLOBALS:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not a cached value type")

    return Unpickler(f).load()


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else (a shared cache folder is never trusted)."""
    getuid = getattr(os, "getuid", None)
    try:
        st = path.stat()
    except OSError:
        return False
    return (getuid is None or st.st_uid == getuid()) and not st.st_mode & 0o022


def get(name: str) -> Any | None:
    """What `put` kept under `name`, or None (a miss, a damaged or untrusted entry)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{name}.pickle"
    if not (_private(folder) and _private(path)):
        return None
    try:
        with path.open("rb") as f:
            return _load_pickle(f)
    except Exception:  # noqa: BLE001 - any damage, or an old layout, is a miss
        return None


def put(name: str, value: Any) -> None:
    """Keep a value for `get`: private to this user (0600 in a 0700 folder), replaced atomically."""
    import pickle
    import tempfile

    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{name}.pickle")
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a read-only home, or a value that does not pickle, only costs speed
