"""The invariant catalogue: every rule that must hold of any recorded history, written once.

Our own test suite and :mod:`rectify.testing.stateful` check these after every step; embedders can
run them against their own stores (``check_issue(app, issue_id)``) or their own rule sets. Each
invariant raises :class:`InvariantViolation` saying what broke, on which issue, at which event.

Why this module is long: it is the one catalogue; every rule is written here once, for issues,
branches and the views, so that no rule has a second home.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from uuid import UUID

from rectify.domain.branch import Branch
from rectify.domain.issue import Issue, trigger_of
from rectify.domain.values import OPEN_STATUSES, BranchStatus
from rectify.projections.figures import Figures
from rectify.projections.ledger import LedgerRow, row_of
from rectify.projections.organisation import BranchView
from rectify.projections.views import AuditEntry, IssueView, audit_entries

if TYPE_CHECKING:
    from rectify.application import RectificationApp


class InvariantViolation(AssertionError):
    """An invariant of the catalogue does not hold."""


RECTIFICATIONS = (Issue.RectifiedOnTheSpot, Issue.CentrallyTreated, Issue.RectificationSubmitted)
ACCEPTANCE_DECISIONS = (Issue.RectificationVerified, Issue.RectificationRejected)
DECISIONS = (
    *ACCEPTANCE_DECISIONS,
    Issue.ClosedOut,
    Issue.IssueWithdrawn,
    Issue.DeadlineExtended,
)
"""Events that decide on an issue: separation of duties binds who records them."""

BOUND_TO_EVIDENCE = (
    Issue.RectificationVerified,
    Issue.ClosedOut,
    Issue.IssueWithdrawn,
    Issue.DecisionsReconfirmed,
)
"""Events that record the digest of the evidence they relied on (rectify.domain.decisions)."""

CONSEQUENCES = tuple(Issue.consequences)
"""Events an issue records by itself as the consequence of another (not a transition)."""


def _fail(issue_id: object, message: str) -> InvariantViolation:
    return InvariantViolation(f"issue {issue_id}: {message}")


def stored_events(app: RectificationApp, issue_id: UUID) -> list[Issue.Event]:
    """The issue's events as stored, decoded, in version order."""
    return list(app.repository.event_store.get(issue_id))  # type: ignore[arg-type]


# ---------------------------------------------------------------- over one issue's history


def versions_are_contiguous(events: Sequence[Issue.Event]) -> None:
    """Versions run 1, 2, 3, ... with no gap, and the first event is the finding."""
    for n, e in enumerate(events, start=1):
        if e.originator_version != n:
            raise _fail(e.originator_id, f"event {n} has version {e.originator_version}")
    if events and not isinstance(events[0], Issue.IssueFound):
        raise _fail(events[0].originator_id, "the first event is not IssueFound")


def business_dates_never_go_backwards(events: Sequence[Issue.Event]) -> None:
    """Within one issue, each event's business date is on or after the previous one's."""
    for before, after in pairwise(events):
        if after.on < before.on:
            raise _fail(
                after.originator_id,
                f"event {after.originator_version} dated {after.on} before {before.on}",
            )


def every_transition_was_allowed(events: Sequence[Issue.Event]) -> None:
    """Replayed under the issue's own workflow, every event was a transition from its state."""
    issue: Issue | None = None
    for e in events:
        if issue is not None and not isinstance(e, CONSEQUENCES):
            trigger = trigger_of(e)
            if issue.flow.lookup(issue.status, trigger) is None:
                raise _fail(
                    e.originator_id,
                    f"event {e.originator_version} ({trigger}) is not allowed "
                    f"from {issue.status.value} under {issue.workflow}",
                )
        issue = e.mutate(issue)


def closed_out_only_after_verification(events: Sequence[Issue.Event]) -> None:
    """Every close-out (銷號) follows a verification made after the last rectification before it."""
    last_rectified = last_verified = -1
    for n, e in enumerate(events):
        if isinstance(e, RECTIFICATIONS):
            last_rectified = n
        elif isinstance(e, Issue.RectificationVerified):
            last_verified = n
        elif isinstance(e, Issue.ClosedOut) and not (0 <= last_rectified < last_verified):
            raise _fail(
                e.originator_id,
                f"closed out at event {e.originator_version} without a verification "
                "after its last rectification",
            )


def nobody_decides_on_own_work(events: Sequence[Issue.Event]) -> None:
    """No verification, rejection, close-out, withdrawal or extension was made by an actor of the
    issue's own, responsible or rectifying unit, or by a person who rectified it (the rule of
    :meth:`Issue.conflict_of_interest`)."""
    issue: Issue | None = None
    for e in events:
        if isinstance(e, DECISIONS):
            assert issue is not None
            reason = issue.conflict_of_interest(e.actor)
            if reason is not None:
                raise _fail(
                    e.originator_id,
                    f"event {e.originator_version} ({type(e).__name__}) breaks separation of "
                    f"duties: {reason}",
                )
        issue = e.mutate(issue)


