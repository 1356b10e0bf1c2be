"""Branch commands of :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from rectify.application.plumbing import Plumbing
from rectify.domain.branch import Branch, LinkedIssue, branch_id_for
from rectify.domain.commands import (
    LinkIssue,
    RegisterBranch,
)
from rectify.domain.issue import Issue
from rectify.domain.values import (
    OPEN_STATUSES,
    Actor,
    BranchKind,
    Mentor,
)
from rectify.errors import AlreadyExists


class BranchService(Plumbing):
    """Branches (黨支部) and the lagging-branch workflow: register, designate, consolidate with
    two mentors (雙掛), request and grant delisting (摘帽), elections and ratings."""

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
        branch.link_issue(actor=actor, on=on, issue_id=issue.id, command_id=command_id)
        self._review_delisting(branch, actor, issue.found_on, "關聯問題 (link_issue)", issue)
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
        if branch.has_seen(cmd.command_id, cmd.trigger):
            return branch
        context = self._guard_context(cmd.trigger, branch)
        branch.handle(cmd, **context)
        self._save(branch, command_id=cmd.command_id)
        return branch

    def _guard_context(self, trigger: str, branch: Branch) -> dict[str, Any]:
        """What a branch's guards and decisions need to know that only the store knows: for
        摘帽, the issues linked to it that are still open; for a decision bound to evidence (摘帽,
        re-confirming it, or any command while a delisting stands watched), what each linked
        issue is now."""
        if trigger not in ("delist", "reconfirm") and not branch.watched_decisions():
            return {}
        linked = self._linked_issues(branch)
        context: dict[str, Any] = {"linked_issues": linked}
        if trigger == "delist":
            context["open_issues"] = tuple(i for i, f in linked.items() if f.is_open)
        return context

    def _linked_issues(self, branch: Branch, *fresh: Issue) -> dict[UUID, LinkedIssue]:
        """What each issue linked to ``branch`` is now (``fresh``: issues not saved yet)."""
        known = {i.id: i for i in fresh}
        return {i: LinkedIssue.of(known.get(i) or self._load(i)) for i in branch.issues}

    def _review_delisting(
        self, branch: Branch, actor: Actor, on: date, cause: str, *fresh: Issue
    ) -> int:
        """Mark a watched delisting of ``branch`` stale when what it relied on changed (an
        issue linked or changed, by ``actor``, on ``on``); returns how many were marked. The
        branch records it with the change, to be saved with it."""
        if not branch.watched_decisions():
            return 0
        linked = self._linked_issues(branch, *fresh)
        return branch.review_decisions(actor, on, cause, {"linked_issues": linked})

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
        kinds: Sequence[str],
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
        mentors: Sequence[Mentor | Mapping[str, str]],
        goals: Sequence[str] = (),
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

    def reconfirm_delisting(
        self,
        branch_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """重新確認摘帽: a delisting marked stale (a linked issue reopened, one found before it
        linked after it, a new rating) is current again, bound to what the branch and its
        issues are now. VERIFIER; only a stale delisting (else TransitionNotAllowed)."""
        self._branch_command("reconfirm_delisting", branch_id, actor, on, command_id, note=note)

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
        branch.link_issue(actor=cmd.actor, on=cmd.on, issue_id=uuid, command_id=cmd.command_id)
        self._review_delisting(branch, cmd.actor, issue.found_on, "關聯問題 (link_issue)", issue)
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
