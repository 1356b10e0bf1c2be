"""Every error rectify raises on purpose: all subclasses of :class:`RectifyError`.

A refused command raises one of these *before* anything is recorded, so catching one means the
store is exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the types only: the errors depend on nothing else of rectify
    from rectify.adapters.spreadsheets.importer import ImportResult
    from rectify.adapters.spreadsheets.reading import RowError


class RectifyError(Exception):
    """Base class of every error rectify raises on purpose."""


class TransitionNotAllowed(RectifyError):
    """The workflow does not allow this action in the current state (or a guard refused it).

    ``issue_id`` is the id of what was refused: an issue, or the branch, list or round ``kind``
    names."""

    def __init__(
        self,
        action: str,
        state: str,
        *,
        issue_id: object = None,
        allowed: tuple[str, ...] = (),
        reason: str = "",
        kind: str = "issue",
    ) -> None:
        self.action = action
        self.state = state
        self.issue_id = issue_id
        self.kind = kind
        self.allowed = allowed
        self.reason = reason
        where = f" {kind} {issue_id}" if issue_id is not None else ""
        if reason:
            hint = f": {reason}"
        elif allowed:
            hint = f"; allowed now: {', '.join(allowed)}"
        else:
            hint = "; nothing is allowed now"
        super().__init__(f"cannot {action}{where} in state {state!r}{hint}")


class PermissionDenied(RectifyError):
    """The actor may not do this: a missing role, another unit, or separation of duties."""

    def __init__(self, actor_id: str, action: str, reason: str) -> None:
        self.actor_id = actor_id
        self.action = action
        self.reason = reason
        super().__init__(f"actor {actor_id!r} may not {action}: {reason}")


class NotFound(RectifyError):
    """No such thing is recorded (or it did not exist yet on the date asked about)."""

    def __init__(self, kind: str, ident: object, detail: str = "") -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} not found{': ' + detail if detail else ''}")


class InvalidCommand(RectifyError):
    """Bad input. ``field`` names the first offending field; ``errors`` lists all of them."""

    def __init__(
        self, field: str, message: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.errors = errors if errors is not None else [{"field": field, "message": message}]
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"invalid {field}: {message}{more}")

    @classmethod
    def from_validation(cls, error: Any, prefix: str = "") -> InvalidCommand:
        """The InvalidCommand of a pydantic ``ValidationError``: every bad field, the first named.

        ``prefix`` is put before each field's name (``actor.id``)."""
        errors = []
        for err in error.errors():
            loc = ".".join(str(p) for p in err["loc"])
            field = ".".join(p for p in (prefix, loc) if p) or "input"
            errors.append({"field": field, "message": _readable(err["msg"])})
        return cls(errors[0]["field"], errors[0]["message"], errors)


def _readable(message: str) -> str:
    # pydantic prefixes the messages of our own validators with "Value error, ".
    return message.removeprefix("Value error, ")


class UnknownCalendarYear(InvalidCommand):
    """A working-day deadline reaches a year the working calendar does not know (its holidays
    and adjusted working weekends, 调休, are not published in it): never guessed. ``field``
    names the command's field (``deadline``); ``day`` is the first day it could not tell."""

    def __init__(
        self, day: object, calendar: str, years: tuple[int, int], field: str = "deadline"
    ) -> None:
        self.day = day
        self.calendar = calendar
        self.years = years
        super().__init__(
            field,
            f"{calendar} knows the working days of {years[0]}–{years[1]}, not of {day}: "
            "give the deadline as a date, or update the calendar",
        )


