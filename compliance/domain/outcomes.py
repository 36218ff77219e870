"""The rule format (rule files are data) and loading a catalogue of rule files.

A rule file is YAML validated against `Rule`. It declares *measures* (aggregates over paths of the
self-assessment, computed in Python by `measures.py`), optional *gates* that put an organisation out
of scope, and a *condition* over the measures. `compiler.py` turns gates and condition into
durable-rules rulesets; nothing in a rule file is ever executed as code.
"""

from __future__ import annotations

from enum import Enum




class Severity(str, Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"

    @property
    def rank(self) -> int:
        return {"critical": 4, "high": 3, "medium": 2, "low": 1}[self.value]


class KeyQuestion(str, Enum):
    safe = "safe"
    effective = "effective"
    caring = "caring"
    responsive = "responsive"
    well_led = "well-led"


class Outcome(str, Enum):
    met = "met"
    not_met = "not_met"
    insufficient_evidence = "insufficient_evidence"
    not_applicable = "not_applicable"
    waived = "waived"