nobody_accepts_own_units_work = nobody_decides_on_own_work
"""The name this invariant had when it covered verification and rejection only."""


def decisions_stale_exactly_when_their_evidence_changed(events: Sequence[Issue.Event]) -> None:
    """A decision records the digest of what the issue was before it and the version it saw;
    a standing decision is marked stale right after (in the save of) the change that made what
    it relied on differ from its digest, and only then, once until re-confirmed."""
    issue: Issue | None = None
    owed: set[str] = set()  # decisions the last change made stale, still to be marked
    for e in events:
        if isinstance(e, Issue.DecisionMarkedStale):
            if e.decision not in owed:
                raise _fail(
                    e.originator_id,
                    f"event {e.originator_version} marks {e.decision} stale though nothing "
                    "it relied on changed (or it was marked already)",
                )
            owed.discard(e.decision)
            issue = e.mutate(issue)
            continue
        if owed:
            raise _fail(
                e.originator_id,
                f"before event {e.originator_version}: {', '.join(sorted(owed))} not marked "
                "stale after what it relied on changed",
            )
        if isinstance(e, BOUND_TO_EVIDENCE) and issue is not None:
            recorded = (e.evidence_digest, e.decided_on_version)
            if recorded[0] is not None and recorded != (issue.evidence_digest(), issue.version):
                raise _fail(
                    e.originator_id,
                    f"event {e.originator_version} records a digest or version other than the "
                    "issue's before it",
                )
        issue = e.mutate(issue)
        assert issue is not None
        watched = issue.watched_decisions()
        if watched:
            now = issue.evidence_digest()
            owed = {d.trigger for d in watched if d.digest != now}
    if owed:
        raise _fail(events[-1].originator_id, f"{', '.join(sorted(owed))} not marked stale")


HISTORY_INVARIANTS: dict[str, Callable[[Sequence[Issue.Event]], None]] = {
    f.__name__: f
    for f in (
        versions_are_contiguous,
        business_dates_never_go_backwards,
        every_transition_was_allowed,
        closed_out_only_after_verification,
        nobody_decides_on_own_work,
        decisions_stale_exactly_when_their_evidence_changed,
    )
}
"""Invariants of one issue's recorded history, by name."""


# ---------------------------------------------------------------- against the application


def replay_oracle(events: Iterable[Issue.Event], as_of: date) -> Issue | None:
    """From-scratch answer to "the issue as of D": apply every event dated on or before D."""
    issue: Issue | None = None
    for e in events:
        if e.on <= as_of:
            issue = e.mutate(issue)
    return issue


def days_of_interest(events: Sequence[Issue.Event]) -> list[date]:
    """Each business date in the history, the day before and the day after it."""
    days = {d + timedelta(days=k) for d in (e.on for e in events) for k in (-1, 0, 1)}
    return sorted(days)


def rebuilt_equals_saved(saved: Issue, rebuilt: Issue) -> None:
    """The aggregate rebuilt from stored events equals the one that was saved from memory."""
    if saved != rebuilt:
        raise _fail(saved.id, f"rebuilt {rebuilt!r} differs from saved {saved!r}")


def as_of_equals_replay(app: RectificationApp, issue_id: UUID) -> None:
    """``get_issue(as_of=D)`` equals a from-scratch replay of the events up to D, for every D."""
    from rectify.errors import NotFound

    events = stored_events(app, issue_id)
    for day in days_of_interest(events):
        expected = replay_oracle(events, day)
        try:
            got: IssueView | None = app.get_issue(issue_id, as_of=day)
        except NotFound:
            got = None
        want = IssueView.of(expected, day) if expected is not None else None
        if got != want:
            raise _fail(issue_id, f"as of {day} the app says {got!r}, a replay says {want!r}")


def audit_entries_of(app: RectificationApp, issue_id: UUID) -> list[AuditEntry]:
    """The audit trail of an issue made by replaying its stored events (the views' oracle)."""
    return audit_entries(stored_events(app, issue_id))


def audit_trail_equals_replay(app: RectificationApp, issue_id: UUID) -> None:
    """The audit trail the views keep equals one made by replaying the issue's events."""
    got = [e.model_copy(update={"position": None}) for e in app.audit_trail(issue_id)]
    want = audit_entries_of(app, issue_id)
    if got != want:
        raise _fail(issue_id, f"the audit view says {got!r}, a replay says {want!r}")


