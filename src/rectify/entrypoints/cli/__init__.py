"""The ``rectify`` command: a thin shell over :class:`~rectify.application.RectificationApp`.

This package holds the one typer ``app``, its ``console``, the options the commands share, the tables
more than one command prints and :func:`opened`, the one way a command opens a store, reports a
:class:`~rectify.errors.RectifyError` and closes the application. The commands register themselves
on ``app`` from modules by topic, imported at the bottom in the order ``rectify --help`` lists them:

================  ==================================================================================
``demo``          ``demo``, ``diagram``, ``roles``
``ledger``        ``issues``, ``show``, ``audit``, ``ledger``, ``figures``, ``rebuild``, ``project``,
                  ``events``
``files``         ``export``, ``notice``, ``import``
``organisation``  ``board``, ``branches``, ``lists``, ``rollup``, ``rounds``, ``round``
``trust``         ``verify``, ``forget``
``workflow``      ``workflow check`` (``diagram --workflow FILE`` reads files with it)
``daily``         ``issue record``, ``issue assign``, ``issue rectify`` … the daily work on a
                  problem, each made from its command's declaration
================  ==================================================================================

The terminal tables fit the terminal's width by the columns' priorities
(:mod:`rectify.entrypoints.cli.tables`); every command's help is its docstring reflowed
(:func:`reflowed`), so the docstrings may wrap where the code does.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rectify.application import RectificationApp, connect
from rectify.domain.values import Actor, Mode, Role, Status
from rectify.entrypoints.cli.tables import issue_table as fitted_table
from rectify.errors import (
    AlreadyExists,
    InvalidCommand,
    NotFound,
    PermissionDenied,
    RectifyError,
    TransitionNotAllowed,
)
from rectify.projections.ledger import LedgerRow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import date
    from typing import TextIO

    from rectify.projections.figures import Durations, Figures
    from rectify.projections.views import IssueView

app = typer.Typer(
    help="rectify: the event-sourced rectification ledger (問題整改臺賬).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(width=int(os.environ.get("COLUMNS", "0")) or None)


def _show_version(wanted: bool) -> None:
    if wanted:
        from rectify import __version__

        typer.echo(f"rectify {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and stop."
        ),
    ] = False,
) -> None:
    """rectify: the event-sourced rectification ledger (問題整改臺賬)."""


DEFAULT_DB = "sqlite:///rectify.db"
DbOption = Annotated[
    str,
    typer.Option(
        "--db", envvar="RECTIFY_DB", help="Store URL: memory://, sqlite:///x.db, postgresql://…"
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD (default: today).")
]
KnownAtOption = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Only what had been recorded by then: a log position or an ISO timestamp.",
    ),
]


ActorIdOption = Annotated[
    str | None,
    typer.Option("--actor-id", envvar="RECTIFY_ACTOR_ID", help="Who does it: their id (required)."),
]
ActorNameOption = Annotated[
    str | None,
    typer.Option("--actor-name", envvar="RECTIFY_ACTOR_NAME", help="Who does it: their name."),
]
ActorUnitOption = Annotated[
    str | None,
    typer.Option(
        "--actor-unit", envvar="RECTIFY_ACTOR_UNIT", help="Who does it: their unit (required)."
    ),
]


ActorRolesOption = Annotated[
    str | None,
    typer.Option(
        "--actor-role",
        envvar="RECTIFY_ACTOR_ROLES",
        help="Who does it: their roles, comma-separated: verifier (驗收), responsible (責任單位), "
        "inspector (巡查/調研), auditor (審計), admin (管理員); English or Chinese.",
    ),
]


def acting(
    actor_id: str | None,
    actor_name: str | None,
    actor_unit: str | None,
    role: Role | None,
    what: str,
    roles: str | None = None,
) -> Actor:
    """The actor a command that records is given by ``--actor-id``, ``--actor-name``,
    ``--actor-unit`` and ``--actor-role`` (or ``RECTIFY_ACTOR_ID``, ``RECTIFY_ACTOR_NAME``,
    ``RECTIFY_ACTOR_UNIT``, ``RECTIFY_ACTOR_ROLES``): with ``roles`` as given, else ``role`` (a
    command that acts in one role), else refused. A missing or unknown one fails typed, naming
    the option."""
    needed = [("--actor-id", actor_id), ("--actor-unit", actor_unit)]
    if role is None:
        needed.append(("--actor-role", roles))
    missing = [o for o, v in needed if not v]
    if missing:
        fail(
            InvalidCommand(
                missing[0].removeprefix("--"),
                f"name who {what}: --actor-id ID --actor-unit UNIT --actor-role ROLE "
                "[--actor-name NAME] (or RECTIFY_ACTOR_ID, RECTIFY_ACTOR_UNIT, "
                "RECTIFY_ACTOR_ROLES, RECTIFY_ACTOR_NAME)",
            )
        )
    held = [role] if role is not None and not roles else _roles(roles or "")
    with reported():
        return Actor(actor_id, actor_name or "", actor_unit, held)
    raise AssertionError("unreachable")  # pragma: no cover - reported() exits


def _roles(text: str) -> list[Role]:
    """Roles as a person writes them: comma-, 、- or space-separated, English or Chinese."""
    held = []
    for word in (w for w in re.split(r"[,，、\s]+", text) if w):
        try:
            held.append(Role(word))
        except ValueError:
            known = ", ".join(f"{r.value} ({r.label})" for r in Role)
            fail(InvalidCommand("actor-role", f"{word!r} is not a role; the roles: {known}"))
    return held


def known_point(value: str | None) -> int | str | None:
    """``--known-at`` as the application takes it: a log position (digits) or a timestamp."""
    return int(value) if value is not None and value.isdigit() else value


# ---------------------------------------------------------------- opening, failing, closing


REFUSED: tuple[type[RectifyError], ...] = (
    InvalidCommand,
    PermissionDenied,
    TransitionNotAllowed,
    AlreadyExists,
)
"""The errors of a command refused (bad input, not this person's to give, not now): exit 2."""


_STATUSES = {s.value: s for s in Status}


def fail(e: RectifyError) -> NoReturn:
    """The one error report, on one line however narrow the terminal: the error's type in red
    and its message, and for a refused command that nothing was recorded; exit 2 for a refused
    command (:data:`REFUSED`), 1 otherwise (not found, a store that cannot be opened)."""
    refused = isinstance(e, REFUSED)
    note = " (nothing recorded 未記錄)" if refused and not isinstance(e, InvalidCommand) else ""
    if isinstance(e, TransitionNotAllowed) and e.kind == "issue" and e.state in _STATUSES:
        note = f" (狀態 {_STATUSES[e.state].label}){note}"
    console.print(f"[bold red]{type(e).__name__}:[/] {escape(str(e))}{note}", soft_wrap=True)
    raise typer.Exit(2 if refused else 1)


@contextmanager
def reported() -> Iterator[None]:
    """A :class:`RectifyError` raised inside the block ends the command with :func:`fail`."""
    try:
        yield
    except RectifyError as e:
        fail(e)


@contextmanager
def opened(
    db: str,
    *,
    create: bool = False,
    today: date | None = None,
    fallback: str | None = None,
    catch_up: bool = True,
) -> Iterator[RectificationApp]:
    """The application over the store at ``db``, closed when the block ends, however it ends.

    Only a command that records may ``create`` the store; reading never does. With ``fallback``,
    a store that does not exist yet is replaced by that one (``import --dry-run`` plans against an
    empty ``memory://`` store). With ``catch_up=False`` the views are not brought up to date on
    opening (``rebuild`` makes them anew; views that cannot be caught up must not stop it). A
    :class:`RectifyError` raised while opening or inside the block ends the command with
    :func:`fail`.
    """
    with reported():
        try:
            application = _connect(db, create, today, catch_up)
        except NotFound:
            if fallback is None:
                raise
            application = _connect(fallback, True, today, catch_up)
    try:
        with reported():
            yield application
    finally:
        application.close()


def _connect(db: str, create: bool, today: date | None, catch_up: bool) -> RectificationApp:
    if today is None:
        return connect(db, create=create, catch_up=catch_up)
    return connect(db, today=lambda: today, create=create, catch_up=catch_up)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar of ``total`` steps on the console while the block runs; the block is given
    the function to tell it of ``n`` more steps done (what ``catch_up(progress=)`` calls)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


# ---------------------------------------------------------------- shared tables


def rate(value: float | None) -> str:
    """A rate as a percentage, or a dash when there is none."""
    return f"{value:.1%}" if value is not None else "—"


def issue_table(views: Iterable[IssueView | LedgerRow], title: str, *, ids: bool = False) -> Table:
    """The ledger-like table the demo, ``rectify ledger`` and ``rectify issues`` print, fitted to
    the terminal's width (:mod:`rectify.entrypoints.cli.tables`)."""
    return fitted_table(views, title, console.width, ids=ids)


def figures_table(f: Figures) -> Table:
    """The progress figures as a two-column table."""
    t = f.total
    rows = [("合計 total", str(t.found))]
    rows += [(f"{s.label} {s.value}", str(f.by_status[s.value])) for s in Status]
    rows += [(f"{m.label} {m.value}", str(f.by_mode[m.value])) for m in Mode]
    rows += [
        ("逾期 overdue", str(t.overdue)),
        ("逾期整改 rectified late", str(t.rectified_late)),
        ("整改率 rectification rate", rate(t.rectification_rate)),
        ("銷號率 close-out rate", rate(t.close_out_rate)),
        ("整改天數 days to rectify (mean / median)", _days(f.days_to_rectify)),
        ("銷號天數 days to close out (mean / median)", _days(f.days_to_close_out)),
    ]
    known = f", known at {f.known_at}" if f.known_at is not None else ""
    table = Table(title=f"整改進度 as of {f.as_of}{known}", header_style="bold")
    table.add_column("")
    table.add_column("數量", justify="right")
    for label, value in rows:
        table.add_row(label, value)
    return table


def _days(d: Durations) -> str:
    if d.mean is None or d.median is None:
        return "—"
    return f"{d.mean:.1f} / {d.median:.1f}"


# ---------------------------------------------------------------- the entry point


def _write_utf8(stream: TextIO) -> None:
    """Make ``stream`` write UTF-8 whatever the locale says (``LC_ALL=C``, a Windows console):
    the ledger is Chinese. Setting ``PYTHONIOENCODING`` here would be too late, the streams
    exist already; a stream that cannot be reconfigured (a test's capture) is left alone."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", errors=getattr(stream, "errors", None) or "strict")


def main() -> None:
    """Entry point of the ``rectify`` console script and of ``python -m rectify``."""
    _write_utf8(sys.stdout)
    _write_utf8(sys.stderr)
    app()


# The commands, registered on ``app`` in the order ``rectify --help`` lists them.
from rectify.entrypoints.cli import demo, ledger, daily, files, organisation, trust, workflow  # noqa: E402, I001


def reflowed(text: str) -> str:
    """A docstring as help text: each paragraph's hard-wrapped lines joined into one (the
    terminal wraps it at its own width), reST's double backquotes and roles left out; a
    paragraph of list items or indented lines is kept as written."""
    text = re.sub(r":[a-z]+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", inspect.cleandoc(text))
    text = text.replace("``", "")
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if any(ln.startswith((" ", "- ", "* ", "|")) for ln in lines):
            paragraphs.append(paragraph)
        else:
            paragraphs.append(" ".join(ln.strip() for ln in lines))
    return "\n\n".join(paragraphs)


def _reflow_help(group: typer.Typer) -> None:
    """Every command's and group's help on ``group``, reflowed (:func:`reflowed`)."""
    for command in group.registered_commands:
        doc = command.help or inspect.getdoc(command.callback) or ""
        command.help = reflowed(doc)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            info = sub.typer_instance.info
            if isinstance(info.help, str):
                info.help = reflowed(info.help)
            _reflow_help(sub.typer_instance)


_reflow_help(app)

__all__ = [
    "DEFAULT_DB",
    "ActorIdOption",
    "ActorNameOption",
    "ActorRolesOption",
    "ActorUnitOption",
    "AsOfOption",
    "DbOption",
    "KnownAtOption",
    "acting",
    "app",
    "console",
    "daily",
    "demo",
    "fail",
    "figures_table",
    "files",
    "issue_table",
    "known_point",
    "ledger",
    "main",
    "opened",
    "organisation",
    "progress_bar",
    "rate",
    "reflowed",
    "reported",
    "trust",
    "workflow",
]
