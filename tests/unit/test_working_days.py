"""Working days (工作日) with 调休, and deadline policies: the arithmetic and the choice of rule.

The calendar counted over is chinese-calendar's, read by the adapter as data; the library's own
``is_workday`` is the oracle the properties compare with.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectify.adapters.calendars import chinese_working_calendar
from rectify.domain.commands import Assign
from rectify.domain.deadlines import (
    SEVERITY_SLA,
    DayCount,
    DeadlinePolicy,
    DeadlineRule,
    add_working_days,
    working_days_between,
)
from rectify.domain.issue import Issue
from rectify.domain.values import Severity, Source
from rectify.errors import InvalidCommand, UnknownCalendarYear
from tests.conftest import UNIT, Cast

CALENDAR = chinese_working_calendar()
FIRST, LAST = date(CALENDAR.first_year, 1, 1), date(CALENDAR.last_year, 12, 31)

# Starts that leave room for 100 working days (about 150 calendar days) within known years.
starts = st.dates(min_value=FIRST, max_value=LAST - timedelta(days=200))
counts = st.integers(min_value=0, max_value=100)
# Around the year ends and the long holidays with their 调休: late December to mid-February
# (New Year, Spring Festival), late September to mid-October (National Day).
year_ends = st.builds(
    lambda year, offset: date(year, 12, 20) + timedelta(days=offset),
    st.integers(CALENDAR.first_year, CALENDAR.last_year - 1),
    st.integers(0, 60),
)
golden_weeks = st.builds(
    lambda year, offset: date(year, 9, 20) + timedelta(days=offset),
    st.integers(CALENDAR.first_year, CALENDAR.last_year - 1),
    st.integers(0, 25),
)
around_holidays = starts | year_ends | golden_weeks


def oracle_is_working(day: date) -> bool:
    """chinese-calendar's own answer: a working day, and a weekend only if adjusted (调休)."""
    working: bool = chinese_calendar.is_workday(day)
    if working and day.weekday() >= 5:
        assert day in chinese_calendar.workdays  # an adjusted working weekend
    return working


@given(around_holidays, counts)
def test_counting_the_working_days_to_n_working_days_later_gives_n(start: date, n: int) -> None:
    end = add_working_days(CALENDAR, start, n)
    assert working_days_between(CALENDAR, start, end) == n
    assert working_days_between(CALENDAR, end, start) == -n


@given(around_holidays, st.integers(min_value=1, max_value=100))
def test_a_working_day_deadline_is_a_working_day_and_skips_none(start: date, n: int) -> None:
    end = add_working_days(CALENDAR, start, n)
    assert oracle_is_working(end)  # never a holiday, nor a weekend unless 调休
    between = [start + timedelta(days=k) for k in range(1, (end - start).days)]
    assert sum(map(oracle_is_working, between)) == n - 1  # no working day skipped


@given(around_holidays, counts)
def test_more_working_days_give_a_strictly_later_deadline(start: date, n: int) -> None:
    assert add_working_days(CALENDAR, start, n) < add_working_days(CALENDAR, start, n + 1)


@given(around_holidays, around_holidays)
def test_working_days_between_add_up(a: date, b: date) -> None:
    mid = min(a, b) + (max(a, b) - min(a, b)) / 2
    whole = working_days_between(CALENDAR, a, b)
    assert whole == working_days_between(CALENDAR, a, mid) + working_days_between(CALENDAR, mid, b)


@given(st.dates(max_value=FIRST - timedelta(days=1)) | st.dates(min_value=LAST + timedelta(days=1)))
def test_a_day_of_a_year_the_calendar_does_not_know_is_refused_not_guessed(day: date) -> None:
    with pytest.raises(UnknownCalendarYear) as refused:
        CALENDAR.is_working_day(day)
    assert isinstance(refused.value, InvalidCommand) and refused.value.field == "deadline"
    assert str(day.year) in str(refused.value) and CALENDAR.version in str(refused.value)


@given(st.dates(min_value=LAST - timedelta(days=40), max_value=LAST), st.integers(30, 100))
def test_working_days_that_run_past_the_last_known_year_are_refused(start: date, n: int) -> None:
    with pytest.raises(UnknownCalendarYear, match=str(CALENDAR.last_year + 1)):
        add_working_days(CALENDAR, start, n)


@pytest.mark.parametrize(
    ("start", "n", "deadline"),
    [
        (date(2024, 9, 27), 1, date(2024, 9, 29)),  # Sunday 29 Sep 2024 was worked (调休)
        (date(2024, 9, 27), 3, date(2024, 10, 8)),  # then the National Day week off
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # past New Year to a worked Sunday
        (date(2023, 12, 29), 1, date(2024, 1, 2)),  # across a year end
        (date(2024, 2, 2), 1, date(2024, 2, 4)),  # a Sunday worked before Spring Festival
        (date(2024, 5, 1), 0, date(2024, 5, 1)),  # zero days: the day itself, even a holiday
    ],
)
def test_known_deadlines_around_tiaoxiu_and_year_ends(start: date, n: int, deadline: date) -> None:
    assert add_working_days(CALENDAR, start, n) == deadline


def test_the_calendar_names_its_version() -> None:
    assert CALENDAR.version == f"chinese-calendar {chinese_calendar.__version__}"


