"""Decisions bound to evidence (issue 10), on the pure domain.

Verification, close-out, withdrawal and delisting record the digest of what they relied on and
the version they saw; a later change of that evidence marks a standing decision stale by an
event, once, in the same save; nothing else does; re-confirming makes it current again; a
replay equals the live aggregate.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rectify import Issue, Source, Status
from rectify.domain.branch import Branch, LinkedIssue
from rectify.domain.decisions import canonical, evidence_digest
from rectify.domain.values import BranchStatus, Mentor
from rectify.domain.workflows import ISSUE_WORKFLOW_V2
from rectify.errors import InvalidCommand, PermissionDenied, TransitionNotAllowed
from rectify.testing.invariants import (
    InvariantViolation,
    decisions_stale_exactly_when_their_evidence_changed,
)
from tests.conftest import COMMITTEE, UNIT, Cast

D0 = date(2019, 6, 1)
DEADLINE = date(2019, 8, 31)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def rectified(**record: Any) -> Issue:
    issue = Issue.record(
        actor=Cast.inspector, on=D0, title="三會一課記錄不規範", unit=UNIT,
        source=Source.ASSESSMENT, **record,
    )  # fmt: skip
    issue.assign(actor=Cast.verifier, on=day(1), unit=UNIT, person="劉處長", deadline=DEADLINE,
                 measures=("建立台賬",))  # fmt: skip
    issue.complete_measure(actor=Cast.responsible, on=day(2), measure=1, evidence=("台賬.pdf",))
    issue.submit_rectification(actor=Cast.responsible, on=day(3), summary="s", evidence=("a",))
    return issue


def verified() -> Issue:
    issue = rectified()
    issue.verify(actor=Cast.verifier, on=day(4))
    return issue


def closed_out() -> Issue:
    issue = verified()
    issue.close_out(actor=Cast.verifier, on=day(5))
    return issue


def stale_events(issue: Issue) -> list[Any]:
    return [e for e in issue.pending_events if isinstance(e, Issue.DecisionMarkedStale)]


def history(issue: Issue) -> list[Any]:
    return list(issue.pending_events)


def replayed(issue: Issue) -> Issue:
    copy: Any = None
    for e in issue.pending_events:
        copy = e.mutate(copy)
    assert isinstance(copy, Issue)
    return copy


# ---------------------------------------------------------------- the digest and what it covers


def test_the_digest_is_sha256_of_sorted_compact_utf8_json() -> None:
    evidence = {"b": (1, 2), "a": date(2019, 6, 1), "c": "整改", "d": frozenset({3, 1})}
    text = '{"a":"2019-06-01","b":[1,2],"c":"整改","d":[1,3]}'
    assert canonical(evidence) == text.encode("utf-8")
    assert evidence_digest(evidence) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_decision_records_the_digest_and_version_it_saw() -> None:
    issue = rectified()
    before = (issue.evidence_digest(), issue.version)
    issue.verify(actor=Cast.verifier, on=day(4))
    event = issue.pending_events[-1]
    assert isinstance(event, Issue.RectificationVerified)
    assert (event.evidence_digest, event.decided_on_version) == before
    relied = issue.relied_on_evidence()
    assert relied is not None and set(relied) == set(Issue.relied_on)
    assert json.loads(canonical(relied))["evidence"] == ["a"]
    issue.close_out(actor=Cast.verifier, on=day(5))
    closing = issue.pending_events[-1]
    assert isinstance(closing, Issue.ClosedOut)
    assert (closing.evidence_digest, closing.decided_on_version) == (before[0], before[1] + 1)
    withdrawn = rectified()
    withdrawn.withdraw(actor=Cast.verifier, on=day(4), reason="不成立")
    assert withdrawn.pending_events[-1].evidence_digest == withdrawn.evidence_digest()  # type: ignore[attr-defined]


def test_the_caller_cannot_give_the_digest() -> None:
    issue = rectified()
    with pytest.raises(InvalidCommand, match="evidence_digest"):
        issue.verify(actor=Cast.verifier, on=day(4), evidence_digest="0" * 64)
    assert issue.status is Status.RECTIFIED and not issue.decisions


# ---------------------------------------------------------------- each trigger of staleness


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        (
            lambda i: i.replace_evidence(
                actor=Cast.responsible, on=day(9), summary="新", evidence=("b",)
            ),
            "replace_evidence",
        ),
        (lambda i: i.add_measure(actor=Cast.verifier, on=day(9), text="再建制度"), "add_measure"),
    ],
    ids=["new evidence replaces old", "a measure is added"],
)
@pytest.mark.parametrize("made", [verified, closed_out], ids=["verified", "closed out"])
def test_a_change_of_what_it_relied_on_marks_each_standing_decision_stale(
    change: Any, cause: str, made: Any
) -> None:
    issue = made()
    standing = sorted(issue.decisions)
    change(issue)
    marks = stale_events(issue)
    assert sorted(e.decision for e in marks) == standing
    assert all(cause in e.reason for e in marks)
    assert all(e.current_digest == issue.evidence_digest() for e in marks)
    assert all(e.decided_on_version == issue.decisions[e.decision].version for e in marks)
    assert issue.stale_decisions() == tuple(t for t in ("verify", "close_out") if t in standing)
    assert issue.status is made().status  # staleness changes no state


def test_completing_a_measure_added_after_verification_does_not_mark_it_twice() -> None:
    issue = verified()
    issue.add_measure(actor=Cast.verifier, on=day(9), text="再建制度")
    issue.complete_measure(actor=Cast.responsible, on=day(10), measure=2)
    assert len(stale_events(issue)) == 1


def test_nothing_else_marks_a_decision_stale() -> None:
    issue = closed_out()
    issue.link_issue(actor=Cast.verifier, on=day(9), branch_id=UUID(int=1))
    issue.replace_evidence(actor=Cast.responsible, on=day(9), summary="s", evidence=("a",))
    assert not stale_events(issue)  # the same evidence again: nothing it relied on changed
    assert issue.stale_decisions() == ()


def test_reconfirming_makes_the_decisions_current_and_binds_them_anew() -> None:
    issue = closed_out()
    with pytest.raises(TransitionNotAllowed, match="nothing to re-confirm"):
        issue.reconfirm(actor=Cast.verifier, on=day(9))
    issue.replace_evidence(actor=Cast.responsible, on=day(9), summary="新", evidence=("b",))
    with pytest.raises(PermissionDenied, match="separation of duties"):
        issue.reconfirm(actor=Cast.unit_verifier, on=day(10))
    seen = (issue.evidence_digest(), issue.version)
    issue.reconfirm(actor=Cast.verifier, on=day(10), note="複核")
    event = issue.pending_events[-1]
    assert isinstance(event, Issue.DecisionsReconfirmed)
    assert event.decisions == ("verify", "close_out")
    assert (event.evidence_digest, event.decided_on_version) == seen
    assert issue.stale_decisions() == () and issue.status is Status.CLOSED_OUT
    issue.add_measure(actor=Cast.verifier, on=day(11), text="再建制度")  # stale again, once more
    assert issue.stale_decisions() == ("verify", "close_out")


def test_reopening_ends_the_decisions_instead() -> None:
    issue = closed_out()
    issue.replace_evidence(actor=Cast.responsible, on=day(9), summary="新", evidence=("b",))
    issue.reopen(actor=Cast.verifier, on=day(10), reason="反彈")
    assert issue.decisions == {} and issue.stale_decisions() == ()


def test_issues_of_issue_2_are_never_marked_stale() -> None:
    issue = Issue.record(actor=Cast.inspector, on=D0, title="t", unit=UNIT,
                         source=Source.ASSESSMENT, flow=ISSUE_WORKFLOW_V2)  # fmt: skip
    issue.rectify_on_the_spot(actor=Cast.responsible, on=D0, summary="s")
    issue.verify(actor=Cast.verifier, on=D0)
    assert issue.watched_decisions() == ()
    with pytest.raises(TransitionNotAllowed):
        issue.replace_evidence(actor=Cast.responsible, on=D0, summary="n")


def test_bad_input_is_refused_naming_the_field_and_recording_nothing() -> None:
    issue = verified()
    count = len(issue.pending_events)
    with pytest.raises(InvalidCommand, match="summary"):
        issue.replace_evidence(actor=Cast.responsible, on=day(9), summary=" ")
    with pytest.raises(InvalidCommand, match="note"):
        issue.reconfirm(actor=Cast.verifier, on=day(9), note=5)
    assert len(issue.pending_events) == count and issue.stale_decisions() == ()


def test_the_invariant_catches_a_missing_or_invented_mark() -> None:
    issue = verified()
    issue.add_measure(actor=Cast.verifier, on=day(9), text="再建制度")
    events = history(issue)
    decisions_stale_exactly_when_their_evidence_changed(events)
    with pytest.raises(InvariantViolation, match="not marked stale"):
        decisions_stale_exactly_when_their_evidence_changed(events[:-1])
    progress = closed_out()
    progress.link_issue(actor=Cast.verifier, on=day(9), branch_id=UUID(int=1))
    forged = Issue.DecisionMarkedStale(  # type: ignore[call-arg]
        originator_id=progress.id, originator_version=progress.version + 1,
        timestamp=events[-1].timestamp, actor=Cast.verifier, on=day(9), command_id=None,
        decision="verify", decided_on_version=1, evidence_digest="x", current_digest="y",
        reason="forged",
    )  # fmt: skip
    with pytest.raises(InvariantViolation, match="nothing it relied on changed"):
        decisions_stale_exactly_when_their_evidence_changed([*history(progress), forged])


# ---------------------------------------------------------------- the rule as a property

CHANGES = ("replace_evidence", "add_measure", "complete_measure", "link_issue", "reconfirm")


def give(issue: Issue, step: str, on: date, text: str) -> None:
    if step == "replace_evidence":
        issue.replace_evidence(actor=Cast.responsible, on=on, summary="s", evidence=(text,))
    elif step == "add_measure":
        issue.add_measure(actor=Cast.verifier, on=on, text=text)
    elif step == "complete_measure":
        issue.complete_measure(actor=Cast.responsible, on=on, measure=issue.open_measures()[0])
    elif step == "link_issue":
        issue.link_issue(actor=Cast.verifier, on=on, branch_id=UUID(int=1))
    else:
        issue.reconfirm(actor=Cast.verifier, on=on)


@settings(max_examples=200, deadline=None)
@given(
    close=st.booleans(),
    steps=st.lists(
        st.tuples(st.sampled_from(CHANGES), st.sampled_from(["a", "b", "c"])), max_size=8
    ),
)
def test_any_change_of_evidence_marks_stale_exactly_once_until_reconfirmed(
    close: bool, steps: list[tuple[str, str]]
) -> None:
    issue = closed_out() if close else verified()
    stale = False
    for n, (step, text) in enumerate(steps, start=10):
        before_digest = issue.evidence_digest()
        before_marks = len(stale_events(issue))
        if step == "complete_measure" and not issue.open_measures():
            continue
        if step == "reconfirm" and not stale:
            with pytest.raises(TransitionNotAllowed):
                give(issue, step, day(n), text)
            continue
        give(issue, step, day(n), text)
        changed = issue.evidence_digest() != before_digest
        marked = len(stale_events(issue)) - before_marks
        if step == "reconfirm":
            assert marked == 0 and issue.stale_decisions() == ()
            stale = False
            continue
        assert marked == (len(issue.decisions) if changed and not stale else 0)
        stale = stale or changed
        assert bool(issue.stale_decisions()) == stale
    decisions_stale_exactly_when_their_evidence_changed(history(issue))
    again = replayed(issue)
    mine = {k: v for k, v in issue.__dict__.items() if k != "_pending_events"}
    assert {k: v for k, v in again.__dict__.items() if k != "_pending_events"} == mine


# ---------------------------------------------------------------- a branch's delisting

MENTORS = (Mentor(name="張", unit=COMMITTEE), Mentor(name="趙", unit=UNIT))
CLOSED = LinkedIssue(Status.CLOSED_OUT, D0, day(5), None)


def delisted(linked: dict[UUID, LinkedIssue]) -> Branch:
    branch = Branch.register(actor=Cast.verifier, on=D0, code="B-1", name="一支部", unit=UNIT)
    for ident in linked:
        branch.link_issue(actor=Cast.verifier, on=D0, issue_id=ident)
    branch.designate_lagging(actor=Cast.verifier, on=D0, kinds=("軟弱渙散",), basis="排查")
    branch.start_consolidation(actor=Cast.verifier, on=D0, plan="p", deadline=DEADLINE,
                               mentors=MENTORS)  # fmt: skip
    branch.request_delisting(actor=Cast.verifier, on=day(6))
    branch.delist(actor=Cast.verifier, on=day(7), open_issues=(), linked_issues=linked)
    return branch


def test_a_delisting_records_the_digest_of_its_issues_and_ratings() -> None:
    linked = {UUID(int=1): CLOSED}
    branch = delisted(linked)
    event = branch.pending_events[-1]
    assert isinstance(event, Branch.Delisted)
    assert event.evidence_digest == branch.evidence_digest({"linked_issues": linked})
    assert event.decided_on_version == branch.version - 1
    assert branch.watched_decisions()
    unbound = delisted({})
    unbound_outside = Branch.register(actor=Cast.verifier, on=D0, code="B-2", name="二", unit=UNIT)
    assert unbound_outside.evidence_digest() is None  # without its issues' facts: not known
    assert unbound.pending_events[-1].evidence_digest is not None  # type: ignore[attr-defined]


def test_a_reopened_linked_issue_a_back_dated_one_or_a_new_rating_marks_it_stale() -> None:
    linked = {UUID(int=1): CLOSED}
    reopened = delisted(linked)
    now = {UUID(int=1): LinkedIssue(Status.ASSIGNED, D0, None, None)}
    assert reopened.review_decisions(Cast.verifier, day(9), "反彈", {"linked_issues": now}) == 1
    assert reopened.stale_decisions() == ("delist",)
    assert reopened.review_decisions(Cast.verifier, day(9), "x", {"linked_issues": now}) == 0

    late = delisted(linked)
    late.link_issue(actor=Cast.verifier, on=day(9), issue_id=UUID(int=2))
    found_before = {**linked, UUID(int=2): LinkedIssue(Status.FOUND, day(3), None, None)}
    assert late.review_decisions(Cast.verifier, day(3), "關聯", {"linked_issues": found_before})
    mark = late.pending_events[-1]
    assert isinstance(mark, Branch.DecisionMarkedStale) and "補錄" in mark.reason
    assert mark.on == late.last_on == day(9)  # the branch's own dates do not go backwards

    rated = delisted(linked)
    results = dict.fromkeys(("team", "system", "members", "service", "integrity"), True)
    rated.rate(actor=Cast.verifier, on=day(9), results=results, linked_issues=linked)
    assert rated.stale_decisions() == ("delist",)
    with pytest.raises(PermissionDenied):
        rated.reconfirm(actor=Cast.responsible, on=day(10), linked_issues=linked)
    rated.reconfirm(actor=Cast.verifier, on=day(10), linked_issues=linked)
    assert rated.stale_decisions() == () and rated.status is BranchStatus.DELISTED


def test_a_relapse_ends_the_delisting() -> None:
    branch = delisted({})
    branch.designate_lagging(actor=Cast.verifier, on=day(9), kinds=("虛化",), basis="再排查")
    assert branch.decisions == {}
