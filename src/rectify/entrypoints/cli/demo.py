"""``rectify demo``, ``rectify diagram`` and ``rectify roles``: the demo scenario, and the
workflows (shipped, or any in a TOML file) as diagrams and as the matrix of who may give which
command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rectify.domain.roles import markdown_matrix
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import (
    CURRENT_BRANCH_WORKFLOW,
    CURRENT_ISSUE_WORKFLOW,
    ROUND_WORKFLOW_V1,
    WORKFLOWS,
)
from rectify.entrypoints.cli import (
    DbOption,
    app,
    console,
    figures_table,
    issue_table,
    opened,
    reported,
)
from rectify.entrypoints.cli.workflow import GuardsOption, read_or_exit

if TYPE_CHECKING:
    from rich.progress import Progress

    from rectify.application import RectificationApp


@app.command()
def demo(
    db: DbOption = "sqlite:///demo.db",
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the SQLite file first.")] = False,
) -> None:
    """Record the demo scenario (idempotently) and print the first report's ledger, the counts
    and a summary of the field reports' lists, lagging branches and inspection rounds."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from rectify.adapters.persistence import env_for_url
    from rectify.demo import DEMO_TODAY, run_demo, summarise

    with reported():
        env = env_for_url(db)
    if fresh and env.get("SQLITE_DBNAME") not in (None, ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(env["SQLITE_DBNAME"] + suffix).unlink(missing_ok=True)
    with opened(db, create=True, today=DEMO_TODAY) as application:
        before = application.recorder.max_notification_id() or 0
        columns = (
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            result = run_demo(application, progress=progress)
            _project_views(application, progress)
        after = application.recorder.max_notification_id() or 0
        first, units = set(result.first_story), set(result.units)
        rows = [r for r in application.ledger(DEMO_TODAY) if r.id in first]
        console.print(
            issue_table(rows, f"問題整改臺賬 — the first report — {db} — as of {DEMO_TODAY}")
        )
        console.print(figures_table(application.figures(DEMO_TODAY)))
        console.print(
            f"the first report: {len(result.first_story)} problems ({len(result.own)} on the "
            f"committee's own list, 1 work list with its measures, {len(result.units)} in "
            f"{len({r.unit for r in rows if r.id in units})} departments)"
        )
        for line in summarise(application, result, DEMO_TODAY).lines():
            console.print(line)
        console.print(f"{after - before} events recorded by this run, {after} in the store.")


def _project_views(application: RectificationApp, progress: Progress) -> None:
    """Bring the views up to date with a progress bar: after a first demo run there are
    thousands of events to project, which takes a few seconds."""
    pending = application.pending_events()
    if pending > 0:
        task = progress.add_task("projecting the views", total=pending)
        application.catch_up(progress=lambda n: progress.advance(task, n))
    application.catch_up()


WORKFLOW_NAMES: dict[str, WorkflowDefinition[Any]] = {
    "issue": CURRENT_ISSUE_WORKFLOW,
    "branch": CURRENT_BRANCH_WORKFLOW,
    "round": ROUND_WORKFLOW_V1,
}
"""The current workflow of each kind of aggregate ``rectify diagram`` and ``rectify roles`` show."""


def _workflow(name: str, version: int | None) -> WorkflowDefinition[Any]:
    """The workflow ``name`` names (its current version unless ``version``), or exit 2."""
    current = WORKFLOW_NAMES.get(name)
    default = current.key if current is not None else name
    key = f"{name}/{version}" if version is not None else default
    if key not in WORKFLOWS:
        console.print(f"[bold red]unknown workflow {key!r}[/]; known: {', '.join(WORKFLOWS)}")
        raise typer.Exit(2)
    return WORKFLOWS[key]


WorkflowArgument = Annotated[
    str, typer.Argument(help="Which workflow: 'issue', 'branch' or 'round'.")
]
VersionOption = Annotated[int | None, typer.Option(help="Workflow version (default: current).")]


WorkflowFileOption = Annotated[
    Path | None,
    typer.Option("--workflow", help="The definition in this TOML file instead.", dir_okay=False),
]


@app.command()
def diagram(
    name: WorkflowArgument = "issue",
    version: VersionOption = None,
    workflow: WorkflowFileOption = None,
    guards: GuardsOption = None,
) -> None:
    """Print a workflow as a mermaid state diagram: a shipped one, or any definition in a TOML
    file (``--workflow FILE``; its problems, if any, are printed with their lines, exit 2)."""
    flow = read_or_exit(workflow, guards) if workflow is not None else _workflow(name, version)
    typer.echo(flow.mermaid())


@app.command()
def roles(
    name: WorkflowArgument = "issue",
    version: VersionOption = None,
    workflow: WorkflowFileOption = None,
    guards: GuardsOption = None,
) -> None:
    """Print who may give which command of a workflow, role by role, on its own unit or another
    (the README's Markdown table, generated from the same declaration): a shipped one, or any
    definition in a TOML file (``--workflow FILE``). Opens no store."""
    flow = read_or_exit(workflow, guards) if workflow is not None else _workflow(name, version)
    typer.echo(markdown_matrix(flow), nl=False)
