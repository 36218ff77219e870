"""Assembling an evaluator from rule folders and a profile: the one place every command and worker
does it, so a profile can never be forgotten by one of them."""

from __future__ import annotations

from pathlib import Path




def make_evaluator(folders: list[Path], profile: Path | None):
    """Load rules and profile, and compile once: the start of every command that evaluates."""
    from compliance.evaluation.evaluator import Evaluator
    from compliance.catalogue.profile import load_profile
    from compliance.catalogue.loading import load_rules

    ruleset = load_rules(folders)
    if profile is None:
        return Evaluator(ruleset), None
    loaded = load_profile(profile, ruleset)
    evaluator = Evaluator(ruleset, loaded.profile.parameters, loaded.waivers())
    return evaluator, loaded.record(evaluator.params)
