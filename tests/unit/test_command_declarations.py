"""Each command is declared once (its model); what else knows of it is derived (issue 9)."""

from __future__ import annotations

import inspect
from datetime import date

import pytest

import rectify
from rectify.domain.branch import Branch
from rectify.domain.commands import COMMANDS, Assign, RecordIssue, Verify, command_for
from rectify.domain.issue import Issue
from rectify.domain.workflows import WORKFLOWS
from rectify.errors import InvalidCommand
from rectify.testing.stateful import TRIGGERS
from tests.conftest import TODAY, UNIT, Cast


def test_every_command_is_a_method_of_the_application_with_the_same_fields() -> None:
    for name, model in COMMANDS.items():
        if name == "mark_ready":  # the readiness policy's; given by no one through the API
            continue
        method = getattr(rectify.RectificationApp, name)
        params = set(inspect.signature(method).parameters)
        missing = set(model.model_fields) - params
        assert not missing, f"{name} lacks {missing}"


def test_every_trigger_of_an_issue_or_branch_workflow_has_its_command_and_its_event() -> None:
    # A branch's link_issue is recorded by the issue's link_issue and record_issue (one save).
    recorded_with_another = {("branch", "link_issue")}
    for flow in WORKFLOWS.values():
        if flow.name not in ("issue", "branch"):
            continue
        table = (Issue if flow.name == "issue" else Branch).triggers
        for step in (flow.create, *flow.steps):
            assert step.trigger in table.values(), (flow.key, step.trigger)
            if (flow.name, step.trigger) not in recorded_with_another:
                assert command_for(flow.name, step.trigger).trigger == step.trigger


def test_the_stateful_machine_drives_every_issue_command() -> None:
    declared = {c.command for c in COMMANDS.values() if c.aggregate == "issue"}
    assert set(TRIGGERS) == declared - {"record_issue"}


def test_an_aggregates_command_methods_are_its_table_of_triggers() -> None:
    issue = Issue.record(actor=Cast.inspector, on=date(2019, 6, 1), title="t", unit=UNIT,
                         source=rectify.Source.INSPECTION)  # fmt: skip
    issue.assign(actor=Cast.verifier, on=date(2019, 6, 2), unit=UNIT, person="p",
                 deadline=date(2019, 7, 1))  # fmt: skip
    assert issue.status is rectify.Status.ASSIGNED and issue.measures == ()
    with pytest.raises(InvalidCommand, match="person"):  # the command's own model validates
        issue.assign(actor=Cast.verifier, on=date(2019, 6, 2), unit=UNIT, person=" ",
                     deadline=date(2019, 7, 1))  # fmt: skip
    with pytest.raises(AttributeError):
        issue.no_such_command  # noqa: B018


def test_the_application_takes_typed_commands_too() -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    record = RecordIssue(actor=Cast.inspector, on=date(2019, 6, 1), title="t", unit=UNIT,
                         source=rectify.Source.INSPECTION)  # fmt: skip
    issue_id = app.handle(record)
    app.handle(Assign(actor=Cast.verifier, on=date(2019, 6, 2), unit=UNIT, person="p",
                      deadline=date(2019, 7, 1)), issue_id)  # fmt: skip
    assert app.get_issue(issue_id).status is rectify.Status.ASSIGNED
    with pytest.raises(rectify.TransitionNotAllowed):
        app.handle(Verify(actor=Cast.verifier, on=date(2019, 6, 3)), issue_id)
    app.close()


def test_a_misspelt_field_is_refused_not_dropped() -> None:
    issue = Issue.record(actor=Cast.inspector, on=date(2019, 6, 1), title="t", unit=UNIT,
                         source=rectify.Source.INSPECTION)  # fmt: skip
    with pytest.raises(InvalidCommand, match="measurs"):
        issue.assign(actor=Cast.verifier, on=date(2019, 6, 2), unit=UNIT, person="p",
                     deadline=date(2019, 7, 1), measurs=("m1",))  # fmt: skip
    assert issue.status is rectify.Status.FOUND and len(issue.pending_events) == 1
