"""The parsed-rule cache: parsing YAML with line numbers costs ~10 ms a file, reading a cached
validated rule ~0.3 ms, and the cache key is the file's bytes, so it is only ever a copy."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # CPython's own BLAKE2: `import hashlib` loads OpenSSL first, 2-10 ms of a ~30 ms `rules list`
    from _blake2 import blake2b as _hasher
except ImportError:  # another Python
    from hashlib import blake2b as _hasher



def cache_dir() -> Path | None:
    """Where parsed rules are cached; SAFEGUARD_CACHE_DIR overrides, an empty value turns caching off."""
    configured = os.environ.get("SAFEGUARD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "safeguard" / "rules"


def _cache_get(key: str) -> str | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return (folder / f"{key}.json").read_text()
    except OSError:
        return None


def _cache_put(key: str, text: str) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        from compliance.intake.files import write_atomic

        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see get_object
        write_atomic(folder / f"{key}.json", text)
    except OSError:
        pass  # a read-only home only costs speed


# --- validated objects, kept as pickles -------------------------------------------------------------
#
# Reading a cached rule as JSON still needs the rule model's validator, and building it is most of
# what loading a catalogue costs (~100 ms of every start). A catalogue the tool itself validated
# is therefore also kept as a pickle. A pickle is code to whoever can write it, so one is read only
# when this user owns it and its folder and nobody else can write either, and only through an
# unpickler that rebuilds this package's models and a few standard value types and nothing else.

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


def get_object(key: str) -> Any | None:
    """What `put_object` kept under `key`, or None (a miss, a damaged or untrusted entry)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    if not (_private(folder) and _private(path)):
        return None
    try:
        with path.open("rb") as f:
            return _load_pickle(f)
    except Exception:  # noqa: BLE001 - any damage, or an old layout, is a miss
        return None


def put_object(key: str, value: Any) -> None:
    """Keep a validated value for `get_object`: private to this user (0600 in a 0700 folder)."""
    import pickle
    import tempfile

    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{key}.pickle")
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError):
        pass  # a read-only home only costs speed


def cached_listing(folders: list[Path], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`safeguard rules list`'s rows without importing the rule model when no rule file changed.

    Listing rules is a lookup: it should start as fast as the command-line library itself, and
    importing pydantic and building the rule models costs more than that. The rows are cached under
    a hash of every rule file's path and bytes (and the tool's version); `build` (a full, validated
    load) runs on a miss, so an invalid rule is reported exactly as before and never cached.
    """
    from compliance import __version__
    from compliance.catalogue.files import AREA_FOLDER, BUNDLED_RULES, rule_files
    from compliance.domain.errors import RuleError
    from compliance.intake.documents import read_bytes

    h = _hasher(f"listing-with-area-rules\0{__version__}".encode(), digest_size=32)
    for folder in folders or [BUNDLED_RULES]:
        h.update(f"\0{folder}".encode())
        area = sorted(p for p in (folder / AREA_FOLDER).glob("*.y*ml") if p.is_file()) if folder.is_dir() else []
        for path in (rule_files(folder) + area) if folder.is_dir() else []:
            h.update(f"\0{path}\0".encode())
            h.update(read_bytes(path, RuleError))  # bounded, regular files only: a refusal names the file
    key = "listing-" + h.hexdigest()
    cached = _cache_get(key)
    if cached is not None:
        try:
            listing = json.loads(cached)
            if isinstance(listing, dict) and all(isinstance(v, list) for v in listing.values()):
                return listing
        except ValueError:
            pass  # a damaged entry is a miss
    listing = build()
    _cache_put(key, json.dumps(listing))
    return listing
