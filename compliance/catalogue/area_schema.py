"""The area rule format: requirements of a local authority area, judged across every organisation
that serves it, so a gap that lies between organisations can be seen at all.

An area rule quantifies over *items* gathered from every return of the area (a list in each
return, such as its services, or one object per organisation) and states, as data, what must hold:

* `check`: a three-valued condition every item must meet (CP-IS live in every unscheduled setting);
* `same`: fields whose known values must agree across all items (one exploitation tool across
  sexual health, school nursing and the ED, whichever providers run them);
* `listed_by`: every item must be matched by an entry of another organisation's list (every
  provider serving the area is one its ICB lists);
* `requires`: values that must be present among the items (a health-visiting and a school-nursing
  service to receive ED notifications), optionally only `when` another value is present (an ED);
* `items.required`: entries each organisation of a type must list (an ICB's designated posts, a
  trust's named posts): one that is not listed fails.

Silence is never compliance: an organisation `expected_from` that leaves the list unreported leaves
the rule without evidence, unless what the others reported already decides it (a failure, or every
required value present).

`evaluation/area.py` turns each of these into durable-rules patterns, joins across item facts
included; nothing here is executed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import Field
from pydantic_core import PydanticCustomError
from pydantic import model_validator

from compliance.catalogue.schema import Condition, Name, Parameter, Path_, Scalar, condition_names
from compliance.catalogue.language import FromFile
from compliance.domain.base import Strict
from compliance.domain.model import OrgType
from compliance.domain.outcomes import FrameworkMapping, KeyQuestion, Outcome, Severity, Source

AreaRuleId = Annotated[str, Field(pattern=r"^ARE-[0-9]{3}$")]


class RequiredEntries(Strict):
    """Entries each organisation must list, by its type and the services it runs (as GOV-002 does):
    each one named in the list parameters given; one not listed fails the area."""

    key: Name = Field(description="The item field naming the entry, e.g. role.")
    org_types: dict[OrgType, Name] = Field(default_factory=dict, description="A list parameter per organisation type.")
    services: dict[Name, Name | list[Scalar]] = Field(
        default_factory=dict, description="Per service kind, a list parameter or the entries themselves: needed "
        "where the organisation's list of services says that service runs.")
    labels: dict[Name, str] = Field(default_factory=dict, description="How each entry reads in a message.")
    unlisted: str = Field(default="{entry} not listed", min_length=8, max_length=100, pattern=r"\{entry\}",
                          description="What an entry not listed means, with {entry} for the entry's words.")


class Items(Strict):
    """What an area rule quantifies over, gathered from every organisation serving the area."""

    path: Path_ = Field(description="A list in each return (`services[]`) or an object (`governance.speak_up`); "
                                     "an object gives one item per organisation, reported or not.")
    org_types: list[OrgType] | None = Field(default=None, description="Only organisations of these types.")
    reported_only: bool = Field(default=False, description="An object path: only organisations that report it.")
    where: dict[Name, list[Scalar] | Name] | None = Field(
        default=None, description="Only items whose field has one of these values (or of a list parameter's).")
    fields: list[Name] = Field(default_factory=list, max_length=10, description="Item fields the rule reads.")
    months_since: list[Name] = Field(
        default_factory=list, max_length=3,
        description="Date fields read as their age in months at the period end (the calendar's inclusive "
                    "'within N months'), as field `<name>_months`.")
    label: list[Name] = Field(default_factory=list, max_length=3,
                              description="Item fields that name the item in messages, after its organisation.")
    expected_from: list[OrgType] = Field(
        default_factory=list, description="Organisations of these types are expected to report the list: one "
        "that leaves it unreported leaves the rule without evidence (it might hold what is missing or failing).")
    empty_is_unreported: bool = Field(default=False, description="An expected organisation whose list is empty "
                                      "has shown nothing (an ICB that lists no providers), as if unreported.")
    full_months_since: list[Name] = Field(
        default_factory=list, max_length=3,
        description="Date fields read as whole calendar months completed by the period end, as field "
                    "`<name>_full_months` ('shorter than 3 months' is fewer than 3 completed).")
    cutover: Name | None = Field(
        default=None, description="A date parameter: field `period_after_cutover` is true for a period that starts "
        "on or after it, false for one that ends before it, and unknown for one that contains it (counts of such "
        "a period cannot say which side of the date they fall).")
    required: RequiredEntries | None = None
    unstated: dict[Name, Scalar] = Field(
        default_factory=dict, max_length=3,
        description="Fields whose absence is itself an answer, as the organisation rule reads it: interim "
                    "cover a return does not state has not been recorded (false).")


class ListedBy(Strict):
    """Every item must be matched by an entry in a list held by another organisation of the area."""

    org_types: list[OrgType] = Field(min_length=1)
    path: Path_ = Field(description="The list, e.g. governance.providers[].")
    key: Name = Field(description="The list entry's field holding the item organisation's code.")


class Requires(Strict):
    """Values that must be present among the items for the area to pass."""

    field: Name
    values: list[Scalar] = Field(min_length=1, max_length=10)
    when: list[Scalar] = Field(default_factory=list, max_length=10,
                               description="Only when one of these values is present (an ED or UTC): an area "
                               "without any is not applicable.")


class AreaMessages(Strict):
    """What a reader is told; a parameter is shown as {name}, never as its default written in (a
    profile may change it)."""

    met: str = Field(min_length=3, max_length=400)
    not_met: str = Field(min_length=3, max_length=400, description="Followed by the items that fail.")
    insufficient_evidence: str = Field(min_length=3, max_length=400, description="Followed by the items not reported.")
    not_applicable: str = Field(min_length=3, max_length=400)


class AreaCase(Strict):
    """An embedded case: a few organisations (each a fragment merged onto a minimal return) and the outcome."""

    name: str = Field(min_length=3, max_length=80, pattern=r"^[a-z0-9_]+$")
    organisations: list[dict] = Field(min_length=1, max_length=10)
    expect: Outcome


class AreaRule(FromFile):
    id: AreaRuleId
    title: str = Field(min_length=5, max_length=100)
    requirement: str = Field(min_length=10, max_length=1000)
    rationale: str = Field(min_length=10, max_length=2000)
    severity: Severity
    key_question: KeyQuestion
    sources: list[Source] = Field(min_length=1, max_length=10)
    mappings: list[FrameworkMapping] = Field(default_factory=list, max_length=20,
                                             description="As for organisation rules: where the area requirement sits in the frameworks.")
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    items: Items
    check: Condition | None = None
    same: list[Name] = Field(default_factory=list, max_length=3)
    listed_by: ListedBy | None = None
    requires: Requires | None = None
    messages: AreaMessages
    remediation: str = Field(min_length=10, max_length=1000)
    line_of_enquiry: str = Field(min_length=10, max_length=500)
    cases: list[AreaCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AreaRule:
        if self.check is None and not self.same and self.listed_by is None and self.requires is None:
            raise PydanticCustomError("area_rule", "an area rule needs check, same, listed_by or requires")
        readable = set(self.item_fields)
        names = condition_names(self.check) if self.check else []
        unknown = [n for n in names if n not in readable and n not in self.parameters]
        unknown += [n for n in self.same if n not in readable]
        if self.requires is not None and self.requires.field not in readable:
            unknown.append(self.requires.field)
        def not_a(kind: type, name: str) -> bool:
            return name not in self.parameters or not isinstance(self.parameters[name].default, kind)

        req = self.items.required
        lists = [*(self.items.where or {}).values(), *(req.org_types.values() if req else []),
                 *(req.services.values() if req else [])]
        unknown += [n for n in lists if isinstance(n, str) and not_a(list, n)]
        unknown += [req.key] if req is not None and req.key not in readable else []
        if self.items.cutover is not None and not_a(dt.date, self.items.cutover):
            unknown.append(self.items.cutover)
        unknown += [n for n in self.items.unstated if n not in self.items.fields]
        for text in self.messages.model_dump().values():
            unknown += [n for n in re.findall(r"\{(\w+)\}", text) if n not in self.parameters]
        if unknown:
            raise PydanticCustomError("unknown_name", "names that are neither item fields nor parameters of the right kind: {n}",
                                      {"n": ", ".join(sorted(set(unknown)))})
        if len({c.name for c in self.cases}) != len(self.cases):
            raise PydanticCustomError("case_names", "case names must be unique")
        return self

    @property
    def item_fields(self) -> list[str]:
        """The fields item facts carry: those read, the derived month counts, and the label."""
        return list(dict.fromkeys(self.items.fields + [f"{m}_months" for m in self.items.months_since]
                                  + [f"{m}_full_months" for m in self.items.full_months_since]
                                  + (["period_after_cutover"] if self.items.cutover else [])
                                  + ([self.items.required.key] if self.items.required else [])
                                  + self.items.label))

    @property
    def parameters_read(self) -> set[str]:
        """The parameters the rule's logic reads: in its check, its filter, its required entries, its cut-over."""
        read = set(condition_names(self.check)) if self.check is not None else set()
        read |= {n for n in (self.items.where or {}).values() if isinstance(n, str)}
        req = self.items.required
        if req is not None:
            read |= set(req.org_types.values()) | {n for n in req.services.values() if isinstance(n, str)}
        return read | ({self.items.cutover} if self.items.cutover else set())

    @property
    def always_applies(self) -> bool:
        """Whether every organisation owes the rule something (ARE-007's posts): then no area it
        judges can be not applicable, and no case can show it."""
        req = self.items.required
        return req is not None and set(req.org_types) == set(OrgType)

    @property
    def measures(self) -> dict[str, None]:
        """The compiler's view: an item field is to an item fact what a measure is to an organisation's."""
        return dict.fromkeys(self.item_fields)
