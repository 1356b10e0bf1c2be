"""How a workflow is declared as data, checked when defined, compiled and drawn.

A workflow is written once, as a list of :class:`Step` (trigger, sources, destination, who may do it,
guard names). Defining a :class:`WorkflowDefinition` checks it whole (every state, role and guard it
names must exist; :class:`~rectify.errors.InvalidWorkflow` says which does not), builds a
class-level ``transitions`` machine (never one per aggregate), reads the machine back into a dict
keyed by ``(state, trigger)`` for the hot path, and draws the mermaid diagram from the same data.

The workflows rectify ships are declared in :mod:`rectify.domain.workflows`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from transitions import Machine

from rectify.domain.deadlines import DeadlinePolicy
from rectify.domain.values import Actor, LabelledEnum, Role, same_unit
from rectify.errors import InvalidWorkflow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass(frozen=True)
class Grant:
    """One way to be allowed a step: a role, optionally only for the issue's responsible unit."""

    role: Role
    own_unit: bool = False

    @classmethod
    def parse(cls, text: str) -> Grant:
        """``"verifier"`` or ``"responsible@unit"`` (the role, acting for the responsible unit)."""
        role, _, scope = text.partition("@")
        if scope not in ("", "unit"):
            msg = f"unknown grant scope {scope!r} in {text!r}"
            raise InvalidWorkflow(msg)
        try:
            return cls(Role(role), own_unit=scope == "unit")
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            msg = f"unknown role {role!r} in grant {text!r} (roles: {roles})"
            raise InvalidWorkflow(msg) from None

    def __str__(self) -> str:
        return f"{self.role.value}@unit" if self.own_unit else self.role.value


S = TypeVar("S", bound=LabelledEnum)
"""The state type of a workflow (:class:`Status` for issues, ``BranchStatus`` for branches)."""


@dataclass(frozen=True)
class Step(Generic[S]):
    """One transition of a workflow, as data."""

    trigger: str
    sources: tuple[S, ...]
    dest: S | None  # None: the state does not change
    grants: tuple[str, ...]
    guards: tuple[str, ...] = ()
    label: str = ""

    @cached_property
    def parsed_grants(self) -> tuple[Grant, ...]:
        return tuple(Grant.parse(g) for g in self.grants)

    def permits(self, actor: Actor, responsible_unit: str) -> bool:
        """Whether ``actor`` holds a grant of this step (ADMIN holds them all)."""
        if Role.ADMIN in actor.roles:
            return True
        return any(
            g.role in actor.roles and (not g.own_unit or same_unit(actor.unit, responsible_unit))
            for g in self.parsed_grants
        )

    def describe_grants(self, responsible_unit: str = "the responsible unit") -> str:
        """Who may do this step, in words (``"responsible of 省財政廳 or verifier"``)."""
        return " or ".join(
            f"{g.role.value} of {responsible_unit}" if g.own_unit else g.role.value
            for g in self.parsed_grants
        )


@dataclass(frozen=True)
class CompiledStep(Generic[S]):
    """What the hot path needs for one ``(state, trigger)``."""

    step: Step[S]
    source: S
    target: S


