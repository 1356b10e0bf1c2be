"""Branches, problem lists, inspection rounds and measures, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
from rectify import Role, Status
from rectify.domain.branch import Branch
from rectify.domain.values import Actor, BranchStatus, Mentor
from rectify.errors import (
    AlreadyExists,
    InvalidCommand,
    NotFound,
    OpenIssuesRemain,
    PermissionDenied,
    TransitionNotAllowed,
)
from rectify.testing import invariants as inv
from tests.conftest import COMMITTEE, OTHER_UNIT, TODAY, UNIT, Cast

MENTORS: list[Mentor | dict[str, str]] = [
    {"name": "張副書記", "unit": COMMITTEE, "post": "工委副書記"},
    {"name": "趙書記", "unit": UNIT, "post": "機關黨委書記"},
]
BOTH = Actor("both", "工委", COMMITTEE, [Role.VERIFIER, Role.INSPECTOR])


class Completion(TypedDict, total=False):
    """How a measure was completed, as keywords of ``complete_measure``."""

    mode: str
    campaign: str


def lagging_branch(app: rectify.RectificationApp, code: str = "CZT-01") -> UUID:
    branch = app.register_branch(
        actor=Cast.verifier, code=code, name=f"{code}黨支部", unit=UNIT, on="2019-01-02"
    )
    app.designate_lagging(
        branch, actor=Cast.verifier, kinds=["軟弱渙散"], basis="對標排查", on="2019-02-01"
    )
    return branch


def close(app: rectify.RectificationApp, issue: UUID, day: str) -> None:
    app.rectify_on_the_spot(issue, actor=Cast.responsible, summary="整改", on=day)
    app.verify(issue, actor=Cast.verifier, on=day)
    app.close_out(issue, actor=Cast.verifier, on=day)


def count(app: rectify.RectificationApp, cls: type[Any]) -> int:
    return sum(isinstance(e, cls) for _, e in inv.all_logged_events(app))


# ---------------------------------------------------------------- branches


def test_a_branch_is_registered_once_by_its_code(app: rectify.RectificationApp) -> None:
    first = app.register_branch(
        actor=Cast.verifier, code="B-1", name="一支部", unit=UNIT, command_id="r1"
    )
    assert (
        app.register_branch(
            actor=Cast.verifier, code="B-1", name="一支部", unit=UNIT, command_id="r1"
        )
        == first
    )
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(AlreadyExists) as refused:
        app.register_branch(actor=Cast.verifier, code=" B-1 ", name="又一支部", unit=OTHER_UNIT)
    assert refused.value.ident == first and "一支部" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.branch_id("B-1") == first
    with pytest.raises(PermissionDenied):
        app.register_branch(actor=Cast.responsible, code="B-2", name="二支部", unit=UNIT)


def test_the_lagging_branch_workflow_to_delisting_and_relapse(
    app: rectify.RectificationApp,
) -> None:
    branch = lagging_branch(app)
    a = app.record_issue(
        actor=Cast.inspector,
        title="三會一課不落實",
        unit=UNIT,
        source="screening",
        branch_id=branch,
        on="2019-02-02",
    )
    b = app.record_issue(
        actor=Cast.inspector, title="黨費收繳不規範", unit=UNIT, source="screening", on="2019-02-02"
    )
    app.link_issue(b, branch_id=branch, actor=Cast.inspector, on="2019-02-03")
    app.link_issue(b, branch_id=branch, actor=Cast.inspector, on="2019-02-03")  # again: nothing
    assert app.get_branch(branch).issues == (a, b)
    assert app.get_issue(b).branch_id == branch
    app.start_consolidation(
        branch,
        actor=Cast.verifier,
        plan="整頓方案",
        goals=["班子健全"],
        deadline="2019-06-30",
        mentors=MENTORS,
        on="2019-02-10",
    )
    app.request_delisting(branch, actor=Cast.responsible, on="2019-03-01")
    before = inv.snapshot(app, [a, b], TODAY, [branch])
    with pytest.raises(OpenIssuesRemain) as refused:
        app.delist(branch, actor=Cast.verifier, on="2019-03-02")
    assert refused.value.open_issues == (a, b)
    assert str(a) in str(refused.value) and str(b) in str(refused.value)
    inv.refused_command_changed_nothing(before, inv.snapshot(app, [a, b], TODAY, [branch]))
    close(app, a, "2019-03-03")
    assert not app.get_branch(branch).ready
    close(app, b, "2019-03-04")
    view = app.get_branch(branch)
    assert view.ready and view.ready_on == date(2019, 3, 4)
    app.delist(branch, actor=Cast.verifier, on="2019-03-05")
    assert app.get_branch(branch).status is BranchStatus.DELISTED
    assert app.get_branch(branch, as_of="2019-03-04").status is BranchStatus.DELISTING_REQUESTED
    board = app.lagging_board()
    assert [(r.code, r.delisted, r.problems, r.open_problems) for r in board] == [
        ("CZT-01", True, 2, 0)
    ]
    assert [m.name for m in board[0].mentors] == ["張副書記", "趙書記"]
    # relapse: designated again, consolidated again, ready again once
    app.designate_lagging(
        branch, actor=Cast.inspector, kinds=["虛化"], basis="年度考核", on="2019-09-01"
    )
    assert app.get_branch(branch).is_lagging and app.get_branch(branch).designations == 2
    assert count(app, Branch.ReadyForReassessment) == 1
    inv.check_branch(app, branch)
    assert [e.action for e in app.audit_trail(branch)][:3] == [
        "register",
        "designate_lagging",
        "link_issue",
    ]


def test_dual_mentors_are_exactly_two_one_from_each_side(app: rectify.RectificationApp) -> None:
    branch = lagging_branch(app)
    third = {"name": "第三人", "unit": COMMITTEE}
    for mentors in (
        [MENTORS[0]],
        [*MENTORS, third],
        [MENTORS[0], third],
        [MENTORS[1], {"name": "x", "unit": UNIT}],
    ):
        before = app.recorder.max_notification_id() or 0
        with pytest.raises(InvalidCommand) as refused:
            app.start_consolidation(
                branch,
                actor=Cast.verifier,
                plan="方案",
                deadline="2019-06-30",
                mentors=mentors,
                on="2019-02-10",
            )
        assert refused.value.field == "mentors"
        assert app.recorder.max_notification_id() == before
    with pytest.raises(InvalidCommand) as refused:
        app.start_consolidation(
            branch,
            actor=Cast.verifier,
            plan="方案",
            deadline="2019-06-30",
            mentors=[{"name": "x"}, MENTORS[1]],
            on="2019-02-10",
        )
    assert refused.value.field.startswith("mentors")
    assert app.get_branch(branch).status is BranchStatus.LAGGING


def test_bad_branch_input_records_nothing(app: rectify.RectificationApp) -> None:
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(NotFound):
        app.record_issue(
            actor=Cast.inspector, title="x", unit=UNIT, source="assessment", branch_id=UUID(int=1)
        )
    with pytest.raises(NotFound):
        app.designate_lagging(UUID(int=1), actor=Cast.verifier, kinds=["虛化"], basis="b")
    with pytest.raises(InvalidCommand):
        app.designate_lagging("not-an-id", actor=Cast.verifier, kinds=["虛化"], basis="b")
    branch = app.register_branch(
        actor=Cast.verifier, code="B-9", name="九支部", unit=UNIT, on="2019-01-02"
    )
    with pytest.raises(InvalidCommand) as refused:
        app.designate_lagging(branch, actor=Cast.verifier, kinds=[], basis="b")
    assert refused.value.field == "kinds"
    with pytest.raises(TransitionNotAllowed) as not_now:
        app.delist(branch, actor=Cast.verifier)
    assert not_now.value.kind == "branch" and not_now.value.state == "normal"
    assert app.recorder.max_notification_id() == before + 1


def test_the_readiness_policy_fires_once_also_after_a_restart(persistent_url: str) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    branch = lagging_branch(app)
    issue = app.record_issue(
        actor=Cast.inspector,
        title="組織生活不規範",
        unit=UNIT,
        source="screening",
        branch_id=branch,
        on="2019-02-02",
    )
    app.start_consolidation(
        branch,
        actor=Cast.verifier,
        plan="方案",
        deadline="2019-06-30",
        mentors=MENTORS,
        on="2019-02-10",
    )
    app.rectify_on_the_spot(issue, actor=Cast.responsible, summary="整改", on="2019-03-01")
    app.verify(issue, actor=Cast.verifier, on="2019-03-02")
    # The process dies between the close-out being saved and the policy acting on it.
    issue_agg = app._load(issue)
    issue_agg.close_out(actor=Cast.verifier, on=date(2019, 3, 3))
    app.save(issue_agg)
    assert count(app, Branch.ReadyForReassessment) == 0
    app.close()
    restarted = rectify.connect(persistent_url, today=lambda: TODAY)
    assert restarted.get_branch(branch).ready
    assert count(restarted, Branch.ReadyForReassessment) == 1
    # Running the policy again, or a second process starting, records nothing more.
    assert restarted.run_policies() == 0
    other = rectify.connect(persistent_url, today=lambda: TODAY)
    with other.views._cursor(commit=True) as c:  # even a process that lost its position
        other.views._drop_tracking(c, "rectify.readiness")
    assert other.run_policies() == 0
    assert count(other, Branch.ReadyForReassessment) == 1
    # Reopened and closed again in the same consolidation: still once.
    other.reopen(issue, actor=Cast.inspector, reason="反彈", on="2019-04-01")
    close(other, issue, "2019-04-02")
    assert count(other, Branch.ReadyForReassessment) == 1
    inv.check_branch(other, branch)
    other.close()
    restarted.close()


def test_elections_overdue_are_flagged_once(app: rectify.RectificationApp) -> None:
    late = app.register_branch(
        actor=Cast.verifier,
        code="E-1",
        name="一支部",
        unit=UNIT,
        elected_on="2015-06-01",
        on="2018-06-01",
    )
    fine = app.register_branch(
        actor=Cast.verifier,
        code="E-2",
        name="二支部",
        unit=UNIT,
        elected_on="2018-06-01",
        on="2018-06-01",
    )
    committee = app.register_branch(
        actor=Cast.verifier,
        code="E-3",
        name="機關黨委",
        kind="黨委",
        unit=UNIT,
        elected_on="2015-06-01",
        on="2018-06-01",
    )
    assert app.get_branch(late).election_due == date(2018, 6, 1)
    assert app.get_branch(committee).election_due == date(2020, 6, 1)
    assert app.get_branch(late, as_of="2018-06-01").election_overdue is False
    assert app.get_branch(late, as_of="2019-01-02").election_overdue is True
    flagged = app.flag_overdue_elections(actor=Cast.inspector, as_of="2019-06-01")
    assert len(flagged) == 1
    assert app.flag_overdue_elections(actor=Cast.inspector, as_of="2019-07-01") == flagged
    problem = app.get_issue(flagged[0])
    assert problem.branch_id == late and problem.category == "不按期換屆"
    app.record_election(late, actor=Cast.verifier, held_on="2019-07-10", on="2019-07-10")
    assert app.get_branch(late).election_overdue is False
    assert app.flag_overdue_elections(actor=Cast.inspector, as_of="2019-08-01") == []
    with pytest.raises(InvalidCommand):
        app.record_election(late, actor=Cast.verifier, held_on="2019-07-01", on="2019-07-11")
    assert not app.get_branch(fine).election_overdue


def test_a_five_good_rating(memory_app: rectify.RectificationApp) -> None:
    app = memory_app
    branch = app.register_branch(actor=Cast.verifier, code="R-1", name="一支部", unit=UNIT)
    all_met = dict.fromkeys(("team", "system", "members", "service", "integrity"), True)
    assert app.rate_branch(branch, actor=Cast.verifier, results=all_met) == "五好黨支部"
    assert (
        app.rate_branch(branch, actor=Cast.verifier, results={**all_met, "service": False}) is None
    )
    with pytest.raises(InvalidCommand):
        app.rate_branch(branch, actor=Cast.verifier, results={"team": True})
    with pytest.raises(InvalidCommand):
        app.rate_branch(branch, actor=Cast.verifier, results={**all_met, "stars": True})


# ---------------------------------------------------------------- problem lists


def test_a_problem_list_and_its_rollup(app: rectify.RectificationApp) -> None:
    common = [(f"{n:02}", f"共性問題{n}") for n in range(1, 24)]
    plist = app.issue_problem_list(
        actor=Cast.verifier,
        name="2018年度考核問題清單",
        issuer=COMMITTEE,
        issued_on="2019-01-05",
        deadline="2019-06-30",
        common_problems=common,
        on="2019-01-05",
    )
    assert len(app.problem_list(plist).common_problems) == 23
    ids = {}
    for unit in (UNIT, OTHER_UNIT):
        for code in ("01", "02"):
            ids[unit, code] = app.record_issue(
                actor=Cast.verifier,
                title=f"{unit}{code}",
                unit=unit,
                source="assessment",
                list_id=plist,
                common_problem=code,
                on="2019-01-06",
            )
    own = app.record_issue(
        actor=Cast.verifier,
        title="個性問題",
        unit=UNIT,
        source="assessment",
        list_id=plist,
        deadline="2019-03-31",
        on="2019-01-06",
    )
    assert app.get_issue(ids[UNIT, "01"]).deadline == date(2019, 6, 30)
    assert app.get_issue(own).deadline == date(2019, 3, 31)
    assert app.get_issue(own, as_of="2019-04-01").overdue
    close(app, ids[UNIT, "01"], "2019-02-01")
    app.rectify_on_the_spot(
        ids[OTHER_UNIT, "01"], actor=Cast.other_responsible, summary="x", on="2019-02-02"
    )
    rollup = app.list_rollup(plist)
    first, second = rollup.common_problems[:2]
    assert (first.units, first.rectified_units, first.closed_out_units) == (2, 2, 1)
    assert (second.units, second.rectified_units, second.closed_out_units) == (2, 0, 0)
    assert rollup.common_problems[2].units == 0 and len(rollup.common_problems) == 23
    assert (rollup.units, rollup.issues, rollup.closed_out) == (2, 5, 1)
    assert app.list_rollup(plist, as_of="2019-01-31").common_problems[0].rectified_units == 0
    assert {r.id for r in app.unit_list(plist, UNIT)} == {ids[UNIT, "01"], ids[UNIT, "02"], own}
    assert [p.name for p in app.problem_lists()] == ["2018年度考核問題清單"]


def test_bad_list_input_records_nothing(app: rectify.RectificationApp) -> None:
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(InvalidCommand) as refused:
        app.issue_problem_list(
            actor=Cast.verifier,
            name="清單",
            issuer=COMMITTEE,
            issued_on="2019-05-01",
            deadline="2019-04-30",
        )
    assert refused.value.field == "deadline"
    with pytest.raises(InvalidCommand):
        app.issue_problem_list(
            actor=Cast.verifier,
            name="清單",
            issuer=COMMITTEE,
            deadline="2019-06-30",
            common_problems=[("01", "a"), ("01", "b")],
        )
    with pytest.raises(NotFound):
        app.record_issue(
            actor=Cast.verifier, title="x", unit=UNIT, source="assessment", list_id=UUID(int=3)
        )
    plist = app.issue_problem_list(
        actor=Cast.verifier,
        name="清單",
        issuer=COMMITTEE,
        issued_on="2019-05-01",
        deadline="2019-06-30",
        common_problems=[("01", "a")],
        on="2019-05-01",
    )
    with pytest.raises(InvalidCommand) as refused:
        app.record_issue(
            actor=Cast.verifier,
            title="x",
            unit=UNIT,
            source="assessment",
            list_id=plist,
            common_problem="99",
            on="2019-05-02",
        )
    assert refused.value.field == "common_problem"
    with pytest.raises(InvalidCommand):
        app.record_issue(
            actor=Cast.verifier, title="x", unit=UNIT, source="assessment", common_problem="01"
        )
    with pytest.raises(InvalidCommand) as refused:
        app.record_issue(
            actor=Cast.verifier,
            title="x",
            unit=UNIT,
            source="assessment",
            list_id=plist,
            on="2019-04-01",
        )
    assert refused.value.field == "on"
    assert app.recorder.max_notification_id() == before + 1


# ---------------------------------------------------------------- inspection rounds


def checklist_and_round(
    app: rectify.RectificationApp, period: str = "2019-04", key: str = "r1"
) -> tuple[UUID, UUID]:
    items = [(f"{n:02}", f"巡查項目{n}") for n in range(1, 27)]
    checklist = app.define_checklist(
        actor=BOTH, name="區委巡查清單", items=items, on="2019-01-01", command_id="cl"
    )
    rnd = app.open_inspection_round(
        checklist,
        actor=BOTH,
        period=period,
        scope=[UNIT, OTHER_UNIT, "CZT-01"],
        on=f"{period}-01",
        command_id=key,
    )
    return checklist, rnd


def test_findings_import_is_idempotent_with_a_dry_run_diff(app: rectify.RectificationApp) -> None:
    branch = lagging_branch(app)
    _, rnd = checklist_and_round(app)
    findings = [
        {"target": UNIT, "item": "03", "text": "台賬不全"},
        {"target": "CZT-01", "item": "05", "text": "學習不經常"},
    ]
    before = app.recorder.max_notification_id() or 0
    dry = app.import_findings(rnd, actor=BOTH, findings=findings, dry_run=True, on="2019-04-02")
    assert app.recorder.max_notification_id() == before
    assert [k.item for k in dry.new] == ["03", "05"] and not dry.unchanged
    done = app.import_findings(
        rnd, actor=BOTH, findings=findings, visited=[OTHER_UNIT], on="2019-04-02"
    )
    assert done.issue_ids == dry.issue_ids
    after = app.recorder.max_notification_id()
    again = app.import_findings(rnd, actor=BOTH, findings=findings, on="2019-04-03")
    assert app.recorder.max_notification_id() == after and again.records_nothing
    assert len(again.unchanged) == 2
    partial = app.import_findings(
        rnd, actor=BOTH, findings=findings[:1], dry_run=True, on="2019-04-03"
    )
    assert [(k.target, k.item) for k in partial.no_longer_seen] == [(str(branch), "05")]
    on_branch = app.get_issue(done.issue_ids[f"{branch}/05"])
    assert (
        on_branch.source,
        on_branch.round_id,
        on_branch.item,
        on_branch.branch_id,
        on_branch.unit,
    ) == (
        rectify.Source.INSPECTION,
        rnd,
        "05",
        branch,
        UNIT,
    )
    assert on_branch.id in app.get_branch(branch).issues
    figures = app.round_figures(rnd)
    assert (figures.targets, figures.covered, figures.findings, figures.new_issues) == (3, 3, 2, 2)
    app.close_inspection_round(rnd, actor=BOTH, on="2019-04-30")
    with pytest.raises(TransitionNotAllowed):
        app.record_finding(rnd, actor=BOTH, target=UNIT, item="04", text="x", on="2019-05-01")


def test_a_bad_finding_rejects_the_whole_import(app: rectify.RectificationApp) -> None:
    lagging_branch(app)
    _, rnd = checklist_and_round(app)
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(InvalidCommand) as refused:
        app.import_findings(
            rnd,
            actor=BOTH,
            on="2019-04-02",
            findings=[
                {"target": UNIT, "item": "03", "text": "ok"},
                {"target": UNIT, "item": "27", "text": "not on the checklist"},
                {"target": "省衛健委", "item": "01", "text": "not in scope"},
            ],
        )
    assert {e["field"] for e in refused.value.errors} == {"findings.1.item", "findings.2.target"}
    assert app.recorder.max_notification_id() == before
    with pytest.raises(NotFound):
        app.open_inspection_round(UUID(int=5), actor=BOTH, period="2019-05", scope=[UNIT])


def test_a_problem_seen_again_after_close_out_is_reopened_not_duplicated(
    app: rectify.RectificationApp,
) -> None:
    lagging_branch(app)
    _, april = checklist_and_round(app, "2019-04", "april")
    first = app.record_finding(
        april, actor=BOTH, target=UNIT, item="07", text="制度未上牆", on="2019-04-02"
    )
    still = app.record_finding(
        april, actor=BOTH, target=OTHER_UNIT, item="08", text="未按期繳納黨費", on="2019-04-02"
    )
    close(app, first, "2019-04-20")
    _, may = checklist_and_round(app, "2019-05", "may")
    diff = app.import_findings(
        may,
        actor=BOTH,
        on="2019-05-03",
        findings=[
            {"target": UNIT, "item": "07", "text": "制度又未上牆"},
            {"target": OTHER_UNIT, "item": "08", "text": "仍未繳納"},
        ],
    )
    assert [k.item for k in diff.relapsed] == ["07"] and [k.item for k in diff.still_open] == ["08"]
    assert diff.issue_ids == {f"{UNIT}/07": first, f"{OTHER_UNIT}/08": still}
    reopened = app.get_issue(first)
    assert reopened.status is Status.ASSIGNED and reopened.reopenings == 1
    assert sum(r.item == "07" for r in app.ledger()) == 1
    figures = app.round_figures(may)
    assert (figures.findings, figures.relapses, figures.still_open_from_before) == (2, 1, 1)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(
        st.lists(
            st.tuples(st.sampled_from([UNIT, OTHER_UNIT]), st.sampled_from(["01", "02", "03"])),
            max_size=5,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_re_import_never_duplicates(batches: list[list[tuple[str, str]]]) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    _, rnd = checklist_and_round(app)
    seen: set[tuple[str, str]] = set()
    for batch in batches:
        findings = [{"target": t, "item": i, "text": f"{t}{i}"} for t, i in dict.fromkeys(batch)]
        diff = app.import_findings(rnd, actor=BOTH, findings=findings, on="2019-04-02")
        assert {(k.target, k.item) for k in diff.new} == set(dict.fromkeys(batch)) - seen
        seen |= set(batch)
    assert len(app.ledger()) == len(seen)
    assert len(app.inspection_round(rnd).findings) == len(seen)
    app.close()


# ---------------------------------------------------------------- measures


def test_measures_must_be_done_before_submission(app: rectify.RectificationApp) -> None:
    issue = app.record_issue(
        actor=Cast.verifier,
        title="機關工委整改任務清單",
        unit=UNIT,
        source="assessment",
        on="2019-01-02",
    )
    app.assign(
        issue,
        actor=Cast.verifier,
        unit=UNIT,
        person="劉處長",
        deadline="2019-06-30",
        measures=[f"措施{n}" for n in range(1, 8)],
        on="2019-01-03",
    )
    app.add_measure(issue, actor=Cast.responsible, text="措施8", due="2019-03-31", on="2019-01-04")
    for n in (1, 2, 3):
        app.complete_measure(
            issue,
            actor=Cast.verifier,
            measure=n,
            mode="central",
            campaign="專項整治",
            on="2019-02-01",
        )
    for n in (4, 5, 6, 7):
        app.complete_measure(
            issue, actor=Cast.responsible, measure=n, mode="on_the_spot", on="2019-02-02"
        )
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(TransitionNotAllowed) as refused:
        app.submit_rectification(issue, actor=Cast.responsible, summary="完成", on="2019-02-03")
    assert "8. 措施8" in str(refused.value)
    with pytest.raises(InvalidCommand):
        app.complete_measure(issue, actor=Cast.responsible, measure=1, on="2019-02-03")
    with pytest.raises(InvalidCommand):
        app.complete_measure(issue, actor=Cast.responsible, measure=9, on="2019-02-03")
    with pytest.raises(InvalidCommand):
        app.add_measure(issue, actor=Cast.responsible, text="x", due="2019-01-01", on="2019-02-03")
    assert app.recorder.max_notification_id() == before
    row = next(r for r in app.ledger() if r.id == issue)
    assert row.measures_progress == "8項中已完成7項"
    app.complete_measure(issue, actor=Cast.responsible, measure="措施8", on="2019-02-03")
    app.submit_rectification(issue, actor=Cast.responsible, summary="完成", on="2019-02-04")
    assert app.get_issue(issue).measures_progress == "8項中已完成8項"
    assert app.get_issue(issue, as_of="2019-02-01").measures_done == (1, 2, 3)


def test_an_imported_ledger_keeps_its_links_where_the_store_has_them(
    store_url: str, tmp_path: Any
) -> None:
    from rectify.adapters.spreadsheets.export import write_xlsx
    from rectify.io.importer import import_ledger

    def setup(app: rectify.RectificationApp) -> tuple[UUID, UUID]:
        branch = app.register_branch(
            actor=Cast.verifier, code="CZT-01", name="一支部", unit=UNIT, on="2019-01-02"
        )
        plist = app.issue_problem_list(
            actor=Cast.verifier,
            name="2018清單",
            issuer=COMMITTEE,
            deadline="2019-06-30",
            common_problems=[("01", "三會一課")],
            on="2019-01-03",
            command_id="list-2018",
        )
        return branch, plist

    source = rectify.connect("memory://", today=lambda: TODAY)
    branch, plist = setup(source)
    issue = source.record_issue(
        actor=Cast.verifier,
        title="三會一課不規範",
        unit=UNIT,
        source="assessment",
        list_id=plist,
        common_problem="01",
        branch_id=branch,
        on="2019-01-04",
    )
    source.assign(
        issue,
        actor=Cast.verifier,
        unit=UNIT,
        person="劉",
        deadline="2019-06-30",
        measures=["a", "b"],
        on="2019-01-05",
    )
    source.complete_measure(issue, actor=Cast.responsible, measure=1, on="2019-01-06")
    path = tmp_path / "ledger.xlsx"
    write_xlsx(path, source.ledger(), source.figures(), as_of=TODAY, known_at=None)

    bare = rectify.connect("memory://", today=lambda: TODAY)
    import_ledger(bare, path, actor=Cast.verifier)
    row = bare.ledger()[0]
    assert (row.list_id, row.common_problem, row.branch_id) == (None, None, None)

    target = rectify.connect(store_url, today=lambda: TODAY)
    setup(target)
    import_ledger(target, path, actor=Cast.verifier)
    row = target.ledger()[0]
    assert (row.id, row.list_id, row.common_problem, row.branch_id) == (issue, plist, "01", branch)
    assert target.get_branch(branch).issues == (issue,)
    assert target.list_rollup(plist).common_problems[0].units == 1
    assert source.ledger()[0].measures_progress == "2項中已完成1項"
    target.close()


def test_a_closed_round_reimported_records_nothing_and_refuses_new_findings(
    memory_app: rectify.RectificationApp,
) -> None:
    app = memory_app
    _, rnd = checklist_and_round(app)
    findings = [{"target": UNIT, "item": "02", "text": "記錄不全"}]
    app.import_findings(rnd, actor=BOTH, findings=findings, deadline="2019-05-31", on="2019-04-02")
    app.close_inspection_round(rnd, actor=BOTH, on="2019-04-30")
    count = app.recorder.max_notification_id()
    assert app.import_findings(rnd, actor=BOTH, findings=findings, on="2019-05-01").records_nothing
    more = [*findings, {"target": UNIT, "item": "03", "text": "新問題"}]
    assert [
        k.item for k in app.import_findings(rnd, actor=BOTH, findings=more, dry_run=True).new
    ] == ["03"]
    with pytest.raises(TransitionNotAllowed):
        app.import_findings(rnd, actor=BOTH, findings=more, on="2019-05-01")
    assert app.recorder.max_notification_id() == count
    issue = app.get_issue(app.inspection_round(rnd).findings[(UNIT, "02")])
    assert issue.deadline == date(2019, 5, 31)
    assert app.get_issue(issue.id, as_of="2019-06-01").overdue
    assert app.inspection_round(rnd, as_of="2019-04-15").status is rectify.RoundStatus.OPEN
    with pytest.raises(InvalidCommand):
        app.import_findings(rnd, actor=BOTH, findings=more, deadline="2019-04-01", on="2019-05-01")


def test_a_measure_done_by_central_treatment_names_its_campaign(
    memory_app: rectify.RectificationApp,
) -> None:
    app = memory_app
    issue = app.record_issue(
        actor=Cast.verifier, title="x", unit=UNIT, source="assessment", on="2019-01-02"
    )
    app.add_measure(issue, actor=Cast.verifier, text="專項整治", on="2019-01-03")
    bad_completions: tuple[Completion, ...] = (
        {"mode": "central"},
        {"campaign": "專項"},
        {"mode": "on_the_spot", "campaign": "專項"},
    )
    for bad in bad_completions:
        with pytest.raises(InvalidCommand):
            app.complete_measure(issue, actor=Cast.verifier, measure=1, on="2019-01-04", **bad)
    app.complete_measure(
        issue, actor=Cast.verifier, measure=1, mode="central", campaign="專項", on="2019-01-04"
    )
    assert app.get_issue(issue).measures_done == (1,)
