"""The organisation: ``board`` (lagging branches), ``branches``, ``lists``, ``rollup`` (a problem
list's common problems), ``rounds`` and ``round`` (inspection rounds)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from rectify.domain.values import BranchStatus, LaggingKind
from rectify.entrypoints.cli import DEFAULT_DB, AsOfOption, DbOption, app, console, opened, rate
from rectify.errors import InvalidCommand, NotFound, RectifyError

if TYPE_CHECKING:
    from uuid import UUID

    from rectify.application import RectificationApp
    from rectify.domain.lists import ProblemList
    from rectify.projections.organisation import RoundFigures


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
    with opened(db) as application:
        day = application.business_date(as_of)
        rows = application.lagging_board(day)
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
            still_open = (
                f"[red]{r.open_problems}[/]" if r.overdue_problems else str(r.open_problems)
            )
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
    with opened(db) as application:
        day = application.business_date(as_of)
        views = application.branches(as_of=day, unit=unit, status=status, lagging=lagging)
        table = Table(title=f"黨組織 as of {day}", header_style="bold")
        table.add_column("代碼", no_wrap=True)
        table.add_column("名稱", ratio=1, min_width=10, overflow="fold")
        for col in ("類別", "單位", "狀態", "上次換屆", "應換屆", "評星定級"):
            table.add_column(col, overflow="fold")
        table.add_column("問題", justify="right")
        for v in views:
            style = {BranchStatus.DELISTED: "green", BranchStatus.NORMAL: ""}.get(
                v.status, "yellow"
            )
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
    with opened(db) as application:
        day = application.business_date(as_of)
        found: list[ProblemList] = application.problem_lists()
        rollups = [application.list_rollup(p.id, day) for p in found]
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
    with opened(db) as application:
        result = application.list_rollup(_list_id(application, list_id), as_of)
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
                rate(c.closed_out_rate if c.units else None),
                str(c.issues),
            )
        console.print(table)
        console.print(
            f"{len(result.common_problems)} common problems; {result.units} units, "
            f"{result.issues} problems: {result.rectified} rectified, {result.closed_out} closed out "
            f"({rate(result.closed_out / result.issues if result.issues else None)}), "
            f"{result.overdue} overdue"
        )


@app.command()
def rounds(db: DbOption = DEFAULT_DB, as_of: AsOfOption = None) -> None:
    """The inspection rounds (巡查), with their figures as of a date."""
    with opened(db) as application:
        day = application.business_date(as_of)
        figures = []
        for rnd in application.inspection_rounds():
            try:
                figures.append(application.round_figures(rnd.id, day))
            except NotFound:
                continue  # opened after ``as_of``
        table = Table(title=f"巡查 as of {day}", header_style="bold")
        table.add_column("id", no_wrap=True)
        table.add_column("巡查", ratio=1, min_width=10, overflow="fold")
        table.add_column("期間", no_wrap=True)
        table.add_column("狀態", no_wrap=True)
        for col in (
            "對象",
            "到位",
            "發現",
            "新問題",
            "反彈",
            "仍未整改",
            "已整改",
            "已銷號",
            "逾期",
        ):
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
        ("到位 targets inspected", f"{f.covered} ({rate(f.coverage)})"),
        ("發現 findings", str(f.findings)),
        ("新問題 new problems", str(f.new_issues)),
        ("反彈 relapses (closed out, found again)", str(f.relapses)),
        ("仍未整改 still open from an earlier round", str(f.still_open_from_before)),
        ("已整改 rectified", f"{f.rectified} ({rate(f.rectified_rate)})"),
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
    with opened(db) as application:
        day = application.business_date(as_of)
        figures = application.round_figures(round_id, day)
        rnd = application.inspection_round(figures.round_id, as_of=day)
        rows = {r.id: r for r in application.ledger(day)}
        items = dict(application.checklist(rnd.checklist_id).items)
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
