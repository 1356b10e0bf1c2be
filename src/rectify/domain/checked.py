"""What every aggregate run by a workflow shares: the checks made before an event is triggered.

An aggregate that mixes in :class:`Checked` says which workflow it runs under (``flow``), where it
stands (``status``), which unit acts for it (``acting_unit``) and the latest business date it has
recorded (``last_on``). :meth:`Checked.check` then refuses a trigger, in this order, when the
workflow has no such step from the current state, when the actor holds no grant of the step, when
the business date goes backwards, or when a guard the step names refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from rectify.domain.values import Actor
from rectify.domain.workflow import WorkflowDefinition
from rectify.errors import InvalidCommand, PermissionDenied, RectifyError, TransitionNotAllowed

Guard = Callable[[Any, Actor, date, "Mapping[str, Any] | None"], RectifyError | None]
"""A guard: ``(aggregate, actor, on, args) -> the error to raise, or None``. ``args`` is None
when only the actor is known (``allowed_actions``); guards that need arguments then pass."""


class Checked:
    """Mixin of workflow checks for an eventsourcing aggregate."""

    kind: ClassVar[str]
    """What the aggregate is called in errors (``"issue"``, ``"branch"``)."""

    guards: ClassVar[Mapping[str, Guard]]
    """The guards its workflows may name."""

    id: UUID
    status: Any
    last_on: date
    command_ids: set[str]

    @property
    def flow(self) -> WorkflowDefinition[Any]:
        raise NotImplementedError

    @property
    def acting_unit(self) -> str:
        raise NotImplementedError

    def has_seen(self, command_id: str | None) -> bool:
        """Whether a command with this idempotency key was already recorded here."""
        return command_id is not None and command_id in self.command_ids

    def _enter(self, trigger: str, on: date, command_id: str | None) -> None:
        """Apply the state change of a recorded ``trigger`` (event bodies call this; no checks)."""
        self.status = self.flow.target(self.status, trigger)
        self.last_on = on
        if command_id:
            self.command_ids.add(command_id)

    def check(
        self, trigger: str, actor: Actor, on: date, args: Mapping[str, Any] | None = None
    ) -> None:
        """Raise the error that refuses ``trigger`` by ``actor`` on ``on``, or return if allowed."""
        for error in self._refusals(trigger, actor, on, args):
            raise error

    def allowed_actions(
        self, actor: Actor | None = None, on: date | None = None
    ) -> tuple[str, ...]:
        """Triggers the workflow allows now; with ``actor``, only those this actor may perform."""
        triggers = self.flow.triggers_from(self.status)
        if actor is None:
            return triggers
        when = on if on is not None else self.last_on
        return tuple(
            t for t in triggers if next(self._refusals(t, actor, when, None), None) is None
        )

    def _refusals(
        self, trigger: str, actor: Actor, on: date, args: Mapping[str, Any] | None
    ) -> Iterator[RectifyError]:
        compiled = self.flow.lookup(self.status, trigger)
        if compiled is None:
            yield TransitionNotAllowed(
                trigger,
                self.status.value,
                issue_id=self.id,
                allowed=self.flow.triggers_from(self.status),
                kind=self.kind,
            )
            return
        step = compiled.step
        if not step.permits(actor, self.acting_unit):
            yield PermissionDenied(
                actor.id, trigger, f"needs {step.describe_grants(self.acting_unit)}"
            )
            return
        if on < self.last_on:
            yield InvalidCommand(
                "on",
                f"business date {on} is before the {self.kind}'s latest recorded date "
                f"{self.last_on}",
            )
            return
        for name in step.guards:
            error = self.guards[name](self, actor, on, args)
            if error is not None:
                yield error
                return
