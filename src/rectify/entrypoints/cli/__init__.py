"""The ``rectify`` command: a thin shell over :class:`~rectify.application.RectificationApp`."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from rectify.application import RectificationApp, connect
from rectify.domain.values import BranchStatus, LaggingKind, Mode, Status
from rectify.domain.workflow import WorkflowDefinition
from rectify.domain.workflows import (
    CURRENT_BRANCH_WORKFLOW,
    CURRENT_ISSUE_WORKFLOW,
    ROUND_WORKFLOW_V1,
    WORKFLOWS,
)
from rectify.errors import InvalidCommand, NotFound, RectifyError
from rectify.projections.ledger import LedgerRow

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from rich.progress import Progress

    from rectify.domain.lists import ProblemList
    from rectify.projections.figures import Durations, Figures
    from rectify.projections.organisation import RoundFigures
    from rectify.projections.views import AuditEntry, IssueView

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


def _open(db: str, today: date | None = None, *, create: bool = False) -> RectificationApp:
    """The store at ``db``; only a command that records may create it (reading never does)."""
    try:
        if today is None:
            return connect(db, create=create)
        return connect(db, today=lambda: today, create=create)
    except RectifyError as e:
        _fail(e)


def _fail(e: RectifyError) -> NoReturn:
    console.print(f"[bold red]{type(e).__name__}:[/] {e}")
    raise typer.Exit(2 if isinstance(e, InvalidCommand) else 1)


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


def _rate(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "—"


def figures_table(f: Figures) -> Table:
    """The progress figures as a two-column table."""
    t = f.total
    rows = [("合計 total", str(t.found))]
    rows += [(f"{s.label} {s.value}", str(f.by_status[s.value])) for s in Status]
    rows += [(f"{m.label} {m.value}", str(f.by_mode[m.value])) for m in Mode]
    rows += [
        ("逾期 overdue", str(t.overdue)),
        ("逾期整改 rectified late", str(t.rectified_late)),
        ("整改率 rectification rate", _rate(t.rectification_rate)),
        ("銷號率 close-out rate", _rate(t.close_out_rate)),
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


def event_line(entry: AuditEntry) -> str:
    """One event as a JSON line of the documented feed schema (rectify.event/1)."""
    return json.dumps(
        {"schema": "rectify.event/1", **entry.model_dump(mode="json")}, ensure_ascii=False
    )


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

    try:
        env = env_for_url(db)
    except RectifyError as e:
        _fail(e)
    if fresh and env.get("SQLITE_DBNAME") not in (None, ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(env["SQLITE_DBNAME"] + suffix).unlink(missing_ok=True)
    application = _open(db, DEMO_TODAY, create=True)
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
    console.print(issue_table(rows, f"問題整改臺賬 — the first report — {db} — as of {DEMO_TODAY}"))
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
"""The current workflow of each kind of aggregate ``rectify diagram`` draws."""


@app.command()
def diagram(
    name: Annotated[
        str, typer.Argument(help="Which workflow: 'issue', 'branch' or 'round'.")
    ] = "issue",
    version: Annotated[
        int | None, typer.Option(help="Workflow version (default: current).")
    ] = None,
) -> None:
    """Print a workflow as a mermaid state diagram."""
    current = WORKFLOW_NAMES.get(name)
    default = current.key if current is not None else name
    key = f"{name}/{version}" if version is not None else default
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
        day = views[0].as_of if views else application.business_date(as_of)
    except RectifyError as e:
        _fail(e)
    console.print(issue_table(views, f"問題整改臺賬 as of {day}"))
    console.print(f"{len(views)} issues")


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
            f"{before} → {entry.to_state.value if entry.to_state else '∅'}",
            entry.reason or "",
        )
    console.print(table)


KnownAtOption = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Only what had been recorded by then: a log position or an ISO timestamp.",
    ),
]


def _known(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


@app.command()
def ledger(
    db: DbOption = DEFAULT_DB, as_of: AsOfOption = None, known_at: KnownAtOption = None
) -> None:
    """Print the ledger (臺賬) as of a date, as known at a point of the log."""
    application = _open(db)
    try:
        rows = application.ledger(as_of, _known(known_at))
        figures = application.figures(as_of, _known(known_at))
    except RectifyError as e:
        _fail(e)
    known = f", known at {figures.known_at}" if figures.known_at is not None else ""
    console.print(issue_table(rows, f"問題整改臺賬 as of {figures.as_of}{known}"))
    console.print(figures_table(figures))


@app.command()
def figures(
    db: DbOption = DEFAULT_DB, as_of: AsOfOption = None, known_at: KnownAtOption = None
) -> None:
    """Print the progress figures (整改進度): counts, rates, overdue, durations, by unit."""
    application = _open(db)
    try:
        result = application.figures(as_of, _known(known_at))
    except RectifyError as e:
        _fail(e)
    console.print(figures_table(result))
    units = Table(title="by unit 按責任單位", header_style="bold")
    for col in ("責任單位", "發現", "已整改", "已銷號", "逾期", "整改率", "銷號率"):
        units.add_column(col, justify="left" if col == "責任單位" else "right")
    for unit, b in result.by_unit.items():
        units.add_row(
            unit, str(b.found), str(b.rectified), str(b.closed_out), str(b.overdue),
            _rate(b.rectification_rate), _rate(b.close_out_rate),
        )  # fmt: skip
    console.print(units)


@app.command()
def rebuild(db: DbOption = DEFAULT_DB) -> None:
    """Empty the views and project the whole log again, from zero."""
    application = _open(db)
    count = application.rebuild_views()
    console.print(f"views rebuilt from {count} events")


@app.command()
def project(
    db: DbOption = DEFAULT_DB,
    follow: Annotated[bool, typer.Option("--follow", help="Keep following the log.")] = False,
) -> None:
    """Bring the views up to date; with --follow, keep them current (PostgreSQL: subscribes)."""
    if not follow:
        count = _open(db).catch_up()
        console.print(f"projected {count} events")
        return
    import threading

    from rectify.entrypoints.follower import follow as follow_log

    stop = threading.Event()
    console.print(f"following {db}; Ctrl-C to stop")
    try:
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
    application = _open(db)
    for entry in application.events_since(since, limit=limit):
        typer.echo(event_line(entry))


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="The file to write (.xlsx or .csv).")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    format: Annotated[
        str | None, typer.Option("--format", help="xlsx or csv (default: from --out).")
    ] = None,
) -> None:
    """Export the ledger as of a date to Excel (ledger and figures sheets) or CSV."""
    from rectify.adapters.spreadsheets.export import write_csv, write_xlsx

    kind = (format or out.suffix.lstrip(".") or "xlsx").lower()
    if kind not in ("xlsx", "csv"):
        _fail(InvalidCommand("format", f"{kind!r}: use xlsx or csv"))
    application = _open(db)
    try:
        rows = application.ledger(as_of, _known(known_at))
        result = application.figures(as_of, _known(known_at))
    except RectifyError as e:
        _fail(e)
    if kind == "csv":
        write_csv(out, rows, as_of=result.as_of, known_at=result.known_at)
    else:
        write_xlsx(out, rows, result, as_of=result.as_of, known_at=result.known_at)
    console.print(f"wrote {len(rows)} rows as of {result.as_of} to {out}")


@app.command()
def notice(
    period: Annotated[str, typer.Option(help="2019-06 (month), 2019-Q2 (quarter) or 2019 (year).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to .md or .xlsx.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """The periodic notification (通報): per unit, found / rectified / closed out in the period,
    overdue at its end and rectified late."""
    from rectify.adapters.spreadsheets.notice import notice_markdown, write_notice

    application = _open(db)
    try:
        result = application.notice(period)
    except RectifyError as e:
        _fail(e)
    if out is None:
        typer.echo(notice_markdown(result))
        return
    write_notice(out, result)
    console.print(f"wrote the {result.period.label} notice ({len(result.lines)} units) to {out}")


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="The ledger to import (.xlsx or .csv).", exists=True)
    ],
    db: DbOption = DEFAULT_DB,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change.")
    ] = False,
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="The ledger's name in match keys (default: file name)."),
    ] = None,
    key_column: Annotated[str, typer.Option(help="The column that numbers the rows.")] = "序號",
    mapping: Annotated[
        Path | None, typer.Option(help="Column mapping (JSON or TOML) for a unit's own headers.")
    ] = None,
    units: Annotated[
        Path | None, typer.Option(help="A file of known units, one a line; others are refused.")
    ] = None,
    actor_id: Annotated[
        str | None,
        typer.Option(
            "--actor-id", envvar="RECTIFY_ACTOR_ID", help="Who imports: their id (required)."
        ),
    ] = None,
    actor_name: Annotated[
        str | None,
        typer.Option("--actor-name", envvar="RECTIFY_ACTOR_NAME", help="Who imports: their name."),
    ] = None,
    actor_unit: Annotated[
        str | None,
        typer.Option(
            "--actor-unit",
            envvar="RECTIFY_ACTOR_UNIT",
            help="Who imports: their unit (required; not the unit of a problem the file says "
            "was verified, closed out or withdrawn).",
        ),
    ] = None,
) -> None:
    """Import a legacy ledger as back-dated events: all rows or none; re-importing records nothing.

    The import is recorded by the actor named with --actor-id, --actor-name and --actor-unit (or
    RECTIFY_ACTOR_ID, RECTIFY_ACTOR_NAME, RECTIFY_ACTOR_UNIT), as a verifier: it records the
    problems, their assignments and the verifications, close-outs and withdrawals the rows attest.
    """
    from rectify.domain.values import Actor, Role
    from rectify.io.importer import ImportRejected, import_ledger

    missing = [o for o, v in (("--actor-id", actor_id), ("--actor-unit", actor_unit)) if not v]
    if missing:
        _fail(
            InvalidCommand(
                missing[0].removeprefix("--"),
                "name who imports: --actor-id ID --actor-unit UNIT [--actor-name NAME] "
                "(or RECTIFY_ACTOR_ID, RECTIFY_ACTOR_UNIT, RECTIFY_ACTOR_NAME)",
            )
        )
    try:
        actor = Actor(actor_id, actor_name or "", actor_unit, [Role.VERIFIER])
    except RectifyError as e:
        _fail(e)
    try:
        application = connect(db, create=not dry_run)
    except NotFound as e:  # a dry run into a store not made yet: every row is new; none is made
        if not dry_run:
            _fail(e)
        application = connect("memory://")
    except RectifyError as e:
        _fail(e)
    known = None
    if units is not None:
        try:
            listed = units.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            _fail(InvalidCommand("units", f"{units}: not a UTF-8 text file of units ({e})"))
        known = {u.strip() for u in listed.splitlines() if u.strip()}
    try:
        result = import_ledger(
            application, file, actor=actor, list_name=list_name, key_column=key_column,
            mapping=mapping, units=known, dry_run=dry_run,
        )  # fmt: skip
    except ImportRejected as e:
        table = Table(title=f"{file.name}: nothing recorded", header_style="bold red")
        for col in ("row", "column", "problem"):
            table.add_column(col)
        for problem in e.rows:
            table.add_row(str(problem.row), problem.column, problem.reason)
        console.print(table)
        raise typer.Exit(2) from None
    except RectifyError as e:
        _fail(e)
    if dry_run:
        diff = Table(title=f"{file.name}: dry run", header_style="bold")
        for col in ("row", "key", "issue", "change"):
            diff.add_column(col)
        for number, issue_id, key in result.new:
            diff.add_row(str(number), key, str(issue_id), "[green]new[/]")
        for number, issue_id, key, fields in result.differs:
            diff.add_row(
                str(number), key, str(issue_id), f"[yellow]differs: {', '.join(fields)}[/]"
            )
        console.print(diff)
    console.print(result.summary())


# ---------------------------------------------------------------- branches, lists and rounds


def kind_label(kind: str) -> str:
    """A lagging kind in Chinese (軟弱渙散, 虛化, …); a kind given by name stays as it is."""
    try:
        return LaggingKind(kind).label
    except ValueError:
        return kind


def _mark(flag: bool) -> str:
    return "[green]✓[/]" if flag else "—"


@app.command()
def board(db: DbOption = DEFAULT_DB, as_of: AsOfOption = None) -> None:
    """The lagging-branch board (后進黨支部整頓臺賬): each branch designated lagging, its kinds,
    its two mentors (雙掛), its problems and those still open, ready for reassessment, delisted."""
    application = _open(db)
    try:
        day = application.business_date(as_of)
        rows = application.lagging_board(day)
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"后進黨支部整頓臺賬 as of {day}", header_style="bold")
    table.add_column("代碼", no_wrap=True)
    table.add_column("黨支部", ratio=1, min_width=10, overflow="fold")
    table.add_column("單位", overflow="fold")
    table.add_column("類型", overflow="fold")
    table.add_column("雙掛", overflow="fold")
    for col in ("問題", "未銷號"):
        table.add_column(col, justify="right")
    table.add_column("可重新評估", justify="center")
    table.add_column("摘帽", no_wrap=True)
    for r in rows:
        still_open = f"[red]{r.open_problems}[/]" if r.overdue_problems else str(r.open_problems)
        table.add_row(
            r.code,
            r.name,
            r.unit,
            "、".join(kind_label(k) for k in r.kinds),
            "\n".join(str(m) for m in r.mentors) or "—",
            str(r.problems),
            still_open,
            _mark(r.ready),
            f"[green]{r.delisted_on}[/]" if r.delisted and r.delisted_on else r.status.label,
        )
    console.print(table)
    console.print(
        f"{len(rows)} lagging branches, {sum(r.ready for r in rows)} ready for reassessment, "
        f"{sum(r.delisted for r in rows)} delisted"
    )


@app.command()
def branches(
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status (e.g. delisted).")] = None,
    lagging: Annotated[
        bool | None,
        typer.Option("--lagging/--not-lagging", help="Only those on (or off) the lagging list."),
    ] = None,
) -> None:
    """List the registered branches (黨支部 / 黨總支 / 黨委) as of a date: status, elections
    (換屆), rating, linked problems."""
    application = _open(db)
    try:
        day = application.business_date(as_of)
        views = application.branches(as_of=day, unit=unit, status=status, lagging=lagging)
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"黨組織 as of {day}", header_style="bold")
    table.add_column("代碼", no_wrap=True)
    table.add_column("名稱", ratio=1, min_width=10, overflow="fold")
    for col in ("類別", "單位", "狀態", "上次換屆", "應換屆", "評星定級"):
        table.add_column(col, overflow="fold")
    table.add_column("問題", justify="right")
    for v in views:
        style = {BranchStatus.DELISTED: "green", BranchStatus.NORMAL: ""}.get(v.status, "yellow")
        due = str(v.election_due) if v.election_due else "—"
        table.add_row(
            v.code,
            v.name,
            v.kind.label,
            v.unit,
            f"[{style}]{v.status.label}[/]" if style else v.status.label,
            str(v.elected_on) if v.elected_on else "—",
            f"[red]{due} 逾期[/]" if v.election_overdue else due,
            v.rating or "—",
            str(len(v.issues)),
        )
    console.print(table)
    console.print(f"{len(views)} branches")


def _list_id(application: RectificationApp, ident: str) -> UUID:
    """A problem list by id, or by its exact name."""
    try:
        return application.problem_list(ident).id
    except InvalidCommand:
        pass
    for plist in application.problem_lists():
        if plist.name == ident:
            return plist.id
    raise NotFound("problem list", ident, "no list has that id or name")


@app.command()
def lists(db: DbOption = DEFAULT_DB, as_of: AsOfOption = None) -> None:
    """The problem lists (問題清單) issued, with how far their problems are as of a date."""
    application = _open(db)
    try:
        day = application.business_date(as_of)
        found: list[ProblemList] = application.problem_lists()
        rollups = [application.list_rollup(p.id, day) for p in found]
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"問題清單 as of {day}", header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("清單", ratio=1, min_width=10, overflow="fold")
    for col in ("下發單位", "下發日期", "整改時限"):
        table.add_column(col, overflow="fold")
    for col in ("共性問題", "單位", "問題", "已整改", "已銷號", "逾期"):
        table.add_column(col, justify="right")
    for plist, r in zip(found, rollups, strict=True):
        table.add_row(
            str(plist.id),
            plist.name,
            plist.issuer,
            str(plist.issued_on),
            str(plist.deadline),
            str(len(plist.common_problems)),
            str(r.units),
            str(r.issues),
            str(r.rectified),
            str(r.closed_out),
            f"[red]{r.overdue}[/]" if r.overdue else "0",
        )
    console.print(table)
    console.print(f"{len(found)} problem lists")


@app.command()
def rollup(
    list_id: Annotated[str, typer.Argument(help="The problem list's id (or its exact name).")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
) -> None:
    """A problem list's common problems (共性問題): for each, how many units have it and how many
    of those have rectified and closed it out; then the list's totals."""
    application = _open(db)
    try:
        result = application.list_rollup(_list_id(application, list_id), as_of)
    except RectifyError as e:
        _fail(e)
    table = Table(
        title=f"{result.name} as of {result.as_of}",
        caption=f"{result.issuer} 下發 {result.issued_on}，整改時限 {result.deadline}",
        header_style="bold",
    )
    table.add_column("代碼", no_wrap=True)
    table.add_column("共性問題", ratio=1, min_width=12, overflow="fold")
    for col in ("單位", "已整改", "已銷號", "銷號率", "問題"):
        table.add_column(col, justify="right")
    for c in result.common_problems:
        table.add_row(
            c.code,
            c.text,
            str(c.units),
            str(c.rectified_units),
            str(c.closed_out_units),
            _rate(c.closed_out_rate if c.units else None),
            str(c.issues),
        )
    console.print(table)
    console.print(
        f"{len(result.common_problems)} common problems; {result.units} units, "
        f"{result.issues} problems: {result.rectified} rectified, {result.closed_out} closed out "
        f"({_rate(result.closed_out / result.issues if result.issues else None)}), "
        f"{result.overdue} overdue"
    )


