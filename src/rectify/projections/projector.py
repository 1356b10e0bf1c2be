"""Turns events into view rows: the ledger's temporal rows, the audit trail, the records index.

The projector applies each event to the issue aggregate it belongs to (the same ``@event`` bodies
that rebuild aggregates, so the views cannot drift from the domain) and records the state after it.
It works in batches: rows are computed in Python and written set-based, with the batch's tracking
position, in one transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from rectify.adapters.viewstores import TrackingMoved, ViewStore, to_json
from rectify.domain.issue import Issue
from rectify.domain.personal import PersonalData
from rectify.domain.seals import LogSeal
from rectify.errors import IntegrityError
from rectify.projections.ledger import issue_state, pack_state, stamp
from rectify.projections.views import AnyState, AuditEntry, action_of

_NOT_VIEWED = (LogSeal.Event, PersonalData.Event)
"""Events about the store itself (checkpoints, forgetting), which no view shows."""

LoadIssue = Callable[[UUID, int], Any]
"""Loads an aggregate as it was at a version (to continue from where the views stopped)."""


class Projector:
    """Brings a :class:`ViewStore` up to date with an application's notification log."""

    def __init__(self, store: ViewStore, load_issue: LoadIssue, application_name: str) -> None:
        self.store = store
        self.load_issue = load_issue
        self.application_name = application_name
        self.lock = threading.Lock()
        # The latest aggregate of recently projected issues, so an issue whose events are spread
        # over many batches is not reloaded for each; a stale entry (another writer projected
        # on) is noticed by its version and reloaded.
        self.recent: OrderedDict[UUID, Issue] = OrderedDict()
        self.recent_size = 50_000
        self.idle_size = 5_000

    def project(self, notifications: Sequence[tuple[int, Any]], after: int) -> None:
        """Write the rows of a batch of ``(position, domain event)``, read after position
        ``after``, and track its last position.

        Raises :class:`TrackingMoved` when the views moved on since ``after`` (another writer
        projected, or a rebuild cleared them): nothing is written. Raises
        :class:`~rectify.errors.IntegrityError` when an event does not apply to what came before
        it (the stored history was changed)."""
        if not notifications:
            return
        last = notifications[-1][0]
        notifications = [(p, e) for p, e in notifications if not isinstance(e, _NOT_VIEWED)]
        issues: dict[UUID, Issue] = {}
        seqs: dict[UUID, int] = {}
        pending: dict[UUID, list[Any]] = {}  # the batch's latest row per issue, still open
        versions: list[list[Any]] = []
        closes: list[tuple[Any, ...]] = []
        audit: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        others = [(p, e) for p, e in notifications if not isinstance(e, Issue.Event)]
        if others:
            self._project_others(others, audit, records)
        events = [(p, e) for p, e in notifications if isinstance(e, Issue.Event)]
        continuing = {e.originator_id for _, e in events if e.originator_version > 1}
        known = self.store.seqs(str(i) for i in continuing)
        next_seq = self.store.max_seq() + 1
        for position, e in events:
            key = e.originator_id
            before = issues.get(key)
            if before is None and e.originator_version > 1:
                cached = self.recent.pop(key, None)
                if cached is not None and cached.version == e.originator_version - 1:
                    before = cached
                else:
                    before = self.load_issue(key, e.originator_version - 1)
                seq = known.get(str(key))
                if seq is None:
                    raise self._missing_first_row(key, after)
                seqs[key] = seq
            if isinstance(e, Issue.IssueFound):
                seqs[key] = next_seq
                next_seq += 1
            from_state = before.status if before is not None else None
            state = _apply(e, before, position)  # mutates ``before``: its state was read above
            issues[key] = state
            if key in pending:  # the row this event supersedes was made in this batch
                pending[key][-2:] = [position, e.on.isoformat()]
            elif e.originator_version > 1:
                closes.append((position, e.on.isoformat(), str(key), e.originator_version - 1))
            row = self._version_row(state, seqs[key], position)
            versions.append(row)
            pending[key] = row
            audit.append(self._audit_row(position, e, from_state, state))
        audit.sort(key=lambda row: row[0])
        self.store.write(
            Tracking(self.application_name, last),
            after=after,
            versions=versions,
            closes=closes,
            audit=audit,
            records=records,
        )
        self.recent.update(issues)
        while len(self.recent) > self.recent_size:
            self.recent.popitem(last=False)

    def _missing_first_row(self, key: UUID, after: int) -> Exception:
        """An issue continued in this batch has no first row in the views: a rebuild cleared
        them since the batch was read (read again), or they were changed outside rectify."""
        if (self.store.max_tracking_id(self.application_name) or 0) != after:
            return TrackingMoved(f"issue {key} is not on the ledger any more: read again")
        msg = (
            f"the views hold no first row of issue {key} although they are tracked past it "
            f"(position {after}): they were changed outside rectify; rebuild them "
            "(rectify rebuild)"
        )
        return IntegrityError(msg)

    def _project_others(
        self,
        events: Sequence[tuple[int, Any]],
        audit: list[tuple[Any, ...]],
        records: list[tuple[Any, ...]],
    ) -> None:
        """Audit rows for the events of branches, lists, checklists and rounds, and a records
        row for each one created."""
        current: dict[UUID, Any] = {}
        for position, e in events:
            key = e.originator_id
            before = current.get(key)
            if before is None and e.originator_version > 1:
                before = self.load_issue(key, e.originator_version - 1)
            from_state = getattr(before, "status", None)
            after = _apply(e, before, position)
            current[key] = after
            audit.append(self._audit_row(position, e, from_state, after))
            if e.originator_version == 1:
                entry_kind, _ = action_of(e)
                records.append(
                    (
                        str(key),
                        entry_kind,
                        getattr(after, "name", ""),
                        getattr(after, "unit", None),
                        position,
                    )
                )

    @staticmethod
    def _version_row(issue: Issue, seq: int, position: int) -> list[Any]:
        state = issue_state(issue)
        state["position"] = position
        return [
            str(issue.id),
            issue.version,
            seq,
            position,
            issue.last_on.isoformat(),
            issue.unit,
            issue.responsible_unit,
            issue.status.value,
            issue.source.value,
            issue.category,
            pack_state(state),
            None,  # pos_to
            None,  # on_to
        ]

    @staticmethod
    def _audit_row(
        position: int, e: Any, from_state: AnyState | None, after: Any
    ) -> tuple[Any, ...]:
        entry = AuditEntry.of(e, from_state, after, position)
        return (
            position,
            str(e.originator_id),
            e.originator_version,
            stamp(e.timestamp),
            e.on.isoformat(),
            entry.actor.model_dump_json(),
            e.actor.unit,
            entry.action,
            entry.event,
            entry.from_state.value if entry.from_state is not None else None,
            entry.to_state.value if entry.to_state is not None else None,
            entry.reason,
            to_json(entry.details),
            getattr(after, "unit", None),
            getattr(after, "responsible_unit", None),
            entry.kind,
        )

    def catch_up(self, read: Callable[[int], Sequence[tuple[int, Any]]]) -> int:
        """Project everything after the tracked position; ``read(after)`` returns the next batch.

        Safe against another process doing the same: a batch it already wrote is skipped.
        Returns how many notifications were projected.
        """
        done = 0
        with self.lock:
            while True:
                after = self.store.max_tracking_id(self.application_name) or 0
                batch = read(after)
                if not batch:
                    # Keep the latest aggregates of a few recently projected issues (the next
                    # small catch-up continues them), not the whole of a long catch-up.
                    while len(self.recent) > self.idle_size:
                        self.recent.popitem(last=False)
                    return done
                try:
                    self.project(batch, after)
                except TrackingMoved:
                    # Raised only when the views did move (another writer projected, or a
                    # rebuild cleared them): read again from where they are now. Views that
                    # refuse a batch without having moved raise IntegrityError instead.
                    continue
                done += len(batch)


def _apply(event: Any, before: Any, position: int) -> Any:
    """``event`` applied to the aggregate as it was before it (None for its first event), or
    :class:`IntegrityError` naming the event when it does not apply: a stored history that was
    changed (a forged or reordered event, a missing one) can raise anything from the event's
    body, and none of that may leave the projector untyped."""
    try:
        return event.mutate(before)
    except Exception as e:
        msg = (
            f"stored event {event.originator_version} of {event.originator_id} (position "
            f"{position}, {type(event).__qualname__}) does not apply to the history before it: "
            f"{type(e).__name__}: {e}"
        )
        raise IntegrityError(msg) from e
