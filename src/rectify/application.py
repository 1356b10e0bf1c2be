"""RectificationApp: commands in, events saved, queries out.

Each command is validated with pydantic (bad input raises :class:`~rectify.errors.InvalidCommand`
and records nothing), the issue is loaded, the domain checks and triggers the event, and the new
event is saved atomically. A lost optimistic-concurrency race raises
:class:`~rectify.errors.ConcurrencyConflict`; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper, RecordConflictError
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from rectify.domain.commands import COMMANDS, Command
from rectify.domain.issue import Issue, issue_id_for
from rectify.domain.values import Actor, Severity, Source, Status
from rectify.errors import ConcurrencyConflict, InvalidCommand, NotFound
from rectify.persistence import PydanticMapper, ensure_postgres_schema, env_for_url
from rectify.projections.views import AuditEntry, IssueView, audit_entries

_FOUND_TOPIC = get_topic(Issue.IssueFound)
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
        self, env: dict[str, str] | None = None, *, today: Callable[[], date] = date.today
    ) -> None:
        self.today = today
        super().__init__(env)

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
        )
        if cmd.command_id is not None:
            existing = issue_id_for(cmd.command_id)
            if self._exists(existing):
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

    def _exists(self, issue_id: UUID) -> bool:
        return bool(self.recorder.select_events(issue_id, limit=1))

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

    def audit_trail(self, issue_id: UUID | str) -> list[AuditEntry]:
        """Every event of the issue, in order: recorded at, business date, actor, action, states."""
        return audit_entries(self._events(self._issue_uuid(issue_id)))

    def issues(
        self,
        *,
        unit: str | None = None,
        status: Status | str | None = None,
        source: Source | str | None = None,
        as_of: date | str | None = None,
    ) -> list[IssueView]:
        """Issues as of ``as_of`` (default today), filtered by unit, status and source, oldest first.

        ``unit`` matches the issue's own unit or its responsible unit.
        """
        day = self._as_of(as_of)
        want_status = _parse(Status, status, "status")
        want_source = _parse(Source, source, "source")
        views = []
        for issue in self._replay_all(day):
            if unit is not None and unit not in (issue.unit, issue.responsible_unit):
                continue
            if want_status is not None and issue.status is not want_status:
                continue
            if want_source is not None and issue.source is not want_source:
                continue
            views.append(IssueView.of(issue, day))
        return views

    def _notifications(self) -> Iterator[Issue.Event]:
        start = 1
        while True:
            page = self.recorder.select_notifications(start, _PAGE, inclusive_of_start=True)
            for n in page:
                yield self.mapper.to_domain_event(n)  # type: ignore[misc]
            if len(page) < _PAGE:
                return
            start = page[-1].id + 1

    def _replay_all(self, as_of: date) -> list[Issue]:
        # One pass over the log; until the ledger views land, this is how lists are answered.
        issues: dict[UUID, Issue] = {}
        stopped: set[UUID] = set()
        for e in self._notifications():
            key = e.originator_id
            if key in stopped or not isinstance(e, Issue.Event):
                continue
            if e.on > as_of:
                stopped.add(key)
                continue
            mutated = e.mutate(issues.get(key))
            assert isinstance(mutated, Issue)
            issues[key] = mutated
        return list(issues.values())


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
    url: str = "sqlite:///rectify.db", *, today: Callable[[], date] = date.today
) -> RectificationApp:
    """Open the ledger at ``url``: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host:port/dbname`` (``?schema=name`` to keep it in its own schema)."""
    env = env_for_url(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        ensure_postgres_schema(env)
    return RectificationApp(env, today=today)