@dataclass(frozen=True)
class WorkflowDefinition(Generic[S]):
    """A named, versioned workflow: states, an initial step that creates, and the other steps."""

    name: str
    version: int
    states: tuple[S, ...]
    create: Step[S]
    steps: tuple[Step[S], ...]
    title: str = ""
    deadlines: DeadlinePolicy | None = None
    """The deadline policy of the problems that run under it (issue workflows): when one is
    assigned without a deadline, its rule gives one before the application's policy is asked."""
    _table: dict[tuple[S, str], CompiledStep[S]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self._check()
        self._table.update(self._compile())

    def _check(self) -> None:
        """Refuse, now, a workflow that names what does not exist."""
        from rectify.domain.guards import GUARDS

        def refuse(where: str, problem: str) -> InvalidWorkflow:
            return InvalidWorkflow(f"workflow {self.key}, {where}: {problem}")

        if not self.states:
            raise refuse("states", "a workflow needs at least one state")
        if len(set(self.states)) != len(self.states):
            raise refuse("states", "a state is listed twice")
        if self.create.dest is None or self.create.sources:
            raise refuse(
                f"step {self.create.trigger!r}",
                "the create step needs a destination and no sources",
            )
        seen: set[str] = set()
        for step in (self.create, *self.steps):
            where = f"step {step.trigger!r}"
            if not step.trigger.isidentifier():
                raise refuse(where, "a trigger is a Python identifier")
            if step.trigger in seen:
                raise refuse(where, "the trigger is declared twice")
            seen.add(step.trigger)
            for state in (*step.sources, *([step.dest] if step.dest is not None else [])):
                if state not in self.states:
                    raise refuse(where, f"unknown state {state!r}")
            if not step.grants:
                raise refuse(where, "nobody may give it (no grants)")
            try:
                step.parsed_grants  # noqa: B018 - parsed now, so a bad grant fails here
            except InvalidWorkflow as e:
                raise refuse(where, str(e)) from None
            for name in step.guards:
                if name not in GUARDS:
                    known = ", ".join(sorted(GUARDS))
                    raise refuse(where, f"unknown guard {name!r} (guards: {known})")

    @property
    def key(self) -> str:
        """``"<name>/<version>"``: what an issue records as the workflow it runs under."""
        return f"{self.name}/{self.version}"

    @property
    def initial(self) -> S:
        assert self.create.dest is not None
        return self.create.dest

    def _transitions_spec(self) -> list[dict[str, Any]]:
        return [
            {
                "trigger": s.trigger,
                "source": [src.value for src in s.sources],
                "dest": s.dest.value if s.dest is not None else None,
                "conditions": list(s.guards),
            }
            for s in self.steps
        ]

    def machine(self, model: object | Iterable[object] = None) -> Machine:
        """A ``transitions`` machine for this definition (used to compile and to draw)."""
        return Machine(
            model=model if model is not None else [],
            states=[s.value for s in self.states],
            transitions=self._transitions_spec(),
            initial=self.initial.value,
            auto_transitions=False,
        )

    def _compile(self) -> dict[tuple[S, str], CompiledStep[S]]:
        # Read the transitions machine back, so that what transitions accepts is what we enforce.
        steps = {s.trigger: s for s in self.steps}
        table: dict[tuple[S, str], CompiledStep[S]] = {}
        state_type = type(self.states[0])
        for trigger, ev in self.machine().events.items():
            for source, transitions_ in ev.transitions.items():
                for t in transitions_:
                    src = state_type(source)
                    target = state_type(t.dest) if t.dest is not None else src
                    table[(src, trigger)] = CompiledStep(steps[trigger], src, target)
        return table

    @property
    def table(self) -> Mapping[tuple[S, str], CompiledStep[S]]:
        """The compiled table: ``(state, trigger)`` → the step taken and where it leads. Two
        definitions with equal tables enforce the same rules."""
        return MappingProxyType(self._table)

    def lookup(self, state: S, trigger: str) -> CompiledStep[S] | None:
        """The compiled step for ``trigger`` in ``state``, or None if the workflow has none."""
        return self._table.get((state, trigger))

    def target(self, state: S, trigger: str) -> S:
        """Where ``trigger`` leads from ``state`` (for applying recorded events: no checks)."""
        return self._table[(state, trigger)].target

    def triggers_from(self, state: S) -> tuple[str, ...]:
        """Triggers the workflow has from ``state``, in declaration order."""
        return tuple(s.trigger for s in self.steps if (state, s.trigger) in self._table)

    @property
    def triggers(self) -> tuple[str, ...]:
        return (self.create.trigger, *(s.trigger for s in self.steps))

    @cached_property
    def _by_trigger(self) -> dict[str, Step[S]]:
        return {s.trigger: s for s in (self.create, *self.steps)}

    def has_trigger(self, trigger: str) -> bool:
        """Whether the workflow has a step ``trigger`` (in any state)."""
        return trigger in self._by_trigger

    def step(self, trigger: str) -> Step[S]:
        """The step ``trigger``, whichever states it leaves from."""
        try:
            return self._by_trigger[trigger]
        except KeyError:
            msg = f"{self.key} has no trigger {trigger!r}"
            raise KeyError(msg) from None

    def mermaid(self) -> str:
        """The workflow as a mermaid state diagram, drawn by transitions' mermaid engine."""
        from transitions.extensions import GraphMachine

        holder = _DiagramModel()
        GraphMachine(
            model=holder,
            states=[s.value for s in self.states],
            transitions=self._transitions_spec(),
            initial=self.initial.value,
            auto_transitions=False,
            graph_engine="mermaid",
            show_conditions=True,
            title=self.title or self.key,
        )
        return str(holder.get_graph().draw(None))


class _DiagramModel:
    get_graph: Any


_MOVED = frozenset(
    {
        "ISSUE_WORKFLOW_V1",
        "ISSUE_WORKFLOW_V2",
        "CURRENT_ISSUE_WORKFLOW",
        "WORKFLOWS",
        "register_workflow",
        "workflow",
    }
)


def __getattr__(name: str) -> Any:
    # The declarations moved to rectify.domain.workflows; old imports keep working.
    if name in _MOVED:
        from rectify.domain import workflows

        return getattr(workflows, name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
