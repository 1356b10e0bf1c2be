"""Typed views read from issues and their events: one issue, one line of its audit trail."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from rectify.domain.issue import Issue, trigger_of
from rectify.domain.values import Actor, Mode, Severity, Source, Status

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

    @classmethod
    def of(cls, issue: Issue, as_of: date) -> IssueView:
        """The view of ``issue`` (already replayed up to ``as_of``) on ``as_of``."""
        return cls(
            id=issue.id,
            title=issue.title,
            description=issue.description,
            unit=issue.unit,
            source=issue.source,
            category=issue.category,
            severity=issue.severity,
            branch_id=issue.branch_id,
            status=issue.status,
            mode=issue.mode,
            campaign=issue.campaign,
            responsible_unit=issue.responsible_unit,
            responsible_person=issue.responsible_person,
            measures=issue.measures,
            deadline=issue.deadline,
            found_on=issue.found_on,
            found_by=issue.found_by,
            assigned_on=issue.assigned_on,
            rectified_on=issue.rectified_on,
            rectified_late=issue.rectified_late,
            verified_on=issue.verified_on,
            closed_out_on=issue.closed_out_on,
            withdrawn_on=issue.withdrawn_on,
            progress=issue.progress,
            rejections=issue.rejections,
            reopenings=issue.reopenings,
            extensions=issue.extensions,
            as_of=as_of,
            overdue=issue.is_overdue(as_of),
            days_overdue=issue.days_overdue(as_of),
            workflow=issue.workflow,
            version=issue.version,
            recorded_at=issue.modified_on,
        )


_NOT_DETAILS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor", "on"}
)


class AuditEntry(BaseModel):
    """One recorded event of an issue, readable: who did what, when, from which state to which."""

    model_config = ConfigDict(frozen=True)

    issue_id: UUID
    version: int
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


def audit_entries(events: Iterable[Issue.Event]) -> list[AuditEntry]:
    """Replay ``events`` of one issue, in order, into audit entries with from- and to-states."""
    entries: list[AuditEntry] = []
    issue: Issue | None = None
    for e in events:
        before = issue.status if issue is not None else None
        issue = e.mutate(issue)
        assert issue is not None
        details = {
            f.name: getattr(e, f.name) for f in dataclasses.fields(e) if f.name not in _NOT_DETAILS
        }
        reason = next(
            (str(details[k]) for k in ("reason", "note", "summary", "text") if details.get(k)),
            None,
        )
        entries.append(
            AuditEntry(
                issue_id=e.originator_id,
                version=e.originator_version,
                recorded_at=e.timestamp,
                on=e.on,
                actor=e.actor,
                action=trigger_of(e),
                event=type(e).__name__,
                from_state=before,
                to_state=issue.status,
                reason=reason,
                details=details,
            )
        )
    return entries
