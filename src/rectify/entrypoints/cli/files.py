"""Files in and out: ``export`` (xlsx, csv), ``notice`` (markdown, xlsx) and ``import``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rectify.domain.seals import Checkpoint
from rectify.domain.values import Role
from rectify.entrypoints.cli import (
    DEFAULT_DB,
    ActorIdOption,
    ActorNameOption,
    ActorUnitOption,
    AsOfOption,
    DbOption,
    KnownAtOption,
    acting,
    app,
    console,
    fail,
    known_point,
    opened,
)
from rectify.errors import InvalidCommand


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
        fail(InvalidCommand("format", f"{kind!r}: use xlsx or csv"))
    with opened(db) as application:
        rows = application.ledger(as_of, known_point(known_at))
        result = application.figures(as_of, known_point(known_at))
        sealed = application.history_digest(result.known_at)
        if kind == "csv":
            write_csv(out, rows, as_of=result.as_of, known_at=result.known_at, sealed=sealed)
        else:
            write_xlsx(
                out, rows, result, as_of=result.as_of, known_at=result.known_at, sealed=sealed
            )
        console.print(f"wrote {len(rows)} rows as of {result.as_of} to {out}")
        _print_digest(sealed)


@app.command()
def notice(
    period: Annotated[str, typer.Option(help="2019-06 (month), 2019-Q2 (quarter) or 2019 (year).")],
    out: Annotated[Path | None, typer.Option("--out", help="Write to .md or .xlsx.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """The periodic notification (通報): per unit, found / rectified / closed out in the period,
    overdue at its end and rectified late."""
    from rectify.adapters.spreadsheets.notice import notice_markdown, write_notice

    with opened(db) as application:
        result = application.notice(period)
        sealed = application.history_digest()
        if out is None:
            typer.echo(notice_markdown(result, sealed))
            return
        write_notice(out, result, sealed)
        console.print(
            f"wrote the {result.period.label} notice ({len(result.lines)} units) to {out}"
        )
        _print_digest(sealed)


def _print_digest(sealed: Checkpoint | None) -> None:
    if sealed is not None:
        typer.echo(f"history digest (events up to {sealed.up_to}): {sealed.digest}")


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
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="The sheet to read (default: 臺賬, else the first)."),
    ] = None,
    found_on: Annotated[
        str | None,
        typer.Option(
            "--found-on", help="The date rows without 發現日期 were found on (YYYY-MM-DD)."
        ),
    ] = None,
    actor_id: ActorIdOption = None,
    actor_name: ActorNameOption = None,
    actor_unit: ActorUnitOption = None,
) -> None:
    """Import a legacy ledger as back-dated events: all rows or none; re-importing records nothing.

    The import is recorded by the actor named with --actor-id, --actor-name and --actor-unit (or
    RECTIFY_ACTOR_ID, RECTIFY_ACTOR_NAME, RECTIFY_ACTOR_UNIT), as a verifier: it records the
    problems, their assignments and the verifications, close-outs and withdrawals the rows attest
    (so the actor's unit may not be the unit of a problem the file says was decided on).
    """
    from rectify.adapters.spreadsheets.reading import ImportRejected

    actor = acting(actor_id, actor_name, actor_unit, Role.VERIFIER, "imports")
    # A dry run into a store not made yet plans against an empty one: every row is new; none is made.
    fallback = "memory://" if dry_run else None
    with opened(db, create=not dry_run, fallback=fallback) as application:
        known = None
        if units is not None:
            try:
                listed = units.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                fail(InvalidCommand("units", f"{units}: not a UTF-8 text file of units ({e})"))
            known = {u.strip() for u in listed.splitlines() if u.strip()}
        try:
            result = application.import_ledger(
                file, actor=actor, list_name=list_name, key_column=key_column,
                mapping=mapping, units=known, dry_run=dry_run, sheet=sheet, found_on=found_on,
            )  # fmt: skip
        except ImportRejected as e:
            table = Table(title=f"{file.name}: nothing recorded", header_style="bold red")
            for col in ("row", "column", "problem"):
                table.add_column(col)
            for problem in e.rows:
                table.add_row(str(problem.row), problem.column, problem.reason)
            console.print(table)
            raise typer.Exit(2) from None
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
        for number, why in result.skipped:
            console.print(f"row {number} skipped: {why}", markup=False, highlight=False)
        for number, column, value, where in result.defaulted:
            given = "--found-on" if where == "found_on" else where
            console.print(
                f"row {number}: {column} blank, taken as {value} ({given})", highlight=False
            )
        console.print(result.summary())
