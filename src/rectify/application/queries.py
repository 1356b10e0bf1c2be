"""Queries of :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from rectify.application.plumbing import (
    audit_entries,
    check_actor,
    check_position,
    check_text,
    no_cyclic_gc,
    parse_enum,
    replay_until,
)
from rectify.application.policies import PolicyService
from rectify.domain.branch import Branch, branch_id_for
from rectify.domain.lists import (
    Checklist,
    InspectionRound,
    ProblemList,
)
from rectify.domain.values import (
    Actor,
    BranchStatus,
    Source,
    Status,
)
from rectify.errors import InvalidCommand, NotFound
from rectify.projections.figures import Figures
from rectify.projections.ledger import LedgerRow, stamp
from rectify.projections.notice import Notice, Period
from rectify.projections.organisation import (
    BoardRow,
    BranchView,
    ListRollup,
    RoundFigures,
)
from rectify.projections.views import AuditEntry, IssueView


class QueryService(PolicyService):
    """Questions answered from the views (the ledger, figures, notices, audit trail, feed) and
    from aggregates replayed to a business date (issues, branches, lists, rounds)."""

    # ------------------------------------------------------------------ the ledger and its figures

    def _known_at(self, known_at: int | datetime | str | None) -> int | None:
        if known_at is None:
            return None
        if isinstance(known_at, int) and not isinstance(known_at, bool):
            return check_position(known_at, "known_at")
        if isinstance(known_at, str):
            text = check_text(known_at, "known_at")
            try:
                known_at = datetime.fromisoformat(text)
            except ValueError:
                raise InvalidCommand(
                    "known_at", f"{text[:40]!r} is neither a position nor an ISO timestamp"
                ) from None
        if not isinstance(known_at, datetime):
            msg = (
                f"known_at is a log position (int) or a moment (datetime or ISO text), "
                f"not a {type(known_at).__name__} (a business date is as_of)"
            )
            raise InvalidCommand("known_at", msg)
        return self.views.position_at(stamp(known_at))

    def ledger(
        self,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
        *,
        unit: str | None = None,
        status: Status | str | None = None,
        source: Source | str | None = None,
        category: str | None = None,
    ) -> list[LedgerRow]:
        """The ledger (臺賬) on business date ``as_of`` (default today), one row a problem.

        ``known_at`` limits it to what had been recorded by then: a notification position, or a
        timestamp (what the ledger said on that date, as published then).
        """
        day = self._as_of(as_of)
        position = self._known_at(known_at)
        filters: dict[str, str] = {}
        if unit is not None:
            filters["unit"] = check_text(unit, "unit")
        if status is not None:
            filters["status"] = parse_enum(Status, status, "status").value
        if source is not None:
            filters["source"] = parse_enum(Source, source, "source").value
        if category is not None:
            filters["category"] = check_text(category, "category")
        stored = self._from_views(lambda: self.views.ledger_rows(day, position, filters))
        with no_cyclic_gc():
            return [LedgerRow(seq, state, day) for seq, state in stored]

    def figures(
        self,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
        *,
        unit: str | None = None,
        source: Source | str | None = None,
        category: str | None = None,
    ) -> Figures:
        """Progress figures (整改進度) of the ledger on ``as_of`` (as known at ``known_at``)."""
        day, position = self._as_of(as_of), self._known_at(known_at)  # a timestamp costs a query
        rows = self.ledger(day, position, unit=unit, source=source, category=category)
        with no_cyclic_gc():
            return Figures.of(rows, day, position)

    def ledger_history(
        self, known_at: int | datetime | str | None = None
    ) -> list[tuple[date, date | None, LedgerRow]]:
        """Every state each problem's ledger row has had, as known at ``known_at`` (default:
        now), in ledger order: ``(valid_from, valid_until, row)``, the row on the ledger of
        every business date D with ``valid_from <= D < valid_until`` (``valid_until`` None:
        still its state). One query of the views, for analyses over time (rectify.analysis)."""
        position = self._known_at(known_at)
        spans = self._from_views(lambda: self.views.version_spans(position))
        with no_cyclic_gc():
            return [
                (
                    start := date.fromisoformat(on_from),
                    None if on_to is None else date.fromisoformat(on_to),
                    LedgerRow(seq, state, start),
                )
                for seq, _, on_from, on_to, state in spans
            ]

    def last_action_on(
        self,
        action: str,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
    ) -> dict[UUID, date]:
        """The business date each problem last saw ``action`` (an issue trigger: ``"reopen"``,
        ``"reject"``, ``"extend_deadline"`` …) by ``as_of``, as known at ``known_at``."""
        day, position = self._as_of(as_of), self._known_at(known_at)
        action = check_text(action, "action")
        found = self._from_views(lambda: self.views.last_action_dates(action, day, position))
        return {UUID(ident): date.fromisoformat(on) for ident, on in found}

    def recorded_names(self, kind: str) -> dict[UUID, str]:
        """The name of every branch (``"branch"``), problem list (``"problem_list"``), checklist
        or inspection round (``"round"``) recorded, by id, from the views (nothing replayed)."""
        kind = check_text(kind, "kind")
        found = self._from_views(lambda: self.views.record_names(kind))
        return {UUID(ident): name for ident, name in found}

    def notice(self, period: str) -> Notice:
        """通報 for a month (``"2019-06"``), quarter (``"2019-Q2"``) or year (``"2019"``): per unit,
        found, rectified and closed out in the period, overdue at its end, rectified late in it."""
        span = Period.parse(period)
        day = min(span.end, self.today())
        return Notice.of(span, self.ledger(day), day)

    def events_since(self, position: int = 0, *, limit: int | None = None) -> list[AuditEntry]:
        """Events recorded after notification ``position``, in order, as readable entries.

        Each entry carries its ``position``: pass the last one back to read on. This is the feed
        ``rectify events`` writes as JSON lines for other systems to follow.
        """
        position = check_position(position, "position")
        if limit is not None:
            limit = check_position(limit, "limit")
        return audit_entries(
            self._from_views(lambda: self.views.audit_rows(after=position, limit=limit))
        )

    def audit_trail(
        self, issue_id: UUID | str | None = None, *, unit: str | None = None
    ) -> list[AuditEntry]:
        """Every event of an issue (or of every issue of ``unit``), in the order recorded:
        when recorded, business date, actor, action, from-state → to-state, reason."""
        if issue_id is None and unit is None:
            raise InvalidCommand("issue_id", "give an issue id or a unit")
        if unit is not None:
            check_text(unit, "unit")
        uuid = self._issue_uuid(issue_id) if issue_id is not None else None
        rows = self._from_views(
            lambda: self.views.audit_rows(issue_id=str(uuid) if uuid else None, unit=unit)
        )
        if uuid is not None and not rows:
            raise NotFound("issue", uuid)
        return audit_entries(rows)

    def issues(
        self,
        *,
        unit: str | None = None,
        status: Status | str | None = None,
        source: Source | str | None = None,
        as_of: date | str | None = None,
    ) -> list[IssueView]:
        """Issues as of ``as_of`` (default today), filtered by unit, status and source, in ledger
        order. ``unit`` matches the issue's own unit or its responsible unit."""
        rows = self.ledger(as_of, unit=unit, status=status, source=source)
        return [IssueView.from_row(r) for r in rows]

    # ------------------------------------------------------------------ issues

    def has_issue(self, issue_id: UUID | str) -> bool:
        """Whether an issue with this id is recorded."""
        return self.is_recorded(self._issue_uuid(issue_id))

    def business_date(self, as_of: date | str | None = None) -> date:
        """The business date a query's ``as_of`` means: the date itself, an ISO date string,
        or today (by the application's clock) for None."""
        return self._as_of(as_of)

    def get_issue(self, issue_id: UUID | str, as_of: date | str | None = None) -> IssueView:
        """The issue as it stood on business date ``as_of`` (default: today), as known now."""
        uuid = self._issue_uuid(issue_id)
        day = self._as_of(as_of)
        if as_of is None:
            return IssueView.of(self._load(uuid), day)
        issue = replay_until(self._events(uuid), day)
        if issue is None:
            raise NotFound("issue", uuid, f"it was not yet found on {day}")
        return IssueView.of(issue, day)

    def allowed_actions(self, issue_id: UUID | str, actor: Actor | None = None) -> tuple[str, ...]:
        """What may happen next to the issue (with ``actor``: what this actor may do now)."""
        actor = check_actor(actor)
        return self._load(self._issue_uuid(issue_id)).allowed_actions(actor, self.today())

    # ------------------------------------------------------------------ branches

    def get_branch_aggregate(self, branch_id: UUID | str) -> Branch:
        """The Branch aggregate itself (to act on it in a unit of work of your own)."""
        return self._branch(branch_id)

    def get_branch(self, branch_id: UUID | str, as_of: date | str | None = None) -> BranchView:
        """The branch as it stood on business date ``as_of`` (default: today), as known now."""
        uuid = self._uuid(branch_id, "branch_id", "branch")
        day = self._as_of(as_of)
        if as_of is None:
            return BranchView.of(self._branch(uuid), day)
        return BranchView.of(self._replayed(Branch, uuid, day, "branch"), day)

    def allowed_branch_actions(
        self, branch_id: UUID | str, actor: Actor | None = None
    ) -> tuple[str, ...]:
        """What may happen next to the branch (with ``actor``: what this actor may do now)."""
        actor = check_actor(actor)
        return self._branch(branch_id).allowed_actions(actor, self.today())

    def branch_id(self, code: str) -> UUID:
        """The id of the branch registered with ``code`` (NotFound if there is none)."""
        ident = branch_id_for(check_text(code, "code"))
        if not self.is_recorded(ident):
            raise NotFound("branch", code, "no branch is registered with that code")
        return ident

    def branches(
        self,
        *,
        as_of: date | str | None = None,
        unit: str | None = None,
        status: BranchStatus | str | None = None,
        lagging: bool | None = None,
    ) -> list[BranchView]:
        """Branches registered by ``as_of``, in the order registered, filtered by unit, status,
        or whether they are on the lagging list."""
        day = self._as_of(as_of)
        wanted = parse_enum(BranchStatus, status, "status")
        views = []
        for ident in self._from_views(lambda: self.views.record_ids("branch")):
            try:
                view = BranchView.of(self._replayed(Branch, UUID(ident), day, "branch"), day)
            except NotFound:
                continue  # registered after ``as_of``
            if unit is not None and view.unit != unit:
                continue
            if wanted is not None and view.status is not wanted:
                continue
            if lagging is not None and view.is_lagging != lagging:
                continue
            views.append(view)
        return views

    def lagging_board(self, as_of: date | str | None = None) -> list[BoardRow]:
        """The lagging-branch board on ``as_of``: every branch designated lagging by then (the
        delisted ones too), its kinds, mentors, problems and open problems, ready or delisted."""
        day = self._as_of(as_of)
        board = [b for b in self.branches(as_of=day) if b.designations > 0]
        rows = self.ledger(day)
        by_branch: dict[UUID, list[LedgerRow]] = {}
        for r in rows:
            if r.branch_id is not None:
                by_branch.setdefault(r.branch_id, []).append(r)
        return [BoardRow.of(b, by_branch.get(b.id, [])) for b in board]

    # ------------------------------------------------------------------ problem lists and inspection rounds

    def problem_list(self, list_id: UUID | str) -> ProblemList:
        """The problem list (its name, issuer, dates and common problems)."""
        return self._get(
            ProblemList, self._uuid(list_id, "list_id", "problem list"), "problem list"
        )

    def problem_lists(self) -> list[ProblemList]:
        """Every problem list, in the order issued."""
        ids = self._from_views(lambda: self.views.record_ids("problem_list"))
        return [self.problem_list(i) for i in ids]

    def list_rollup(self, list_id: UUID | str, as_of: date | str | None = None) -> ListRollup:
        """A list on ``as_of``: each common problem with how many units have it and how many of
        those have rectified / closed it out, and the list's totals."""
        plist = self.problem_list(list_id)
        day = self._as_of(as_of)
        return ListRollup.of(plist, self.ledger(day), day)

    def unit_list(
        self, list_id: UUID | str, unit: str, as_of: date | str | None = None
    ) -> list[LedgerRow]:
        """A unit's own list: its ledger rows under problem list ``list_id``, on ``as_of``."""
        plist = self.problem_list(list_id)
        return [r for r in self.ledger(as_of, unit=unit) if r.list_id == plist.id]

    def checklist(self, checklist_id: UUID | str) -> Checklist:
        return self._get(
            Checklist, self._uuid(checklist_id, "checklist_id", "checklist"), "checklist"
        )

    def inspection_round(
        self, round_id: UUID | str, as_of: date | str | None = None
    ) -> InspectionRound:
        """The round (its scope, findings and their outcomes), as it stood on ``as_of`` when
        given."""
        uuid = self._uuid(round_id, "round_id", "inspection round")
        if as_of is not None:
            return self._replayed(InspectionRound, uuid, self._as_of(as_of), "inspection round")
        return self._get(InspectionRound, uuid, "inspection round")

    def inspection_rounds(self) -> list[InspectionRound]:
        """Every inspection round, in the order opened."""
        ids = self._from_views(lambda: self.views.record_ids("round"))
        return [self.inspection_round(i) for i in ids]

    def round_figures(self, round_id: UUID | str, as_of: date | str | None = None) -> RoundFigures:
        """A round on ``as_of``: targets in scope and covered, findings (new, relapses, still
        open from before), and how many are rectified, closed out and overdue."""
        uuid = self._uuid(round_id, "round_id", "inspection round")
        day = self._as_of(as_of)
        rnd = self._replayed(InspectionRound, uuid, day, "inspection round")
        wanted = set(rnd.findings.values())
        rows = [r for r in self.ledger(day) if r.id in wanted]
        return RoundFigures.of(rnd, rows, day)
