"""Reading the ledger: ``issues``, ``show``, ``audit``, ``ledger``, ``figures``, ``rebuild``,
``project`` and ``events``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from rectify.domain.values import Actor, LabelledEnum
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
    progress_bar,
    rate,
    reported,
)
from rectify.entrypoints.cli.tables import audit_table, resolve_issue_id, short_id, step_named

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
    """List issues as of a date, with the short id (編號) that show, audit and the daily
    commands (rectify issue …) take."""
    with opened(db) as application:
        views = application.issues(unit=unit, status=status, source=source, as_of=as_of)
        day = views[0].as_of if views else application.business_date(as_of)
        console.print(issue_table(views, f"問題整改臺賬 as of {day}", ids=True))
        console.print(f"{len(views)} issues")


SHOW_LABELS: dict[str, str] = {
    "id": "問題編號", "title": "問題描述", "description": "問題描述詳情", "unit": "所屬單位",
    "source": "問題來源", "category": "問題類別", "severity": "嚴重程度", "branch_id": "黨支部",
    "list_id": "所屬清單", "common_problem": "共性問題", "round_id": "巡查輪次", "item": "巡查事項",
    "status": "狀態", "mode": "整改類型", "campaign": "集中治理專項", "responsible_unit": "責任單位",
    "responsible_person": "責任人", "measures": "整改措施", "measures_done": "已完成措施",
    "deadline": "整改時限", "found_on": "發現日期", "found_by": "發現人", "assigned_on": "交辦日期",
    "rectified_on": "整改日期", "rectified_late": "逾期整改", "verified_on": "驗收日期",
    "closed_out_on": "銷號日期", "withdrawn_on": "撤銷日期", "progress": "整改進展",
    "progress_on": "進展日期", "remarks_text": "備註", "rejections": "退回次數",
    "reopenings": "反彈重開次數", "extensions": "延期次數", "as_of": "截至", "overdue": "逾期",
    "days_overdue": "逾期天數", "workflow": "工作流程", "version": "版本",
    "recorded_at": "記錄時間", "stale_decisions": "待重新確認", "deadline_rule": "時限規則",
    "deadline_calendar": "工作日曆", "source_words": "問題來源原文", "deadline_words": "整改時限原文",
    "standing": "長期堅持",
}  # fmt: skip
"""The Chinese label ``rectify show`` gives each field of an issue (a field not listed here
shows under its own name)."""


def shown(value: object) -> str:
    """A value as ``rectify show`` prints it: labels for statuses, modes, sources and roles, a
    person as name, unit and roles, 是/否, measures one a line; a dash for nothing."""
    if value is None or value == () or value == "":
        return "—"
    if isinstance(value, LabelledEnum):
        return value.label
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Actor):
        roles = "、".join(r.label for r in sorted(value.roles))
        return f"{value.name or value.id} ({value.unit}{'; ' + roles if roles else ''})"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, tuple | list):
        return "\n".join(shown(v) for v in value)
    return str(value)


@app.command()
def show(
    issue_id: Annotated[str, typer.Argument(help="The issue id, or its start (編號).")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
) -> None:
    """Show one issue as of a date, in Chinese."""
    with opened(db) as application:
        view = application.get_issue(resolve_issue_id(application, issue_id), as_of=as_of)
        table = Table(title=escape(f"{view.title} ({view.id})"), show_header=False)
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for field in type(view).model_fields:
            value = getattr(view, field)
            if field == "measures":
                value = tuple(f"{n}. {m}" for n, m in enumerate(view.measures, start=1))
            elif field == "measures_done":
                value = "、".join(str(n) for n in view.measures_done)
            table.add_row(SHOW_LABELS.get(field, field), escape(shown(value)))
            if field == "remarks_text":
                table.add_row("備註（含歷史）", escape(shown(view.remarks)))
        console.print(table)


@app.command()
def audit(
    issue_id: Annotated[str, typer.Argument(help="The issue id, or its start (編號).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print the audit trail of one issue: every event, in order."""
    with opened(db) as application:
        full = resolve_issue_id(application, issue_id)
        entries = application.audit_trail(full)
        workflow = application.get_issue(full).workflow
        title = f"audit trail 審計記錄 of {short_id(full)}"
        console.print(audit_table(entries, title, console.width, lambda a: step_named(workflow, a)))


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
        total = application.recorder.max_notification_id() or 0
        with progress_bar("rebuilding the views", total) as advance:
            count = application.rebuild_views(progress=advance)
        console.print(f"views rebuilt from {count} events")


@app.command()
def project(
    db: DbOption = DEFAULT_DB,
    follow: Annotated[bool, typer.Option("--follow", help="Keep following the log.")] = False,
) -> None:
    """Bring the views up to date; with --follow, keep them current (PostgreSQL: subscribes)."""
    if not follow:
        with opened(db, catch_up=False) as application:
            with progress_bar("projecting the views", application.pending_events()) as advance:
                count = application.catch_up(progress=advance)
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
