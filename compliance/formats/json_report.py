"""JSON for tools: the result models are the format, so the JSON is their dump (and `safeguard schema`
prints their JSON Schema)."""

from __future__ import annotations

from pydantic import BaseModel

from compliance.formats import Options


def render_json(result: BaseModel, options: Options | None = None) -> str:
    return result.model_dump_json(indent=2) + "\n"
