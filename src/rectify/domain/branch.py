"""The Branch aggregate: a party organisation (黨支部 / 總支 / 黨委) and its lagging-branch workflow.

A screening designates a branch as lagging (后進), by kind; it is consolidated (整頓) with a plan,
goals, a deadline and two mentors (雙掛: one from the supervising committee, one leader of its own
unit); when its linked problems are all closed out it asks to be delisted and is delisted (摘帽). A
delisted branch can be designated again (a relapse). Besides the workflow a branch keeps the issues
linked to it, its elections (換屆) and its ratings (五好).

As for issues, command methods check first (workflow step from the current state, grant, business
date, guards); ``@event`` bodies only apply.

Why this module is long: as for the Issue, it is one aggregate's whole story (events, checked
commands, event bodies), with the few facts of a branch's life (terms, ratings) it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from rectify.domain.checked import Checked, CommandEvent
from rectify.domain.decisions import Decision
from rectify.domain.guards import GUARDS
from rectify.domain.values import (
    LAGGING_STATUSES,
    OPEN_STATUSES,
    Actor,
    BranchKind,
    BranchStatus,
    LaggingKind,
    Mentor,
)
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import BRANCH_WORKFLOW_V1 as BRANCH_WORKFLOW_V1  # re-exported
from rectify.domain.workflows import CURRENT_BRANCH_WORKFLOW
from rectify.domain.workflows import workflow as workflow_named
from rectify.errors import (
    InvalidCommand,
    PermissionDenied,
)

if TYPE_CHECKING:
    from rectify.domain.values import Status

BRANCH_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:branch")


def branch_id_for(code: str) -> UUID:
    """The id of the branch with this code (the same code, the same id: registered once)."""
    return uuid5(BRANCH_NAMESPACE, code.strip())


FIVE_GOOD_CRITERIA: tuple[tuple[str, str], ...] = (
    ("team", "支部班子好"),
    ("system", "制度落實好"),
    ("members", "黨員隊伍好"),
    ("service", "服務群眾好"),
    ("integrity", "廉潔自律好"),
)
"""五好黨支部: the five criteria (key, label); a branch meeting all five earns the title."""

RATING_SCHEMES: Mapping[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "five-good": (FIVE_GOOD_CRITERIA, "五好黨支部"),
}
"""Rating schemes by name: their criteria and the title earned by meeting them all."""


def lagging_kind(text: str) -> str:
    """A lagging kind as stored: a known kind by its value (from English or Chinese), else the
    name given."""
    try:
        return LaggingKind(text).value
    except ValueError:
        return text.strip()


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class LinkedIssue:
    """What a delisting relies on of one linked issue: when it was found, where it stands and
    when it was closed out or withdrawn. The application reads it from the issue."""

    status: Status
    found_on: date
    closed_out_on: date | None
    withdrawn_on: date | None

    @classmethod
    def of(cls, issue: Any) -> LinkedIssue:
        return cls(issue.status, issue.found_on, issue.closed_out_on, issue.withdrawn_on)

    @property
    def is_open(self) -> bool:
        """Not closed out nor withdrawn."""
        return self.status in OPEN_STATUSES


class Branch(Checked, Aggregate):
    """A party organisation, its lagging-branch workflow, its linked issues and elections."""

    kind = "branch"
    guards = GUARDS
    # What only the store knows: for 摘帽's guard, the linked issues still open; for a decision
    # bound to evidence, what each linked issue is now (LinkedIssue by id).
    guard_context = frozenset({"open_issues", "linked_issues"})

    decision_labels: ClassVar[Mapping[str, str]] = {"delist": "摘帽"}
    """The decision bound to evidence (see :mod:`rectify.domain.decisions`)."""

    relied_on: ClassVar[tuple[str, ...]] = ("issues", "rating_scheme", "rating_results", "rating")
    """What a delisting relies on, the one declaration: the linked issues, each with when it
    was found, its state and when it was closed out or withdrawn (:class:`LinkedIssue`, given
    by the application as ``linked_issues``), and the branch's rating (scheme, results, title)."""

    class Event(CommandEvent):
        """Every branch event says who did it, on which business date, under which key."""

    class BranchRegistered(Event, Aggregate.Created):
        """登記: the organisation is known, with its code, kind, unit and parent."""

        workflow: str
        code: str
        name: str
        branch_kind: BranchKind
        unit: str
        parent_id: UUID | None
        elected_on: date | None
        term_years: int

    class DesignatedLagging(Event):
        """認定后進: a screening or assessment found the branch lagging."""

        kinds: tuple[str, ...]
        basis: str

    class ConsolidationStarted(Event):
        """開始整頓: plan, goals, deadline and the two mentors (雙掛)."""

        plan: str
        goals: tuple[str, ...]
        deadline: date
        mentors: tuple[Mentor, ...]

    class ReadyForReassessment(Event):
        """可重新評估: the last open issue of the consolidation was closed out (by policy)."""

        last_issue_id: UUID | None

    class DelistingRequested(Event):
        """申請摘帽."""

        note: str

    class DelistingRejected(Event):
        """退回整頓: the reassessment found it not yet fit to be delisted."""

        reason: str

    class Delisted(Event):
        """摘帽 (version 2: bound to its evidence, the digest of what it relied on and the
        version it was decided on; None for delistings recorded before)."""

        class_version = 2

        note: str
        evidence_digest: str | None = None
        decided_on_version: int | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(evidence_digest=None, decided_on_version=None)

    class DecisionsReconfirmed(Event):
        """重新確認摘帽 (branch/2): the stale delisting is current again, bound to the evidence
        the re-confirming decider saw."""

        decisions: tuple[str, ...]
        note: str
        evidence_digest: str | None
        decided_on_version: int | None

    class DecisionMarkedStale(Event):
        """摘帽失效: what the delisting relied on changed afterwards (a linked issue reopened,
        one found before it linked after it, a new rating); recorded in the save of the change."""

        decision: str
        decided_on_version: int | None
        evidence_digest: str | None
        current_digest: str
        reason: str

    class IssueLinked(Event):
        """關聯問題: an issue is a problem of this branch."""

        issue_id: UUID

    class ElectionRecorded(Event):
        """換屆: an election was held on ``held_on``."""

        held_on: date

    class Rated(Event):
        """評星定級: which criteria of a scheme were met, and the title that earned."""

        scheme: str
        results: dict[str, bool]
        title: str | None

    # ---------------------------------------------------------------- creation

    triggers: ClassVar[Mapping[type[Any], str]] = {
        BranchRegistered: "register",
        DesignatedLagging: "designate_lagging",
        ConsolidationStarted: "start_consolidation",
        ReadyForReassessment: "mark_ready",
        DelistingRequested: "request_delisting",
        DelistingRejected: "reject_delisting",
        Delisted: "delist",
        IssueLinked: "link_issue",
        ElectionRecorded: "record_election",
        Rated: "rate",
        DecisionsReconfirmed: "reconfirm",
    }
    """The workflow trigger each branch event class records: the one table of them."""

    consequences: ClassVar[Mapping[type[Any], str]] = {DecisionMarkedStale: "mark_stale"}
    """Events the branch records by itself, as the consequence of another."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return branch_id_for(code)

    @event(BranchRegistered)
    def __init__(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        workflow: str,
        code: str,
        name: str,
        branch_kind: BranchKind,
        unit: str,
        parent_id: UUID | None,
        elected_on: date | None,
        term_years: int,
    ) -> None:
        self.workflow = workflow
        self.code = code
        self.name = name
        self.branch_kind = branch_kind
        self.unit = unit
        self.parent_id = parent_id
        self.elected_on = elected_on
        self.term_years = term_years
        self.status: BranchStatus = workflow_named(workflow).initial
        self.registered_on = on
        self.lagging_kinds: tuple[str, ...] = ()
        self.basis: str | None = None
        self.designated_on: date | None = None
        self.designations = 0
        self.plan: str | None = None
        self.goals: tuple[str, ...] = ()
        self.deadline: date | None = None
        self.mentors: tuple[Mentor, ...] = ()
        self.consolidation_started_on: date | None = None
        self.consolidations = 0
        self.ready_in: int | None = None
        self.ready_on: date | None = None
        self.delisting_requested_on: date | None = None
        self.delisted_on: date | None = None
        self.issues: tuple[UUID, ...] = ()
        self.rating: str | None = None
        self.rating_scheme: str | None = None
        self.rating_results: dict[str, bool] = {}
        self.rated_on: date | None = None
        self.decisions: dict[str, Decision] = {}
        self.last_on = on
        self.command_ids = self._keys_of_creation(command_id)

    @classmethod
    def register(
        cls,
        *,
        actor: Actor,
        on: date,
        code: str,
        name: str,
        kind: BranchKind | str = BranchKind.BRANCH,
        unit: str,
        parent_id: UUID | None = None,
        elected_on: date | None = None,
        term_years: int | None = None,
        command_id: str | None = None,
        flow: WorkflowDefinition[BranchStatus] = CURRENT_BRANCH_WORKFLOW,
    ) -> Branch:
        """登記 a branch (checked: the actor may register). Its id comes from its code."""
        step = flow.create
        if not step.permits(actor, unit):
            raise PermissionDenied(actor.id, step.trigger, f"needs {step.describe_grants(unit)}")
        kind = BranchKind(kind)  # a member, its value, name or label
        if elected_on is not None and elected_on > on:
            raise InvalidCommand("elected_on", f"{elected_on} is after the date of the command")
        return cls._create(
            cls.BranchRegistered,
            id=branch_id_for(code),
            actor=actor,
            on=on,
            command_id=command_id,
            workflow=flow.key,
            code=code.strip(),
            name=name,
            branch_kind=kind,
            unit=unit,
            parent_id=parent_id,
            elected_on=elected_on,
            term_years=term_years if term_years is not None else kind.term_years,
        )

    # ---------------------------------------------------------------- questions

    @property
    def flow(self) -> WorkflowDefinition[BranchStatus]:
        return workflow_named(self.workflow)

    @property
    def acting_unit(self) -> str:
        return self.unit

    @property
    def is_lagging(self) -> bool:
        """On the lagging list: designated and not (yet) delisted."""
        return self.status in LAGGING_STATUSES

    @property
    def is_ready(self) -> bool:
        """The current consolidation's problems were all closed out (ready for reassessment)."""
        return self.consolidations > 0 and self.ready_in == self.consolidations

    def relied_on_evidence(self, context: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """What a delisting taken now relies on (see ``relied_on``); ``context["linked_issues"]``
        says what each linked issue is now. Without it (a branch decided on outside the
        application) it is not known: the delisting records no digest and is not watched."""
        linked: Mapping[UUID, LinkedIssue] | None = (context or {}).get("linked_issues")
        if linked is None or not set(self.issues) <= set(linked):
            return None
        found = {name: getattr(self, name) for name in self.relied_on if name != "issues"}
        found["issues"] = [{"id": i, **asdict(linked[i])} for i in self.issues]
        return found

    def election_due(self) -> date | None:
        """When the next election (換屆) is due: the last one plus the term (None if unknown)."""
        return None if self.elected_on is None else add_years(self.elected_on, self.term_years)

    def election_overdue(self, as_of: date) -> bool:
        """不按期換屆 on ``as_of``: the term has run out and no election was recorded."""
        due = self.election_due()
        return due is not None and as_of > due

    # ---------------------------------------------------------------- commands (checked)

    # Every trigger of ``triggers`` is a command method (Checked.decide): designate_lagging,
    # start_consolidation, mark_ready, request_delisting, reject_delisting, delist (its guard
    # sees ``open_issues``, found by the application), record_election, rate. Written here:
    # what a command derives for its event, and link_issue, which may record nothing.

    def _event_fields(self, trigger: str, fields: dict[str, Any]) -> dict[str, Any]:
        if trigger == "designate_lagging":  # known kinds by their value, others as named
            return {**fields, "kinds": tuple(lagging_kind(k) for k in fields["kinds"])}
        if trigger == "rate":
            return self._rating(fields["scheme"], fields["results"])
        return fields

    @staticmethod
    def _rating(scheme: str, results: Mapping[str, bool]) -> dict[str, Any]:
        """評星定級: which criteria of ``scheme`` were met, every one rated; meeting all earns
        the scheme's title."""
        known = RATING_SCHEMES.get(scheme)
        if known is None:
            raise InvalidCommand(
                "scheme", f"unknown scheme {scheme!r}; known: {', '.join(RATING_SCHEMES)}"
            )
        criteria, title = known
        keys = [k for k, _ in criteria]
        unknown = sorted(set(results) - set(keys))
        if unknown:
            raise InvalidCommand("results", f"not criteria of {scheme}: {', '.join(unknown)}")
        missing = [k for k in keys if k not in results]
        if missing:
            raise InvalidCommand("results", f"criteria of {scheme} not rated: {', '.join(missing)}")
        full = {k: bool(results[k]) for k in keys}
        return {"scheme": scheme, "results": full, "title": title if all(full.values()) else None}

    def link_issue(
        self, *, actor: Actor, on: date, issue_id: UUID, command_id: str | None = None
    ) -> None:
        """關聯問題 (nothing happens if the issue is linked already). The link is dated on the
        later of ``on`` and the branch's latest date: linking a problem found earlier does not
        take the branch's own history back."""
        if issue_id in self.issues:
            return
        on = max(on, self.last_on)
        self.check("link_issue", actor, on)
        self._issue_linked(actor=actor, on=on, command_id=command_id, issue_id=issue_id)

    # ---------------------------------------------------------------- events (apply only)

    @event(DesignatedLagging)
    def _designated(
        self, actor: Actor, on: date, command_id: str | None, kinds: tuple[str, ...], basis: str
    ) -> None:
        self._enter("designate_lagging", on, command_id)
        self.lagging_kinds = kinds
        self.basis = basis
        self.designated_on = on
        self.designations += 1
        self.ready_in = None
        self.ready_on = None
        self.plan = None
        self.goals = ()
        self.deadline = None
        self.mentors = ()
        self.consolidation_started_on = None
        self.delisting_requested_on = None
        self.delisted_on = None
        self.decisions.pop("delist", None)  # no longer standing: lagging again

    @event(ConsolidationStarted)
    def _consolidation_started(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        plan: str,
        goals: tuple[str, ...],
        deadline: date,
        mentors: tuple[Mentor, ...],
    ) -> None:
        self._enter("start_consolidation", on, command_id)
        self.plan = plan
        self.goals = goals
        self.deadline = deadline
        self.mentors = mentors
        self.consolidation_started_on = on
        self.consolidations += 1

    @event(ReadyForReassessment)
    def _ready(
        self, actor: Actor, on: date, command_id: str | None, last_issue_id: UUID | None
    ) -> None:
        self._enter("mark_ready", on, command_id)
        self.ready_in = self.consolidations
        self.ready_on = on

    @event(DelistingRequested)
    def _delisting_requested(
        self, actor: Actor, on: date, command_id: str | None, note: str
    ) -> None:
        self._enter("request_delisting", on, command_id)
        self.delisting_requested_on = on

    @event(DelistingRejected)
    def _delisting_rejected(
        self, actor: Actor, on: date, command_id: str | None, reason: str
    ) -> None:
        self._enter("reject_delisting", on, command_id)
        self.delisting_requested_on = None

    @event(Delisted)
    def _delisted(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        note: str,
        evidence_digest: str | None = None,
        decided_on_version: int | None = None,
    ) -> None:
        self._enter("delist", on, command_id)
        self.delisted_on = on
        self._decided("delist", on, decided_on_version, evidence_digest)

    @event(DecisionsReconfirmed)
    def _decisions_reconfirmed(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        decisions: tuple[str, ...],
        note: str,
        evidence_digest: str | None,
        decided_on_version: int | None,
    ) -> None:
        self._enter("reconfirm", on, command_id)
        self._reconfirmed(decisions, on, decided_on_version, evidence_digest)

    @event(DecisionMarkedStale)
    def _decision_marked_stale(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        decision: str,
        decided_on_version: int | None,
        evidence_digest: str | None,
        current_digest: str,
        reason: str,
    ) -> None:
        self._decision_stale(on, decision, reason)

    @event(IssueLinked)
    def _issue_linked(self, actor: Actor, on: date, command_id: str | None, issue_id: UUID) -> None:
        self._enter("link_issue", on, command_id)
        self.issues += (issue_id,)

    @event(ElectionRecorded)
    def _election_recorded(
        self, actor: Actor, on: date, command_id: str | None, held_on: date
    ) -> None:
        self._enter("record_election", on, command_id)
        self.elected_on = held_on

    @event(Rated)
    def _rated(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        scheme: str,
        results: dict[str, bool],
        title: str | None,
    ) -> None:
        self._enter("rate", on, command_id)
        self.rating_scheme = scheme
        self.rating_results = dict(results)
        self.rating = title
        self.rated_on = on


BRANCH_EVENT_TRIGGERS: Mapping[type[Any], str] = Branch.triggers
"""The workflow trigger each branch event class records."""

BRANCH_EVENT_ACTIONS: Mapping[type[Any], str] = {**Branch.triggers, **Branch.consequences}
"""What each branch event class records: its trigger, or the consequence it is."""
