"""The ``rectify`` command: a thin shell over :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from rectify.application import RectificationApp, connect
from rectify.domain.values import Mode, Status
from rectify.domain.workflow import CURRENT_ISSUE_WORKFLOW, WORKFLOWS
from rectify.errors import InvalidCommand, RectifyError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rectify.projections.views import IssueView

app = typer.Typer(
    help="rectify: the event-sourced rectification ledger (問題整改臺賬).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(width=int(os.environ.get("COLUMNS", "0")) or None)

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


def _open(db: str, today: date | None = None) -> RectificationApp:
    try:
        return connect(db) if today is None else connect(db, today=lambda: today)
    except RectifyError as e:
        _fail(e)


def _fail(e: RectifyError) -> NoReturn:
    console.print(f"[bold red]{type(e).__name__}:[/] {e}")
    raise typer.Exit(2 if isinstance(e, InvalidCommand) else 1)


def _remarks(v: IssueView) -> str:
    notes = []
    if v.rejections:
        notes.append(f"退回{v.rejections}次")
    if v.extensions:
        notes.append(f"延期{v.extensions}次")
    if v.reopenings:
        notes.append(f"反彈重開{v.reopenings}次")
    if v.rectified_late:
        notes.append("逾期整改")
    return ",".join(notes)


def issue_table(views: Iterable[IssueView], title: str) -> Table:
    """The ledger-like table the demo and ``rectify issues`` print."""
    table = Table(title=title, header_style="bold")
    table.add_column("序號", justify="right")
    table.add_column("問題描述", ratio=1, min_width=12, overflow="fold")
    for col in ("責任單位", "來源", "整改類型", "狀態", "整改時限", "逾期", "備註"):
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
            f"[{style}]{v.status.label}[/]" if style else v.status.label,
            v.deadline.isoformat() if v.deadline else "—",
            f"[red]{v.days_overdue}天[/]" if v.overdue else "—",
            _remarks(v),
        )
    return table


def counts_table(views: list[IssueView], as_of: date) -> Table:
    """Counts and rates of a list of issues (the full figures are a projection of their own)."""
    live = [v for v in views if v.status is not Status.WITHDRAWN]
    done = {Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT}
    rectified = sum(v.status in done for v in live)
    closed = sum(v.status is Status.CLOSED_OUT for v in live)
    rows = [("合計 total", str(len(views)))]
    rows += [(f"{s.label} {s.value}", str(sum(v.status is s for v in views))) for s in Status]
    rows += [
        (f"{m.label} {m.value}", str(sum(v.mode is m and v.status in done for v in live)))
        for m in Mode
    ]
    rows += [
        ("逾期 overdue", str(sum(v.overdue for v in views))),
        ("逾期整改 rectified late", str(sum(v.rectified_late for v in views))),
    ]
    if live:
        rows.append(("整改率 rectification rate", f"{rectified / len(live):.1%}"))
        rows.append(("銷號率 close-out rate", f"{closed / len(live):.1%}"))
    table = Table(title=f"整改進度 as of {as_of}", header_style="bold")
    table.add_column("")
    table.add_column("數量", justify="right")
    for label, value in rows:
        table.add_row(label, value)
    return table


@app.command()
def demo(
    db: DbOption = "sqlite:///demo.db",
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the SQLite file first.")] = False,
) -> None:
    """Record the demo scenario (idempotently) and print the ledger and the counts."""
    from rectify.demo import DEMO_TODAY, run_demo
    from rectify.persistence import env_for_url

    try:
        env = env_for_url(db)
    except RectifyError as e:
        _fail(e)
    if fresh and env.get("SQLITE_DBNAME") not in (None, ":memory:"):
        Path(env["SQLITE_DBNAME"]).unlink(missing_ok=True)
    application = _open(db, DEMO_TODAY)
    before = application.recorder.max_notification_id() or 0
    result = run_demo(application)
    after = application.recorder.max_notification_id() or 0
    views = [application.get_issue(i) for i in result.all]
    console.print(issue_table(views, f"問題整改臺賬 — {db} — as of {DEMO_TODAY}"))
    console.print(counts_table(views, DEMO_TODAY))
    console.print(
        f"{len(result.all)} issues ({len(result.own)} on the committee's own list); "
        f"{after - before} events recorded by this run, {after} in the store."
    )


@app.command()
def diagram(
    name: Annotated[str, typer.Argument(help="Which workflow: 'issue'.")] = "issue",
    version: Annotated[
        int | None, typer.Option(help="Workflow version (default: current).")
    ] = None,
) -> None:
    """Print a workflow as a mermaid state diagram."""
    key = f"{name}/{version or CURRENT_ISSUE_WORKFLOW.version}"
    if key not in WORKFLOWS:
        console.print(f"[bold red]unknown workflow {key!r}[/]; known: {', '.join(WORKFLOWS)}")
        raise typer.Exit(2)
    typer.echo(WORKFLOWS[key].mermaid())


@app.command()
def issues(
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """List issues as of a date."""
    application = _open(db)
    try:
        views = application.issues(unit=unit, status=status, source=source, as_of=as_of)
        day = views[0].as_of if views else application._as_of(as_of)
    except RectifyError as e:
        _fail(e)
    console.print(issue_table(views, f"問題整改臺賬 as of {day}"))
    console.print(counts_table(views, day))


@app.command()
def show(
    issue_id: Annotated[str, typer.Argument(help="The issue id.")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
) -> None:
    """Show one issue as of a date."""
    application = _open(db)
    try:
        view = application.get_issue(issue_id, as_of=as_of)
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"{view.title} ({view.id})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for field, value in view.model_dump().items():
        table.add_row(field, "—" if value in (None, (), "") else str(value))
    console.print(table)


@app.command()
def audit(
    issue_id: Annotated[str, typer.Argument(help="The issue id.")], db: DbOption = DEFAULT_DB
) -> None:
    """Print the audit trail of one issue: every event, in order."""
    application = _open(db)
    try:
        entries = application.audit_trail(issue_id)
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"audit trail of {issue_id}", header_style="bold")
    for col in (
        "#",
        "recorded at",
        "business date",
        "actor",
        "unit",
        "action",
        "from → to",
        "reason",
    ):
        table.add_column(col)
    for entry in entries:
        before = entry.from_state.value if entry.from_state else "∅"
        table.add_row(
            str(entry.version),
            entry.recorded_at.isoformat(timespec="seconds"),
            entry.on.isoformat(),
            entry.actor.name or entry.actor.id,
            entry.actor.unit,
            entry.action,
            f"{before} → {entry.to_state.value}",
            entry.reason or "",
        )
    console.print(table)


def main() -> None:
    """Entry point of the ``rectify`` console script."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