def check_issue(app: RectificationApp, issue_id: UUID) -> None:
    """Run the history invariants and the as-of check over one stored issue.

    (Whether the saved aggregate equals the rebuilt one needs the saved object: see
    :func:`rebuilt_equals_saved`, which the stateful machine calls after every save.)
    """
    events = stored_events(app, issue_id)
    for check in HISTORY_INVARIANTS.values():
        check(events)
    as_of_equals_replay(app, issue_id)
    audit_trail_equals_replay(app, issue_id)


@dataclass(frozen=True)
class StoreSnapshot:
    """What a refused command must leave untouched: the log's length, every issue's view and
    every branch's view."""

    max_notification_id: int
    views: dict[UUID, IssueView]
    branches: dict[UUID, BranchView] = field(default_factory=dict)


def snapshot(
    app: RectificationApp,
    issue_ids: Iterable[UUID],
    as_of: date,
    branch_ids: Iterable[UUID] = (),
) -> StoreSnapshot:
    return StoreSnapshot(
        max_notification_id=app.recorder.max_notification_id() or 0,
        views={i: app.get_issue(i, as_of=as_of) for i in issue_ids},
        branches={b: app.get_branch(b, as_of=as_of) for b in branch_ids},
    )


def refused_command_changed_nothing(before: StoreSnapshot, after: StoreSnapshot) -> None:
    """A refused command recorded no event and changed no view."""
    if after.max_notification_id != before.max_notification_id:
        msg = (
            f"a refused command recorded events: log went from {before.max_notification_id} "
            f"to {after.max_notification_id}"
        )
        raise InvariantViolation(msg)
    if after.views != before.views or after.branches != before.branches:
        changed = [i for i in before.views if before.views[i] != after.views.get(i)]
        changed += [b for b in before.branches if before.branches[b] != after.branches.get(b)]
        msg = f"a refused command changed the view of {changed}"
        raise InvariantViolation(msg)


# ---------------------------------------------------------------- branches


def all_logged_events(app: RectificationApp) -> list[tuple[int, Any]]:
    """Every event of the log (issues, branches, lists, rounds) with its position, in order."""
    out: list[tuple[int, Any]] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 1000, inclusive_of_start=True)
        out += [(n.id, app.mapper.to_domain_event(n)) for n in page]
        if len(page) < 1000:
            return out
        start = page[-1].id + 1


def _issue_status_at(log: Sequence[tuple[int, Any]], issue_id: UUID, position: int) -> Any:
    issue: Any = None
    for p, e in log:
        if p >= position:
            break
        if e.originator_id == issue_id:
            issue = e.mutate(issue)
    return None if issue is None else issue.status


def delisted_only_when_linked_issues_closed(
    log: Sequence[tuple[int, Any]], branch_id: UUID
) -> None:
    """摘帽 was recorded only when every issue linked to the branch was closed out or withdrawn."""
    branch: Any = None
    for position, e in log:
        if e.originator_id != branch_id:
            continue
        if isinstance(e, Branch.Delisted):
            still_open = [
                i for i in branch.issues if _issue_status_at(log, i, position) in OPEN_STATUSES
            ]
            if still_open:
                msg = f"branch {branch_id} was delisted at {position} with open issues {still_open}"
                raise InvariantViolation(msg)
        branch = e.mutate(branch)


def readiness_once_per_consolidation(log: Sequence[tuple[int, Any]], branch_id: UUID) -> None:
    """The readiness policy recorded at most one ReadyForReassessment per consolidation, and
    only while the branch was in consolidation."""
    consolidation = 0
    seen: set[int] = set()
    for _, e in log:
        if e.originator_id != branch_id:
            continue
        if isinstance(e, Branch.ConsolidationStarted):
            consolidation += 1
        elif isinstance(e, Branch.ReadyForReassessment):
            if consolidation == 0 or consolidation in seen:
                msg = (
                    f"branch {branch_id}: readiness recorded twice (consolidation {consolidation})"
                )
                raise InvariantViolation(msg)
            seen.add(consolidation)


def readiness_recorded_when_due(
    app: RectificationApp, log: Sequence[tuple[int, Any]], branch_id: UUID
) -> None:
    """A branch in consolidation whose linked issues are all closed, the last of them after the
    consolidation started, has recorded that it is ready for reassessment."""
    branch: Any = app.repository.get(branch_id)
    if branch.status not in (BranchStatus.CONSOLIDATING, BranchStatus.DELISTING_REQUESTED):
        return
    if branch.is_ready or not branch.issues:
        return
    started = max(
        p
        for p, e in log
        if e.originator_id == branch_id and isinstance(e, Branch.ConsolidationStarted)
    )
    statuses = [app.get_issue(i).status for i in branch.issues]
    if any(s in OPEN_STATUSES for s in statuses):
        return
    closings = [
        p
        for p, e in log
        if p > started
        and e.originator_id in branch.issues
        and isinstance(e, Issue.ClosedOut | Issue.IssueWithdrawn)
    ]
    links = [
        p
        for p, e in log
        if p > started and e.originator_id == branch_id and isinstance(e, Branch.IssueLinked)
    ]
    if closings and max(closings) > max(links, default=0):
        msg = f"branch {branch_id}: all its issues are closed since {max(closings)}, not ready"
        raise InvariantViolation(msg)


