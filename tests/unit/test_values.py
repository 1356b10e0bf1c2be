"""Values: lenient enum parsing, the Actor, and the workflow's own data."""

from __future__ import annotations

import pytest

from rectify import Actor, Mode, Role, Severity, Source, Status
from rectify.domain.workflow import Grant, Step, WorkflowDefinition
from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW
from rectify.errors import InvalidCommand


@pytest.mark.parametrize("enum", [Role, Source, Mode, Status, Severity])
def test_every_member_parses_from_value_name_and_label(enum: type) -> None:
    for member in enum:  # type: ignore[attr-defined]
        for spelling in (
            member,
            member.value,
            member.name,
            member.name.lower(),
            member.label,
            f" {member.value} ",
        ):
            assert enum(spelling) is member
        assert str(member) == member.value


def test_the_contracts_sources_and_roles() -> None:
    assert [s.value for s in Source] == [
        "assessment",
        "inspection",
        "research",
        "screening",
        "self_inspection",
        "supervision",
        "patrol_feedback",
    ]
    assert Source("巡視巡察反饋") is Source.PATROL_FEEDBACK
    assert {r.name for r in Role} == {"INSPECTOR", "VERIFIER", "RESPONSIBLE", "AUDITOR", "ADMIN"}


def test_unknown_enum_values_are_refused() -> None:
    with pytest.raises(ValueError, match="rumour"):
        Source("rumour")


def test_actor_positional_and_keyword() -> None:
    a = Actor("u-7", "李明", "省財政廳", ["responsible", Role.VERIFIER])
    b = Actor(id="u-7", name="李明", unit="省財政廳", roles={Role.RESPONSIBLE, "verifier"})
    assert a == b and a.roles == frozenset({Role.RESPONSIBLE, Role.VERIFIER})
    assert Actor("x", unit="u", roles="auditor").roles == frozenset({Role.AUDITOR})
    assert a.has(Role.VERIFIER) and not a.has(Role.ADMIN)
    assert "李明" in str(a)
    with pytest.raises(InvalidCommand, match=r"actor\.id"):
        Actor("", "n", "u")
    with pytest.raises(InvalidCommand, match=r"actor\.roles"):
        Actor("x", "n", "u", ["emperor"])
    with pytest.raises(InvalidCommand, match=r"actor\.id.*1 more") as refused:
        Actor("", "", "", [])
    assert {e["field"] for e in refused.value.errors} == {"actor.id", "actor.unit"}
    with pytest.raises(InvalidCommand, match=r"actor\.name.*U\+0000"):
        Actor("x", "a\x00b", "u")


def test_grants_parse() -> None:
    assert Grant.parse("responsible@unit") == Grant(Role.RESPONSIBLE, own_unit=True)
    assert str(Grant.parse("verifier")) == "verifier"
    with pytest.raises(ValueError, match="scope"):
        Grant.parse("verifier@branch")


def test_a_workflow_with_a_trigger_declared_twice_is_refused() -> None:
    step = Step("go", (Status.FOUND,), Status.ASSIGNED, ("verifier",))
    with pytest.raises(ValueError, match="twice"):
        WorkflowDefinition(
            "w", 1, tuple(Status), Step("record", (), Status.FOUND, ("inspector",)), (step, step)
        )


def test_the_diagram_is_drawn_from_the_same_declaration() -> None:
    text = CURRENT_ISSUE_WORKFLOW.mermaid()
    assert text.splitlines()[1] == "rectify issue workflow (issue/3)"
    assert "stateDiagram-v2" in text
    for step in CURRENT_ISSUE_WORKFLOW.steps:
        for source in step.sources:
            dest = (step.dest or source).value
            line = next(
                ln
                for ln in text.splitlines()
                if ln.strip().startswith(f"{source.value} --> {dest}:")
            )
            assert step.trigger in line
    assert "[*] --> found" in text
