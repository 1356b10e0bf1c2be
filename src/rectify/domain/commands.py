"""Commands as frozen pydantic models: what each command takes, with its constraints in the types.

The application validates every call through one of these before it loads anything, so bad input
raises :class:`~rectify.errors.InvalidCommand` naming the field, and nothing is recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from rectify.domain.values import Actor, NonEmptyStr, Severity, Source, Text


class Command(BaseModel):
    """What every command carries: who, on which business date, under which idempotency key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    on: date
    command_id: NonEmptyStr | None = None

    def payload(self) -> dict[str, Any]:
        """The command's own fields (not actor, date or key), with their validated types."""
        return {k: v for k, v in self if k not in _COMMON}


_COMMON = frozenset(Command.model_fields)


class RecordIssue(Command):
    title: NonEmptyStr
    unit: NonEmptyStr
    source: Source
    description: Text = ""
    category: NonEmptyStr | None = None
    severity: Severity = Severity.NORMAL
    branch_id: UUID | None = None
    remarks: Text = ""


class Assign(Command):
    unit: NonEmptyStr
    person: NonEmptyStr
    deadline: date
    measures: tuple[NonEmptyStr, ...] = ()


class RectifyOnTheSpot(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class TreatCentrally(Command):
    campaign: NonEmptyStr
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class SubmitRectification(Command):
    summary: NonEmptyStr
    evidence: tuple[NonEmptyStr, ...] = ()


class Verify(Command):
    note: Text = ""


class Reject(Command):
    reason: NonEmptyStr


class CloseOut(Command):
    note: Text = ""


class Reopen(Command):
    reason: NonEmptyStr
    deadline: date | None = None


class ExtendDeadline(Command):
    new_deadline: date
    reason: NonEmptyStr


class Withdraw(Command):
    reason: NonEmptyStr


class ReportProgress(Command):
    text: NonEmptyStr


COMMANDS: dict[str, type[Command]] = {
    "record": RecordIssue,
    "assign": Assign,
    "rectify_on_the_spot": RectifyOnTheSpot,
    "treat_centrally": TreatCentrally,
    "submit_rectification": SubmitRectification,
    "verify": Verify,
    "reject": Reject,
    "close_out": CloseOut,
    "reopen": Reopen,
    "extend_deadline": ExtendDeadline,
    "withdraw": Withdraw,
    "report_progress": ReportProgress,
}
"""The command model of each workflow trigger."""
