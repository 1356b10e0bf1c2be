"""RectificationApp: commands in, events saved, queries out.

Each command is validated with pydantic (bad input raises :class:`~rectify.errors.InvalidCommand`
and records nothing), the issue is loaded, the domain checks and triggers the event, and the new
event is saved atomically. A lost optimistic-concurrency race raises
:class:`~rectify.errors.ConcurrencyConflict`; nothing is half-written.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper, RecordConflictError
from pydantic import ValidationError

from rectify.domain.commands import COMMANDS, Command
from rectify.domain.issue import Issue, issue_id_for
from rectify.domain.values import Actor, Severity, Source, Status
from rectify.errors import ConcurrencyConflict, InvalidCommand, NotFound
from rectify.persistence import PydanticMapper, ensure_postgres_schema, env_for_url
from rectify.projections.figures import Figures
from rectify.projections.ledger import LedgerRow
from rectify.projections.notice import Notice, Period
from rectify.projections.projector import Projector
from rectify.projections.store import AUDIT_COLUMNS, construct_views
from rectify.projections.views import AuditEntry, IssueView, audit_entry_from_row

_PAGE = 1000


def _invalid(e: ValidationError) -> InvalidCommand:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]) or "input", "message": err["msg"]}
        for err in e.errors()
    ]
    return InvalidCommand(errors[0]["field"], errors[0]["message"], errors)


class RectificationApp(Application[UUID]):
    """The rectification ledger as an eventsourcing application.

    Build one with :func:`rectify.connect`. ``today`` is the clock for default business dates
    (``on=``) and for refusing dates in the future; pass your own to replay or test.
    """

    name = "rectify"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        today: Callable[[], date] = date.today,
        catch_up: bool = True,
    ) -> None:
        self.today = today
        self.catches_up = catch_up
        super().__init__(env)
        self.views = construct_views(self)
        self.projector = Projector(self.views, self._issue_at, self.name)
        self.views.ensure_schema(self.name)

    def close(self) -> None:
        self.views.close_views()
        super().close()

    def construct_mapper(self) -> Mapper[UUID]:
        # Always ours, whatever the environment says: the events cannot be read without it.
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PydanticMapper
        )

    # ------------------------------------------------------------------ plumbing

    def _validate(self, trigger: str, **fields: Any) -> Command:
        if fields.get("on") is None:
            fields["on"] = self.today()
        try:
            cmd = COMMANDS[trigger](**fields)
        except ValidationError as e:
            raise _invalid(e) from None
        if cmd.on > self.today():
            raise InvalidCommand("on", f"business date {cmd.on} is in the future")
        return cmd

    @staticmethod
    def _issue_uuid(issue_id: UUID | str) -> UUID:
        if isinstance(issue_id, UUID):
            return issue_id
        try:
            return UUID(str(issue_id))
        except ValueError:
            raise InvalidCommand("issue_id", f"{issue_id!r} is not an issue id") from None

    def _load(self, issue_id: UUID) -> Issue:
        try:
            issue: object = self.repository.get(issue_id)
        except AggregateNotFoundError:
            raise NotFound("issue", issue_id) from None
        if not isinstance(issue, Issue):
            raise NotFound("issue", issue_id, "that id is not an issue")
        return issue

    def _save(self, issue: Issue) -> None:
        try:
            self.save(issue)
        except RecordConflictError:
            raise ConcurrencyConflict(issue.id) from None

    def _command(
        self,
        trigger: str,
        issue_id: UUID | str,
        actor: Actor,
        on: date | str | None,
        command_id: str | None,
        **fields: Any,
    ) -> None:
        uuid = self._issue_uuid(issue_id)
        cmd = self._validate(trigger, actor=actor, on=on, command_id=command_id, **fields)
        issue = self._load(uuid)
        if issue.has_seen(cmd.command_id):
            return
        getattr(issue, trigger)(
            actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload()
        )
        self._save(issue)

    # ------------------------------------------------------------------ commands

    def record_issue(
        self,
        *,
        actor: Actor,
        title: str,
        unit: str,
        source: Source | str,
        description: str = "",
        category: str | None = None,
        severity: Severity | str = Severity.NORMAL,
        branch_id: UUID | str | None = None,
        remarks: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> UUID:
        """發現: record a problem; returns its id. Needs INSPECTOR or VERIFIER."""
        cmd = self._validate(
            "record",
            actor=actor,
            on=on,
            command_id=command_id,
            title=title,
            unit=unit,
            source=source,
            description=description,
            category=category,
            severity=severity,
            branch_id=branch_id,
            remarks=remarks,
        )
        if cmd.command_id is not None:
            existing = issue_id_for(cmd.command_id)
            if self.has_issue(existing):
                return existing
        issue = Issue.record(actor=cmd.actor, on=cmd.on, command_id=cmd.command_id, **cmd.payload())
        try:
            self.save(issue)
        except RecordConflictError:
            if cmd.command_id is None:  # pragma: no cover - a random id collided
                raise ConcurrencyConflict(issue.id) from None
            # Another writer recorded the same key first: that is the first result.
        return issue.id

    def assign(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        unit: str,
        person: str,
        deadline: date | str,
        measures: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """交辦: responsible unit and person, measures, deadline. ``found`` → ``assigned``. VERIFIER."""
        self._command(
            "assign",
            issue_id,
            actor,
            on,
            command_id,
            unit=unit,
            person=person,
            deadline=deadline,
            measures=measures,
        )

    def rectify_on_the_spot(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """立行立改: ``found``/``assigned`` → ``rectified``. RESPONSIBLE of the issue's unit."""
        self._command(
            "rectify_on_the_spot",
            issue_id,
            actor,
            on,
            command_id,
            summary=summary,
            evidence=evidence,
        )

    def treat_centrally(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        campaign: str,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """集中治理 in ``campaign``: ``found``/``assigned`` → ``rectified``. RESPONSIBLE or VERIFIER."""
        self._command(
            "treat_centrally",
            issue_id,
            actor,
            on,
            command_id,
            campaign=campaign,
            summary=summary,
            evidence=evidence,
        )

    def submit_rectification(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        summary: str,
        evidence: tuple[str, ...] | list[str] = (),
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """限期整改 done: ``assigned`` → ``rectified``. RESPONSIBLE of the assigned unit."""
        self._command(
            "submit_rectification",
            issue_id,
            actor,
            on,
            command_id,
            summary=summary,
            evidence=evidence,
        )

    def verify(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """驗收: ``rectified`` → ``verified``. VERIFIER, never of the unit that rectified."""
        self._command("verify", issue_id, actor, on, command_id, note=note)

    def reject(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """退回: ``rectified`` → ``assigned``. VERIFIER, never of the unit that rectified."""
        self._command("reject", issue_id, actor, on, command_id, reason=reason)

    def close_out(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        note: str = "",
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """銷號: ``verified`` → ``closed_out``. VERIFIER."""
        self._command("close_out", issue_id, actor, on, command_id, note=note)

    def reopen(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        deadline: date | str | None = None,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """反彈: ``closed_out`` → ``assigned`` (new deadline optional). VERIFIER or INSPECTOR."""
        self._command("reopen", issue_id, actor, on, command_id, reason=reason, deadline=deadline)

    def extend_deadline(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        new_deadline: date | str,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """延期: a later deadline in ``assigned``, approved by ``actor``. VERIFIER."""
        self._command(
            "extend_deadline",
            issue_id,
            actor,
            on,
            command_id,
            new_deadline=new_deadline,
            reason=reason,
        )

    def withdraw(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        reason: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """撤銷 an unfounded finding: any state before ``closed_out`` → ``withdrawn``. VERIFIER."""
        self._command("withdraw", issue_id, actor, on, command_id, reason=reason)

    def report_progress(
        self,
        issue_id: UUID | str,
        *,
        actor: Actor,
        text: str,
        on: date | str | None = None,
        command_id: str | None = None,
    ) -> None:
        """整改進展: a progress note, no state change. RESPONSIBLE of the responsible unit."""
        self._command("report_progress", issue_id, actor, on, command_id, text=text)

    # ------------------------------------------------------------------ queries

    def _issue_at(self, issue_id: UUID, version: int) -> Issue:
        issue: object = self.repository.get(issue_id, version=version)
        assert isinstance(issue, Issue)
        return issue

    def _read_notifications(self, after: int) -> list[tuple[int, Any]]:
        page = self.recorder.select_notifications(after + 1, _PAGE, inclusive_of_start=True)
        return [(n.id, self.mapper.to_domain_event(n)) for n in page]

    def catch_up(self) -> int:
        """Bring the views up to the last recorded event; returns how many events that took.

        Queries do this first (unless the app was made with ``catch_up=False``, for a deployment
        where ``rectify project --follow`` keeps the views), so embedded use reads its own writes.
        """
        return self.projector.catch_up(self._read_notifications)

    def rebuild_views(self) -> int:
        """Empty the views and project the whole log again, from zero."""
        self.views.clear(self.name)
        return self.catch_up()

    def _fresh(self) -> None:
        if self.catches_up:
            self.catch_up()

    def _known_at(self, known_at: int | datetime | str | None) -> int | None:
        if known_at is None or isinstance(known_at, int):
            return known_at
        if isinstance(known_at, str):
            try:
                known_at = datetime.fromisoformat(known_at)
            except ValueError:
                raise InvalidCommand(
                    "known_at", f"{known_at!r} is neither a position nor an ISO timestamp"
                ) from None
        return self.views.position_at(known_at)

    def ledger(
        self,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
        *,
        unit: str | None = None,
        status: Status | str | None = None,
        source: Source | str | None = None,
        category: str | None = None,
    ) -> list[LedgerRow]:
        """The ledger (臺賬) on business date ``as_of`` (default today), one row a problem.

        ``known_at`` limits it to what had been recorded by then: a notification position, or a
        timestamp (what the ledger said on that date, as published then).
        """
        self._fresh()
        day = self._as_of(as_of)
        position = self._known_at(known_at)
        filters: dict[str, str] = {}
        if unit is not None:
            filters["unit"] = unit
        if status is not None:
            filters["status"] = _parse(Status, status, "status").value
        if source is not None:
            filters["source"] = _parse(Source, source, "source").value
        if category is not None:
            filters["category"] = category
        with _no_cyclic_gc():
            return [
                LedgerRow(seq, state, day)
                for seq, state in self.views.ledger_rows(day, position, filters)
            ]

    def figures(
        self,
        as_of: date | str | None = None,
        known_at: int | datetime | str | None = None,
        *,
        unit: str | None = None,
        source: Source | str | None = None,
        category: str | None = None,
    ) -> Figures:
        """Progress figures (整改進度) of the ledger on ``as_of`` (as known at ``known_at``)."""
        day, position = self._as_of(as_of), self._known_at(known_at)  # a timestamp costs a query
        rows = self.ledger(day, position, unit=unit, source=source, category=category)
        with _no_cyclic_gc():
            return Figures.of(rows, day, position)

    def notice(self, period: str) -> Notice:
        """通報 for a month (``"2019-06"``), quarter (``"2019-Q2"``) or year (``"2019"``): per unit,
        found, rectified and closed out in the period, overdue at its end, rectified late in it."""
        span = Period.parse(period)
        day = min(span.end, self.today())
        return Notice.of(span, self.ledger(day), day)

    def events_since(self, position: int = 0, *, limit: int | None = None) -> list[AuditEntry]:
        """Events recorded after notification ``position``, in order, as readable entries.

        Each entry carries its ``position``: pass the last one back to read on. This is the feed
        ``rectify events`` writes as JSON lines for other systems to follow.
        """
        self._fresh()
        return _audit_entries(self.views.audit_rows(after=position, limit=limit))

    def has_issue(self, issue_id: UUID | str) -> bool:
        """Whether an issue with this id is recorded."""
        return bool(self.recorder.select_events(self._issue_uuid(issue_id), limit=1))

    def _events(self, issue_id: UUID) -> list[Issue.Event]:
        events = list(self.repository.event_store.get(issue_id))
        if not events:
            raise NotFound("issue", issue_id)
        return events  # type: ignore[return-value]

    def _as_of(self, as_of: date | str | None) -> date:
        if as_of is None:
            return self.today()
        if isinstance(as_of, date):
            return as_of
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            raise InvalidCommand("as_of", f"{as_of!r} is not a date (YYYY-MM-DD)") from None

    def get_issue(self, issue_id: UUID | str, as_of: date | str | None = None) -> IssueView:
        """The issue as it stood on business date ``as_of`` (default: today), as known now."""
        uuid = self._issue_uuid(issue_id)
        day = self._as_of(as_of)
        if as_of is None:
            return IssueView.of(self._load(uuid), day)
        issue = replay_until(self._events(uuid), day)
        if issue is None:
            raise NotFound("issue", uuid, f"it was not yet found on {day}")
        return IssueView.of(issue, day)

    def allowed_actions(self, issue_id: UUID | str, actor: Actor | None = None) -> tuple[str, ...]:
        """What may happen next to the issue (with ``actor``: what this actor may do now)."""
        return self._load(self._issue_uuid(issue_id)).allowed_actions(actor, self.today())

    def audit_trail(
        self, issue_id: UUID | str | None = None, *, unit: str | None = None
    ) -> list[AuditEntry]:
        """Every event of an issue (or of every issue of ``unit``), in the order recorded:
        when recorded, business date, actor, action, from-state → to-state, reason."""
        if issue_id is None and unit is None:
            raise InvalidCommand("issue_id", "give an issue id or a unit")
        uuid = self._issue_uuid(issue_id) if issue_id is not None else None
        self._fresh()
        rows = self.views.audit_rows(issue_id=str(uuid) if uuid else None, unit=unit)
        if uuid is not None and not rows:
            raise NotFound("issue", uuid)
        return _audit_entries(rows)

    def issues(
        self,
        *,
        unit: str | None = None,
        status: Status | str | None = None,
        source: Source | str | None = None,
        as_of: date | str | None = None,
    ) -> list[IssueView]:
        """Issues as of ``as_of`` (default today), filtered by unit, status and source, in ledger
        order. ``unit`` matches the issue's own unit or its responsible unit."""
        rows = self.ledger(as_of, unit=unit, status=status, source=source)
        return [IssueView.from_row(r) for r in rows]


def _audit_entries(rows: list[tuple[Any, ...]]) -> list[AuditEntry]:
    return [audit_entry_from_row(dict(zip(AUDIT_COLUMNS, r, strict=True))) for r in rows]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that form no
    cycles: with 100k ledger rows its repeated full passes cost more than the rows themselves."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(enum: Any, value: object, field: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidCommand(field, f"{value!r} is not one of {choices}") from None


def replay_until(events: list[Issue.Event], as_of: date) -> Issue | None:
    """The issue rebuilt from its events dated on or before ``as_of`` (None if none were)."""
    issue: Issue | None = None
    for e in events:
        if e.on > as_of:
            break  # business dates never go backwards within one issue
        issue = e.mutate(issue)
    return issue


def connect(
    url: str = "sqlite:///rectify.db",
    *,
    today: Callable[[], date] = date.today,
    catch_up: bool = True,
) -> RectificationApp:
    """Open the ledger at ``url``: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host:port/dbname`` (``?schema=name`` to keep it in its own schema).

    ``today`` is the clock for default business dates. With ``catch_up=False`` queries read the
    views as they stand, for deployments where ``rectify project --follow`` keeps them current.
    """
    env = env_for_url(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        ensure_postgres_schema(env)
    return RectificationApp(env, today=today, catch_up=catch_up)
