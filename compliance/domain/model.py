"""The self-assessment format: one organisation's return for one period.

The pydantic models here are the single source of truth for the input format; `safeguard schema`
exports their JSON Schema. Two conventions run through every model:

* `None` (or an omitted field) means *not reported*. It is never read as "no": a rule that needs
  the value reports `insufficient_evidence`. An explicit `false` or `0` is evidence.
* Counts come in pairs ("staff in post" and "staff in date"); a part can never exceed its whole,
  so a return that claims 130 of 120 staff trained is rejected rather than scored.

Only counts and pseudonymous identifiers are asked for: there is nowhere to put a child's name.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, computed_field, model_validator
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = "2"

Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
Hours = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
WorkingDays = Annotated[int, Strict(), Field(ge=0, le=365, description="Working days (weekends and England and Wales bank holidays excluded).")]
Months = Annotated[int, Strict(), Field(ge=1, le=240)]


class Record(BaseModel):
    """Base of every input model: unknown fields are errors, so a typo cannot drop evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    # part field -> whole field: the part may not exceed the whole when both are reported.
    bounds: ClassVar[dict[str, str]] = {}
    # count field -> the fields stating the window it was counted with: required with the count.
    windows: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="after")
    def _windows_stated(self) -> Record:
        for count, needed in self.windows.items():
            if getattr(self, count) is None:
                continue
            for w in needed:
                if getattr(self, w) is None:
                    raise PydanticCustomError(
                        "window_missing", "'{count}' needs '{w}': the window it was counted with",
                        {"count": count, "w": w})
        return self

    @model_validator(mode="after")
    def _parts_within_wholes(self) -> Record:
        for part, whole in self.bounds.items():
            p, w = getattr(self, part), getattr(self, whole)
            if p is not None and w is not None and p > w:
                raise PydanticCustomError(
                    "part_exceeds_whole",
                    "'{part}' ({p}) cannot exceed '{whole}' ({w})",
                    {"part": part, "p": p, "whole": whole, "w": w},
                )
        return self


# --- organisation -------------------------------------------------------------------------------


class OrgType(str, Enum):
    acute = "acute"
    community = "community"
    mental_health = "mental_health"
    ambulance = "ambulance"
    gp_practice = "gp_practice"
    icb = "icb"


class ServiceKind(str, Enum):
    emergency_department = "emergency_department"
    urgent_treatment_centre = "urgent_treatment_centre"  # also minor injuries units and walk-in centres
    out_of_hours_gp = "out_of_hours_gp"
    ambulance = "ambulance"
    maternity = "maternity"
    paediatrics = "paediatrics"  # paediatric wards and outpatients
    neonatal = "neonatal"
    sexual_health = "sexual_health"
    health_visiting = "health_visiting"
    school_nursing = "school_nursing"
    camhs = "camhs"
    looked_after_children = "looked_after_children"
    adult_mental_health = "adult_mental_health"
    substance_misuse = "substance_misuse"
    general_practice = "general_practice"
    adult_acute = "adult_acute"


UNSCHEDULED_CARE = frozenset(
    {
        ServiceKind.emergency_department,
        ServiceKind.urgent_treatment_centre,
        ServiceKind.out_of_hours_gp,
        ServiceKind.ambulance,
        ServiceKind.maternity,
        ServiceKind.paediatrics,
    }
)
CHILD_FACING = frozenset(
    {
        ServiceKind.emergency_department,
        ServiceKind.urgent_treatment_centre,
        ServiceKind.out_of_hours_gp,
        ServiceKind.ambulance,
        ServiceKind.maternity,
        ServiceKind.paediatrics,
        ServiceKind.neonatal,
        ServiceKind.sexual_health,
        ServiceKind.health_visiting,
        ServiceKind.school_nursing,
        ServiceKind.camhs,
        ServiceKind.looked_after_children,
        ServiceKind.general_practice,
    }
)


