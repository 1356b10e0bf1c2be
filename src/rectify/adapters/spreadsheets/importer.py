"""Planning the import of a whole ledger (臺賬, Excel or CSV): all rows or none.

Every row is read and checked before anything is recorded; one bad row and nothing is recorded,
and :class:`ImportRejected` lists each bad row, column and reason. A good file becomes, per row, the
events its columns attest — found, assigned, progress, rectified, verified, closed out or
withdrawn, on the dates the row gives — which the application saves in one transaction
(:meth:`~rectify.application.RectificationApp.import_ledger`; this module records nothing).

Each row is matched by its key: the ledger's name and the row's 序號 (or a stated key column), or
the 問題編號 an exported ledger carries. The ledger's name is the one given, else the mapping's
``list``, else the ledger's own (:func:`~rectify.adapters.spreadsheets.mapping.default_list_name`:
its title, else its sheet's name, else the file's), so a renamed file matches the same problems;
a row keyed by the file's name, as imports before keyed it, is matched under that key when the
store holds it. Importing the same file again records nothing new; a row
whose issue exists but reads differently records its changes as new events (history is not
edited: :mod:`~rectify.adapters.spreadsheets.updating`), or is refused when no command makes them.
Reading is :mod:`~rectify.adapters.spreadsheets.reading`, a row's events
:mod:`~rectify.adapters.spreadsheets.building`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from rectify.domain.branch import Branch
from rectify.domain.issue import Issue
from rectify.domain.values import (
    Actor,
)
from rectify.errors import InvalidCommand, RectifyError
from rectify.errors import LedgerRejected as LedgerRejected  # its old home

if TYPE_CHECKING:
    pass

from rectify.adapters.spreadsheets.building import (
    Defaulted,
    Lookup,
    _kind,
    _step,
    build_issue,
)
from rectify.adapters.spreadsheets.headers import (
    doubled,
    found_on_from_store,
    ours_of,
    unread,
)
from rectify.adapters.spreadsheets.mapping import HEADER_ALIASES, default_list_name, load_mapping
from rectify.adapters.spreadsheets.reading import (
    IMPORT_NAMESPACE,
    RowError,
    parse_rows,
    read_table,
    text_in,
)
from rectify.adapters.spreadsheets.staleness import Changed, staleness
from rectify.adapters.spreadsheets.tabular import HEADERS, REIMPORT_HEADERS, WORKFLOW_COLUMN
from rectify.adapters.spreadsheets.updating import RowUpdate, plan_update

__all__ = ["ImportPlan", "ImportResult", "LedgerRejected", "load_mapping", "plan_import"]


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    new: list[tuple[int, UUID, str]] = field(default_factory=list)
    unchanged: list[tuple[int, UUID, str]] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    """Rows whose problem is recorded and that read differently: each with the changes, in
    words, recorded as events (:mod:`~rectify.adapters.spreadsheets.updating`)."""
    events: int = 0
    dry_run: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """Rows read as no problem (titles above the header, blank rows, notes under the table),
    each with its row number and why."""
    defaulted: list[tuple[int, str, date | str, str]] = field(default_factory=list)
    """Cells left blank that the import gave: (row, column, the value, where it came from: the
    ``found_on`` option, another of the row's dates, the date of the import, or ``"the
    mapping"``'s defaults)."""
    list_name: str = ""
    """The ledger's name in the match keys (given, the mapping's, else the ledger's own: see
    :func:`~rectify.adapters.spreadsheets.mapping.default_list_name`)."""
    unread: list[tuple[str, int]] = field(default_factory=list)
    """Columns not read, that hold something: (the header, or ``column F`` for a blank one; how
    many cells are not blank). Neither ours nor mapped to ours: name them in a mapping's
    ``[columns]`` to read them."""
    aliases: list[tuple[str, str]] = field(default_factory=list)
    """Headers read as ours by a known alias, without a mapping: (their header, ours), such as
    (完成時限, 整改時限); see :data:`~rectify.adapters.spreadsheets.mapping.HEADER_ALIASES`."""

    def summary(self) -> str:
        """The result in one line, as the CLI prints it: how many problems were (or, in a dry
        run, would be) recorded, updated with how many events, skipped, given defaults."""
        verb = "would record" if self.dry_run else "recorded"
        skipped = f"; {len(self.skipped)} row(s) skipped" if self.skipped else ""
        if self.defaulted:
            skipped += f"; {len(self.defaulted)} blank cell(s) given (see defaulted)"
        if self.unread:
            skipped += f"; {len(self.unread)} column(s) not read (see unread)"
        changed = sum(u.events for u in self.updates)
        return (
            f"{len(self.new)} new ({verb} {self.events - changed} events), "
            f"{len(self.unchanged)} unchanged, {len(self.updates)} updated ({verb} {changed} "
            f"events for {sum(len(u.changes) for u in self.updates)} changes){skipped}"
        )


@dataclass
class ImportPlan:
    """What an import records: the new issues with their events, and the branches they are
    linked to (each with its new events), to be saved together; and the result to report."""

    result: ImportResult
    issues: list[Issue]
    branches: list[Branch]
    updated: list[Issue] = field(default_factory=list)
    """The recorded issues the rows update, each with its new events."""

    @property
    def aggregates(self) -> list[Issue | Branch]:
        """Every aggregate the import saves, in the order saved: the new issues, the recorded
        issues the rows update, then the branches they are linked to."""
        return [*self.issues, *self.updated, *self.branches]


def plan_import(
    path: Path,
    *,
    actor: Actor,
    lookup: Lookup,
    today: date,
    list_name: str | None = None,
    key_column: str = "序號",
    mapping: Path | None = None,
    units: set[str] | None = None,
    dry_run: bool = False,
    sheet: str | None = None,
    found_on: date | None = None,
    on: date | None = None,
    changed_since: Changed | None = None,
) -> ImportPlan:
    """Read and check the ledger at ``path``; the events it would record as ``actor``, or
            :class:`ImportRejected` listing every problem. ``lookup`` reads what the store holds under
            an id (an issue, a branch, a list). Records nothing. ``sheet`` names the sheet of a workbook
        to read (else the one named 臺賬, else the first; ``"*"``: every visible sheet with the
    first ledger sheet's header, each row numbered and keyed by its sheet and 序號, see
    :func:`~rectify.adapters.spreadsheets.reading.read_table`); ``found_on`` the date rows
    without 發現日期 were found on (each such row is listed in ``result.defaulted``; without it the column is
    required). A row whose problem is recorded and that reads differently is an update
    (:mod:`~rectify.adapters.spreadsheets.updating`): its changes are recorded as the commands
    the workflow has for them, those the row does not date on ``on`` (default ``today``).

            ``actor`` is who imports, named by the caller (a VERIFIER of a unit whose problems are not
            in the ledger, typically the committee's): it records each problem as found and assigns it,
            and records the verifications, close-outs and withdrawals the rows attest, so it may not
            belong to the unit of a problem the file says was verified, closed out or withdrawn (see
            :mod:`~rectify.adapters.spreadsheets.building`).

    Without a mapping renaming headers, a header that is a known alias of one of ours (完成時限,
    问题描述 …) is read as it, when no other header is (``result.aliases``). Two columns read as
    one of ours refuse the file; a column read as none that holds something is listed in
    ``result.unread``. ``changed_since`` gives the ids of what has events recorded after a log
    position: a row of an export that would change a problem the store changed since is refused
    (:func:`~rectify.adapters.spreadsheets.updating.staleness`)."""
    if not isinstance(actor, Actor):
        raise InvalidCommand(
            "actor", "name who imports: actor=Actor(id, name, unit, [Role.VERIFIER])"
        )
    actor = Actor.checked(actor)
    config = load_mapping(mapping)
    columns: dict[str, str] = dict(config.columns)
    known_units = (
        units if units is not None else (set(config.units) if config.units is not None else None)
    )
    ours = frozenset({*HEADERS, *REIMPORT_HEADERS, key_column})
    aliasing = not columns  # no mapping renames headers: the known aliases are read
    known = frozenset({*HEADERS, *columns, key_column, *(HEADER_ALIASES if aliasing else ())})
    defaulted: Defaulted = []
    table = read_table(path, sheet=sheet or config.sheet, known=known, header_row=config.header_row)
    aliases: list[tuple[str, str]] = []
    if aliasing:
        for i, mapped in ours_of(table.headers, ours, HEADER_ALIASES)[0].items():
            header = table.headers[i]
            if header != mapped:
                columns[header] = mapped
                aliases.append((header, mapped))
    read_as_ours = {columns.get(h, h) for h in table.headers} & ours
    if config.header_row is None and len(read_as_ours) < 2:
        problem = (
            "no header row found: none of the first rows holds two of our headers (序號, 問題描述, "
            "問題來源, 責任單位 …) or their known aliases; write a mapping naming your headers "
            "and the header row (rectify import FILE --write-mapping MAPPING.toml starts one)"
        )
        if path.suffix.lower() == ".csv":  # a Big5 file read as GB18030 has no header we know
            problem += (
                "; if its text reads garbled, the file is in another encoding: UTF-8 and "
                "GB18030/GBK are read, so save it as CSV UTF-8"
            )
        raise LedgerRejected(path.name, [RowError(0, "header_row", problem)], ImportResult())
    name = list_name or config.list_name or default_list_name(table, path)
    defaults = config.default_dates()
    if found_on is not None:  # the option is the later word
        defaults.pop("發現日期", None)
    errors = [*table.problems, *doubled(table.headers, columns, table.header_row)]
    found_on_from_store(table.headers, table.rows, columns, lookup)  # a clerk's CSV export
    parsed, row_errors = parse_rows(
        table.headers, table.rows, list_name=name, key_column=key_column, columns=columns,
        units=known_units, today=today, header_row=table.header_row, found_on=found_on,
        defaulted=defaulted, translations=config.values, defaults=defaults,
    )  # fmt: skip
    errors += row_errors
    result = ImportResult(
        dry_run=dry_run, skipped=table.skipped, defaulted=defaulted, list_name=name,
        unread=unread(table.headers, table.rows, columns, ours), aliases=aliases,
    )  # fmt: skip
    legacy = None if list_name or config.list_name or name == path.stem else path.stem
    fresh: list[Issue] = []
    updated: list[Issue] = []
    linked: dict[UUID, object | None] = {}  # branches and lists rows name, each loaded once

    def cached(ident: UUID) -> object | None:
        if ident not in linked:
            linked[ident] = lookup(ident)
        return linked[ident]

    for row in parsed:
        current = lookup(row.issue_id)
        if current is None and legacy is not None and text_in(row.cells, "問題編號") is None:
            row.issue_id, current = _legacy(row.issue_id, f"{legacy}#{row.key}", lookup)
        if current is not None and not isinstance(current, Issue):
            errors.append(
                RowError(
                    row.number,
                    "問題編號",
                    f"{row.issue_id} is the id of {_kind(current)}, not an issue",
                )
            )
            continue
        try:
            built = build_issue(
                row, actor, cached, undated_on=on or today,
                defaulted=defaulted if current is None else [],  # an update says its dates
            )  # fmt: skip
            if current is None and built.branch_id is not None:
                branch = cached(built.branch_id)
                assert isinstance(branch, Branch)
                with _step("黨支部"):
                    branch.link_issue(actor=actor, on=built.found_on, issue_id=built.id)
        except InvalidCommand as e:
            found = {RowError(row.number, p["field"], p["message"]): None for p in e.errors}
            errors += found  # each problem once (a title is checked for two commands, say)
            continue
        except RectifyError as e:
            errors.append(RowError(row.number, "-", str(e)))
            continue
        if current is not None:
            try:
                stale, exported = staleness(row, current, changed_since)
            except ValueError as e:
                errors.append(RowError(row.number, str(e), "is not what an export writes there"))
                continue
            workflow = text_in(row.cells, WORKFLOW_COLUMN.header)
            if workflow is not None and workflow != current.workflow:
                said = f"stored {current.workflow}, the file {workflow}: no command changes it"
                errors.append(RowError(row.number, WORKFLOW_COLUMN.header, said))
                continue
            update, refused = plan_update(
                row, current, built, actor=actor, on=on or today, stale=stale, exported=exported
            )
            errors += refused
            if update is not None:
                result.updates.append(update)
                result.events += update.events
                updated.append(current)
            elif not refused:
                result.unchanged.append((row.number, row.issue_id, row.key))
            continue
        result.new.append((row.number, row.issue_id, row.key))
        result.events += len(built.pending_events)
        fresh.append(built)
    if errors:
        raise LedgerRejected(path.name, sorted(errors, key=lambda e: (e.row, e.column)), result)
    branches = [b for b in linked.values() if isinstance(b, Branch) and b.pending_events]
    return ImportPlan(result, fresh, branches, updated)


def _legacy(issue_id: UUID, key: str, lookup: Lookup) -> tuple[UUID, object | None]:
    """A row whose problem the store does not hold under ``issue_id`` (keyed by the ledger's own
    name) may have been imported under ``key`` (the file's name and 序號, as imports before 0.3
    keyed rows): the id it has there and the issue, when the store holds one, so a ledger
    imported before is matched again rather than imported twice; else ``issue_id`` and None."""
    legacy_id = uuid5(IMPORT_NAMESPACE, key)
    found = lookup(legacy_id)
    return (legacy_id, found) if isinstance(found, Issue) else (issue_id, None)
