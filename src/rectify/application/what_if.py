"""What-if: the recorded history under another workflow or deadline policy, nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rectify.adapters.store_access import replaying
from rectify.adapters.workflow_files import load_workflow
from rectify.application.personal import PersonalDataService
from rectify.domain.deadlines import ComputedDeadline, DeadlinePolicy
from rectify.domain.issue import Issue
from rectify.domain.values import Status
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import registered_issue_workflow
from rectify.domain.workflows import workflow as workflow_named
from rectify.errors import InvalidCommand
from rectify.projections.figures import Figures
from rectify.projections.what_if import (
    DeadlineFor,
    WhatIf,
    compare_rows,
    figure_changes,
    replay_under,
    what_if_row,
)


def as_policy(given: DeadlinePolicy | Mapping[str, Any], field: str) -> DeadlinePolicy:
    """A deadline policy from itself or its data (:class:`InvalidCommand` naming ``field``)."""
    if isinstance(given, DeadlinePolicy):
        return given
    if not isinstance(given, Mapping):
        msg = f"a DeadlinePolicy or its data (a mapping), not a {type(given).__name__}"
        raise InvalidCommand(field, msg)
    try:
        return DeadlinePolicy.model_validate(given)
    except ValidationError as e:
        raise InvalidCommand.from_validation(e, prefix=field) from None


def as_issue_workflow(
    given: str | Path | WorkflowDefinition[Any], field: str = "workflow"
) -> WorkflowDefinition[Any]:
    """A workflow of problems: itself, a registered key (``"issue/3"``) or a TOML file (a
    :class:`~pathlib.Path`). :class:`InvalidCommand` naming ``field`` otherwise."""
    if isinstance(given, WorkflowDefinition):
        flow = given
    elif isinstance(given, Path):
        flow = load_workflow(given)
    elif isinstance(given, str):
        try:
            flow = workflow_named(registered_issue_workflow(given))
        except ValueError as e:
            raise InvalidCommand(field, f"{e}, or a TOML file") from None
    else:
        msg = f"a workflow's key, a TOML file's Path or a definition, not a {type(given).__name__}"
        raise InvalidCommand(field, msg)
    if not isinstance(flow.initial, Status):
        raise InvalidCommand(field, f"{flow.key} is not a workflow of problems")
    return flow


class WhatIfService(PersonalDataService):
    """Replaying the recorded history under other rules, to see what would differ."""

    def what_if(
        self,
        *,
        workflow: str | Path | WorkflowDefinition[Any] | None = None,
        policy: DeadlinePolicy | Mapping[str, Any] | None = None,
        replace_given: bool = False,
        as_of: date | str | None = None,
    ) -> WhatIf:
        """What the recorded history would give under another ``workflow`` (a registered key,
        a TOML file's :class:`~pathlib.Path` or a definition) or deadline ``policy`` (a
        :class:`~rectify.domain.deadlines.DeadlinePolicy` or its data; without one, the
        workflow's own ``deadlines`` when it has them), as of ``as_of`` (default today). Writes
        nothing.

        Every problem on the ledger is replayed from its recorded events
        (:mod:`rectify.projections.what_if`): the steps the workflow would have refused (each
        still applied, so later steps are judged where the history stood), the problems whose
        deadline, lateness or days overdue would differ, and the figures that would. The policy
        gives the deadlines a policy gave when they were recorded; with ``replace_given`` also
        those the assigner gave, as if the policy had given every deadline it covers. An
        extension moves a deadline to the date it recorded, never earlier."""
        if workflow is None and policy is None:
            raise InvalidCommand("workflow", "give a workflow, a deadline policy, or both")
        if not isinstance(replace_given, bool):
            raise InvalidCommand("replace_given", "True or False")
        flow = None if workflow is None else as_issue_workflow(workflow)
        if policy is not None:
            rules: DeadlinePolicy | None = as_policy(policy, "policy")
        else:  # a workflow's own deadlines, if it declares them
            rules = None if flow is None else flow.deadlines
        day = self._as_of(as_of)
        recorded = self.ledger(day)
        deadline_for = None if rules is None else self._deadline_for(rules, replace_given)
        refused = []
        changed = []
        rows = []
        for row in recorded:
            if flow is None and row.assigned_on is None:
                rows.append(row)  # never assigned: no deadline for a policy to give
                continue
            events = self._events(row.id)
            with replaying("issue", row.id):
                issue, refusals = replay_under(
                    events, as_of=day, seq=row.seq, flow=flow, deadline_for=deadline_for
                )
            assert issue is not None  # on the ledger of ``day``: found by then
            refused += refusals
            if (issue.deadline, issue.deadline_rule, issue.rectified_late) == (
                row.deadline, row.deadline_rule, row.rectified_late,
            ):  # fmt: skip
                rows.append(row)  # the history applied as recorded, the same deadlines
                continue
            mine = what_if_row(row, issue)
            rows.append(mine)
            change = compare_rows(row, mine)
            if change is not None:
                changed.append(change)
        figures = (
            figure_changes(Figures.of(recorded, day, None), Figures.of(rows, day, None))
            if changed
            else []
        )
        return WhatIf(
            as_of=day,
            workflow=None if flow is None else flow.key,
            policy=None if rules is None else _describe(rules, replace_given),
            problems=len(recorded),
            refused=tuple(refused),
            deadlines=tuple(changed),
            figures=tuple(figures),
        )

    def _deadline_for(self, rules: DeadlinePolicy, replace_given: bool) -> DeadlineFor:
        calendar = self.working_calendar()

        def deadline_for(issue: Issue, assigned: Any) -> ComputedDeadline | None:
            if assigned.deadline is None:
                return None  # 立行立改 or 長期堅持: no date to give, as when it was assigned
            if assigned.deadline_rule is None and not replace_given:
                return None  # given by the assigner: kept
            return rules.deadline_for(
                list_id=issue.list_id,
                source=issue.source,
                severity=issue.severity,
                assigned_on=assigned.on,
                calendar=calendar,
            )

        return deadline_for


def _describe(policy: DeadlinePolicy, replace_given: bool) -> str:
    parts = [
        *(f"list {k}: {v}" for k, v in policy.by_list.items()),
        *(f"source {k.label}: {v}" for k, v in policy.by_source.items()),
        *(f"severity {k.label}: {v}" for k, v in policy.by_severity.items()),
    ]
    given = "; every deadline it covers" if replace_given else "; given deadlines kept"
    return ("; ".join(parts) or "no rule") + given