def branch_as_of_equals_replay(app: RectificationApp, branch_id: UUID) -> None:
    """``get_branch(as_of=D)`` equals a replay of the branch's events dated up to D."""
    events: list[Any] = list(app.repository.event_store.get(branch_id))
    for day in sorted({e.on for e in events}):
        branch: Any = None
        for e in events:
            if e.on <= day:
                branch = e.mutate(branch)
        if app.get_branch(branch_id, as_of=day) != BranchView.of(branch, day):
            msg = f"branch {branch_id} as of {day} differs from a replay"
            raise InvariantViolation(msg)


def check_branch(app: RectificationApp, branch_id: UUID) -> None:
    """Every branch invariant over one stored branch: delisting, readiness, as-of, audit."""
    log = all_logged_events(app)
    delisted_only_when_linked_issues_closed(log, branch_id)
    readiness_once_per_consolidation(log, branch_id)
    readiness_recorded_when_due(app, log, branch_id)
    branch_as_of_equals_replay(app, branch_id)
    got = [e.model_copy(update={"position": None}) for e in app.audit_trail(branch_id)]
    want = audit_entries(app.repository.event_store.get(branch_id))
    if got != want:
        msg = f"branch {branch_id}: the audit view differs from a replay"
        raise InvariantViolation(msg)


__all__ = [
    "HISTORY_INVARIANTS",
    "InvariantViolation",
    "StoreSnapshot",
    "all_logged_events",
    "as_of_equals_replay",
    "audit_entries_of",
    "audit_trail_equals_replay",
    "branch_as_of_equals_replay",
    "business_dates_never_go_backwards",
    "check_branch",
    "check_issue",
    "closed_out_only_after_verification",
    "decisions_stale_exactly_when_their_evidence_changed",
    "delisted_only_when_linked_issues_closed",
    "every_transition_was_allowed",
    "ledger_equals_replay",
    "ledger_oracle",
    "logged_events",
    "nobody_accepts_own_units_work",
    "readiness_once_per_consolidation",
    "readiness_recorded_when_due",
    "rebuilt_equals_saved",
    "refused_command_changed_nothing",
    "replay_oracle",
    "snapshot",
    "versions_are_contiguous",
]


# ---------------------------------------------------------------- the views against a replay


def logged_events(app: RectificationApp) -> list[tuple[int, Issue.Event]]:
    """Every issue event of the application's log with its notification position, in order."""
    return [(p, e) for p, e in all_logged_events(app) if isinstance(e, Issue.Event)]


def ledger_oracle(
    log: Sequence[tuple[int, Issue.Event]], as_of: date, known_at: int | None
) -> list[LedgerRow]:
    """From-scratch answer to "the ledger on D as known at K": replay, for each issue, the events
    recorded by K and dated on or before D. Issues are numbered in the order they were recorded."""
    by_issue: dict[UUID, list[tuple[int, Issue.Event]]] = {}
    for position, e in log:
        by_issue.setdefault(e.originator_id, []).append((position, e))
    rows = []
    for seq, events in enumerate(by_issue.values(), start=1):
        issue: Issue | None = None
        last = 0
        for position, e in events:
            if (known_at is None or position <= known_at) and e.on <= as_of:
                issue = e.mutate(issue)
                last = position
        if issue is not None:
            rows.append(row_of(issue, seq=seq, position=last, as_of=as_of))
    return rows


def ledger_equals_replay(
    app: RectificationApp,
    as_of: date,
    known_at: int | None,
    log: Sequence[tuple[int, Issue.Event]] | None = None,
) -> None:
    """``ledger(as_of=D, known_at=K)`` equals a from-scratch replay, and so do the figures."""
    events = logged_events(app) if log is None else log
    want = ledger_oracle(events, as_of, known_at)
    got = app.ledger(as_of=as_of, known_at=known_at)
    if got != want:
        diff = [(g, w) for g, w in zip(got, want, strict=False) if g != w][:1]
        msg = (
            f"ledger as of {as_of} known at {known_at}: {len(got)} rows from the view, "
            f"{len(want)} from a replay; first difference: {diff}"
        )
        raise InvariantViolation(msg)
    figures = app.figures(as_of=as_of, known_at=known_at)
    if figures != Figures.of(want, as_of, known_at):
        msg = f"figures as of {as_of} known at {known_at} differ from the replay's"
        raise InvariantViolation(msg)
