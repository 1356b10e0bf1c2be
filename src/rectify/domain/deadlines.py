"""Deadlines (整改時限) given by a policy, counted in calendar days or in working days (工作日).

A :class:`DeadlinePolicy` is data declared once: a :class:`DeadlineRule` (N calendar days, N
working days from the assignment, or a fixed date) per problem list, per source and per severity.
When a problem is assigned without a deadline, the most specific rule that covers it gives one:
its list's, else its source's, else its severity's (:meth:`DeadlinePolicy.rule_for`).

Working days follow a :class:`WorkingCalendar`, which is data too: the public holidays and the
adjusted working weekends (调休) of the years it knows, and its version. This module only counts
over it (pure: no I/O); the application reads the calendar through an adapter
(:mod:`rectify.adapters.calendars`, from the ``chinese-calendar`` package) and records the
calendar's version with the deadline it computed, so a recorded deadline never moves when the
calendar is updated. A day of a year the calendar does not know raises
:class:`~rectify.errors.UnknownCalendarYear`, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, PositiveInt, model_validator

from rectify.domain.values import Day, LabelledEnum, Severity, Source, parse_day
from rectify.errors import UnknownCalendarYear

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days, for the years ``first_year`` to ``last_year``.

    A day is a working day when it is an adjusted working day (调休, usually a weekend), or a
    weekday that is not a holiday. ``version`` names the calendar's data (recorded with every
    deadline counted over it)."""

    version: str
    first_year: int
    last_year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]

    def knows(self, day: date) -> bool:
        """Whether ``day`` is of a year this calendar knows."""
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date, field: str = "deadline") -> bool:
        """Whether ``day`` is a working day (:class:`UnknownCalendarYear` for ``field`` when its
        year is not known)."""
        if not self.knows(day):
            raise UnknownCalendarYear(day, self.version, (self.first_year, self.last_year), field)
        return day in self.working_weekends or (day.weekday() < 5 and day not in self.holidays)


def add_working_days(
    calendar: WorkingCalendar, start: date, days: int, field: str = "deadline"
) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0).

    ``start`` need not be a working day; the result always is (for ``days`` ≥ 1)."""
    if days < 0:
        msg = f"cannot add {days} working days: count forwards"
        raise ValueError(msg)
    day = start
    left = days
    while left:
        day += _DAY
        left -= calendar.is_working_day(day, field)
    return day


def working_days_between(
    calendar: WorkingCalendar, start: date, end: date, field: str = "deadline"
) -> int:
    """How many working days come after ``start`` up to and including ``end`` (negative when
    ``end`` is before ``start``): ``add_working_days(c, d, n)`` is ``n`` working days after ``d``."""
    if end < start:
        return -working_days_between(calendar, end, start, field)
    count = 0
    day = start
    while day < end:
        day += _DAY
        count += calendar.is_working_day(day, field)
    return count


class DayCount(LabelledEnum):
    """What a rule counts: calendar days or working days."""

    CALENDAR = ("calendar", "自然日")
    WORKING = ("working", "工作日")


_RULE_TEXT = re.compile(
    r"^\s*(?P<n>\d+)\s*(?:(?P<kind>working|calendar|工作|自然)?\s*(?:days?|日|天)?)\s*$",
    re.IGNORECASE,
)


class DeadlineRule(BaseModel):
    """How a deadline is given: ``days`` counted as ``count`` (calendar or working days) from the
    assignment, or a ``fixed`` date.

    In data it may be written as text: ``"10 working days"`` (or ``"10工作日"``), ``"30 days"``
    (calendar days, also ``"30 calendar days"``, ``"30自然日"``, ``"30天"``, or just ``30``), or a
    date ``"2019-12-31"``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: PositiveInt | None = None
    count: DayCount = DayCount.CALENDAR
    fixed: Day | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"days": data}
        if isinstance(data, date):
            return {"fixed": data}
        if not isinstance(data, str):
            return data
        found = _RULE_TEXT.match(data)
        if found is not None:
            working = (found["kind"] or "").lower() in ("working", "工作")
            count = DayCount.WORKING if working else DayCount.CALENDAR
            return {"days": int(found["n"]), "count": count}
        try:
            return {"fixed": parse_day(data)}
        except ValueError:
            msg = f"{data[:40]!r} is not a rule: write '10 working days', '30 days' or a date"
            raise ValueError(msg) from None

    @model_validator(mode="after")
    def _days_or_a_date(self) -> DeadlineRule:
        if (self.days is None) == (self.fixed is None):
            msg = "a rule gives either a number of days or a fixed date"
            raise ValueError(msg)
        return self

    def __str__(self) -> str:
        if self.fixed is not None:
            return f"fixed {self.fixed}"
        unit = "day" if self.days == 1 else "days"
        return f"{self.days} {self.count.value} {unit} ({self.days}個{self.count.label})"

    def deadline_from(
        self, assigned_on: date, calendar: WorkingCalendar
    ) -> tuple[date, str | None]:
        """The deadline for a problem assigned on ``assigned_on``, with the version of the
        calendar it was counted over (None: no calendar was needed)."""
        if self.fixed is not None:
            return self.fixed, None
        assert self.days is not None  # one or the other, validated
        if self.count is DayCount.WORKING:
            return add_working_days(calendar, assigned_on, self.days), calendar.version
        return assigned_on + timedelta(days=self.days), None


