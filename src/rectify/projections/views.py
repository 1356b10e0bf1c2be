"""Typed views read from issues and their events: one issue, one line of its audit trail."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_jsonable_python

from rectify.domain.branch import BRANCH_EVENT_ACTIONS
from rectify.domain.issue import EVENT_ACTIONS, Issue, open_measures
from rectify.domain.lists import RECORD_EVENT_TRIGGERS
from rectify.domain.values import (
    Actor,
    BranchStatus,
    Mode,
    RoundStatus,
    Severity,
    Source,
    Status,
)
from rectify.projections.ledger import (
    LedgerRow,
    deadline_text,
    issue_state,
    measures_progress,
    remarks,
    source_text,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


class IssueView(BaseModel):
    """One issue as of a business date: what the ledger row and the detail page show.

    Its fields are the ledger row's stored fields (:data:`~rectify.projections.ledger.
    STORED_FIELDS`, but the log position) and the three that depend on ``as_of``; it forbids any
    other, so the view cannot drift from the one declaration of an issue's state."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    title: str
    description: str
    unit: str
    source: Source
    category: str | None
    severity: Severity
    branch_id: UUID | None
    list_id: UUID | None
    common_problem: str | None
    round_id: UUID | None
    item: str | None
    status: Status
    mode: Mode | None
    campaign: str | None
    responsible_unit: str | None
    responsible_person: str | None
    measures: tuple[str, ...]
    measures_done: tuple[int, ...]
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
    stale_decisions: tuple[str, ...]
    """Standing decisions (``verify``, ``close_out``, ``withdraw``) marked stale: what they
    relied on changed after them and they were not re-confirmed yet."""
    deadline_rule: str | None = None
    """The deadline policy's rule that gave the deadline (``"severity 嚴重: 10 working days
    (10個工作日)"``); None for a deadline given by a person."""
    deadline_calendar: str | None = None
    """The working calendar's version the deadline was counted over (``"chinese-calendar
    1.11.0"``); None when no calendar was needed."""
    source_words: str | None = None
    """問題來源 as people wrote it (省委巡視反饋), when not the source's own name."""
    deadline_words: str | None = None
    """整改時限 as written when not a plain date (立行立改, 長期堅持, 立行立改、長期堅持)."""

    @property
    def is_stale(self) -> bool:
        """A standing decision of the issue awaits re-confirmation."""
        return bool(self.stale_decisions)

    @property
    def is_closed_out(self) -> bool:
        """是否銷號."""
        return self.status is Status.CLOSED_OUT

    @property
    def source_text(self) -> str:
        """問題來源 as the ledger shows it: as people wrote it, else the source's name."""
        return source_text(self.source, self.source_words)

    @property
    def deadline_text(self) -> str:
        """整改時限 as the ledger shows it: as written when not a plain date, else the date."""
        return deadline_text(self.deadline, self.deadline_words)

    @property
    def remarks(self) -> str:
        """備註: the remarks recorded with the problem and what its history adds."""
        return remarks(self)

    @property
    def open_measures(self) -> tuple[int, ...]:
        """Numbers (1-based) of the measures not done yet."""
        return open_measures(self.measures, self.measures_done)

    @property
    def measures_progress(self) -> str:
        """措施完成: ``"m項中已完成n項"``."""
        return measures_progress(len(self.measures_done), len(self.measures))

    @classmethod
    def of(cls, issue: Issue, as_of: date) -> IssueView:
        """The view of ``issue`` (already replayed up to ``as_of``) on ``as_of``."""
        late = issue.days_overdue(as_of)
        return cls(**issue_state(issue), as_of=as_of, overdue=late > 0, days_overdue=late)

    @classmethod
    def from_row(cls, row: LedgerRow) -> IssueView:
        """The same view, from a ledger row."""
        return cls.model_construct(**{name: getattr(row, name) for name in cls.model_fields})


AnyState = Status | BranchStatus | RoundStatus
"""The state of anything with a workflow: an issue, a branch, an inspection round."""

_ACTIONS: dict[type[Any], tuple[str, str]] = {
    **{cls: ("issue", action) for cls, action in EVENT_ACTIONS.items()},
    **{cls: ("branch", action) for cls, action in BRANCH_EVENT_ACTIONS.items()},
    **{
        cls: (cls.__qualname__.split(".")[0], action)
        for cls, action in RECORD_EVENT_TRIGGERS.items()
    },
}
_KINDS = {"ProblemList": "problem_list", "Checklist": "checklist", "InspectionRound": "round"}


def action_of(domain_event: object) -> tuple[str, str]:
    """``(kind, action)`` of a recorded event: ``("issue", "assign")``, ``("branch", "delist")``,
    ``("round", "record_finding")``, ..."""
    for cls in type(domain_event).__mro__:
        found = _ACTIONS.get(cls)
        if found is not None:
            kind, action = found
            return _KINDS.get(kind, kind), action
    msg = f"{type(domain_event).__qualname__} is not a rectify event"
    raise TypeError(msg)


def state_named(value: str | None) -> AnyState | None:
    """The state with this stored value (state values are unique across workflows)."""
    if value is None:
        return None
    for enum in (Status, BranchStatus, RoundStatus):
        try:
            return enum(value)
        except ValueError:
            continue
    msg = f"unknown state {value!r}"
    raise ValueError(msg)


class AuditEntry(BaseModel):
    """One recorded event, readable: who did what, when, from which state to which.

    ``kind`` says what the event belongs to (``"issue"``, ``"branch"``, ``"problem_list"``,
    ``"checklist"``, ``"round"``) and ``issue_id`` is that thing's id. ``details`` holds the
    event's own fields as JSON values; ``position`` is the event's place in the application's
    notification log (None when the entry was made by replaying). Lists and checklists have no
    workflow: their ``to_state`` is None.
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
    from_state: AnyState | None
    to_state: AnyState | None
    reason: str | None
    details: dict[str, Any]
    kind: str = "issue"

    def __str__(self) -> str:
        after = self.to_state.value if self.to_state is not None else "∅"
        move = f"{self.from_state.value} → {after}" if self.from_state is not None else f"→ {after}"
        why = f" — {self.reason}" if self.reason else ""
        return f"#{self.version} {self.on} {self.action} by {self.actor} ({move}){why}"

    @classmethod
    def of(
        cls, e: Any, from_state: AnyState | None, after: Any, position: int | None = None
    ) -> AuditEntry:
        """The entry for event ``e``, which took its aggregate from ``from_state`` to ``after``."""
        kind, action = action_of(e)
        details = {
            f.name: to_jsonable_python(getattr(e, f.name))
            for f in dataclasses.fields(e)
            if f.name not in _NOT_DETAILS
            and not (f.name in _UNLESS_RECORDED and getattr(e, f.name) is _UNLESS_RECORDED[f.name])
        }
        return cls(
            issue_id=e.originator_id,
            version=e.originator_version,
            position=position,
            recorded_at=e.timestamp,
            on=e.on,
            actor=e.actor,
            action=action,
            event=type(e).__name__,
            from_state=from_state,
            to_state=getattr(after, "status", None),
            reason=next((str(details[k]) for k in _REASON_FIELDS if details.get(k)), None),
            details=details,
            kind=kind,
        )


_NOT_DETAILS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor", "on"}
)
_UNLESS_RECORDED: dict[str, bool | None] = {
    "evidence_digest": None, "decided_on_version": None, "deadline_rule": None, "calendar": None,
    "source_words": None, "deadline_words": None, "standing": False, "issue_workflow": None,
}  # fmt: skip
"""Details shown only when recorded (not the value an upcaster gives): a decision stored before
decisions were bound to their evidence reads them as None (upcast), as does an assignment stored
before deadlines came from a policy (or one whose deadline was given), or before deadlines and
sources were kept as written (no words, not standing), and its audit entry stays as it was
written."""
_REASON_FIELDS = ("reason", "note", "summary", "text", "basis", "plan")


def audit_entries(events: Iterable[Any]) -> list[AuditEntry]:
    """Replay ``events`` of one issue (or branch, list, round), in order, into audit entries
    (the views' oracle)."""
    entries: list[AuditEntry] = []
    aggregate: Any = None
    for e in events:
        before = getattr(aggregate, "status", None)
        aggregate = e.mutate(aggregate)  # aggregates mutate in place: read the state before this
        entries.append(AuditEntry.of(e, before, aggregate))
    return entries


def audit_entry_from_row(c: dict[str, Any]) -> AuditEntry:
    """An audit entry from a stored audit row (see ``rectify.adapters.viewstores``)."""
    return AuditEntry(
        issue_id=UUID(c["issue_id"]),
        version=c["version"],
        position=c["position"],
        recorded_at=datetime.fromisoformat(c["recorded_at"]).replace(tzinfo=UTC),
        on=date.fromisoformat(c["on_date"]),
        actor=Actor.model_validate_json(c["actor"]),
        action=c["action"],
        event=c["event"],
        from_state=state_named(c["from_state"]),
        to_state=state_named(c["to_state"]),
        reason=c["reason"],
        details=json.loads(c["details"]),
        kind=c["kind"],
    )
