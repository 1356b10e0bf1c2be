"""The workflow under random command sequences by random actors, on the in-memory store."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant

from rectify.testing.stateful import IssueWorkflowMachine

IssueWorkflowMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIssueWorkflowInMemory = IssueWorkflowMachine.TestCase


class OnIssueV1(IssueWorkflowMachine):
    """The same machine and catalogue, driving another workflow than the current one (the
    machine takes any registered issue workflow: issue/1 has no measures and no re-confirming)."""

    WORKFLOW = "issue/1"

    @invariant()
    def every_issue_runs_under_the_workflow_given(self) -> None:
        for issue in self.saved.values():
            assert issue.workflow == "issue/1", issue.workflow


OnIssueV1.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIssueWorkflowV1InMemory = OnIssueV1.TestCase
