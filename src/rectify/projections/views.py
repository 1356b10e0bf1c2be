"""Typed views read from issues and their events: one issue, one line of its audit trail."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

from rectify.domain.issue import Issue, trigger_of
from rectify.domain.values import Actor, Mode, Severity, Source, Status
from rectify.projections.ledger import LedgerRow, issue_state, remarks

if TYPE_CHECKING:
    from collections.abc import Iterable


class IssueView(BaseModel):
    """One issue as of a business date: what the ledger row and the detail page show."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    title: str
    description: str
    unit: str
    source: Source
    category: str | None
    severity: Severity
    branch_id: UUID | None
    status: Status
    mode: Mode | None
    campaign: str | None
    responsible_unit: str | None
    responsible_person: str | None
    measures: tuple[str, ...]
    deadline: date | None
    found_on: date
    found_by: Actor
    assigned_on: date | None
    rectified_on: date | None
    rectified_late: bool
    verified_on: date | None
    closed_out_on: date | None
    withdrawn_on: date | None
    progress: str | None
    progress_on: date | None
    remarks_text: str
    rejections: int
    reopenings: int
    extensions: int
    as_of: date
    overdue: bool
    days_overdue: int
    workflow: str
    version: int
    recorded_at: datetime

    @property
    def is_closed_out(self) -> bool:
        """是否銷號."""
        return self.status is Status.CLOSED_OUT

    @property
    def remarks(self) -> str:
        """備註: the remarks recorded with the problem and what its history adds."""
        return remarks(self)

    @classmethod
    def of(cls, issue: Issue, as_of: date) -> IssueView:
        """The view of ``issue`` (already replayed up to ``as_of``) on ``as_of``."""
        late = issue.days_overdue(as_of)
        return cls(**issue_state(issue), as_of=as_of, overdue=late > 0, days_overdue=late)

    @classmethod
    def from_row(cls, row: LedgerRow) -> IssueView:
        """The same view, from a ledger row."""
        return cls.model_construct(**{name: getattr(row, name) for name in cls.model_fields})


class AuditEntry(BaseModel):
    """One recorded event of an issue, readable: who did what, when, from which state to which.

    ``details`` holds the event's own fields as JSON values; ``position`` is the event's place in
    the application's notification log (None when the entry was made by replaying an issue).
    """

    model_config = ConfigDict(frozen=True)

    issue_id: UUID
    version: int
    position: int | None
    recorded_at: datetime
    on: date
    actor: Actor
    action: str
    event: str
    from_state: Status | None
    to_state: Status
    reason: str | None
    details: dict[str, Any]

    def __str__(self) -> str:
        move = (
            f"{self.from_state.value} → {self.to_state.value}"
            if self.from_state is not None
            else f"→ {self.to_state.value}"
        )
        why = f" — {self.reason}" if self.reason else ""
        return f"#{self.version} {self.on} {self.action} by {self.actor} ({move}){why}"

    @classmethod
    def of(
        cls, e: Issue.Event, from_state: Status | None, after: Issue, position: int | None = None
    ) -> AuditEntry:
        """The entry for event ``e``, which took the issue from ``from_state`` to ``after``."""
        details = {
            f.name: to_jsonable_python(getattr(e, f.name))
            for f in dataclasses.fields(e)
            if f.name not in _NOT_DETAILS
        }
        return cls(
            issue_id=e.originator_id,
            version=e.originator_version,
            position=position,
            recorded_at=e.timestamp,
            on=e.on,
            actor=e.actor,
            action=trigger_of(e),
            event=type(e).__name__,
            from_state=from_state,
            to_state=after.status,
            reason=next((str(details[k]) for k in _REASON_FIELDS if details.get(k)), None),
            details=details,
        )


_NOT_DETAILS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor", "on"}
)
_REASON_FIELDS = ("reason", "note", "summary", "text")


def audit_entries(events: Iterable[Issue.Event]) -> list[AuditEntry]:
    """Replay ``events`` of one issue, in order, into audit entries (the views' oracle)."""
    entries: list[AuditEntry] = []
    issue: Issue | None = None
    for e in events:
        before = issue.status if issue is not None else None
        issue = e.mutate(issue)  # aggregates mutate in place: read the state before this
        assert isinstance(issue, Issue)
        entries.append(AuditEntry.of(e, before, issue))
    return entries


def audit_entry_from_row(c: dict[str, Any]) -> AuditEntry:
    """An audit entry from a stored audit row (see ``rectify.projections.store``)."""
    return AuditEntry(
        issue_id=UUID(c["issue_id"]),
        version=c["version"],
        position=c["position"],
        recorded_at=datetime.fromisoformat(c["recorded_at"]).replace(tzinfo=UTC),
        on=date.fromisoformat(c["on_date"]),
        actor=Actor.model_validate_json(c["actor"]),
        action=c["action"],
        event=c["event"],
        from_state=Status(c["from_state"]) if c["from_state"] else None,
        to_state=Status(c["to_state"]),
        reason=c["reason"],
        details=json.loads(c["details"]),
    )
