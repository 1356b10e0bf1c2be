"""``rectify issue …``: the daily work on a problem from the command line, one command a step.

Each command is made from its declaration in :mod:`rectify.domain.commands`: its options are the
command's fields (a repeatable option for a list: ``--measure``, ``--evidence``), its help the
application method's own first paragraph, and it goes through :meth:`RectificationApp.handle`, so
it is refused exactly as the API refuses it (a typed error naming the field, exit 2, nothing
recorded). Every command takes the acting person once (``--actor-*`` or ``RECTIFY_ACTOR_*``), the
business date (``--on``), an idempotency key (``--command-id``) and the store (``--db``); all but
``record`` take the problem's id, or the start of it as ``rectify issues`` shows it.

Only the step names, the help of each field and the three ways of rectifying are declared here.
"""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from rectify.adapters.workflow_files import load_deadline_policy
from rectify.application import RectificationApp
from rectify.domain.commands import (
    COMMANDS,
    Command,
    RecordIssue,
    RectifyOnTheSpot,
    SubmitRectification,
    TreatCentrally,
)
from rectify.domain.deadlines import DeadlinePolicy
from rectify.domain.values import Mode, Severity, Source
from rectify.entrypoints.cli import (
    DEFAULT_DB,
    ActorIdOption,
    ActorNameOption,
    ActorRolesOption,
    ActorUnitOption,
    DbOption,
    acting,
    app,
    console,
    opened,
)
from rectify.entrypoints.cli.tables import resolve_issue_id, short_id, step_named
from rectify.errors import InvalidCommand

if TYPE_CHECKING:
    from collections.abc import Mapping

issue_app = typer.Typer(
    help="The daily work on a problem (日常整改): record, assign, rectify, verify, reject, "
    "close out, reopen, extend, progress, measures, withdraw.",
    no_args_is_help=True,
)
app.add_typer(issue_app, name="issue")


_GIVEN: dict[str, Path | None] = {"deadline_policy": None}
"""What ``rectify issue`` was given before its step (set anew by every invocation)."""


@issue_app.callback()
def _issue_options(
    deadline_policy: Annotated[
        Path | None,
        typer.Option(
            "--deadline-policy",
            envvar="RECTIFY_DEADLINE_POLICY",
            dir_okay=False,
            help="A deadline policy (TOML: by_severity, by_source, by_list rules) giving the "
            "deadline of an assignment made without one, after the problem's workflow's own.",
        ),
    ] = None,
) -> None:
    """The daily work on a problem (日常整改)."""
    _GIVEN["deadline_policy"] = deadline_policy


def _deadline_policy() -> DeadlinePolicy | None:
    """The policy ``rectify issue --deadline-policy FILE`` (or RECTIFY_DEADLINE_POLICY) names."""
    path = _GIVEN["deadline_policy"]
    return None if path is None else load_deadline_policy(path)


RECTIFY_MODES: Mapping[Mode, type[Command]] = {
    Mode.ON_THE_SPOT: RectifyOnTheSpot,
    Mode.CENTRAL: TreatCentrally,
    Mode.WITHIN_DEADLINE: SubmitRectification,
}
"""``rectify issue rectify --mode``: the command each way of rectifying (整改類型) is."""

STEPS: tuple[tuple[str, tuple[type[Command], ...]], ...] = (
    ("record", (RecordIssue,)),
    ("assign", (COMMANDS["assign"],)),
    ("rectify", tuple(RECTIFY_MODES.values())),
    ("verify", (COMMANDS["verify"],)),
    ("reject", (COMMANDS["reject"],)),
    ("close-out", (COMMANDS["close_out"],)),
    ("reopen", (COMMANDS["reopen"],)),
    ("extend", (COMMANDS["extend_deadline"],)),
    ("progress", (COMMANDS["report_progress"],)),
    ("add-measure", (COMMANDS["add_measure"],)),
    ("measure-done", (COMMANDS["complete_measure"],)),
    ("withdraw", (COMMANDS["withdraw"],)),
)
"""The daily commands, in the order ``rectify issue --help`` lists them, and the declared
command(s) each gives."""

NOT_ON_THE_COMMAND_LINE = frozenset({"deadline_rule", "calendar"})
"""Fields a person does not give (an assignment's deadline rule is recorded by the policy)."""

