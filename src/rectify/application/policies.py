"""Policies and catch-up of :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import RecordConflictError, Tracking
from eventsourcing.utils import get_topic

from rectify.adapters.viewstores import StoreConflict
from rectify.application.branches import BranchService
from rectify.application.plumbing import PAGE
from rectify.domain.issue import Issue
from rectify.domain.values import (
    Actor,
    BranchStatus,
    Role,
)
from rectify.errors import ViewsRebuilding

T = TypeVar("T")

_READ_ATTEMPTS = 5
"""Reads of the views made again at most, while rebuilds elsewhere keep clearing them."""

POLICY_NAME = "rectify.readiness"
"""The tracking name of the readiness policy's position in the log."""

POLICY_ACTOR = Actor("rectify.policy", "整改銷號自動判定", "rectify", [Role.ADMIN])
"""Who records what a policy decides."""

CLOSING = frozenset({"close_out", "withdraw"})
"""The issue triggers the readiness policy reacts to."""
_CLOSING_TOPICS = tuple(get_topic(c) for c in (Issue.ClosedOut, Issue.IssueWithdrawn))
_CONSOLIDATING = frozenset({BranchStatus.CONSOLIDATING, BranchStatus.DELISTING_REQUESTED})


class PolicyService(BranchService):
    """Keeping the read models and the policies current with the log: catch-up, rebuild, and the
    readiness policy (a branch in consolidation is ready once its last problem is closed out)."""

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Bring the views up to the last recorded event; returns how many events that took.

        Queries do this first (unless the app was made with ``catch_up=False``, for a deployment
        where ``rectify project --follow`` keeps the views), so embedded use reads its own writes.
        The policies (:meth:`run_policies`) run too. ``progress(n)`` is told of each batch of
        ``n`` events projected (for a progress bar).
        """
        self._drop_names_forgotten_elsewhere()
        read = self._read_notifications
        if progress is not None:

            def read(after: int) -> list[tuple[int, Any]]:
                page = self._read_notifications(after)
                progress(len(page))
                return page

            # Projected here first, with the progress told: the policies read the views
            # current, and would otherwise project the whole backlog without a word.
            done = self.projector.catch_up(read)
            self.run_policies()
            return done + self.projector.catch_up(self._read_notifications)
        self.run_policies()
        return self.projector.catch_up(read)

    def _drop_names_forgotten_elsewhere(self) -> None:
        """Before projecting: if anyone was forgotten since (by any process), drop every name
        read before (the cipher's memory, the projector's recent aggregates), so none goes back
        into the views."""
        personal = getattr(self.mapper, "personal", None)
        if personal is not None and personal.refresh():
            self.projector.recent.clear()

    def pending_events(self) -> int:
        """How many recorded events the views have not projected yet."""
        last = self.recorder.max_notification_id() or 0
        return last - (self.views.max_tracking_id(self.name) or 0)

    def rebuild_views(self, progress: Callable[[int], None] | None = None) -> int:
        """Empty the views and project the whole log again, from zero (``progress`` as for
        :meth:`catch_up`).

        Safe while other processes write and read: their catch-ups take turns with it under the
        views' lock, and a reader that does not catch up (``connect(catch_up=False)``) is
        refused with :class:`~rectify.errors.ViewsRebuilding` until the views are back where
        the log stood when the rebuild began, rather than shown a part of the ledger."""
        self.views.clear(self.name, rebuild_to=self.recorder.max_notification_id() or 0)
        return self.catch_up(progress)

    def _from_views(self, read: Callable[[], T]) -> T:
        """``read()`` of the views, current (caught up first, unless the app reads views another
        process keeps) and whole: never a part of what a rebuild elsewhere is making anew. A
        rebuild that began while ``read`` ran is noticed by its mark, and the read made again
        (or :class:`ViewsRebuilding` raised, for an app that does not catch up)."""
        for _ in range(_READ_ATTEMPTS):
            if self.catches_up:
                self.catch_up()
            before = self.views.rebuild_state(self.name)
            if before[1]:
                if not self.catches_up:
                    raise ViewsRebuilding(self.name)
                continue
            result = read()
            if self.views.rebuild_state(self.name) == before:
                return result
            if not self.catches_up:
                raise ViewsRebuilding(self.name)
        raise ViewsRebuilding(self.name)

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
                start, PAGE, stop=last, topics=_CLOSING_TOPICS, inclusive_of_start=True
            )
            if page and watched is None:
                watched = self._watched_issues()
            for n in page:
                if watched and n.originator_id in watched:
                    closing: Any = self.mapper.to_domain_event(n)
                    acted += self._ready_if_due(closing.originator_id, closing.on)
            if len(page) < PAGE:
                break
            start = page[-1].id + 1
        if watched is not None and (self.views.max_tracking_id(self.name) or 0) < last:
            return acted  # a rebuild emptied the branch index meanwhile: read these again
        with suppress(StoreConflict):  # another process ran the policy up to here first
            self.views.insert_tracking(Tracking(POLICY_NAME, last))
        return acted

    def _watched_issues(self) -> set[UUID]:
        """The issues linked to branches in consolidation that are not ready yet: only their
        closings can make a branch ready (the others are skipped without being read)."""
        self._drop_names_forgotten_elsewhere()
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