class ImportRejected(InvalidCommand):
    """A spreadsheet has bad rows (or cannot be read); nothing was recorded. ``rows`` lists every
    problem found, each with its row (as the spreadsheet numbers it; 0: the file as a whole),
    column and reason; ``field`` is ``file``."""

    def __init__(self, source: str, rows: Sequence[RowError]) -> None:
        self.rows = list(rows)
        shown = "; ".join(str(r) for r in self.rows[:10])
        more = f" (and {len(self.rows) - 10} more)" if len(self.rows) > 10 else ""
        super().__init__(
            "file",
            f"{source}: {len(self.rows)} problem(s), nothing recorded: {shown}{more}",
            [{"field": f"row {r.row} {r.column}", "message": r.reason} for r in self.rows],
        )


class LedgerRejected(ImportRejected):
    """A ledger to import has bad rows (``rows``); nothing was recorded. ``result`` says what
    the good rows would have recorded (their updates: the diff a dry run shows beside the
    refusals)."""

    def __init__(self, source: str, rows: Sequence[RowError], result: ImportResult) -> None:
        super().__init__(source, rows)
        self.result = result


class AlreadyExists(RectifyError):
    """It is recorded already (a branch code registered twice, say); nothing was recorded."""

    def __init__(self, kind: str, ident: object, detail: str = "") -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident} already exists{': ' + detail if detail else ''}")


class ConcurrencyConflict(RectifyError):
    """Another writer changed the same record first. Nothing was recorded; it is safe to retry."""

    def __init__(self, ident: object, kind: str = "issue") -> None:
        self.ident = ident
        super().__init__(f"{kind} {ident} was changed by another writer; nothing recorded, retry")


class ViewsRebuilding(ConcurrencyConflict):
    """The views are being rebuilt from the log (``rebuild_views``), and a reader that does not
    catch up itself would see only part of them. Nothing is wrong: try again shortly."""

    def __init__(self, ident: object) -> None:
        RectifyError.__init__(
            self, f"the views of {ident} are being rebuilt from the log; try again shortly"
        )
        self.ident = ident


class OpenIssuesRemain(TransitionNotAllowed):
    """A branch cannot be delisted (摘帽) while issues linked to it are still open.

    ``open_issues`` lists their ids, in the order they were linked."""

    def __init__(self, branch_id: object, state: str, open_issues: tuple[object, ...]) -> None:
        self.open_issues = open_issues
        listed = ", ".join(str(i) for i in open_issues)
        super().__init__(
            "delist",
            state,
            issue_id=branch_id,
            kind="branch",
            reason=f"{len(open_issues)} linked issue(s) not closed out or withdrawn: {listed}",
        )


class InvalidWorkflow(RectifyError, ValueError):
    """A workflow definition names what does not exist (a state, role or guard), or changes a
    released one; raised when it is defined, never when it is first used.

    A definition read from a file (``rectify.load_workflow``) carries every problem found in it,
    each with its line and field, in ``problems``; one defined in Python has none listed."""

    def __init__(self, message: str, problems: tuple[WorkflowProblem, ...] = ()) -> None:
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True)
class WorkflowProblem:
    """One thing wrong in a workflow file: where (``line``, 1-based, 0 when the file has no
    line for it; ``field``, e.g. ``steps[3].guards[1]``, counted from 1) and what."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class StoreUnavailable(RectifyError):
    """The store cannot be reached or opened: no server, a wrong database, a missing directory,
    a file that is not a database. ``store`` names it (without a password)."""

    def __init__(self, store: object, reason: str) -> None:
        self.store = store
        self.reason = reason
        super().__init__(f"cannot open store {store}: {reason}")


class IntegrityError(RectifyError):
    """The stored history cannot be trusted: an event failed to decode or does not apply."""


__all__ = [
    "AlreadyExists",
    "ConcurrencyConflict",
    "ImportRejected",
    "IntegrityError",
    "InvalidCommand",
    "InvalidWorkflow",
    "LedgerRejected",
    "NotFound",
    "OpenIssuesRemain",
    "PermissionDenied",
    "RectifyError",
    "StoreUnavailable",
    "TransitionNotAllowed",
    "UnknownCalendarYear",
    "ViewsRebuilding",
    "WorkflowProblem",
]
