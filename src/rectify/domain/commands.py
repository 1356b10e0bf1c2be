"""Commands as frozen pydantic models: what each command takes, with its constraints in the types.

The application validates every call through one of these before it loads anything, so bad input
raises :class:`~rectify.errors.InvalidCommand` naming the field, and nothing is recorded.

Why this module is long: every command of every aggregate (issues, branches, lists, checklists,
rounds) is declared here, one model each with what its fields mean, so that the application,
the aggregates and the test machine read them from one table (:data:`COMMANDS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import AfterValidator

from rectify.domain.deadline_words import words_problem
from rectify.domain.guards import not_before_on
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
    source_words_problem,
)
from rectify.domain.workflows import registered_issue_workflow

C = TypeVar("C", bound="type[Command]")


def declared(aggregate: str, command: str, *, trigger: str | None = None) -> Callable[[C], C]:
    """Declare a command: the aggregate it acts on, its name, and the trigger it gives (default:
    its name)."""

    def declare(cls: C) -> C:
        cls.aggregate = aggregate
        cls.command = command
        cls.trigger = trigger or command
        return cls

    return declare


Coded = tuple[NonEmptyStr, NonEmptyStr]
"""A ``(code, text)`` pair: a common problem of a list, an item of a checklist."""


_LINE_BREAKS = ("\n", "\r", "\u2028", "\u2029", "\x85")


def _one_line(text: str) -> str:
    if any(b in text for b in _LINE_BREAKS):
        msg = "one measure a line: give several measures (a line break is in this one)"
        raise ValueError(msg)
    return text


Measure = Annotated[NonEmptyStr, AfterValidator(_one_line)]
"""A measure (整改措施): one line of text, as a ledger's cell holds one a line."""


IssueWorkflowKey = Annotated[str, AfterValidator(registered_issue_workflow)]
"""The key of a registered workflow of problems (``"issue/3"``, one of one's own)."""


class Command(BaseModel):
    """What every command carries: who, on which business date, under which idempotency key.

    Each command is declared once, as a subclass with :func:`declared`: its name (the
    application's method), the aggregate it acts on, the workflow trigger it gives (who may give
    it is that step's grants, in :mod:`rectify.domain.workflows`), and its typed payload (the
    fields). The event it records is the one the aggregate's ``triggers`` table names for that
    trigger. The application, the aggregates' command methods and the test machine all go
    through these models."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    aggregate: ClassVar[str]
    """What it acts on: ``issue``, ``branch``, ``list``, ``checklist`` or ``round``."""
    command: ClassVar[str]
    """Its name: the application's method (``assign``, ``rate_branch``)."""
    trigger: ClassVar[str]
    """The workflow step it gives (``assign``; ``rate`` for ``rate_branch``)."""

    actor: Actor
    on: Day
    command_id: NonEmptyStr | None = None

    def payload(self) -> dict[str, Any]:
        """The command's own fields (not actor, date or key), with their validated types."""
        return {k: v for k, v in self if k not in _COMMON}

    @model_validator(mode="before")
    @classmethod
    def _models_checked_afresh(cls, data: Any) -> Any:
        """An Actor, a Mentor or a Finding given as an object is validated again from its
        fields, like one given as a dict: pydantic takes a model instance as it is, and one built
        without validation (``model_construct``) may hold anything (no id, a lone surrogate)."""
        if isinstance(data, dict):
            return {k: _as_fields(v) for k, v in data.items()}
        return data


def _as_fields(value: Any) -> Any:
    """``value`` with each pydantic model in it (also within tuples and lists) replaced by a dict
    of its fields, for validation to check them."""
    if isinstance(value, BaseModel):
        return {k: _as_fields(v) for k, v in vars(value).items()}
    if isinstance(value, tuple | list) and any(
        isinstance(v, BaseModel | tuple | list) for v in value
    ):
        return [_as_fields(v) for v in value]
    return value


_COMMON = frozenset(Command.model_fields)


@declared("issue", "record_issue", trigger="record")
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
    workflow: IssueWorkflowKey | None = None
    source_words: NonEmptyStr | None = None
    """The source as people wrote it (省委巡視反饋), kept besides the ``source`` it names:
    never words that name another source (:func:`~rectify.domain.values.source_words_problem`)."""

    @field_validator("source_words")
    @classmethod
    def _words_name_the_source(cls, words: str | None, info: ValidationInfo) -> str | None:
        source = info.data.get("source")
        if words is not None and source is not None:
            problem = source_words_problem(words, source)
            if problem is not None:
                raise ValueError(problem)
        return words


