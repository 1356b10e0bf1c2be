"""Guards named by the workflows: conditions a command must meet besides state and role.

Every guard is a named, documented predicate in one registry, :data:`GUARDS`; a workflow is checked
against it when defined.

A guard returns the error to raise, or None when the command may go ahead. ``args`` are the
command's arguments; it is None when only the actor is known (``allowed_actions``), and guards that
need arguments then let the step through. Guards run before an event is triggered, never on replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rectify.domain.values import Mentor, same_unit
from rectify.errors import (
    InvalidCommand,
    InvalidWorkflow,
    OpenIssuesRemain,
    PermissionDenied,
    RectifyError,
    TransitionNotAllowed,
)

if TYPE_CHECKING:
    from rectify.domain.branch import Branch
    from rectify.domain.checked import Guard
    from rectify.domain.issue import Issue
    from rectify.domain.values import Actor


def not_before_on(field: str, day: date | None, on: date) -> InvalidCommand | None:
    """The rule for every date a command sets ahead (a deadline, a new deadline, a measure's due
    date): when given, it is not before the business date of the command."""
    if day is not None and day < on:
        return InvalidCommand(field, f"{day} is before the date of the command, {on}")
    return None


def deadline_not_before_on(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """A deadline (or new deadline), when given, is not before the business date of the command."""
    for field in ("deadline", "new_deadline"):
        error = not_before_on(field, None if args is None else args.get(field), on)
        if error is not None:
            return error
    return None


def has_deadline(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """Only an issue with a deadline can have it extended."""
    if issue.deadline is None:
        return TransitionNotAllowed(
            "extend_deadline",
            issue.status.value,
            issue_id=issue.id,
            reason="the issue has no deadline to extend",
        )
    return None


def later_deadline(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """An extension moves the deadline later, never earlier or to the same day."""
    new = None if args is None else args.get("new_deadline")
    if new is not None and issue.deadline is not None and new <= issue.deadline:
        return InvalidCommand(
            "new_deadline", f"{new} is not later than the current deadline {issue.deadline}"
        )
    return None


def independent_decision(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """Separation of duties: nobody of the issue's own, responsible or rectifying unit, and no
    person who rectified it, decides on it (verify, reject, close out, withdraw, extend)."""
    reason = issue.conflict_of_interest(actor)
    if reason is None:
        return None
    return PermissionDenied(actor.id, "decide on this issue", f"separation of duties: {reason}")


def due_not_before_on(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """A measure's due date, when given, is not before the business date of the command."""
    return not_before_on("due", None if args is None else args.get("due"), on)


def measure_open(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """The measure to complete exists and is not done yet; an issue with no open measure has
    nothing to complete."""
    if not issue.open_measures():
        return TransitionNotAllowed(
            "complete_measure",
            issue.status.value,
            issue_id=issue.id,
            reason=f"no open measure ({len(issue.measures)} measure(s), all done)",
        )
    if args is None:
        return None
    number = issue.measure_number(args["measure"])
    if number is None:
        return InvalidCommand(
            "measure",
            f"{args['measure']!r} is not a measure of the issue "
            f"(give a number from 1 to {len(issue.measures)} or a measure's exact text)",
        )
    if number in issue.measures_done:
        return InvalidCommand("measure", f"measure {number} is already done")
    return None


def measures_done(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """A rectification is not submitted while one of the issue's measures is open."""
    still_open = issue.open_measures()
    if still_open:
        listed = "; ".join(f"{n}. {issue.measures[n - 1]}" for n in still_open)
        return TransitionNotAllowed(
            "submit_rectification",
            issue.status.value,
            issue_id=issue.id,
            reason=f"{len(still_open)} measure(s) still open: {listed}",
        )
    return None


def not_linked_elsewhere(
    issue: Issue, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """An issue belongs to at most one branch."""
    branch = None if args is None else args.get("branch_id")
    if branch is not None and issue.branch_id is not None and issue.branch_id != branch:
        return InvalidCommand(
            "branch_id", f"the issue is already linked to branch {issue.branch_id}"
        )
    return None


def decision_stale(
    aggregate: Issue | Branch, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """Only a stale decision is re-confirmed: one whose evidence changed after it was taken
    (see :mod:`rectify.domain.decisions`)."""
    if not aggregate.stale_decisions():
        return TransitionNotAllowed(
            "reconfirm",
            aggregate.status.value,
            issue_id=aggregate.id,
            kind=aggregate.kind,
            reason="no decision of it is stale: there is nothing to re-confirm",
        )
    return None


# ---------------------------------------------------------------- the lagging-branch workflow


def dual_mentors(
    branch: Branch, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """雙掛: exactly two mentors, one of the branch's own unit, one from the supervising
    committee (another unit), and not the same person twice."""
    mentors: tuple[Mentor, ...] | None = None if args is None else args.get("mentors")
    if mentors is None:
        return None
    own = [m for m in mentors if same_unit(m.unit, branch.unit)]
    if len(mentors) != 2 or len(own) != 1:
        return InvalidCommand(
            "mentors",
            f"雙掛 needs exactly two mentors, one leader of {branch.unit} and one from the "
            f"supervising committee; got {len(mentors)} ({len(own)} of {branch.unit})",
        )
    return None


def no_open_issues(
    branch: Branch, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """摘帽 waits until every issue linked to the branch is closed out or withdrawn.

    ``args["open_issues"]`` are the linked issues still open, found by the application."""
    still_open = None if args is None else args.get("open_issues")
    if still_open:
        return OpenIssuesRemain(branch.id, branch.status.value, tuple(still_open))
    return None


def not_ready_yet(
    branch: Branch, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """Readiness for reassessment is recorded once per consolidation."""
    if branch.ready_in == branch.consolidations:
        return TransitionNotAllowed(
            "mark_ready",
            branch.status.value,
            issue_id=branch.id,
            kind="branch",
            reason="readiness was already recorded for this consolidation",
        )
    return None


def election_not_after_on(
    branch: Branch, actor: Actor, on: date, args: Mapping[str, Any] | None
) -> RectifyError | None:
    """An election is recorded on or after the previous one."""
    held = None if args is None else args.get("held_on")
    if held is not None and branch.elected_on is not None and held < branch.elected_on:
        return InvalidCommand(
            "held_on", f"{held} is before the branch's last election, {branch.elected_on}"
        )
    return None


# ---------------------------------------------------------------- the registry

_GUARDS: dict[str, Guard] = {
    g.__name__: g
    for g in (
        # issues
        deadline_not_before_on,
        has_deadline,
        later_deadline,
        independent_decision,
        due_not_before_on,
        measure_open,
        measures_done,
        not_linked_elsewhere,
        decision_stale,
        # branches
        dual_mentors,
        no_open_issues,
        not_ready_yet,
        election_not_after_on,
    )
}
_GUARDS["not_rectifying_unit"] = independent_decision  # its name before it covered every decision
GUARDS: Mapping[str, Guard] = MappingProxyType(_GUARDS)
"""Every guard a workflow may name, by name. A workflow naming any other is refused when defined."""


def register_guard(guard: Guard, name: str | None = None) -> Guard:
    """Make a guard of one's own known under ``name`` (default: its function name), so that a
    workflow defined afterwards may name it. A name already taken by another guard is refused.
    Usable as a decorator."""
    key = name or guard.__name__
    existing = _GUARDS.get(key)
    if existing is not None and existing is not guard:
        msg = f"a guard named {key!r} is already registered"
        raise InvalidWorkflow(msg)
    _GUARDS[key] = guard
    return guard
