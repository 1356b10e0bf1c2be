"""What every aggregate run by a workflow shares: deciding a command, then recording its event.

An aggregate that mixes in :class:`Checked` says which workflow it runs under (``flow``), where it
stands (``status``), which unit acts for it (``acting_unit``), the latest business date it has
recorded (``last_on``) and which event records each trigger (``triggers``, its one table of
them). :meth:`Checked.check` then refuses a trigger, in this order, when the actor holds no grant
of the step (:class:`~rectify.errors.PermissionDenied` naming the grants, whatever the state: a
step has one set of grants in every state it leaves from), when the workflow has no such step
from the current state (:class:`~rectify.errors.TransitionNotAllowed`, so only for an actor who
could give it elsewhere), when the business date goes backwards, or when a guard the step names
refuses it (separation of duties is the guard ``independent_decision``). Who may give which
command is drawn as a table by :mod:`rectify.domain.roles`.

:meth:`Checked.decide` is the decider every command goes through: check, then trigger the event
the table names, through the aggregate's ``@event`` method for it (found from the event class, so
nothing lists the methods again). ``issue.assign(...)`` is ``issue.decide("assign", ...)``: each
trigger of the table is a command method of the aggregate without being written out as one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, CommandMethodDecorator
from pydantic import ValidationError

from rectify.domain.commands import Command, command_for
from rectify.domain.decisions import RECONFIRM, Decision, evidence_digest, stale_reason
from rectify.domain.values import Actor
from rectify.domain.workflow import WorkflowDefinition
from rectify.errors import InvalidCommand, PermissionDenied, RectifyError, TransitionNotAllowed

Guard = Callable[[Any, Actor, date, "Mapping[str, Any] | None"], RectifyError | None]
"""A guard: ``(aggregate, actor, on, args) -> the error to raise, or None``. ``args`` is None
when only the actor is known (``allowed_actions``); guards that need arguments then pass."""


class CommandEvent(Aggregate.Event):
    """What every event of rectify records besides its own fields: who gave the command, on
    which business date, under which idempotency key."""

    actor: Actor
    on: date
    command_id: str | None


class Checked:
    """Mixin of workflow checks for an eventsourcing aggregate."""

    kind: ClassVar[str]
    """What the aggregate is called in errors (``"issue"``, ``"branch"``)."""

    guards: ClassVar[Mapping[str, Guard]]
    """The guards its workflows may name."""

    triggers: ClassVar[Mapping[type[Any], str]]
    """Which workflow trigger each of the aggregate's event classes records (its one table)."""

    guard_context: ClassVar[frozenset[str]] = frozenset()
    """Names a command may carry for its guards only (what the store knows, not the command)."""

    decision_labels: ClassVar[Mapping[str, str]] = {}
    """The triggers that are decisions bound to evidence, with their names (``驗收``)."""

    relied_on: ClassVar[tuple[str, ...]] = ()
    """What a decision relies on: the names whose values its evidence digest covers (declared
    once per aggregate; :meth:`relied_on_evidence` reads them)."""

    id: UUID
    version: int
    status: Any
    last_on: date
    command_ids: dict[str, str]
    """Each idempotency key recorded here, with the trigger it was given for."""
    decisions: dict[str, Decision]

    # ---------------------------------------------------------------- deciding

    def decide(
        self, trigger: str, *, actor: Actor, on: date, command_id: str | None = None, **fields: Any
    ) -> None:
        """Give command ``trigger`` with its ``fields`` (validated by the command's model, so
        its defaults and limits hold and a misspelt field is refused; the aggregate's
        ``guard_context`` fields are for the guards only), then record its event. Nothing is
        recorded when the command is refused."""
        model = command_for(self.kind, trigger)
        context = {k: fields.pop(k) for k in self.guard_context & fields.keys()}
        try:
            command = model(actor=actor, on=on, command_id=command_id, **fields)
        except ValidationError as e:
            raise InvalidCommand.from_validation(e) from None
        self.handle(command, **context)

    def handle(self, command: Command, **context: Any) -> None:
        """Decide a validated ``command``: check it (workflow, grant, business date, guards,
        which also see ``context``), then record the event the ``triggers`` table names for its
        trigger."""
        fields = command.payload()
        trigger = command.trigger
        self.check(trigger, command.actor, command.on, {**fields, **context})
        record = getattr(self, self._recorders()[trigger])
        fields = self._event_fields(trigger, fields)
        if trigger in self.decision_labels or trigger == RECONFIRM:
            # Bound to evidence: what the decider saw, filled in here, never by the caller.
            fields["evidence_digest"] = self.evidence_digest(context)
            fields["decided_on_version"] = self.version
            if trigger == RECONFIRM:
                fields["decisions"] = self.stale_decisions()
        record(actor=command.actor, on=command.on, command_id=command.command_id, **fields)
        if trigger != RECONFIRM:
            self.review_decisions(command.actor, command.on, self._cause(trigger), context)

    def _event_fields(self, trigger: str, fields: dict[str, Any]) -> dict[str, Any]:
        """The event's fields for a checked command's (an aggregate may derive some)."""
        return fields

    # ---------------------------------------------------------------- decisions bound to evidence

    def relied_on_evidence(self, context: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """What a decision taken now relies on: the value of each name of ``relied_on`` (None
        when part of it is held by other aggregates and ``context`` does not say it)."""
        return {name: getattr(self, name) for name in self.relied_on}

    def evidence_digest(self, context: Mapping[str, Any] | None = None) -> str | None:
        """The digest a decision taken now records (:func:`~rectify.domain.decisions.
        evidence_digest` of :meth:`relied_on_evidence`; None when that is not known here)."""
        evidence = self.relied_on_evidence(context)
        return None if evidence is None else evidence_digest(evidence)

    def stale_decisions(self) -> tuple[str, ...]:
        """The triggers of the standing decisions marked stale and not re-confirmed, in the
        order of ``decision_labels``."""
        return tuple(
            t for t in self.decision_labels if t in self.decisions and self.decisions[t].stale
        )

    def watched_decisions(self) -> tuple[Decision, ...]:
        """The standing decisions a change can make stale: current, with a digest, under a
        workflow that can re-confirm them."""
        if not self.decisions or not self.flow.has_trigger(RECONFIRM):
            return ()
        return tuple(d for d in self.decisions.values() if d.digest is not None and not d.stale)

    def _cause(self, trigger: str) -> str:
        label = self.flow.step(trigger).label if self.flow.has_trigger(trigger) else ""
        return f"{label} ({trigger})" if label else trigger

    def review_decisions(
        self, actor: Actor, on: date, cause: str, context: Mapping[str, Any] | None = None
    ) -> int:
        """Mark stale each watched decision whose evidence differs now from its digest, after
        a change (``cause``, by ``actor`` on ``on``); returns how many were marked. Every command
        calls it after its event; the application calls it when something another aggregate
        holds, relied on here, changed (a branch's linked issues)."""
        watched = self.watched_decisions()
        if not watched:
            return 0
        now = self.evidence_digest(context)
        if now is None:
            return 0
        marked = 0
        for decision in watched:
            reason = stale_reason(
                decision, now, cause, on, self.decision_labels.get(decision.trigger, "")
            )
            if reason is None:
                continue
            self._decision_marked_stale(
                actor=actor,
                on=max(on, self.last_on),
                command_id=None,
                decision=decision.trigger,
                decided_on_version=decision.version,
                evidence_digest=decision.digest,
                current_digest=now,
                reason=reason,
            )
            marked += 1
        return marked

    def _decision_marked_stale(
        self,
        actor: Actor,
        on: date,
        command_id: str | None,
        decision: str,
        decided_on_version: int | None,
        evidence_digest: str | None,
        current_digest: str,
        reason: str,
    ) -> None:
        """Record that ``decision`` went stale (the aggregate's DecisionMarkedStale)."""
        raise NotImplementedError

    def _decision_stale(self, on: date, decision: str, reason: str) -> None:
        """Apply a DecisionMarkedStale (event bodies call this; no checks)."""
        standing = self.decisions.get(decision)
        if standing is not None:
            self.decisions[decision] = standing.marked_stale(on, reason)
        self.last_on = max(self.last_on, on)

    def _decided(self, trigger: str, on: date, version: int | None, digest: str | None) -> None:
        """Apply a decision: it stands now, current (event bodies call this)."""
        self.decisions[trigger] = Decision(trigger, on, version, digest)

    def _reconfirmed(
        self, decisions: tuple[str, ...], on: date, version: int | None, digest: str | None
    ) -> None:
        """Apply a re-confirmation: the decisions named are current again, bound to ``digest``."""
        for trigger in decisions:
            standing = self.decisions.get(trigger)
            if standing is not None:
                self.decisions[trigger] = Decision(trigger, on, version, digest)

    @classmethod
    def _recorders(cls) -> Mapping[str, str]:
        """The name of the ``@event`` method that records each trigger (derived, cached)."""
        found = cls.__dict__.get("_recorder_names")
        if found is None:
            by_event = {
                member.given_event_cls: name
                for klass in reversed(cls.__mro__)
                for name, member in vars(klass).items()
                if isinstance(member, CommandMethodDecorator) and member.given_event_cls
            }
            found = {  # the create step is a constructor of its own, not decided here
                trigger: by_event[event]
                for event, trigger in cls.triggers.items()
                if by_event[event] != "__init__"
            }
            cls._recorder_names = found  # type: ignore[attr-defined]
        return found

    def __getattr__(self, name: str) -> Callable[..., None]:
        # A trigger of the table is a command method: ``issue.verify(actor=…, on=…)``.
        if not name.startswith("_") and name in type(self)._recorders():
            return functools.partial(self.decide, name)
        msg = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg)

    @property
    def flow(self) -> WorkflowDefinition[Any]:
        raise NotImplementedError

    @property
    def acting_unit(self) -> str:
        raise NotImplementedError

    def _keys_of_creation(self, command_id: str | None) -> dict[str, str]:
        """The idempotency keys a new aggregate starts with: the key of the step that created it."""
        return {command_id: self.flow.create.trigger} if command_id else {}

    def has_seen(self, command_id: str | None, trigger: str | None = None) -> bool:
        """Whether a command with this idempotency key was already recorded here. With
        ``trigger``, the key must have been used for that very step: a key used for another
        is :class:`InvalidCommand` for ``command_id`` (a key names one command, never two)."""
        used = None if command_id is None else self.command_ids.get(command_id)
        if used is None:
            return False
        if trigger is not None and used != trigger:
            msg = f"{command_id!r} was already used here for {used}: give each command its own key"
            raise InvalidCommand("command_id", msg)
        return True

    def _enter(self, trigger: str, on: date, command_id: str | None) -> None:
        """Apply the state change of a recorded ``trigger`` (event bodies call this; no checks)."""
        self.status = self.flow.target(self.status, trigger)
        self.last_on = on
        if command_id:
            self.command_ids[command_id] = trigger

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

    def refusal_under(
        self,
        flow: WorkflowDefinition[Any],
        trigger: str,
        actor: Actor,
        on: date,
        args: Mapping[str, Any] | None = None,
    ) -> RectifyError | None:
        """The error ``flow`` (another workflow than the one this aggregate runs under) would
        refuse ``trigger`` by ``actor`` on ``on`` with, in the aggregate's state now; None when
        it would allow it. Changes nothing (for what-if replays)."""
        return next(self._refusals(trigger, actor, on, args, flow), None)

    def _refusals(
        self,
        trigger: str,
        actor: Actor,
        on: date,
        args: Mapping[str, Any] | None,
        under: WorkflowDefinition[Any] | None = None,
    ) -> Iterator[RectifyError]:
        flow = self.flow if under is None else under
        if flow.has_trigger(trigger):  # the grant first: no grant is refused in every state
            step = flow.step(trigger)
            if not step.permits(actor, self.acting_unit):
                yield PermissionDenied(
                    actor.id, trigger, f"needs {step.describe_grants(self.acting_unit)}"
                )
                return
        compiled = flow.lookup(self.status, trigger)
        if compiled is None:
            yield TransitionNotAllowed(
                trigger,
                self.status.value,
                issue_id=self.id,
                allowed=flow.triggers_from(self.status),
                kind=self.kind,
            )
            return
        step = compiled.step
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