# ---------------------------------------------------------------- rules and policies


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("10 working days", DeadlineRule(days=10, count=DayCount.WORKING)),
        ("10工作日", DeadlineRule(days=10, count=DayCount.WORKING)),
        ("30 days", DeadlineRule(days=30)),
        ("30 calendar days", DeadlineRule(days=30)),
        ("30自然日", DeadlineRule(days=30)),
        ("30天", DeadlineRule(days=30)),
        (30, DeadlineRule(days=30)),
        ("2019-12-31", DeadlineRule(fixed=date(2019, 12, 31))),
    ],
)
def test_a_rule_is_written_as_data(text: object, rule: DeadlineRule) -> None:
    assert DeadlineRule.model_validate(text) == rule


@pytest.mark.parametrize("bad", ["soon", "0 days", "-3 days", {"days": 3, "fixed": "2019-01-01"}])
def test_a_rule_that_is_not_one_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"rule|greater than 0|either"):
        DeadlineRule.model_validate(bad)


def test_a_rule_gives_its_deadline_with_the_calendar_it_needed() -> None:
    on = date(2024, 9, 27)
    working = DeadlineRule(days=3, count=DayCount.WORKING)
    assert working.deadline_from(on, CALENDAR) == (date(2024, 10, 8), CALENDAR.version)
    assert DeadlineRule(days=3).deadline_from(on, CALENDAR) == (date(2024, 9, 30), None)
    fixed = DeadlineRule(fixed=date(2024, 12, 31))
    assert fixed.deadline_from(on, CALENDAR) == (date(2024, 12, 31), None)
    assert str(working) == "3 working days (3個工作日)"


LIST = UUID("00000000-0000-4000-8000-000000000012")  # fixed: test ids name it
POLICY = DeadlinePolicy.model_validate(
    {
        "by_list": {str(LIST): "2024-12-31"},
        "by_source": {"巡視巡察反饋": "5 working days"},
        "by_severity": {"嚴重": "10 working days", "normal": "30 days"},
    }
)


@pytest.mark.parametrize(
    ("list_id", "source", "severity", "chosen"),
    [
        (LIST, Source.PATROL_FEEDBACK, Severity.SERIOUS, f"list {LIST}"),  # the list first
        (None, Source.PATROL_FEEDBACK, Severity.SERIOUS, "source 巡視巡察反饋"),  # then the source
        (UUID(int=7), Source.INSPECTION, Severity.SERIOUS, "severity 嚴重"),  # then the severity
        (None, Source.INSPECTION, Severity.NORMAL, "severity 一般"),
    ],
)
def test_the_most_specific_rule_gives_the_deadline(
    list_id: object, source: Source, severity: Severity, chosen: str
) -> None:
    found = POLICY.rule_for(list_id=list_id, source=source, severity=severity)  # type: ignore[arg-type]
    assert found is not None and found[0] == chosen


def test_no_rule_covering_a_problem_gives_no_deadline() -> None:
    assert POLICY.rule_for(list_id=None, source=Source.INSPECTION, severity=Severity.MINOR) is None
    given = POLICY.deadline_for(
        list_id=None,
        source=Source.INSPECTION,
        severity=Severity.MINOR,
        assigned_on=date(2024, 9, 27),
        calendar=CALENDAR,
    )
    assert given is None


def test_the_sla_by_severity_says_which_rule_gave_the_deadline() -> None:
    given = SEVERITY_SLA.deadline_for(
        list_id=None,
        source=Source.INSPECTION,
        severity=Severity.SERIOUS,
        assigned_on=date(2024, 9, 27),
        calendar=CALENDAR,
    )
    assert given is not None
    assert given.deadline == date(2024, 10, 16)
    assert given.rule == "severity 嚴重: 10 working days (10個工作日)"
    assert given.calendar == CALENDAR.version
    minor = SEVERITY_SLA.deadline_for(
        list_id=None,
        source=Source.INSPECTION,
        severity=Severity.MINOR,
        assigned_on=date(2024, 9, 27),
        calendar=CALENDAR,
    )
    assert minor is not None and minor.calendar is None  # calendar days need no calendar


def test_a_policy_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="by_severity"):
        DeadlinePolicy.model_validate({"by_severity": {"urgent": "3 days"}})


def test_an_assignment_records_a_rule_only_with_the_deadline_it_gave() -> None:
    on = date(2024, 9, 27)
    # No deadline: the issue refuses it unless the application's policy gives one.
    assert Assign(actor=Cast.verifier, on=on, unit=UNIT, person="p").deadline is None
    with pytest.raises(ValueError, match="deadline_rule goes with the deadline"):
        Assign(actor=Cast.verifier, on=on, unit=UNIT, person="p", deadline_rule="severity 嚴重")
    with pytest.raises(ValueError, match="calendar goes with the deadline_rule"):
        Assign(actor=Cast.verifier, on=on, unit=UNIT, person="p", deadline=date(2024, 10, 16),
               calendar=CALENDAR.version)  # fmt: skip


def test_the_issue_refuses_an_assignment_without_a_deadline() -> None:
    issue = Issue.record(actor=Cast.inspector, on=date(2024, 9, 20), title="t", unit=UNIT,
                         source=Source.INSPECTION)  # fmt: skip
    with pytest.raises(InvalidCommand) as refused:
        issue.assign(actor=Cast.verifier, on=date(2024, 9, 27), unit=UNIT, person="p")
    assert refused.value.field == "deadline" and len(issue.pending_events) == 1
    issue.assign(actor=Cast.verifier, on=date(2024, 9, 27), unit=UNIT, person="p",
                 deadline=date(2024, 10, 16), deadline_rule="severity 嚴重: 10 working days",
                 calendar=CALENDAR.version)  # fmt: skip
    assert (issue.deadline_rule, issue.deadline_calendar) == (
        "severity 嚴重: 10 working days", CALENDAR.version,
    )  # fmt: skip
