"""What-if (issue 12): the recorded history replayed under another workflow or deadline policy,
nothing written. Under a problem's own rules nothing differs; under a policy the answer is the
ledger a store would show had the policy given the deadlines (a second store, played so, is the
oracle); a workflow that forbids a recorded step names it, its actor and why; bad input is typed;
the command line prints the tables."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rectify
from rectify.domain.deadlines import SEVERITY_SLA, DeadlinePolicy
from rectify.errors import InvalidCommand, InvalidWorkflow
from rectify.projections.what_if import FIGURES
from tests.conftest import TODAY, UNIT, Cast, run_rectify
from tests.integration import test_analysis_properties as lives_of
from tests.integration.test_analysis_properties import START, Life, lives, play


def admin_closes() -> str:
    """The TOML of issue/3 with the close-out step granted to ADMIN only (renamed
    admin-closes/3): every recorded close-out is refused under it."""
    shipped = rectify.workflow_toml(rectify.domain.workflows.workflow("issue/3"))
    lines = shipped.replace('name = "issue"', 'name = "admin-closes"').splitlines()
    start = lines.index('trigger = "close_out"')
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("grants"))
    lines[end] = 'grants = ["admin"]'
    return "\n".join(lines) + "\n"


def closed_problem(app: rectify.RectificationApp, severity: str = "嚴重") -> UUID:
    """A problem found 2 Sep 2019, assigned with 60 days given, rectified on 15 Oct, verified
    and closed out."""
    issue = app.record_issue(
        actor=Cast.inspector, title="三會一課不規範", unit=UNIT, source="巡查",
        severity=severity, on="2019-09-02",
    )  # fmt: skip
    app.assign(
        issue, actor=Cast.verifier, unit=UNIT, person="劉處長", deadline="2019-11-01",
        on="2019-09-02",
    )  # fmt: skip
    app.submit_rectification(issue, actor=Cast.responsible, summary="已整改", on="2019-10-15")
    app.verify(issue, actor=Cast.verifier, on="2019-10-20")
    app.close_out(issue, actor=Cast.verifier, on="2019-10-21")
    return issue


def test_a_policy_tells_which_problems_would_be_late_and_how_the_figures_change(
    app: rectify.RectificationApp,
) -> None:
    issue = closed_problem(app)
    before = app.recorder.max_notification_id()
    ledger = app.ledger()
    kept = app.what_if(policy=SEVERITY_SLA)  # the deadline was given: kept
    assert not kept.differs and kept.problems == 1
    report = app.what_if(policy=SEVERITY_SLA, replace_given=True)
    (change,) = report.deadlines
    # 10 working days from Monday 2 Sep 2019, Friday 13 Sep (中秋節) a holiday: 17 Sep
    assert change.issue_id == issue
    assert (change.recorded_deadline, change.what_if_deadline) == (
        date(2019, 11, 1), date(2019, 9, 17),
    )  # fmt: skip
    assert change.shift == -45
    assert (change.recorded_late, change.what_if_late, change.verdict) == (
        False,
        True,
        "按期 → 逾期",
    )
    assert change.rule == "severity 嚴重: 10 working days (10個工作日)"
    total = {f.figure: (f.recorded, f.what_if) for f in report.figures if f.group == "合計"}
    assert total["on_time"] == (1, 0)
    assert total["rectified_late"] == (0, 1)
    assert total["on_time_rate"] == (1.0, 0.0)
    assert "1 would be late" in report.summary()
    # nothing written: the log and the ledger are as they were
    assert app.recorder.max_notification_id() == before
    assert app.ledger() == ledger


def test_a_workflow_that_forbids_a_recorded_step_names_it_its_actor_and_why(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    issue = closed_problem(app)
    path = tmp_path / "admin-closes.toml"
    path.write_text(admin_closes(), encoding="utf-8")
    report = app.what_if(workflow=path)
    assert report.workflow == "admin-closes/3"
    (refused,) = report.refused
    assert (refused.issue_id, refused.step, refused.on, refused.version) == (
        issue, "close_out", date(2019, 10, 21), 5,
    )  # fmt: skip
    assert refused.actor == "趙主任 (ver)"
    assert "needs admin" in refused.reason
    assert not report.deadlines and not report.figures  # the history stands as recorded
    # a definition given as an object, and a registered key, are the same question
    assert app.what_if(workflow=rectify.load_workflow(path)).refused == report.refused
    assert not app.what_if(workflow="issue/3").differs


def test_an_older_workflow_refuses_the_steps_it_did_not_have(
    app: rectify.RectificationApp,
) -> None:
    issue = app.record_issue(
        actor=Cast.inspector, title="整改措施", unit=UNIT, source="巡查", on="2019-09-02"
    )
    app.assign(
        issue, actor=Cast.verifier, unit=UNIT, person="劉處長", deadline="2019-11-01",
        measures=["建立制度", "開展培訓"], on="2019-09-02",
    )  # fmt: skip
    app.complete_measure(issue, actor=Cast.responsible, measure=1, on="2019-09-10")
    report = app.what_if(workflow="issue/1")
    assert [(r.step, r.version) for r in report.refused] == [("complete_measure", 3)]
    assert "cannot complete_measure" in report.refused[0].reason


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "workflow"),
        ({"workflow": "issue/99"}, "workflow"),
        ({"workflow": "branch/2"}, "workflow"),
        ({"workflow": 3}, "workflow"),
        ({"policy": {"by_severity": {"嚴重": "soon"}}}, "policy.by_severity.嚴重"),
        ({"policy": "10 days"}, "policy"),
        ({"policy": SEVERITY_SLA, "replace_given": "yes"}, "replace_given"),
        ({"policy": SEVERITY_SLA, "as_of": "2019-13-01"}, "as_of"),
    ],
)
def test_bad_input_is_typed_naming_the_field(
    memory_app: rectify.RectificationApp, arguments: dict[str, object], field: str
) -> None:
    closed_problem(memory_app)
    with pytest.raises(InvalidCommand) as caught:
        memory_app.what_if(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_workflow_file_with_problems_is_refused_with_its_lines(
    memory_app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(admin_closes().replace('"admin"', '"nobody"'), encoding="utf-8")
    with pytest.raises(InvalidWorkflow) as caught:
        memory_app.what_if(workflow=path)
    assert caught.value.problems and caught.value.problems[0].line > 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    played=st.lists(lives, min_size=1, max_size=5),
    allowance=st.integers(1, 20),
    as_of=st.integers(0, 150),
)
def test_under_a_policy_the_answer_is_the_ledger_of_a_store_it_gave_the_deadlines(
    played: list[Life], allowance: int, as_of: int
) -> None:
    """Oracle: the same lives played into a second store with every deadline given as the policy
    would give it. The what-if of the first store must show that store's deadlines, lateness,
    days overdue and figures; and under its own rules, nothing differs."""
    recorded = rectify.connect("memory://", today=lambda: lives_of.TODAY)
    oracle = rectify.connect("memory://", today=lambda: lives_of.TODAY)
    try:
        for k, life in enumerate(played):
            play(recorded, life, k)
            play(oracle, dataclasses.replace(life, allowance=allowance), k)
        day = START + timedelta(days=as_of)
        assert not recorded.what_if(workflow="issue/3", as_of=day).differs
        policy = DeadlinePolicy.model_validate({"by_source": {"inspection": allowance}})
        report = recorded.what_if(policy=policy, replace_given=True, as_of=day)
        changed = {c.issue_id: c for c in report.deadlines}
        theirs = {r.title: r for r in oracle.ledger(day)}  # ids differ: titles are unique
        for row in recorded.ledger(day):
            other = theirs[row.title]
            change = changed.get(row.id)
            if change is None:  # nothing differs: the oracle shows the recorded row's facts
                assert (row.deadline, row.days_overdue) == (other.deadline, other.days_overdue)
                assert (row.overdue or row.rectified_late) == (
                    other.overdue or other.rectified_late
                )
                continue
            assert change.recorded_deadline == row.deadline
            assert change.what_if_deadline == other.deadline
            assert change.what_if_days_overdue == other.days_overdue
            assert change.what_if_late == (other.overdue or other.rectified_late)
        mine, expected = recorded.figures(day), oracle.figures(day)
        for figure, _ in FIGURES:
            shown = [f for f in report.figures if f.group == "合計" and f.figure == figure]
            want = getattr(expected.total, figure)
            if shown:
                assert shown[0].what_if == want
            else:
                assert getattr(mine.total, figure) == want
    finally:
        recorded.close()
        oracle.close()


def test_the_command_line_prints_the_tables(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/ledger.db"
    app = rectify.connect(db, today=lambda: TODAY)
    try:
        closed_problem(app)
    finally:
        app.close()
    policy = tmp_path / "sla.toml"
    policy.write_text('[by_severity]\n"嚴重" = "10 working days"\n', encoding="utf-8")
    shown = run_rectify(
        "what-if", "--db", db, "--policy", str(policy), "--replace-given", "--as-of", "2019-12-31"
    )
    assert shown.returncode == 0, shown.stderr
    assert "2019-11-01" in shown.stdout and "2019-09-17" in shown.stdout
    assert "按期 → 逾期" in shown.stdout and "按期整改率" in shown.stdout
    flow = tmp_path / "admin-closes.toml"
    flow.write_text(admin_closes(), encoding="utf-8")
    shown = run_rectify("what-if", "--db", db, "--workflow", str(flow), "--as-of", "2019-12-31")
    assert shown.returncode == 0, shown.stderr
    assert "close_out" in shown.stdout and "1 step(s) refused" in shown.stdout
    policy.write_text('[by_severity]\n"嚴重" = "soon"\n', encoding="utf-8")
    shown = run_rectify("what-if", "--db", db, "--policy", str(policy))
    assert shown.returncode == 2
    assert "policy.by_severity.嚴重" in shown.stdout


def test_a_workflows_own_deadlines_are_its_what_if_policy(
    memory_app: rectify.RectificationApp, tmp_path: Path
) -> None:
    closed_problem(memory_app)
    path = tmp_path / "sla.toml"
    path.write_text(
        admin_closes() + '\n[deadlines.by_severity]\n"嚴重" = "10 working days"\n',
        encoding="utf-8",
    )
    report = memory_app.what_if(workflow=path, replace_given=True)
    assert len(report.refused) == 1  # the close-out
    (change,) = report.deadlines
    assert change.what_if_deadline == date(2019, 9, 17)
    assert report.policy is not None and "嚴重" in report.policy
    assert not memory_app.what_if(workflow=path).deadlines  # a given deadline is kept


def test_an_extension_never_pulls_a_later_what_if_deadline_back(
    memory_app: rectify.RectificationApp,
) -> None:
    """Assigned with 10 days (13 Jun), extended to 20 Jun, rectified 30 Jun: late. Under 60 days
    the deadline is 2 Aug, which the extension must not pull back to 20 Jun: on time."""
    issue = memory_app.record_issue(
        actor=Cast.inspector, title="延期", unit=UNIT, source="巡查", on="2019-06-03"
    )
    memory_app.assign(
        issue, actor=Cast.verifier, unit=UNIT, person="劉處長", deadline="2019-06-13",
        on="2019-06-03",
    )  # fmt: skip
    memory_app.extend_deadline(
        issue, actor=Cast.verifier, new_deadline="2019-06-20", reason="材料未齊", on="2019-06-10"
    )
    memory_app.submit_rectification(
        issue, actor=Cast.responsible, summary="已整改", on="2019-06-30"
    )
    report = memory_app.what_if(policy={"by_severity": {"一般": "60 days"}}, replace_given=True)
    (change,) = report.deadlines
    assert (change.recorded_deadline, change.what_if_deadline) == (
        date(2019, 6, 20), date(2019, 8, 2),
    )  # fmt: skip
    assert change.verdict == "逾期 → 按期"
