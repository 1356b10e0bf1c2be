"""The workflow under random command sequences by random actors, on the in-memory store."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from rectify.testing.stateful import IssueWorkflowMachine

IssueWorkflowMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestIssueWorkflowInMemory = IssueWorkflowMachine.TestCase
