"""The Issue aggregate: one problem, from found (發現) to closed out (銷號).

Its ``@event`` methods are its story: each signature is an event's payload and each body only
applies it, so replaying the stored events rebuilds the issue exactly. The public command methods
(``assign``, ``verify``, ...) check first: the workflow allows the trigger in the current state, the
actor holds a grant, the named guards pass, the business date does not go backwards. Only then is
the event triggered. Event bodies never check, so history that was valid when recorded always
replays, even after the rules change.

Why this module is long: it is one aggregate's whole story, its events (with their upcasters),
the checked commands and the bodies that replay them, kept side by side so that a reader sees
what each command records and how it is applied in one place.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from rectify.domain.checked import Checked, CommandEvent
from rectify.domain.decisions import Decision
from rectify.domain.guards import GUARDS, not_before_on
from rectify.domain.values import Actor, Mode, Severity, Source, Status, unit_key
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW
from rectify.domain.workflows import workflow as workflow_named
from rectify.errors import InvalidCommand, PermissionDenied

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence

ISSUE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:issue")
"""Namespace of issue ids derived from an idempotency key."""


def issue_id_for(command_id: str) -> UUID:
    """The id an issue recorded with idempotency key ``command_id`` gets (the same key, the same id)."""
    return uuid5(ISSUE_NAMESPACE, command_id)


_WAITING = frozenset({Status.FOUND, Status.ASSIGNED})


def conflict_of_interest(
    actor: Actor, units: Iterable[str], rectifiers: Iterable[str]
) -> str | None:
    """Separation of duties, the one rule: why ``actor`` may not decide on a problem whose own,
    responsible and rectifying ``units`` and rectifying persons (``rectifiers``, actor ids) are
    these, or None."""
    if actor.id in set(rectifiers):
        return f"{actor.id!r} rectified this issue and cannot decide on that work"
    if unit_key(actor.unit) in {unit_key(u) for u in units}:
        return (
            f"unit {actor.unit!r} is the issue's own, responsible or rectifying unit and "
            "cannot decide on its own work"
        )
    return None


def open_measures(measures: Sequence[str], done: Collection[int]) -> tuple[int, ...]:
    """Numbers (1-based) of the ``measures`` not among ``done``."""
    return tuple(n for n in range(1, len(measures) + 1) if n not in done)


def days_overdue(status: Status, deadline: date | None, as_of: date) -> int:
    """Days past the deadline on ``as_of`` of an issue waiting to be rectified (0: not overdue).

    An issue waits once it has a deadline: from its assignment, or from the day it was recorded
    from a problem list (which gives the list's deadline)."""
    if status in _WAITING and deadline is not None and as_of > deadline:
        return (as_of - deadline).days
    return 0


class Issue(Checked, Aggregate):
    """One problem on the ledger. State changes only through its events."""

    kind = "issue"
    guards = GUARDS

    class Event(CommandEvent):
        """Every issue event says who did it, on which business date, under which command key."""

    class IssueFound(Event, Aggregate.Created):
        """發現: the problem is recorded.

        Version 2 added where the problem came from besides its source: the problem list and
        common problem it belongs to, the inspection round and checklist item that found it,
        and a deadline given when it was recorded (a list's deadline). Version 3 keeps the
        source as people wrote it (``source_words``: 省委巡視反饋, 2019年度黨建考核), when that
        is not the source's own name (None for problems recorded before)."""

        class_version = 3

        workflow: str
        title: str
        description: str
        unit: str
        source: Source
        category: str | None
        severity: Severity
        branch_id: UUID | None
        remarks: str = ""  # added before the first release; the default reads earlier drafts
        list_id: UUID | None = None
        common_problem: str | None = None
        round_id: UUID | None = None
        item: str | None = None
        deadline: date | None = None
        source_words: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(list_id=None, common_problem=None, round_id=None, item=None, deadline=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.update(source_words=None)

    class IssueAssigned(Event):
        """交辦: responsible unit and person, measures and a deadline.

        Version 2 records where a deadline a policy gave came from: the rule that gave it and
        the version of the working calendar it was counted over (None for a deadline given by
        the assigner, and for assignments recorded before).

        Version 3 records a deadline written in words (``deadline_words``: 立行立改, 長期堅持,
        立行立改、長期堅持, 立行立改，2019年12月底前完成), and a standing measure (``standing``,
        長期堅持): one kept up with no fixed date, so the assignment has no ``deadline`` and the
        problem is never overdue. Assignments recorded before have a date, no words, and are
        not standing."""

        class_version = 3

        unit: str
        person: str
        deadline: date | None
        measures: tuple[str, ...]
        deadline_rule: str | None = None
        calendar: str | None = None
        deadline_words: str | None = None
        standing: bool = False

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(deadline_rule=None, calendar=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state.update(deadline_words=None, standing=False)

    class RectifiedOnTheSpot(Event):
        """立行立改."""

        summary: str
        evidence: tuple[str, ...]

    class CentrallyTreated(Event):
        """集中治理: fixed within a campaign."""

        campaign: str
        summary: str
        evidence: tuple[str, ...]

    class RectificationSubmitted(Event):
        """限期整改: rectified within (or after) the deadline, with evidence."""

        summary: str
        evidence: tuple[str, ...]

    class RectificationVerified(Event):
        """驗收: the issuing body accepts the rectification.

        Version 2 binds it to its evidence: the digest of what it relied on and the version it
        was decided on (None for verifications recorded before: no digest was recorded)."""

        class_version = 2

        note: str
        evidence_digest: str | None = None
        decided_on_version: int | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(evidence_digest=None, decided_on_version=None)

    class RectificationRejected(Event):
        """退回: sent back for more work."""

        reason: str

    class ClosedOut(Event):
        """銷號: struck off the ledger (version 2: bound to its evidence, as a verification)."""

        class_version = 2

        note: str
        evidence_digest: str | None = None
        decided_on_version: int | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(evidence_digest=None, decided_on_version=None)

    class Reopened(Event):
        """反彈: the problem came back after close-out."""

        reason: str
        deadline: date | None

    class DeadlineExtended(Event):
        """延期: a later deadline, approved by the actor."""

        new_deadline: date
        reason: str

    class IssueWithdrawn(Event):
        """撤銷: the finding was unfounded (version 2: bound to its evidence, as a
        verification)."""

        class_version = 2

        reason: str
        evidence_digest: str | None = None
        decided_on_version: int | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(evidence_digest=None, decided_on_version=None)

    class ProgressReported(Event):
        """整改進展: a progress note; the state does not change."""

        text: str

    class MeasureAdded(Event):
        """增加整改措施 (issue/2): one more measure, with an optional due date."""

        text: str
        due: date | None

    class MeasureCompleted(Event):
        """完成整改措施 (issue/2): measure ``number`` (1-based) is done, how, with evidence."""

        number: int
        evidence: tuple[str, ...]
        mode: Mode | None
        campaign: str | None

    class BranchLinked(Event):
        """關聯黨支部 (issue/2): the issue is a problem of this branch."""

        branch_id: UUID

    class EvidenceReplaced(Event):
        """更換整改材料 (issue/3): new evidence of the rectification replaces the old."""

        summary: str
        evidence: tuple[str, ...]

    class DecisionsReconfirmed(Event):
        """重新確認 (issue/3): the stale ``decisions`` are current again, bound to the evidence
        the re-confirming decider saw."""

        decisions: tuple[str, ...]
        note: str
        evidence_digest: str | None
        decided_on_version: int | None

    class DecisionMarkedStale(Event):
        """決定失效: what a standing decision (``decision``, its trigger, decided on version
        ``decided_on_version`` with ``evidence_digest``) relied on changed afterwards, to
        ``current_digest``; ``reason`` says how. Recorded by the issue itself, in the save of
        the change."""

        decision: str
        decided_on_version: int | None
        evidence_digest: str | None
        current_digest: str
        reason: str

    triggers: ClassVar[Mapping[type[Any], str]] = {
        IssueFound: "record",
        IssueAssigned: "assign",
        RectifiedOnTheSpot: "rectify_on_the_spot",
        CentrallyTreated: "treat_centrally",
        RectificationSubmitted: "submit_rectification",
        RectificationVerified: "verify",
        RectificationRejected: "reject",
        ClosedOut: "close_out",
        Reopened: "reopen",
        DeadlineExtended: "extend_deadline",
        IssueWithdrawn: "withdraw",
        ProgressReported: "report_progress",
        MeasureAdded: "add_measure",
        MeasureCompleted: "complete_measure",
        BranchLinked: "link_issue",
        EvidenceReplaced: "replace_evidence",
        DecisionsReconfirmed: "reconfirm",
    }
    """The workflow trigger each event class records: the one table of them."""

    consequences: ClassVar[Mapping[type[Any], str]] = {DecisionMarkedStale: "mark_stale"}
    """Events the issue records by itself, as the consequence of another (no command gives them)."""

    decision_labels: ClassVar[Mapping[str, str]] = {
        "verify": "驗收",
        "close_out": "銷號",
        "withdraw": "撤銷",
    }
    """The decisions bound to evidence (see :mod:`rectify.domain.decisions`)."""

    relied_on: ClassVar[tuple[str, ...]] = (
        "title",
        "description",
        "unit",
        "source",
        "acting_unit",
        "deadline",
        "measures",
        "measure_dues",
        "measures_done",
        "measure_evidence",
        "mode",
        "campaign",
        "rectified_on",
        "summary",
        "evidence",
    )
    """What a decision on an issue relies on, the one declaration: the finding (title,
    description, unit, source), the rectifying unit (責任單位), the deadline,
    the measures (整改措施: their texts, due dates, which are done and the evidence of each), how
    and when it was rectified (mode, campaign, date) and its rectification's summary and
    evidence (the latest, when replaced). Not who decided, nor notes, progress or dates of
    decisions: a decision's own event never makes it stale. Not the responsible person's name
    either: it is personal data (:mod:`rectify.domain.personal`), and forgetting the person
    must not make a decision on the evidence stale."""

    # ---------------------------------------------------------------- creation

    @staticmethod
    def create_id(command_id: str | None) -> UUID:
        return issue_id_for(command_id) if command_id else uuid4()

    @event(IssueFound)
    def __init__(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        workflow: str,
        title: str,
        description: str,
        unit: str,
        source: Source,
        category: str | None,
        severity: Severity,
        branch_id: UUID | None,
        remarks: str,
        list_id: UUID | None = None,
        common_problem: str | None = None,
        round_id: UUID | None = None,
        item: str | None = None,
        deadline: date | None = None,
        source_words: str | None = None,
    ) -> None:
        self.workflow = workflow
        self.title = title
        self.description = description
        self.unit = unit
        self.source = source
        self.source_words = source_words
        self.category = category
        self.severity = severity
        self.branch_id = branch_id
        self.remarks = remarks
        self.list_id = list_id
        self.common_problem = common_problem
        self.round_id = round_id
        self.item = item
        self.status = workflow_named(workflow).initial
        self.found_on = on
        self.found_by = actor
        self.responsible_unit: str | None = None
        self.responsible_person: str | None = None
        self.measures: tuple[str, ...] = ()
        self.measure_dues: tuple[date | None, ...] = ()
        self.measures_done: frozenset[int] = frozenset()
        self.deadline: date | None = deadline
        self.deadline_rule: str | None = None  # the policy's rule that gave the deadline
        self.deadline_calendar: str | None = None  # and the calendar it was counted over
        self.deadline_words: str | None = None  # 整改時限 as written, when not a plain date
        self.standing = False  # 長期堅持: kept up with no fixed date, never overdue
        self.assigned_on: date | None = None
        self.mode: Mode | None = None
        self.campaign: str | None = None
        self.rectified_on: date | None = None
        self.rectified_by: Actor | None = None
        self.rectifier_ids: frozenset[str] = frozenset()  # everyone who ever rectified it
        self.rectifier_units: frozenset[str] = frozenset()  # and their units, by unit_key
        self.rectified_late = False
        self.verified_on: date | None = None
        self.verified_by: Actor | None = None
        self.verifier_ids: tuple[str, ...] = ()  # who verified the current rectification, in order
        self.closed_out_on: date | None = None
        self.withdrawn_on: date | None = None
        self.rejections = 0
        self.reopenings = 0
        self.extensions = 0
        self.progress: str | None = None
        self.progress_on: date | None = None
        self.progress_by: str | None = None  # the id of who reported the progress
        self.summary: str | None = None  # of the rectification, and its evidence
        self.evidence: tuple[str, ...] = ()
        self.measure_evidence: dict[int, tuple[str, ...]] = {}
        self.decisions: dict[str, Decision] = {}
        self.last_on = on
        self.command_ids = self._keys_of_creation(command_id)

    @classmethod
    def record(
        cls,
        *,
        actor: Actor,
        on: date,
        title: str,
        unit: str,
        source: Source,
        description: str = "",
        category: str | None = None,
        severity: Severity = Severity.NORMAL,
        branch_id: UUID | None = None,
        remarks: str = "",
        list_id: UUID | None = None,
        common_problem: str | None = None,
        round_id: UUID | None = None,
        item: str | None = None,
        deadline: date | None = None,
        source_words: str | None = None,
        command_id: str | None = None,
        flow: WorkflowDefinition[Status] = CURRENT_ISSUE_WORKFLOW,
        issue_id: UUID | None = None,
        workflow: str | None = None,
    ) -> Issue:
        """Record a newly found problem (checked: the actor may record).

        It runs under ``flow``, or the registered workflow keyed ``workflow`` (``"issue/3"``, or
        one of one's own), for ever. The id is random, derived from ``command_id`` when given, or
        ``issue_id`` itself (an import keeps the ids of the ledger it reads). ``source_words``
        is the source as people wrote it (省委巡視反饋), kept besides the ``source`` it names."""
        if workflow is not None:
            flow = workflow_named(workflow)
        step = flow.create
        if not step.permits(actor, unit):
            raise PermissionDenied(actor.id, step.trigger, f"needs {step.describe_grants(unit)}")
        error = not_before_on("deadline", deadline, on)
        if error is not None:
            raise error
        found: dict[str, Any] = {
            "actor": actor,
            "on": on,
            "command_id": command_id,
            "workflow": flow.key,
            "title": title,
            "description": description,
            "unit": unit,
            "source": source,
            "category": category,
            "severity": severity,
            "branch_id": branch_id,
            "remarks": remarks,
            "list_id": list_id,
            "common_problem": common_problem,
            "round_id": round_id,
            "item": item,
            "deadline": deadline,
            "source_words": source_words,
        }
        if issue_id is not None:
            return cls._create(cls.IssueFound, id=issue_id, **found)
        return cls(**found)

    # ---------------------------------------------------------------- questions

    @property
    def flow(self) -> WorkflowDefinition[Status]:
        """The workflow this issue runs under (recorded when it was found)."""
        return workflow_named(self.workflow)

    @property
    def acting_unit(self) -> str:
        """The unit responsible for rectifying: the assigned unit, else the issue's own unit."""
        return self.responsible_unit or self.unit

    def rectifying_units(self) -> frozenset[str]:
        """Units that must not decide on the issue (separation of duties): its own unit, the
        responsible unit, and every unit that rectified it, by :func:`unit_key`."""
        units = {unit_key(self.unit), unit_key(self.acting_unit)}
        return frozenset(units | self.rectifier_units)

    def conflict_of_interest(self, actor: Actor) -> str | None:
        """Why ``actor`` may not decide on this issue (verify, reject, close out, withdraw or
        extend it), or None. Separation of duties binds everyone, ADMIN included: nobody of the
        issue's own or responsible unit, of a unit that rectified it, and never a person who
        rectified it. Units are compared by :func:`unit_key` (``單位Ａ`` is ``單位A``)."""
        return conflict_of_interest(actor, self.rectifying_units(), self.rectifier_ids)

    def is_overdue(self, as_of: date) -> bool:
        """逾期: waiting to be rectified with its deadline passed on ``as_of``. Derived, never stored."""
        return days_overdue(self.status, self.deadline, as_of) > 0

    def days_overdue(self, as_of: date) -> int:
        return days_overdue(self.status, self.deadline, as_of)

    def open_measures(self) -> tuple[int, ...]:
        """Numbers (1-based) of the measures not yet done."""
        return open_measures(self.measures, self.measures_done)

    def measure_number(self, measure: int | str) -> int | None:
        """The number of a measure given by number (1-based) or by its exact text."""
        if isinstance(measure, int):
            return measure if 1 <= measure <= len(self.measures) else None
        for n, text in enumerate(self.measures, start=1):
            if text == measure:
                return n
        return None

    # ---------------------------------------------------------------- commands (checked)

    # Every trigger of ``triggers`` (assign, verify, close_out, ...) is a command method: the
    # checks of its workflow step, then its event (Checked.decide). Only what a command derives
    # for its event is written here.

    def _event_fields(self, trigger: str, fields: dict[str, Any]) -> dict[str, Any]:
        if (
            trigger == "assign"
            and fields.get("deadline") is None
            and not fields.get("standing")
            and fields.get("deadline_words") is None
        ):
            raise InvalidCommand(
                "deadline",
                "no deadline given, and no deadline policy covers this problem "
                f"(source {self.source.label}, severity {self.severity.label})",
            )
        if trigger == "complete_measure":  # the event records the measure's number
            number = self.measure_number(fields.pop("measure"))
            assert number is not None  # the measure_open guard made sure
            return {**fields, "number": number}
        return fields

    # ---------------------------------------------------------------- events (apply only)

    def _rectified(
        self,
        mode: Mode,
        actor: Actor,
        on: date,
        campaign: str | None,
        summary: str,
        evidence: tuple[str, ...],
    ) -> None:
        self.summary = summary
        self.evidence = evidence
        self.mode = mode
        self.campaign = campaign
        self.rectified_on = on
        self.rectified_by = actor
        self.rectified_late = self.deadline is not None and on > self.deadline
        self.verifier_ids = ()
        self._rectified_by(actor)

    def _deadline_from(
        self,
        deadline: date | None,
        rule: str | None = None,
        calendar: str | None = None,
        words: str | None = None,
        standing: bool = False,
    ) -> None:
        """The deadline now, the policy's rule and calendar that gave it (None: given), the
        words it was written in and whether it is a standing measure (a new date given later
        replaces them all)."""
        self.deadline = deadline
        self.deadline_rule = rule
        self.deadline_calendar = calendar
        self.deadline_words = words
        self.standing = standing

    def _rectified_by(self, actor: Actor) -> None:
        """Remember who did rectifying work, and for which unit: they never decide on it."""
        self.rectifier_ids = self.rectifier_ids | {actor.id}
        self.rectifier_units = self.rectifier_units | {unit_key(actor.unit)}

    @event(IssueAssigned)
    def _assigned(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        unit: str,
        person: str,
        deadline: date | None,
        measures: tuple[str, ...],
        deadline_rule: str | None = None,
        calendar: str | None = None,
        deadline_words: str | None = None,
        standing: bool = False,
    ) -> None:
        self._enter("assign", on, command_id)
        self.responsible_unit = unit
        self.responsible_person = person
        self._deadline_from(deadline, deadline_rule, calendar, deadline_words, standing)
        self.measures += measures
        self.measure_dues += (None,) * len(measures)
        self.assigned_on = on

    @event(RectifiedOnTheSpot)
    def _rectified_on_the_spot(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        summary: str,
        evidence: tuple[str, ...],
    ) -> None:
        self._enter("rectify_on_the_spot", on, command_id)
        self._rectified(Mode.ON_THE_SPOT, actor, on, None, summary, evidence)

    @event(CentrallyTreated)
    def _centrally_treated(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        campaign: str,
        summary: str,
        evidence: tuple[str, ...],
    ) -> None:
        self._enter("treat_centrally", on, command_id)
        self._rectified(Mode.CENTRAL, actor, on, campaign, summary, evidence)

    @event(RectificationSubmitted)
    def _rectification_submitted(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        summary: str,
        evidence: tuple[str, ...],
    ) -> None:
        self._enter("submit_rectification", on, command_id)
        self._rectified(Mode.WITHIN_DEADLINE, actor, on, None, summary, evidence)

    @event(RectificationVerified)
    def _verified(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        note: str,
        evidence_digest: str | None = None,
        decided_on_version: int | None = None,
    ) -> None:
        self._enter("verify", on, command_id)
        self.verified_on = on
        self.verified_by = actor
        self.verifier_ids = (*self.verifier_ids, actor.id)
        self._decided("verify", on, decided_on_version, evidence_digest)

    @event(RectificationRejected)
    def _rejected(self, actor: Actor, on: date, command_id: str | None, reason: str) -> None:
        self._enter("reject", on, command_id)
        self.rejections += 1
        self.verifier_ids = ()
        self.rectified_on = None
        self.rectified_by = None
        self.rectified_late = False
        self.mode = None
        self.campaign = None
        self.summary = None
        self.evidence = ()
        self.decisions.pop("verify", None)

    @event(ClosedOut)
    def _closed_out(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        note: str,
        evidence_digest: str | None = None,
        decided_on_version: int | None = None,
    ) -> None:
        self._enter("close_out", on, command_id)
        self.closed_out_on = on
        self._decided("close_out", on, decided_on_version, evidence_digest)

    @event(Reopened)
    def _reopened(
        self, actor: Actor, on: date, command_id: str | None, reason: str, deadline: date | None
    ) -> None:
        self._enter("reopen", on, command_id)
        self.reopenings += 1
        if deadline is not None:
            self._deadline_from(deadline)
        self.mode = None
        self.campaign = None
        self.rectified_on = None
        self.rectified_by = None
        self.rectified_late = False
        self.verified_on = None
        self.verified_by = None
        self.verifier_ids = ()
        self.closed_out_on = None
        self.summary = None
        self.evidence = ()
        self.decisions.pop("verify", None)  # no longer standing: the problem came back
        self.decisions.pop("close_out", None)

    @event(DeadlineExtended)
    def _deadline_extended(
        self, actor: Actor, on: date, command_id: str | None, new_deadline: date, reason: str
    ) -> None:
        self._enter("extend_deadline", on, command_id)
        self._deadline_from(new_deadline)
        self.extensions += 1

    @event(IssueWithdrawn)
    def _withdrawn(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        reason: str,
        evidence_digest: str | None = None,
        decided_on_version: int | None = None,
    ) -> None:
        self._enter("withdraw", on, command_id)
        self.withdrawn_on = on
        self._decided("withdraw", on, decided_on_version, evidence_digest)

    @event(ProgressReported)
    def _progress_reported(self, actor: Actor, on: date, command_id: str | None, text: str) -> None:
        self._enter("report_progress", on, command_id)
        self.progress = text
        self.progress_on = on
        self.progress_by = actor.id

    @event(MeasureAdded)
    def _measure_added(
        self, actor: Actor, on: date, command_id: str | None, text: str, due: date | None
    ) -> None:
        self._enter("add_measure", on, command_id)
        self.measures += (text,)
        self.measure_dues += (due,)

    @event(MeasureCompleted)
    def _measure_completed(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        number: int,
        evidence: tuple[str, ...],
        mode: Mode | None,
        campaign: str | None,
    ) -> None:
        self._enter("complete_measure", on, command_id)
        self.measures_done |= {number}
        self.measure_evidence = {**self.measure_evidence, number: evidence}
        self._rectified_by(actor)  # completing a measure is rectifying work

    @event(BranchLinked)
    def _branch_linked(
        self, actor: Actor, on: date, command_id: str | None, branch_id: UUID
    ) -> None:
        self._enter("link_issue", on, command_id)
        self.branch_id = branch_id

    @event(EvidenceReplaced)
    def _evidence_replaced(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        summary: str,
        evidence: tuple[str, ...],
    ) -> None:
        self._enter("replace_evidence", on, command_id)
        self.summary = summary
        self.evidence = evidence
        self._rectified_by(actor)  # replacing the evidence is rectifying work

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


EVENT_TRIGGERS: Mapping[type[Any], str] = Issue.triggers
"""The workflow trigger each event class records."""

EVENT_ACTIONS: Mapping[type[Any], str] = {**Issue.triggers, **Issue.consequences}
"""What each issue event class records: its trigger, or the consequence it is (``mark_stale``)."""


def trigger_of(domain_event: object) -> str:
    """The workflow trigger a recorded issue event stands for (``"assign"``, ``"verify"``, ...)."""
    for cls in type(domain_event).__mro__:
        trigger = EVENT_TRIGGERS.get(cls)
        if trigger is not None:
            return trigger
    msg = f"{type(domain_event).__qualname__} is not an issue event"
    raise TypeError(msg)
