"""The attack corpus (corpus.py): every hostile or careless input exits as it must, with a location.

The corpus runs once, in a subprocess (runner.py), so each case's memory can be measured with
tracemalloc apart from pytest's own; the bounds are generous (a refusal must not build the
document it refuses), never tight timings.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

HERE = Path(__file__).resolve().parent
CLASSES = ["dates", "nesting", "numbers", "types", "text", "rules", "filesystem", "filters", "diff",
           "aliases", "records-files", "records-globs", "records-rows", "disclosure", "exits"]
PEAK_BYTES = 64 * 1024 * 1024  # a refused 2 MB document built in full would take several hundred MB
CPU_SECONDS = 20.0  # per case, under tracemalloc (which slows Python several times); typical is < 0.5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("attack")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run = subprocess.run([sys.executable, str(HERE / "runner.py"), str(root / "corpus")], capture_output=True,
                         text=True, timeout=300, cwd=root, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert run.returncode == 0, run.stderr[-3000:]
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return results, max(rss_kb, before)


def _failures(case: dict) -> list[str]:
    out = []
    message = case["stderr"] + case["stdout"]
    if case["code"] not in case["exit"]:
        out.append(f"exit {case['code']}, expected {case['exit']}")
    if case["escaped"] or "Traceback" in message:
        out.append(f"a traceback or exception escaped: {case['escaped']}")
    if case["code"] == 2 and not re.search(case["where"], message, re.S):
        out.append(f"no location matching {case['where']!r}")
    if case["peak_bytes"] > PEAK_BYTES:
        out.append(f"peak memory {case['peak_bytes'] / 1e6:.0f} MB")
    if case["cpu_s"] > CPU_SECONDS:
        out.append(f"{case['cpu_s']:.1f} CPU s")
    if case.get("absent") and re.search(case["absent"], message):
        out.append(f"the message shows what it must not: {case['absent']!r}")
    if case.get("max_chars") and case["chars"] > case["max_chars"]:
        out.append(f"a message of {case['chars']:,} characters")
    if not all(case["untouched"].values()):
        out.append(f"changed a file it must not touch: {case['untouched']}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("klass", CLASSES)
def test_every_case_of_the_class_exits_as_stated_with_a_location(corpus, klass):
    results, _ = corpus
    mine = [c for c in results if c["klass"] == klass]
    assert mine, f"no {klass} cases ran"
    bad = {c["name"]: _failures(c) + [(c["stderr"] + c["stdout"])[:300]] for c in mine if _failures(c)}
    assert not bad, json.dumps(bad, indent=1)


@pytest.mark.slow
def test_the_corpus_covers_every_class_and_stays_small_in_memory(corpus):
    results, rss_kb = corpus
    counts = Counter(c["klass"] for c in results)
    print("attack corpus cases per class:", dict(sorted(counts.items())))
    assert set(counts) == set(CLASSES) and sum(counts.values()) >= 70
    assert rss_kb < 600 * 1024, f"the corpus runner peaked at {rss_kb / 1024:.0f} MB resident"


def test_lint_and_assess_agree_on_every_rule_case(corpus):
    """What lint passes never crashes assess: each bad local rule is refused by both."""
    results, _ = corpus
    by_rule: dict[str, dict[str, int]] = {}
    for c in results:
        m = re.match(r"(.*) \((assess --rules|rules lint)\)$", c["name"])
        if m:
            by_rule.setdefault(m[1], {})[m[2]] = c["code"]
    assert by_rule and all(v.get("rules lint") in (1, 2) and v.get("assess --rules") == 2 for v in by_rule.values()), by_rule


# --- fuzzing the reading layer: nothing but a located user error ever comes out --------------------

GOOD = (HERE.parent.parent / "fixtures" / "organisations" / "elm-tree-gp.yaml").read_text()
NASTY = st.sampled_from(["[", "]", "{", "}", ":", "- ", "&a ", "*a", "!!", "!x ", "\x00", "\x1b", '"', "'", "\n",
                         "\t", "9" * 50, ".nan", "-.inf", "2026-02-30", "1e999", "NaN", "Infinity", "? ", "|", ">",
                         "%YAML 1.1\n", "---\n", "...\n", "\ufeff", "\udc80", "\u2028"])


@st.composite
def mutated(draw):
    text = draw(st.sampled_from([GOOD, json.dumps({"schema_version": "1", "organisation": {"id": "X", "a": [1, 2]}})]))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(NASTY, st.text(max_size=8))) + text[at:]
    return text, draw(st.sampled_from([".yaml", ".json"]))


@given(mutated())
def test_any_mutation_of_a_return_is_read_or_refused_with_a_place(tmp_path_factory, case):
    from compliance.domain.errors import UserError
    from compliance.intake.returns import load_assessment

    text, suffix = case
    path = tmp_path_factory.mktemp("fuzz") / f"r{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_assessment(path)
    except UserError as e:
        assert e.problems and str(path) in str(e)
        assert all(p.where() or p.line is None for p in e.problems)
