"""The self-assessment format: one organisation's return for one period.

The pydantic models here are the single source of truth for the input format; `safeguard schema`
exports their JSON Schema. Two conventions run through every model:

* `None` (or an omitted field) means *not reported*. It is never read as "no": a rule that needs
  the value reports `insufficient_evidence`. An explicit `false` or `0` is evidence.
* Counts come in pairs ("staff in post" and "staff in date"); a part can never exceed its whole,
  so a return that claims 130 of 120 staff trained is rejected rather than scored.

Only counts and pseudonymous identifiers are asked for: there is nowhere to put a child's name.
"""

# No `from __future__ import annotations`: pydantic would then compile each of ~1,300 annotations
# from text at start-up (about a tenth of `assess`'s own start-up).
import datetime as dt
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from typing_extensions import Self  # typing.Self is 3.11+; the package supports 3.10

from pydantic import BaseModel, ConfigDict, Field, Strict, computed_field, model_validator
from pydantic_core import PydanticCustomError

from compliance.domain.text_numbers import number_from_text

SCHEMA_VERSION = "2"


READABLE_VERSIONS = ("1", SCHEMA_VERSION)


def schema_version_of(value: Any) -> str | None:
    """The version a return's schema_version names ("1" or "2"), written as text or as a whole
    number, as every other number may be (text_numbers); None for anything else (1.0, true, "v2")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = number_from_text(value, whole=True)
    return str(value) if isinstance(value, int) and str(value) in READABLE_VERSIONS else None


def _number_kind(annotation: Any) -> type | None:
    """int or float for a (possibly optional, annotated) number field, else None."""
    import types
    import typing

    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in args if a is not type(None)]
        return _number_kind(kinds[0]) if len(kinds) == 1 else None
    if typing.get_origin(annotation) is Annotated:
        return _number_kind(args[0])
    return annotation if annotation in (int, float) else None

Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
# Strict: numbers written as text are read by Record (text_numbers), the same for every number field.
Hours = Annotated[float, Strict(), Field(ge=0, le=10_000, allow_inf_nan=False, json_schema_extra={"unit": "hours"})]
Money = Annotated[float, Strict(), Field(ge=0, le=1e10, allow_inf_nan=False, json_schema_extra={"unit": "GBP"})]
Flag = Annotated[bool, Strict()]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
# A value's place in the return, as an evidence note names it: 'training.groups[0].in_date'.
EvidencePath = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[a-z][a-z0-9_]*(\[\d+\])?(\.[a-z][a-z0-9_]*(\[\d+\])?)*$")]
EvidenceNote = Annotated[str, Field(min_length=1, max_length=500)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
WorkingDays = Annotated[int, Strict(), Field(ge=0, le=365, description="Working days (weekends and England and Wales bank holidays excluded).")]
Months = Annotated[int, Strict(), Field(ge=1, le=240)]


class Record(BaseModel):
    """Base of every input model: unknown fields are errors, so a typo cannot drop evidence."""

    # built on first use, as every model (see domain/base.py)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, defer_build=True)

    # part field -> whole field, from each field's `part_of` (see `described`).
    bounds: ClassVar[dict[str, str]] = {}
    # count field -> the fields stating the window it was counted with: required with the count.
    windows: ClassVar[dict[str, tuple[str, ...]]] = {}
    # number field -> whether it is whole: where a number written as text is read (text_numbers).
    numbers: ClassVar[dict[str, bool]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.bounds = {name: str(extra["part_of"]) for name, f in cls.model_fields.items()
                      if isinstance(extra := f.json_schema_extra, dict) and "part_of" in extra}
        cls.numbers = {name: kind is int for name, f in cls.model_fields.items()
                       if (kind := _number_kind(f.annotation)) is not None}

    @model_validator(mode="before")
    @classmethod
    def _numbers_written_as_text(cls, data: Any) -> Any:
        """"12" and "1,234" are the numbers they plainly write, in every format (see text_numbers);
        other text is left for the field's type to refuse, at its place."""
        if not isinstance(data, dict) or not cls.numbers:
            return data
        texts = [name for name in cls.numbers if type(data.get(name)) is str]
        if not texts:
            return data
        data = dict(data)
        for name in texts:
            value = number_from_text(data[name], cls.numbers[name])
            if value is not None:
                data[name] = value
        return data

    @model_validator(mode="after")
    def _windows_stated(self) -> Self:
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
    def _parts_within_wholes(self) -> Self:
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
    # settings the 2024 extension of CP-IS reaches beyond unscheduled care (ALR-001's settings list)
    community_paediatrics = "community_paediatrics"
    sexual_assault_referral_centre = "sexual_assault_referral_centre"
    dentistry = "dentistry"


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
        ServiceKind.community_paediatrics,
        ServiceKind.sexual_assault_referral_centre,
    }
)


def described(title: str, description: str, *, part_of: str | None = None, **kw: Any) -> Any:
    """A field with its human label (`title`, what reports call it) and its reference text
    (`description`: what it counts, over which period, in which unit), both read by `safeguard schema`,
    `safeguard init` and `compliance.domain.labels.label_of`. `part_of` names the field of the same
    record this count is part of (in date of staff in post): validation refuses a part above its
    whole, and an unreported part is read as at most its whole, never as unbounded."""
    if part_of is not None:
        kw["json_schema_extra"] = {**kw.get("json_schema_extra", {}), "part_of": part_of}
    return Field(title=title, description=description, **kw)


