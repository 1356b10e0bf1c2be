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
``workflow``      ``workflow check`` (``diagram --workflow FILE`` reads files with it)
================  ==================================================================================
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from rectify.application import RectificationApp, connect
from rectify.domain.values import Actor, Mode, Role, Status
from rectify.errors import InvalidCommand, NotFound, RectifyError
from rectify.projections.ledger import LedgerRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
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


def acting(
    actor_id: str | None, actor_name: str | None, actor_unit: str | None, role: Role, what: str
) -> Actor:
    """The actor a command that records is given by ``--actor-id``, ``--actor-name`` and
    ``--actor-unit`` (or ``RECTIFY_ACTOR_*``), with ``role``; a missing one fails typed."""
    missing = [o for o, v in (("--actor-id", actor_id), ("--actor-unit", actor_unit)) if not v]
    if missing:
        fail(
            InvalidCommand(
                missing[0].removeprefix("--"),
                f"name who {what}: --actor-id ID --actor-unit UNIT [--actor-name NAME] "
                "(or RECTIFY_ACTOR_ID, RECTIFY_ACTOR_UNIT, RECTIFY_ACTOR_NAME)",
            )
        )
    with reported():
        return Actor(actor_id, actor_name or "", actor_unit, [role])
    raise AssertionError("unreachable")  # pragma: no cover - reported() exits


def known_point(value: str | None) -> int | str | None:
    """``--known-at`` as the application takes it: a log position (digits) or a timestamp."""
    return int(value) if value is not None and value.isdigit() else value


# ---------------------------------------------------------------- opening, failing, closing


def fail(e: RectifyError) -> NoReturn:
    """The one error report: the error's type in red and its message; exit 2 for a command that
    was refused as invalid, 1 otherwise."""
    console.print(f"[bold red]{type(e).__name__}:[/] {e}")
    raise typer.Exit(2 if isinstance(e, InvalidCommand) else 1)


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


# ---------------------------------------------------------------- shared tables


def rate(value: float | None) -> str:
    """A rate as a percentage, or a dash when there is none."""
    return f"{value:.1%}" if value is not None else "—"


def issue_table(views: Iterable[IssueView | LedgerRow], title: str) -> Table:
    """The ledger-like table the demo and ``rectify issues`` print."""
    table = Table(title=title, header_style="bold")
    table.add_column("序號", justify="right")
    table.add_column("問題描述", ratio=1, min_width=12, overflow="fold")
    for col in ("責任單位", "來源", "整改類型", "措施", "狀態", "整改時限", "逾期", "備註"):
        table.add_column(col, no_wrap=col not in ("備註", "責任單位"))
    styles = {Status.CLOSED_OUT: "green", Status.WITHDRAWN: "dim"}
    for n, v in enumerate(views, start=1):
        style = styles.get(v.status)
        table.add_row(
            str(n),
            v.title,
            v.responsible_unit or v.unit,
            v.source.label,
            v.mode.label if v.mode else "—",
            v.measures_progress or "—",
            f"[{style}]{v.status.label}[/]" if style else v.status.label,
            v.deadline.isoformat() if v.deadline else "—",
            f"[red]{v.days_overdue}天[/]" if v.overdue else "—",
            v.remarks,
        )
    return table


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
from rectify.entrypoints.cli import demo, ledger, files, organisation, trust, workflow  # noqa: E402, I001

__all__ = [
    "DEFAULT_DB",
    "ActorIdOption",
    "ActorNameOption",
    "ActorUnitOption",
    "AsOfOption",
    "DbOption",
    "KnownAtOption",
    "acting",
    "app",
    "console",
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
    "rate",
    "reported",
    "trust",
    "workflow",
]
