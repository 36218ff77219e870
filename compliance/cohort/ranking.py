"""Many organisations: ranking, filters, the local-authority roll-up, the national picture per rule,
and duplicate ids; the `safeguard screen --format json` document."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import Field

from compliance.cohort.area_score import AreaScore
from compliance.cohort.funnel import FunnelRule
from compliance.domain.outcomes import Outcome, Severity
from compliance.cohort.score import OrgScore
from compliance.cohort.weights import Weights
from compliance.domain.base import Strict
from compliance.domain.errors import Problem, UserError








# --- many organisations -------------------------------------------------------------------------


class InvalidFile(Strict):
    """A file that was not screened, and why; `internal` marks a bug met on it (exit 3, not 2)."""

    file: str
    reason: str
    internal: bool = False


class Duplicate(Strict):
    id: str
    files: list[str]


class RankedOrg(OrgScore):
    rank: int = Field(description="Place in this screening's list (after --org-type / --local-authority filters).")
    national_rank: int = Field(default=0, description="Place among every organisation screened, before filters: kept so a "
                                             "filtered view still says where each stands nationally.")
    rank_group: int = Field(default=0, description=(
        "Organisations whose 95% rank ranges overlap, directly or through others between them, share a group "
        "(numbered from the highest risk): every organisation of a group is surely above every one of a later group, "
        "and within a group the order is not sure. 0: no ranges computed."))


class LocalAuthorityRollup(Strict):
    """A local authority area's organisations together (an inspection's unit), not a rule's topic area."""

    local_authority: str
    organisations: int
    total_score: float = Field(description="Sum of its organisations' scores (grows with their number: not for ranking).")
    mean_score: float = 0.0
    max_score: float
    failing_by_severity: dict[Severity, int]
    ranked_ids: list[str] = Field(description="Its organisations, highest score first.")


class RuleTally(Strict):
    rule_id: str
    met: int = 0
    not_met: int = 0
    insufficient_evidence: int = 0
    not_applicable: int = 0
    waived: int = 0


class Screening(Strict):
    """The `safeguard screen --format json` document."""

    screening_version: Literal["1"] = "1"
    weights: Weights
    screened: int
    organisations: list[RankedOrg]
    areas: list[LocalAuthorityRollup]
    national: list[RuleTally]
    invalid_files: list[InvalidFile]
    duplicates: list[Duplicate]
    area_ranking: list[AreaScore] = Field(default_factory=list, description="With --by area: areas ranked by need.")
    funnels: list[FunnelRule] = Field(default_factory=list, description="Each share measure's funnel across the cohort.")
    area_code_problems: list[str] = Field(default_factory=list, description=(
        "Area codes that look like ONS (GSS) codes but not an upper-tier authority's in England (E06, E08, E09 or "
        "E10 and six digits), each with why; such areas are still grouped by the code as written."))


def rank_key(s: OrgScore) -> tuple:
    """Highest score first; ties by more critical, then more high failures, then id (stable)."""
    fs = s.failing_by_severity
    return (-s.score, -fs.get(Severity.critical, 0), -fs.get(Severity.high, 0), s.id, s.file)


def rank(scores: list[OrgScore], everyone: list[OrgScore] | None = None) -> list[RankedOrg]:
    """Highest score first; ties by more critical, then more high failures, then id (stable). The
    national rank is the place among `everyone` (default: the same organisations), so a filtered
    view still says where each organisation stands among all screened."""
    key = rank_key
    order = sorted(everyone if everyone is not None else scores, key=key)
    national = {(s.id, s.file): i for i, s in enumerate(order, start=1)}
    spans = {k: _span(s, national[k]) for k, s in zip(national, order)}
    groups = rank_groups([spans[k] for k in national])
    group = dict(zip(national, groups))
    # The scores are validated already: copying their fields is linear, dumping and re-validating
    # every component of every organisation was most of the ranking's cost.
    fields = [f for f in OrgScore.model_fields if f not in ("rank_low", "rank_high")]
    out = []
    for i, s in enumerate(sorted(scores, key=key), start=1):
        k = (s.id, s.file)
        lo, hi = spans[k]
        out.append(RankedOrg.model_construct(rank=i, national_rank=national[k], rank_group=group[k] if hi else 0,
                                             rank_low=lo, rank_high=hi, **{f: getattr(s, f) for f in fields}))
    return out


def _span(s: OrgScore, place: int) -> tuple[int, int]:
    """The 95% range of a national rank, widened to hold the place itself (a percentile interval from a
    few dozen replicates can miss it by one or two); (0, 0) when no range was computed."""
    if not s.rank_high:
        return 0, 0
    return min(s.rank_low, place), max(s.rank_high, place)


def rank_groups(spans: list[tuple[int, int]]) -> list[int]:
    """Each organisation's group, the spans given in national order: a group ends only where every
    range so far ends before every range after begins, so two organisations whose ranges overlap are
    always in one group, and an organisation is presented above another of a later group only when
    that order is sure (Goldstein and Spiegelhalter, "League tables and their limitations", JRSS A
    159:385-443, 1996: rank intervals, not league positions)."""
    n = len(spans)
    later_low = [0] * n  # the lowest range start from position i on
    low = n + 1
    for i in range(n - 1, -1, -1):
        low = min(low, spans[i][0] or i + 1)
        later_low[i] = low
    out, group, reach = [], 1, 0
    for i, (_lo, hi) in enumerate(spans):
        if i and reach < later_low[i]:
            group += 1
        out.append(group)
        reach = max(reach, hi or i + 1)
    return out


def select(scores: list[OrgScore], org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = ()) -> list[OrgScore]:
    return [s for s in scores if passes(s, org_types, local_authorities)]