def part_of(whole: str, title: str, description: str, **kw: Any) -> Any:
    """`described`, for a count that is part of `whole` (a field of the same record)."""
    return described(title, description, part_of=whole, **kw)


# Every count below is over the assessment period (`organisation.period`) unless its description
# says otherwise; "not reported" (omitted or null) is never read as zero.


class Period(Record):
    start: dt.date = described("Period start", "First day of the assessment period (YYYY-MM-DD), usually 1 April.")
    end: dt.date = described("Period end", "Last day of the assessment period (YYYY-MM-DD), usually 31 March.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise PydanticCustomError(
                "period_order", "the period must end after it starts ({start} to {end})",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self


class LocalAuthority(Record):
    code: Code = described("Local authority code", "The code of the local authority area, as in `local_authorities`.")
    name: Text = described("Local authority name", "The local authority's name as people know it, e.g. 'Northfield City Council'.")


PLACEHOLDER = "CHANGE-ME"  # what `safeguard init` writes where only the organisation can answer


class Organisation(Record):
    id: Code = described(
        "Organisation code",
        "The organisation's code (its ODS code, e.g. 'RXN01'): the `id` every report and ranking uses. "
        "Not a person's identifier.",
    )
    name: Text = described("Organisation name", "The organisation's name as it appears in reports.")
    type: OrgType = described(
        "Organisation type",
        "acute, community, mental_health, ambulance, gp_practice or icb: decides which requirements apply.",
    )
    local_authorities: list[Code] = described(
        "Local authorities served",
        "Codes of the local authority areas it serves (at least one); screening groups organisations by them.",
        min_length=1, max_length=40,
    )
    local_authority_names: list[LocalAuthority] | None = described(
        "Local authority names",
        "Optional names for the codes in `local_authorities`, so area views can show names as well as codes.",
        default=None, max_length=40,
    )
    period: Period = described("Assessment period", "The period every count in the return covers, usually a financial year.")
    last_inspection: dt.date | None = described(
        "Last inspection", "Date of the last CQC inspection of its children's services (YYYY-MM-DD).", default=None
    )

    @model_validator(mode="after")
    def _no_placeholders(self) -> Self:
        """`safeguard init` writes placeholders where no default can stand: a return still holding one is
        refused, so a starter file is never assessed as an organisation called CHANGE-ME."""
        if self.id.upper() == PLACEHOLDER:
            raise PydanticCustomError("placeholder", "the organisation code is still the placeholder '{p}' that "
                                      "safeguard init wrote; type your organisation's ODS code, e.g. RXN01",
                                      {"p": PLACEHOLDER, "at": "id"})
        if any(code.upper() == PLACEHOLDER for code in self.local_authorities):
            raise PydanticCustomError("placeholder", "a local authority code is still the placeholder '{p}' that "
                                      "safeguard init wrote; type the code of each area served, e.g. E08000025",
                                      {"p": PLACEHOLDER, "at": "local_authorities"})
        return self

    @model_validator(mode="after")
    def _named_areas_served(self) -> Self:
        for la in self.local_authority_names or []:
            if la.code not in self.local_authorities:
                raise PydanticCustomError(
                    "unknown_area", "local authority '{code}' is named but not in local_authorities", {"code": la.code}
                )
        return self


class Rating(str, Enum):
    outstanding = "outstanding"
    good = "good"
    requires_improvement = "requires_improvement"
    inadequate = "inadequate"


class Context(Record):
    """Signals an inspector uses to target visits; none of them is a requirement."""

    open_practice_reviews: Count | None = described(
        "Open practice reviews",
        "Serious case reviews or child safeguarding practice reviews naming the organisation that are open at the period end (count).",
        default=None,
    )
    whistleblowing_concerns: Count | None = described(
        "Whistle-blowing concerns", "Safeguarding whistle-blowing concerns received in the period (count).", default=None
    )
    la_childrens_services_inadequate: Flag | None = described(
        "Local children's services inadequate",
        "true if any area it serves has children's services judged inadequate by Ofsted at the period end.",
        default=None,
    )
    cqc_safe_rating: Rating | None = described(
        "CQC safe rating", "The latest CQC rating for 'safe': outstanding, good, requires_improvement or inadequate.",
        default=None,
    )
    cqc_well_led_rating: Rating | None = described(
        "CQC well-led rating",
        "The latest CQC rating for 'well-led': outstanding, good, requires_improvement or inadequate.", default=None,
    )


class Service(Record):
    kind: ServiceKind = described("Kind of service", "What the service is, from the list of service kinds.")
    name: Text | None = described("Service name", "The service's local name, e.g. 'Eastmoor UTC'; reports use it.", default=None)
    cp_is_live: Flag | None = described(
        "Whether CP-IS is live",
        "true if Child Protection - Information Sharing is live in this service at the period end.", default=None,
    )

    @computed_field(title="Unscheduled care", description="Worked out from the kind: ED, UTC, out-of-hours GP, ambulance, maternity, paediatrics.")  # type: ignore[prop-decorator]
    @property
    def unscheduled(self) -> bool:
        return self.kind in UNSCHEDULED_CARE

    @computed_field(title="Children's service", description="Worked out from the kind: the service sees children or pregnant women.")  # type: ignore[prop-decorator]
    @property
    def child_facing(self) -> bool:
        return self.kind in CHILD_FACING


# --- training -----------------------------------------------------------------------------------


class StaffGroup(Record):
    windows = {"in_date": ("renewal_months",)}

    group: Text = described("Staff group", "The group's name, e.g. 'ED clinicians'; reports use it.")
    level: Annotated[int, Strict(), Field(ge=1, le=3)] = described(
        "Competency level", "Intercollegiate competency level required of this group: 1, 2 or 3."
    )
    service: ServiceKind | None = described(
        "Service of the group", "The service the group works in (needed for level-3 groups in children's services).",
        default=None,
    )
    staff_in_post: Count = described("Staff in post", "Staff in the group at the period end (headcount).")
    in_date: Count | None = part_of(
        "staff_in_post",
        "Staff in date", "Staff in the group whose training at the required level is in date at the period end (headcount).",
        default=None,
    )
    renewal_months: Months | None = described(
        "Renewal period of the training",
        "The window `in_date` was counted with: in date means completed within this many months before the period end (months).",
        default=None,
    )


class SpecialistPost(Record):
    windows = {"learning_hours": ("window_years",)}

    post: Text = described("Post", "A named or designated safeguarding role, e.g. 'named nurse'.")
    learning_hours: Hours | None = described(
        "Safeguarding learning hours",
        "Safeguarding learning hours the post holder completed in the `window_years` years to the period end (hours).",
        default=None,
    )
    window_years: Annotated[int, Strict(), Field(ge=1, le=10)] | None = described(
        "Learning hours window", "The window `learning_hours` was counted with (years).", default=None
    )


class BoardTraining(Record):
    windows = {"trained_in_time": ("window_months",)}

    members: Count = described("Board members", "Members of the board (or governing body) at the period end.")
    trained_in_time: Count | None = part_of(
        "members",
        "Board members trained in time",
        "Board members who completed board-level safeguarding training within `window_months` months of appointment.",
        default=None,
    )
    window_months: Months | None = described(
        "Board training window", "The window `trained_in_time` was counted with: months from appointment (months).",
        default=None,
    )


class Training(Record):
    groups: list[StaffGroup] | None = described(
        "Staff groups", "Every staff group with its required level, staff in post and staff in date.",
        default=None, max_length=500,
    )
    specialist_posts: list[SpecialistPost] | None = described(
        "Named and designated post holders", "Each named or designated professional and their learning hours.",
        default=None, max_length=100,
    )
    board: BoardTraining | None = described("Board training", "Board-level safeguarding training.", default=None)
    budget_gbp: Money | None = described(
        "Safeguarding training budget", "The identifiable safeguarding training budget for the period (pounds sterling).",
        default=None,
    )


# --- missed appointments ("was not brought") -----------------------------------------------------


class WnbPolicy(Record):
    exists: Flag = described("Whether a was-not-brought policy exists", "true if there is a written was-not-brought policy.")
    last_reviewed: dt.date | None = described(
        "Was-not-brought policy last reviewed", "Date the policy was last reviewed (YYYY-MM-DD).", default=None
    )
    services_covered: list[ServiceKind] | None = described(
        "Services the was-not-brought policy names", "The kinds of service the policy covers.", default=None
    )


class MissedAppointments(Record):

    total: Count = described(
        "Missed appointments of children",
        "Missed appointments (codes 3 and 7) in the period of children under `under_age` (count).",
    )
    coded_was_not_brought: Count | None = part_of(
        "total",
        "Missed appointments coded 'was not brought'",
        "Of those, how many were coded 'was not brought' rather than 'did not attend'.", default=None,
    )
    under_age: Annotated[int, Strict(), Field(ge=1, le=18)] = described(
        "Age limit of the missed appointments", "The age `total` was counted with: children under this age (years)."
    )


class WnbFollowUp(Record):
    windows = {"reviewed_in_time": ("window_working_days",)}

    was_not_brought: Count = described("Children not brought", "Appointments in the period at which a child was not brought (count).")
    reviewed_in_time: Count | None = part_of(
        "was_not_brought",
        "Children not brought reviewed in time",
        "Of those, how many a clinician reviewed within `window_working_days` working days.", default=None,
    )
    window_working_days: WorkingDays | None = described(
        "Review window", "The window `reviewed_in_time` was counted with (working days).", default=None
    )
    discharged_without_review: Count | None = part_of(
        "was_not_brought",
        "Children discharged without review",
        "Of those, how many were discharged (e.g. back to the GP) without a clinical review.", default=None,
    )


class WnbEscalation(Record):
    windows = {"notified_in_time": ("window_working_days",)}

    eligible: Count = described(
        "Was-not-brought episodes needing escalation",
        "Appointments missed by children on a child protection plan or looked after, or repeat was-not-brought episodes (count).",
    )
    notified_in_time: Count | None = part_of(
        "eligible",
        "Escalations notified in time",
        "Of those, how many were notified to the child's social worker or lead professional within `window_working_days` working days.",
        default=None,
    )
    window_working_days: WorkingDays | None = described(
        "Escalation window", "The window `notified_in_time` was counted with (working days).", default=None
    )


class WasNotBrought(Record):
    policy: WnbPolicy | None = described("Was-not-brought policy", "The written policy for children not brought.", default=None)
    missed_appointments: MissedAppointments | None = described(
        "Missed appointments", "How missed appointments of children were coded.", default=None
    )
    follow_up: WnbFollowUp | None = described("Follow-up of children not brought", "Clinical review after a missed appointment.", default=None)
    escalation: WnbEscalation | None = described(
        "Escalation of children not brought", "Notification of the missed appointments of the most vulnerable children.",
        default=None,
    )


# --- alerts ---------------------------------------------------------------------------------------


class CpisChecks(Record):

    attendances: Count = described(
        "Unscheduled attendances of children and pregnant women",
        "Attendances of children and pregnant women at unscheduled-care services in the period (count).",
    )
    checked: Count | None = part_of("attendances", "Attendances with a CP-IS check", "Of those, how many had CP-IS checked.", default=None)


class LocalAlerts(Record):
    windows = {"reviewed_in_time": ("window_months",)}

    system_exists: Flag = described("Whether a local alert system exists", "true if the records system can hold local safeguarding alerts.")
    active: Count | None = described("Active alerts", "Local safeguarding alerts active at the period end (count).", default=None)
    reviewed_in_time: Count | None = part_of(
        "active",
        "Active alerts reviewed in time",
        "Of those, how many were reviewed in the `window_months` months to the period end.", default=None,
    )
    window_months: Months | None = described(
        "Alert review window", "The window `reviewed_in_time` was counted with (months).", default=None
    )
    past_expiry: Count | None = part_of(
        "active",
        "Active alerts past expiry", "Of those, how many are past their expiry or review date.", default=None
    )


class EdNotifications(Record):
    windows = {"notified_in_time": ("window_working_days",)}

    attendances_under_18: Count = described(
        "ED and UTC attendances of under-18s", "Attendances of under-18s at the ED or urgent treatment centre (count)."
    )
    notified_in_time: Count | None = part_of(
        "attendances_under_18",
        "Attendances notified in time",
        "Of those, how many were notified to the GP and health visitor or school nurse within `window_working_days` working days.",
        default=None,
    )
    window_working_days: WorkingDays | None = described(
        "Notification window", "The window `notified_in_time` was counted with (working days).", default=None
    )


class Alerts(Record):
    cpis_checks: CpisChecks | None = described("CP-IS checks", "Checks of Child Protection - Information Sharing.", default=None)
    local_alerts: LocalAlerts | None = described("Local alerts", "Local safeguarding alerts on the records system.", default=None)
    ed_notifications: EdNotifications | None = described(
        "ED attendance notifications", "Notifying children's community services of ED attendances.", default=None
    )


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
    role: RoleKind = described("Role", "Which safeguarding role this is, from the list of roles.")
    filled: Flag = described("Whether the post is filled", "true if someone holds the post at the period end (interim cover counts).")
    vacant_since: dt.date | None = described("Vacant since", "For a vacant post, the date it fell vacant (YYYY-MM-DD).", default=None)
    role_description: Flag | None = described(
        "Whether there is a role description", "true if the post holder has a written role description.", default=None
    )
    protected_time: Flag | None = described(
        "Whether the post has protected time", "true if the role has protected time in the job plan.", default=None
    )
    interim_cover: Flag | None = described(
        "Whether interim cover is recorded",
        "For a vacant post: true if interim cover is in place and recorded (who covers, from when).", default=None,
    )


class BoardAssurance(Record):
    annual_report: Flag | None = described(
        "Whether the board received the annual report",
        "true if the board received an annual safeguarding-children report in the period.", default=None,
    )
    other_reports: Count | None = described(
        "Further board reports",
        "Further board or committee reports on safeguarding children in the period (count).", default=None,
    )


class Partnership(Record):
    name: Text = described("Partnership", "The local safeguarding children partnership's name.")
    section11_submitted: dt.date | None = described(
        "Section 11 audit submitted", "Date of the last section 11 self-assessment submitted to it (YYYY-MM-DD).", default=None
    )
    overdue_red_actions: Count | None = described(
        "Overdue red actions", "Red-rated actions from its audits that are overdue at the period end (count).", default=None
    )


class Counterpart(str, Enum):
    chair = "chair"
    independent_scrutineer = "independent_scrutineer"
    delegated_partner = "delegated_partner"


class Attendee(str, Enum):
    chief_executive = "chief_executive"
    executive_lead = "executive_lead"
    other = "other"


class Engagement(Record):
    date: dt.date = described("Meeting date", "When the meeting took place (YYYY-MM-DD).")
    attendee: Attendee = described("Who attended", "chief_executive, executive_lead or other.")
    counterpart: Counterpart = described("Whom they met", "chair, independent_scrutineer or delegated_partner of the partnership.")


class PartnershipMeetings(Record):

    required: Count = described("Partnership meetings required", "Partnership meetings the organisation was expected to attend (count).")
    attended: Count | None = part_of("required", "Partnership meetings attended", "Of those, how many it attended.", default=None)


class Dbs(Record):

    requiring: Count = described(
        "Staff needing an enhanced check with barred list",
        "Staff whose role needs an enhanced DBS check with the children's barred list, at the period end (headcount).",
    )
    compliant: Count | None = part_of("requiring", "Staff holding the check", "Of those, how many hold the check.", default=None)


class SpeakUp(Record):
    policy_in_date: Flag | None = described("Whether the speak-up policy is in date", "true if the speak-up policy is within its review date.", default=None)
    guardian_in_post: Flag | None = described(
        "Whether a Freedom to Speak Up guardian is in post", "true if a guardian is in post at the period end.", default=None
    )
    primary_care_guardian_access: Flag | None = described(
        "Whether primary-care staff can reach a guardian",
        "ICBs: true if an arrangement the ICB has made gives staff in primary care access to a Freedom to Speak Up "
        "guardian at the period end.", default=None,
    )


class ConcernReporting(Record):
    incident_category: Flag | None = described(
        "Whether incidents have a safeguarding-children category",
        "true if the incident system has a safeguarding-children category.", default=None,
    )
    out_of_hours_advice: Flag | None = described(
        "Whether safeguarding advice is available out of hours", "true if staff can get safeguarding advice out of hours.",
        default=None,
    )


class Supervision(Record):
    windows = {"supervised_in_time": ("interval_months",)}

    eligible: Count = described(
        "Staff needing safeguarding supervision", "Staff who should have safeguarding supervision (headcount at the period end)."
    )
    supervised_in_time: Count | None = part_of(
        "eligible",
        "Staff supervised in time", "Of those, how many had supervision at least every `interval_months` months.",
        default=None,
    )
    interval_months: Months | None = described(
        "Supervision interval", "The interval `supervised_in_time` was counted with (months).", default=None
    )


class CaseFileAudit(Record):
    service: ServiceKind = described("Service audited", "The kind of service whose case files were audited.")
    audits: Count = described("Case-file audits", "Safeguarding case-file audits of the service in the period (count).")


class ContractType(str, Enum):
    """The contract a commissioned provider holds: the safeguarding service condition (SC32) is part
    of the NHS Standard Contract only; general practices hold primary-care contracts."""

    nhs_standard = "nhs_standard"
    gms = "gms"
    pms = "pms"
    apms = "apms"


class CommissionedProvider(Record):
    provider: Code = described("Provider code", "The commissioned provider's organisation code.")
    contract: ContractType | None = described(
        "Contract held",
        "nhs_standard (NHS Standard Contract), or a general practice's gms, pms or apms contract; the "
        "safeguarding service condition (SC32) is asked only of NHS Standard Contract providers.", default=None,
    )
    sc32_in_contract: Flag | None = described(
        "Whether the safeguarding condition is in contract",
        "true if the contract includes the safeguarding service condition (SC32).", default=None,
    )
    last_assurance_return: dt.date | None = described(
        "Last assurance return", "Date of the provider's last safeguarding assurance return (YYYY-MM-DD).", default=None
    )


class Governance(Record):
    roles: list[Role] | None = described(
        "Safeguarding roles", "Every executive, named and designated safeguarding role, filled or vacant.",
        default=None, max_length=100,
    )
    board_assurance: BoardAssurance | None = described("Board assurance", "Safeguarding reports to the board.", default=None)
    partnerships: list[Partnership] | None = described(
        "Safeguarding partnerships", "Each local safeguarding children partnership the organisation belongs to.",
        default=None, max_length=40,
    )
    engagements: list[Engagement] | None = described(
        "Meetings with partnership leaders", "Meetings of senior leaders with the partnership's leaders.",
        default=None, max_length=200,
    )
    partnership_meetings: PartnershipMeetings | None = described(
        "Partnership meetings", "Attendance at the partnership's meetings.", default=None
    )
    dbs: Dbs | None = described("DBS checks", "Enhanced DBS checks with the children's barred list.", default=None)
    speak_up: SpeakUp | None = described("Speaking up", "Freedom to Speak Up arrangements.", default=None)
    concern_reporting: ConcernReporting | None = described("Reporting concerns", "How staff raise safeguarding concerns.", default=None)
    supervision: Supervision | None = described("Safeguarding supervision", "Supervision of staff working with children.", default=None)
    case_file_audits: list[CaseFileAudit] | None = described(
        "Case-file audits", "Safeguarding case-file audits by service.", default=None, max_length=100
    )
    providers: list[CommissionedProvider] | None = described(
        "Commissioned providers", "For an ICB: each provider it commissions.", default=None, max_length=500
    )


# --- information sharing and referrals ------------------------------------------------------------


class Referrals(Record):
    windows = {"referred_in_time": ("referral_window_working_days",), "confirmed_in_time": ("confirm_window_hours",)}

    total: Count = described("Referrals to children's social care", "Referrals made to children's social care in the period (count).")
    referred_in_time: Count | None = part_of(
        "total",
        "Referrals made in time",
        "Of those, how many were made within `referral_window_working_days` working days of the concern (0: the same working day).",
        default=None,
    )
    referral_window_working_days: WorkingDays | None = described(
        "Referral window", "The window `referred_in_time` was counted with (working days; 0 is the same working day).",
        default=None,
    )
    confirmed_in_time: Count | None = part_of(
        "total",
        "Referrals confirmed in writing in time",
        "Of those, how many were confirmed in writing within `confirm_window_hours` hours.", default=None,
    )
    confirm_window_hours: Annotated[int, Strict(), Field(ge=1, le=2000)] | None = described(
        "Written confirmation window", "The window `confirmed_in_time` was counted with (hours).", default=None
    )


class Conferences(Record):

    invited: Count = described("Child protection conferences invited to", "Conferences the organisation was invited to (count).")
    attended_or_reported: Count | None = part_of(
        "invited",
        "Conferences attended or reported to", "Of those, how many it attended or sent a report to.", default=None
    )


class SexualHealthSharing(Record):
    windows = {"under_age": ("age_limit",)}

    concerns: Count = described(
        "Safeguarding concerns about under-18s in sexual health", "Concerns about under-18s arising in sexual-health consultations (count)."
    )
    decision_recorded: Count | None = part_of(
        "concerns",
        "Concerns with a recorded sharing decision", "Of those, how many have a recorded decision on sharing information.",
        default=None,
    )
    under_age: Count | None = described(
        "Sexually active children under the age limit seen",
        "Sexually active children under `age_limit` seen by sexual-health services (count).", default=None,
    )
    under_age_referred: Count | None = part_of(
        "under_age",
        "Children under the age limit referred", "Of those, how many were referred to children's social care.", default=None
    )
    age_limit: Annotated[int, Strict(), Field(ge=1, le=18)] | None = described(
        "Age limit in sexual health", "The age `under_age` was counted with: children under this age (years).", default=None
    )


class ThinkFamily(Record):

    adult_caseload: Count = described("Adult caseload", "Adult patients on the caseload in the period (count).")
    parental_status_recorded: Count | None = part_of(
        "adult_caseload",
        "Adult records stating parental responsibility",
        "Of those, how many records state whether the patient has parental or caring responsibility.", default=None,
    )


class TimelyReferrals(Record):
    referrals: Count = described("Referrals received", "Referrals of children received in the period (count).")
    seen_in_time: Count | None = part_of(
        "referrals", "Referrals seen in time",
        "Of those, how many were seen within `wait_weeks` weeks of referral (the local waiting standard).", default=None)
    # Not required with `seen_in_time`, so returns written before it was asked for still validate;
    # such a count is read as made with the standard the rule uses (what 'the agreed time' meant).
    wait_weeks: Annotated[int, Strict(), Field(ge=1, le=104)] | None = described(
        "Waiting standard", "The wait `seen_in_time` was counted with: seen within this many weeks of referral (weeks).",
        default=None)


class InformationSharing(Record):
    referrals_to_csc: Referrals | None = described(
        "Referrals to children's social care", "Timeliness of referrals to children's social care.", default=None
    )
    conferences: Conferences | None = described("Child protection conferences", "Health's contribution to conferences.", default=None)
    sexual_health: SexualHealthSharing | None = described(
        "Sexual health information sharing", "Sharing decisions in sexual-health services.", default=None
    )
    think_family: ThinkFamily | None = described("Think family", "Recording parental responsibility in adult services.", default=None)
    camhs_referrals: TimelyReferrals | None = described("CAMHS referrals", "Referrals to CAMHS and how quickly they were seen.", default=None)
    substance_misuse_referrals: TimelyReferrals | None = described(
        "Substance misuse referrals", "Referrals of young people to substance-misuse services.", default=None
    )


# --- risk assessment ------------------------------------------------------------------------------


class ExploitationTool(Record):

    service: ServiceKind = described("Service using the tool", "The kind of service the entry is for.")
    tool: Text | None = described("Exploitation risk tool", "Name of the exploitation risk tool in use, if any.", default=None)
    eligible_contacts: Count = described(
        "Contacts needing an exploitation screen", "Contacts in the period for which the tool should be completed (count)."
    )
    completed: Count | None = part_of("eligible_contacts", "Exploitation screens completed", "Of those, how many had the tool completed.", default=None)


class Screening(Record):

    attendances_under_18: Count = described(
        "Under-18 attendances at ED or UTC", "Attendances of under-18s at the ED or urgent treatment centre (count)."
    )
    screened: Count | None = part_of(
        "attendances_under_18",
        "Attendances with a safeguarding screen", "Of those, how many had a recorded safeguarding screen.", default=None
    )


class VoiceAudit(Record):

    audited: Count = described("Safeguarding cases audited", "Safeguarding cases audited for the voice of the child (count).")
    voice_recorded: Count | None = part_of(
        "audited",
        "Cases recording the child's views", "Of those, in how many the child's views were recorded.", default=None
    )


class RiskAssessment(Record):
    exploitation_tools: list[ExploitationTool] | None = described(
        "Exploitation risk tools", "For each service, the exploitation risk tool used and how often it was completed.",
        default=None, max_length=50,
    )
    ed_screening: Screening | None = described("ED safeguarding screening", "Safeguarding screens of under-18s at ED.", default=None)
    voice_of_child: VoiceAudit | None = described("Voice of the child", "Audit of whether children's views are recorded.", default=None)


# --- missing children -----------------------------------------------------------------------------


class MissingEpisodes(Record):
    """Episodes in the period by how they were classified (counts, no names)."""

    # No count defaults to 0: a count left out is not reported (unreported is never zero).
    missing_no_apparent_risk: Count | None = described(
        "Missing: no apparent risk",
        "Missing episodes graded 'no apparent risk' (police guidance writes it 'no apparent risk (absent)') (count).",
        default=None,
    )
    missing_low: Count | None = described("Missing: low risk", "Missing episodes graded low risk (count).", default=None)
    missing_medium: Count | None = described("Missing: medium risk", "Missing episodes graded medium risk (count).", default=None)
    missing_high: Count | None = described("Missing: high risk", "Missing episodes graded high risk (count).", default=None)
    missing_ungraded: Count | None = described(
        "Missing with no risk grade", "Episodes recorded as missing with no risk grade (count).", default=None
    )
    absent: Count | None = described(
        "Recorded as 'absent'", "Episodes recorded with the stand-alone 'absent' category (count).", default=None
    )
    away_from_placement: Count | None = described(
        "Away from placement", "Looked-after children away from placement without authorisation (episodes).", default=None
    )


class ReturnInterviews(Record):
    windows = {"done_in_time": ("interview_window_hours",), "health_notified_in_time": ("health_window_working_days",)}

    episodes: Count = described("Missing episodes needing a return interview", "Missing episodes in the period after which a return interview is due (count).")
    offered: Count | None = part_of("episodes", "Return interviews offered", "Of those, how many were offered a return interview.", default=None)
    done_in_time: Count | None = part_of(
        "episodes",
        "Return interviews done in time",
        "Of those, how many interviews were done within `interview_window_hours` hours of the child's return.", default=None,
    )
    interview_window_hours: Annotated[int, Strict(), Field(ge=1, le=2000)] | None = described(
        "Return interview window", "The window `done_in_time` was counted with (hours).", default=None
    )
    health_notified_in_time: Count | None = part_of(
        "episodes",
        "Health told in time", "Of those, in how many health was told within `health_window_working_days` working days.",
        default=None,
    )
    health_window_working_days: WorkingDays | None = described(
        "Health notification window", "The window `health_notified_in_time` was counted with (working days).", default=None
    )


class HealthSettingEpisodes(Record):

    policy_in_date: Flag | None = described(
        "Whether the missing-from-health-settings procedure is in date",
        "true if the procedure for children missing from health settings is within its review date.", default=None,
    )
    episodes: Count | None = described("Children missing from health settings", "Episodes of a child missing from a health setting (count).", default=None)
    reported_per_protocol: Count | None = part_of(
        "episodes",
        "Missing episodes reported per protocol", "Of those, how many were reported as the protocol requires.", default=None
    )


class RepeatMissing(Record):

    children: Count = described(
        "Children repeatedly missing",
        "Children with `min_episodes` or more missing episodes within `within_days` days (count).",
    )
    min_episodes: Annotated[int, Strict(), Field(ge=2, le=50)] = described(
        "Episodes that make a child repeatedly missing", "The number of episodes `children` was counted with (episodes)."
    )
    within_days: Annotated[int, Strict(), Field(ge=1, le=366)] = described(
        "Days the repeated episodes fall within", "The window `children` was counted with (days)."
    )
    exploitation_assessed: Count | None = part_of(
        "children",
        "Repeatedly missing children assessed for exploitation", "Of those, how many have an exploitation risk assessment.", default=None
    )
    alert_placed: Count | None = part_of(
        "children",
        "Repeatedly missing children with an alert", "Of those, how many have an alert on their record.", default=None
    )


class Missing(Record):
    episodes: MissingEpisodes | None = described("Missing episodes", "Missing episodes by how they were classified.", default=None)
    return_interviews: ReturnInterviews | None = described("Return interviews", "Interviews after a child returns.", default=None)
    from_health_settings: HealthSettingEpisodes | None = described(
        "Missing from health settings", "Children missing from wards and clinics.", default=None
    )
    repeat: RepeatMissing | None = described("Repeat missing", "Children missing again and again.", default=None)


# --- looked-after children ------------------------------------------------------------------------


class InitialAssessments(Record):
    windows = {"assessed_in_time": ("window_working_days",)}

    entered_care: Count = described("Children entering care", "Children who entered care in the period (count).")
    assessed_in_time: Count | None = part_of(
        "entered_care",
        "Initial health assessments in time",
        "Of those, how many had an initial health assessment within `window_working_days` working days of entering care.",
        default=None,
    )
    window_working_days: WorkingDays | None = described(
        "Initial assessment window", "The window `assessed_in_time` was counted with (working days).", default=None
    )
    by_medical_practitioner: Count | None = part_of(
        "entered_care",
        "Initial health assessments by a doctor", "Of those, how many assessments were done by a medical practitioner.", default=None
    )


class ReviewAssessments(Record):

    due: Count = described("Review health assessments due", "Review health assessments of looked-after children due in the period (count).")
    in_date: Count | None = part_of("due", "Review health assessments in date", "Of those, how many were done in date.", default=None)
    out_of_area_moves: Count | None = described("Out-of-area moves", "Looked-after children placed out of area in the period (count).", default=None)
    host_notified: Count | None = part_of("out_of_area_moves", "Host area told before the move", "Of those, before how many moves the host area was told.", default=None)


class HealthPlans(Record):

    assessments: Count = described("Health assessments of looked-after children", "Health assessments carried out in the period (count).")
    with_plan: Count | None = part_of("assessments", "Assessments with a health plan", "Of those, how many produced a health plan.", default=None)
    sdq_eligible: Count | None = described(
        "Children aged 4 to 16 assessed", "Children aged 4 to 16 among those assessed, due a strengths and difficulties questionnaire (count).",
        default=None,
    )
    sdq_done: Count | None = part_of("sdq_eligible", "Questionnaires completed", "Of those, how many had a completed questionnaire.", default=None)


class LookedAfter(Record):
    initial_assessments: InitialAssessments | None = described(
        "Initial health assessments", "Health assessments of children entering care.", default=None
    )
    review_assessments: ReviewAssessments | None = described(
        "Review health assessments", "Review health assessments and out-of-area moves.", default=None
    )
    health_plans: HealthPlans | None = described("Health plans", "Health plans and questionnaires from assessments.", default=None)


# --- the action plan ------------------------------------------------------------------------------


class ActionStatus(str, Enum):
    not_started = "not_started"
    in_progress = "in_progress"
    done = "done"
    overdue = "overdue"


class Action(Record):
    """One improvement action for a requirement not met: what will be done, by whom (a role, never a
    name) and when, and how far it has got. Carried from one year's return to the next."""

    rule: Code = described("Requirement code", "The code of the requirement the action is for, e.g. WNB-004.")
    action: Annotated[str, Field(min_length=1, max_length=600)] = described(
        "Action", "What will be done, in a sentence or two.")
    owner: Text | None = described("Owner", "Who is responsible, by role (e.g. Named nurse for safeguarding), never a name.",
                                   default=None)
    due: dt.date | None = described("Due date", "When the action is due (YYYY-MM-DD).", default=None)
    status: ActionStatus = described("Status", "not started, in progress, done or overdue.",
                                     default=ActionStatus.not_started)
    progress: Annotated[str, Field(min_length=1, max_length=600)] | None = described(
        "Progress note", "What has been done so far, and what is left.", default=None)


# --- the return -----------------------------------------------------------------------------------


class SelfAssessment(Record):
    """One organisation's safeguarding-children self-assessment for one period."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, title="Safeguarding children self-assessment")

    schema_version: Literal["2"] = described(
        "Format version", "Version of this format: \"2\" (version 1 files are migrated on read)."
    )

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        """A version 1 return is read as version 2 with the windows its field names imply; a version
        written as a number (`schema_version: 1`, as YAML and JSON write it unquoted) is that version."""
        if not isinstance(data, dict):
            return data
        version = schema_version_of(data.get("schema_version"))
        if version == "1":
            from compliance.domain.migrate import migrate_v1

            return migrate_v1(data)
        if version is not None and data.get("schema_version") != version:
            data = {**data, "schema_version": version}
        return data

    organisation: Organisation = described("Organisation", "Who the return is for and the period it covers.")
    context: Context | None = described("Context", "Signals inspectors use to target visits; none is a requirement.", default=None)
    services: list[Service] | None = described(
        "Services", "Every service the organisation runs, one entry each (a kind may appear more than once).",
        default=None, max_length=100,
    )
    training: Training | None = described("Training", "Safeguarding training by competency level.", default=None)
    was_not_brought: WasNotBrought | None = described(
        "Was not brought", "Follow-up of children not brought to appointments.", default=None
    )
    alerts: Alerts | None = described("Alerts", "Alert systems for children at risk.", default=None)
    governance: Governance | None = described("Governance", "Roles, board assurance and partnership working.", default=None)
    information_sharing: InformationSharing | None = described(
        "Information sharing", "Referrals and information sharing with partners.", default=None
    )
    risk_assessment: RiskAssessment | None = described("Risk assessment", "Exploitation and safeguarding screening.", default=None)
    missing: Missing | None = described("Missing children", "Classification and follow-up of missing children.", default=None)
    looked_after: LookedAfter | None = described("Looked-after children", "Health assessments and plans of children in care.", default=None)
    actions: list[Action] | None = described(
        "Action plan", "Improvement actions for requirements not met, each with an owner, a due date and its status; "
        "carried into next year's template. Never read by a rule.", default=None, max_length=200,
    )
    evidence: dict[EvidencePath, EvidenceNote] | None = described(
        "Evidence notes",
        "Where reported values come from, in the organisation's own words, by the value's field path "
        "(e.g. 'training.groups[0].in_date: ESR extract 31/03/2026, checked by HR'); shown beside the value "
        "in every report. Never read by a rule.", default=None, max_length=2000,
    )


def json_schema() -> dict[str, Any]:
    return SelfAssessment.model_json_schema(mode="validation")
