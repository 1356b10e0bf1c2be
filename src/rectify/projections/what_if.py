"""What-if: the recorded history replayed under other rules, and what would differ.

A problem's recorded events are replayed, in order, into a fresh aggregate that nothing saves:

- under another **workflow**, every step is first put to that workflow, in the state the
  problem had then, by the actor who gave it, on its date (the grant, the state, the guards:
  :meth:`~rectify.domain.checked.Checked.refusal_under`); a step it would refuse is reported
  (:class:`RefusedStep`) and still applied, so that each later step is judged from where the
  recorded history stood, not from a history nobody lived;
- under another **deadline policy**, each assignment's deadline is the one the caller's
  ``deadline_for`` gives (the application counts it with the policy and the working calendar);
  an extension moves it to the date it recorded, unless that deadline is already later (then
  it moves nothing), and rectifications are late or on time against the deadline in force then.

The ledger rows of the replayed problems are compared with the recorded ones
(:class:`DeadlineChange`), and the figures of both ledgers (:class:`FigureChange`). Pure: the
application reads the events and gives the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from rectify.domain.deadlines import ComputedDeadline
from rectify.domain.issue import Issue, trigger_of
from rectify.domain.values import Severity
from rectify.domain.workflow import WorkflowDefinition
from rectify.projections.figures import Breakdown, Figures
from rectify.projections.ledger import LedgerRow, row_of

DeadlineFor = Callable[[Issue, Any], ComputedDeadline | None]
"""The deadline an assignment (the problem before it, the recorded ``IssueAssigned``) would
have had under the other policy; None keeps the recorded one."""


class RefusedStep(BaseModel):
    """A recorded step the other workflow would have refused."""

    model_config = ConfigDict(frozen=True)

    issue_id: UUID
    seq: int
    title: str
    version: int
    """The event's version in the problem's history (1 is its finding)."""
    step: str
    """The workflow trigger (``verify``, ``close_out`` …)."""
    label: str = ""
    """The step's Chinese name in the problem's own workflow (驗收, 銷號 …)."""
    on: date
    actor: str
    """Who gave it: name (id)."""
    reason: str
    """What the other workflow says, as its error would."""


class DeadlineChange(BaseModel):
    """A problem whose deadline, lateness or days overdue would differ."""

    model_config = ConfigDict(frozen=True)

    issue_id: UUID
    seq: int
    title: str
    unit: str
    recorded_deadline: date | None
    what_if_deadline: date | None
    rule: str | None
    """The rule that gave the what-if deadline (None: the recorded deadline was kept)."""
    recorded_late: bool
    """Rectified after its deadline, or still open past it (逾期), as recorded."""
    what_if_late: bool
    recorded_days_overdue: int
    what_if_days_overdue: int

    @property
    def shift(self) -> int | None:
        """Days the deadline moves (positive: later); None when either has none."""
        if self.recorded_deadline is None or self.what_if_deadline is None:
            return None
        return (self.what_if_deadline - self.recorded_deadline).days

    @property
    def verdict(self) -> str:
        """``"逾期 → 按期"`` (late → on time), ``"按期 → 逾期"``, or ``"逾期"``/``"按期"`` when
        that does not change."""
        words = {True: "逾期", False: "按期"}
        if self.recorded_late == self.what_if_late:
            return words[self.recorded_late]
        return f"{words[self.recorded_late]} → {words[self.what_if_late]}"


class FigureChange(BaseModel):
    """One figure of the ledger, as recorded and under the other rules."""

    model_config = ConfigDict(frozen=True)

    group: str
    """``"合計"`` (the total), ``"嚴重程度 嚴重"`` … (by severity), ``"責任單位 某單位"`` …"""
    figure: str
    """The :class:`~rectify.projections.figures.Breakdown` field or property."""
    label: str
    recorded: float | int | None
    what_if: float | int | None


FIGURES: tuple[tuple[str, str], ...] = (
    ("rectified", "已整改"),
    ("on_time", "按期整改"),
    ("rectified_late", "逾期整改"),
    ("overdue", "逾期未改"),
    ("late", "逾期合計"),
    ("on_time_rate", "按期整改率"),
)
"""The figures a what-if compares, per group: the ones a deadline or a workflow can move."""


class WhatIf(BaseModel):
    """What the recorded history would have given under other rules, as of ``as_of``."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    workflow: str | None
    """The other workflow's key, or None (each problem's own)."""
    policy: str | None
    """The other deadline policy, in words, or None (the recorded deadlines)."""
    problems: int
    """How many problems were replayed."""
    refused: tuple[RefusedStep, ...]
    deadlines: tuple[DeadlineChange, ...]
    figures: tuple[FigureChange, ...]
    """Only the figures that differ."""

    @property
    def differs(self) -> bool:
        """Whether anything would differ."""
        return bool(self.refused or self.deadlines or self.figures)

    def summary(self) -> str:
        """One line: how many problems, refusals, deadline and figure changes."""
        late = sum(1 for d in self.deadlines if d.what_if_late and not d.recorded_late)
        on_time = sum(1 for d in self.deadlines if d.recorded_late and not d.what_if_late)
        return (
            f"{self.problems} problem(s) replayed as of {self.as_of}: "
            f"{len(self.refused)} step(s) refused, {len(self.deadlines)} deadline(s) differ "
            f"({late} would be late, {on_time} would be on time), "
            f"{len(self.figures)} figure(s) differ"
        )


