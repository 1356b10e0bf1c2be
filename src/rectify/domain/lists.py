"""Problem lists (問題清單), checklists and inspection rounds (巡查).

- A :class:`ProblemList` is a named, dated collection sent out with a deadline, with its common
  problems (共性問題), e.g. the 2018 list with 23. Issues recorded from it point at the list and at
  one common problem, and take its deadline by default.
- A :class:`Checklist` is what an inspection checks, item by item (26 items in one district).
- An :class:`InspectionRound` checks a scope of units or branches against a checklist in a period.
  Each finding becomes an Issue (source 巡查) linked to the round and item; the round keeps which
  issue each ``(target, item)`` became, so re-importing its findings records nothing new.

Lists and checklists are written once. A round runs under the ``round/1`` workflow: findings and
visits while it is open, then closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from rectify.domain.checked import Checked, CommandEvent
from rectify.domain.guards import GUARDS
from rectify.domain.values import Actor, RoundStatus
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import CHECKLIST_WORKFLOW_V1, LIST_WORKFLOW_V1
from rectify.domain.workflows import ROUND_WORKFLOW_V1 as ROUND_WORKFLOW_V1  # re-exported
from rectify.domain.workflows import workflow as workflow_named
from rectify.errors import InvalidCommand, PermissionDenied

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:lists")


def derived_id(kind: str, command_id: str | None) -> UUID:
    """The id of a list, checklist or round recorded under idempotency key ``command_id``."""
    return uuid5(_NAMESPACE, f"{kind}/{command_id}") if command_id else uuid4()


def finding_issue_id(checklist_id: UUID, target: str, item: str, generation: int = 0) -> UUID:
    """The issue a finding of ``item`` on ``target`` becomes, for a checklist, across its rounds.

    The same finding in a later round lands on the same issue (reopened if it was closed out: a
    relapse); only when that issue was withdrawn does a finding start a new one (``generation``)."""
    return uuid5(_NAMESPACE, f"finding/{checklist_id}/{target}/{item}/{generation}")


def _codes(field: str, entries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    seen: set[str] = set()
    out = []
    for code, text in entries:
        code, text = code.strip(), text.strip()
        if not code or not text:
            raise InvalidCommand(field, f"an entry needs a code and a text, got {(code, text)!r}")
        if code in seen:
            raise InvalidCommand(field, f"code {code!r} is given twice")
        seen.add(code)
        out.append((code, text))
    return tuple(out)


class _Record(Aggregate):
    class Event(CommandEvent):
        """Every event of a list, checklist or round."""


def _may(actor: Actor, flow: WorkflowDefinition[Any]) -> None:
    """Whether ``actor`` may create a record of ``flow`` (its create step's grants)."""
    step = flow.create
    if not step.permits(actor, actor.unit):
        raise PermissionDenied(actor.id, step.trigger, f"needs {step.describe_grants()}")


class ProblemList(_Record):
    """問題清單: a named, dated list with a deadline and its common problems."""

    workflow = LIST_WORKFLOW_V1.key
    """Who may issue a list (its only step); the one version there is, so not recorded per list."""

    class ListIssued(_Record.Event, Aggregate.Created):
        """下發問題清單. Version 2 names the workflow the list's problems run under (None: the
        current one when each is recorded; lists issued before never named one)."""

        class_version = 2

        name: str
        issuer: str
        issued_on: date
        deadline: date
        common_problems: tuple[tuple[str, str], ...]
        issue_workflow: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(issue_workflow=None)

    @event(ListIssued)
    def __init__(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        name: str,
        issuer: str,
        issued_on: date,
        deadline: date,
        common_problems: tuple[tuple[str, str], ...],
        issue_workflow: str | None = None,
    ) -> None:
        self.name = name
        self.issuer = issuer
        self.issued_on = issued_on
        self.deadline = deadline
        self.common_problems = common_problems
        self.issue_workflow = issue_workflow

    @classmethod
    def issue(
        cls,
        *,
        actor: Actor,
        on: date,
        name: str,
        issuer: str,
        issued_on: date,
        deadline: date,
        common_problems: tuple[tuple[str, str], ...] = (),
        command_id: str | None = None,
        issue_workflow: str | None = None,
    ) -> ProblemList:
        """下發: checked (the actor is a verifier; the deadline is not before the list's date)."""
        _may(actor, LIST_WORKFLOW_V1)
        if deadline < issued_on:
            raise InvalidCommand(
                "deadline", f"{deadline} is before the list was issued, on {issued_on}"
            )
        if issued_on > on:
            raise InvalidCommand("issued_on", f"{issued_on} is after the date of the command, {on}")
        return cls._create(
            cls.ListIssued,
            id=derived_id("list", command_id),
            actor=actor,
            on=on,
            command_id=command_id,
            name=name,
            issuer=issuer,
            issued_on=issued_on,
            deadline=deadline,
            common_problems=_codes("common_problems", common_problems),
            issue_workflow=issue_workflow,
        )

    def common_problem(self, code: str) -> str | None:
        """The text of common problem ``code`` (None if the list has no such code)."""
        return dict(self.common_problems).get(code)


class Checklist(_Record):
    """巡查清單: the items an inspection checks."""

    workflow = CHECKLIST_WORKFLOW_V1.key
    """Who may define a checklist (its only step)."""

    class ChecklistDefined(_Record.Event, Aggregate.Created):
        """A checklist and its items."""

        name: str
        items: tuple[tuple[str, str], ...]

    @event(ChecklistDefined)
    def __init__(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        name: str,
        items: tuple[tuple[str, str], ...],
    ) -> None:
        self.name = name
        self.items = items

    @classmethod
    def define(
        cls,
        *,
        actor: Actor,
        on: date,
        name: str,
        items: tuple[tuple[str, str], ...],
        command_id: str | None = None,
    ) -> Checklist:
        _may(actor, CHECKLIST_WORKFLOW_V1)
        if not items:
            raise InvalidCommand("items", "a checklist needs at least one item")
        return cls._create(
            cls.ChecklistDefined,
            id=derived_id("checklist", command_id),
            actor=actor,
            on=on,
            command_id=command_id,
            name=name,
            items=_codes("items", items),
        )

    def item(self, code: str) -> str | None:
        """The text of item ``code`` (None if the checklist has no such item)."""
        return dict(self.items).get(code)


class InspectionRound(Checked, _Record):
    """巡查: one round of a checklist over a scope of units and branches."""

    kind = "round"
    guards = GUARDS

    class RoundOpened(_Record.Event, Aggregate.Created):
        """開始巡查: the checklist, the period and the scope (units, and branches by id)."""

        workflow: str
        name: str
        checklist_id: UUID
        period: str
        units: tuple[str, ...]
        branches: tuple[UUID, ...]

    class FindingRecorded(_Record.Event):
        """發現問題: ``item`` on ``target`` (a unit, or a branch id as text) is issue ``issue_id``.

        ``outcome`` is ``"new"`` (a new issue), ``"relapse"`` (a closed-out issue reopened) or
        ``"still_open"`` (the issue of an earlier round is not rectified yet)."""

        target: str
        item: str
        text: str
        issue_id: UUID
        outcome: str

    class TargetVisited(_Record.Event):
        """巡查到位: the target was inspected (with or without findings)."""

        target: str

    class RoundClosed(_Record.Event):
        """結束巡查."""

        note: str

    @event(RoundOpened)
    def __init__(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        workflow: str,
        name: str,
        checklist_id: UUID,
        period: str,
        units: tuple[str, ...],
        branches: tuple[UUID, ...],
    ) -> None:
        self.workflow = workflow
        self.name = name
        self.checklist_id = checklist_id
        self.period = period
        self.units = units
        self.branches = branches
        self.status: RoundStatus = workflow_named(workflow).initial
        self.opened_on = on
        self.closed_on: date | None = None
        self.findings: dict[tuple[str, str], UUID] = {}
        self.outcomes: dict[tuple[str, str], str] = {}
        self.visited: set[str] = set()
        self.last_on = on
        self.command_ids = self._keys_of_creation(command_id)

    @classmethod
    def open(
        cls,
        *,
        actor: Actor,
        on: date,
        name: str,
        checklist_id: UUID,
        period: str,
        units: tuple[str, ...],
        branches: tuple[UUID, ...],
        command_id: str | None = None,
    ) -> InspectionRound:
        flow = ROUND_WORKFLOW_V1
        if not flow.create.permits(actor, actor.unit):
            raise PermissionDenied(actor.id, "open", f"needs {flow.create.describe_grants()}")
        if not units and not branches:
            raise InvalidCommand("scope", "a round needs at least one unit or branch in scope")
        return cls._create(
            cls.RoundOpened,
            id=derived_id("round", command_id),
            actor=actor,
            on=on,
            command_id=command_id,
            workflow=flow.key,
            name=name,
            checklist_id=checklist_id,
            period=period,
            units=units,
            branches=branches,
        )

    @property
    def flow(self) -> WorkflowDefinition[RoundStatus]:
        return workflow_named(self.workflow)

    @property
    def acting_unit(self) -> str:
        return ""

    @property
    def scope(self) -> tuple[str, ...]:
        """Every target of the round: its units, then its branches' ids as text."""
        return (*self.units, *(str(b) for b in self.branches))

    @property
    def covered(self) -> set[str]:
        """Targets inspected: visited, or with a finding."""
        return self.visited | {target for target, _ in self.findings}

    def record_finding(
        self,
        *,
        actor: Actor,
        on: date,
        target: str,
        item: str,
        text: str,
        issue_id: UUID,
        outcome: str,
        command_id: str | None = None,
    ) -> None:
        self.check("record_finding", actor, on)
        self._finding(
            actor=actor,
            on=on,
            command_id=command_id,
            target=target,
            item=item,
            text=text,
            issue_id=issue_id,
            outcome=outcome,
        )

    def record_visit(
        self, *, actor: Actor, on: date, target: str, command_id: str | None = None
    ) -> None:
        if target in self.visited:
            return
        self.check("record_visit", actor, on)
        self._visited(actor=actor, on=on, command_id=command_id, target=target)

    def close(
        self, *, actor: Actor, on: date, note: str = "", command_id: str | None = None
    ) -> None:
        self.check("close", actor, on)
        self._closed(actor=actor, on=on, command_id=command_id, note=note)

    @event(FindingRecorded)
    def _finding(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        target: str,
        item: str,
        text: str,
        issue_id: UUID,
        outcome: str,
    ) -> None:
        self._enter("record_finding", on, command_id)
        self.findings[(target, item)] = issue_id
        self.outcomes[(target, item)] = outcome

    @event(TargetVisited)
    def _visited(self, actor: Actor, on: date, command_id: str | None, target: str) -> None:
        self._enter("record_visit", on, command_id)
        self.visited.add(target)

    @event(RoundClosed)
    def _closed(self, actor: Actor, on: date, command_id: str | None, note: str) -> None:
        self._enter("close", on, command_id)
        self.closed_on = on


RECORD_EVENT_TRIGGERS: Mapping[type[Any], str] = {
    ProblemList.ListIssued: "issue_problem_list",
    Checklist.ChecklistDefined: "define_checklist",
    InspectionRound.RoundOpened: "open",
    InspectionRound.FindingRecorded: "record_finding",
    InspectionRound.TargetVisited: "record_visit",
    InspectionRound.RoundClosed: "close",
}
"""The action each list, checklist and round event records."""
