"""The registry of measure kinds: one class per kind, each owning its shape, arithmetic and words.

`KINDS` maps a rule file's key (`sum`, `percent`, ...) to its kind; `kind_of(measure)` is how every
other module reaches a measure's behaviour, so none of them dispatches on a kind's name.
"""

from __future__ import annotations

from compliance.catalogue.kinds import each, lists, shares, values  # noqa: F401  (registers the kinds)
from compliance.catalogue.kinds.base import Kind, kind_of, measure_label


KINDS: dict[str, Kind] = Kind.REGISTRY
# Keys that go with some kinds only, each with the kinds it goes with.
EXTRAS: dict[str, tuple[str, ...]] = {}
for _kind in KINDS.values():
    for _extra in sorted(_kind.extras):
        EXTRAS.setdefault(_extra, ())
        EXTRAS[_extra] += (_kind.name,)


__all__ = ["KINDS", "EXTRAS", "Kind", "kind_of", "measure_label"]