@declared("issue", "assign")
class Assign(Command):
    """交辦. Without a ``deadline`` the application's deadline policy gives one, recording the
    rule that did (``deadline_rule``) and the working calendar's version (``calendar``); with
    neither, the issue refuses it (:mod:`rectify.domain.deadlines`).

    A deadline may also be written in words (``deadline_words``: 立行立改, 長期堅持,
    立行立改、長期堅持, 立行立改，2019年12月底前完成), kept as written and shown back; and a
    standing measure (``standing=True``, 長期堅持) is kept up with no fixed date: it has no
    ``deadline`` and is never overdue. Words without a date or ``standing`` fix no date (立行立改:
    rectified at once), so no policy gives one. The words must say what the command does
    (:func:`~rectify.domain.deadline_words.words_problem`): read as a deadline, they give its
    ``deadline`` (no date when it has none) and a standing measure exactly when ``standing``,
    so what is shown back reads back the same."""

    unit: NonEmptyStr
    person: NonEmptyStr
    deadline: Day | None = None
    measures: tuple[Measure, ...] = ()
    deadline_rule: NonEmptyStr | None = None
    calendar: NonEmptyStr | None = None
    deadline_words: NonEmptyStr | None = None
    standing: StrictBool = Field(default=False, validate_default=True)  # as the words say

    @field_validator("deadline_words")
    @classmethod
    def _words_give_the_deadline(cls, words: str | None, info: ValidationInfo) -> str | None:
        if words is not None and "deadline" in info.data:
            problem = words_problem(words, info.data["deadline"], None)
            if problem is not None:
                raise ValueError(problem)
        return words

    @field_validator("standing")
    @classmethod
    def _standing_as_the_words_say(cls, standing: bool, info: ValidationInfo) -> bool:
        words = info.data.get("deadline_words")
        if words is not None and "deadline" in info.data:
            problem = words_problem(words, info.data["deadline"], standing)
            if problem is not None:
                raise ValueError(problem)
        return standing

    @model_validator(mode="after")
    def _rule_with_its_deadline(self) -> Assign:
        if self.standing and self.deadline is not None:
            msg = "a standing measure (長期堅持) has no fixed date: give standing or a deadline"
            raise ValueError(msg)
        if self.calendar is not None and self.deadline_rule is None:
            msg = "a calendar goes with the deadline_rule that was counted over it"
            raise ValueError(msg)
        if self.deadline_rule is not None and self.deadline is None:
            msg = "a deadline_rule goes with the deadline it gave"
            raise ValueError(msg)
        return self


