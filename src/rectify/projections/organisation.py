"""Typed views of branches, problem lists and inspection rounds, and their roll-ups.

- :class:`BranchView`: one branch as of a business date (its workflow state, mentors, linked
  issues, election due or overdue, rating).
- :class:`BoardRow`: a line of the lagging-branch board (后進黨支部整頓台賬): each branch ever
  designated, its kinds, mentors, open problems, ready or delisted.
- :class:`ListRollup`: a problem list with, for each common problem, how many units have it and how
  many of those have rectified / closed it out.
- :class:`RoundFigures` and :class:`FindingsDiff`: what an inspection round covered and found, and
  what importing its findings again would change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from rectify.domain.values import (
    LAGGING_STATUSES,
    OPEN_STATUSES,
    RECTIFIED_STATUSES,
    BranchKind,
    BranchStatus,
    Mentor,
    RoundStatus,
    Status,
)

if TYPE_CHECKING:
    from rectify.domain.branch import Branch
    from rectify.domain.lists import InspectionRound, ProblemList
    from rectify.projections.ledger import LedgerRow


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class BranchView(_View):
    """One branch as it stood on ``as_of``."""

    id: UUID
    code: str
    name: str
    kind: BranchKind
    unit: str
    parent_id: UUID | None
    status: BranchStatus
    lagging_kinds: tuple[str, ...]
    basis: str | None
    designated_on: date | None
    designations: int
    plan: str | None
    goals: tuple[str, ...]
    deadline: date | None
    mentors: tuple[Mentor, ...]
    consolidation_started_on: date | None
    consolidations: int
    ready: bool
    ready_on: date | None
    delisting_requested_on: date | None
    delisted_on: date | None
    issues: tuple[UUID, ...]
    elected_on: date | None
    term_years: int
    election_due: date | None
    election_overdue: bool
    rating: str | None
    rating_scheme: str | None
    rating_results: dict[str, bool]
    as_of: date
    version: int
    stale_decisions: tuple[str, ...] = ()
    """``("delist",)`` while the delisting is marked stale (what it relied on changed) and not
    re-confirmed."""

    @property
    def is_lagging(self) -> bool:
        """On the lagging list on ``as_of`` (designated and not delisted)."""
        return self.status in LAGGING_STATUSES

    @classmethod
    def of(cls, branch: Branch, as_of: date) -> BranchView:
        """The view of ``branch`` (already replayed up to ``as_of``) on ``as_of``."""
        return cls(
            id=branch.id,
            code=branch.code,
            name=branch.name,
            kind=branch.branch_kind,
            unit=branch.unit,
            parent_id=branch.parent_id,
            status=branch.status,
            lagging_kinds=branch.lagging_kinds,
            basis=branch.basis,
            designated_on=branch.designated_on,
            designations=branch.designations,
            plan=branch.plan,
            goals=branch.goals,
            deadline=branch.deadline,
            mentors=branch.mentors,
            consolidation_started_on=branch.consolidation_started_on,
            consolidations=branch.consolidations,
            ready=branch.is_ready,
            ready_on=branch.ready_on if branch.is_ready else None,
            delisting_requested_on=branch.delisting_requested_on,
            delisted_on=branch.delisted_on,
            issues=branch.issues,
            elected_on=branch.elected_on,
            term_years=branch.term_years,
            election_due=branch.election_due(),
            election_overdue=branch.election_overdue(as_of),
            rating=branch.rating,
            rating_scheme=branch.rating_scheme,
            rating_results=branch.rating_results,
            as_of=as_of,
            version=branch.version,
            stale_decisions=branch.stale_decisions(),
        )


class BoardRow(_View):
    """A line of the lagging-branch board."""

    branch_id: UUID
    code: str
    name: str
    unit: str
    status: BranchStatus
    kinds: tuple[str, ...]
    basis: str | None
    designated_on: date | None
    mentors: tuple[Mentor, ...]
    deadline: date | None
    problems: int
    open_problems: int
    overdue_problems: int
    ready: bool
    delisted: bool
    delisted_on: date | None

    @classmethod
    def of(cls, branch: BranchView, rows: Sequence[LedgerRow]) -> BoardRow:
        """The board line of ``branch`` with its ledger rows (on the same date). ``ready``:
        readiness was recorded for this consolidation and no problem of it is open now (one
        linked since is not done yet)."""
        still_open = sum(r.status in OPEN_STATUSES for r in rows)
        return cls(
            branch_id=branch.id,
            code=branch.code,
            name=branch.name,
            unit=branch.unit,
            status=branch.status,
            kinds=branch.lagging_kinds,
            basis=branch.basis,
            designated_on=branch.designated_on,
            mentors=branch.mentors,
            deadline=branch.deadline,
            problems=len(rows),
            open_problems=still_open,
            overdue_problems=sum(r.overdue for r in rows),
            ready=branch.ready and still_open == 0,
            delisted=branch.status is BranchStatus.DELISTED,
            delisted_on=branch.delisted_on,
        )


class CommonProblemRollup(_View):
    """One common problem of a list: the units that have it, and how far they are."""

    code: str
    text: str
    units: int
    rectified_units: int
    closed_out_units: int
    issues: int

    @property
    def closed_out_rate(self) -> float:
        """Share of the units with this problem that closed it out (0 when none have it)."""
        return self.closed_out_units / self.units if self.units else 0.0


class ListRollup(_View):
    """A problem list on ``as_of``: each common problem, and the list's own totals."""

    list_id: UUID
    name: str
    issuer: str
    issued_on: date
    deadline: date
    as_of: date
    common_problems: tuple[CommonProblemRollup, ...]
    units: int
    issues: int
    rectified: int
    closed_out: int
    overdue: int

    @classmethod
    def of(cls, plist: ProblemList, rows: Iterable[LedgerRow], as_of: date) -> ListRollup:
        """The roll-up of ``plist`` from its ledger rows on ``as_of``.

        A unit has rectified (closed out) a common problem when every one of its issues under
        that problem is rectified (closed out); withdrawn issues do not count."""
        mine = [r for r in rows if r.list_id == plist.id and r.status is not Status.WITHDRAWN]
        by_code: dict[str, dict[str, list[LedgerRow]]] = defaultdict(lambda: defaultdict(list))
        for r in mine:
            if r.common_problem is not None:
                by_code[r.common_problem][r.unit].append(r)
        problems = []
        for code, text in plist.common_problems:
            units = by_code.get(code, {})
            problems.append(
                CommonProblemRollup(
                    code=code,
                    text=text,
                    units=len(units),
                    rectified_units=sum(
                        all(r.status in RECTIFIED_STATUSES for r in rs) for rs in units.values()
                    ),
                    closed_out_units=sum(
                        all(r.status is Status.CLOSED_OUT for r in rs) for rs in units.values()
                    ),
                    issues=sum(len(rs) for rs in units.values()),
                )
            )
        return cls(
            list_id=plist.id,
            name=plist.name,
            issuer=plist.issuer,
            issued_on=plist.issued_on,
            deadline=plist.deadline,
            as_of=as_of,
            common_problems=tuple(problems),
            units=len({r.unit for r in mine}),
            issues=len(mine),
            rectified=sum(r.status in RECTIFIED_STATUSES for r in mine),
            closed_out=sum(r.status is Status.CLOSED_OUT for r in mine),
            overdue=sum(r.overdue for r in mine),
        )