def replay_under(
    events: Sequence[Any],
    *,
    as_of: date,
    seq: int,
    flow: WorkflowDefinition[Any] | None = None,
    deadline_for: DeadlineFor | None = None,
) -> tuple[Issue | None, list[RefusedStep]]:
    """One problem's ``events`` (dated on or before ``as_of``) replayed under ``flow`` and
    ``deadline_for``: the problem as it would stand, and the steps ``flow`` would refuse."""
    issue: Issue | None = None
    refused: list[RefusedStep] = []
    for e in events:
        if e.on > as_of:
            break  # business dates never go backwards within one aggregate
        if flow is not None:
            refused += _refusals(flow, issue, e, seq)
        if issue is not None and deadline_for is not None:
            e = _under_policy(deadline_for, issue, e)
        issue = e.mutate(issue)
    return issue, refused


_CONSEQUENCES = tuple(Issue.consequences)
"""Events a problem records by itself (a decision marked stale): no one gave them."""


def _refusals(
    flow: WorkflowDefinition[Any], issue: Issue | None, e: Any, seq: int
) -> list[RefusedStep]:
    """What ``flow`` says of recorded event ``e`` given to ``issue`` as it stood (None: ``e``
    creates it): nothing, or the step refused."""
    if issue is None:
        create = flow.create
        if create.permits(e.actor, e.unit):
            return []
        reason = f"{flow.key}: {create.trigger} needs {create.describe_grants()}"
        return [
            RefusedStep(
                issue_id=e.originator_id, seq=seq, title=e.title, version=1,
                step=create.trigger, on=e.on, actor=_who(e.actor), reason=reason,
            )
        ]  # fmt: skip
    if isinstance(e, _CONSEQUENCES):
        return []
    trigger = trigger_of(e)
    error = issue.refusal_under(flow, trigger, e.actor, e.on, _arguments(e))
    return [] if error is None else [_refused(issue, e, trigger, seq, error)]


def _under_policy(deadline_for: DeadlineFor, issue: Issue, e: Any) -> Any:
    """Recorded event ``e`` as it would have been under the other policy: an assignment with
    the deadline it gives; an extension that never pulls a later deadline back."""
    if isinstance(e, Issue.IssueAssigned):
        computed = deadline_for(issue, e)
        if computed is None:
            return e
        return dataclasses.replace(  # type: ignore[call-arg]
            e, deadline=computed.deadline, deadline_rule=computed.rule, calendar=computed.calendar
        )
    if (
        isinstance(e, Issue.DeadlineExtended)
        and issue.deadline is not None
        and e.new_deadline < issue.deadline
    ):  # the other policy's deadline is already later: the extension moves nothing
        return dataclasses.replace(e, new_deadline=issue.deadline)  # type: ignore[call-arg]
    return e


def _arguments(e: Any) -> dict[str, Any]:
    """What the guards see of a recorded step: its event's fields, and the measure by the
    name its command gave it (its number)."""
    fields = {f.name: getattr(e, f.name) for f in dataclasses.fields(e)}
    if "number" in fields:
        fields["measure"] = fields["number"]
    return fields


def _who(actor: Any) -> str:
    name = getattr(actor, "name", "") or ""
    return f"{name} ({actor.id})" if name else str(actor.id)


def _refused(issue: Issue, e: Any, trigger: str, seq: int, error: Exception) -> RefusedStep:
    own = issue.flow
    return RefusedStep(
        issue_id=issue.id,
        seq=seq,
        title=issue.title,
        version=e.originator_version,
        step=trigger,
        label=own.step(trigger).label if own.has_trigger(trigger) else "",
        on=e.on,
        actor=_who(e.actor),
        reason=str(error).replace(f"issue {issue.id} ", ""),  # the row names the problem
    )


def what_if_row(recorded: LedgerRow, replayed: Issue) -> LedgerRow:
    """The ledger row the replayed problem would have, in the recorded row's place."""
    return row_of(replayed, seq=recorded.seq, position=recorded.position, as_of=recorded.as_of)


def compare_rows(recorded: LedgerRow, what_if: LedgerRow) -> DeadlineChange | None:
    """How a problem's what-if row differs from its recorded one as to its deadline, lateness
    and days overdue (None: it does not)."""
    recorded_late = recorded.overdue or recorded.rectified_late
    what_if_late = what_if.overdue or what_if.rectified_late
    if (
        recorded.deadline == what_if.deadline
        and recorded_late == what_if_late
        and recorded.days_overdue == what_if.days_overdue
    ):
        return None
    return DeadlineChange(
        issue_id=recorded.id,
        seq=recorded.seq,
        title=recorded.title,
        unit=recorded.acting_unit,
        recorded_deadline=recorded.deadline,
        what_if_deadline=what_if.deadline,
        rule=what_if.deadline_rule if what_if.deadline != recorded.deadline else None,
        recorded_late=recorded_late,
        what_if_late=what_if_late,
        recorded_days_overdue=recorded.days_overdue,
        what_if_days_overdue=what_if.days_overdue,
    )


def figure_changes(recorded: Figures, what_if: Figures) -> list[FigureChange]:
    """The figures of :data:`FIGURES` that differ: in total, by severity and by unit."""
    groups: list[tuple[str, Breakdown, Breakdown | None]] = [
        ("合計", recorded.total, what_if.total)
    ]
    groups += [
        (f"嚴重程度 {Severity(key).label}", part, what_if.by_severity.get(key))
        for key, part in recorded.by_severity.items()
    ]
    groups += [
        (f"責任單位 {key}", part, what_if.by_unit.get(key))
        for key, part in recorded.by_unit.items()
    ]
    changes: list[FigureChange] = []
    for group, before, after in groups:
        for figure, label in FIGURES:
            old = getattr(before, figure)
            new = None if after is None else getattr(after, figure)
            if old != new:
                changes.append(
                    FigureChange(group=group, figure=figure, label=label, recorded=old, what_if=new)
                )
    return changes
