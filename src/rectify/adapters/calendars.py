"""Working calendars read from their sources, as the data the domain counts over.

``chinese-calendar`` (import name ``chinese_calendar``) is the maintained table of the Chinese
public holidays and adjusted working weekends (调休), one release a year once the State Council
publishes the next year's arrangement. Its version is the calendar's version that every deadline
counted over it records (:mod:`rectify.domain.deadlines`).
"""

from __future__ import annotations

import functools

from rectify.domain.deadlines import WorkingCalendar


@functools.cache
def chinese_working_calendar() -> WorkingCalendar:
    """The Chinese working calendar of the installed ``chinese-calendar``, read once."""
    import chinese_calendar  # type: ignore[import-untyped]  # no py.typed marker
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    working = frozenset(constants.workdays)
    years = {d.year for d in holidays}
    return WorkingCalendar(
        version=f"chinese-calendar {chinese_calendar.__version__}",
        first_year=min(years),
        last_year=max(years),
        holidays=holidays,
        working_weekends=working,
    )
