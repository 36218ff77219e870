"""What a reader is told must read as English whatever the return leaves out: a property over every
rule's messages with any mix of reported, unreported and partly known values."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from compliance.domain.ranges import MeasureResult, Range
from compliance.evaluation.messages import fill

VALUES = st.sampled_from([Range(), Range(0, None), Range(1, 1), Range(2, 2), Range(0, 5), Range(3, None), Range(0, 0)])
GARBLED = [
    (re.compile(r"\bnot reported (?!of\b|for\b|in\b|and\b|or\b|by\b|at\b|to\b|on\b|from\b|with\b)[a-z]"), "'not reported' used as a number"),
    (re.compile(r"\b(?<!at most )(?<!at least )1 (working days|days|months|hours|years|weeks)\b"), "'1' with a plural unit"),
    (re.compile(r"\ba (?:age|episode|alert|attendance|assessment|hour|interview|unreported)\b"), "'a' before a vowel"),
    (re.compile(r"\{|\}"), "a brace"),
    (re.compile(r"(?:^|[.!?] )[a-z]"), "a sentence starting in lower case"),
]


@given(st.data())
def test_every_message_reads_as_english_whatever_is_missing(ruleset, data):
    for rule in ruleset.rules:
        params = rule.parameter_values()
        results = {n: MeasureResult(data.draw(VALUES)) for n in rule.measures}
        for outcome, template in rule.messages:
            if template is None:
                continue
            text = fill(template, rule, results, params, None)
            for pattern, what in GARBLED:
                found = pattern.search(text)
                assert not found, f"{rule.id} {outcome}: {what} in {text!r}"