@app.command()
def rounds(db: DbOption = DEFAULT_DB, as_of: AsOfOption = None) -> None:
    """The inspection rounds (巡查), with their figures as of a date."""
    application = _open(db)
    try:
        day = application.business_date(as_of)
        figures = []
        for rnd in application.inspection_rounds():
            try:
                figures.append(application.round_figures(rnd.id, day))
            except NotFound:
                continue  # opened after ``as_of``
    except RectifyError as e:
        _fail(e)
    table = Table(title=f"巡查 as of {day}", header_style="bold")
    table.add_column("id", no_wrap=True)
    table.add_column("巡查", ratio=1, min_width=10, overflow="fold")
    table.add_column("期間", no_wrap=True)
    table.add_column("狀態", no_wrap=True)
    for col in ("對象", "到位", "發現", "新問題", "反彈", "仍未整改", "已整改", "已銷號", "逾期"):
        table.add_column(col, justify="right")
    for f in figures:
        table.add_row(
            str(f.round_id),
            f.name,
            f.period,
            f.status.label,
            str(f.targets),
            str(f.covered),
            str(f.findings),
            str(f.new_issues),
            f"[yellow]{f.relapses}[/]" if f.relapses else "0",
            str(f.still_open_from_before),
            str(f.rectified),
            str(f.closed_out),
            f"[red]{f.overdue}[/]" if f.overdue else "0",
        )
    console.print(table)
    relapses = sum(f.relapses for f in figures)
    console.print(
        f"{len(figures)} rounds, {sum(f.findings for f in figures)} findings, "
        f"{relapses} relapse{'' if relapses == 1 else 's'}"
    )


