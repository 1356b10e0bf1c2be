"""Files in and out: ``export`` (xlsx, csv), ``notice`` (markdown, xlsx) and ``import``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
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
from rectify.entrypoints.cli.tables import short_id
from rectify.errors import InvalidCommand

if TYPE_CHECKING:
    from rectify.adapters.spreadsheets.importer import ImportResult


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="The file to write (.xlsx or .csv).")],
    db: DbOption = DEFAULT_DB,
    as_of: AsOfOption = None,
    known_at: KnownAtOption = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from --out's suffix)."),
    ] = None,
    columns: Annotated[
        str,
        typer.Option(
            "--columns",
            help="clerk: the ten columns of a clerk's 臺賬 (default); all: every column.",
        ),
    ] = "clerk",
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit's problems (named in the title).")
    ] = None,
) -> None:
    """Export the ledger as of a date to Excel (title, ledger, figures; ids kept hidden for
    re-import) or CSV (UTF-8 with a byte-order mark), in a clerk's ten columns or all."""
    with opened(db) as application:
        done = application.export_ledger(
            out, as_of=as_of, known_at=known_point(known_at), unit=unit, columns=columns,
            format=format,
        )  # fmt: skip
        console.print(f"wrote {done.rows} rows as of {done.as_of} to {out}")
        _print_digest(done.sealed)


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
        typer.Option(
            "--list",
            help="The ledger's name in match keys (default: the mapping's list, else the "
            "ledger's title, else its sheet's name, else the file's name).",
        ),
    ] = None,
    key_column: Annotated[str, typer.Option(help="The column that numbers the rows.")] = "序號",
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A mapping (TOML or JSON): headers renamed, values translated, defaults, "
            "sheet, header_row, list."
        ),
    ] = None,
    write_mapping: Annotated[
        Path | None,
        typer.Option(
            "--write-mapping",
            help="Write a starting mapping (TOML) for FILE to this path and stop (records nothing).",
        ),
    ] = None,
    units: Annotated[
        Path | None, typer.Option(help="A file of known units, one a line; others are refused.")
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet",
            help="The sheet to read (default: 臺賬, else the first); '*' reads every visible "
            "sheet with the first ledger sheet's header, rows named and keyed 省財政廳!3.",
        ),
    ] = None,
    found_on: Annotated[
        str | None,
        typer.Option(
            "--found-on", help="The date rows without 發現日期 were found on (YYYY-MM-DD)."
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="The date the import is recorded for (YYYY-MM-DD; default today): it dates what "
            "the rows leave undated, a closure without its dates and the changes of rows already "
            "recorded, each listed as given.",
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
    from rectify.adapters.spreadsheets.importer import LedgerRejected
    from rectify.adapters.spreadsheets.reading import ImportRejected

    if write_mapping is not None:
        _write_mapping(file, write_mapping, sheet, list_name)
        return
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
                on=on,
            )  # fmt: skip
        except ImportRejected as e:
            table = Table(title=f"{file.name}: nothing recorded", header_style="bold red")
            for col in ("row", "column", "problem"):
                table.add_column(col)
            for problem in e.rows:
                table.add_row(str(problem.row), problem.column, problem.reason)
            console.print(table)
            if isinstance(e, LedgerRejected) and e.result.updates:  # the good rows' changes
                _print_updates(f"{file.name}: changes of the other rows, not recorded", e.result)
            raise typer.Exit(2) from None
        if dry_run or result.updates:
            _print_updates(
                f"{file.name}: dry run, nothing recorded" if dry_run else f"{file.name}: recorded",
                result,
            )
        for number, why in result.skipped:
            console.print(f"row {number} skipped: {why}", markup=False, highlight=False)
        for header, mapped in result.aliases:
            console.print(f"column {header} read as {mapped}", markup=False, highlight=False)
        for header, filled in result.unread:
            console.print(
                f"column {header} not read ({filled} cell(s) not blank): not one of ours; name "
                "it in a mapping's [columns] to read it",
                markup=False,
                highlight=False,
            )
        for number, column, value, where in result.defaulted:
            given = {"found_on": "--found-on", "the mapping": "the mapping's defaults"}.get(
                where, where
            )
            said = f"{column} blank, taken as {value}" if column != "備註" else f"備註 says {value}"
            console.print(
                f"row {number}: {said} ({given})",
                markup=False,
                highlight=False,
            )
        console.print(result.summary())


def _write_mapping(file: Path, out: Path, sheet: str | None, list_name: str | None) -> None:
    """``import --write-mapping``: a starting mapping for ``file``, written to ``out``."""
    from rectify.adapters.spreadsheets.mapping import draft_mapping
    from rectify.adapters.spreadsheets.reading import ImportRejected

    try:
        text = draft_mapping(file, sheet=sheet, list_name=list_name)
        out.write_text(text, encoding="utf-8")
    except ImportRejected as e:
        fail(e)
    except OSError as e:
        fail(InvalidCommand("write_mapping", f"{out}: {e}"))
    console.print(f"wrote a mapping for {file.name} to {out}", markup=False, highlight=False)


def _print_updates(title: str, result: ImportResult) -> None:
    """The diff of an import, a row a line: new rows (in a dry run), and each updated row's
    changes (column: stored → the file's, the command, its date, who records it)."""
    diff = Table(title=title, header_style="bold")
    for col in ("row", "key", "issue", "change"):
        diff.add_column(col)
    for number, issue_id, key in result.new if result.dry_run else ():
        diff.add_row(str(number), escape(key), short_id(issue_id), "[green]new[/]")
    for update in result.updates:
        changes = "\n".join(escape(change) for change in update.changes)
        diff.add_row(
            str(update.row), escape(update.key), short_id(update.issue_id), f"[yellow]{changes}[/]"
        )
    console.print(diff)
