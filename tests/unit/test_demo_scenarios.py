"""The demo's declared tables are consistent: numbered in order, units and targets known, dates
in order and within the demo, outcomes from the closed set and in the numbers the README tells;
and the first report, played in memory, ends where each row's outcome says."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

import rectify
from rectify.demo import assessment, district, lagging, scenarios
from rectify.demo.runner import run_demo
from rectify.demo.scenarios import DEMO_TODAY, Outcome
from rectify.domain.branch import add_years
from rectify.domain.values import BranchKind, Mode, Status


def ordered(*days: date | None) -> bool:
    """The dates given (None skipped) never go backwards, and none is after the demo date."""
    known = [d for d in days if d is not None]
    return known == sorted(known) and all(d <= DEMO_TODAY for d in known)


# ---------------------------------------------------------------- the first report


def test_the_committee_s_own_list_is_3_central_and_5_on_the_spot() -> None:
    rows = scenarios.OWN_MEASURES
    assert [m.no for m in rows] == list(range(1, 9))
    assert Counter(m.mode for m in rows) == {Mode.CENTRAL: 3, Mode.ON_THE_SPOT: 5}
    assert all(ordered(scenarios.OWN_FOUND, m.done, m.verified, m.closed) for m in rows)
    assert len({m.title for m in rows}) == 8
    w = scenarios.WORK_LIST
    last = max(m.done for m in rows)
    assert ordered(scenarios.OWN_FOUND, w.assigned, min(m.done for m in rows), last, w.submitted)
    assert ordered(w.submitted, w.verified, w.closed) and last <= w.deadline
    # who decides never rectified: the office verifies what the committee did
    assert all(m.by.unit != scenarios.SUN.unit for m in rows)


def test_the_departments_36_problems() -> None:
    rows = scenarios.UNIT_PROBLEMS
    assert [p.no for p in rows] == list(range(1, 37))
    departments = {d.unit for d in scenarios.DEPARTMENTS}
    assert Counter(p.unit for p in rows) == dict.fromkeys(departments, 6)
    assert all(p.source in scenarios.FINDER for p in rows)
    outcomes = Counter(p.outcome for p in rows)
    assert all(isinstance(o, Outcome) for o in outcomes)
    for once in (Outcome.WITHDRAWN, Outcome.RESUBMITTED, Outcome.REOPENED, Outcome.EXTENDED):
        assert outcomes[once] == 1, once
    assert outcomes[Outcome.LATE] > 1 and outcomes[Outcome.IN_PROGRESS] > 1
    assert set(outcomes) <= {Outcome.CLOSED, Outcome.LATE, Outcome.SUBMITTED, Outcome.VERIFIED, Outcome.IN_PROGRESS, *(
        Outcome.WITHDRAWN, Outcome.RESUBMITTED, Outcome.REOPENED, Outcome.EXTENDED)}  # fmt: skip


@pytest.mark.parametrize("p", scenarios.UNIT_PROBLEMS, ids=lambda p: f"unit-{p.no}")
def test_a_department_s_problem_is_dated_as_its_outcome_says(p: scenarios.UnitProblem) -> None:
    open_ = p.outcome in (Outcome.WITHDRAWN, Outcome.IN_PROGRESS, Outcome.EXTENDED)
    assert (p.done is None) == open_
    if p.mode is Mode.ON_THE_SPOT:  # fixed before it was assigned
        assert p.outcome is Outcome.CLOSED and p.done is not None and p.done < p.assigned
    else:
        assert p.mode is Mode.WITHIN_DEADLINE
        assert ordered(p.found, p.assigned, p.first_measure, p.done)
    assert ordered(p.found, p.done, p.sent_back, p.resubmitted, p.verified, p.closed, p.reopened)
    assert (p.verified is None) == (open_ or p.outcome is Outcome.SUBMITTED)
    assert (p.closed is None) == (p.verified is None or p.outcome is Outcome.VERIFIED)
    assert (p.sent_back is not None) == (p.outcome is Outcome.RESUBMITTED)
    assert (p.reopened is not None) == (p.outcome is Outcome.REOPENED)
    if p.done is not None and p.mode is Mode.WITHIN_DEADLINE:
        assert (p.done > p.deadline) == (p.outcome is Outcome.LATE)
    if p.outcome is Outcome.EXTENDED:  # approved before the deadline ran out
        assert p.first_measure < scenarios.EXTENSION.on <= scenarios.UNIT_DEADLINE < p.deadline


def test_the_first_report_played_ends_where_its_rows_say() -> None:
    app = rectify.connect("memory://", today=lambda: DEMO_TODAY)
    result = run_demo(app, larger=False)
    expected = {
        Outcome.WITHDRAWN: Status.WITHDRAWN,
        Outcome.IN_PROGRESS: Status.ASSIGNED,
        Outcome.EXTENDED: Status.ASSIGNED,
        Outcome.SUBMITTED: Status.RECTIFIED,
        Outcome.VERIFIED: Status.VERIFIED,
        Outcome.CLOSED: Status.CLOSED_OUT,
        Outcome.LATE: Status.CLOSED_OUT,
        Outcome.RESUBMITTED: Status.CLOSED_OUT,
        Outcome.REOPENED: Status.ASSIGNED,  # open again after the relapse
    }
    for row, iid in zip(scenarios.UNIT_PROBLEMS, result.units, strict=True):
        issue = app.get_issue(iid, DEMO_TODAY)
        assert issue.status is expected[row.outcome], row
        assert issue.unit == row.unit and issue.title == row.problem[0]
        assert issue.reopenings == (row.outcome is Outcome.REOPENED)
    for measure, iid in zip(scenarios.OWN_MEASURES, result.own, strict=True):
        issue = app.get_issue(iid, DEMO_TODAY)
        assert (issue.status, issue.mode) == (Status.CLOSED_OUT, measure.mode)
    app.close()


# ---------------------------------------------------------------- 20 lagging branches


def test_the_20_lagging_branches() -> None:
    rows = lagging.LAGGING
    assert len(rows) == 20 and len({b.code for b in rows}) == 20
    assert len({b.unit for b in rows}) == 20
    assert {b.unit for b in rows} <= set(assessment.ASSESSED_UNITS)
    assert sum(b.sent_back is not None for b in rows) == 1
    term = BranchKind.BRANCH.term_years
    for b in rows:
        assert b.mentors[0] in lagging.COMMITTEE_MENTORS and b.mentors[1] not in b.mentors[:1]
        sent_back = (b.sent_back.on, b.sent_back.requested_again) if b.sent_back else ()
        assert ordered(lagging.REGISTERED, lagging.DESIGNATED, b.consolidated, b.requested)
        assert ordered(b.requested, *sent_back, b.delisted)
        assert b.delisted <= lagging.CONSOLIDATION_DEADLINE
        # an overdue election is flagged by the check of 1 December 2018, and only then
        overdue = add_years(b.elected_on, term) < lagging.ELECTIONS_CHECKED
        assert overdue == (lagging.ELECTIONS_OVERDUE in b.kinds) == (b.election is not None)
        if b.election is not None:
            e = b.election
            assert ordered(b.consolidated, e.assigned, e.first_measure, e.held, e.submitted)
            assert ordered(e.submitted, e.verified, lagging.ELECTIONS_CLOSED)
            assert e.held <= lagging.ELECTION_DEADLINE


# ---------------------------------------------------------------- the district's rounds


def test_the_rounds_and_their_findings() -> None:
    rounds = district.ROUNDS
    assert [r.period for r in rounds] == [f"2019-0{m}" for m in range(3, 10)]
    assert sum(len(r.findings) for r in rounds) == 45
    targets = {*district.TOWNS, *(b.code for b in district.DISTRICT_BRANCHES)}
    items = dict(district.CHECKLIST)
    assert len(items) == 26
    seen: dict[tuple[str, str], district.Finding] = {}
    for r in rounds:
        assert ordered(district.CHECKLIST_DEFINED, r.opened, r.findings_on, r.closed)
        assert set(r.scope) <= targets
        assert (r.period == district.RECHECK) == (set(r.scope) == targets) == bool(r.name)
        for f in r.findings:
            assert f.target in r.scope and f.item in items
            assert isinstance(f.outcome, Outcome) and f.mode in (
                Mode.ON_THE_SPOT,
                Mode.WITHIN_DEADLINE,
            )
            again = f.outcome in (Outcome.RELAPSED, Outcome.STILL_OPEN)
            assert again == ((f.target, f.item) in seen), f
            assert (f.done is None) == (f.outcome in (Outcome.IN_PROGRESS, Outcome.STILL_OPEN)), f
            assert (f.new_deadline is not None) == (f.outcome is Outcome.RELAPSED)
            assert ordered(r.findings_on, f.done, f.verified, f.closed)
            assert (f.verified is None) == (f.done is None or f.outcome is Outcome.SUBMITTED)
            if f.mode is Mode.ON_THE_SPOT:
                assert f.done is not None and f.done > r.findings_on  # never assigned
            if (
                f.outcome is Outcome.RELAPSED
            ):  # the problem was closed out before it was found again
                first = seen[f.target, f.item]
                assert (f.target, f.item) == district.RELAPSE and r.period == district.RECHECK
                assert first.closed is not None and first.closed < r.findings_on
            if f.outcome is Outcome.STILL_OPEN:  # and it was not yet rectified
                first = seen[f.target, f.item]
                assert (f.target, f.item) == district.STILL_OPEN and r.period == district.RECHECK
                assert first.done is not None and first.done > r.findings_on
            seen.setdefault((f.target, f.item), f)
    codes = {b.code for b in district.DISTRICT_BRANCHES}
    for code, misses in district.RATINGS:
        assert code in codes and set(misses) <= set(district.FIVE_GOOD)


# ---------------------------------------------------------------- the 2018 list


@pytest.fixture(scope="module")
def list_rows() -> tuple[assessment.ListProblem, ...]:
    return assessment.list_problems({b.unit: (b.code, b.name) for b in lagging.LAGGING})


def test_the_declared_distributions_are_well_formed() -> None:
    for bands in (assessment.WAYS_IN_A_CAMPAIGN, assessment.WAYS_OTHERWISE, assessment.OUTCOMES):
        bounds = [bound for bound, _ in bands]
        assert bounds == sorted(bounds) and bounds[-1] == 1.0
    assert all(isinstance(o, Outcome) for _, o in assessment.OUTCOMES)
    assert (
        set(assessment.WEIGHTS)
        == set(assessment.CONCRETE)
        == {c for c, _ in assessment.COMMON_PROBLEMS}
    )
    assert set(assessment.CAMPAIGNS) <= set(assessment.WEIGHTS)


def test_the_2018_list_has_1640_problems_of_97_units(
    list_rows: tuple[assessment.ListProblem, ...],
) -> None:
    assert len(list_rows) == assessment.LIST_PROBLEMS == 1640
    assert len({p.key for p in list_rows}) == 1640
    per_unit = Counter(p.unit for p in list_rows)
    assert set(per_unit) == set(assessment.ASSESSED_UNITS) and len(per_unit) == 97
    assert min(per_unit.values()) >= assessment.FEWEST
    assert {p.code for p in list_rows} == {c for c, _ in assessment.COMMON_PROBLEMS}
    branches = Counter(p.branch_code for p in list_rows if p.branch_code)
    assert branches == dict.fromkeys((b.code for b in lagging.LAGGING), assessment.BRANCH_PROBLEMS)
    outcomes = Counter(p.outcome for p in list_rows)
    assert (
        outcomes[Outcome.CLOSED] + outcomes[Outcome.LATE] + outcomes[Outcome.RESUBMITTED]
        > 0.85 * 1640
    )
    assert all(
        outcomes[o] > 0
        for o in (Outcome.IN_PROGRESS, Outcome.EXTENDED, Outcome.SUBMITTED, Outcome.VERIFIED)
    )
    assert set(Counter(p.mode for p in list_rows)) == {
        Mode.ON_THE_SPOT,
        Mode.CENTRAL,
        Mode.WITHIN_DEADLINE,
    }


def test_each_list_problem_is_dated_as_its_outcome_says(
    list_rows: tuple[assessment.ListProblem, ...],
) -> None:
    for p in list_rows:
        assert ordered(assessment.LIST_ISSUED, p.found, p.assigned, p.rectified), p
        assert ordered(p.first_measure, p.rectified, p.sent_back, p.resubmitted, p.verified), p
        assert ordered(p.verified, p.closed) and ordered(p.first_measure, p.extended), p
        if p.outcome in assessment.NEEDS_A_DEADLINE:
            assert p.mode is Mode.WITHIN_DEADLINE and p.branch_code is None, p
        if p.mode is Mode.CENTRAL:
            assert p.code in assessment.CAMPAIGNS
        assert (p.rectified is None) == (p.outcome in (Outcome.IN_PROGRESS, Outcome.EXTENDED)), p
        assert (p.extended is not None) == (p.outcome is Outcome.EXTENDED)
        assert (p.sent_back is not None) == (p.outcome is Outcome.RESUBMITTED)
        assert (p.verified is None) == (p.rectified is None or p.outcome is Outcome.SUBMITTED), p
        assert (p.closed is None) == (p.verified is None or p.outcome is Outcome.VERIFIED), p
        if p.rectified is not None:
            assert (p.rectified > assessment.LIST_DEADLINE) == (p.outcome is Outcome.LATE), p
        if p.branch_code is not None:  # closed out in time for the branch to be delisted
            assert p.outcome is Outcome.CLOSED and p.rectified is not None
            assert p.rectified <= assessment.LATEST_OF_A_BRANCH
        assert p.verifier.unit not in (p.unit,)  # who decides is not of the problem's unit