@declared("issue", "rectify_on_the_spot")
class RectifyOnTheSpot(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


@declared("issue", "treat_centrally")
class TreatCentrally(Command):
    campaign: NonEmptyStr
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


@declared("issue", "submit_rectification")
class SubmitRectification(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


@declared("issue", "verify")
class Verify(Command):
    note: Text = ""


@declared("issue", "reject")
class Reject(Command):
    reason: NonEmptyStr


@declared("issue", "close_out")
class CloseOut(Command):
    note: Text = ""


@declared("issue", "reopen")
class Reopen(Command):
    reason: NonEmptyStr
    deadline: Day | None = None


@declared("issue", "extend_deadline")
class ExtendDeadline(Command):
    new_deadline: Day
    reason: NonEmptyStr


@declared("issue", "withdraw")
class Withdraw(Command):
    reason: NonEmptyStr


@declared("issue", "report_progress")
class ReportProgress(Command):
    text: NonEmptyStr


@declared("issue", "add_measure")
class AddMeasure(Command):
    text: Measure
    due: Day | None = None


@declared("issue", "complete_measure")
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


@declared("issue", "link_issue")
class LinkIssue(Command):
    branch_id: UUID


@declared("issue", "replace_evidence")
class ReplaceEvidence(Command):
    """更換整改材料: new evidence of the rectification replaces the old (issue/3)."""

    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


@declared("issue", "reconfirm_decision", trigger="reconfirm")
class ReconfirmDecision(Command):
    """重新確認: the issue's stale decisions are current again, bound to the evidence now."""

    note: Text = ""


# ---------------------------------------------------------------- branches


@declared("branch", "register_branch", trigger="register")
class RegisterBranch(Command):
    code: NonEmptyStr
    name: NonEmptyStr
    kind: BranchKind = BranchKind.BRANCH
    unit: NonEmptyStr
    parent_id: UUID | None = None
    elected_on: Day | None = None
    term_years: PositiveInt | None = None


@declared("branch", "designate_lagging")
class DesignateLagging(Command):
    kinds: tuple[NonEmptyStr, ...] = Field(min_length=1)
    basis: NonEmptyStr


@declared("branch", "start_consolidation")
class StartConsolidation(Command):
    plan: NonEmptyStr
    goals: tuple[NonEmptyStr, ...] = ()
    deadline: Day
    mentors: tuple[Mentor, ...]


@declared("branch", "request_delisting")
class RequestDelisting(Command):
    note: Text = ""


@declared("branch", "reject_delisting")
class RejectDelisting(Command):
    reason: NonEmptyStr


@declared("branch", "delist")
class Delist(Command):
    note: Text = ""


@declared("branch", "reconfirm_delisting", trigger="reconfirm")
class ReconfirmDelisting(Command):
    """重新確認摘帽: a stale delisting is current again, bound to the evidence now."""

    note: Text = ""


@declared("branch", "mark_ready")
class MarkReady(Command):
    """The readiness policy's command: the consolidation's last problem is closed out."""

    last_issue_id: UUID | None = None


@declared("branch", "record_election")
class RecordElection(Command):
    held_on: Day  # the date of the command when not given

    @model_validator(mode="before")
    @classmethod
    def _held_on_the_day(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("held_on") is None:
            data = {**data, "held_on": data.get("on")}
        return data


@declared("branch", "rate_branch", trigger="rate")
class RateBranch(Command):
    scheme: NonEmptyStr = "five-good"
    results: dict[NonEmptyStr, bool]


# ---------------------------------------------------------------- lists and rounds


@declared("list", "issue_problem_list")
class IssueProblemList(Command):
    name: NonEmptyStr
    issuer: NonEmptyStr
    issued_on: Day | None = None
    deadline: Day
    common_problems: tuple[Coded, ...] = ()
    issue_workflow: IssueWorkflowKey | None = None


@declared("checklist", "define_checklist")
class DefineChecklist(Command):
    name: NonEmptyStr
    items: tuple[Coded, ...] = Field(min_length=1)


@declared("round", "open_inspection_round", trigger="open")
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


@declared("round", "import_findings", trigger="record_finding")
class ImportFindings(Command):
    findings: tuple[Finding, ...]
    visited: tuple[UUID | NonEmptyStr, ...] = ()
    deadline: Day | None = None
    dry_run: StrictBool = False

    def payload(self) -> dict[str, Any]:
        return {k: v for k, v in super().payload().items() if k != "dry_run"}

    @model_validator(mode="after")
    def _deadline_not_before_on(self) -> ImportFindings:
        error = not_before_on("deadline", self.deadline, self.on)
        if error is not None:
            raise ValueError(error.message)
        return self


@declared("round", "close_inspection_round", trigger="close")
class CloseInspectionRound(Command):
    note: Text = ""


def _all(cls: type[Command]) -> list[type[Command]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_all(sub))]


COMMANDS: Mapping[str, type[Command]] = MappingProxyType(
    {c.command: c for c in _all(Command) if "command" in c.__dict__}
)
"""Every command by its name (the application's method, and the CLI's command where it has one)."""

_BY_TRIGGER: Mapping[tuple[str, str], type[Command]] = {
    (c.aggregate, c.trigger): c for c in COMMANDS.values()
}


def command_for(aggregate: str, trigger: str) -> type[Command]:
    """The command that gives ``trigger`` of an ``aggregate``'s workflow (``"issue"``,
    ``"assign"`` → :class:`Assign`)."""
    try:
        return _BY_TRIGGER[(aggregate, trigger)]
    except KeyError:
        msg = f"no command gives {trigger!r} of a {aggregate}"
        raise KeyError(msg) from None
