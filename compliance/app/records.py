"""Assessing from records: declarative facts from the return, measured counts from the extracts.

The windows the extracts are counted with are the parameters of the rules in force (after the
profile), so the counts and the standard they are judged against can never disagree. A count given
both in the return and by the records is an error naming both: choosing one silently would hide
exactly the disagreement an assessor needs to see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from compliance.domain.errors import InputError, Problem
from compliance.domain.model import SelfAssessment
from compliance.domain.records import WINDOW_PARAMETERS, Windows
from compliance.domain.result import InputInfo
from compliance.evaluation.evaluator import Evaluator
from compliance.intake.records.measure import DEFAULT_BAD_ROW_LIMIT, Measured, measure


def windows_for(evaluator: Evaluator) -> Windows:
    """The windows in force: each from its rule's parameter, the default where the rule is not loaded."""
    values: dict[str, Any] = {}
    for window, (rule_id, param) in WINDOW_PARAMETERS.items():
        value = evaluator.params.get(rule_id, {}).get(param)
        if value is not None:
            values[window] = int(value)
    return Windows(**values)


def bank_holidays(first_year: int, last_year: int) -> list[dt.date]:
    """England and Wales bank holidays, from the one calendar the whole tool uses."""
    from compliance.domain import calendar

    return sorted(d for y in range(first_year, last_year + 1) for d in calendar.bank_holidays(y))


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> value of every reported leaf (a list counts as one leaf)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_leaves(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {} if data is None else {prefix: data}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


COMPUTED: Any = {"services": {"__all__": {"unscheduled", "child_facing"}}}  # derived, not input
WINDOW_FIELDS = {"under_age", "min_episodes", "within_days", "renewal_months"}


def combine(assessment: SelfAssessment, return_path: Path, measured: Measured) -> SelfAssessment:
    stated = assessment.model_dump(mode="json", exclude_unset=True, exclude=COMPUTED)
    given = _leaves(stated)
    clashes = []
    for path in _leaves(measured.fragment):
        if path in given and path.rsplit(".", 1)[-1] not in WINDOW_FIELDS and not path.endswith("window_working_days"):
            prov = measured.provenance_of(path)
            clashes.append(Problem(
                f"{path} is given by the return and measured from records ({', '.join(prov.files) if prov else '?'}); "
                "give it in one place only", path))
    if clashes:
        raise InputError(str(return_path), clashes)
    try:
        return SelfAssessment.model_validate(_merge(stated, measured.fragment))
    except ValidationError as e:
        raise InputError(str(return_path), [Problem(
            f"the return and the records together are not a valid return: {err['msg']}",
            ".".join(map(str, err["loc"]))) for err in e.errors()[:8]]) from None


def records_info(info: InputInfo, folder: Path, measured: Measured) -> InputInfo:
    """The input hash covers the extracts too, so a report names exactly what it was made from."""
    h = hashlib.sha256(info.sha256.encode())
    for read in measured.reads:
        for f in read.files:
            h.update(Path(f).read_bytes())
    return InputInfo(path=f"{info.path} + {folder}", sha256=h.hexdigest())


def assess_with_records(assessment: SelfAssessment, info: InputInfo, folder: Path, evaluator: Evaluator,
                        bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT) -> tuple[SelfAssessment, InputInfo, Measured]:
    period = (assessment.organisation.period.start, assessment.organisation.period.end)
    holidays = bank_holidays(period[0].year - 2, period[1].year + 2)
    measured = measure(folder, windows_for(evaluator), period, holidays, bad_row_limit)
    combined = combine(assessment, Path(info.path), measured)
    return combined, records_info(info, folder, measured), measured


def declarative_only(data: dict[str, Any]) -> dict[str, Any]:
    """A return without the counts records measure (what `--records` expects beside its extracts)."""
    import copy

    from compliance.intake.records.measure import MEASURED_SECTIONS

    out = copy.deepcopy(data)
    for path in MEASURED_SECTIONS:
        *parents, last = path.split(".")
        node: Any = out
        for p in parents:
            node = node.get(p) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    for section in list(out):  # sections left empty say nothing
        if isinstance(out[section], dict) and not any(v not in (None, {}, []) for v in out[section].values()):
            del out[section]
    return out


def counted_return(path: Path, folder: Path, evaluator: Evaluator, bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT) -> dict[str, Any]:
    """The whole return, the declarative facts of `path` with the counts measured from `folder`."""
    from compliance.intake.returns import load_assessment

    assessment, info = load_assessment(path)
    combined, _, _ = assess_with_records(assessment, info, folder, evaluator, bad_row_limit)
    return combined.model_dump(mode="json", exclude_none=True, exclude=COMPUTED)