class ComputedDeadline(BaseModel):
    """A deadline a policy gave: the date, which rule gave it (``"severity 嚴重: 10 working
    days (10個工作日)"``) and the version of the calendar it was counted over (None for
    calendar days and fixed dates)."""

    model_config = ConfigDict(frozen=True)

    deadline: date
    rule: str
    calendar: str | None


class DeadlinePolicy(BaseModel):
    """The rules that give a deadline when a problem is assigned without one.

    Precedence, the most specific first: the problem's list (``by_list``, by the list's id),
    then its source (``by_source``), then its severity (``by_severity``, the SLA). A problem
    no rule covers needs its deadline given. Keys may be written as the enums' values or
    Chinese labels (``{"嚴重": "10 working days"}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by_list: dict[UUID, DeadlineRule] = {}
    by_source: dict[Source, DeadlineRule] = {}
    by_severity: dict[Severity, DeadlineRule] = {}

    def rule_for(
        self, *, list_id: UUID | None, source: Source, severity: Severity
    ) -> tuple[str, DeadlineRule] | None:
        """The rule that covers a problem, with what chose it (``"list …"``, ``"source 巡查"``,
        ``"severity 嚴重"``), or None."""
        if list_id is not None and list_id in self.by_list:
            return f"list {list_id}", self.by_list[list_id]
        if source in self.by_source:
            return f"source {source.label}", self.by_source[source]
        if severity in self.by_severity:
            return f"severity {severity.label}", self.by_severity[severity]
        return None

    def deadline_for(
        self,
        *,
        list_id: UUID | None,
        source: Source,
        severity: Severity,
        assigned_on: date,
        calendar: WorkingCalendar,
    ) -> ComputedDeadline | None:
        """The deadline of a problem assigned on ``assigned_on``, or None when no rule covers
        it (:class:`UnknownCalendarYear` when working days reach a year ``calendar`` lacks)."""
        found = self.rule_for(list_id=list_id, source=source, severity=severity)
        if found is None:
            return None
        chosen_by, rule = found
        deadline, version = rule.deadline_from(assigned_on, calendar)
        return ComputedDeadline(deadline=deadline, rule=f"{chosen_by}: {rule}", calendar=version)


NO_POLICY = DeadlinePolicy()
"""No rule: every assignment gives its deadline (the default)."""

SEVERITY_SLA = DeadlinePolicy(
    by_severity={
        Severity.SERIOUS: DeadlineRule(days=10, count=DayCount.WORKING),
        Severity.NORMAL: DeadlineRule(days=30, count=DayCount.WORKING),
        Severity.MINOR: DeadlineRule(days=60),
    }
)
"""An SLA by severity: 嚴重 10 working days, 一般 30 working days, 輕微 60 calendar days."""