def round_table(f: RoundFigures) -> Table:
    """A round's figures as a two-column table."""
    rows = [
        ("期間 period", f.period),
        ("狀態 status", f.status.label),
        ("對象 targets in scope", str(f.targets)),
        ("到位 targets inspected", f"{f.covered} ({_rate(f.coverage)})"),
        ("發現 findings", str(f.findings)),
        ("新問題 new problems", str(f.new_issues)),
        ("反彈 relapses (closed out, found again)", str(f.relapses)),
        ("仍未整改 still open from an earlier round", str(f.still_open_from_before)),
        ("已整改 rectified", f"{f.rectified} ({_rate(f.rectified_rate)})"),
        ("已銷號 closed out", str(f.closed_out)),
        ("逾期 overdue", str(f.overdue)),
    ]
    table = Table(title=f"{f.name} as of {f.as_of}", header_style="bold")
    table.add_column("")
    table.add_column("數量", justify="right")
    for label, value in rows:
        table.add_row(label, value)
    return table


@app.command("round")
def round_(
    round_id: Annotated[str, typer.Argument(help="The inspection round's id.")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
) -> None:
    """One inspection round as of a date: its figures, then each finding and where its problem
    stands."""
    application = _open(db)
    try:
        day = application.business_date(as_of)
        figures = application.round_figures(round_id, day)
        rnd = application.inspection_round(figures.round_id, as_of=day)
        rows = {r.id: r for r in application.ledger(day)}
        items = dict(application.checklist(rnd.checklist_id).items)
    except RectifyError as e:
        _fail(e)
    console.print(round_table(figures))
    outcomes = {"new": "新問題", "relapse": "[yellow]反彈[/]", "still_open": "仍未整改"}
    table = Table(title="發現問題 findings", header_style="bold")
    for col in ("對象", "巡查項目", "問題", "結果", "狀態"):
        table.add_column(col, overflow="fold", ratio=1 if col == "問題" else None)
    for (target, item), issue_id in rnd.findings.items():
        row = rows.get(issue_id)
        table.add_row(
            _target_name(application, target),
            f"{item} {items.get(item, '')}",
            row.title if row else str(issue_id),
            outcomes.get(rnd.outcomes.get((target, item), ""), "—"),
            row.status.label if row else "—",
        )
    console.print(table)


def _target_name(application: RectificationApp, target: str) -> str:
    """A round's target as people say it: a unit's name, or a branch's name for its id."""
    try:
        return application.get_branch(target).name
    except RectifyError:
        return target


def main() -> None:
    """Entry point of the ``rectify`` console script."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
