"""Problem lists and inspection rounds of :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from rectify.application.issues import IssueService
from rectify.application.plumbing import is_uuid, unique
from rectify.domain.branch import Branch, branch_id_for
from rectify.domain.commands import (
    CloseInspectionRound,
    DefineChecklist,
    Finding,
    ImportFindings,
    IssueProblemList,
    OpenInspectionRound,
)
from rectify.domain.issue import Issue
from rectify.domain.lists import (
    Checklist,
    InspectionRound,
    ProblemList,
    finding_issue_id,
)
from rectify.domain.values import (
    Actor,
    Source,
    Status,
)
from rectify.errors import InvalidCommand
from rectify.projections.organisation import (
    FindingKey,
    FindingsDiff,
)


class ListService(IssueService):
    """Problem lists (問題清單), checklists and inspection rounds (巡查) with their findings."""

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
        issue_workflow: str | None = None,
    ) -> UUID:
        """下發問題清單: a named list, issued on ``issued_on`` (default ``on``) with a
        ``deadline`` and its ``common_problems`` as ``(code, text)``; returns its id. VERIFIER.

        ``issue_workflow`` (the key of a registered issue workflow) is the workflow the problems
        recorded from the list run under, unless ``record_issue(workflow=…)`` names another:
        a new version of the rules, for this list's problems only."""
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
            issue_workflow=issue_workflow,
        )
        existing = self._recorded_under("list", cmd.command_id)
        if existing is not None:
            return existing
        payload = cmd.payload()
        payload["issued_on"] = cmd.issued_on or cmd.on
        plist = ProblemList.issue(actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **payload)
        self._save_new(plist, cmd.command_id, "problem list")
        return plist.id

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
        branches = tuple(UUID(t) for t in targets if is_uuid(t))
        units = tuple(t for t in targets if not is_uuid(t))
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
            self._save(rnd, *unique(changed))
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
        branch_id = UUID(target) if is_uuid(target) else None
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
        if rnd.has_seen(cmd.command_id, cmd.trigger):
            return
        rnd.close(actor=cmd.actor, on=cmd.on, note=cmd.note, command_id=cmd.command_id)
        self._save(rnd, command_id=cmd.command_id)
