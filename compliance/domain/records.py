"""Record-level extracts: the pseudonymised rows NHS systems already hold, as a format.

A return is a set of hand-made counts; an extract is the rows those counts are made from, so the
counts can be *measured* with the parameters of the rules in force (a profile that shortens a
review window changes what is counted). One pydantic model per extract describes one row: these
models are the single source of truth for the columns (`safeguard schema --what records` prints
them, the reader in `compliance.intake.records` checks every row against them in SQL).

Only pseudonymous references, dates, codes, counts and flags: there is no column for a name, an NHS
number, an address or free text about a child. Dates are ISO (`2025-06-30`), date-times ISO with a
time (`2025-06-30T14:05`); flags are `true`/`false` (or 1/0, yes/no); an empty cell is "not
recorded", never "no".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from compliance.domain.base import Strict
from compliance.domain.model import ServiceKind

Ref = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                           description="Pseudonymous reference (never an NHS number or a name).")]
ChildAge = Annotated[int, Field(ge=0, le=17, description="Age in whole years at the event.")]
Text = Annotated[str, Field(min_length=1, max_length=80)]


class Check(Strict):
    """A check across two columns of one row: `column` must not be before `not_before`."""

    column: str
    not_before: str
    reason: str


class Extract(Strict):
    """Base of the row models. `checks` are cross-column rules a single column cannot state."""

    name: ClassVar[str]
    source: ClassVar[str]
    feeds: ClassVar[str]
    checks: ClassVar[tuple[Check, ...]] = ()
    # The extract's grain: the reference no two different rows of one organisation may share (None: an
    # entry log, where only a row repeated whole is a duplicate). A row repeated whole is counted once
    # and reported as a duplicate; different rows with one reference are bad rows (which is right is
    # unknowable), so nothing is ever counted twice.
    key: ClassVar[str | None] = None


class TrainingRecord(Extract):
    name = "training"
    key = "staff_ref"
    source = "Electronic Staff Record competence compliance report or learning management system"
    feeds = "TRN-001..003 (levels 1-3), TRN-005 (board)"

    staff_ref: Ref
    staff_group: Text = Field(description="Staff group as reported, e.g. 'Nursing - ED'.")
    service: ServiceKind | None = Field(default=None, description="The service the person works in.")
    level: Literal["1", "2", "3", "4", "5", "board"] = Field(
        description="Intercollegiate competency level required of the post (4-5: named/designated).")
    last_completed: dt.date | None = Field(default=None, description="Date the required training was last completed.")
    appointed: dt.date | None = Field(default=None, description="Board members: date of appointment to the board.")
    checks = (Check(column="last_completed", not_before="1990-01-01", reason="completion date before 1990"),)


class LearningLog(Extract):
    name = "learning_log"
    source = "named and designated professionals' learning records / appraisal portfolios"
    feeds = "TRN-004 (hours in the rule's rolling window)"

    staff_ref: Ref
    date: dt.date
    hours: float = Field(gt=0, le=100, description="Hours of safeguarding learning on that date.")


class OutpatientAppointment(Extract):
    name = "outpatients"
    key = "appointment_ref"
    source = "patient administration system (PAS), children's outpatient appointments"
    feeds = "WNB-002 (coding), WNB-003 (clinical review), WNB-004 (escalation)"

    appointment_ref: Ref
    child_ref: Ref
    age: ChildAge
    appointment_date: dt.date
    service: ServiceKind
    attendance_code: Literal["0", "2", "3", "4", "5", "6", "7"] = Field(
        description="NHS Data Dictionary ATTENDED OR DID NOT ATTEND: 5 attended on time, 6 arrived late "
                    "but seen, 7 arrived late and not seen, 2 cancelled by or for the patient, 3 did not "
                    "attend without warning, 4 cancelled or postponed by the provider, 0 future appointment. "
                    "Missed = 3 or 7.")
    recorded_as: Literal["was_not_brought", "did_not_attend"] | None = Field(
        default=None, description="How a missed appointment was recorded (empty when not missed).")
    reviewed_date: dt.date | None = Field(default=None, description="Date a clinician reviewed the missed appointment.")
    discharged_without_review: bool = Field(description="Discharged back to the referrer without that review.")
    on_plan_or_looked_after: bool = Field(description="Child on a child-protection plan or looked after at the time.")
    lead_professional_told: dt.date | None = Field(
        default=None, description="Date the social worker / lead professional was told of the missed appointment.")
    checks = (
        Check(column="reviewed_date", not_before="appointment_date", reason="review before the appointment"),
        Check(column="lead_professional_told", not_before="appointment_date", reason="told before the appointment"),
    )


class EdAttendance(Extract):
    name = "ed_attendances"
    key = "attendance_ref"
    source = "Emergency Care Data Set (ECDS) feed / ED system, attendances of under-18s"
    feeds = "ALR-002 (CP-IS checked), ALR-004 (GP/HV/SN told), RSK-002 (safeguarding screen)"

    attendance_ref: Ref
    setting: Literal["emergency_department", "urgent_treatment_centre"]
    arrival: dt.datetime
    age: ChildAge
    cpis_checked: bool
    safeguarding_screen: bool
    gp_hv_sn_told: dt.date | None = Field(default=None, description="Date the GP and health visitor / school nurse were told.")
    checks = (Check(column="gp_hv_sn_told", not_before="arrival", reason="told before the arrival"),)


class Referral(Extract):
    name = "referrals"
    key = "referral_ref"
    source = "the safeguarding team's log of referrals to children's social care"
    feeds = "INF-001 (referred the same working day, confirmed in writing in time)"

    referral_ref: Ref
    concern_identified: dt.datetime
    referred: dt.datetime | None = None
    confirmed_in_writing: dt.datetime | None = None
    checks = (
        Check(column="referred", not_before="concern_identified", reason="referred before the concern arose"),
        Check(column="confirmed_in_writing", not_before="referred", reason="confirmed before the referral"),
    )


class Conference(Extract):
    name = "cp_conferences"
    key = "conference_ref"
    source = "the safeguarding team's log of invitations to initial and review child-protection conferences"
    feeds = "INF-002 (attended or sent a report)"

    conference_ref: Ref
    conference_date: dt.date
    attended: bool
    report_sent: bool = Field(description="A written report was sent to the conference (attended or not).")


class MissingEpisode(Extract):
    name = "missing_episodes"
    key = "episode_ref"
    source = "community providers' and the looked-after children team's missing-episode logs"
    feeds = "MIS-001 (classification), MIS-002 (return interviews), MIS-003 (health settings), MIS-004 (repeats)"

    episode_ref: Ref
    child_ref: Ref
    start: dt.datetime
    returned: dt.datetime | None = None
    classification: Literal["missing", "absent", "away_from_placement"]
    risk_grade: Literal["no_apparent_risk", "low", "medium", "high"] | None = None
    interview_offered: dt.date | None = None
    interview_done: dt.datetime | None = None
    health_told: dt.date | None = Field(default=None, description="Date the LAC nurse / school nurse was told.")
    from_health_setting: bool
    reported_per_protocol: bool | None = Field(default=None, description="Episodes from a health setting: reported as the protocol requires.")
    exploitation_assessed: bool | None = Field(default=None, description="The child has an exploitation risk assessment.")
    alert_placed: bool | None = Field(default=None, description="The child has an alert on their record.")
    checks = (
        Check(column="returned", not_before="start", reason="return before the start"),
        Check(column="interview_done", not_before="returned", reason="interview before the return"),
    )


class LookedAfterHealth(Extract):
    name = "lac_health"
    key = "child_ref"
    source = "the looked-after children health team's tracker"
    feeds = "LAC-001 (initial assessments), LAC-002 (reviews, out-of-area moves), LAC-003 (plans, SDQ)"

    child_ref: Ref
    age: ChildAge
    entered_care: dt.date
    initial_assessment: dt.date | None = None
    assessed_by: Literal["medical_practitioner", "nurse", "other"] | None = None
    review_due: dt.date | None = None
    review_done: dt.date | None = None
    health_plan: bool | None = None
    sdq_done: bool | None = Field(default=None, description="Strengths and Difficulties Questionnaire completed.")
    moved_out_of_area: dt.date | None = Field(default=None, description="Date of a move to a placement out of area.")
    host_told: dt.date | None = Field(default=None, description="Date the host area's health team was told of that move.")
    checks = (Check(column="initial_assessment", not_before="entered_care", reason="assessment before entering care"),)


EXTRACTS: tuple[type[Extract], ...] = (
    TrainingRecord, LearningLog, OutpatientAppointment, EdAttendance, Referral, Conference, MissingEpisode,
    LookedAfterHealth)
BY_NAME: dict[str, type[Extract]] = {e.name: e for e in EXTRACTS}
FILE_TYPES = (".csv", ".xlsx", ".parquet")


def json_schema() -> dict[str, Any]:
    """One document describing every extract: its file name, where it comes from, its columns."""
    return {
        "title": "Safeguarding record extracts",
        "description": (
            "A folder with one file per extract, named <extract>.csv, <extract>.xlsx or <extract>.parquet, "
            "or a sub-folder <extract>/ of such files (read together). Missing extracts are simply not "
            "measured. Each row is checked against its columns; a bad row is reported with file, row and column. "
            "A row repeated whole is counted once and reported as a duplicate; different rows with the same "
            "unique_reference are bad rows."),
        "extracts": {
            e.name: {"source": e.source, "feeds": e.feeds, "unique_reference": e.key,
                     "checks": [f"{c.column} not before {c.not_before} ({c.reason})" for c in e.checks],
                     "row": e.model_json_schema()}
            for e in EXTRACTS
        },
    }


class Windows(Strict):
    """The windows, ages and intervals counts are made with: the rule parameters in force.

    Intake counts with these; the app layer fills them from the rules and profile, so a profile that
    changes a rule's window changes what is counted. Each names the rule parameter it comes from.
    """

    wnb_max_age: int = Field(16, description="WNB-002 max_age: missed appointments of children under this age.")
    review_working_days: int = Field(5, description="WNB-003 review_working_days.")
    notify_working_days: int = Field(1, description="WNB-004 notify_working_days.")
    ed_notify_working_days: int = Field(2, description="ALR-004 notify_working_days.")
    referral_working_days: int = Field(0, description="INF-001 referral_working_days (0: the same working day).")
    written_hours: int = Field(48, description="INF-001 written_hours.")
    interview_hours: int = Field(72, description="MIS-002 interview_hours.")
    health_told_working_days: int = Field(1, description="MIS-002 health_told_working_days.")
    repeat_episodes: int = Field(3, description="MIS-004 repeat_episodes.")
    repeat_days: int = Field(90, description="MIS-004 repeat_days.")
    lac_initial_working_days: int = Field(20, description="LAC-001 window_working_days.")
    renewal_months_1: int = Field(36, description="TRN-001 renewal_months.")
    renewal_months_2: int = Field(36, description="TRN-002 renewal_months.")
    renewal_months_3: int = Field(36, description="TRN-003 renewal_months.")
    learning_years: int = Field(3, description="TRN-004 window_years.")
    board_months: int = Field(12, description="TRN-005 window_months.")


# window -> (rule, parameter): where the app layer reads each window from.
WINDOW_PARAMETERS: dict[str, tuple[str, str]] = {
    "wnb_max_age": ("WNB-002", "max_age"),
    "review_working_days": ("WNB-003", "review_working_days"),
    "notify_working_days": ("WNB-004", "notify_working_days"),
    "ed_notify_working_days": ("ALR-004", "notify_working_days"),
    "referral_working_days": ("INF-001", "referral_working_days"),
    "written_hours": ("INF-001", "written_hours"),
    "interview_hours": ("MIS-002", "interview_hours"),
    "health_told_working_days": ("MIS-002", "health_told_working_days"),
    "repeat_episodes": ("MIS-004", "repeat_episodes"),
    "repeat_days": ("MIS-004", "repeat_days"),
    "lac_initial_working_days": ("LAC-001", "window_working_days"),
    "renewal_months_1": ("TRN-001", "renewal_months"),
    "renewal_months_2": ("TRN-002", "renewal_months"),
    "renewal_months_3": ("TRN-003", "renewal_months"),
    "learning_years": ("TRN-004", "window_years"),
    "board_months": ("TRN-005", "window_months"),
}
