"""The command plumbing every service of :class:`~rectify.application.RectificationApp` shares.

Each command is validated with pydantic (bad input raises :class:`~rectify.errors.InvalidCommand`
and records nothing), the aggregate is loaded, the domain checks and triggers the event, and the
new events are saved atomically. A lost optimistic-concurrency race raises
:class:`~rectify.errors.ConcurrencyConflict`; nothing is half-written. An idempotency key is
answered from what is stored, never inferred from a conflict.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ApplicationRecorder, Mapper, RecordConflictError
from eventsourcing.popo import POPOFactory
from pydantic import ValidationError

from rectify.adapters.chain import ChainedPOPOApplicationRecorder
from rectify.adapters.persistence import PydanticMapper
from rectify.adapters.personal import PersonalCipher
from rectify.adapters.store_access import replaying
from rectify.adapters.viewstores import AUDIT_COLUMNS, construct_views
from rectify.domain.branch import Branch
from rectify.domain.commands import (
    COMMANDS,
    Command,
)
from rectify.domain.issue import Issue
from rectify.domain.lists import (
    derived_id,
)
from rectify.domain.values import (
    Actor,
    parse_day,
    unholdable,
)
from rectify.errors import ConcurrencyConflict, InvalidCommand, NotFound
from rectify.projections.projector import Projector
from rectify.projections.views import AuditEntry, audit_entry_from_row

PAGE = 1000
"""Notifications read from the log at a time."""

FORGOTTEN_WITHIN = 1.0
"""Seconds within which a person forgotten by another process reads as redacted here (the views
are checked before every catch-up, so a forgotten name never goes back into them)."""

A = TypeVar("A")
C = TypeVar("C", bound=Command)


class Plumbing(Application[UUID]):
    """What every service shares: the clock, the stores, validation of commands, loading and
    saving aggregates, reading the log."""

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
        key_store = getattr(self.recorder, "key_store", None)
        if key_store is not None and isinstance(self.mapper, PydanticMapper):
            self.mapper.personal = PersonalCipher(key_store())
        self.views = construct_views(self)
        self.projector = Projector(self.views, self._aggregate_at, self.name)
        self.views.ensure_schema(self.name)

    def close(self) -> None:
        self.views.close_views()
        super().close()

    def construct_recorder(self) -> ApplicationRecorder:
        # A memory store keeps the chain of its events too (the other stores name their
        # chaining recorders in their environment: rectify.adapters.persistence).
        if isinstance(self.factory, POPOFactory):
            return ChainedPOPOApplicationRecorder()
        return super().construct_recorder()

    def construct_mapper(self) -> Mapper[UUID]:
        # Always ours, whatever the environment says: the events cannot be read without it.
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PydanticMapper
        )

    def _validate(self, trigger: str, **fields: Any) -> Command:
        return self._check_input(COMMANDS[trigger], **fields)

    def _check_input(self, model: type[C], **fields: Any) -> C:
        """The command ``model`` validated from ``fields`` (``on`` defaults to today and may not
        be in the future), or :class:`InvalidCommand` naming every bad field."""
        if fields.get("on") is None:
            fields["on"] = self.today()
        try:
            cmd = model(**fields)
        except ValidationError as e:
            raise invalid(e) from None
        if cmd.on > self.today():
            raise InvalidCommand("on", f"business date {cmd.on} is in the future")
        return cmd

    @staticmethod
    def _issue_uuid(issue_id: UUID | str) -> UUID:
        return Plumbing._uuid(issue_id, "issue_id", "issue")

    def _load(self, issue_id: UUID) -> Issue:
        return self._get(Issue, issue_id, "issue")

    def _get(self, cls: type[A], ident: UUID, kind: str) -> A:
        personal = getattr(self.mapper, "personal", None)
        if personal is not None:  # a person forgotten elsewhere is redacted here within 1 s
            personal.refresh(max_age=FORGOTTEN_WITHIN)
        try:
            with replaying(kind, ident):
                found: object = self.repository.get(ident)
        except AggregateNotFoundError:
            raise NotFound(kind, ident) from None
        if not isinstance(found, cls):
            raise NotFound(kind, ident, f"that id is not a {kind}")
        return found

    def _branch(self, branch_id: UUID | str) -> Branch:
        return self._get(Branch, self._uuid(branch_id, "branch_id", "branch"), "branch")

    def _save(self, *aggregates: Any, command_id: str | None = None) -> None:
        """Save the new events of ``aggregates`` atomically (all or none).

        A lost race raises :class:`ConcurrencyConflict`, unless the first aggregate, read again
        from the store, shows that ``command_id`` was recorded meanwhile (by another writer
        giving the same command): then the command is done, as the key promises."""
        try:
            self.save(*aggregates)
        except RecordConflictError:
            first = aggregates[0]
            if command_id is not None and self.is_recorded(first.id):
                stored: Any = self.repository.get(first.id)
                if stored.has_seen(command_id):
                    return
            raise ConcurrencyConflict(first.id, getattr(first, "kind", "record")) from None

    @staticmethod
    def _uuid(value: UUID | str, field: str, kind: str) -> UUID:
        if isinstance(value, UUID):
            return value
        if not isinstance(value, str):
            msg = f"a {kind} id is a UUID or its text, not a {type(value).__name__}"
            raise InvalidCommand(field, msg)
        try:
            return UUID(value)
        except ValueError:
            article = "an" if kind[:1] in "aeiou" else "a"
            raise InvalidCommand(field, f"{value[:60]!r} is not {article} {kind} id") from None

    def _recorded_under(self, kind: str, command_id: str | None) -> UUID | None:
        """The list, checklist or round (``kind``) already recorded under this key, if any."""
        if command_id is None:
            return None
        ident = derived_id(kind, command_id)
        return ident if self.is_recorded(ident) else None

    def _save_new(self, aggregate: Any, command_id: str | None, kind: str) -> None:
        """Save a new list, checklist or round (``kind``), whose id comes from its key."""
        try:
            self.save(aggregate)
        except RecordConflictError:
            if command_id is None or not self.is_recorded(aggregate.id):
                raise ConcurrencyConflict(aggregate.id, kind) from None

    def _aggregate_at(self, aggregate_id: UUID, version: int) -> Any:
        with replaying("aggregate", aggregate_id):
            return self.repository.get(aggregate_id, version=version)

    def _read_notifications(self, after: int) -> list[tuple[int, Any]]:
        page = self.recorder.select_notifications(after + 1, PAGE, inclusive_of_start=True)
        return [(n.id, self.mapper.to_domain_event(n)) for n in page]

    def is_recorded(self, ident: UUID) -> bool:
        """Whether anything (an issue, branch, list, checklist or round) has this id."""
        return bool(self.recorder.select_events(ident, limit=1))

    def _replayed(self, cls: type[A], ident: UUID, day: date, kind: str) -> A:
        """``ident`` rebuilt from its events dated on or before ``day`` (business dates never go
        backwards within one aggregate)."""
        found = replay_until(list(self.repository.event_store.get(ident)), day)
        if found is None:
            if not self.is_recorded(ident):
                raise NotFound(kind, ident)
            raise NotFound(kind, ident, f"it was not yet recorded on {day}")
        if not isinstance(found, cls):
            raise NotFound(kind, ident, f"that id is not a {kind}")
        return found

    def _events(self, issue_id: UUID) -> list[Issue.Event]:
        events = list(self.repository.event_store.get(issue_id))
        if not events:
            raise NotFound("issue", issue_id)
        return events  # type: ignore[return-value]

    def _as_of(self, as_of: date | str | None) -> date:
        if as_of is None:
            return self.today()
        try:
            return parse_day(as_of)
        except ValueError as e:
            raise InvalidCommand("as_of", str(e)) from None


def invalid(e: ValidationError) -> InvalidCommand:
    return InvalidCommand.from_validation(e)


@dataclass(frozen=True)
class Attempt:
    last: bool


def attempts(count: int = 8) -> Iterator[Attempt]:
    """Attempts at a command that lost a race on an aggregate it only touches on the side (the
    branch an issue is linked to), with a short random pause before each retry."""
    for n in range(count):
        if n:
            time.sleep(random.uniform(0, 0.01 * 2**n))
        yield Attempt(last=n == count - 1)


def is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def unique(aggregates: list[Any]) -> list[Any]:
    seen: dict[UUID, Any] = {}
    for a in aggregates:
        seen.setdefault(a.id, a)
    return list(seen.values())


def audit_entries(rows: list[tuple[Any, ...]]) -> list[AuditEntry]:
    return [audit_entry_from_row(dict(zip(AUDIT_COLUMNS, r, strict=True))) for r in rows]


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that form no
    cycles: with 100k ledger rows its repeated full passes cost more than the rows themselves."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_enum(enum: Any, value: object, field: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        shown = repr(value[:40]) if isinstance(value, str) else f"a {type(value).__name__}"
        raise InvalidCommand(field, f"{shown} is not one of {choices}") from None


def check_text(value: object, field: str) -> str:
    """``value`` if it is text a store can hold (a filter, say), else InvalidCommand."""
    if not isinstance(value, str):
        raise InvalidCommand(field, f"expected text, not a {type(value).__name__}")
    problem = unholdable(value)
    if problem is not None:
        raise InvalidCommand(field, f"contains {problem}")
    return value


def check_position(value: object, field: str) -> int:
    """``value`` if it is a position in the log (or a count): a whole number from 0 up to what a
    database integer holds, else InvalidCommand."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCommand(field, f"expected a whole number, not a {type(value).__name__}")
    if not 0 <= value < 2**63:
        raise InvalidCommand(field, "out of range: a whole number from 0 up to 2**63 - 1")
    return value


def check_actor(actor: object, field: str = "actor") -> Actor | None:
    if actor is None:
        return None
    if isinstance(actor, Actor):
        return Actor.checked(actor)
    raise InvalidCommand(field, f"expected an Actor, not a {type(actor).__name__}")


def replay_until(events: Sequence[Any], as_of: date) -> Any:
    """The aggregate (an issue, branch, round) rebuilt from its events dated on or before
    ``as_of`` (None if none were)."""
    aggregate: Any = None
    with replaying("aggregate", events[0].originator_id if events else None):
        for e in events:
            if e.on > as_of:
                break  # business dates never go backwards within one aggregate
            aggregate = e.mutate(aggregate)
    return aggregate
