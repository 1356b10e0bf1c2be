"""Workflows are declared in one place and checked when defined (issue 9)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rectify.domain.guards import GUARDS, register_guard
from rectify.domain.values import Role, Status
from rectify.domain.workflow import Step, WorkflowDefinition
from rectify.domain.workflows import (
    CURRENT_ISSUE_WORKFLOW,
    ISSUE_WORKFLOW_V1,
    WORKFLOWS,
    register_workflow,
)
from rectify.errors import InvalidWorkflow

CREATE = Step("record", (), Status.FOUND, ("inspector",))


def _flow(*steps: Step[Status], create: Step[Status] = CREATE) -> WorkflowDefinition[Status]:
    return WorkflowDefinition(
        name="mine", version=1, states=tuple(Status), create=create, steps=steps
    )


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        (Step("assign", (Status.FOUND,), Status.ASSIGNED, ("verifier",), ("no_such_guard",)),
         "unknown guard 'no_such_guard'"),
        (Step("assign", (Status.FOUND,), Status.ASSIGNED, ("emperor",)), "unknown role 'emperor'"),
        (Step("assign", (Status.FOUND,), Status.ASSIGNED, ("verifier@county",)),
         "unknown grant scope 'county'"),
        (Step("assign", (Status.FOUND,), Status.ASSIGNED, ()), "nobody may give it"),
        (Step("not a trigger", (Status.FOUND,), Status.ASSIGNED, ("verifier",)), "identifier"),
    ],
)  # fmt: skip
def test_a_workflow_naming_what_does_not_exist_is_refused_when_defined(
    step: Step[Status], problem: str
) -> None:
    with pytest.raises(InvalidWorkflow, match=problem) as refused:
        _flow(step)
    assert "workflow mine/1" in str(refused.value)
    assert isinstance(refused.value, ValueError)  # what a dataclass's checks raise, too


def test_an_unknown_state_and_a_trigger_twice_are_refused_when_defined() -> None:
    step = Step("assign", (Status.FOUND,), Status.ASSIGNED, ("verifier",))
    with pytest.raises(InvalidWorkflow, match="unknown state"):
        WorkflowDefinition(
            name="mine",
            version=1,
            states=(Status.FOUND, Status.WITHDRAWN),
            create=CREATE,
            steps=(step,),
        )
    with pytest.raises(InvalidWorkflow, match="declared twice"):
        _flow(step, replace(step, label="again"))
    with pytest.raises(InvalidWorkflow, match="create step"):
        _flow(create=Step("record", (Status.FOUND,), Status.FOUND, ("inspector",)))


def test_a_guard_of_ones_own_can_be_registered_then_named() -> None:
    def two_verifiers(issue: object, actor: object, on: object, args: object) -> None:
        """A guard of a rule author's own."""

    register_guard(two_verifiers, "test_two_verifiers")
    try:
        flow = _flow(
            Step("verify", (Status.FOUND,), Status.VERIFIED, ("verifier",), ("test_two_verifiers",))
        )
        assert flow.lookup(Status.FOUND, "verify") is not None
        with pytest.raises(InvalidWorkflow, match="already registered"):
            register_guard(lambda *a: None, "test_two_verifiers")
    finally:
        from rectify.domain import guards

        guards._GUARDS.pop("test_two_verifiers")
    assert "test_two_verifiers" not in GUARDS


def test_a_released_workflow_cannot_be_replaced() -> None:
    register_workflow(ISSUE_WORKFLOW_V1)  # the very same definition: nothing changes
    changed = replace(ISSUE_WORKFLOW_V1, title="edited")
    with pytest.raises(InvalidWorkflow, match="already released"):
        register_workflow(changed)
    assert WORKFLOWS["issue/1"] is ISSUE_WORKFLOW_V1


def test_no_workflow_registers_itself_by_being_imported() -> None:
    """The registry is written out in rectify.domain.workflows; no module of the package calls
    register_workflow (that is for workflows of one's own)."""
    import rectify

    src = Path(rectify.__file__).parent
    callers = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "register_workflow(" in path.read_text(encoding="utf-8") and path.name != "workflows.py"
    ]
    assert callers == []
    # Asked of a fresh interpreter: tests (and README examples) in this one register their own.
    fresh = subprocess.run(
        [sys.executable, "-c", "import rectify; print(' '.join(sorted(rectify.WORKFLOWS)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.split() == [
        "branch/1", "branch/2", "checklist/1", "issue/1", "issue/2", "issue/3", "list/1",
        "round/1",
    ]  # fmt: skip


def test_the_current_issue_workflow_grants_are_parsed_when_defined() -> None:
    for step in (CURRENT_ISSUE_WORKFLOW.create, *CURRENT_ISSUE_WORKFLOW.steps):
        assert all(g.role in Role for g in step.parsed_grants)
