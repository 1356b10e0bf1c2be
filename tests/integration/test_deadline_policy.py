"""Deadlines a policy gives (issue 12), through the application on SQLite (and PostgreSQL when
there is one): an assignment without a deadline takes its rule's, counted in working days with
调休; the rule and the calendar's version are recorded with it and kept when the calendar is
updated; the ledger, the issue and the audit trail show them; the figures count on time and late
by severity; a year the calendar does not know is refused; views of schema 5 are upgraded."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pandas as pd
import pytest

import rectify
import rectify.analysis as analysis
from rectify.adapters.calendars import chinese_working_calendar
from rectify.domain.deadlines import SEVERITY_SLA, WorkingCalendar
from rectify.errors import InvalidCommand, UnknownCalendarYear
from rectify.testing import invariants as inv
from tests.conftest import UNIT, Cast

TODAY = date(2024, 12, 31)
VERSION = chinese_working_calendar().version
SERIOUS_RULE = "severity 嚴重: 10 working days (10個工作日)"


@pytest.fixture
def app(persistent_url: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(persistent_url, today=lambda: TODAY, deadline_policy=SEVERITY_SLA)
    yield application
    application.close()


def found(app: rectify.RectificationApp, severity: str = "嚴重", on: str = "2024-09-20") -> UUID:
    return app.record_issue(
        actor=Cast.inspector, title=f"{severity}問題", unit=UNIT, source="巡查",
        severity=severity, on=on,
    )  # fmt: skip


def assign(app: rectify.RectificationApp, issue_id: UUID, on: str = "2024-09-27") -> None:
    app.assign(issue_id, actor=Cast.verifier, unit=UNIT, person="劉處長", on=on)


def test_an_assignment_without_a_deadline_takes_the_policys_and_keeps_it(
    app: rectify.RectificationApp, persistent_url: str
) -> None:
    issue_id = found(app)
    assign(app, issue_id)  # 27 Sep 2024; Sunday 29 Sep and Saturday 12 Oct were worked (调休)
    view = app.get_issue(issue_id)
    assert view.deadline == date(2024, 10, 16)
    assert (view.deadline_rule, view.deadline_calendar) == (SERIOUS_RULE, VERSION)
    (row,) = app.ledger()
    assert (row.deadline, row.deadline_rule, row.deadline_calendar) == (
        date(2024, 10, 16), SERIOUS_RULE, VERSION,
    )  # fmt: skip
    details = app.audit_trail(issue_id)[-1].details
    assert details["deadline_rule"] == SERIOUS_RULE and details["calendar"] == VERSION
    app.close()

    # Opened again without the policy, the views rebuilt: the recorded deadline stays.
    again = rectify.connect(persistent_url, today=lambda: TODAY)
    try:
        again.rebuild_views()
        view = again.get_issue(issue_id)
        assert (view.deadline, view.deadline_rule, view.deadline_calendar) == (
            date(2024, 10, 16), SERIOUS_RULE, VERSION,
        )  # fmt: skip
        inv.ledger_equals_replay(again, TODAY, None)
    finally:
        again.close()


def test_an_updated_calendar_moves_no_recorded_deadline(app: rectify.RectificationApp) -> None:
    before = found(app)
    assign(app, before)
    # A later release of the calendar (say, a day off added on 8 Oct 2024) applies to new
    # assignments only; the one recorded keeps its date and names the calendar it was counted on.
    current = chinese_working_calendar()
    updated = dataclasses.replace(
        current,
        version="chinese-calendar 99.0.0",
        holidays=current.holidays | {date(2024, 10, 8)},
    )

    def newer() -> WorkingCalendar:
        return updated

    app.working_calendar = newer  # type: ignore[method-assign]
    after = found(app)
    assign(app, after)
    app.rebuild_views()
    old, new = app.get_issue(before), app.get_issue(after)
    assert (old.deadline, old.deadline_calendar) == (date(2024, 10, 16), VERSION)
    assert (new.deadline, new.deadline_calendar) == (date(2024, 10, 17), "chinese-calendar 99.0.0")


def test_a_given_deadline_wins_and_an_extension_is_given_too(
    app: rectify.RectificationApp,
) -> None:
    issue_id = found(app)
    app.assign(issue_id, actor=Cast.verifier, unit=UNIT, person="p", deadline="2024-11-30",
               on="2024-09-27")  # fmt: skip
    view = app.get_issue(issue_id)
    assert (view.deadline, view.deadline_rule, view.deadline_calendar) == (
        date(2024, 11, 30), None, None,
    )  # fmt: skip
    assert "deadline_rule" not in app.audit_trail(issue_id)[-1].details  # none was recorded
    other = found(app)
    assign(app, other)
    app.extend_deadline(other, actor=Cast.admin, new_deadline="2024-12-20", reason="延期",
                        on="2024-10-10")  # fmt: skip
    view = app.get_issue(other)
    assert (view.deadline, view.deadline_rule, view.deadline_calendar) == (
        date(2024, 12, 20), None, None,
    )  # fmt: skip


def test_no_deadline_and_no_rule_for_the_problem_is_refused(persistent_url: str) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)  # no policy
    try:
        issue_id = found(app)
        with pytest.raises(InvalidCommand) as refused:
            assign(app, issue_id)
        assert refused.value.field == "deadline"
        assert app.get_issue(issue_id).status is rectify.Status.FOUND
    finally:
        app.close()


def test_a_year_the_calendar_does_not_know_is_refused_and_nothing_recorded(
    persistent_url: str,
) -> None:
    last = chinese_working_calendar().last_year
    end = date(last, 12, 31)
    app = rectify.connect(persistent_url, today=lambda: end, deadline_policy=SEVERITY_SLA)
    try:
        issue_id = found(app, on=f"{last}-12-01")
        with pytest.raises(UnknownCalendarYear) as refused:
            assign(app, issue_id, on=f"{last}-12-20")  # 10 working days reach the next year
        assert isinstance(refused.value, InvalidCommand) and refused.value.field == "deadline"
        assert str(last + 1) in str(refused.value)
        assert app.get_issue(issue_id).status is rectify.Status.FOUND
        # Calendar days need no calendar: 一般 under a calendar-day rule is still given.
        policy = {"by_severity": {"一般": "30 days"}}
        app.deadline_policy = rectify.connect("memory://", deadline_policy=policy).deadline_policy
        normal = found(app, "一般", on=f"{last}-12-01")
        assign(app, normal, on=f"{last}-12-20")
        assert app.get_issue(normal).deadline == date(last + 1, 1, 19)
    finally:
        app.close()


def test_a_policy_given_as_data_is_checked_when_connecting() -> None:
    with pytest.raises(InvalidCommand) as refused:
        rectify.connect("memory://", deadline_policy={"by_severity": {"嚴重": "soon"}})
    assert refused.value.field.startswith("deadline_policy.by_severity")


def test_the_figures_count_on_time_and_late_by_severity(app: rectify.RectificationApp) -> None:
    late, on_time, waiting = found(app), found(app, "一般"), found(app, "一般")
    for issue_id in (late, on_time, waiting):
        assign(app, issue_id)  # 嚴重 by 16 Oct 2024; 一般 (30 working days) by 13 Nov 2024
    app.submit_rectification(late, actor=Cast.responsible, summary="遲了", on="2024-10-17")
    app.submit_rectification(on_time, actor=Cast.responsible, summary="按期", on="2024-11-13")
    figures = app.figures(as_of="2024-11-14")
    serious, normal = figures.by_severity["serious"], figures.by_severity["normal"]
    assert (serious.found, serious.on_time, serious.late, serious.rectified_late) == (1, 0, 1, 1)
    assert (normal.found, normal.on_time, normal.late, normal.overdue) == (2, 1, 1, 1)
    assert normal.on_time_rate == 0.5 and serious.on_time_rate == 0.0
    assert app.figures(as_of="2024-11-13").by_severity["normal"].late == 0  # due that day


def test_views_of_schema_5_are_upgraded_in_place_and_equal_a_replay(tmp_path: Path) -> None:
    store = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "store-v0.2.0.db", store)
    old_today = date(2019, 12, 31)
    app = rectify.connect(f"sqlite:///{store}", today=lambda: old_today, create=False)
    try:
        assert app.pending_events() == 0  # not rebuilt: upgraded
        rows = app.ledger()
        assert rows and all(r.deadline_rule is None and r.deadline_calendar is None for r in rows)
        inv.ledger_equals_replay(app, old_today, None)
        inv.ledger_equals_replay(app, date(2019, 6, 30), None)
    finally:
        app.close()


def test_the_analysts_timeline_names_the_rule_of_each_deadline(
    app: rectify.RectificationApp,
) -> None:
    by_rule = found(app)
    assign(app, by_rule)
    given = found(app, "一般")
    app.assign(
        given, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2024-12-01", on="2024-09-27"
    )
    frame = analysis.timeline(app).set_index("id")
    assert frame.loc[str(by_rule), "deadline_rule"] == SERIOUS_RULE
    assert pd.isna(frame.loc[str(given), "deadline_rule"])
    assert frame["deadline_rule"].dtype == "category"
