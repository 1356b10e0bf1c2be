"""Commands as frozen pydantic models: what each command takes, with its constraints in the types.

The application validates every call through one of these before it loads anything, so bad input
raises :class:`~rectify.errors.InvalidCommand` naming the field, and nothing is recorded.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, StrictBool, model_validator

from rectify.domain.values import (
    Actor,
    BranchKind,
    Day,
    Mentor,
    Mode,
    NonEmptyStr,
    Severity,
    Source,
    Text,
)

Coded = tuple[NonEmptyStr, NonEmptyStr]
"""A ``(code, text)`` pair: a common problem of a list, an item of a checklist."""


class Command(BaseModel):
    """What every command carries: who, on which business date, under which idempotency key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    on: Day
    command_id: NonEmptyStr | None = None

    def payload(self) -> dict[str, Any]:
        """The command's own fields (not actor, date or key), with their validated types."""
        return {k: v for k, v in self if k not in _COMMON}


_COMMON = frozenset(Command.model_fields)


class RecordIssue(Command):
    title: NonEmptyStr
    unit: NonEmptyStr
    source: Source
    description: Text = ""
    category: NonEmptyStr | None = None
    severity: Severity = Severity.NORMAL
    branch_id: UUID | None = None
    remarks: Text = ""
    list_id: UUID | None = None
    common_problem: NonEmptyStr | None = None
    deadline: Day | None = None


class Assign(Command):
    unit: NonEmptyStr
    person: NonEmptyStr
    deadline: Day
    measures: tuple[NonEmptyStr, ...] = ()


class RectifyOnTheSpot(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class TreatCentrally(Command):
    campaign: NonEmptyStr
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class SubmitRectification(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class Verify(Command):
    note: Text = ""


class Reject(Command):
    reason: NonEmptyStr


class CloseOut(Command):
    note: Text = ""


class Reopen(Command):
    reason: NonEmptyStr
    deadline: Day | None = None


class ExtendDeadline(Command):
    new_deadline: Day
    reason: NonEmptyStr


class Withdraw(Command):
    reason: NonEmptyStr


class ReportProgress(Command):
    text: NonEmptyStr


class AddMeasure(Command):
    text: NonEmptyStr
    due: Day | None = None


class CompleteMeasure(Command):
    measure: PositiveInt | NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()
    mode: Mode | None = None
    campaign: NonEmptyStr | None = None

    @model_validator(mode="after")
    def _campaign_with_central_treatment(self) -> CompleteMeasure:
        if (self.mode is Mode.CENTRAL) != (self.campaign is not None):
            msg = "a campaign goes with mode central (集中治理), and only with it"
            raise ValueError(msg)
        return self


class LinkIssue(Command):
    branch_id: UUID


# ---------------------------------------------------------------- branches


class RegisterBranch(Command):
    code: NonEmptyStr
    name: NonEmptyStr
    kind: BranchKind = BranchKind.BRANCH
    unit: NonEmptyStr
    parent_id: UUID | None = None
    elected_on: Day | None = None
    term_years: PositiveInt | None = None


class DesignateLagging(Command):
    kinds: tuple[NonEmptyStr, ...] = Field(min_length=1)
    basis: NonEmptyStr


class StartConsolidation(Command):
    plan: NonEmptyStr
    goals: tuple[NonEmptyStr, ...] = ()
    deadline: Day
    mentors: tuple[Mentor, ...]


class RequestDelisting(Command):
    note: Text = ""


class RejectDelisting(Command):
    reason: NonEmptyStr


class Delist(Command):
    note: Text = ""


class RecordElection(Command):
    held_on: Day  # the date of the command when not given

    @model_validator(mode="before")
    @classmethod
    def _held_on_the_day(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("held_on") is None:
            data = {**data, "held_on": data.get("on")}
        return data


class RateBranch(Command):
    scheme: NonEmptyStr = "five-good"
    results: dict[NonEmptyStr, bool]


# ---------------------------------------------------------------- lists and rounds


class IssueProblemList(Command):
    name: NonEmptyStr
    issuer: NonEmptyStr
    issued_on: Day | None = None
    deadline: Day
    common_problems: tuple[Coded, ...] = ()


class DefineChecklist(Command):
    name: NonEmptyStr
    items: tuple[Coded, ...] = Field(min_length=1)


class OpenInspectionRound(Command):
    checklist_id: UUID
    period: NonEmptyStr
    scope: tuple[UUID | NonEmptyStr, ...] = Field(min_length=1)
    name: Text = ""


class Finding(BaseModel):
    """One finding of an inspection: ``item`` of the checklist on ``target`` (a unit, or a
    branch by id or code), described by ``text``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: UUID | NonEmptyStr
    item: NonEmptyStr
    text: NonEmptyStr


class ImportFindings(Command):
    findings: tuple[Finding, ...]
    visited: tuple[UUID | NonEmptyStr, ...] = ()
    deadline: Day | None = None
    dry_run: StrictBool = False

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in super().payload().items() if k != "dry_run"}

    @model_validator(mode="after")
    def _deadline_not_before_on(self) -> ImportFindings:
        if self.deadline is not None and self.deadline < self.on:
            msg = f"{self.deadline} is before the date of the command, {self.on}"
            raise ValueError(msg)
        return self


class CloseInspectionRound(Command):
    note: Text = ""


COMMANDS: dict[str, type[Command]] = {
    "record": RecordIssue,
    "assign": Assign,
    "rectify_on_the_spot": RectifyOnTheSpot,
    "treat_centrally": TreatCentrally,
    "submit_rectification": SubmitRectification,
    "verify": Verify,
    "reject": Reject,
    "close_out": CloseOut,
    "reopen": Reopen,
    "extend_deadline": ExtendDeadline,
    "withdraw": Withdraw,
    "report_progress": ReportProgress,
    "add_measure": AddMeasure,
    "complete_measure": CompleteMeasure,
    "link_issue": LinkIssue,
    "register_branch": RegisterBranch,
    "designate_lagging": DesignateLagging,
    "start_consolidation": StartConsolidation,
    "request_delisting": RequestDelisting,
    "reject_delisting": RejectDelisting,
    "delist": Delist,
    "record_election": RecordElection,
    "rate_branch": RateBranch,
    "issue_problem_list": IssueProblemList,
    "define_checklist": DefineChecklist,
    "open_inspection_round": OpenInspectionRound,
    "import_findings": ImportFindings,
    "close_inspection_round": CloseInspectionRound,
}
"""The command model of each workflow trigger and application command."""
