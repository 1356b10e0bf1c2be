"""Progress figures (整改進度) computed from ledger rows: counts, rates, overdue, durations."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict

from rectify.domain.issue import Issue
from rectify.domain.values import RECTIFIED_STATUSES, Mode, Status
from rectify.projections.ledger import LedgerRow

DECISIONS: tuple[str, ...] = tuple(Issue.decision_labels)
"""The decisions of an issue bound to evidence, which the figures count when stale."""


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class Breakdown(BaseModel):
    """The figures of one unit, source, category or list."""

    model_config = ConfigDict(frozen=True)

    found: int
    withdrawn: int
    rectified: int
    closed_out: int
    overdue: int
    rectified_late: int
    stale: int = 0
    """Problems with a decision (驗收, 銷號, 撤銷) marked stale and not re-confirmed yet."""

    @property
    def active(self) -> int:
        """Problems on the books: found and not withdrawn."""
        return self.found - self.withdrawn

    @property
    def rectification_rate(self) -> float | None:
        """整改率: rectified ÷ active (None when there is nothing to rectify)."""
        return _rate(self.rectified, self.active)

    @property
    def on_time(self) -> int:
        """按期整改: rectified by the deadline (or with none)."""
        return self.rectified - self.rectified_late

    @property
    def late(self) -> int:
        """Late: rectified after the deadline, or still waiting past it (逾期)."""
        return self.rectified_late + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        """按期整改率: rectified on time ÷ rectified or overdue (None when neither)."""
        return _rate(self.on_time, self.on_time + self.late)

    @property
    def close_out_rate(self) -> float | None:
        """銷號率: closed out ÷ active."""
        return _rate(self.closed_out, self.active)

    @classmethod
    def of(cls, facts: Iterable[_Facts]) -> Breakdown:
        """The breakdown of rows given as :func:`_facts` of each."""
        found = withdrawn = rectified = closed = overdue = late = stale = 0
        for f in facts:
            status = f[0]
            found += 1
            withdrawn += status is Status.WITHDRAWN
            rectified += status in RECTIFIED_STATUSES
            closed += status is Status.CLOSED_OUT
            overdue += f[2]
            late += f[3]
            stale += f[8]
        return cls(
            found=found,
            withdrawn=withdrawn,
            rectified=rectified,
            closed_out=closed,
            overdue=overdue,
            rectified_late=late,
            stale=stale,
        )


# What the figures need of a row, read once: a ledger can be 100k rows.
_Facts = tuple[Status, Mode | None, bool, bool, str, str, str | None, str | None, bool, str]


def _facts(r: LedgerRow) -> _Facts:
    list_id = r.list_id
    return (
        r.status, r.mode, r.overdue, r.rectified_late, r.acting_unit, r.source.value, r.category,
        str(list_id) if list_id else None, r.is_stale, r.severity.value,
    )  # fmt: skip


class Durations(BaseModel):
    """How many days something took, over the problems it happened to."""

    model_config = ConfigDict(frozen=True)

    count: int
    mean: float | None
    median: float | None

    @classmethod
    def of(cls, days: list[int]) -> Durations:
        if not days:
            return cls(count=0, mean=None, median=None)
        return cls(count=len(days), mean=statistics.fmean(days), median=statistics.median(days))


class Figures(BaseModel):
    """Progress figures of the ledger as of a business date (as known at a position)."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    known_at: int | None
    total: Breakdown
    by_status: dict[str, int]
    by_mode: dict[str, int]
    by_unit: dict[str, Breakdown]
    by_source: dict[str, Breakdown]
    by_category: dict[str, Breakdown]
    by_list: dict[str, Breakdown]
    stale_by_status: dict[str, int]
    """Problems with a stale decision, by status (``verified``, ``closed_out``, ...)."""
    stale_by_decision: dict[str, int]
    """Stale decisions not re-confirmed, by decision (``verify``, ``close_out``, ``withdraw``)."""
    days_to_rectify: Durations
    days_to_close_out: Durations
    by_severity: dict[str, Breakdown] = {}
    """By severity (``serious``, ``normal``, ``minor``): with ``on_time`` and ``late`` of each,
    how the SLA by severity is kept."""

    @property
    def rectification_rate(self) -> float | None:
        """整改率 over the whole ledger."""
        return self.total.rectification_rate

    @property
    def close_out_rate(self) -> float | None:
        """銷號率 over the whole ledger."""
        return self.total.close_out_rate

    @classmethod
    def of(cls, rows: list[LedgerRow], as_of: date, known_at: int | None) -> Figures:
        """Figures of these ledger rows (all valid on ``as_of``)."""
        facts = [_facts(r) for r in rows]

        def grouped(index: int) -> dict[str, Breakdown]:
            groups: dict[str, list[_Facts]] = {}
            for f in facts:
                groups.setdefault(f[index] or "—", []).append(f)  # type: ignore[arg-type]
            return {k: Breakdown.of(v) for k, v in sorted(groups.items())}

        statuses = Counter(f[0].value for f in facts)
        modes = Counter(
            f[1].value for f in facts if f[1] is not None and f[0] in RECTIFIED_STATUSES
        )
        stale = Counter(f[0].value for f in facts if f[8])
        stale_decisions = Counter(d for r in rows if r.is_stale for d in r.stale_decisions)
        rectified = [r for r in rows if r.rectified_on is not None]
        closed = [r for r in rows if r.closed_out_on is not None]
        return cls(
            as_of=as_of,
            known_at=known_at,
            total=Breakdown.of(facts),
            by_status={s.value: statuses.get(s.value, 0) for s in Status},
            by_mode={m.value: modes.get(m.value, 0) for m in Mode},
            by_unit=grouped(4),
            by_source=grouped(5),
            by_category=grouped(6),
            by_list=grouped(7),
            stale_by_status={s.value: stale.get(s.value, 0) for s in Status},
            stale_by_decision={d: stale_decisions.get(d, 0) for d in DECISIONS},
            days_to_rectify=Durations.of([(r.rectified_on - r.found_on).days for r in rectified]),  # type: ignore[operator]
            days_to_close_out=Durations.of([(r.closed_out_on - r.found_on).days for r in closed]),  # type: ignore[operator]
            by_severity=grouped(9),
        )