FIELD_HELP: Mapping[str, str] = {
    "title": "問題描述: the problem, in a line.",
    "unit": "record: the unit the problem is in (所屬單位); assign: the responsible unit (責任單位).",
    "source": "問題來源: " + ", ".join(f"{s.value} ({s.label})" for s in Source) + ".",
    "description": "問題描述詳情: more about the problem.",
    "category": "問題類別.",
    "severity": "嚴重程度: " + ", ".join(f"{s.value} ({s.label})" for s in Severity) + ".",
    "branch_id": "The registered branch (黨支部) it concerns: its id.",
    "remarks": "備註.",
    "list_id": "The problem list (問題清單) it is on: its id.",
    "common_problem": "The code of the list's common problem (共性問題) it is an instance of.",
    "deadline": "整改時限 (YYYY-MM-DD).",
    "workflow": "The issue workflow to run under (default: the current one).",
    "source_words": "問題來源 as written (省委巡視反饋), kept besides --source.",
    "deadline_words": "整改時限 as written (立行立改、長期堅持, 2019年12月底前), kept and shown back.",
    "standing": "長期堅持: a standing measure, kept up with no fixed date (no --deadline).",
    "person": "責任人: the person responsible.",
    "measures": "整改措施: one measure; repeat for several.",
    "summary": "What was done (整改情況).",
    "evidence": "整改材料: a piece of evidence (a file name, a reference); repeatable.",
    "campaign": "集中治理: the campaign it was treated in.",
    "note": "A note kept with the decision.",
    "reason": "Why (理由).",
    "new_deadline": "The new deadline (YYYY-MM-DD).",
    "text": "progress: the progress note (整改進展); add-measure: the measure (整改措施).",
    "due": "When the measure is due (YYYY-MM-DD).",
    "measure": "The measure done: its number (from 1) or its exact text.",
    "mode": "How it was done: on_the_spot (立行立改) or central (集中治理, with --campaign).",
}
"""The help of each field a daily command takes, by the field's name."""

IssueArgument = Annotated[
    str,
    typer.Argument(
        help="The problem: its id (編號), or the start of it as `rectify issues` shows it.",
        show_default=False,
    ),
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        help="How it was rectified (整改類型): "
        + ", ".join(f"{m.value} ({m.label})" for m in RECTIFY_MODES)
        + ". Required.",
    ),
]
OnOption = Annotated[
    str | None, typer.Option("--on", help="Business date YYYY-MM-DD (default: today).")
]
CommandIdOption = Annotated[
    str | None,
    typer.Option(
        "--command-id",
        help="Idempotency key: the same step given again with the same key records nothing more.",
    ),
]


def fields_of(models: tuple[type[Command], ...]) -> list[tuple[str, str]]:
    """The fields the models take from the command line, in declaration order, each once, with
    its kind: ``list`` (a repeatable option), ``flag`` (a yes/no) or ``text``."""
    seen: dict[str, str] = {}
    for model in models:
        for name, info in model.model_fields.items():
            if name in Command.model_fields or name in NOT_ON_THE_COMMAND_LINE:
                continue
            leaves = _leaves(info.annotation)
            kind = (
                "list" if any(typing.get_origin(leaf) is tuple for leaf in leaves)
                else "flag" if bool in leaves
                else "text"
            )  # fmt: skip
            seen.setdefault(name, kind)
    return list(seen.items())


def option_name(field: str, kind: str) -> str:
    """``--new-deadline`` for ``new_deadline``; a list's option in the singular (``--measure``)."""
    name = field.replace("_", "-")
    return f"--{name.removesuffix('s') if kind == 'list' else name}"


