"""Who may give which command: the role matrix, derived from a workflow declaration.

A workflow step names who may give it (its grants: ``"verifier"``, or ``"responsible@unit"`` for
the responsible unit only) and its guards; separation of duties is the guard
``independent_decision``. :func:`role_matrix` reads both and says, for every step of a workflow
and every role (and an actor with no role), whether the command may be given

- on its **own unit**: the actor acts for the unit the command concerns (an issue's unit, its
  responsible unit once assigned, or, for a decision, a unit that rectified it; a branch's unit);
- on **another unit**: the actor acts for none of those;

and which rule decides: the grants, and separation of duties where the step names it (then the
command is never given on its own unit, nor by a person who rectified the issue, whatever their
roles). ADMIN holds every grant, and is still bound by separation of duties; AUDITOR holds none.

The README's tables are :func:`markdown_matrix` of the current issue and branch workflows (the
test suite compares them, and ``rectify roles`` prints them). The decider
(:mod:`rectify.domain.checked`) enforces the same declaration: a role with no grant of a step is
refused with :class:`~rectify.errors.PermissionDenied` naming the grants in every state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rectify.domain.commands import COMMANDS
from rectify.domain.values import Role
from rectify.domain.workflow import Step, WorkflowDefinition
from rectify.domain.workflow_toml import kind_of

SEPARATION_OF_DUTIES = frozenset({"independent_decision"})
"""The guards that are separation of duties: a step naming one is not given on its own unit's
work, nor by a person who rectified it."""

ROLES: tuple[Role | None, ...] = (*Role, None)
"""The columns of the matrix: every role, then an actor holding no role."""

UNITS = "the unit"
"""How the matrix names the unit a command concerns, in the rules it states."""


@dataclass(frozen=True)
class Cell:
    """Whether one role may give one command, on its own unit and on another."""

    role: Role | None
    own_unit: bool
    other_unit: bool

    def __str__(self) -> str:
        if self.own_unit and self.other_unit:
            return "any unit"
        if self.own_unit:
            return "own unit"
        if self.other_unit:
            return "other unit"
        return "—"


@dataclass(frozen=True)
class MatrixRow:
    """One command of a workflow: who may give it, and the rule that decides."""

    workflow: str
    step: Step[Any]
    commands: tuple[str, ...]
    """The application's methods that give the step (none for a step taken with another command)."""
    cells: tuple[Cell, ...]
    """One per role of :data:`ROLES`, in that order."""
    independent: bool
    """Separation of duties binds the step."""

    @property
    def trigger(self) -> str:
        return self.step.trigger

    @property
    def label(self) -> str:
        """The step's Chinese name (``驗收``)."""
        return self.step.label

    def cell(self, role: Role | None) -> Cell:
        return self.cells[ROLES.index(role)]

    def rule(self, unit: str = UNITS) -> str:
        """The rule, in the words a refusal uses: ``"needs verifier; separation of duties"``."""
        needs = f"needs {self.step.describe_grants(unit)}"
        return f"{needs}; separation of duties" if self.independent else needs

    def refusal(
        self, roles: Iterable[Role], *, own_unit: bool, rectifier: bool, unit: str = UNITS
    ) -> str | None:
        """Why an actor holding ``roles`` may not give the command, in the words of the
        :class:`~rectify.errors.PermissionDenied` that refuses it, or None when they may.
        ``own_unit``: the actor acts for the unit the command concerns; ``rectifier``: the actor
        is a person who rectified the issue. The grant is checked first, as the decider does."""
        return _refusal(self.step, self.independent, frozenset(roles), own_unit, rectifier, unit)

    def may(self, roles: Iterable[Role], *, own_unit: bool, rectifier: bool) -> bool:
        """Whether an actor holding ``roles`` may give the command (see :meth:`refusal`)."""
        return self.refusal(roles, own_unit=own_unit, rectifier=rectifier) is None


def _refusal(
    step: Step[Any],
    independent: bool,
    roles: frozenset[Role],
    own_unit: bool,
    rectifier: bool,
    unit: str = UNITS,
) -> str | None:
    granted = Role.ADMIN in roles or any(
        g.role in roles and (own_unit or not g.own_unit) for g in step.parsed_grants
    )
    if not granted:
        return f"needs {step.describe_grants(unit)}"
    if independent and (own_unit or rectifier):
        return "separation of duties"
    return None


def _cell(step: Step[Any], role: Role | None, independent: bool) -> Cell:
    roles = frozenset() if role is None else frozenset({role})
    own = _refusal(step, independent, roles, own_unit=True, rectifier=False) is None
    other = _refusal(step, independent, roles, own_unit=False, rectifier=False) is None
    return Cell(role, own_unit=own, other_unit=other)


def role_matrix(workflow: WorkflowDefinition[Any]) -> tuple[MatrixRow, ...]:
    """Who may give each command of ``workflow``, role by role, on its own unit or another, with
    the rule that decides: derived from the steps' grants and guards, in declaration order."""
    rows = []
    kind = kind_of(workflow)  # a workflow of one's own is named as it likes
    for step in (workflow.create, *workflow.steps):
        independent = bool(SEPARATION_OF_DUTIES & set(step.guards))
        commands = tuple(
            name
            for name, command in COMMANDS.items()
            if command.aggregate == kind and command.trigger == step.trigger
        )
        cells = tuple(_cell(step, role, independent) for role in ROLES)
        rows.append(MatrixRow(workflow.key, step, commands, cells, independent))
    return tuple(rows)


def markdown_matrix(workflow: WorkflowDefinition[Any]) -> str:
    """:func:`role_matrix` as a Markdown table: a command per row (its method, or the step's
    trigger when it is taken with another command, and its Chinese name), a role per column,
    and the rule."""
    heads = [f"{r.label} {r.value}" if r is not None else "no role" for r in ROLES]
    lines = [
        "| command | 中文 | " + " | ".join(heads) + " | rule |",
        "| --- | --- | " + " | ".join("---" for _ in heads) + " | --- |",
    ]
    for row in role_matrix(workflow):
        names = (
            ", ".join(f"`{c}`" for c in row.commands) or f"`{row.trigger}` (with another command)"
        )
        cells = " | ".join(str(c) for c in row.cells)
        lines.append(f"| {names} | {row.label} | {cells} | {row.rule()} |")
    return "\n".join(lines) + "\n"
