"""The ledger (臺賬): one row a problem, in the conventional columns, as of a business date.

The state a row shows is taken from the Issue aggregate by :func:`issue_state`, the one place that
says which of an issue's attributes the ledger and the issue view show. The ledger view stores that
state once per event with its validity on both time axes; a query picks, for each issue, the row
valid on business date D as known at position K.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from rectify.domain.issue import days_overdue
from rectify.domain.values import Actor, Mode, Severity, Source, Status

if TYPE_CHECKING:
    from rectify.domain.issue import Issue


def issue_state(issue: Issue) -> dict[str, Any]:
    """What the ledger and the issue view show of an issue, by field name."""
    return {
        "id": issue.id,
        "title": issue.title,
        "description": issue.description,
        "unit": issue.unit,
        "source": issue.source,
        "category": issue.category,
        "severity": issue.severity,
        "branch_id": issue.branch_id,
        "status": issue.status,
        "mode": issue.mode,
        "campaign": issue.campaign,
        "responsible_unit": issue.responsible_unit,
        "responsible_person": issue.responsible_person,
        "measures": issue.measures,
        "deadline": issue.deadline,
        "found_on": issue.found_on,
        "found_by": issue.found_by,
        "assigned_on": issue.assigned_on,
        "rectified_on": issue.rectified_on,
        "rectified_late": issue.rectified_late,
        "verified_on": issue.verified_on,
        "closed_out_on": issue.closed_out_on,
        "withdrawn_on": issue.withdrawn_on,
        "progress": issue.progress,
        "progress_on": issue.progress_on,
        "rejections": issue.rejections,
        "reopenings": issue.reopenings,
        "extensions": issue.extensions,
        "workflow": issue.workflow,
        "version": issue.version,
        "recorded_at": issue.modified_on,
    }


def remarks(
    *, rejections: int, extensions: int, reopenings: int, rectified_late: bool, status: Status
) -> str:
    """備註: what the ledger's remarks column says of a problem's history."""
    notes = []
    if rejections:
        notes.append(f"退回{rejections}次")
    if extensions:
        notes.append(f"延期{extensions}次")
    if reopenings:
        notes.append(f"反彈重開{reopenings}次")
    if rectified_late:
        notes.append("逾期整改")
    if status is Status.WITHDRAWN:
        notes.append("已撤銷")
    return ",".join(notes)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One problem on the ledger as of ``as_of`` (known at notification position ``known_at``).

    The Chinese column each field fills is in :data:`LEDGER_COLUMNS`.
    """

    seq: int
    id: UUID
    title: str
    description: str
    source: Source
    category: str | None
    unit: str
    responsible_unit: str | None
    responsible_person: str | None
    measures: tuple[str, ...]
    mode: Mode | None
    deadline: date | None
    progress: str | None
    progress_on: date | None
    status: Status
    closed_out_on: date | None
    severity: Severity
    campaign: str | None
    branch_id: UUID | None
    list_id: UUID | None
    common_problem: str | None
    found_on: date
    found_by: Actor
    assigned_on: date | None
    rectified_on: date | None
    rectified_late: bool
    verified_on: date | None
    withdrawn_on: date | None
    rejections: int
    reopenings: int
    extensions: int
    workflow: str
    version: int
    position: int
    recorded_at: datetime
    as_of: date
    overdue: bool
    days_overdue: int

    @property
    def is_closed_out(self) -> bool:
        """是否銷號."""
        return self.status is Status.CLOSED_OUT

    @property
    def acting_unit(self) -> str:
        """責任單位: the assigned unit, else the problem's own unit."""
        return self.responsible_unit or self.unit

    @property
    def remarks(self) -> str:
        """備註."""
        return remarks(
            rejections=self.rejections,
            extensions=self.extensions,
            reopenings=self.reopenings,
            rectified_late=self.rectified_late,
            status=self.status,
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序號", "seq"),
    ("問題描述", "title"),
    ("問題來源", "source"),
    ("問題類別", "category"),
    ("責任單位", "acting_unit"),
    ("責任人", "responsible_person"),
    ("整改措施", "measures"),
    ("整改類型", "mode"),
    ("整改時限", "deadline"),
    ("整改進展", "progress"),
    ("狀態", "status"),
    ("是否銷號", "is_closed_out"),
    ("銷號日期", "closed_out_on"),
    ("備註", "remarks"),
)
"""The conventional ledger columns (Chinese header, LedgerRow attribute), in order."""


_STATUS = {s.value: s for s in Status}
_MODE = {m.value: m for m in Mode}
_SOURCE = {s.value: s for s in Source}
_SEVERITY = {s.value: s for s in Severity}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class RowReader:
    """Turns stored version columns into :class:`LedgerRow` quickly (a ledger can be 100k rows)."""

    def __init__(self) -> None:
        self._actors: dict[str, Actor] = {}
        self._uuids: dict[str, UUID] = {}

    def _uuid(self, text: str | None) -> UUID | None:
        if text is None:
            return None
        found = self._uuids.get(text)
        if found is None:
            found = self._uuids[text] = UUID(text)
        return found

    def _actor(self, text: str) -> Actor:
        found = self._actors.get(text)
        if found is None:
            found = self._actors[text] = Actor.model_validate_json(text)
        return found

    def row(self, c: dict[str, Any], as_of: date) -> LedgerRow:
        """``c``: one version row by column name (see ``rectify.projections.store``)."""
        status = _STATUS[c["status"]]
        deadline = _day(c["deadline"])
        late = days_overdue(status, deadline, as_of)
        return LedgerRow(
            seq=c["seq"],
            id=UUID(c["issue_id"]),
            title=c["title"],
            description=c["description"],
            source=_SOURCE[c["source"]],
            category=c["category"],
            unit=c["unit"],
            responsible_unit=c["responsible_unit"],
            responsible_person=c["responsible_person"],
            measures=tuple(json.loads(c["measures"])),
            mode=_MODE[c["mode"]] if c["mode"] else None,
            deadline=deadline,
            progress=c["progress"],
            progress_on=_day(c["progress_on"]),
            status=status,
            closed_out_on=_day(c["closed_out_on"]),
            severity=_SEVERITY[c["severity"]],
            campaign=c["campaign"],
            branch_id=self._uuid(c["branch_id"]),
            list_id=self._uuid(c["list_id"]),
            common_problem=c["common_problem"],
            found_on=date.fromisoformat(c["found_on"]),
            found_by=self._actor(c["found_by"]),
            assigned_on=_day(c["assigned_on"]),
            rectified_on=_day(c["rectified_on"]),
            rectified_late=bool(c["rectified_late"]),
            verified_on=_day(c["verified_on"]),
            withdrawn_on=_day(c["withdrawn_on"]),
            rejections=c["rejections"],
            reopenings=c["reopenings"],
            extensions=c["extensions"],
            workflow=c["workflow"],
            version=c["version"],
            position=c["pos_from"],
            recorded_at=datetime.fromisoformat(c["recorded_at"]).replace(tzinfo=UTC),
            as_of=as_of,
            overdue=late > 0,
            days_overdue=late,
        )


def row_of(issue: Issue, *, seq: int, position: int, as_of: date) -> LedgerRow:
    """The ledger row of an issue aggregate (already replayed to the state wanted)."""
    state = issue_state(issue)
    late = days_overdue(issue.status, issue.deadline, as_of)
    return LedgerRow(
        seq=seq,
        list_id=None,
        common_problem=None,
        position=position,
        as_of=as_of,
        overdue=late > 0,
        days_overdue=late,
        **state,
    )
