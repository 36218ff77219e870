"""`safeguard records aggregate`: national record extracts to one measured return per organisation.

The windows are the rules' parameters in force (bundled rules, --rules, --profile), as for
`assess --records`, so a national return is counted exactly as a trust's would be. Each written
return opens with its provenance per extract (files, rows read, rows excluded and why), and an
organisation with no rows in an extract simply has no counts from it: unreported, never zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from compliance.domain.errors import InputError, Problem
from compliance.domain.model import Organisation, SelfAssessment
from compliance.domain.records import Windows
from compliance.domain.result import Provenance
from compliance.intake.documents import read_text
from compliance.intake.records.measure import DEFAULT_BAD_ROW_LIMIT, arrange

Engine = Literal["duckdb", "spark"]
REGISTER_COLUMNS = ("org_code", "name", "type", "local_authorities")
MAX_REGISTER_BYTES = 20_000_000


def read_register(path: Path, period: tuple[dt.date, dt.date]) -> dict[str, Organisation]:
    """organisations.csv: org_code, name, type, local_authorities (codes separated by ';')."""
    text = read_text(path, InputError, MAX_REGISTER_BYTES)  # the reading layer: regular files only, bounded, UTF-8
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise InputError(str(path), [Problem(f"cannot be read as a CSV register of organisations: {e}")]) from None
    if not rows or tuple(h.strip() for h in rows[0]) != REGISTER_COLUMNS:
        raise InputError(str(path), [Problem(f"the header must be {','.join(REGISTER_COLUMNS)}", "header", 1)])
    out: dict[str, Organisation] = {}
    problems = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(REGISTER_COLUMNS):
            problems.append(Problem(f"expected {len(REGISTER_COLUMNS)} cells, found {len(row)}", f"row {n}", n))
            continue
        code, name, kind, las = (c.strip() for c in row)
        try:
            org = Organisation.model_validate({"id": code, "name": name, "type": kind, "period": {"start": period[0], "end": period[1]},
                                               "local_authorities": [la.strip() for la in las.split(";") if la.strip()]})
        except ValidationError as e:
            problems += [Problem(f"{'.'.join(map(str, err['loc']))}: {err['msg']}", f"row {n}", n) for err in e.errors()[:3]]
            continue
        if code in out:
            problems.append(Problem(f"organisation {code} is listed twice", f"row {n}", n))
        out[code] = org
    if problems:
        raise InputError(str(path), problems[:20])
    return out


def provenance_comment(org: str, provenance: dict[str, Provenance], engine: str) -> str:
    """The return's opening comment: where every count came from, per extract, for this organisation."""
    lines = [f"Measured from national record extracts by `safeguard records aggregate` ({engine}) for {org}."]
    if not provenance:
        lines.append("No extract holds a row of this organisation: nothing was measured.")
    for name, p in sorted(provenance.items()):
        why = ", ".join(f"{k} {v}" for k, v in p.excluded_because.items())
        lines.append(f"{name}: {p.rows_read} rows read from {len(p.files)} file(s), {p.rows_excluded} excluded"
                     + (f" ({why})" if why else "")
                     + (f"; {p.duplicates} repeated a row whole and were counted once" if p.duplicates else ""))
        lines += [f"  file: {f}" for f in p.files[:5]] + ([f"  ... and {len(p.files) - 5} more"] if len(p.files) > 5 else [])
        lines += [f"  excluded: {e}" for e in p.examples[:5]] + [f"  duplicate: {d}" for d in p.duplicate_rows[:5]]
    return "".join("# " + "".join(ch if ch.isprintable() else "?" for ch in line) + "\n" for line in lines)


@dataclass
class Aggregated:
    written: list[Path]
    rows_read: int
    organisations_with_rows: int


def aggregate(extracts: Path, register: Path, output: Path, period: tuple[dt.date, dt.date], windows: Windows,
              engine: Engine = "duckdb", bad_row_limit: float = DEFAULT_BAD_ROW_LIMIT,
              memory_limit: str | None = None) -> Aggregated:
    """Count every organisation of `register` from `extracts` and write `output`/<org_code>.yaml each."""
    from compliance.app.generate import dump
    from compliance.app.records import bank_holidays
    from compliance.intake.files import write_atomic

    organisations = read_register(register, period)
    holidays = bank_holidays(period[0].year - 2, period[1].year + 2)
    if engine == "spark":
        from compliance.intake.records.spark import measure_national_spark

        national = measure_national_spark(extracts, windows, period, holidays, bad_row_limit)
    else:
        from compliance.intake.records.national import measure_national

        national = measure_national(extracts, windows, period, holidays, bad_row_limit, memory_limit)
    unknown = sorted(national.organisations() - set(organisations))
    if unknown:
        raise InputError(str(register), [Problem(
            f"{len(unknown)} organisation code(s) in the extracts are not in the register, so their rows would count "
            f"for no one: {', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}")])
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for code, org in sorted(organisations.items()):
        provenance = national.provenance(code)
        measured = arrange(national.counts, code, windows, provenance)
        data: dict[str, Any] = {"schema_version": "2", "organisation": org.model_dump(mode="json", exclude_none=True),
                                **measured.fragment}
        SelfAssessment.model_validate(data)  # a count the format refuses is our error, never a bad file written
        path = output / f"{code}.yaml"
        write_atomic(path, provenance_comment(code, provenance, engine) + dump(data, "yaml"))
        written.append(path)
    return Aggregated(written=written, rows_read=sum(r.rows_read for r in national.reads.values()),
                      organisations_with_rows=len(national.organisations()))
