"""The one base every format model shares: unknown fields are errors and values never change after
validation, so a typo cannot silently drop data and a report cannot be edited after it is built."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
