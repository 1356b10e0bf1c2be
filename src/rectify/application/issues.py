"""Issue commands of :class:`~rectify.application.RectificationApp`.

Why this module is long: it is one keyword method per issue command (each with its documented
parameters, as users call them), from recording to re-confirming a decision; apart, the
commands of one problem's life would be split across rooms for no other reason than length.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from rectify.adapters.calendars import chinese_working_calendar
from rectify.application.plumbing import attempts
from rectify.application.policies import CLOSING
from rectify.application.queries import QueryService
from rectify.domain.commands import (
    RecordIssue,
)
from rectify.domain.deadlines import NO_POLICY, ComputedDeadline, DeadlinePolicy, WorkingCalendar
from rectify.domain.issue import Issue, issue_id_for
from rectify.domain.lists import (
    ProblemList,
)
from rectify.domain.values import (
    Actor,
    LaggingKind,
    Mode,
    Severity,
    Source,
    parse_day,
)
from rectify.domain.workflows import registered_issue_workflow
from rectify.errors import ConcurrencyConflict, InvalidCommand, RectifyError


class IssueService(QueryService):
    """The life of one problem (an Issue): record, assign, rectify (on the spot, centrally or
    within the deadline), verify or reject, close out, reopen, extend, withdraw, measures."""

    deadline_policy: DeadlinePolicy = NO_POLICY
    """What gives a deadline to an assignment made without one (none by default); set it with
    ``connect(..., deadline_policy=…)`` or on the app."""

    def working_calendar(self) -> WorkingCalendar:
        """The calendar working-day deadlines are counted over (chinese-calendar's)."""
        return chinese_working_calendar()

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
        if issue.has_seen(cmd.command_id, cmd.trigger):
            return
        issue.handle(cmd)
        moved = issue.flow.step(cmd.trigger).dest is not None  # what a delisting relies on
        branch = self._branch(issue.branch_id) if moved and issue.branch_id is not None else None
        cause = f"{issue.flow.step(cmd.trigger).label} ({cmd.trigger}) of issue {issue.id}"
        if branch is not None and self._review_delisting(branch, cmd.actor, cmd.on, cause, issue):
            # What the branch's delisting relied on changed: marked stale in the same save.
            self._save(issue, branch, command_id=cmd.command_id)
        else:
            self._save(issue, command_id=cmd.command_id)
        if issue.branch_id is not None and trigger in CLOSING:
            # The readiness policy, at once for this closing; should this process stop before
            # it acts, or the policy fail (a busy store), run_policies (at the next start or
            # catch-up) reads the closing again. The command itself is recorded either way.
            with suppress(RectifyError):
                self._ready_if_due(issue.id, cmd.on, issue.branch_id)

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
        workflow: str | None = None,
        source_words: str | None = None,
    ) -> UUID:
        """發現: record a problem; returns its id. Needs INSPECTOR or VERIFIER.

        It runs under the current issue workflow, or under ``workflow``: the key of a
        registered issue workflow (``"issue/2"``, or one of one's own made known with
        ``rectify.domain.workflows.register_workflow``), kept for the issue's whole life. A
        problem recorded from a list that names a workflow runs under the list's unless
        ``workflow`` is given.

        ``branch_id`` links it to a registered branch. ``list_id`` (with ``common_problem``, a
        code of that list, for a unit's instance of a common problem) records it from a problem
        list; it then takes the list's deadline unless ``deadline`` is given. ``source_words``
        keeps the source as people wrote it (省委巡視反饋), shown in the ledger's 問題來源
        (:func:`rectify.domain.values.source_of_words` says which ``source`` words name)."""
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
            workflow=workflow,
            source_words=source_words,
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
            if cmd.workflow is None and plist.issue_workflow is not None:
                try:  # the list's rules: registered in this process too?
                    payload["workflow"] = registered_issue_workflow(plist.issue_workflow)
                except ValueError as e:
                    raise InvalidCommand("workflow", f"the list {plist.name} names {e}") from None
        elif cmd.common_problem is not None:
            raise InvalidCommand("common_problem", "a common problem needs the list_id it is on")
        for attempt in attempts():
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
        raise AssertionError  # pragma: no cover - attempts ends with a last attempt

    def assign(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        unit: str,
        person: str,
        deadline: date | str | None = None,
        measures: Sequence[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
        deadline_rule: str | None = None,
        calendar: str | None = None,
        deadline_words: str | None = None,
        standing: bool = False,
    ) -> None:
        """交辦: responsible unit and person, measures, deadline. ``found`` → ``assigned``. VERIFIER.

        Without a ``deadline``, the app's ``deadline_policy`` gives one (the problem's list's
        rule, else its source's, else its severity's), counted from ``on``; the rule and the
        working calendar's version are recorded with it. No rule covering the problem, or
        working days reaching a year the calendar does not know, raise
        :class:`~rectify.errors.InvalidCommand` for ``deadline``. ``deadline_rule`` and
        ``calendar`` record a deadline a policy gave elsewhere (an import); leave them out.

        ``standing=True`` (長期堅持) assigns a standing measure: no deadline, never overdue.
        ``deadline_words`` keeps the deadline as written when it is not a plain date (立行立改,
        長期堅持, 立行立改、長期堅持 …); words or a standing measure take no policy's deadline."""
        if deadline is None and deadline_rule is None and not standing and deadline_words is None:
            computed = self._policy_deadline(issue_id, on)
            if computed is not None:
                deadline = computed.deadline
                deadline_rule, calendar = computed.rule, computed.calendar
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
            deadline_rule=deadline_rule,
            calendar=calendar,
            deadline_words=deadline_words,
            standing=standing,
        )

    def _policy_deadline(
        self, issue_id: UUID | str, on: date | str | None
    ) -> ComputedDeadline | None:
        """The deadline the issue assigned on ``on`` takes from its workflow's policy, else from
        the app's (None: no rule of either covers it)."""
        try:
            day = self.today() if on is None else parse_day(on)
        except ValueError as e:
            raise InvalidCommand("on", str(e)) from None
        issue = self._load(self._issue_uuid(issue_id))
        for rules in (issue.flow.deadlines, self.deadline_policy):
            computed = None if rules is None else rules.deadline_for(
                list_id=issue.list_id,
                source=issue.source,
                severity=issue.severity,
                assigned_on=day,
                calendar=self.working_calendar(),
            )  # fmt: skip
            if computed is not None:
                return computed
        return None

    def rectify_on_the_spot(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: Sequence[str] = (),
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
        evidence: Sequence[str] = (),
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
        evidence: Sequence[str] = (),
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
        evidence: Sequence[str] = (),
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

    # ------------------------------------------------------------------ evidence and decisions (issue/3)

    def replace_evidence(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: Sequence[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """更換整改材料: new evidence of the rectification replaces the old, once rectified
        (also after verification or close-out, which it then marks stale). RESPONSIBLE of the
        responsible unit."""
        self._command(
            "replace_evidence", issue_id, actor, on, command_id, summary=summary, evidence=evidence
        )

    def reconfirm_decision(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """重新確認: the issue's stale decisions (驗收, 銷號) are current again, bound to the
        evidence now. VERIFIER, never of the unit that rectified; only when a decision is stale
        (else TransitionNotAllowed)."""
        self._command("reconfirm_decision", issue_id, actor, on, command_id, note=note)

    # ------------------------------------------------------------------ problems found by a policy

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
