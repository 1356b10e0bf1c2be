"""Workflows declared as data, checked through ``transitions``, compiled to a lookup table.

A workflow is written once, as a list of :class:`Step` (trigger, sources, destination, who may do it,
guard names). From that one declaration we build a class-level ``transitions`` machine (never one per
issue), read the machine back into a dict keyed by ``(state, trigger)`` for the hot path, and draw
the mermaid diagram. Every issue records the key (``"issue/1"``) of the workflow it runs under; a
released workflow is never edited, a changed one gets a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from transitions import Machine

from rectify.domain.values import Actor, LabelledEnum, Role, Status, same_unit

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
            raise ValueError(msg)
        return cls(Role(role), own_unit=scope == "unit")

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
    _table: dict[tuple[S, str], CompiledStep[S]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if self.create.dest is None or self.create.sources:
            msg = f"the create step of {self.key} needs a destination and no sources"
            raise ValueError(msg)
        self._table.update(self._compile())

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
        if len(steps) != len(self.steps):
            msg = f"{self.key}: a trigger is declared twice"
            raise ValueError(msg)
        table: dict[tuple[S, str], CompiledStep[S]] = {}
        state_type = type(self.states[0])
        for trigger, ev in self.machine().events.items():
            for source, transitions_ in ev.transitions.items():
                for t in transitions_:
                    src = state_type(source)
                    target = state_type(t.dest) if t.dest is not None else src
                    table[(src, trigger)] = CompiledStep(steps[trigger], src, target)
        return table

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

    def step(self, trigger: str) -> Step[S]:
        if trigger == self.create.trigger:
            return self.create
        for s in self.steps:
            if s.trigger == trigger:
                return s
        msg = f"{self.key} has no trigger {trigger!r}"
        raise KeyError(msg)

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


def _status(*names: str) -> tuple[Status, ...]:
    return tuple(Status(n) for n in names)


ISSUE_WORKFLOW_V1 = WorkflowDefinition(
    name="issue",
    version=1,
    title="rectify issue workflow (issue/1)",
    states=tuple(Status),
    create=Step("record", (), Status.FOUND, ("inspector", "verifier"), label="發現"),
    steps=(
        Step(
            "assign",
            _status("found"),
            Status.ASSIGNED,
            ("verifier",),
            ("deadline_not_before_on",),
            label="交辦",
        ),
        Step(
            "rectify_on_the_spot",
            _status("found", "assigned"),
            Status.RECTIFIED,
            ("responsible@unit",),
            label="立行立改",
        ),
        Step(
            "treat_centrally",
            _status("found", "assigned"),
            Status.RECTIFIED,
            ("responsible@unit", "verifier"),
            label="集中治理",
        ),
        Step(
            "submit_rectification",
            _status("assigned"),
            Status.RECTIFIED,
            ("responsible@unit",),
            label="限期整改",
        ),
        Step(
            "verify",
            _status("rectified"),
            Status.VERIFIED,
            ("verifier",),
            ("independent_decision",),
            label="驗收",
        ),
        Step(
            "reject",
            _status("rectified"),
            Status.ASSIGNED,
            ("verifier",),
            ("independent_decision",),
            label="退回",
        ),
        Step(
            "close_out",
            _status("verified"),
            Status.CLOSED_OUT,
            ("verifier",),
            ("independent_decision",),
            label="銷號",
        ),
        Step(
            "reopen",
            _status("closed_out"),
            Status.ASSIGNED,
            ("verifier", "inspector"),
            ("deadline_not_before_on",),
            label="反彈重開",
        ),
        Step(
            "extend_deadline",
            _status("assigned"),
            None,
            ("verifier",),
            ("independent_decision", "has_deadline", "later_deadline", "deadline_not_before_on"),
            label="延期",
        ),
        Step(
            "withdraw",
            _status("found", "assigned", "rectified", "verified"),
            Status.WITHDRAWN,
            ("verifier",),
            ("independent_decision",),
            label="撤銷",
        ),
        Step(
            "report_progress",
            _status("found", "assigned", "rectified"),
            None,
            ("responsible@unit",),
            label="整改進展",
        ),
    ),
)


def _revised(step: Step[Status], **changes: Any) -> Step[Status]:
    return replace(step, **changes)


ISSUE_WORKFLOW_V2 = WorkflowDefinition(
    name="issue",
    version=2,
    title="rectify issue workflow (issue/2)",
    states=tuple(Status),
    create=ISSUE_WORKFLOW_V1.create,
    steps=(
        *(
            _revised(s, guards=(*s.guards, "measures_done"))
            if s.trigger == "submit_rectification"
            else s
            for s in ISSUE_WORKFLOW_V1.steps
        ),
        Step(
            "add_measure",
            _status("found", "assigned"),
            None,
            ("verifier", "responsible@unit"),
            ("due_not_before_on",),
            label="增加整改措施",
        ),
        Step(
            "complete_measure",
            _status("found", "assigned"),
            None,
            ("responsible@unit", "verifier"),
            ("measure_open",),
            label="完成整改措施",
        ),
        Step(
            "link_issue",
            _status("found", "assigned", "rectified", "verified", "closed_out"),
            None,
            ("verifier", "inspector"),
            ("not_linked_elsewhere",),
            label="關聯黨支部",
        ),
    ),
)
"""issue/2 tracks measures (整改措施) one by one: ``add_measure`` and ``complete_measure``, and
``submit_rectification`` is refused while a measure is open; ``link_issue`` ties an issue to a
branch. Issues recorded under issue/1 keep its rules: their measures are text only."""

_WORKFLOWS: dict[str, WorkflowDefinition[Any]] = {
    w.key: w for w in (ISSUE_WORKFLOW_V1, ISSUE_WORKFLOW_V2)
}
WORKFLOWS: Mapping[str, WorkflowDefinition[Any]] = MappingProxyType(_WORKFLOWS)
"""Every released workflow by key. Aggregates recorded under a key are replayed under it, forever."""

CURRENT_ISSUE_WORKFLOW = ISSUE_WORKFLOW_V2
"""The workflow new issues are recorded under."""


def register_workflow(definition: WorkflowDefinition[Any]) -> None:
    """Make a workflow known by its key (the branch workflow registers itself this way)."""
    existing = WORKFLOWS.get(definition.key)
    if existing is not None and existing is not definition:
        msg = f"workflow {definition.key} is already released; give a changed one a new version"
        raise ValueError(msg)
    _WORKFLOWS[definition.key] = definition


def workflow(key: str) -> WorkflowDefinition[Any]:
    """The released workflow with this key (``"issue/2"``, ``"branch/1"``)."""
    try:
        return WORKFLOWS[key]
    except KeyError:
        msg = f"unknown workflow {key!r}; known: {', '.join(WORKFLOWS)}"
        raise KeyError(msg) from None
