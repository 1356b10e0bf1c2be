"""``rectify workflow check FILE``: a workflow definition in TOML, validated; ``rectify workflow
toml KEY``: a registered one written as TOML; the reading of a file that ``rectify diagram
--workflow FILE`` shares; and ``rectify what-if``: the history under another workflow or
deadline policy."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from rectify.adapters.workflow_files import load_deadline_policy, load_workflow
from rectify.domain.workflow_toml import kind_of, workflow_toml
from rectify.domain.workflows import WORKFLOWS
from rectify.entrypoints.cli import (
    DEFAULT_DB,
    AsOfOption,
    DbOption,
    app,
    console,
    opened,
    rate,
    reported,
)
from rectify.errors import InvalidWorkflow

if TYPE_CHECKING:
    from rectify.domain.workflow import WorkflowDefinition
    from rectify.projections.what_if import WhatIf

workflow_app = typer.Typer(
    help="Workflow definitions of one's own (TOML): check one.", no_args_is_help=True
)
app.add_typer(workflow_app, name="workflow")

FileArgument = Annotated[
    Path, typer.Argument(help="A workflow definition in TOML.", dir_okay=False)
]
GuardsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--guards",
        help="A Python file or module that registers guards of one's own "
        "(rectify.register_guard), imported before the definition is read. Repeatable.",
    ),
]


def import_guards(sources: list[str] | None) -> None:
    """Import each module (a ``.py`` file or a dotted name) so that its guards are registered;
    one that cannot be imported is reported and exits 2."""
    for source in sources or ():
        try:
            if source.endswith(".py"):
                path = Path(source)
                name = f"rectify_guards_{path.stem}"
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    msg = f"not a Python file: {source}"
                    raise ImportError(msg)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            else:
                importlib.import_module(source)
        except Exception as e:  # whatever the user's module raises, said in one line
            typer.echo(f"cannot import the guards of {source}: {type(e).__name__}: {e}", err=True)
            raise typer.Exit(2) from None


def read_or_exit(path: Path, guards: list[str] | None) -> WorkflowDefinition[Any]:
    """The definition in ``path``; or every problem in it, one a line (``FILE:LINE: field:
    message``), and exit 2."""
    import_guards(guards)
    try:
        return load_workflow(path)
    except InvalidWorkflow as e:
        for problem in e.problems:
            typer.echo(f"{path}:{problem.line}: {problem.field}: {problem.message}", err=True)
        if not e.problems:
            typer.echo(f"{path}: {e}", err=True)
        typer.echo(f"{path}: invalid ({len(e.problems) or 1} problem(s))", err=True)
        raise typer.Exit(2) from None


@workflow_app.command()
def check(path: FileArgument, guards: GuardsOption = None) -> None:
    """Validate a workflow definition: exit 0 when valid, else print each problem with its line
    and field and exit 2. Opens no store."""
    flow = read_or_exit(path, guards)
    typer.echo(
        f"{path}: valid: workflow {flow.key} of {kind_of(flow)}s, {len(flow.states)} states, "
        f"{len(flow.triggers)} steps, {len(flow.table)} transitions"
    )


GENERATED = (
    "{key}, generated from its Python declaration (rectify.domain.workflows) by\n"
    "    rectify workflow toml {key}\n"
    "Do not edit: the test suite checks that it is what that command prints, and that it\n"
    "compiles to the same table as the declaration."
)


@workflow_app.command()
def toml(
    key: Annotated[str, typer.Argument(help="A registered workflow: issue/3, branch/2, …")],
) -> None:
    """Print a registered workflow as TOML (the form ``workflow check`` and ``diagram
    --workflow`` read): a start for a workflow of one's own."""
    flow = WORKFLOWS.get(key)
    if flow is None:
        typer.echo(f"unknown workflow {key!r}; known: {', '.join(WORKFLOWS)}", err=True)
        raise typer.Exit(2)
    typer.echo(workflow_toml(flow, comment=GENERATED.format(key=key)), nl=False)


