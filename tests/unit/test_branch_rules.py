"""The lagging-branch workflow on the pure domain: every step in every state, who may take it, and
its guards. The expected rules are written here again, from the issue text, as a table."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Actor, BranchStatus, Mentor, Role
from rectify.domain.branch import Branch, add_years, branch_id_for
from rectify.domain.workflows import BRANCH_WORKFLOW_V1
from rectify.errors import InvalidCommand, OpenIssuesRemain, PermissionDenied, TransitionNotAllowed
from tests.conftest import COMMITTEE, OTHER_UNIT, UNIT, Cast

D0 = date(2019, 1, 2)
ON = date(2019, 3, 1)
MENTORS = (Mentor(name="張", unit=COMMITTEE), Mentor(name="趙", unit=UNIT))

EXPECTED = {
    ("normal", "designate_lagging"): "lagging",
    ("delisted", "designate_lagging"): "lagging",
    ("lagging", "start_consolidation"): "consolidating",
    ("consolidating", "mark_ready"): "consolidating",
    ("delisting_requested", "mark_ready"): "delisting_requested",
    ("consolidating", "request_delisting"): "delisting_requested",
    ("delisting_requested", "reject_delisting"): "consolidating",
    ("delisting_requested", "delist"): "delisted",
    **{(s.value, "link_issue"): s.value for s in BranchStatus},
    **{(s.value, "record_election"): s.value for s in BranchStatus},
    **{(s.value, "rate"): s.value for s in BranchStatus},
}
TRIGGERS = sorted({t for _, t in EXPECTED})
ARGS: dict[str, dict[str, Any]] = {
    "designate_lagging": {"kinds": ("軟弱渙散",), "basis": "對標排查"},
    "start_consolidation": {"plan": "方案", "goals": (), "deadline": ON, "mentors": MENTORS},
    "mark_ready": {"last_issue_id": None},
    "request_delisting": {},
    "reject_delisting": {"reason": "未達標"},
    "delist": {"open_issues": ()},
    "link_issue": {"issue_id": UUID(int=42)},
    "record_election": {"held_on": ON},
    "rate": {
        "scheme": "five-good",
        "results": dict.fromkeys(("team", "system", "members", "service", "integrity"), True),
    },
}


def branch_in(state: str) -> Branch:
    branch = Branch.register(actor=Cast.verifier, on=D0, code="B-1", name="一支部", unit=UNIT)
    path = {
        "normal": [],
        "lagging": ["designate_lagging"],
        "consolidating": ["designate_lagging", "start_consolidation"],
        "delisting_requested": ["designate_lagging", "start_consolidation", "request_delisting"],
        "delisted": ["designate_lagging", "start_consolidation", "request_delisting", "delist"],
    }[state]
    for trigger in path:
        getattr(branch, trigger)(actor=Cast.admin, on=D0, **ARGS[trigger])
    return branch


def spec_may(trigger: str, actor: Actor, branch: Branch) -> bool:
    roles = actor.roles
    if Role.ADMIN in roles:
        return True
    if trigger in ("designate_lagging", "link_issue"):
        return bool(roles & {Role.VERIFIER, Role.INSPECTOR})
    if trigger in ("request_delisting", "record_election"):
        return Role.VERIFIER in roles or (Role.RESPONSIBLE in roles and actor.unit == branch.unit)
    if trigger == "mark_ready":
        return False  # the policy's own step
    return Role.VERIFIER in roles


def test_the_declared_workflow_is_the_specified_one() -> None:
    flow = BRANCH_WORKFLOW_V1
    declared = {
        (s.value, t): flow.target(s, t).value for s in BranchStatus for t in flow.triggers_from(s)
    }
    assert declared == EXPECTED
    assert flow.key == "branch/1" and flow.initial is BranchStatus.NORMAL
    assert "delisting_requested --> delisted: delist [no_open_issues]" in flow.mermaid()


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", [s.value for s in BranchStatus])
def test_every_trigger_in_every_state(state: str, trigger: str) -> None:
    branch = branch_in(state)
    before = copy.deepcopy(branch.__dict__)
    if (state, trigger) in EXPECTED:
        getattr(branch, trigger)(actor=Cast.admin, on=ON, **ARGS[trigger])
        assert branch.status.value == EXPECTED[(state, trigger)]
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            getattr(branch, trigger)(actor=Cast.admin, on=ON, **ARGS[trigger])
        assert (refused.value.kind, refused.value.state) == ("branch", state)
        assert branch.__dict__ == before


ACTORS = [
    Cast.inspector,
    Cast.verifier,
    Cast.responsible,
    Cast.other_responsible,
    Cast.auditor,
    Cast.admin,
]


@settings(max_examples=300, deadline=None)
@given(
    state=st.sampled_from([s.value for s in BranchStatus]),
    trigger=st.sampled_from(TRIGGERS),
    actor=st.sampled_from(ACTORS),
)
def test_a_branch_command_is_accepted_exactly_when_state_and_role_allow(
    state: str, trigger: str, actor: Actor
) -> None:
    branch = branch_in(state)
    before = copy.deepcopy(branch.__dict__)
    should = (state, trigger) in EXPECTED and spec_may(trigger, actor, branch)
    assert (trigger in branch.allowed_actions(actor, ON)) == should
    if should:
        getattr(branch, trigger)(actor=actor, on=ON, **ARGS[trigger])
        return
    with pytest.raises((TransitionNotAllowed, PermissionDenied)) as refused:
        getattr(branch, trigger)(actor=actor, on=ON, **ARGS[trigger])
    # No grant: PermissionDenied whatever the state; a grant, but no such step now: not allowed.
    granted = spec_may(trigger, actor, branch)
    assert refused.type is (TransitionNotAllowed if granted else PermissionDenied)
    assert branch.__dict__ == before


@settings(max_examples=200, deadline=None)
@given(open_issues=st.lists(st.integers(1, 50).map(lambda n: UUID(int=n)), unique=True, max_size=4))
def test_delisting_is_refused_exactly_while_linked_issues_are_open(open_issues: list[UUID]) -> None:
    branch = branch_in("delisting_requested")
    if open_issues:
        with pytest.raises(OpenIssuesRemain) as refused:
            branch.delist(actor=Cast.verifier, on=ON, open_issues=tuple(open_issues))
        assert refused.value.open_issues == tuple(open_issues)
        assert branch.status is BranchStatus.DELISTING_REQUESTED
    else:
        branch.delist(actor=Cast.verifier, on=ON, open_issues=())
        assert branch.status is BranchStatus.DELISTED


@settings(max_examples=200, deadline=None)
@given(
    mentors=st.lists(
        st.builds(
            Mentor,
            name=st.sampled_from(["甲", "乙", "丙"]),
            unit=st.sampled_from([UNIT, COMMITTEE, OTHER_UNIT]),
        ),
        max_size=4,
    )
)
def test_dual_mentors_means_two_one_of_the_branchs_own_unit(mentors: list[Mentor]) -> None:
    branch = branch_in("lagging")
    ok = len(mentors) == 2 and sum(m.unit == UNIT for m in mentors) == 1
    args = {**ARGS["start_consolidation"], "mentors": tuple(mentors)}
    if ok:
        branch.start_consolidation(actor=Cast.verifier, on=ON, **args)
        assert branch.mentors == tuple(mentors)
    else:
        with pytest.raises(InvalidCommand) as refused:
            branch.start_consolidation(actor=Cast.verifier, on=ON, **args)
        assert refused.value.field == "mentors"
        assert branch.status is BranchStatus.LAGGING


def test_readiness_once_per_consolidation_and_reset_by_a_relapse() -> None:
    branch = branch_in("consolidating")
    branch.mark_ready(actor=Cast.admin, on=ON, last_issue_id=None)
    assert branch.is_ready
    with pytest.raises(TransitionNotAllowed):
        branch.mark_ready(actor=Cast.admin, on=ON, last_issue_id=None)
    for trigger in ("request_delisting", "delist", "designate_lagging"):
        getattr(branch, trigger)(actor=Cast.admin, on=ON, **ARGS[trigger])
    assert not branch.is_ready and branch.designations == 2
    branch.start_consolidation(actor=Cast.verifier, on=ON, **ARGS["start_consolidation"])
    branch.mark_ready(actor=Cast.admin, on=ON, last_issue_id=None)
    assert branch.is_ready and branch.consolidations == 2


def test_ids_come_from_codes_and_terms_from_kinds() -> None:
    assert branch_id_for(" B-1 ") == branch_id_for("B-1") == branch_in("normal").id
    committee = Branch.register(
        actor=Cast.verifier,
        on=D0,
        code="C",
        name="黨委",
        kind="黨委",  # a label is accepted: Branch.register parses it with BranchKind(kind)
        unit=UNIT,
        elected_on=date(2016, 2, 29),
    )
    assert committee.term_years == 5 and committee.election_due() == date(2021, 2, 28)
    assert add_years(date(2019, 5, 1), 3) == date(2022, 5, 1)
    assert committee.election_overdue(date(2021, 3, 1)) and not committee.election_overdue(
        date(2021, 2, 28)
    )
    with pytest.raises(InvalidCommand):
        Branch.register(
            actor=Cast.verifier,
            on=D0,
            code="X",
            name="x",
            unit=UNIT,
            elected_on=D0 + timedelta(days=1),
        )
