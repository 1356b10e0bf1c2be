"""Every transition and every guard of the issue workflow, allowed and refused, on the pure domain.

The expected rules are written here a second time, from the issue text, in a different form from
the code (a table and a plain function): the tests compare the two.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Actor, Issue, Mode, Role, Source, Status
from rectify.domain.workflows import CURRENT_ISSUE_WORKFLOW, ISSUE_WORKFLOW_V1, ISSUE_WORKFLOW_V2
from rectify.errors import InvalidCommand, PermissionDenied, TransitionNotAllowed
from tests.conftest import COMMITTEE, OTHER_UNIT, UNIT, Cast

D0 = date(2019, 6, 1)
DEADLINE = date(2019, 8, 31)

# (state, trigger) -> state after, as the core issue specifies (workflow issue/1).
EXPECTED_V1 = {
    ("found", "assign"): "assigned",
    ("found", "rectify_on_the_spot"): "rectified",
    ("assigned", "rectify_on_the_spot"): "rectified",
    ("found", "treat_centrally"): "rectified",
    ("assigned", "treat_centrally"): "rectified",
    ("assigned", "submit_rectification"): "rectified",
    ("rectified", "verify"): "verified",
    ("rectified", "reject"): "assigned",
    ("verified", "close_out"): "closed_out",
    ("closed_out", "reopen"): "assigned",
    ("assigned", "extend_deadline"): "assigned",
    **{(s, "withdraw"): "withdrawn" for s in ("found", "assigned", "rectified", "verified")},
    **{(s, "report_progress"): s for s in ("found", "assigned", "rectified")},
}
# issue/2 adds measures one by one (before rectification) and linking to a branch.
EXPECTED_V2 = {
    **EXPECTED_V1,
    **{(s, "add_measure"): s for s in ("found", "assigned")},
    **{(s, "complete_measure"): s for s in ("found", "assigned")},
    **{(s, "link_issue"): s for s in ("found", "assigned", "rectified", "verified", "closed_out")},
}
# issue/3 binds decisions to their evidence: evidence may change after rectification (measures
# added or completed, evidence replaced), and a stale decision is re-confirmed.
AFTER_RECTIFICATION = ("rectified", "verified", "closed_out")
EXPECTED = {
    **EXPECTED_V2,
    **{(s, t): s for s in AFTER_RECTIFICATION for t in ("add_measure", "complete_measure")},
    **{(s, "replace_evidence"): s for s in AFTER_RECTIFICATION},
    **{(s, "reconfirm"): s for s in ("verified", "closed_out")},
}
TRIGGERS = sorted({t for _, t in EXPECTED})
STATES = [s.value for s in Status]


def found(**kw: Any) -> Issue:
    args: dict[str, Any] = {
        "actor": Cast.inspector,
        "on": D0,
        "title": "三會一課記錄不規範",
        "unit": UNIT,
        "source": Source.ASSESSMENT,
    }
    args.update(kw)
    return Issue.record(**args)


def assigned(unit: str = UNIT) -> Issue:
    issue = found()
    issue.assign(actor=Cast.verifier, on=D0, unit=unit, person="劉處長", deadline=DEADLINE)
    return issue


def rectified() -> Issue:
    issue = assigned()
    issue.submit_rectification(actor=Cast.responsible, on=D0 + timedelta(days=10), summary="done")
    return issue


def verified() -> Issue:
    issue = rectified()
    issue.verify(actor=Cast.verifier, on=D0 + timedelta(days=12))
    return issue


def closed_out() -> Issue:
    issue = verified()
    issue.close_out(actor=Cast.verifier, on=D0 + timedelta(days=13))
    return issue


def withdrawn() -> Issue:
    issue = found()
    issue.withdraw(actor=Cast.verifier, on=D0, reason="不成立")
    return issue


IN_STATE: dict[str, Callable[[], Issue]] = {
    "found": found,
    "assigned": assigned,
    "rectified": rectified,
    "verified": verified,
    "closed_out": closed_out,
    "withdrawn": withdrawn,
}

ON = D0 + timedelta(days=20)
GOOD_ARGS: dict[str, dict[str, Any]] = {
    "assign": {"unit": UNIT, "person": "劉處長", "deadline": DEADLINE},
    "rectify_on_the_spot": {"summary": "當場整改"},
    "treat_centrally": {"campaign": "專項整治", "summary": "集中整改"},
    "submit_rectification": {"summary": "整改完成"},
    "verify": {"note": "到位"},
    "reject": {"reason": "材料不足"},
    "close_out": {},
    "reopen": {"reason": "反彈"},
    "extend_deadline": {"new_deadline": DEADLINE + timedelta(days=30), "reason": "換屆"},
    "withdraw": {"reason": "不成立"},
    "report_progress": {"text": "推進中"},
    "add_measure": {"text": "完善制度"},
    "complete_measure": {"measure": 1},
    "link_issue": {"branch_id": UUID(int=9)},
    "replace_evidence": {"summary": "補充材料", "evidence": ("會議記錄.pdf",)},
    "reconfirm": {"note": "複核"},
}


def make(state: str, trigger: str) -> Issue:
    """An issue in ``state``, ready for ``trigger`` (an open measure for ``complete_measure``,
    a stale decision for ``reconfirm``)."""
    issue = IN_STATE[state]()
    later = D0 + timedelta(days=15)
    if trigger == "complete_measure" and state != "withdrawn":
        issue.add_measure(actor=Cast.admin, on=later, text="建立台賬")
    if trigger == "reconfirm" and state in ("verified", "closed_out"):
        issue.replace_evidence(actor=Cast.responsible, on=later, summary="新材料")
        assert issue.stale_decisions()
    return issue


def spec_may(trigger: str, actor: Actor, issue: Issue) -> bool:
    """Who may do what, as the issue text says it (ADMIN may do anything the workflow allows)."""
    return spec_granted(trigger, actor, issue) and spec_independent(trigger, actor, issue)


def spec_granted(trigger: str, actor: Actor, issue: Issue) -> bool:
    """Whether the actor's roles (and unit, where the role acts for the responsible unit) allow
    ``trigger`` at all, in whichever state."""
    roles = actor.roles
    if Role.ADMIN in roles:
        allowed = True
    elif trigger == "record":
        allowed = bool(roles & {Role.INSPECTOR, Role.VERIFIER})
    elif trigger in (
        "rectify_on_the_spot",
        "submit_rectification",
        "report_progress",
        "replace_evidence",
    ):
        allowed = Role.RESPONSIBLE in roles and actor.unit == (issue.responsible_unit or issue.unit)
    elif trigger == "treat_centrally":
        allowed = Role.VERIFIER in roles or (
            Role.RESPONSIBLE in roles and actor.unit == (issue.responsible_unit or issue.unit)
        )
    elif trigger in ("reopen", "link_issue"):
        allowed = bool(roles & {Role.VERIFIER, Role.INSPECTOR})
    elif trigger in ("add_measure", "complete_measure"):
        allowed = Role.VERIFIER in roles or (
            Role.RESPONSIBLE in roles and actor.unit == (issue.responsible_unit or issue.unit)
        )
    else:
        allowed = Role.VERIFIER in roles
    return allowed


def spec_independent(trigger: str, actor: Actor, issue: Issue) -> bool:
    """Separation of duties (issue 8): nobody of the issue's own unit, its responsible unit or a
    unit that rectified it, and no person who rectified it, decides on it."""
    if trigger not in ("verify", "reject", "close_out", "withdraw", "extend_deadline", "reconfirm"):
        return True
    rectifiers = [e.actor for e in _history(issue) if e.__class__.__name__ in _RECTIFYING]
    excluded = {issue.unit, issue.responsible_unit or issue.unit}
    excluded |= {a.unit for a in rectifiers}
    return _plain(actor.unit) not in {_plain(u) for u in excluded} and actor.id not in {
        a.id for a in rectifiers
    }


def spec_refusal(state: str, trigger: str, actor: Actor, issue: Issue) -> type[Exception] | None:
    """How a command is refused, as issue 10 says it: an actor with no grant of the command gets
    PermissionDenied whatever the state; one with a grant gets TransitionNotAllowed where the
    workflow has no such step, and PermissionDenied where separation of duties forbids it."""
    if not spec_granted(trigger, actor, issue):
        return PermissionDenied
    if (state, trigger) not in EXPECTED:
        return TransitionNotAllowed
    if not spec_independent(trigger, actor, issue):
        return PermissionDenied
    return None


_RECTIFYING = (
    "RectifiedOnTheSpot",
    "CentrallyTreated",
    "RectificationSubmitted",
    "MeasureCompleted",
    "EvidenceReplaced",
)


def _plain(unit: str) -> str:
    return unicodedata.normalize("NFKC", unit).replace("\u200b", "").strip()


def _history(issue: Issue) -> list[Any]:
    return list(issue.pending_events)  # the issues here are made and never saved


def apply(issue: Issue, trigger: str, actor: Actor, on: date = ON, **args: Any) -> None:
    getattr(issue, trigger)(actor=actor, on=on, **(GOOD_ARGS[trigger] | args))


def test_the_declared_workflow_is_the_specified_one() -> None:
    flow = CURRENT_ISSUE_WORKFLOW
    declared = {
        (s.value, t): flow.target(s, t).value for s in Status for t in flow.triggers_from(s)
    }
    assert declared == EXPECTED
    assert flow.key == "issue/3"
    v2 = ISSUE_WORKFLOW_V2
    assert {(s.value, t): v2.target(s, t).value for s in Status for t in v2.triggers_from(s)} == (
        EXPECTED_V2
    )
    assert flow.initial is Status.FOUND
    v1 = ISSUE_WORKFLOW_V1
    assert {(s.value, t): v1.target(s, t).value for s in Status for t in v1.triggers_from(s)} == (
        EXPECTED_V1
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_trigger_in_every_state(state: str, trigger: str) -> None:
    issue = make(state, trigger)
    before = copy.deepcopy(issue.__dict__)
    actor = (
        Cast.admin
        if trigger not in ("verify", "reject")
        else Actor("o", "", "省委主題教育辦", ["verifier"])
    )
    if (state, trigger) in EXPECTED:
        apply(issue, trigger, actor)
        assert issue.status.value == EXPECTED[(state, trigger)]
        assert issue.last_on == ON
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            apply(issue, trigger, actor)
        assert refused.value.state == state
        assert refused.value.action == trigger
        assert set(refused.value.allowed) == {t for (s, t) in EXPECTED if s == state}
        assert issue.__dict__ == before
        assert not issue.pending_events[len(before["_pending_events"]) :]


ROLE_ACTORS = [
    Cast.inspector,
    Cast.verifier,
    Cast.unit_verifier,
    Cast.responsible,
    Cast.other_responsible,
    Cast.committee_responsible,
    Cast.auditor,
    Cast.admin,
    Actor("ver-office", "主題教育辦", "省委主題教育辦", [Role.VERIFIER]),
]


@pytest.mark.parametrize(("state", "trigger"), sorted(EXPECTED))
@pytest.mark.parametrize("actor", ROLE_ACTORS, ids=lambda a: a.id)
def test_who_may_do_each_step(state: str, trigger: str, actor: Actor) -> None:
    issue = make(state, trigger)
    expected = spec_may(trigger, actor, issue)
    assert (trigger in issue.allowed_actions(actor)) == expected
    if expected:
        apply(issue, trigger, actor)
        assert issue.status.value == EXPECTED[(state, trigger)]
    else:
        before = copy.deepcopy(issue.__dict__)
        with pytest.raises(PermissionDenied) as refused:
            apply(issue, trigger, actor)
        assert refused.value.actor_id == actor.id
        assert issue.__dict__ == before


@pytest.mark.parametrize("actor", ROLE_ACTORS, ids=lambda a: a.id)
def test_who_may_record(actor: Actor) -> None:
    if spec_may("record", actor, found()):
        assert found(actor=actor).status is Status.FOUND
    else:
        with pytest.raises(PermissionDenied):
            found(actor=actor)


def test_an_auditor_may_do_nothing() -> None:
    for state, make in IN_STATE.items():
        assert make().allowed_actions(Cast.auditor) == (), state


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("actor", ROLE_ACTORS, ids=lambda a: a.id)
def test_no_grant_is_permission_denied_in_every_state(
    state: str, trigger: str, actor: Actor
) -> None:
    issue = make(state, trigger)
    if spec_granted(trigger, actor, issue):
        return  # who holds a grant: test_who_may_do_each_step, test_every_trigger_in_every_state
    before = copy.deepcopy(issue.__dict__)
    with pytest.raises(PermissionDenied, match="needs ") as refused:
        apply(issue, trigger, actor)
    assert (refused.value.actor_id, refused.value.action) == (actor.id, trigger)
    assert issue.__dict__ == before


# ---------------------------------------------------------------- guards


def test_assign_refuses_a_deadline_before_the_date() -> None:
    issue = found()
    with pytest.raises(InvalidCommand) as refused:
        apply(issue, "assign", Cast.verifier, deadline=ON - timedelta(days=1))
    assert refused.value.field == "deadline"
    assert issue.status is Status.FOUND
    apply(issue, "assign", Cast.verifier, deadline=ON)  # the same day is fine
    assert issue.deadline == ON


def test_reopen_refuses_a_deadline_before_the_date_and_keeps_the_old_one_when_none() -> None:
    issue = closed_out()
    with pytest.raises(InvalidCommand) as refused:
        apply(issue, "reopen", Cast.inspector, deadline=ON - timedelta(days=1))
    assert refused.value.field == "deadline"
    apply(issue, "reopen", Cast.inspector)
    assert (issue.status, issue.deadline, issue.reopenings) == (Status.ASSIGNED, DEADLINE, 1)
    assert issue.verified_on is None and issue.closed_out_on is None and issue.mode is None


def test_reopen_with_a_new_deadline() -> None:
    issue = closed_out()
    apply(issue, "reopen", Cast.verifier, deadline=ON + timedelta(days=30))
    assert issue.deadline == ON + timedelta(days=30)


@pytest.mark.parametrize("days", [-10, 0])
def test_an_extension_must_be_later(days: int) -> None:
    issue = assigned()
    with pytest.raises(InvalidCommand) as refused:
        apply(issue, "extend_deadline", Cast.verifier, new_deadline=DEADLINE + timedelta(days=days))
    assert refused.value.field == "new_deadline"
    assert issue.deadline == DEADLINE
    apply(issue, "extend_deadline", Cast.verifier, new_deadline=DEADLINE + timedelta(days=1))
    assert (issue.deadline, issue.extensions) == (DEADLINE + timedelta(days=1), 1)


def test_no_extension_without_a_deadline() -> None:
    issue = found()
    issue.rectify_on_the_spot(actor=Cast.responsible, on=D0, summary="s")
    issue.reject(actor=Cast.verifier, on=D0, reason="r")  # assigned, yet never given a deadline
    assert issue.status is Status.ASSIGNED and issue.deadline is None
    with pytest.raises(TransitionNotAllowed, match="no deadline"):
        apply(issue, "extend_deadline", Cast.verifier)
    assert "extend_deadline" not in issue.allowed_actions(Cast.verifier)


def test_the_responsible_units_own_verifier_may_not_accept_its_work() -> None:
    issue = rectified()
    for trigger in ("verify", "reject"):
        with pytest.raises(PermissionDenied, match="its own work"):
            apply(issue, trigger, Cast.unit_verifier)
    assert issue.status is Status.RECTIFIED


def test_a_committee_that_treated_centrally_may_not_verify_it() -> None:
    issue = found()
    issue.treat_centrally(actor=Cast.verifier, on=D0, campaign="專項整治", summary="s")
    with pytest.raises(PermissionDenied):
        apply(issue, "verify", Cast.verifier)
    apply(issue, "verify", Actor("o", "", "省委主題教育辦", ["verifier"]))
    assert issue.status is Status.VERIFIED


def test_an_admin_is_still_bound_by_separation_of_duties() -> None:
    issue = found(unit=COMMITTEE)
    issue.rectify_on_the_spot(actor=Cast.committee_responsible, on=D0, summary="s")
    with pytest.raises(PermissionDenied):
        apply(issue, "verify", Cast.admin)


def test_only_the_assigned_unit_submits() -> None:
    issue = assigned(unit=OTHER_UNIT)
    with pytest.raises(PermissionDenied):
        apply(issue, "submit_rectification", Cast.responsible)
    apply(issue, "submit_rectification", Cast.other_responsible)
    assert issue.rectified_by == Cast.other_responsible


def test_business_dates_never_go_backwards() -> None:
    issue = assigned()
    with pytest.raises(InvalidCommand) as refused:
        apply(issue, "submit_rectification", Cast.responsible, on=D0 - timedelta(days=1))
    assert refused.value.field == "on"
    apply(issue, "submit_rectification", Cast.responsible, on=D0)
    assert issue.status is Status.RECTIFIED


# ---------------------------------------------------------------- what the events record


def test_modes_and_lateness() -> None:
    spot, central, late = found(), assigned(), assigned()
    spot.rectify_on_the_spot(actor=Cast.responsible, on=D0, summary="s")
    central.treat_centrally(actor=Cast.verifier, on=D0, campaign="c", summary="s")
    late.submit_rectification(actor=Cast.responsible, on=DEADLINE + timedelta(days=1), summary="s")
    assert (spot.mode, central.mode, late.mode) == (
        Mode.ON_THE_SPOT,
        Mode.CENTRAL,
        Mode.WITHIN_DEADLINE,
    )
    assert central.campaign == "c"
    assert (spot.rectified_late, central.rectified_late, late.rectified_late) == (
        False,
        False,
        True,
    )


def test_a_rejection_voids_the_rectification() -> None:
    issue = rectified()
    issue.reject(actor=Cast.verifier, on=ON, reason="不足")
    assert (issue.status, issue.mode, issue.rectified_on, issue.rejections) == (
        Status.ASSIGNED,
        None,
        None,
        1,
    )


def test_overdue_is_derived_from_deadline_and_date() -> None:
    issue = assigned()
    assert not issue.is_overdue(DEADLINE)
    assert issue.is_overdue(DEADLINE + timedelta(days=1))
    assert issue.days_overdue(DEADLINE + timedelta(days=5)) == 5
    issue.submit_rectification(actor=Cast.responsible, on=DEADLINE + timedelta(days=5), summary="s")
    assert not issue.is_overdue(DEADLINE + timedelta(days=9))
    assert found().is_overdue(date(2099, 1, 1)) is False


def test_progress_does_not_change_the_state() -> None:
    issue = assigned()
    apply(issue, "report_progress", Cast.responsible, text="已完成一半")
    assert (issue.status, issue.progress, issue.progress_on) == (Status.ASSIGNED, "已完成一半", ON)


def test_every_event_carries_actor_date_and_workflow() -> None:
    issue = closed_out()
    events = issue.collect_events()
    assert [type(e).__name__ for e in events] == [
        "IssueFound",
        "IssueAssigned",
        "RectificationSubmitted",
        "RectificationVerified",
        "ClosedOut",
    ]
    issue_events = [e for e in events if isinstance(e, Issue.Event)]
    assert len(issue_events) == len(events)
    assert all(isinstance(e.actor, Actor) and isinstance(e.on, date) for e in issue_events)
    first = events[0]
    assert isinstance(first, Issue.IssueFound)
    assert first.workflow == "issue/3"


# ---------------------------------------------------------------- the rules as properties

actor_strategy = st.builds(
    Actor,
    id=st.just("a"),
    name=st.just(""),
    unit=st.sampled_from([UNIT, OTHER_UNIT, COMMITTEE, "省委主題教育辦"]),
    roles=st.frozensets(st.sampled_from(list(Role)), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(state=st.sampled_from(STATES), trigger=st.sampled_from(TRIGGERS), actor=actor_strategy)
def test_a_command_is_accepted_exactly_when_state_role_and_guards_allow(
    state: str, trigger: str, actor: Actor
) -> None:
    issue = make(state, trigger)
    before = copy.deepcopy(issue.__dict__)
    refusal = spec_refusal(state, trigger, actor, issue)
    if refusal is None:
        apply(issue, trigger, actor)
        assert issue.status.value == EXPECTED[(state, trigger)]
    else:
        with pytest.raises((TransitionNotAllowed, PermissionDenied)) as refused:
            apply(issue, trigger, actor)
        assert refused.type is refusal
        assert issue.__dict__ == before  # a refused command changed nothing


@settings(max_examples=200, deadline=None)
@given(
    state=st.sampled_from(["found", "assigned", "closed_out"]),
    offset=st.integers(-400, 400),
)
def test_deadlines_are_never_set_before_the_date_of_the_command(state: str, offset: int) -> None:
    issue = IN_STATE[state]()
    trigger = {"found": "assign", "assigned": "extend_deadline", "closed_out": "reopen"}[state]
    key = "new_deadline" if trigger == "extend_deadline" else "deadline"
    new = ON + timedelta(days=offset)
    refused = new < ON or (trigger == "extend_deadline" and new <= DEADLINE)
    if refused:
        before = issue.deadline
        with pytest.raises(InvalidCommand) as error:
            apply(issue, trigger, Cast.verifier, **{key: new})
        assert error.value.field == key
        assert issue.deadline == before
    else:
        apply(issue, trigger, Cast.verifier, **{key: new})
        assert issue.deadline == new >= ON
