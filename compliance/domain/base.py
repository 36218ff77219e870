"""The one base every format model shares: unknown fields are errors and values never change after
validation, so a typo cannot silently drop data and a report cannot be edited after it is built."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # Validators are built when a model is first used, not at import: a command pays only for the
    # models it uses (about 50 ms of `assess`'s start-up was building models it never touches).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
