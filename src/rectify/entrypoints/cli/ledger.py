"""Reading the ledger: ``issues``, ``show``, ``audit``, ``ledger``, ``figures``, ``rebuild``,
``project`` and ``events``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rectify.entrypoints.cli import (
    DEFAULT_DB,
    AsOfOption,
    DbOption,
    KnownAtOption,
    app,
    console,
    figures_table,
    issue_table,
    known_point,
    opened,
    rate,
    reported,
)

if TYPE_CHECKING:
    from rectify.projections.views import AuditEntry


def event_line(entry: AuditEntry) -> str:
    """One event as a JSON line of the documented feed schema (rectify.event/1)."""
    return json.dumps(
        {"schema": "rectify.event/1", **entry.model_dump(mode="json")}, ensure_ascii=False
    )


@app.command()
def issues(
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """List issues as of a date."""
    with opened(db) as application:
        views = application.issues(unit=unit, status=status, source=source, as_of=as_of)
        day = views[0].as_of if views else application.business_date(as_of)
        console.print(issue_table(views, f"問題整改臺賬 as of {day}"))
        console.print(f"{len(views)} issues")


@app.command()
def show(
    issue_id: Annotated[str, typer.Argument(help="The issue id.")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
) -> None:
    """Show one issue as of a date."""
    with opened(db) as application:
        view = application.get_issue(issue_id, as_of=as_of)
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
    with opened(db) as application:
        entries = application.audit_trail(issue_id)
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
                f"{before} → {entry.to_state.value if entry.to_state else '∅'}",
                entry.reason or "",
            )
        console.print(table)


@app.command()
def ledger(
    db: DbOption = DEFAULT_DB, as_of: AsOfOption = None, known_at: KnownAtOption = None
) -> None:
    """Print the ledger (臺賬) as of a date, as known at a point of the log."""
    with opened(db) as application:
        rows = application.ledger(as_of, known_point(known_at))
        figures = application.figures(as_of, known_point(known_at))
        known = f", known at {figures.known_at}" if figures.known_at is not None else ""
        console.print(issue_table(rows, f"問題整改臺賬 as of {figures.as_of}{known}"))
        console.print(figures_table(figures))


@app.command()
def figures(
    db: DbOption = DEFAULT_DB, as_of: AsOfOption = None, known_at: KnownAtOption = None
) -> None:
    """Print the progress figures (整改進度): counts, rates, overdue, durations, by unit."""
    with opened(db) as application:
        result = application.figures(as_of, known_point(known_at))
        console.print(figures_table(result))
        units = Table(title="by unit 按責任單位", header_style="bold")
        for col in ("責任單位", "發現", "已整改", "已銷號", "逾期", "整改率", "銷號率"):
            units.add_column(col, justify="left" if col == "責任單位" else "right")
        for unit, b in result.by_unit.items():
            units.add_row(
                unit, str(b.found), str(b.rectified), str(b.closed_out), str(b.overdue),
                rate(b.rectification_rate), rate(b.close_out_rate),
            )  # fmt: skip
        console.print(units)


@app.command()
def rebuild(db: DbOption = DEFAULT_DB) -> None:
    """Empty the views and project the whole log again, from zero."""
    with opened(db, catch_up=False) as application:
        count = application.rebuild_views()
        console.print(f"views rebuilt from {count} events")


@app.command()
def project(
    db: DbOption = DEFAULT_DB,
    follow: Annotated[bool, typer.Option("--follow", help="Keep following the log.")] = False,
) -> None:
    """Bring the views up to date; with --follow, keep them current (PostgreSQL: subscribes)."""
    if not follow:
        with opened(db) as application:
            count = application.catch_up()
            console.print(f"projected {count} events")
        return
    import threading

    from rectify.entrypoints.follower import follow as follow_log

    stop = threading.Event()
    console.print(f"following {db}; Ctrl-C to stop")
    try:
        with reported():
            follow_log(db, stop=stop)
    except KeyboardInterrupt:
        stop.set()


@app.command()
def events(
    db: DbOption = DEFAULT_DB,
    since: Annotated[int, typer.Option("--since", help="Log position to read after.")] = 0,
    limit: Annotated[int | None, typer.Option(help="At most this many events.")] = None,
) -> None:
    """Write the events after a log position as JSON lines (schema: rectify.event/1)."""
    with opened(db) as application:
        for entry in application.events_since(since, limit=limit):
            typer.echo(event_line(entry))
