"""Threshold profiles: a commissioner's or trust's own parameter values and waivers.

A profile is validated against the rules in force before any organisation is assessed, so a typo
in a rule id or parameter stops the run with the file and line rather than silently applying the
national default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_core import PydanticCustomError

from compliance.intake.documents import read_document
from compliance.domain.errors import Problem, UserError
from compliance.domain.result import Waiver
from compliance.catalogue.schema import Name, ParamValue, RuleId, check_parameter_value
from compliance.domain.base import Strict
from compliance.catalogue.loading import RuleSet


class ProfileError(UserError):
    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="profile")


class Disable(Strict):
    reason: str = Field(min_length=3, max_length=500, description="Why the rule does not apply here.")
    expires: dt.date | None = Field(default=None, description="After this date the rule is evaluated again.")


class Profile(Strict):
    name: str = Field(min_length=3, max_length=200)
    parameters: dict[RuleId, dict[Name, ParamValue]] = Field(default_factory=dict)
    disable: dict[RuleId, Disable] = Field(default_factory=dict)


class LoadedProfile:
    def __init__(self, profile: Profile, path: Path, digest: str):
        self.profile = profile
        self.path = path
        self.digest = digest

    def waivers(self, today: dt.date | None = None) -> dict[str, Waiver]:
        today = today or dt.date.today()
        return {
            rid: Waiver(reason=d.reason, expires=d.expires, expired=d.expires is not None and d.expires < today)
            for rid, d in self.profile.disable.items()
        }

    def record(self, params_in_force: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """What the report says about the profile: which values and waivers were in force."""
        return {
            "name": self.profile.name,
            "path": str(self.path),
            "sha256": self.digest,
            "parameters": {rid: {k: params_in_force[rid][k] for k in vals}
                           for rid, vals in sorted(self.profile.parameters.items())},
            "disabled": {rid: d.model_dump(mode="json") for rid, d in sorted(self.profile.disable.items())},
        }


def load_profile(path: Path, ruleset: RuleSet) -> LoadedProfile:
    """Every problem of the profile at once, each with line and column, "did you mean" for rule ids
    and parameter names, and the choices there are."""
    from pydantic import ValidationError

    from compliance.catalogue.explain import explain, position, suggest

    doc = read_document(path, ProfileError, max_bytes=256 * 1024)
    problems = []
    try:
        profile = Profile.model_validate(doc.data)
    except ValidationError as e:
        problems = explain(Profile, e, doc)
        profile = None
    data = doc.data if isinstance(doc.data, dict) else {}
    flagged = {p.path for p in problems}
    for section in ("parameters", "disable"):
        entries: dict = data[section] if isinstance(data.get(section), dict) else {}
        for rid in entries:
            if rid not in ruleset.by_id and f"{section}.{rid}" not in flagged:
                hint = suggest(rid, ruleset.by_id) or "; `safeguard rules list` lists them"
                problems.append(Problem(f"no rule {rid} in the rules in force{hint}", f"{section}.{rid}",
                                        *position(doc, (section, rid)), code="unknown-name"))
    raw_params: dict = data["parameters"] if isinstance(data.get("parameters"), dict) else {}
    for rid, values in raw_params.items():
        rule = ruleset.by_id.get(rid)
        if rule is None or not isinstance(values, dict):
            continue
        for name, value in values.items():
            loc = ("parameters", rid, name)
            spec = rule.parameters.get(name)
            if spec is None:
                known = ", ".join(rule.parameters) or "none"
                problems.append(Problem(f"{rid} has no parameter '{name}'{suggest(name, rule.parameters)} (it has: "
                                        f"{known})", ".".join(loc), *position(doc, loc), code="unknown-name"))
                continue
            if ".".join(loc) in flagged:
                continue
            try:
                check_parameter_value(spec, value)
            except PydanticCustomError as e:
                problems.append(Problem(str(e), ".".join(loc), *position(doc, loc, value=True)))
    if problems or profile is None:
        raise ProfileError(str(path), sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return LoadedProfile(profile, path, hashlib.sha256(doc.text.encode()).hexdigest())
