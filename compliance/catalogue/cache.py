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

        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", text)
    except OSError:
        pass  # a read-only home only costs speed


def cached_listing(folders: list[Path], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`safeguard rules list`'s rows without importing the rule model when no rule file changed.

    Listing rules is a lookup: it should start as fast as the command-line library itself, and
    importing pydantic and building the rule models costs more than that. The rows are cached under
    a hash of every rule file's path and bytes (and the tool's version); `build` (a full, validated
    load) runs on a miss, so an invalid rule is reported exactly as before and never cached.
    """
    from compliance import __version__
    from compliance.catalogue.files import BUNDLED_RULES, rule_files

    h = _hasher(f"listing\0{__version__}".encode(), digest_size=32)
    for folder in folders or [BUNDLED_RULES]:
        h.update(f"\0{folder}".encode())
        for path in rule_files(folder) if folder.is_dir() else []:
            h.update(f"\0{path}\0".encode())
            h.update(path.read_bytes())
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
