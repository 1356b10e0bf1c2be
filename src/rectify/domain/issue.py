"""The Issue aggregate: one problem, from found (發現) to closed out (銷號).

Its ``@event`` methods are its story: each signature is an event's payload and each body only
applies it, so replaying the stored events rebuilds the issue exactly. The public command methods
(``assign``, ``verify``, ...) check first: the workflow allows the trigger in the current state, the
actor holds a grant, the named guards pass, the business date does not go backwards. Only then is
the event triggered. Event bodies never check, so history that was valid when recorded always
replays, even after the rules change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from rectify.domain.guards import GUARDS
from rectify.domain.values import Actor, Mode, Severity, Source, Status
from rectify.domain.workflow import CURRENT_ISSUE_WORKFLOW, WorkflowDefinition
from rectify.domain.workflow import workflow as workflow_named
from rectify.errors import InvalidCommand, PermissionDenied, TransitionNotAllowed

if TYPE_CHECKING:
    from collections.abc import Mapping

ISSUE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:issue")
"""Namespace of issue ids derived from an idempotency key."""


def issue_id_for(command_id: str) -> UUID:
    """The id an issue recorded with idempotency key ``command_id`` gets (the same key, the same id)."""
    return uuid5(ISSUE_NAMESPACE, command_id)


def days_overdue(status: Status, deadline: date | None, as_of: date) -> int:
    """Days past the deadline on ``as_of`` of an issue waiting to be rectified (0: not overdue)."""
    if status is Status.ASSIGNED and deadline is not None and as_of > deadline:
        return (as_of - deadline).days
    return 0


class Issue(Aggregate):
    """One problem on the ledger. State changes only through its events."""

    class Event(Aggregate.Event):
        """Every issue event says who did it, on which business date, under which command key."""

        actor: Actor
        on: date
        command_id: str | None

    class IssueFound(Event, Aggregate.Created):
        """發現: the problem is recorded."""

        workflow: str
        title: str
        description: str
        unit: str
        source: Source
        category: str | None
        severity: Severity
        branch_id: UUID | None
        remarks: str = ""  # added before the first release; the default reads earlier drafts

    class IssueAssigned(Event):
        """交辦: responsible unit and person, measures and a deadline."""

        unit: str
        person: str
        deadline: date
        measures: tuple[str, ...]

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
        """驗收: the issuing body accepts the rectification."""

        note: str

    class RectificationRejected(Event):
        """退回: sent back for more work."""

        reason: str

    class ClosedOut(Event):
        """銷號: struck off the ledger."""

        note: str

    class Reopened(Event):
        """反彈: the problem came back after close-out."""

        reason: str
        deadline: date | None

    class DeadlineExtended(Event):
        """延期: a later deadline, approved by the actor."""

        new_deadline: date
        reason: str

    class IssueWithdrawn(Event):
        """撤銷: the finding was unfounded."""

        reason: str

    class ProgressReported(Event):
        """整改進展: a progress note; the state does not change."""

        text: str

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
    ) -> None:
        self.workflow = workflow
        self.title = title
        self.description = description
        self.unit = unit
        self.source = source
        self.category = category
        self.severity = severity
        self.branch_id = branch_id
        self.remarks = remarks
        self.status = workflow_named(workflow).initial
        self.found_on = on
        self.found_by = actor
        self.responsible_unit: str | None = None
        self.responsible_person: str | None = None
        self.measures: tuple[str, ...] = ()
        self.deadline: date | None = None
        self.assigned_on: date | None = None
        self.mode: Mode | None = None
        self.campaign: str | None = None
        self.rectified_on: date | None = None
        self.rectified_by: Actor | None = None
        self.rectified_late = False
        self.verified_on: date | None = None
        self.verified_by: Actor | None = None
        self.closed_out_on: date | None = None
        self.withdrawn_on: date | None = None
        self.rejections = 0
        self.reopenings = 0
        self.extensions = 0
        self.progress: str | None = None
        self.progress_on: date | None = None
        self.last_on = on
        self.command_ids: set[str] = set()
        if command_id:
            self.command_ids.add(command_id)

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
        command_id: str | None = None,
        flow: WorkflowDefinition = CURRENT_ISSUE_WORKFLOW,
        issue_id: UUID | None = None,
    ) -> Issue:
        """Record a newly found problem (checked: the actor may record).

        The id is random, derived from ``command_id`` when given, or ``issue_id`` itself (an
        import keeps the ids of the ledger it reads)."""
        step = flow.create
        if not step.permits(actor, unit):
            raise PermissionDenied(actor.id, step.trigger, f"needs {step.describe_grants(unit)}")
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
        }
        if issue_id is not None:
            return cls._create(cls.IssueFound, id=issue_id, **found)
        return cls(**found)

    # ---------------------------------------------------------------- questions

    @property
    def flow(self) -> WorkflowDefinition:
        """The workflow this issue runs under (recorded when it was found)."""
        return workflow_named(self.workflow)

    @property
    def acting_unit(self) -> str:
        """The unit responsible for rectifying: the assigned unit, else the issue's own unit."""
        return self.responsible_unit or self.unit

    def rectifying_units(self) -> frozenset[str]:
        """Units that must not accept the current rectification (separation of duties)."""
        units = {self.acting_unit}
        if self.rectified_by is not None:
            units.add(self.rectified_by.unit)
        return frozenset(units)

    def is_overdue(self, as_of: date) -> bool:
        """逾期: waiting to be rectified with its deadline passed on ``as_of``. Derived, never stored."""
        return days_overdue(self.status, self.deadline, as_of) > 0

    def days_overdue(self, as_of: date) -> int:
        return days_overdue(self.status, self.deadline, as_of)

    def has_seen(self, command_id: str | None) -> bool:
        """Whether a command with this idempotency key was already recorded on this issue."""
        return command_id is not None and command_id in self.command_ids

    def check(
        self, trigger: str, actor: Actor, on: date, args: Mapping[str, Any] | None = None
    ) -> None:
        """Raise the error that refuses ``trigger`` by ``actor`` on ``on``, or return if allowed."""
        for error in self._refusals(trigger, actor, on, args):
            raise error

    def allowed_actions(
        self, actor: Actor | None = None, on: date | None = None
    ) -> tuple[str, ...]:
        """Triggers the workflow allows now; with ``actor``, only those this actor may perform."""
        triggers = self.flow.triggers_from(self.status)
        if actor is None:
            return triggers
        when = on if on is not None else self.last_on
        return tuple(
            t for t in triggers if next(self._refusals(t, actor, when, None), None) is None
        )

    def _refusals(
        self, trigger: str, actor: Actor, on: date, args: Mapping[str, Any] | None
    ) -> Any:
        compiled = self.flow.lookup(self.status, trigger)
        if compiled is None:
            yield TransitionNotAllowed(
                trigger,
                self.status.value,
                issue_id=self.id,
                allowed=self.flow.triggers_from(self.status),
            )
            return
        step = compiled.step
        if not step.permits(actor, self.acting_unit):
            yield PermissionDenied(
                actor.id, trigger, f"needs {step.describe_grants(self.acting_unit)}"
            )
            return
        if on < self.last_on:
            yield InvalidCommand(
                "on",
                f"business date {on} is before the issue's latest recorded date {self.last_on}",
            )
            return
        for name in step.guards:
            error = GUARDS[name](self, actor, on, args)
            if error is not None:
                yield error
                return

    # ---------------------------------------------------------------- commands (checked)

    def assign(
        self,
        *,
        actor: Actor,
        on: date,
        unit: str,
        person: str,
        deadline: date,
        measures: tuple[str, ...] = (),
        command_id: str | None = None,
    ) -> None:
        """交辦: name the responsible unit and person, the measures and the deadline."""
        self.check("assign", actor, on, {"deadline": deadline})
        self._assigned(
            actor=actor,
            on=on,
            command_id=command_id,
            unit=unit,
            person=person,
            deadline=deadline,
            measures=measures,
        )

    def rectify_on_the_spot(
        self,
        *,
        actor: Actor,
        on: date,
        summary: str,
        evidence: tuple[str, ...] = (),
        command_id: str | None = None,
    ) -> None:
        """立行立改: fixed immediately."""
        self.check("rectify_on_the_spot", actor, on)
        self._rectified_on_the_spot(
            actor=actor, on=on, command_id=command_id, summary=summary, evidence=evidence
        )

    def treat_centrally(
        self,
        *,
        actor: Actor,
        on: date,
        campaign: str,
        summary: str,
        evidence: tuple[str, ...] = (),
        command_id: str | None = None,
    ) -> None:
        """集中治理: fixed within a campaign."""
        self.check("treat_centrally", actor, on)
        self._centrally_treated(
            actor=actor,
            on=on,
            command_id=command_id,
            campaign=campaign,
            summary=summary,
            evidence=evidence,
        )

    def submit_rectification(
        self,
        *,
        actor: Actor,
        on: date,
        summary: str,
        evidence: tuple[str, ...] = (),
        command_id: str | None = None,
    ) -> None:
        """限期整改: report the rectification done, with evidence."""
        self.check("submit_rectification", actor, on)
        self._rectification_submitted(
            actor=actor, on=on, command_id=command_id, summary=summary, evidence=evidence
        )

    def verify(
        self, *, actor: Actor, on: date, note: str = "", command_id: str | None = None
    ) -> None:
        """驗收: accept the rectification."""
        self.check("verify", actor, on)
        self._verified(actor=actor, on=on, command_id=command_id, note=note)

    def reject(self, *, actor: Actor, on: date, reason: str, command_id: str | None = None) -> None:
        """退回: send the rectification back."""
        self.check("reject", actor, on)
        self._rejected(actor=actor, on=on, command_id=command_id, reason=reason)

    def close_out(
        self, *, actor: Actor, on: date, note: str = "", command_id: str | None = None
    ) -> None:
        """銷號: strike the verified issue off the ledger."""
        self.check("close_out", actor, on)
        self._closed_out(actor=actor, on=on, command_id=command_id, note=note)

    def reopen(
        self,
        *,
        actor: Actor,
        on: date,
        reason: str,
        deadline: date | None = None,
        command_id: str | None = None,
    ) -> None:
        """反彈: the problem is back; reopen it (its history stays one)."""
        self.check("reopen", actor, on, {"deadline": deadline})
        self._reopened(actor=actor, on=on, command_id=command_id, reason=reason, deadline=deadline)

    def extend_deadline(
        self,
        *,
        actor: Actor,
        on: date,
        new_deadline: date,
        reason: str,
        command_id: str | None = None,
    ) -> None:
        """延期: move the deadline later, approved by ``actor``."""
        self.check("extend_deadline", actor, on, {"new_deadline": new_deadline})
        self._deadline_extended(
            actor=actor, on=on, command_id=command_id, new_deadline=new_deadline, reason=reason
        )

    def withdraw(
        self, *, actor: Actor, on: date, reason: str, command_id: str | None = None
    ) -> None:
        """撤銷: the finding was unfounded."""
        self.check("withdraw", actor, on)
        self._withdrawn(actor=actor, on=on, command_id=command_id, reason=reason)

    def report_progress(
        self, *, actor: Actor, on: date, text: str, command_id: str | None = None
    ) -> None:
        """整改進展: note progress without changing the state."""
        self.check("report_progress", actor, on)
        self._progress_reported(actor=actor, on=on, command_id=command_id, text=text)

    # ---------------------------------------------------------------- events (apply only)

    def _enter(self, trigger: str, on: date, command_id: str | None) -> None:
        self.status = self.flow.target(self.status, trigger)
        self.last_on = on
        if command_id:
            self.command_ids.add(command_id)

    def _rectified(self, mode: Mode, actor: Actor, on: date, campaign: str | None) -> None:
        self.mode = mode
        self.campaign = campaign
        self.rectified_on = on
        self.rectified_by = actor
        self.rectified_late = self.deadline is not None and on > self.deadline

    @event(IssueAssigned)
    def _assigned(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        unit: str,
        person: str,
        deadline: date,
        measures: tuple[str, ...],
    ) -> None:
        self._enter("assign", on, command_id)
        self.responsible_unit = unit
        self.responsible_person = person
        self.deadline = deadline
        self.measures = measures
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
        self._rectified(Mode.ON_THE_SPOT, actor, on, None)

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
        self._rectified(Mode.CENTRAL, actor, on, campaign)

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
        self._rectified(Mode.WITHIN_DEADLINE, actor, on, None)

    @event(RectificationVerified)
    def _verified(self, actor: Actor, on: date, command_id: str | None, note: str) -> None:
        self._enter("verify", on, command_id)
        self.verified_on = on
        self.verified_by = actor

    @event(RectificationRejected)
    def _rejected(self, actor: Actor, on: date, command_id: str | None, reason: str) -> None:
        self._enter("reject", on, command_id)
        self.rejections += 1
        self.rectified_on = None
        self.rectified_by = None
        self.rectified_late = False
        self.mode = None
        self.campaign = None

    @event(ClosedOut)
    def _closed_out(self, actor: Actor, on: date, command_id: str | None, note: str) -> None:
        self._enter("close_out", on, command_id)
        self.closed_out_on = on

    @event(Reopened)
    def _reopened(
        self, actor: Actor, on: date, command_id: str | None, reason: str, deadline: date | None
    ) -> None:
        self._enter("reopen", on, command_id)
        self.reopenings += 1
        if deadline is not None:
            self.deadline = deadline
        self.mode = None
        self.campaign = None
        self.rectified_on = None
        self.rectified_by = None
        self.rectified_late = False
        self.verified_on = None
        self.verified_by = None
        self.closed_out_on = None

    @event(DeadlineExtended)
    def _deadline_extended(
        self, actor: Actor, on: date, command_id: str | None, new_deadline: date, reason: str
    ) -> None:
        self._enter("extend_deadline", on, command_id)
        self.deadline = new_deadline
        self.extensions += 1

    @event(IssueWithdrawn)
    def _withdrawn(self, actor: Actor, on: date, command_id: str | None, reason: str) -> None:
        self._enter("withdraw", on, command_id)
        self.withdrawn_on = on

    @event(ProgressReported)
    def _progress_reported(self, actor: Actor, on: date, command_id: str | None, text: str) -> None:
        self._enter("report_progress", on, command_id)
        self.progress = text
        self.progress_on = on


EVENT_TRIGGERS: Mapping[type[Any], str] = {
    Issue.IssueFound: "record",
    Issue.IssueAssigned: "assign",
    Issue.RectifiedOnTheSpot: "rectify_on_the_spot",
    Issue.CentrallyTreated: "treat_centrally",
    Issue.RectificationSubmitted: "submit_rectification",
    Issue.RectificationVerified: "verify",
    Issue.RectificationRejected: "reject",
    Issue.ClosedOut: "close_out",
    Issue.Reopened: "reopen",
    Issue.DeadlineExtended: "extend_deadline",
    Issue.IssueWithdrawn: "withdraw",
    Issue.ProgressReported: "report_progress",
}
"""The workflow trigger each event class records."""


def trigger_of(domain_event: object) -> str:
    """The workflow trigger a recorded issue event stands for (``"assign"``, ``"verify"``, ...)."""
    for cls in type(domain_event).__mro__:
        trigger = EVENT_TRIGGERS.get(cls)
        if trigger is not None:
            return trigger
    msg = f"{type(domain_event).__qualname__} is not an issue event"
    raise TypeError(msg)
