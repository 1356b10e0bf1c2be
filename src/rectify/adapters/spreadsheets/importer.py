"""Planning the import of a whole ledger (臺賬, Excel or CSV): all rows or none.

Every row is read and checked before anything is recorded; one bad row and nothing is recorded,
and :class:`ImportRejected` lists each bad row, column and reason. A good file becomes, per row, the
events its columns attest — found, assigned, progress, rectified, verified, closed out or
withdrawn, on the dates the row gives — which the application saves in one transaction
(:meth:`~rectify.application.RectificationApp.import_ledger`; this module records nothing).

Each row is matched by its key: the ledger's name and the row's 序號 (or a stated key column), or
the 問題編號 an exported ledger carries. Importing the same file again records nothing new; a row
whose issue exists but reads differently is reported, never rewritten (history is not edited).
Reading is :mod:`~rectify.adapters.spreadsheets.reading`, a row's events
:mod:`~rectify.adapters.spreadsheets.building`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from rectify.domain.branch import Branch
from rectify.domain.issue import Issue
from rectify.domain.values import (
    Actor,
)
from rectify.errors import InvalidCommand, RectifyError

if TYPE_CHECKING:
    pass

from rectify.adapters.spreadsheets.building import (
    Defaulted,
    Lookup,
    _differences,
    _kind,
    _step,
    build_issue,
)
from rectify.adapters.spreadsheets.reading import (
    ImportRejected,
    RowError,
    parse_rows,
    read_table,
)
from rectify.adapters.spreadsheets.tabular import HEADERS


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    new: list[tuple[int, UUID, str]] = field(default_factory=list)
    unchanged: list[tuple[int, UUID, str]] = field(default_factory=list)
    differs: list[tuple[int, UUID, str, list[str]]] = field(default_factory=list)
    events: int = 0
    dry_run: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """Rows read as no problem (titles above the header, blank rows, notes under the table),
    each with its row number and why."""
    defaulted: list[tuple[int, str, date, str]] = field(default_factory=list)
    """Dates left blank that the import gave: (row, column, the date, where it came from: the
    ``found_on`` option, another of the row's dates, or the date of the import)."""

    def summary(self) -> str:
        verb = "would record" if self.dry_run else "recorded"
        skipped = f"; {len(self.skipped)} row(s) skipped" if self.skipped else ""
        if self.defaulted:
            skipped += f"; {len(self.defaulted)} blank date(s) given (see defaulted)"
        return (
            f"{len(self.new)} new ({verb} {self.events} events), {len(self.unchanged)} unchanged, "
            f"{len(self.differs)} differ from the store (left as recorded){skipped}"
        )


def load_mapping(path: Path | None) -> dict[str, Any]:
    """A column mapping file (JSON or TOML): ``{"columns": {"their header": "our header"},
    "units": [...optional list of known units...]}``; a flat mapping is taken as ``columns``."""
    if path is None:
        return {}
    try:
        raw = (
            tomllib.loads(path.read_text(encoding="utf-8"))
            if path.suffix.lower() == ".toml"
            else json.loads(path.read_text(encoding="utf-8"))
        )
    except (OSError, ValueError) as e:
        raise InvalidCommand("mapping", f"{path}: {e}") from e
    if not isinstance(raw, dict):
        raise InvalidCommand("mapping", f"{path}: expected a table of columns")
    if "columns" not in raw and "units" not in raw:
        raw = {"columns": raw}
    columns = raw.get("columns", {})
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        msg = f"{path}: columns maps each of your headers to one of ours, text to text"
        raise InvalidCommand("mapping", msg)
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise InvalidCommand("mapping", f"{path}: units is a list of units' names")
    unknown = set(columns.values()) - set(HEADERS)
    if unknown:
        raise InvalidCommand("mapping", f"maps to unknown columns {sorted(unknown)}")
    return raw


@dataclass
class ImportPlan:
    """What an import records: the new issues with their events, and the branches they are
    linked to (each with its new events), to be saved together; and the result to report."""

    result: ImportResult
    issues: list[Issue]
    branches: list[Branch]

    @property
    def aggregates(self) -> list[Issue | Branch]:
        return [*self.issues, *self.branches]


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
) -> ImportPlan:
    """Read and check the ledger at ``path``; the events it would record as ``actor``, or
            :class:`ImportRejected` listing every problem. ``lookup`` reads what the store holds under
            an id (an issue, a branch, a list). Records nothing. ``sheet`` names the sheet of a workbook
        to read (else the one named 臺賬, else the first); ``found_on`` the date rows without 發現日期
    were found on (each such row is listed in ``result.defaulted``; without it the column is
    required).

            ``actor`` is who imports, named by the caller (a VERIFIER of a unit whose problems are not
            in the ledger, typically the committee's): it records each problem as found and assigns it,
            and records the verifications, close-outs and withdrawals the rows attest, so it may not
            belong to the unit of a problem the file says was verified, closed out or withdrawn (see
            :mod:`~rectify.adapters.spreadsheets.building`)."""
    if not isinstance(actor, Actor):
        raise InvalidCommand(
            "actor", "name who imports: actor=Actor(id, name, unit, [Role.VERIFIER])"
        )
    actor = Actor.checked(actor)
    config = load_mapping(mapping)
    columns: dict[str, str] = dict(config.get("columns", {}))
    known_units = (
        units if units is not None else (set(config["units"]) if "units" in config else None)
    )
    name = list_name or path.stem
    known = frozenset({*HEADERS, *columns, key_column})
    defaulted: Defaulted = []
    table = read_table(path, sheet=sheet, known=known)
    errors = list(table.problems)
    parsed, row_errors = parse_rows(
        table.headers, table.rows, list_name=name, key_column=key_column, columns=columns,
        units=known_units, today=today, header_row=table.header_row, found_on=found_on,
        defaulted=defaulted,
    )  # fmt: skip
    errors += row_errors
    result = ImportResult(dry_run=dry_run, skipped=table.skipped, defaulted=defaulted)
    fresh: list[Issue] = []
    linked: dict[UUID, object | None] = {}  # branches and lists rows name, each loaded once

    def cached(ident: UUID) -> object | None:
        if ident not in linked:
            linked[ident] = lookup(ident)
        return linked[ident]

    for row in parsed:
        current = lookup(row.issue_id)
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
            built = build_issue(row, actor, cached, undated_on=today, defaulted=defaulted)
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
            differs = _differences(current, built)
            if differs:
                result.differs.append((row.number, row.issue_id, row.key, differs))
            else:
                result.unchanged.append((row.number, row.issue_id, row.key))
            continue
        result.new.append((row.number, row.issue_id, row.key))
        result.events += len(built.pending_events)
        fresh.append(built)
    if errors:
        raise ImportRejected(path.name, sorted(errors, key=lambda e: (e.row, e.column)))
    branches = [b for b in linked.values() if isinstance(b, Branch) and b.pending_events]
    return ImportPlan(result, fresh, branches)
