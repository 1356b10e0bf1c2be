"""Workflows written as TOML: read (validated by pydantic, every error with its line and field),
compiled to a :class:`~rectify.domain.workflow.WorkflowDefinition`, and written back.

A definition in TOML says what a Python one says, in the same words::

    name = "issue"                # with version: the key an issue records, "issue/3"
    version = 3
    kind = "issue"                # which aggregate runs it: issue, branch, round, list, checklist
    title = "rectify issue workflow (issue/3)"
    states = ["found", "assigned", "rectified", "verified", "closed_out", "withdrawn"]

    [create]                      # the step that creates: no "from", a "to"
    trigger = "record"
    to = "found"
    grants = ["inspector", "verifier"]
    label = "發現"

    [[steps]]                     # one table per step, in order
    trigger = "assign"
    from = ["found"]
    to = "assigned"               # left out: the state does not change
    grants = ["verifier"]         # a role, or "responsible@unit": the role, for the unit
    guards = ["deadline_not_before_on"]   # names of rectify.domain.guards.GUARDS
    label = "交辦"

    [deadlines.by_severity]       # issue workflows: the deadline policy of their problems
    "嚴重" = "10 working days"     # (also by_source, by_list; see rectify.domain.deadlines)

Every state, role, guard and trigger named must exist (a guard of one's own is registered with
:func:`~rectify.domain.guards.register_guard` before the file is read). A ``[deadlines]`` policy
gives a deadline to a problem assigned without one, before the application's own policy.
:func:`workflow_from_toml` is pure (text in); reading a file is ``rectify.load_workflow``
(:mod:`rectify.adapters.workflow_files`).

Why this module is long: reading and writing are one format, kept side by side so that they
cannot drift (the round-trip property holds them together), and the line of each problem is
found here, from the text, because ``tomllib`` keeps no positions.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from rectify.domain.commands import COMMANDS
from rectify.domain.deadlines import DeadlinePolicy, DeadlineRule
from rectify.domain.values import (
    BranchStatus,
    ChecklistStatus,
    LabelledEnum,
    ListStatus,
    RoundStatus,
    Status,
)
from rectify.domain.workflow import Grant, Step, WorkflowDefinition
from rectify.errors import InvalidWorkflow, WorkflowProblem

KINDS: dict[str, type[LabelledEnum]] = {
    "issue": Status,
    "branch": BranchStatus,
    "round": RoundStatus,
    "list": ListStatus,
    "checklist": ChecklistStatus,
}
"""Each kind of aggregate a workflow can run, with its states."""

Kind = Literal["issue", "branch", "round", "list", "checklist"]


def kind_of(definition: WorkflowDefinition[Any]) -> str:
    """The kind of aggregate ``definition`` runs (read from the type of its states)."""
    state_type = type(definition.states[0])
    return next(k for k, t in KINDS.items() if t is state_type)


def triggers_of(kind: str) -> frozenset[str]:
    """The triggers an aggregate of ``kind`` knows: those its commands give, and those of the
    workflows rectify ships for it (a branch's ``link_issue`` is given by an issue's command)."""
    from rectify.domain.workflows import WORKFLOWS

    shipped = {
        t for w in WORKFLOWS.values() if w.name == kind and kind_of(w) == kind for t in w.triggers
    }
    return frozenset({c.trigger for c in COMMANDS.values() if c.aggregate == kind} | shipped)


# ---------------------------------------------------------------- the form, checked by pydantic


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _grant(text: str) -> str:
    try:
        Grant.parse(text)
    except InvalidWorkflow as e:
        raise ValueError(str(e)) from None
    return text


def _guard(name: str) -> str:
    from rectify.domain.guards import GUARDS  # read now: guards registered later count

    if name not in GUARDS:
        msg = f"unknown guard {name!r} (guards: {', '.join(sorted(GUARDS))})"
        raise ValueError(msg)
    return name


Trigger = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
GrantText = Annotated[str, AfterValidator(_grant)]
GuardName = Annotated[str, AfterValidator(_guard)]


def _known_state(state: str, info: ValidationInfo) -> str:
    states = (info.context or {}).get("states")
    if states is not None and state not in states:
        msg = f"unknown state {state!r} (the workflow's states: {', '.join(states)})"
        raise ValueError(msg)
    return state


StateName = Annotated[str, AfterValidator(_known_state)]


class StepSpec(BaseModel):
    """One ``[[steps]]`` table (or ``[create]``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    trigger: Trigger
    sources: tuple[StateName, ...] = Field(default=(), alias="from")
    dest: StateName | None = Field(default=None, alias="to")
    grants: tuple[GrantText, ...]
    guards: tuple[GuardName, ...] = ()
    label: str = ""

    @field_validator("trigger")
    @classmethod
    def _a_trigger_of_the_kind(cls, trigger: str, info: ValidationInfo) -> str:
        kind = (info.context or {}).get("kind")
        if kind in KINDS and trigger not in triggers_of(kind):
            known = ", ".join(sorted(triggers_of(kind)))
            msg = f"{_a(kind)} has no command {trigger!r} (its triggers: {known})"
            raise ValueError(msg)
        return trigger

    @field_validator("grants")
    @classmethod
    def _somebody_may(cls, grants: tuple[str, ...]) -> tuple[str, ...]:
        if not grants:
            msg = "nobody may give it (no grants)"
            raise ValueError(msg)
        return grants


class WorkflowSpec(BaseModel):
    """A whole workflow file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$")]
    version: PositiveInt
    kind: Kind
    title: str = ""
    states: tuple[str, ...] = Field(min_length=1)
    create: StepSpec
    steps: tuple[StepSpec, ...] = ()
    deadlines: DeadlinePolicy | None = None

    @field_validator("deadlines")
    @classmethod
    def _deadlines_of_problems(
        cls, deadlines: DeadlinePolicy | None, info: ValidationInfo
    ) -> DeadlinePolicy | None:
        if deadlines is not None and info.data.get("kind") not in (None, "issue"):
            msg = 'only a workflow of problems (kind = "issue") has deadlines'
            raise ValueError(msg)
        return deadlines

    @field_validator("states")
    @classmethod
    def _states_of_the_kind(cls, states: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        kind = info.data.get("kind")
        if kind is not None:
            known = [s.value for s in KINDS[kind]]
            for s in states:
                if s not in known:
                    msg = f"{_a(kind)} has no state {s!r} (its states: {', '.join(known)})"
                    raise ValueError(msg)
        if len(set(states)) != len(states):
            msg = "a state is listed twice"
            raise ValueError(msg)
        return states

    def definition(self) -> WorkflowDefinition[Any]:
        """The compiled definition (checked once more by its own constructor)."""
        state = KINDS[self.kind]

        def step(s: StepSpec) -> Step[Any]:
            return Step(
                s.trigger,
                tuple(state(x) for x in s.sources),
                None if s.dest is None else state(s.dest),
                s.grants,
                s.guards,
                s.label,
            )

        return WorkflowDefinition(
            name=self.name,
            version=self.version,
            title=self.title,
            states=tuple(state(s) for s in self.states),
            create=step(self.create),
            steps=tuple(step(s) for s in self.steps),
            deadlines=self.deadlines,
        )


def _further_problems(spec: WorkflowSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """What the form alone does not say: the create step's shape, a trigger declared twice."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if spec.create.sources:
        found.append((("create", "from"), "the create step leaves from no state (no 'from')"))
    if spec.create.dest is None:
        found.append((("create", "to"), "the create step needs a destination ('to')"))
    seen = {spec.create.trigger}
    for n, s in enumerate(spec.steps):
        if s.trigger in seen:
            found.append((("steps", n, "trigger"), f"the trigger {s.trigger!r} is declared twice"))
        seen.add(s.trigger)
    return found


# ---------------------------------------------------------------- lines and fields

_TABLE = re.compile(r"^\[\[?\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
_KEY = re.compile(r"^(\"[^\"]*\"|[A-Za-z0-9_\-]+)\s*=")


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """The line each table and key of the file starts on, by its path (``("steps", 2, "to")``).
    Enough of TOML for a workflow file: tables, arrays of tables, one key a line."""
    lines: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    counts: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if match := _TABLE.match(line):
            name = match.group(1)
            path = tuple(part.strip('"') for part in name.split("."))  # [deadlines.by_severity]
            if line.startswith("[["):
                counts[name] = counts.get(name, -1) + 1
                table = (*path, counts[name])
            else:
                table = path
            for end in range(1, len(table) + 1):
                lines.setdefault(table[:end], number)
        elif match := _KEY.match(line):
            lines.setdefault((*table, match.group(1).strip('"')), number)
    return lines


def _line_of(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 0


def _field_of(loc: tuple[str | int, ...]) -> str:
    """``("steps", 2, "guards", 0)`` → ``steps[3].guards[1]`` (counted from 1, as a reader counts
    the ``[[steps]]`` of a file)."""
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(the file)"


def workflow_from_toml(
    text: str, *, source: str = "<text>", name: str | None = None, version: int | None = None
) -> WorkflowDefinition[Any]:
    """Read a workflow definition from TOML ``text``, validated whole, compiled once.

    ``name`` and ``version`` replace the file's (to register it under a new key). Raises
    :class:`~rectify.errors.InvalidWorkflow` listing every problem with its line and field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        at = re.search(r"line (\d+)", str(e))
        problem = WorkflowProblem(int(at.group(1)) if at else 0, "(the file)", f"not TOML: {e}")
        raise _invalid(source, [problem]) from None
    if name is not None:
        raw["name"] = name
    if version is not None:
        raw["version"] = version
    lines = _key_lines(text)
    states = raw.get("states")
    context = {
        "kind": raw.get("kind"),
        "states": list(states) if isinstance(states, list) else None,
    }
    try:
        spec = WorkflowSpec.model_validate(raw, context=context)
    except ValidationError as e:
        problems = [
            WorkflowProblem(
                _line_of(err["loc"], lines),
                _field_of(err["loc"]),
                str(err["msg"]).removeprefix("Value error, "),
            )
            for err in e.errors()
        ]
        raise _invalid(source, problems) from None
    further = _further_problems(spec)
    if further:
        problems = [WorkflowProblem(_line_of(loc, lines), _field_of(loc), m) for loc, m in further]
        raise _invalid(source, problems)
    try:
        return spec.definition()
    except InvalidWorkflow as e:  # what only the machine finds; the form should have said it
        raise _invalid(source, [WorkflowProblem(0, "(the file)", str(e))]) from None


def _invalid(source: str, problems: list[WorkflowProblem]) -> InvalidWorkflow:
    listed = "\n".join(f"{source}:{p.line}: {p.field}: {p.message}" for p in problems)
    return InvalidWorkflow(
        f"{source}: {len(problems)} problem(s) in the workflow\n{listed}", tuple(problems)
    )


# ---------------------------------------------------------------- writing


def _toml(value: str | int | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped too.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def workflow_toml(definition: WorkflowDefinition[Any], *, comment: str = "") -> str:
    """``definition`` written as TOML, after ``comment`` (as ``#`` lines):
    :func:`workflow_from_toml` reads it back to an equal definition (the same compiled table)."""
    out = [f"# {line}".rstrip() for line in comment.splitlines()]
    out += [
        f"name = {_toml(definition.name)}",
        f"version = {definition.version}",
        f"kind = {_toml(kind_of(definition))}",
        f"title = {_toml(definition.title)}",
        f"states = {_toml(tuple(s.value for s in definition.states))}",
    ]

    def step(header: str, s: Step[Any]) -> None:
        out.extend(["", header, f"trigger = {_toml(s.trigger)}"])
        if s.sources:
            out.append(f"from = {_toml(tuple(x.value for x in s.sources))}")
        if s.dest is not None:
            out.append(f"to = {_toml(s.dest.value)}")
        out.append(f"grants = {_toml(s.grants)}")
        if s.guards:
            out.append(f"guards = {_toml(s.guards)}")
        if s.label:
            out.append(f"label = {_toml(s.label)}")

    step("[create]", definition.create)
    for s in definition.steps:
        step("[[steps]]", s)
    policy = definition.deadlines
    if policy is not None:
        out.extend(["", "[deadlines]"])  # a policy without rules is still one
        for name, rules in (
            ("by_severity", {k.value: v for k, v in policy.by_severity.items()}),
            ("by_source", {k.value: v for k, v in policy.by_source.items()}),
            ("by_list", {str(k): v for k, v in policy.by_list.items()}),
        ):
            if rules:
                out.extend(["", f"[deadlines.{name}]"])
                out += [f"{_toml(key)} = {_toml(_rule_text(rule))}" for key, rule in rules.items()]
    return "\n".join(out) + "\n"


def _rule_text(rule: DeadlineRule) -> str:
    """A rule as :class:`DeadlineRule` reads it back (``"10 working days"``, a date)."""
    if rule.fixed is not None:
        return rule.fixed.isoformat()
    return f"{rule.days} {rule.count.value} days"
