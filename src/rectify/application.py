"""RectificationApp: commands in, events saved, queries out.

Each command is validated with pydantic (bad input raises :class:`~rectify.errors.InvalidCommand`
and records nothing), the issue is loaded, the domain checks and triggers the event, and the new
event is saved atomically. A lost optimistic-concurrency race raises
:class:`~rectify.errors.ConcurrencyConflict`; nothing is half-written.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper, RecordConflictError, Tracking
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from rectify.domain.branch import Branch, branch_id_for
from rectify.domain.commands import (
    COMMANDS,
    CloseInspectionRound,
    Command,
    DefineChecklist,
    Finding,
    ImportFindings,
    IssueProblemList,
    LinkIssue,
    OpenInspectionRound,
    RecordIssue,
    RegisterBranch,
)
from rectify.domain.issue import Issue, issue_id_for
from rectify.domain.lists import (
    Checklist,
    InspectionRound,
    ProblemList,
    derived_id,
    finding_issue_id,
)
from rectify.domain.values import (
    OPEN_STATUSES,
    Actor,
    BranchKind,
    BranchStatus,
    LaggingKind,
    Mentor,
    Mode,
    Role,
    Severity,
    Source,
    Status,
    parse_day,
    unholdable,
)
from rectify.errors import AlreadyExists, ConcurrencyConflict, InvalidCommand, NotFound
from rectify.persistence import PydanticMapper, env_for_url
from rectify.projections.figures import Figures
from rectify.projections.ledger import LedgerRow
from rectify.projections.notice import Notice, Period
from rectify.projections.organisation import (
    BoardRow,
    BranchView,
    FindingKey,
    FindingsDiff,
    ListRollup,
    RoundFigures,
)
from rectify.projections.projector import Projector
from rectify.projections.store import AUDIT_COLUMNS, StoreConflict, construct_views
from rectify.projections.views import AuditEntry, IssueView, audit_entry_from_row
from rectify.store_access import opening, replaying, typed_failures

_PAGE = 1000


def _invalid(e: ValidationError) -> InvalidCommand:
    return InvalidCommand.from_validation(e)


@typed_failures
class RectificationApp(Application[UUID]):
    """The rectification ledger as an eventsourcing application.

    Build one with :func:`rectify.connect`. ``today`` is the clock for default business dates
    (``on=``) and for refusing dates in the future; pass your own to replay or test.
    """

    name = "rectify"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        today: Callable[[], date] = date.today,
        catch_up: bool = True,
    ) -> None:
        self.today = today
        self.catches_up = catch_up
        super().__init__(env)
        self.views = construct_views(self)
        self.projector = Projector(self.views, self._aggregate_at, self.name)
        self.views.ensure_schema(self.name)
        if catch_up:
            self.run_policies()

    def close(self) -> None:
        self.views.close_views()
        super().close()

    def construct_mapper(self) -> Mapper[UUID]:
        # Always ours, whatever the environment says: the events cannot be read without it.
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PydanticMapper
        )

    # ------------------------------------------------------------------ plumbing

    def _validate(self, trigger: str, **fields: Any) -> Command:
        return self._check_input(COMMANDS[trigger], **fields)

    def _check_input(self, model: type[C], **fields: Any) -> C:
        """The command ``model`` validated from ``fields`` (``on`` defaults to today and may not
        be in the future), or :class:`InvalidCommand` naming every bad field."""
        if fields.get("on") is None:
            fields["on"] = self.today()
        try:
            cmd = model(**fields)
        except ValidationError as e:
            raise _invalid(e) from None
        if cmd.on > self.today():
            raise InvalidCommand("on", f"business date {cmd.on} is in the future")
        return cmd

    @staticmethod
    def _issue_uuid(issue_id: UUID | str) -> UUID:
        return RectificationApp._uuid(issue_id, "issue_id", "issue")

    def _load(self, issue_id: UUID) -> Issue:
        return self._get(Issue, issue_id, "issue")

    def _get(self, cls: type[A], ident: UUID, kind: str) -> A:
        try:
            with replaying(kind, ident):
                found: object = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFound(kind, ident) from None
        if not isinstance(found, cls):
            raise NotFound(kind, ident, f"that id is not a {kind}")
        return found

    def _save(self, *aggregates: Any, command_id: str | None = None) -> None:
        """Save the new events of ``aggregates`` atomically (all or none).

        A lost race raises :class:`ConcurrencyConflict`, unless the first aggregate, read again
        from the store, shows that ``command_id`` was recorded meanwhile (by another writer
        giving the same command): then the command is done, as the key promises."""
        try:
            self.save(*aggregates)
        except RecordConflictError:
            first = aggregates[0]
            if command_id is not None:
                stored: Any = self.repository.get(first.id)
                if stored.has_seen(command_id):
                    return
            raise ConcurrencyConflict(first.id, getattr(first, "kind", "record")) from None

    @staticmethod
    def _uuid(value: UUID | str, field: str, kind: str) -> UUID:
        if isinstance(value, UUID):
            return value
        if not isinstance(value, str):
            msg = f"a {kind} id is a UUID or its text, not a {type(value).__name__}"
            raise InvalidCommand(field, msg)
        try:
            return UUID(value)
        except ValueError:
            raise InvalidCommand(field, f"{value[:60]!r} is not a {kind} id") from None

    def _command(
        self,
        trigger: str,
        issue_id: UUID | str,
        actor: Actor,
        on: date | str | None,
        command_id: str | None,
        **fields: Any,
    ) -> None:
        uuid = self._issue_uuid(issue_id)
        cmd = self._validate(trigger, actor=actor, on=on, command_id=command_id, **fields)
        issue = self._load(uuid)
        if issue.has_seen(cmd.command_id):
            return
        getattr(issue, trigger)(
            actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload()
        )
        self._save(issue, command_id=cmd.command_id)
        if issue.branch_id is not None and trigger in _CLOSING:
            # The readiness policy, at once for this closing; should this process stop before
            # it acts, run_policies (at the next start or catch-up) reads the closing again.
            self._ready_if_due(issue.id, cmd.on, issue.branch_id)

    # ------------------------------------------------------------------ commands

    def record_issue(
        self,
        *,
        actor: Actor,
        title: str,
        unit: str,
        source: Source | str,
        description: str = "",
        category: str | None = None,
        severity: Severity | str = Severity.NORMAL,
        branch_id: UUID | str | None = None,
        remarks: str = "",
        list_id: UUID | str | None = None,
        common_problem: str | None = None,
        deadline: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """發現: record a problem; returns its id. Needs INSPECTOR or VERIFIER.

        ``branch_id`` links it to a registered branch. ``list_id`` (with ``common_problem``, a
        code of that list, for a unit's instance of a common problem) records it from a problem
        list; it then takes the list's deadline unless ``deadline`` is given."""
        cmd = self._check_input(
            RecordIssue,
            actor=actor,
            on=on,
            command_id=command_id,
            title=title,
            unit=unit,
            source=source,
            description=description,
            category=category,
            severity=severity,
            branch_id=branch_id,
            remarks=remarks,
            list_id=list_id,
            common_problem=common_problem,
            deadline=deadline,
        )
        if cmd.command_id is not None:
            existing = issue_id_for(cmd.command_id)
            if self.has_issue(existing):
                return existing
        payload = cmd.payload()
        if cmd.list_id is not None:
            plist = self._get(ProblemList, cmd.list_id, "problem list")
            if cmd.common_problem is not None and plist.common_problem(cmd.common_problem) is None:
                codes = ", ".join(code for code, _ in plist.common_problems) or "none"
                raise InvalidCommand(
                    "common_problem",
                    f"{cmd.common_problem!r} is not a common problem of {plist.name} "
                    f"(its codes: {codes})",
                )
            if cmd.on < plist.issued_on:
                raise InvalidCommand(
                    "on", f"{cmd.on} is before the list was issued, on {plist.issued_on}"
                )
            if cmd.deadline is None:
                payload["deadline"] = plist.deadline
        elif cmd.common_problem is not None:
            raise InvalidCommand("common_problem", "a common problem needs the list_id it is on")
        for attempt in _attempts():
            issue = Issue.record(actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **payload)
            linked = self._link(issue, cmd.actor, cmd.on, cmd.command_id)
            try:
                self.save(issue, *linked)
            except RecordConflictError:
                # What the conflict was about is read from the store, never inferred: the key
                # recorded by another writer first is the first result; a branch changed
                # meanwhile is loaded again and the issue recorded anew.
                if cmd.command_id is not None and self.is_recorded(issue.id):
                    return issue.id
                if not linked or attempt.last:
                    raise ConcurrencyConflict(
                        linked[0].id if linked else issue.id, "branch" if linked else "issue"
                    ) from None
                continue
            return issue.id
        raise AssertionError  # pragma: no cover - _attempts ends with a last attempt

    def assign(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        unit: str,
        person: str,
        deadline: date | str,
        measures: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """交辦: responsible unit and person, measures, deadline. ``found`` → ``assigned``. VERIFIER."""
        self._command(
            "assign",
            issue_id,
            actor,
            on,
            command_id,
            unit=unit,
            person=person,
            deadline=deadline,
            measures=measures,
        )

    def rectify_on_the_spot(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """立行立改: ``found``/``assigned`` → ``rectified``. RESPONSIBLE of the issue's unit."""
        self._command(
            "rectify_on_the_spot",
            issue_id,
            actor,
            on,
            command_id,
            summary=summary,
            evidence=evidence,
        )

    def treat_centrally(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        campaign: str,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """集中治理 in ``campaign``: ``found``/``assigned`` → ``rectified``. RESPONSIBLE or VERIFIER."""
        self._command(
            "treat_centrally",
            issue_id,
            actor,
            on,
            command_id,
            campaign=campaign,
            summary=summary,
            evidence=evidence,
        )

    def submit_rectification(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """限期整改 done: ``assigned`` → ``rectified``. RESPONSIBLE of the assigned unit."""
        self._command(
            "submit_rectification",
            issue_id,
            actor,
            on,
            command_id,
            summary=summary,
            evidence=evidence,
        )

    def verify(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """驗收: ``rectified`` → ``verified``. VERIFIER, never of the unit that rectified."""
        self._command("verify", issue_id, actor, on, command_id, note=note)

    def reject(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """退回: ``rectified`` → ``assigned``. VERIFIER, never of the unit that rectified."""
        self._command("reject", issue_id, actor, on, command_id, reason=reason)

    def close_out(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """銷號: ``verified`` → ``closed_out``. VERIFIER."""
        self._command("close_out", issue_id, actor, on, command_id, note=note)

    def reopen(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        deadline: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """反彈: ``closed_out`` → ``assigned`` (new deadline optional). VERIFIER or INSPECTOR."""
        self._command("reopen", issue_id, actor, on, command_id, reason=reason, deadline=deadline)

    def extend_deadline(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        new_deadline: date | str,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """延期: a later deadline in ``assigned``, approved by ``actor``. VERIFIER."""
        self._command(
            "extend_deadline",
            issue_id,
            actor,
            on,
            command_id,
            new_deadline=new_deadline,
            reason=reason,
        )

    def withdraw(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """撤銷 an unfounded finding: any state before ``closed_out`` → ``withdrawn``. VERIFIER."""
        self._command("withdraw", issue_id, actor, on, command_id, reason=reason)

    def report_progress(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        text: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """整改進展: a progress note, no state change. RESPONSIBLE of the responsible unit."""
        self._command("report_progress", issue_id, actor, on, command_id, text=text)

    # ------------------------------------------------------------------ measures (issue/2)

    def add_measure(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        text: str,
        due: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """增加整改措施: one more measure, with an optional due date. In ``found`` or
        ``assigned``; VERIFIER, or RESPONSIBLE of the responsible unit."""
        self._command("add_measure", issue_id, actor, on, command_id, text=text, due=due)

    def complete_measure(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        measure: int | str,
        evidence: tuple[str, ...] | list[str] = (),
        mode: Mode | str | None = None,
        campaign: str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """完成整改措施: ``measure`` (its number from 1, or its exact text) is done; ``mode``
        says how (立行立改, or 集中治理 in ``campaign``). RESPONSIBLE of the unit, or VERIFIER.

        Under issue/2 a rectification cannot be submitted while a measure is open."""
        self._command(
            "complete_measure",
            issue_id,
            actor,
            on,
            command_id,
            measure=measure,
            evidence=evidence,
            mode=mode,
            campaign=campaign,
        )

    # ------------------------------------------------------------------ branches

    def _branch(self, branch_id: UUID | str) -> Branch:
        return self._get(Branch, self._uuid(branch_id, "branch_id", "branch"), "branch")

    def _link(
        self,
        issue: Issue,
        actor: Actor,
        on: date,
        command_id: str | None,
        loaded: dict[UUID, Branch] | None = None,
    ) -> tuple[Branch, ...]:
        """The branch of a newly recorded issue, with the issue linked (nothing if it has none).

        ``loaded`` shares branches between the issues of one save."""
        if issue.branch_id is None:
            return ()
        if loaded is None:
            loaded = {}
        branch = loaded.get(issue.branch_id)
        if branch is None:
            branch = loaded[issue.branch_id] = self._branch(issue.branch_id)
        branch.link_issue(
            actor=actor, on=max(on, branch.last_on), issue_id=issue.id, command_id=command_id
        )
        return (branch,)

    def _branch_command(
        self,
        action: str,
        branch_id: UUID | str,
        actor: Actor,
        on: date | str | None,
        command_id: str | None,
        **fields: Any,
    ) -> Branch:
        cmd = self._validate(action, actor=actor, on=on, command_id=command_id, **fields)
        branch = self._branch(branch_id)
        if branch.has_seen(cmd.command_id):
            return branch
        extra: dict[str, Any] = {}
        if action == "delist":
            extra["open_issues"] = self._open_issues(branch)
        method = "rate" if action == "rate_branch" else action
        getattr(branch, method)(
            actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload(), **extra
        )
        self._save(branch, command_id=cmd.command_id)
        return branch

    def _open_issues(self, branch: Branch) -> tuple[UUID, ...]:
        """The issues linked to ``branch`` that are not closed out or withdrawn."""
        return tuple(i for i in branch.issues if self._load(i).status in OPEN_STATUSES)

    def register_branch(
        self,
        *,
        actor: Actor,
        code: str,
        name: str,
        unit: str,
        kind: BranchKind | str = BranchKind.BRANCH,
        parent_id: UUID | str | None = None,
        elected_on: date | str | None = None,
        term_years: int | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """登記 a branch (黨支部, 黨總支 or 黨委) of ``unit``; returns its id, which comes from its
        ``code``. Registering a code twice raises :class:`~rectify.errors.AlreadyExists` (with
        the same ``command_id`` it returns the id). ``elected_on`` is its last election; the term
        is 3 years (5 for a 黨委) unless ``term_years`` says otherwise. VERIFIER."""
        cmd = self._check_input(
            RegisterBranch,
            actor=actor,
            on=on,
            command_id=command_id,
            code=code,
            name=name,
            unit=unit,
            kind=kind,
            parent_id=parent_id,
            elected_on=elected_on,
            term_years=term_years,
        )
        ident = branch_id_for(cmd.code)
        if self.is_recorded(ident):
            existing = self._branch(ident)
            if existing.has_seen(cmd.command_id):
                return ident
            raise AlreadyExists("branch", ident, f"code {cmd.code!r} is {existing.name}")
        if cmd.parent_id is not None:
            self._branch(cmd.parent_id)
        branch = Branch.register(
            actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload()
        )
        self._save(branch, command_id=cmd.command_id)
        return branch.id

    def designate_lagging(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        kinds: tuple[str, ...] | list[str],
        basis: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """認定后進: ``kinds`` (軟弱渙散, 虛化, 弱化, 邊緣化, 不按期換屆 or others by name) on the
        ``basis`` of a screening or assessment. From ``normal`` or ``delisted`` (a relapse).
        VERIFIER or INSPECTOR."""
        self._branch_command(
            "designate_lagging", branch_id, actor, on, command_id, kinds=kinds, basis=basis
        )

    def start_consolidation(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        plan: str,
        deadline: date | str,
        mentors: tuple[Mentor | dict[str, str], ...] | list[Mentor | dict[str, str]],
        goals: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """開始整頓 with a plan, goals and a deadline, and 雙掛: exactly two ``mentors``, one
        leader of the branch's own unit and one from the supervising committee. VERIFIER."""
        self._branch_command(
            "start_consolidation",
            branch_id,
            actor,
            on,
            command_id,
            plan=plan,
            goals=goals,
            deadline=deadline,
            mentors=mentors,
        )

    def request_delisting(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """申請摘帽: ``consolidating`` → ``delisting_requested``. RESPONSIBLE of the unit or
        VERIFIER."""
        self._branch_command("request_delisting", branch_id, actor, on, command_id, note=note)

    def reject_delisting(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """退回整頓: ``delisting_requested`` → ``consolidating``. VERIFIER."""
        self._branch_command("reject_delisting", branch_id, actor, on, command_id, reason=reason)

    def delist(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """摘帽: ``delisting_requested`` → ``delisted``. VERIFIER. Refused with
        :class:`~rectify.errors.OpenIssuesRemain` (listing them) while an issue linked to the
        branch is not closed out or withdrawn."""
        self._branch_command("delist", branch_id, actor, on, command_id, note=note)

    def link_issue(
        self,
        issue_id: UUID | str,
        *,
        branch_id: UUID | str,
        actor: Actor,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """關聯: the issue is a problem of the branch (both record it, atomically). An issue has
        at most one branch; linking it again to the same one records nothing. VERIFIER or
        INSPECTOR. Issues recorded under issue/1 cannot be linked afterwards."""
        uuid = self._issue_uuid(issue_id)
        cmd = self._check_input(
            LinkIssue, actor=actor, on=on, command_id=command_id, branch_id=branch_id
        )
        branch = self._branch(cmd.branch_id)
        issue = self._load(uuid)
        issue.check("link_issue", cmd.actor, cmd.on, {"branch_id": branch.id})
        if issue.branch_id == branch.id and uuid in branch.issues:
            return
        if issue.branch_id != branch.id:
            issue.link_issue(
                actor=cmd.actor, on=cmd.on, branch_id=branch.id, command_id=cmd.command_id
            )
        branch.link_issue(
            actor=cmd.actor,
            on=max(cmd.on, branch.last_on),
            issue_id=uuid,
            command_id=cmd.command_id,
        )
        self._save(issue, branch, command_id=cmd.command_id)

    def record_election(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        held_on: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """換屆: the branch held its election on ``held_on`` (default: ``on``). VERIFIER or
        RESPONSIBLE of the unit."""
        self._branch_command("record_election", branch_id, actor, on, command_id, held_on=held_on)

    def rate_branch(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        results: dict[str, bool],
        scheme: str = "five-good",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> str | None:
        """評星定級: which criteria of ``scheme`` the branch met (五好: ``team``, ``system``,
        ``members``, ``service``, ``integrity``); returns the title earned (None if not all
        met). VERIFIER."""
        branch = self._branch_command(
            "rate_branch", branch_id, actor, on, command_id, scheme=scheme, results=results
        )
        return branch.rating

    def flag_overdue_elections(
        self,
        *,
        actor: Actor,
        as_of: date | str | None = None,
        on: date | str | None = None,
    ) -> list[UUID]:
        """Record one problem (不按期換屆) per branch whose election is overdue on ``as_of``,
        linked to it; idempotent (one problem per branch and missed due date, however often
        this runs). Returns the problems' ids. INSPECTOR or VERIFIER."""
        day = self._as_of(as_of)
        flagged: list[UUID] = []
        for view in self.branches(as_of=day):
            if not view.election_overdue:
                continue
            assert view.election_due is not None
            flagged.append(
                self.record_issue(
                    actor=actor,
                    title=f"{view.name}未按期換屆（應於{view.election_due}前換屆）",
                    unit=view.unit,
                    source=Source.SUPERVISION,
                    category=LaggingKind.ELECTION_OVERDUE.label,
                    branch_id=view.id,
                    on=on if on is not None else day,
                    command_id=f"election-overdue/{view.id}/{view.election_due}",
                )
            )
        return flagged

    # ------------------------------------------------------------------ the readiness policy

    def run_policies(self) -> int:
        """Run the policies over events recorded since they last ran; returns how many acted.

        The readiness policy: when the last open issue of a branch in consolidation is closed
        out (or withdrawn), the branch records that it is ready for reassessment, once per
        consolidation. It follows the log with its own tracked position (in the views' store),
        so after a restart it picks up what it had not seen; the branch's own state makes a
        second reaction impossible, so a crash between acting and tracking changes nothing.
        """
        last = self.recorder.max_notification_id() or 0
        after = self.views.max_tracking_id(POLICY_NAME) or 0
        if last <= after:
            return 0
        acted = 0
        watched: set[UUID] | None = None  # issues of branches waiting to be ready
        start = after + 1
        while start <= last:
            page = self.recorder.select_notifications(
                start, _PAGE, stop=last, topics=_CLOSING_TOPICS, inclusive_of_start=True
            )
            if page and watched is None:
                watched = self._watched_issues()
            for n in page:
                if watched and n.originator_id in watched:
                    closing: Any = self.mapper.to_domain_event(n)
                    acted += self._ready_if_due(closing.originator_id, closing.on)
            if len(page) < _PAGE:
                break
            start = page[-1].id + 1
        with suppress(StoreConflict):  # another process ran the policy up to here first
            self.views.insert_tracking(Tracking(POLICY_NAME, last))
        return acted

    def _watched_issues(self) -> set[UUID]:
        """The issues linked to branches in consolidation that are not ready yet: only their
        closings can make a branch ready (the others are skipped without being read)."""
        self.projector.catch_up(self._read_notifications)  # the index of branches, current
        watched: set[UUID] = set()
        for ident in self.views.record_ids("branch"):
            branch = self._branch(ident)
            if branch.status in _CONSOLIDATING and not branch.is_ready:
                watched.update(branch.issues)
        return watched

    def _ready_if_due(self, issue_id: UUID, on: date, branch_id: UUID | None = None) -> int:
        """The readiness policy for one closing (of ``issue_id``, on business date ``on``)."""
        if branch_id is None:
            branch_id = self._load(issue_id).branch_id
        if branch_id is None:
            return 0
        for _attempt in range(3):
            branch = self._branch(branch_id)
            if branch.status not in _CONSOLIDATING or branch.is_ready:
                return 0
            if issue_id not in branch.issues or self._open_issues(branch):
                return 0
            branch.mark_ready(
                actor=POLICY_ACTOR,
                on=min(max(on, branch.last_on), max(self.today(), branch.last_on)),
                last_issue_id=issue_id,
                command_id=f"ready/{branch.id}/{branch.consolidations}",
            )
            try:
                self.save(branch)
            except RecordConflictError:
                continue  # the branch changed meanwhile: look again
            return 1
        return 0  # pragma: no cover - three lost races in a row

    # ------------------------------------------------------------------ problem lists

    def issue_problem_list(
        self,
        *,
        actor: Actor,
        name: str,
        issuer: str,
        deadline: date | str,
        common_problems: Sequence[tuple[str, str]] = (),
        issued_on: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """下發問題清單: a named list, issued on ``issued_on`` (default ``on``) with a
        ``deadline`` and its ``common_problems`` as ``(code, text)``; returns its id. VERIFIER."""
        cmd = self._check_input(
            IssueProblemList,
            actor=actor,
            on=on,
            command_id=command_id,
            name=name,
            issuer=issuer,
            issued_on=issued_on,
            deadline=deadline,
            common_problems=common_problems,
        )
        existing = self._recorded_under("list", cmd.command_id)
        if existing is not None:
            return existing
        payload = cmd.payload()
        payload["issued_on"] = cmd.issued_on or cmd.on
        plist = ProblemList.issue(actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **payload)
        self._save_new(plist, cmd.command_id, "problem list")
        return plist.id

    def _recorded_under(self, kind: str, command_id: str | None) -> UUID | None:
        """The list, checklist or round (``kind``) already recorded under this key, if any."""
        if command_id is None:
            return None
        ident = derived_id(kind, command_id)
        return ident if self.is_recorded(ident) else None

    def _save_new(self, aggregate: Any, command_id: str | None, kind: str) -> None:
        """Save a new list, checklist or round (``kind``), whose id comes from its key."""
        try:
            self.save(aggregate)
        except RecordConflictError:
            if command_id is None or not self.is_recorded(aggregate.id):
                raise ConcurrencyConflict(aggregate.id, kind) from None
            # The same key, recorded by another writer first: that is the first result.

    def problem_list(self, list_id: UUID | str) -> ProblemList:
        """The problem list (its name, issuer, dates and common problems)."""
        return self._get(
            ProblemList, self._uuid(list_id, "list_id", "problem list"), "problem list"
        )

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

    # ------------------------------------------------------------------ inspection rounds

    def define_checklist(
        self,
        *,
        actor: Actor,
        name: str,
        items: Sequence[tuple[str, str]],
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """A checklist of ``(code, text)`` items (e.g. 26 of them); returns its id. VERIFIER or
        INSPECTOR."""
        cmd = self._check_input(
            DefineChecklist,
            actor=actor,
            on=on,
            command_id=command_id,
            name=name,
            items=items,
        )
        existing = self._recorded_under("checklist", cmd.command_id)
        if existing is not None:
            return existing
        checklist = Checklist.define(
            actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload()
        )
        self._save_new(checklist, cmd.command_id, "checklist")
        return checklist.id

    def checklist(self, checklist_id: UUID | str) -> Checklist:
        return self._get(
            Checklist, self._uuid(checklist_id, "checklist_id", "checklist"), "checklist"
        )

    def _target(self, target: UUID | str) -> str:
        """A target as a round stores it: a unit's name, or a branch's id as text (a branch may
        be given by id or by code)."""
        if isinstance(target, UUID):
            return str(self._branch(target).id)
        try:
            return str(self._branch(UUID(target)).id)
        except ValueError:
            pass
        by_code = branch_id_for(target)
        if self.is_recorded(by_code):
            return str(by_code)
        return target

    def open_inspection_round(
        self,
        checklist_id: UUID | str,
        *,
        actor: Actor,
        period: str,
        scope: Sequence[UUID | str],
        name: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """開始巡查: a round of the checklist for ``period`` over ``scope`` (units by name,
        branches by id or code); returns its id. INSPECTOR or VERIFIER."""
        cmd = self._check_input(
            OpenInspectionRound,
            actor=actor,
            on=on,
            command_id=command_id,
            checklist_id=checklist_id,
            period=period,
            scope=scope,
            name=name,
        )
        existing = self._recorded_under("round", cmd.command_id)
        if existing is not None:
            return existing
        checklist = self._get(Checklist, cmd.checklist_id, "checklist")
        targets = [self._target(t) for t in cmd.scope]
        branches = tuple(UUID(t) for t in targets if _is_uuid(t))
        units = tuple(t for t in targets if not _is_uuid(t))
        rnd = InspectionRound.open(
            actor=cmd.actor,
            on=cmd.on,
            name=cmd.name or f"{checklist.name} {cmd.period}",
            checklist_id=checklist.id,
            period=cmd.period,
            units=tuple(dict.fromkeys(units)),
            branches=tuple(dict.fromkeys(branches)),
            command_id=cmd.command_id,
        )
        self._save_new(rnd, cmd.command_id, "inspection round")
        return rnd.id

    def inspection_round(
        self, round_id: UUID | str, as_of: date | str | None = None
    ) -> InspectionRound:
        """The round (its scope, findings and their outcomes), as it stood on ``as_of`` when
        given."""
        uuid = self._uuid(round_id, "round_id", "inspection round")
        if as_of is not None:
            return self._replayed(InspectionRound, uuid, self._as_of(as_of), "inspection round")
        return self._get(InspectionRound, uuid, "inspection round")

    def record_finding(
        self,
        round_id: UUID | str,
        *,
        actor: Actor,
        target: UUID | str,
        item: str,
        text: str,
        deadline: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """發現問題: ``item`` of the round's checklist on ``target`` (in the round's scope)
        becomes an issue (source 巡查) linked to the round and item; returns the issue's id.

        The same finding again records nothing; seen again where the same item was closed out
        after an earlier round, the old issue is reopened (a relapse), not duplicated."""
        diff = self.import_findings(
            round_id,
            actor=actor,
            findings=[{"target": target, "item": item, "text": text}],
            deadline=deadline,
            on=on,
            command_id=command_id,
        )
        return next(iter(diff.issue_ids.values()))

    def import_findings(
        self,
        round_id: UUID | str,
        *,
        actor: Actor,
        findings: Sequence[Finding | dict[str, Any]],
        visited: Sequence[UUID | str] = (),
        deadline: date | str | None = None,
        dry_run: bool = False,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> FindingsDiff:
        """Record a round's findings all at once (re-inspection); returns the diff.

        Idempotent: the match key is (round, target, item), so importing the same findings
        again records nothing. ``dry_run=True`` records nothing and returns what would change
        (new, relapsed, still open, unchanged, no longer seen). Every finding is checked first
        (target in scope, item on the checklist, round open): one bad finding rejects the whole
        import with :class:`~rectify.errors.InvalidCommand` listing each, and nothing is
        recorded. ``visited`` are targets inspected without findings (for the coverage).
        ``deadline`` is given to the new issues, and to the reopened ones (a relapse keeps its
        old deadline without it)."""
        cmd = self._check_input(
            ImportFindings,
            actor=actor,
            on=on,
            command_id=command_id,
            findings=findings,
            visited=visited,
            dry_run=dry_run,
            deadline=deadline,
        )
        rnd = self.inspection_round(round_id)
        checklist = self._get(Checklist, rnd.checklist_id, "checklist")
        scope = set(rnd.scope)
        errors: list[dict[str, Any]] = []

        def refuse(field: str, message: str) -> None:
            errors.append({"field": field, "message": message})

        wanted: dict[tuple[str, str], str] = {}
        for n, f in enumerate(cmd.findings):
            target = self._target(f.target)
            if target not in scope:
                refuse(f"findings.{n}.target", f"{f.target} is not in the round's scope")
            if checklist.item(f.item) is None:
                refuse(f"findings.{n}.item", f"{f.item!r} is not an item of {checklist.name}")
            if (target, f.item) in wanted:
                refuse(f"findings.{n}", f"{f.target}/{f.item} is given twice")
            wanted[(target, f.item)] = f.text
        visits = [self._target(t) for t in cmd.visited]
        for n, t in enumerate(visits):
            if t not in scope:
                refuse(f"visited.{n}", f"{cmd.visited[n]} is not in the round's scope")
        if errors:
            raise InvalidCommand(errors[0]["field"], errors[0]["message"], errors)
        if not dry_run and any(key not in rnd.findings for key in wanted):
            rnd.check("record_finding", cmd.actor, cmd.on)  # a re-import of what it has is fine
        new: list[FindingKey] = []
        relapsed: list[FindingKey] = []
        still_open: list[FindingKey] = []
        unchanged: list[FindingKey] = []
        issue_ids: dict[str, UUID] = {}
        changed: list[Any] = []
        loaded: dict[UUID, Branch] = {}
        for (target, item), text in wanted.items():
            key = FindingKey(target=target, item=item)
            existing = rnd.findings.get((target, item))
            if existing is not None:
                unchanged.append(key)
                issue_ids[f"{target}/{item}"] = existing
                continue
            new.append(key)
            issue, outcome, extra = self._finding_issue(
                rnd, checklist, target, item, text, cmd.actor, cmd.on, cmd.deadline, loaded
            )
            issue_ids[f"{target}/{item}"] = issue.id
            if outcome == "relapse":
                relapsed.append(key)
            elif outcome == "still_open":
                still_open.append(key)
            if not dry_run:
                rnd.record_finding(
                    actor=cmd.actor,
                    on=cmd.on,
                    target=target,
                    item=item,
                    text=text,
                    issue_id=issue.id,
                    outcome=outcome,
                )
                changed += [issue, *extra] if outcome != "still_open" else []
        if not dry_run:
            for t in visits:
                rnd.record_visit(actor=cmd.actor, on=cmd.on, target=t)
        no_longer = [
            FindingKey(target=t, item=i) for (t, i) in rnd.findings if (t, i) not in wanted
        ]
        diff = FindingsDiff(
            round_id=rnd.id,
            dry_run=dry_run,
            new=tuple(new),
            relapsed=tuple(relapsed),
            still_open=tuple(still_open),
            unchanged=tuple(unchanged),
            no_longer_seen=tuple(no_longer),
            issue_ids=issue_ids,
        )
        if not dry_run and rnd.pending_events:
            self._save(rnd, *_unique(changed))
        return diff

    def _finding_issue(
        self,
        rnd: InspectionRound,
        checklist: Checklist,
        target: str,
        item: str,
        text: str,
        actor: Actor,
        on: date,
        deadline: date | None,
        loaded: dict[UUID, Branch],
    ) -> tuple[Issue, str, tuple[Branch, ...]]:
        """The issue a finding lands on: a new one, a closed-out one reopened (relapse), or one
        still open from an earlier round. Withdrawn ones are skipped (the next generation)."""
        generation = 0
        while True:
            ident = finding_issue_id(rnd.checklist_id, target, item, generation)
            if not self.is_recorded(ident):
                break
            issue = self._load(ident)
            if issue.status is Status.WITHDRAWN:
                generation += 1
                continue
            if issue.status is Status.CLOSED_OUT:
                issue.reopen(
                    actor=actor,
                    on=on,
                    reason=f"巡查再次發現（{rnd.name}）：{text}",
                    deadline=deadline,
                )
                return issue, "relapse", ()
            return issue, "still_open", ()
        branch_id = UUID(target) if _is_uuid(target) else None
        unit = self._branch(branch_id).unit if branch_id is not None else target
        issue = Issue.record(
            actor=actor,
            on=on,
            title=text,
            unit=unit,
            source=Source.INSPECTION,
            category=checklist.item(item),
            branch_id=branch_id,
            round_id=rnd.id,
            item=item,
            deadline=deadline,
            issue_id=ident,
        )
        return issue, "new", self._link(issue, actor, on, None, loaded)

    def close_inspection_round(
        self,
        round_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """結束巡查: no more findings in this round. INSPECTOR or VERIFIER."""
        cmd = self._check_input(
            CloseInspectionRound, actor=actor, on=on, command_id=command_id, note=note
        )
        rnd = self.inspection_round(round_id)
        if rnd.has_seen(cmd.command_id):
            return
        rnd.close(actor=cmd.actor, on=cmd.on, note=cmd.note, command_id=cmd.command_id)
        self._save(rnd, command_id=cmd.command_id)

    def round_figures(self, round_id: UUID | str, as_of: date | str | None = None) -> RoundFigures:
        """A round on ``as_of``: targets in scope and covered, findings (new, relapses, still
        open from before), and how many are rectified, closed out and overdue."""
        uuid = self._uuid(round_id, "round_id", "inspection round")
        day = self._as_of(as_of)
        rnd = self._replayed(InspectionRound, uuid, day, "inspection round")
        wanted = set(rnd.findings.values())
        rows = [r for r in self.ledger(day) if r.id in wanted]
        return RoundFigures.of(rnd, rows, day)

    # ------------------------------------------------------------------ queries

    def _aggregate_at(self, aggregate_id: UUID, version: int) -> Any:
        with replaying("aggregate", aggregate_id):
            return self.repository.get(aggregate_id, version=version)

    def _read_notifications(self, after: int) -> list[tuple[int, Any]]:
        page = self.recorder.select_notifications(after + 1, _PAGE, inclusive_of_start=True)
        return [(n.id, self.mapper.to_domain_event(n)) for n in page]

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Bring the views up to the last recorded event; returns how many events that took.

        Queries do this first (unless the app was made with ``catch_up=False``, for a deployment
        where ``rectify project --follow`` keeps the views), so embedded use reads its own writes.
        The policies (:meth:`run_policies`) run too. ``progress(n)`` is told of each batch of
        ``n`` events projected (for a progress bar).
        """
        self.run_policies()
        read = self._read_notifications
        if progress is not None:

            def read(after: int) -> list[tuple[int, Any]]:
                page = self._read_notifications(after)
                progress(len(page))
                return page

        return self.projector.catch_up(read)

    def pending_events(self) -> int:
        """How many recorded events the views have not projected yet."""
        last = self.recorder.max_notification_id() or 0
        return last - (self.views.max_tracking_id(self.name) or 0)

    def rebuild_views(self) -> int:
        """Empty the views and project the whole log again, from zero."""
        self.views.clear(self.name)
        return self.catch_up()

    def _fresh(self) -> None:
        if self.catches_up:
            self.catch_up()

    def _known_at(self, known_at: int | datetime | str | None) -> int | None:
        if known_at is None:
            return None
        if isinstance(known_at, int) and not isinstance(known_at, bool):
            if known_at < 0:
                raise InvalidCommand("known_at", f"a log position is not negative ({known_at})")
            return known_at
        if isinstance(known_at, str):
            text = _check_text(known_at, "known_at")
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
        return self.views.position_at(known_at)

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
        self._fresh()
        day = self._as_of(as_of)
        position = self._known_at(known_at)
        filters: dict[str, str] = {}
        if unit is not None:
            filters["unit"] = _check_text(unit, "unit")
        if status is not None:
            filters["status"] = _parse(Status, status, "status").value
        if source is not None:
            filters["source"] = _parse(Source, source, "source").value
        if category is not None:
            filters["category"] = _check_text(category, "category")
        with _no_cyclic_gc():
            return [
                LedgerRow(seq, state, day)
                for seq, state in self.views.ledger_rows(day, position, filters)
            ]

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
        with _no_cyclic_gc():
            return Figures.of(rows, day, position)

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
        self._fresh()
        return _audit_entries(self.views.audit_rows(after=position, limit=limit))

    def is_recorded(self, ident: UUID) -> bool:
        """Whether anything (an issue, branch, list, checklist or round) has this id."""
        return bool(self.recorder.select_events(ident, limit=1))

    def get_branch_aggregate(self, branch_id: UUID | str) -> Branch:
        """The Branch aggregate itself (to act on it in a unit of work of your own)."""
        return self._branch(branch_id)

    def _replayed(self, cls: type[A], ident: UUID, day: date, kind: str) -> A:
        """``ident`` rebuilt from its events dated on or before ``day`` (business dates never go
        backwards within one aggregate)."""
        found = replay_until(list(self.repository.event_store.get(ident)), day)
        if found is None:
            if not self.is_recorded(ident):
                raise NotFound(kind, ident)
            raise NotFound(kind, ident, f"it was not yet recorded on {day}")
        if not isinstance(found, cls):
            raise NotFound(kind, ident, f"that id is not a {kind}")
        return found

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
        actor = _check_actor(actor)
        return self._branch(branch_id).allowed_actions(actor, self.today())

    def branch_id(self, code: str) -> UUID:
        """The id of the branch registered with ``code`` (NotFound if there is none)."""
        ident = branch_id_for(code)
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
        self._fresh()
        day = self._as_of(as_of)
        wanted = _parse(BranchStatus, status, "status")
        views = []
        for ident in self.views.record_ids("branch"):
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

    def problem_lists(self) -> list[ProblemList]:
        """Every problem list, in the order issued."""
        self._fresh()
        return [self.problem_list(i) for i in self.views.record_ids("problem_list")]

    def inspection_rounds(self) -> list[InspectionRound]:
        """Every inspection round, in the order opened."""
        self._fresh()
        return [self.inspection_round(i) for i in self.views.record_ids("round")]

    def has_issue(self, issue_id: UUID | str) -> bool:
        """Whether an issue with this id is recorded."""
        return self.is_recorded(self._issue_uuid(issue_id))

    def _events(self, issue_id: UUID) -> list[Issue.Event]:
        events = list(self.repository.event_store.get(issue_id))
        if not events:
            raise NotFound("issue", issue_id)
        return events  # type: ignore[return-value]

    def business_date(self, as_of: date | str | None = None) -> date:
        """The business date a query's ``as_of`` means: the date itself, an ISO date string,
        or today (by the application's clock) for None."""
        return self._as_of(as_of)

    def _as_of(self, as_of: date | str | None) -> date:
        if as_of is None:
            return self.today()
        try:
            return parse_day(as_of)
        except ValueError as e:
            raise InvalidCommand("as_of", str(e)) from None

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
        actor = _check_actor(actor)
        return self._load(self._issue_uuid(issue_id)).allowed_actions(actor, self.today())

    def audit_trail(
        self, issue_id: UUID | str | None = None, *, unit: str | None = None
    ) -> list[AuditEntry]:
        """Every event of an issue (or of every issue of ``unit``), in the order recorded:
        when recorded, business date, actor, action, from-state → to-state, reason."""
        if issue_id is None and unit is None:
            raise InvalidCommand("issue_id", "give an issue id or a unit")
        uuid = self._issue_uuid(issue_id) if issue_id is not None else None
        self._fresh()
        rows = self.views.audit_rows(issue_id=str(uuid) if uuid else None, unit=unit)
        if uuid is not None and not rows:
            raise NotFound("issue", uuid)
        return _audit_entries(rows)

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


A = TypeVar("A")
C = TypeVar("C", bound=Command)

POLICY_NAME = "rectify.readiness"
"""The tracking name of the readiness policy's position in the log."""

POLICY_ACTOR = Actor("rectify.policy", "整改銷號自動判定", "rectify", [Role.ADMIN])
"""Who records what a policy decides."""

_CLOSING = frozenset({"close_out", "withdraw"})
_CLOSING_TOPICS = tuple(get_topic(c) for c in (Issue.ClosedOut, Issue.IssueWithdrawn))
_CONSOLIDATING = frozenset({BranchStatus.CONSOLIDATING, BranchStatus.DELISTING_REQUESTED})


@dataclass(frozen=True)
class _Attempt:
    last: bool


def _attempts(count: int = 8) -> Iterator[_Attempt]:
    """Attempts at a command that lost a race on an aggregate it only touches on the side (the
    branch an issue is linked to), with a short random pause before each retry."""
    for n in range(count):
        if n:
            time.sleep(random.uniform(0, 0.01 * 2**n))
        yield _Attempt(last=n == count - 1)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _unique(aggregates: list[Any]) -> list[Any]:
    seen: dict[UUID, Any] = {}
    for a in aggregates:
        seen.setdefault(a.id, a)
    return list(seen.values())


def _audit_entries(rows: list[tuple[Any, ...]]) -> list[AuditEntry]:
    return [audit_entry_from_row(dict(zip(AUDIT_COLUMNS, r, strict=True))) for r in rows]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that form no
    cycles: with 100k ledger rows its repeated full passes cost more than the rows themselves."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(enum: Any, value: object, field: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        shown = repr(value[:40]) if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidCommand(field, f"{shown} is not one of {choices}") from None


def _check_text(value: object, field: str) -> str:
    """``value`` if it is text a store can hold (a filter, say), else InvalidCommand."""
    if not isinstance(value, str):
        raise InvalidCommand(field, f"expected text, not a {type(value).__name__}")
    problem = unholdable(value)
    if problem is not None:
        raise InvalidCommand(field, f"contains {problem}")
    return value


def _check_actor(actor: object, field: str = "actor") -> Actor | None:
    if actor is None or isinstance(actor, Actor):
        return actor
    raise InvalidCommand(field, f"expected an Actor, not a {type(actor).__name__}")


def replay_until(events: Sequence[Any], as_of: date) -> Any:
    """The aggregate (an issue, branch, round) rebuilt from its events dated on or before
    ``as_of`` (None if none were)."""
    aggregate: Any = None
    with replaying("aggregate", events[0].originator_id if events else None):
        for e in events:
            if e.on > as_of:
                break  # business dates never go backwards within one aggregate
            aggregate = e.mutate(aggregate)
    return aggregate


def connect(
    url: str = "sqlite:///rectify.db",
    *,
    today: Callable[[], date] = date.today,
    catch_up: bool = True,
    create: bool = True,
) -> RectificationApp:
    """Open the ledger at ``url``: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host:port/dbname`` (``?schema=name`` to keep it in its own schema;
    ``connect_timeout`` and ``lock_timeout`` in seconds, 5 and 10 by default).

    ``today`` is the clock for default business dates. With ``catch_up=False`` queries read the
    views as they stand, for deployments where ``rectify project --follow`` keeps them current.
    With ``create=False`` a store that does not exist raises :class:`~rectify.errors.NotFound`
    rather than being made (for reading). A store that cannot be reached or opened raises
    :class:`~rectify.errors.StoreUnavailable` within seconds.
    """
    if not isinstance(url, str):
        raise InvalidCommand("url", f"a store URL is text, not a {type(url).__name__}")
    env = env_for_url(url)
    with opening(env, url, create=create):
        return RectificationApp(env, today=today, catch_up=catch_up)