def _leaves(annotation: Any) -> list[Any]:
    """The plain types an annotation allows (through unions, Optional and Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _leaves(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [leaf for a in typing.get_args(annotation) for leaf in _leaves(a)]
    return [annotation]


def _takes_int(annotation: Any) -> bool:
    return int in _leaves(annotation)


def _help_of(models: tuple[type[Command], ...]) -> str:
    """A step's help: its application method's first paragraph (each mode's, for rectify)."""
    parts = [] if len(models) == 1 else ["整改: the problem rectified, in the way --mode says."]
    for model in models:
        doc = inspect.getdoc(getattr(RectificationApp, model.command)) or model.command
        first = " ".join(doc.split("\n\n")[0].split())
        parts.append(f"{model.command}: {first}" if len(models) > 1 else first)
    return "\n\n".join(parts)


_KINDS: Mapping[str, tuple[Any, Any]] = {
    "list": (list[str] | None, None),
    "flag": (bool, False),
    "text": (str | None, None),
}
"""The type and default of a field's option, by the field's kind."""


def _signature(step: str, fields: list[tuple[str, str]], multi: bool) -> inspect.Signature:
    P = inspect.Parameter
    arg = P.POSITIONAL_OR_KEYWORD
    params = [] if step == "record" else [P("issue_id", arg, annotation=IssueArgument)]
    if multi:
        params.append(P("how", arg, default=None, annotation=ModeOption))
    for name, kind in fields:
        helped = FIELD_HELP.get(name, name.replace("_", " "))
        option = typer.Option(option_name(name, kind), help=helped)
        typed, default = _KINDS[kind]
        params.append(P(name, arg, default=default, annotation=Annotated[typed, option]))
    common = (
        ("on", OnOption), ("command_id", CommandIdOption), ("db", DbOption),
        ("actor_id", ActorIdOption), ("actor_name", ActorNameOption),
        ("actor_unit", ActorUnitOption), ("actor_role", ActorRolesOption),
    )  # fmt: skip
    for name, annotation in common:
        default = DEFAULT_DB if name == "db" else None
        params.append(P(name, P.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation))
    return inspect.Signature(params)


def _model(models: tuple[type[Command], ...], how: str | None) -> type[Command]:
    """The step's command; for ``rectify``, the one ``--mode`` names."""
    if len(models) == 1:
        return models[0]
    ways = ", ".join(f"{m.value} ({m.label})" for m in RECTIFY_MODES)
    if not how:
        raise InvalidCommand("mode", f"say how it was rectified: --mode {ways}")
    try:
        return RECTIFY_MODES[Mode(how)]
    except (ValueError, KeyError):
        raise InvalidCommand("mode", f"{how!r} is not a way of rectifying: {ways}") from None


def _value(model: type[Command], name: str, value: Any) -> Any:
    """A field's value as the command takes it: a list as a tuple, digits as a number where the
    field takes one (``--measure 2``: the second measure)."""
    if isinstance(value, list):
        return tuple(value)
    field = model.model_fields.get(name)  # a field of another mode: the command refuses it
    if (
        field is not None
        and isinstance(value, str)
        and value.strip().isdigit()
        and (_takes_int(field.annotation))
    ):
        return int(value)
    return value


def give(step: str, models: tuple[type[Command], ...], given: dict[str, Any]) -> None:
    """Give the step: validate its command as the API does, hand it to the application, and
    print what was recorded with the problem's id."""
    actor = acting(
        given.pop("actor_id"), given.pop("actor_name"), given.pop("actor_unit"), None,
        f"gives {step}", given.pop("actor_role"),
    )  # fmt: skip
    db, on, key = given.pop("db"), given.pop("on"), given.pop("command_id")
    issue_id, how = given.pop("issue_id", None), given.pop("how", None)
    with opened(db, create=step == "record") as application:
        policy = _deadline_policy()
        if policy is not None:
            application.deadline_policy = policy
        model = _model(models, how)
        fields = {n: _value(model, n, v) for n, v in given.items() if v not in (None, [], False)}
        try:
            command = model(actor=actor, on=on or application.today(), command_id=key, **fields)
        except ValidationError as e:
            raise InvalidCommand.from_validation(e) from None
        target = None if issue_id is None else resolve_issue_id(application, issue_id)
        before = application.recorder.max_notification_id() or 0
        result = application.handle(command, target)
        recorded = (application.recorder.max_notification_id() or 0) - before
        view = application.get_issue(result if target is None else target)
        step_name = step_named(view.workflow, model.trigger)
        what = f"{step_name} {short_id(view.id)} 「{view.title}」→ {view.status.label}"
        if recorded:
            console.print(
                f"recorded 已記錄: {what} on {command.on} by {actor.name or actor.id} "
                f"({actor.unit})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print(
                f"already recorded 已記錄過 (--command-id {key}): {what}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        console.print(f"id 編號: {view.id}", highlight=False, soft_wrap=True)


def _daily(step: str, models: tuple[type[Command], ...]) -> None:
    """Register ``rectify issue STEP`` for ``models``."""
    fields = fields_of(models)

    def run(**given: Any) -> None:
        give(step, models, given)

    signature = _signature(step, fields, len(models) > 1)
    run.__signature__ = signature  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    run.__name__ = step.replace("-", "_")
    run.__doc__ = _help_of(models)
    issue_app.command(step)(run)


for _step, _models in STEPS:
    _daily(_step, _models)

OPTIONS: Mapping[str, tuple[str, ...]] = {
    step: tuple(option_name(n, kind) for n, kind in fields_of(models)) for step, models in STEPS
}
"""The field options of each daily command (for the tests and the README)."""

__all__ = ["FIELD_HELP", "OPTIONS", "RECTIFY_MODES", "STEPS", "give", "issue_app", "option_name"]
