"""Roles and separation of duties (issue 10): the matrix derived from the workflow declarations,
held to the engine exhaustively.

Every command of the current issue workflow and of the branch workflow, in every state it leaves
from, × every role, ADMIN, AUDITOR and an actor with no role × on its own unit or another × by the
person who rectified the issue or another: accepted exactly when the matrix says so, else refused
with ``PermissionDenied`` naming the rule, and a refused command records nothing. An actor with no
grant of a command is refused with ``PermissionDenied`` in every state, including those where the
workflow has no such step; one with a grant gets ``TransitionNotAllowed`` there. The README's
tables are the matrix, generated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Actor, Issue, Mentor, Role, Source, Status
from rectify.domain.branch import Branch
from rectify.domain.roles import ROLES, MatrixRow, markdown_matrix, role_matrix
from rectify.domain.values import BranchStatus
from rectify.domain.workflows import CURRENT_BRANCH_WORKFLOW, CURRENT_ISSUE_WORKFLOW, WORKFLOWS
from rectify.errors import PermissionDenied, TransitionNotAllowed
from tests.unit.test_issue_rules import GOOD_ARGS

README = Path(__file__).resolve().parents[2] / "README.md"

OWN = "省財政廳"  # the issue's unit, the unit it is assigned to and the unit that rectifies it
OTHER = "省審計廳"  # none of those
COMMITTEE = "省直機關工委"  # who sets the scene
D0 = date(2019, 6, 1)
ON = date(2019, 6, 21)
DEADLINE = date(2019, 8, 31)

RECTIFIER = Actor("rect-1", "劉處長", OWN, [Role.RESPONSIBLE])
RECORDER = Actor("insp-1", "周組長", COMMITTEE, [Role.INSPECTOR])
DECIDER = Actor("ver-1", "趙主任", COMMITTEE, [Role.VERIFIER])
SETTER = Actor("admin-1", "管理員", COMMITTEE, [Role.ADMIN])

ISSUE_MATRIX = {row.trigger: row for row in role_matrix(CURRENT_ISSUE_WORKFLOW)}
BRANCH_MATRIX = {row.trigger: row for row in role_matrix(CURRENT_BRANCH_WORKFLOW)}


def role_id(role: Role | None) -> str:
    return role.value if role is not None else "no-role"


def actor(roles: frozenset[Role], own_unit: bool, person: str) -> Actor:
    return Actor(person, "某人", OWN if own_unit else OTHER, roles)


# ---------------------------------------------------------------- the matrix itself


def test_the_matrix_covers_every_command_and_role() -> None:
    for flow in (CURRENT_ISSUE_WORKFLOW, CURRENT_BRANCH_WORKFLOW):
        rows = role_matrix(flow)
        assert [r.trigger for r in rows] == list(flow.triggers)
        assert all(tuple(c.role for c in r.cells) == ROLES for r in rows)
    assert set(ROLES) == {*Role, None}


def test_what_the_matrix_says_of_the_issue_workflow() -> None:
    def cells(trigger: str) -> tuple[str, ...]:
        return tuple(str(c) for c in ISSUE_MATRIX[trigger].cells)

    # inspector, verifier, responsible, auditor, admin, no role
    assert cells("record") == ("any unit", "any unit", "—", "—", "any unit", "—")
    assert cells("submit_rectification") == ("—", "—", "own unit", "—", "any unit", "—")
    assert cells("treat_centrally") == ("—", "any unit", "own unit", "—", "any unit", "—")
    for decision in ("verify", "reject", "close_out", "withdraw", "extend_deadline"):
        row = ISSUE_MATRIX[decision]
        assert row.independent, decision
        assert cells(decision) == ("—", "other unit", "—", "—", "other unit", "—")
        assert row.rule() == "needs verifier; separation of duties"
    assert {t for t, r in ISSUE_MATRIX.items() if r.independent} == {
        "verify",
        "reject",
        "close_out",
        "withdraw",
        "extend_deadline",
        "reconfirm",
    }
    for row in (*ISSUE_MATRIX.values(), *BRANCH_MATRIX.values()):
        assert not (row.cell(Role.AUDITOR).own_unit or row.cell(Role.AUDITOR).other_unit)
        assert not (row.cell(None).own_unit or row.cell(None).other_unit)
    assert ISSUE_MATRIX["record"].commands == ("record_issue",)
    assert BRANCH_MATRIX["rate"].commands == ("rate_branch",)


@pytest.mark.parametrize("key", [CURRENT_ISSUE_WORKFLOW.key, CURRENT_BRANCH_WORKFLOW.key])
def test_the_readme_holds_the_generated_matrix(key: str) -> None:
    text = README.read_text(encoding="utf-8")
    tables = dict(
        re.findall(r"<!-- role-matrix (\S+) -->\n(.*?)<!-- /role-matrix -->", text, flags=re.S)
    )
    assert set(tables) == {CURRENT_ISSUE_WORKFLOW.key, CURRENT_BRANCH_WORKFLOW.key}
    name = key.split("/")[0]
    assert tables[key] == markdown_matrix(WORKFLOWS[key]), (
        f"the README's matrix of {key} is not the generated one: paste `rectify roles {name}`"
    )


# ---------------------------------------------------------------- issues, exhaustively

ISSUE_ARGS = GOOD_ARGS  # one good set of arguments per issue command, shared


def _found() -> Issue:
    return Issue.record(
        actor=RECORDER, on=D0, title="三會一課記錄不規範", unit=OWN, source=Source.ASSESSMENT
    )


def _assigned_after_a_rejection() -> Issue:
    issue = _found()
    issue.assign(actor=DECIDER, on=D0, **ISSUE_ARGS["assign"])
    issue.rectify_on_the_spot(actor=RECTIFIER, on=D0, summary="s")
    issue.reject(actor=DECIDER, on=D0, reason="不足")  # assigned again, rectified once
    return issue


def _rectified() -> Issue:
    issue = _found()
    issue.assign(actor=DECIDER, on=D0, **ISSUE_ARGS["assign"])
    issue.submit_rectification(actor=RECTIFIER, on=D0, summary="s")
    return issue


def _verified() -> Issue:
    issue = _rectified()
    issue.verify(actor=DECIDER, on=D0)
    return issue


def _closed_out() -> Issue:
    issue = _verified()
    issue.close_out(actor=DECIDER, on=D0)
    return issue


def _withdrawn() -> Issue:
    issue = _found()
    issue.withdraw(actor=DECIDER, on=D0, reason="不成立")
    return issue


ISSUE_IN: dict[Status, Callable[[], Issue]] = {
    Status.FOUND: _found,  # before any rectification: the "same person" is who recorded it
    Status.ASSIGNED: _assigned_after_a_rejection,
    Status.RECTIFIED: _rectified,
    Status.VERIFIED: _verified,
    Status.CLOSED_OUT: _closed_out,
    Status.WITHDRAWN: _withdrawn,
}
assert set(ISSUE_IN) == set(Status)


def issue_in(state: Status, trigger: str) -> tuple[Issue, str, bool]:
    """An issue in ``state`` ready for ``trigger``; the person who rectified it (or, if nobody
    has yet, who recorded it); whether that person rectified it."""
    issue = ISSUE_IN[state]()
    if trigger == "complete_measure" and state is not Status.WITHDRAWN:
        issue.add_measure(actor=SETTER, on=D0, text="建立台賬")
    if trigger == "reconfirm" and state in (Status.VERIFIED, Status.CLOSED_OUT):  # stale
        issue.replace_evidence(actor=RECTIFIER, on=D0, summary="新材料")
    rectified = state not in (Status.FOUND, Status.WITHDRAWN)
    return issue, RECTIFIER.id if rectified else RECORDER.id, rectified


ISSUE_CASES = [
    (trigger, state)
    for trigger in CURRENT_ISSUE_WORKFLOW.triggers[1:]
    for state in CURRENT_ISSUE_WORKFLOW.step(trigger).sources
]
assert len(ISSUE_CASES) == 38


def give(aggregate: Issue | Branch, trigger: str, by: Actor, args: dict[str, Any]) -> None:
    getattr(aggregate, trigger)(actor=by, on=ON, **args)


def expect(
    aggregate: Issue | Branch,
    row: MatrixRow,
    state: Any,
    by: Actor,
    *,
    own_unit: bool,
    rectifier: bool,
    args: dict[str, Any],
) -> None:
    """The command is accepted exactly when the matrix says so, else refused with
    PermissionDenied naming the rule, recording nothing."""
    refusal = row.refusal(by.roles, own_unit=own_unit, rectifier=rectifier, unit=OWN)
    before = copy.deepcopy(aggregate.__dict__)
    pending = len(aggregate.pending_events)
    assert (row.trigger in aggregate.allowed_actions(by, ON)) == (refusal is None)
    if refusal is None:
        give(aggregate, row.trigger, by, args)
        assert aggregate.status == aggregate.flow.target(state, row.trigger)
        new = aggregate.pending_events[pending:]  # the command's event, and what it made stale
        consequences = tuple(type(aggregate).consequences)
        assert not isinstance(new[0], consequences)
        assert all(isinstance(e, consequences) for e in new[1:])
        assert new[0].actor == by  # type: ignore[attr-defined]
        return
    with pytest.raises(PermissionDenied) as refused:
        give(aggregate, row.trigger, by, args)
    assert refusal in str(refused.value), (refusal, str(refused.value))
    assert refused.value.actor_id == by.id
    assert aggregate.__dict__ == before
    assert len(aggregate.pending_events) == pending


@pytest.mark.parametrize("same_person", [True, False], ids=["rectifier", "another-person"])
@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize(("trigger", "state"), ISSUE_CASES, ids=lambda v: str(v))
def test_every_issue_command_by_every_role_on_every_unit(
    trigger: str, state: Status, role: Role | None, own_unit: bool, same_person: bool
) -> None:
    issue, person, rectified = issue_in(state, trigger)
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, person if same_person else "someone-else")
    expect(
        issue,
        ISSUE_MATRIX[trigger],
        state,
        by,
        own_unit=own_unit,
        rectifier=same_person and rectified,
        args=ISSUE_ARGS[trigger],
    )


@pytest.mark.parametrize("same_person", [True, False], ids=["same-person", "another-person"])
@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_recording_an_issue_by_every_role_on_every_unit(
    role: Role | None, own_unit: bool, same_person: bool
) -> None:
    row = ISSUE_MATRIX["record"]
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, RECORDER.id if same_person else "someone-else")
    refusal = row.refusal(roles, own_unit=own_unit, rectifier=False, unit=OWN)

    def record() -> Issue:
        return Issue.record(actor=by, on=D0, title="t", unit=OWN, source=Source.INSPECTION)

    if refusal is None:
        assert record().status is Status.FOUND
    else:
        with pytest.raises(PermissionDenied, match=re.escape(refusal)):
            record()


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(ISSUE_CASES),
    roles=st.frozensets(st.sampled_from(list(Role)), max_size=3),
    own_unit=st.booleans(),
    same_person=st.booleans(),
)
def test_an_actor_of_several_roles_may_give_what_any_of_them_may(
    case: tuple[str, Status], roles: frozenset[Role], own_unit: bool, same_person: bool
) -> None:
    trigger, state = case
    issue, person, rectified = issue_in(state, trigger)
    row = ISSUE_MATRIX[trigger]
    rectifier = same_person and rectified
    cells = [row.cell(r) for r in roles]
    by_cells = any(c.own_unit if own_unit else c.other_unit for c in cells)
    assert row.may(roles, own_unit=own_unit, rectifier=rectifier) == (
        by_cells and not (row.independent and rectifier)
    )
    by = actor(roles, own_unit, person if same_person else "someone-else")
    expect(
        issue,
        row,
        state,
        by,
        own_unit=own_unit,
        rectifier=rectifier,
        args=ISSUE_ARGS[trigger],
    )


# ---------------------------------------------------------------- no grant: refused in every state


def _no_grant_or_not_now(
    aggregate: Issue | Branch, row: MatrixRow, by: Actor, args: dict[str, Any], own_unit: bool
) -> None:
    """Where the workflow has no such step from the current state: PermissionDenied naming the
    grant for an actor who holds none, TransitionNotAllowed for one who does."""
    needs = f"needs {row.step.describe_grants(OWN)}"
    granted = row.refusal(by.roles, own_unit=own_unit, rectifier=False, unit=OWN) != needs
    before = copy.deepcopy(aggregate.__dict__)
    with pytest.raises(PermissionDenied if not granted else TransitionNotAllowed) as refused:
        give(aggregate, row.trigger, by, args)
    if not granted:
        assert needs in str(refused.value)
    else:
        assert isinstance(refused.value, TransitionNotAllowed)
        assert refused.value.state == aggregate.status.value
    assert aggregate.__dict__ == before


@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize("trigger", CURRENT_ISSUE_WORKFLOW.triggers[1:])
def test_no_grant_is_refused_with_permission_denied_whatever_the_state(
    trigger: str, role: Role | None, own_unit: bool
) -> None:
    row = ISSUE_MATRIX[trigger]
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, "someone-else")
    for state in set(Status) - set(row.step.sources):
        issue, _, _ = issue_in(state, trigger)
        _no_grant_or_not_now(issue, row, by, ISSUE_ARGS[trigger], own_unit)


# ---------------------------------------------------------------- branches, exhaustively

MENTORS = (Mentor(name="張", unit=COMMITTEE), Mentor(name="趙", unit=OWN))
BRANCH_ARGS: dict[str, dict[str, Any]] = {
    "designate_lagging": {"kinds": ("軟弱渙散",), "basis": "對標排查"},
    "start_consolidation": {"plan": "方案", "goals": (), "deadline": ON, "mentors": MENTORS},
    "mark_ready": {"last_issue_id": None},
    "request_delisting": {},
    "reject_delisting": {"reason": "未達標"},
    "delist": {"open_issues": (), "linked_issues": {}},
    "link_issue": {"issue_id": UUID(int=42)},
    "record_election": {"held_on": ON},
    "rate": {
        "scheme": "five-good",
        "results": dict.fromkeys(("team", "system", "members", "service", "integrity"), True),
    },
    "reconfirm": {"linked_issues": {}},
}
BRANCH_PATH = {
    BranchStatus.NORMAL: (),
    BranchStatus.LAGGING: ("designate_lagging",),
    BranchStatus.CONSOLIDATING: ("designate_lagging", "start_consolidation"),
    BranchStatus.DELISTING_REQUESTED: (
        "designate_lagging",
        "start_consolidation",
        "request_delisting",
    ),
    BranchStatus.DELISTED: (
        "designate_lagging",
        "start_consolidation",
        "request_delisting",
        "delist",
    ),
}
assert set(BRANCH_PATH) == set(BranchStatus)
BRANCH_MEMBER = Actor("resp-b", "支部書記", OWN, [Role.RESPONSIBLE])


def branch_in(state: BranchStatus, trigger: str = "") -> Branch:
    """A branch of ``OWN`` in ``state``; its delisting, when asked for, asked by
    ``BRANCH_MEMBER`` (the "same person" of the branch's cases); ready for ``trigger`` (a stale
    delisting to re-confirm)."""
    branch = Branch.register(actor=DECIDER, on=D0, code="B-1", name="一支部", unit=OWN)
    for step in BRANCH_PATH[state]:
        by = BRANCH_MEMBER if step == "request_delisting" else DECIDER
        getattr(branch, step)(actor=by, on=D0, **BRANCH_ARGS[step])
    if trigger == "reconfirm" and state is BranchStatus.DELISTED:  # rated anew: stale
        results = dict.fromkeys(("team", "system", "members", "service", "integrity"), False)
        branch.rate(actor=DECIDER, on=D0, results=results, linked_issues={})
        assert branch.stale_decisions() == ("delist",)
    return branch


BRANCH_CASES = [
    (trigger, state)
    for trigger in CURRENT_BRANCH_WORKFLOW.triggers[1:]
    for state in CURRENT_BRANCH_WORKFLOW.step(trigger).sources
]


@pytest.mark.parametrize("same_person", [True, False], ids=["same-person", "another-person"])
@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize(("trigger", "state"), BRANCH_CASES, ids=lambda v: str(v))
def test_every_branch_command_by_every_role_on_every_unit(
    trigger: str, state: BranchStatus, role: Role | None, own_unit: bool, same_person: bool
) -> None:
    branch = branch_in(state, trigger)
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, BRANCH_MEMBER.id if same_person else "someone-else")
    row = BRANCH_MATRIX[trigger]
    assert not row.independent  # branch/1 names no separation of duties
    expect(branch, row, state, by, own_unit=own_unit, rectifier=False, args=BRANCH_ARGS[trigger])


@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_registering_a_branch_by_every_role_on_every_unit(
    role: Role | None, own_unit: bool
) -> None:
    row = BRANCH_MATRIX["register"]
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, "someone-else")
    refusal = row.refusal(roles, own_unit=own_unit, rectifier=False, unit=OWN)

    def register() -> Branch:
        return Branch.register(actor=by, on=D0, code="B-2", name="二支部", unit=OWN)

    if refusal is None:
        assert register().status is BranchStatus.NORMAL
    else:
        with pytest.raises(PermissionDenied, match=re.escape(refusal)):
            register()


@pytest.mark.parametrize("own_unit", [True, False], ids=["own-unit", "other-unit"])
@pytest.mark.parametrize("role", ROLES, ids=role_id)
@pytest.mark.parametrize("trigger", CURRENT_BRANCH_WORKFLOW.triggers[1:])
def test_no_grant_of_a_branch_command_is_refused_whatever_the_state(
    trigger: str, role: Role | None, own_unit: bool
) -> None:
    row = BRANCH_MATRIX[trigger]
    roles = frozenset() if role is None else frozenset({role})
    by = actor(roles, own_unit, "someone-else")
    for state in set(BranchStatus) - set(row.step.sources):
        _no_grant_or_not_now(branch_in(state), row, by, BRANCH_ARGS[trigger], own_unit)