class Period(Record):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise PydanticCustomError(
                "period_order", "the period must end after it starts ({start} to {end})",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self


class Organisation(Record):
    id: Code = Field(description="Organisation code (e.g. an ODS code); not a person's identifier.")
    name: Text
    type: OrgType
    local_authorities: list[Code] = Field(
        min_length=1, max_length=40, description="Codes of the local authority areas it serves."
    )
    period: Period
    last_inspection: dt.date | None = Field(
        default=None, description="Date of the last CQC inspection of its children's services."
    )


class Rating(str, Enum):
    outstanding = "outstanding"
    good = "good"
    requires_improvement = "requires_improvement"
    inadequate = "inadequate"


class Context(Record):
    """Signals an inspector uses to target visits; none of them is a requirement."""

    open_practice_reviews: Count | None = Field(
        default=None, description="Open serious case reviews / child safeguarding practice reviews naming it."
    )
    whistleblowing_concerns: Count | None = Field(
        default=None, description="Safeguarding whistle-blowing concerns received in the period."
    )
    la_childrens_services_inadequate: Flag | None = Field(
        default=None, description="An area it serves has children's services judged inadequate by Ofsted."
    )
    cqc_safe_rating: Rating | None = None
    cqc_well_led_rating: Rating | None = None


class Service(Record):
    kind: ServiceKind
    name: Text | None = None
    cp_is_live: Flag | None = Field(
        default=None, description="Child Protection - Information Sharing is live in this service."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unscheduled(self) -> bool:
        return self.kind in UNSCHEDULED_CARE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def child_facing(self) -> bool:
        return self.kind in CHILD_FACING


# --- training -----------------------------------------------------------------------------------


class StaffGroup(Record):
    bounds = {"in_date": "staff_in_post"}
    windows = {"in_date": ("renewal_months",)}

    group: Text
    level: Annotated[int, Strict(), Field(ge=1, le=3)] = Field(
        description="Intercollegiate competency level required of this group (1-3)."
    )
    service: ServiceKind | None = Field(
        default=None, description="The service the group works in, for level-3 groups."
    )
    staff_in_post: Count
    in_date: Count | None = Field(default=None, description="Staff whose training is up to date.")
    renewal_months: Months | None = Field(
        default=None, description="In date means completed within this many months of the period end.")


class SpecialistPost(Record):
    post: Text = Field(description="Named or designated role, e.g. 'named nurse'.")
    windows = {"learning_hours": ("window_years",)}

    learning_hours: Hours | None = Field(
        default=None, description="Safeguarding learning hours in the window_years before the period end."
    )
    window_years: Annotated[int, Strict(), Field(ge=1, le=10)] | None = None


class BoardTraining(Record):
    bounds = {"trained_in_time": "members"}
    windows = {"trained_in_time": ("window_months",)}

    members: Count
    trained_in_time: Count | None = Field(default=None, description="Trained within window_months of appointment.")
    window_months: Months | None = None


class Training(Record):
    groups: list[StaffGroup] | None = Field(default=None, max_length=500)
    specialist_posts: list[SpecialistPost] | None = Field(default=None, max_length=100)
    board: BoardTraining | None = None
    budget_gbp: Money | None = Field(default=None, description="Identifiable safeguarding training budget.")


# --- missed appointments ("was not brought") -----------------------------------------------------


class WnbPolicy(Record):
    exists: Flag
    last_reviewed: dt.date | None = None
    services_covered: list[ServiceKind] | None = None


class MissedAppointments(Record):
    bounds = {"coded_was_not_brought": "total"}

    total: Count = Field(description="Missed appointments (codes 3 and 7) of children under `under_age`.")
    coded_was_not_brought: Count | None = None
    under_age: Annotated[int, Strict(), Field(ge=1, le=18)] = Field(description="The age limit counted with.")


class WnbFollowUp(Record):
    bounds = {"reviewed_in_time": "was_not_brought", "discharged_without_review": "was_not_brought"}
    windows = {"reviewed_in_time": ("window_working_days",)}

    was_not_brought: Count
    reviewed_in_time: Count | None = Field(default=None, description="Reviewed by a clinician within window_working_days.")
    window_working_days: WorkingDays | None = None
    discharged_without_review: Count | None = None


class WnbEscalation(Record):
    bounds = {"notified_in_time": "eligible"}
    windows = {"notified_in_time": ("window_working_days",)}

    eligible: Count = Field(
        description="WNBs of children on a CP plan or looked after, or a repeat WNB."
    )
    notified_in_time: Count | None = Field(default=None, description="Lead professional told within window_working_days.")
    window_working_days: WorkingDays | None = None


class WasNotBrought(Record):
    policy: WnbPolicy | None = None
    missed_appointments: MissedAppointments | None = None
    follow_up: WnbFollowUp | None = None
    escalation: WnbEscalation | None = None


# --- alerts ---------------------------------------------------------------------------------------


class CpisChecks(Record):
    bounds = {"checked": "attendances"}

    attendances: Count = Field(description="Unscheduled attendances of children and pregnant women.")
    checked: Count | None = None


class LocalAlerts(Record):
    bounds = {"reviewed_in_time": "active", "past_expiry": "active"}
    windows = {"reviewed_in_time": ("window_months",)}

    system_exists: Flag
    active: Count | None = None
    reviewed_in_time: Count | None = Field(default=None, description="Active alerts reviewed in the last window_months.")
    window_months: Months | None = None
    past_expiry: Count | None = None


class EdNotifications(Record):
    bounds = {"notified_in_time": "attendances_under_18"}
    windows = {"notified_in_time": ("window_working_days",)}

    attendances_under_18: Count
    notified_in_time: Count | None = Field(default=None, description="GP and HV/SN told within window_working_days.")
    window_working_days: WorkingDays | None = None


class Alerts(Record):
    cpis_checks: CpisChecks | None = None
    local_alerts: LocalAlerts | None = None
    ed_notifications: EdNotifications | None = None


# --- governance -----------------------------------------------------------------------------------


class RoleKind(str, Enum):
    executive_lead = "executive_lead"
    practice_lead = "practice_lead"
    named_doctor = "named_doctor"
    named_nurse = "named_nurse"
    named_midwife = "named_midwife"
    named_professional = "named_professional"
    named_gp = "named_gp"
    designated_doctor = "designated_doctor"
    designated_nurse = "designated_nurse"
    designated_doctor_lac = "designated_doctor_lac"
    designated_nurse_lac = "designated_nurse_lac"
    designated_paediatrician_child_deaths = "designated_paediatrician_child_deaths"


class Role(Record):
    role: RoleKind
    filled: Flag
    vacant_since: dt.date | None = None
    role_description: Flag | None = None
    protected_time: Flag | None = None
    interim_cover: Flag | None = Field(
        default=None, description="For a vacant post: interim cover is in place and recorded (who covers, from when).")


class BoardAssurance(Record):
    annual_report: Flag | None = None
    other_reports: Count | None = Field(
        default=None, description="Further board or committee reports on safeguarding children in the period."
    )


class Partnership(Record):
    name: Text
    section11_submitted: dt.date | None = None
    overdue_red_actions: Count | None = None


class Counterpart(str, Enum):
    chair = "chair"
    independent_scrutineer = "independent_scrutineer"
    delegated_partner = "delegated_partner"


class Attendee(str, Enum):
    chief_executive = "chief_executive"
    executive_lead = "executive_lead"
    other = "other"


class Engagement(Record):
    date: dt.date
    attendee: Attendee
    counterpart: Counterpart


class PartnershipMeetings(Record):
    bounds = {"attended": "required"}

    required: Count
    attended: Count | None = None


class Dbs(Record):
    bounds = {"compliant": "requiring"}

    requiring: Count
    compliant: Count | None = None


class SpeakUp(Record):
    policy_in_date: Flag | None = None
    guardian_in_post: Flag | None = None


class ConcernReporting(Record):
    incident_category: Flag | None = None
    out_of_hours_advice: Flag | None = None


class Supervision(Record):
    bounds = {"supervised_in_time": "eligible"}
    windows = {"supervised_in_time": ("interval_months",)}

    eligible: Count
    supervised_in_time: Count | None = Field(default=None, description="Supervised at least every interval_months.")
    interval_months: Months | None = None


class CaseFileAudit(Record):
    service: ServiceKind
    audits: Count


class CommissionedProvider(Record):
    provider: Code
    sc32_in_contract: Flag | None = None
    last_assurance_return: dt.date | None = None


class Governance(Record):
    roles: list[Role] | None = Field(default=None, max_length=100)
    board_assurance: BoardAssurance | None = None
    partnerships: list[Partnership] | None = Field(default=None, max_length=40)
    engagements: list[Engagement] | None = Field(
        default=None, max_length=200, description="Meetings of senior leaders with the partnership's leaders."
    )
    partnership_meetings: PartnershipMeetings | None = None
    dbs: Dbs | None = None
    speak_up: SpeakUp | None = None
    concern_reporting: ConcernReporting | None = None
    supervision: Supervision | None = None
    case_file_audits: list[CaseFileAudit] | None = Field(default=None, max_length=100)
    providers: list[CommissionedProvider] | None = Field(default=None, max_length=500)


# --- information sharing and referrals ------------------------------------------------------------


class Referrals(Record):
    bounds = {"referred_in_time": "total", "confirmed_in_time": "total"}
    windows = {"referred_in_time": ("referral_window_working_days",), "confirmed_in_time": ("confirm_window_hours",)}

    total: Count
    referred_in_time: Count | None = Field(
        default=None, description="Referred within referral_window_working_days (0: the same working day).")
    referral_window_working_days: WorkingDays | None = None
    confirmed_in_time: Count | None = Field(default=None, description="Confirmed in writing within confirm_window_hours.")
    confirm_window_hours: Annotated[int, Strict(), Field(ge=1, le=2000)] | None = None


class Conferences(Record):
    bounds = {"attended_or_reported": "invited"}

    invited: Count
    attended_or_reported: Count | None = None


class SexualHealthSharing(Record):
    bounds = {"decision_recorded": "concerns", "under_age_referred": "under_age"}
    windows = {"under_age": ("age_limit",)}

    concerns: Count
    decision_recorded: Count | None = None
    under_age: Count | None = Field(default=None, description="Sexually active children under age_limit seen.")
    under_age_referred: Count | None = None
    age_limit: Annotated[int, Strict(), Field(ge=1, le=18)] | None = None


class ThinkFamily(Record):
    bounds = {"parental_status_recorded": "adult_caseload"}

    adult_caseload: Count
    parental_status_recorded: Count | None = None


class TimelyReferrals(Record):
    bounds = {"seen_in_time": "referrals"}

    referrals: Count
    seen_in_time: Count | None = None


class InformationSharing(Record):
    referrals_to_csc: Referrals | None = None
    conferences: Conferences | None = None
    sexual_health: SexualHealthSharing | None = None
    think_family: ThinkFamily | None = None
    camhs_referrals: TimelyReferrals | None = None
    substance_misuse_referrals: TimelyReferrals | None = None


# --- risk assessment ------------------------------------------------------------------------------


class ExploitationTool(Record):
    bounds = {"completed": "eligible_contacts"}

    service: ServiceKind
    tool: Text | None = Field(default=None, description="Name of the exploitation risk tool in use, if any.")
    eligible_contacts: Count
    completed: Count | None = None


class Screening(Record):
    bounds = {"screened": "attendances_under_18"}

    attendances_under_18: Count
    screened: Count | None = None


class VoiceAudit(Record):
    bounds = {"voice_recorded": "audited"}

    audited: Count
    voice_recorded: Count | None = None


class RiskAssessment(Record):
    exploitation_tools: list[ExploitationTool] | None = Field(default=None, max_length=50)
    ed_screening: Screening | None = None
    voice_of_child: VoiceAudit | None = None


# --- missing children -----------------------------------------------------------------------------


class MissingEpisodes(Record):
    """Episodes in the period by how they were classified (counts, no names)."""

    # No count defaults to 0: a count left out is not reported (unreported is never zero).
    missing_no_apparent_risk: Count | None = Field(
        default=None, description="Missing, graded 'no apparent risk' (police guidance writes it 'no apparent risk (absent)')."
    )
    missing_low: Count | None = None
    missing_medium: Count | None = None
    missing_high: Count | None = None
    missing_ungraded: Count | None = Field(default=None, description="Recorded as missing with no risk grade.")
    absent: Count | None = Field(default=None, description="Recorded with the stand-alone 'absent' category.")
    away_from_placement: Count | None = Field(
        default=None, description="Looked-after children away from placement without authorisation."
    )


class ReturnInterviews(Record):
    bounds = {"offered": "episodes", "done_in_time": "episodes", "health_notified_in_time": "episodes"}
    windows = {"done_in_time": ("interview_window_hours",), "health_notified_in_time": ("health_window_working_days",)}

    episodes: Count
    offered: Count | None = None
    done_in_time: Count | None = Field(default=None, description="Interview done within interview_window_hours of the return.")
    interview_window_hours: Annotated[int, Strict(), Field(ge=1, le=2000)] | None = None
    health_notified_in_time: Count | None = Field(default=None, description="Health told within health_window_working_days.")
    health_window_working_days: WorkingDays | None = None


class HealthSettingEpisodes(Record):
    bounds = {"reported_per_protocol": "episodes"}

    policy_in_date: Flag | None = None
    episodes: Count | None = None
    reported_per_protocol: Count | None = None


class RepeatMissing(Record):
    bounds = {"exploitation_assessed": "children", "alert_placed": "children"}

    children: Count = Field(description="Children with min_episodes or more episodes within within_days.")
    min_episodes: Annotated[int, Strict(), Field(ge=2, le=50)]
    within_days: Annotated[int, Strict(), Field(ge=1, le=366)]
    exploitation_assessed: Count | None = None
    alert_placed: Count | None = None


class Missing(Record):
    episodes: MissingEpisodes | None = None
    return_interviews: ReturnInterviews | None = None
    from_health_settings: HealthSettingEpisodes | None = None
    repeat: RepeatMissing | None = None


# --- looked-after children ------------------------------------------------------------------------


class InitialAssessments(Record):
    bounds = {"assessed_in_time": "entered_care", "by_medical_practitioner": "entered_care"}
    windows = {"assessed_in_time": ("window_working_days",)}

    entered_care: Count
    assessed_in_time: Count | None = Field(default=None, description="Assessed within window_working_days of entering care.")
    window_working_days: WorkingDays | None = None
    by_medical_practitioner: Count | None = None


class ReviewAssessments(Record):
    bounds = {"in_date": "due", "host_notified": "out_of_area_moves"}

    due: Count
    in_date: Count | None = None
    out_of_area_moves: Count | None = None
    host_notified: Count | None = None


class HealthPlans(Record):
    bounds = {"with_plan": "assessments", "sdq_done": "sdq_eligible"}

    assessments: Count
    with_plan: Count | None = None
    sdq_eligible: Count | None = None
    sdq_done: Count | None = None


class LookedAfter(Record):
    initial_assessments: InitialAssessments | None = None
    review_assessments: ReviewAssessments | None = None
    health_plans: HealthPlans | None = None


# --- the return -----------------------------------------------------------------------------------


class SelfAssessment(Record):
    """One organisation's safeguarding-children self-assessment for one period."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Safeguarding children self-assessment")

    schema_version: Literal["2"] = Field(description="Version of this format (version 1 files are migrated on read).")

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        """A version 1 return is read as version 2 with the windows its field names imply."""
        if isinstance(data, dict) and str(data.get("schema_version")) == "1":
            from compliance.domain.migrate import migrate_v1

            return migrate_v1(data)
        return data
    organisation: Organisation
    context: Context | None = None
    services: list[Service] | None = Field(default=None, max_length=100)
    training: Training | None = None
    was_not_brought: WasNotBrought | None = None
    alerts: Alerts | None = None
    governance: Governance | None = None
    information_sharing: InformationSharing | None = None
    risk_assessment: RiskAssessment | None = None
    missing: Missing | None = None
    looked_after: LookedAfter | None = None


def json_schema() -> dict[str, Any]:
    return SelfAssessment.model_json_schema(mode="validation")
