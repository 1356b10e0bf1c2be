"""The periodic notification (通報): per unit, what happened in a month, quarter or year.

For each unit: problems found, rectified and closed out in the period, those overdue at its end,
and those rectified late in it — the figures that feed the year-end assessment. Read from the
ledger as it stood at the end of the period.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from pydantic import BaseModel, ConfigDict

from rectify.errors import InvalidCommand
from rectify.projections.ledger import LedgerRow


class Period(BaseModel):
    """A reporting period: ``2019-06`` (month), ``2019-Q2`` (quarter) or ``2019`` (year)."""

    model_config = ConfigDict(frozen=True)

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> Period:
        if not isinstance(text, str):
            msg = f"a period is text such as 2019-06, 2019-Q2 or 2019, not a {type(text).__name__}"
            raise InvalidCommand("period", msg)
        text = text.strip()
        try:
            return cls._parse(text)
        except ValueError:  # a year or month out of range for a date
            pass
        msg = f"{text[:40]!r}: write a month (2019-06), a quarter (2019-Q2) or a year (2019)"
        raise InvalidCommand("period", msg)

    @classmethod
    def _parse(cls, text: str) -> Period:
        if m := re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text):
            year, month = int(m[1]), int(m[2])
            if 1 <= month <= 12:
                last = calendar.monthrange(year, month)[1]
                return cls(
                    label=f"{year}-{month:02d}",
                    start=date(year, month, 1),
                    end=date(year, month, last),
                )
        if m := re.fullmatch(r"([0-9]{4})-?[Qq]([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = 3 * quarter - 2
            last = calendar.monthrange(year, first + 2)[1]
            return cls(
                label=f"{year}-Q{quarter}",
                start=date(year, first, 1),
                end=date(year, first + 2, last),
            )
        if re.fullmatch(r"[0-9]{4}", text):
            year = int(text)
            return cls(label=text, start=date(year, 1, 1), end=date(year, 12, 31))
        raise ValueError(text)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


class NoticeLine(BaseModel):
    """One unit's line of the notice."""

    model_config = ConfigDict(frozen=True)

    unit: str
    found: int
    rectified: int
    closed_out: int
    overdue: int
    rectified_late: int


class Notice(BaseModel):
    """通報 for a period: a line per unit, the total, and the date the ledger was read on."""

    model_config = ConfigDict(frozen=True)

    period: Period
    as_of: date
    lines: list[NoticeLine]
    total: NoticeLine

    @classmethod
    def of(cls, period: Period, rows: list[LedgerRow], as_of: date) -> Notice:
        """From the ledger rows valid on ``as_of`` (the period's end, or today if earlier)."""
        units: dict[str, list[LedgerRow]] = {}
        for r in rows:
            units.setdefault(r.acting_unit, []).append(r)
        lines = [_line(unit, group, period) for unit, group in sorted(units.items())]
        return cls(period=period, as_of=as_of, lines=lines, total=_line("合計", rows, period))


def _line(unit: str, rows: list[LedgerRow], period: Period) -> NoticeLine:
    return NoticeLine(
        unit=unit,
        found=sum(r.found_on in period for r in rows),
        rectified=sum(r.rectified_on in period for r in rows),
        closed_out=sum(r.closed_out_on in period for r in rows),
        overdue=sum(r.overdue for r in rows),
        rectified_late=sum(r.rectified_late and r.rectified_on in period for r in rows),
    )