@app.command("what-if")
def what_if(
    db: DbOption = DEFAULT_DB,
    workflow: Annotated[
        str | None,
        typer.Option(
            "--workflow",
            help="Another workflow: a TOML file, or a registered key (issue/1, issue/3 …).",
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="Another deadline policy: a TOML file of rules by_severity, by_source, "
            'by_list ("嚴重" = "10 working days").',
            dir_okay=False,
        ),
    ] = None,
    replace_given: Annotated[
        bool,
        typer.Option(
            "--replace-given",
            help="The policy gives every deadline it covers, also those the assigner gave.",
        ),
    ] = False,
    as_of: AsOfOption = None,
    guards: GuardsOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="At most this many rows per table (0: all).")
    ] = 20,
) -> None:
    """Replay the recorded history under another workflow or deadline policy, writing nothing:
    the steps it would refuse, the problems that would be late or on time, the figures that
    would change."""
    flow = None
    if workflow is not None:
        flow = read_or_exit(Path(workflow), guards) if Path(workflow).is_file() else workflow
    with reported():
        rules = None if policy is None else load_deadline_policy(policy)
    with opened(db) as application:
        report = application.what_if(
            workflow=flow, policy=rules, replace_given=replace_given, as_of=as_of
        )
    for table in what_if_tables(report, limit):
        console.print(table)
    console.print(report.summary(), highlight=False)


def what_if_tables(report: WhatIf, limit: int = 0) -> list[Table]:
    """The tables ``rectify what-if`` prints: refused steps, deadlines, figures (each cut to
    ``limit`` rows when it is not 0, the cut said in its caption)."""

    def cut(rows: Sequence[Any], table: Table) -> Sequence[Any]:
        if limit and len(rows) > limit:
            table.caption = f"{limit} of {len(rows)} shown (--limit 0: all)"
            return rows[:limit]
        return rows

    tables = []
    if report.refused:
        table = Table(title=f"Steps {report.workflow} would refuse (被拒步驟)", expand=True)
        table.add_column("序號", no_wrap=True, justify="right")
        table.add_column("問題", ratio=2, overflow="fold")
        table.add_column("步驟", ratio=1, overflow="fold")
        table.add_column("日期", no_wrap=True)
        table.add_column("由", ratio=1, overflow="fold")
        table.add_column("原因", ratio=4, overflow="fold")
        for r in cut(report.refused, table):
            who = r.actor.split(" (")[0]
            why = r.reason.split("; allowed now")[0]  # the API's report keeps the whole reason
            table.add_row(str(r.seq), r.title, r.label or r.step, str(r.on), who, why)
        tables.append(table)
    if report.deadlines:
        table = Table(title="Deadlines that would differ (整改時限)", expand=True)
        table.add_column("序號", no_wrap=True, justify="right")
        table.add_column("問題", ratio=2, overflow="fold")
        table.add_column("責任單位", ratio=1, overflow="fold")
        for header in ("記錄時限", "假設時限", "按期", "逾期天數"):
            table.add_column(header, no_wrap=True)
        for d in cut(report.deadlines, table):
            table.add_row(
                str(d.seq), d.title, d.unit, str(d.recorded_deadline or "—"),
                str(d.what_if_deadline or "—"), d.verdict,
                f"{d.recorded_days_overdue} → {d.what_if_days_overdue}",
            )  # fmt: skip
        tables.append(table)
    if report.figures:
        table = Table(title="Figures that would change (整改進度)")
        for header in ("範圍", "指標", "記錄", "假設"):
            table.add_column(header, overflow="fold")
        for f in cut(report.figures, table):
            table.add_row(f.group, f.label, _figure(f.recorded), _figure(f.what_if))
        tables.append(table)
    return tables


def _figure(value: float | int | None) -> str:
    if value is None:
        return "—"
    return rate(value) if isinstance(value, float) else str(value)
