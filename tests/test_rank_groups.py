"""Ranks as ranges: organisations whose 95% rank ranges overlap are never presented as surely ordered.

Goldstein and Spiegelhalter ("League tables and their limitations", JRSS A 1996) showed that league
positions of institutions mostly reflect chance; a screening list shows each national rank as its
95% range and puts organisations whose ranges overlap in one group, within which the list order is
no finding.
"""

from __future__ import annotations

from hypothesis import given, strategies as st

from compliance.cohort.ranking import build, rank_groups
from compliance.cohort.weights import load_weights
from compliance.formats import Options, render
from test_funnel import _scored, _share


@st.composite
def _spans(draw):
    n = draw(st.integers(1, 30))
    out = []
    for i in range(1, n + 1):
        lo = draw(st.integers(1, i))
        out.append((lo, draw(st.integers(i, n))))  # a range holds its own place, as ranking._span makes sure
    return out


@given(_spans())
def test_overlapping_ranges_share_a_group_and_only_sure_orders_separate_groups(spans):
    groups = rank_groups(spans)
    assert groups[0] == 1 and all(b - a in (0, 1) for a, b in zip(groups, groups[1:]))  # numbered in list order
    for i, (lo_i, hi_i) in enumerate(spans):
        for j in range(i + 1, len(spans)):
            lo_j, hi_j = spans[j]
            if lo_j <= hi_i and lo_i <= hi_j:  # the ranges overlap: not surely ordered
                assert groups[i] == groups[j]
            if groups[i] != groups[j]:  # an earlier group is above a later one only when that is sure
                assert hi_i < lo_j


def _screening():
    # A and B: 78 and 80 of 100 against 90%, both surely short, with ranges that overlap; C: definitely worse
    # (a critical failure that is no share); D and E: clean.
    orgs = [_scored("A", [_share(78, 100, 90.0)]), _scored("B", [_share(80, 100, 90.0)]),
            _scored("C", [], fixed=200.0), *(_scored(x, [_share(99, 100, 90.0)]) for x in "DE")]
    return build(orgs, [], load_weights())


def test_two_organisations_whose_ranges_overlap_are_not_shown_as_ranked_above_each_other():
    result = _screening()
    by_id = {o.id: o for o in result.organisations}
    a, b, c = by_id["A"], by_id["B"], by_id["C"]
    assert c.rank_group == 1 and c.rank_high < min(a.rank_low, b.rank_low)  # C is surely first
    assert a.rank_low <= b.rank_high and b.rank_low <= a.rank_high  # A and B overlap ...
    assert a.rank_group == b.rank_group != c.rank_group  # ... so they are one group
    assert a.score != b.score  # though their scores (and list places) differ
    text = render("screening", "text", result, Options())
    assert f"national rank {a.rank_low}–{a.rank_high} (group {a.rank_group})" in text
    assert f"national rank {b.rank_low}–{b.rank_high} (group {b.rank_group})" in text
    assert "not surely in the order listed" in text
    import csv
    import io

    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(render("screening", "csv", result, Options())))}
    assert rows["A"]["rank_group"] == rows["B"]["rank_group"] != rows["C"]["rank_group"]
    from compliance.formats.screening import render_detailed_html, render_detailed_markdown

    for page in (render_detailed_html(result, Options(), {}), render_detailed_markdown(result, Options(), {})):
        assert "Not a strict order." in page and "not surely in the order listed" in page
        assert f"{a.rank_low}–{a.rank_high}" in page and f"{b.rank_low}–{b.rank_high}" in page