def passes(s: OrgScore, org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = ()) -> bool:
    """Whether the organisation passes the --org-type and --local-authority filters."""
    return (not org_types or s.type in org_types) and (not local_authorities or bool(set(s.local_authorities) & set(local_authorities)))


class FilterError(UserError):
    """A --local-authority or --org-type that selects nothing (exit 2): a typo, not a clean cohort."""

    def __init__(self, file: str, problems: list[Problem]):
        super().__init__(file, problems, kind="filter")


def check_filters(scores: list[OrgScore], org_types: tuple[str, ...] = (),
                  local_authorities: tuple[str, ...] = ()) -> None:
    """Refuse filters that would select nothing, naming the values that would select something.

    A filter that matches no organisation would print empty tables and exit 0, which reads as
    "nothing to worry about" when it means "you typed the code wrong".
    """
    if not scores:
        return  # nothing was screened: the invalid files are the story
    problems: list[tuple[str, str]] = []
    known_las = sorted({la for s in scores for la in s.local_authorities})
    for la in dict.fromkeys(local_authorities):
        if la not in known_las:
            close = [k for k in known_las if k.lower() == la.lower()]
            hint = f"did you mean {close[0]}? (codes are matched exactly)" if close else \
                f"the codes served are: {_some(known_las)}"
            problems.append((f"--local-authority {la}", f"matches no screened organisation; {hint}"))
    known_types = sorted({s.type for s in scores})
    for t in dict.fromkeys(org_types):
        if t not in known_types:
            problems.append((f"--org-type {t}", f"matches no screened organisation; the types screened are: "
                                                f"{', '.join(known_types)}"))
    if not problems and (org_types or local_authorities) and not select(scores, org_types, local_authorities):
        problems.append(("--org-type and --local-authority", "together match no screened organisation"))
    if problems:
        raise FilterError(problems[0][0], [Problem(why, where if i else "") for i, (where, why) in enumerate(problems)])


def _some(values: list[str], n: int = 20) -> str:
    return ", ".join(values[:n]) + (f" and {len(values) - n} more" if len(values) > n else "")


def by_local_authority(ranked: list[RankedOrg]) -> list[LocalAuthorityRollup]:
    """An organisation serving several areas counts in each: inspections follow the child's journey."""
    by_la: dict[str, list[RankedOrg]] = defaultdict(list)
    for r in ranked:
        for la in dict.fromkeys(r.local_authorities):
            by_la[la].append(r)
    out = []
    for la, orgs in by_la.items():
        failing = {s: sum(o.failing_by_severity.get(s, 0) for o in orgs) for s in Severity}
        total = sum(o.score for o in orgs)
        out.append(LocalAuthorityRollup(local_authority=la, organisations=len(orgs), total_score=round(total, 2),
                                        mean_score=round(total / len(orgs), 2), max_score=max(o.score for o in orgs),
                                        failing_by_severity=failing, ranked_ids=[o.id for o in orgs]))
    return sorted(out, key=lambda a: (-a.max_score, -a.mean_score, a.local_authority))


def national(scores: list[OrgScore]) -> list[RuleTally]:
    counts: dict[str, dict[Outcome, int]] = defaultdict(lambda: dict.fromkeys(Outcome, 0))
    for s in scores:
        for rid, outcome in s.outcomes.items():
            counts[rid][outcome] += 1
    return [RuleTally(rule_id=rid, **{o.value: n for o, n in c.items()}) for rid, c in sorted(counts.items())]


def duplicates(scores: list[OrgScore]) -> list[Duplicate]:
    files: dict[str, list[str]] = defaultdict(list)
    for s in scores:
        files[s.id].append(s.file)
    return [Duplicate(id=i, files=sorted(f)) for i, f in sorted(files.items()) if len(f) > 1]


def build(scores: list[OrgScore], invalid: list[InvalidFile], weights: Weights, top: int | None = None,
          org_types: tuple[str, ...] = (), local_authorities: tuple[str, ...] = (), statistics: bool = True) -> Screening:
    """Filters first, then ranking; areas and the national picture cover the filtered set, --top only trims the list.

    `statistics`: the cohort pass (funnels, evidence-weighted share rules, bands, peer ranks, rank
    intervals) over every organisation screened, before any filter; False gives the plain weighted
    sum (kept so the validation benchmark can compare the two)."""
    with no_collection():
        funnels: list[FunnelRule] = []
        if statistics:
            from compliance.cohort.standardise import apply_statistics

            scores, funnels = apply_statistics(scores, weights)
        chosen = select(scores, org_types, local_authorities)
        ranked = rank(chosen, scores if len(chosen) != len(scores) else None)
        return Screening(weights=weights, screened=len(scores), organisations=ranked[:top] if top is not None else ranked,
                         areas=by_local_authority(ranked), national=national(chosen),
                         invalid_files=sorted(invalid, key=lambda i: i.file), duplicates=duplicates(scores),
                         funnels=funnels, area_code_problems=area_code_problems(scores))


def area_code_problems(scores: list[OrgScore]) -> list[str]:
    """Each GSS-like area code that is not an upper-tier authority's, once, naming an organisation that gave it."""
    from compliance.domain.areas import code_problem

    first: dict[str, str] = {}
    for s in scores:
        for la in s.local_authorities:
            first.setdefault(la, s.id)
    return [f"{why} (given by {first[la]})" for la in sorted(first) if (why := code_problem(la))]


@contextmanager
def no_collection() -> Iterator[None]:
    """The garbage collector paused: ranking makes many small objects that all live until the report
    is written and form no cycles, so collections meanwhile only walk them again and again (ranking
    cost per organisation grew threefold from 2,000 to 20,000 organisations)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