class FindingKey(_View):
    """A finding's match key within its round: the target and the checklist item."""

    target: str
    item: str


class FindingsDiff(_View):
    """What importing a round's findings changes (or, with ``dry_run``, would change).

    ``new`` findings record an issue, or reopen one (``relapsed``, a subset of ``new``) or point
    at one still open from an earlier round (``still_open``, also a subset); ``unchanged`` were
    recorded in this round already; ``no_longer_seen`` are the round's findings the import does
    not contain (they are left as they are)."""

    round_id: UUID
    dry_run: bool
    new: tuple[FindingKey, ...]
    relapsed: tuple[FindingKey, ...]
    still_open: tuple[FindingKey, ...]
    unchanged: tuple[FindingKey, ...]
    no_longer_seen: tuple[FindingKey, ...]
    issue_ids: dict[str, UUID]
    """The issue of each finding of the import, by ``"target/item"``."""

    @property
    def records_nothing(self) -> bool:
        return not self.new


class RoundFigures(_View):
    """An inspection round on ``as_of``: targets covered, findings and how far they are."""

    round_id: UUID
    name: str
    period: str
    status: RoundStatus
    as_of: date
    targets: int
    covered: int
    findings: int
    new_issues: int
    relapses: int
    still_open_from_before: int
    rectified: int
    closed_out: int
    overdue: int

    @property
    def coverage(self) -> float:
        """Share of the round's targets inspected."""
        return self.covered / self.targets if self.targets else 0.0

    @property
    def rectified_rate(self) -> float:
        """Share of the round's findings rectified."""
        return self.rectified / self.findings if self.findings else 0.0

    @classmethod
    def of(cls, rnd: InspectionRound, rows: Iterable[LedgerRow], as_of: date) -> RoundFigures:
        """The figures of ``rnd`` (replayed up to ``as_of``) from the ledger rows on ``as_of``."""
        wanted = set(rnd.findings.values())
        found = [r for r in rows if r.id in wanted]
        outcomes = list(rnd.outcomes.values())
        return cls(
            round_id=rnd.id,
            name=rnd.name,
            period=rnd.period,
            status=rnd.status,
            as_of=as_of,
            targets=len(rnd.scope),
            covered=len(rnd.covered),
            findings=len(rnd.findings),
            new_issues=outcomes.count("new"),
            relapses=outcomes.count("relapse"),
            still_open_from_before=outcomes.count("still_open"),
            rectified=sum(r.status in RECTIFIED_STATUSES for r in found),
            closed_out=sum(r.status is Status.CLOSED_OUT for r in found),
            overdue=sum(r.overdue for r in found),
        )
