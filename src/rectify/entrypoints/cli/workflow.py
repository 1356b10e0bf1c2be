"""``rectify workflow check FILE``: a workflow definition in TOML, validated; ``rectify workflow
toml KEY``: a registered one written as TOML; and the reading of a file that ``rectify diagram
--workflow FILE`` shares."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rectify.adapters.workflow_files import load_workflow
from rectify.domain.workflow_toml import kind_of, workflow_toml
from rectify.domain.workflows import WORKFLOWS
from rectify.entrypoints.cli import app
from rectify.errors import InvalidWorkflow

if TYPE_CHECKING:
    from rectify.domain.workflow import WorkflowDefinition

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
