"""Bring a legacy ledger (臺賬, Excel or CSV) in as back-dated events, all or nothing.

Every row is read and checked before anything is recorded; one bad row and nothing is recorded,
and :class:`ImportRejected` lists each bad row, column and reason. A good file becomes, per row, the
events its columns attest — found, assigned, progress, rectified, verified, closed out or
withdrawn, on the dates the row gives — saved in one transaction.

Each row is matched by its key: the ledger's name and the row's 序號 (or a stated key column), or
the 問題編號 an exported ledger carries. Importing the same file again records nothing new; a row
whose issue exists but reads differently is reported, never rewritten (history is not edited).
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import RecordConflictError

from rectify.domain.issue import Issue
from rectify.domain.values import Actor, Mode, Role, Severity, Source, Status
from rectify.errors import ConcurrencyConflict, InvalidCommand, RectifyError
from rectify.io.tabular import FOOTER_PREFIX, HEADERS, MEASURE_SEPARATOR

if TYPE_CHECKING:
    from rectify.application import RectificationApp

IMPORT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:import")
IMPORTER_UNIT = "臺賬導入"
IMPORTER = Actor("ledger-import", "臺賬導入", IMPORTER_UNIT, [Role.ADMIN])
"""Who records an import (the rectification itself is recorded for the responsible unit)."""

REQUIRED = ("問題描述", "問題來源", "責任單位", "發現日期")
DONE = {Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT}


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (row numbers as the spreadsheet shows them; 1 is the header)."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportRejected(InvalidCommand):
    """The file has bad rows; nothing was recorded. ``rows`` lists every problem found."""

    def __init__(self, source: str, rows: list[RowError]) -> None:
        self.rows = rows
        shown = "; ".join(str(r) for r in rows[:10])
        more = f" (and {len(rows) - 10} more)" if len(rows) > 10 else ""
        super().__init__(
            "file",
            f"{source}: {len(rows)} problem(s), nothing recorded: {shown}{more}",
            [{"field": f"row {r.row} {r.column}", "message": r.reason} for r in rows],
        )


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    new: list[tuple[int, UUID, str]] = field(default_factory=list)
    unchanged: list[tuple[int, UUID, str]] = field(default_factory=list)
    differs: list[tuple[int, UUID, str, list[str]]] = field(default_factory=list)
    events: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would record" if self.dry_run else "recorded"
        return (
            f"{len(self.new)} new ({verb} {self.events} events), {len(self.unchanged)} unchanged, "
            f"{len(self.differs)} differ from the store (left as recorded)"
        )


# ---------------------------------------------------------------- reading the sheet


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]], list[RowError]]:
    """Headers, the data rows with their row numbers, and structural problems (merged cells)."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            table: list[list[Any]] = [list(r) for r in csv.reader(f)]
        problems: list[RowError] = []
    else:
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, data_only=True)
        except Exception as e:
            raise ImportRejected(
                path.name, [RowError(0, "-", f"not a readable workbook: {e}")]
            ) from e
        sheet = book["臺賬"] if "臺賬" in book.sheetnames else book.worksheets[0]
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
        problems = [
            RowError(rng.min_row, str(rng), "merged cells: unmerge them so each row stands alone")
            for rng in sheet.merged_cells.ranges
        ]
    while table and all(_blank(v) for v in table[-1]):
        table.pop()
    if not table:
        raise ImportRejected(path.name, [RowError(1, "-", "the sheet is empty")])
    headers = ["" if v is None else str(v).strip() for v in table[0]]
    rows: list[tuple[int, list[Any]]] = []
    for n, values in enumerate(table[1:], start=2):
        if values and isinstance(values[0], str) and values[0].startswith(FOOTER_PREFIX):
            break
        if all(_blank(v) for v in values):
            continue
        rows.append((n, values))
    return headers, rows, problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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
    unknown = set(raw.get("columns", {}).values()) - set(HEADERS)
    if unknown:
        raise InvalidCommand("mapping", f"maps to unknown columns {sorted(unknown)}")
    return raw


# ---------------------------------------------------------------- one row


@dataclass
class Row:
    """One ledger row, read and checked."""

    number: int
    key: str
    issue_id: UUID
    cells: dict[str, Any]
    title: str = ""
    source: Source = Source.ASSESSMENT
    unit: str = ""
    responsible_unit: str = ""
    found_on: date = date.min
    status: Status | None = None
    mode: Mode | None = None
    severity: Severity = Severity.NORMAL


def _day(cells: dict[str, Any], column: str) -> date | None:
    """The cell as a date (None when blank); raises ValueError when it is not one."""
    value = cells.get(column)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip().replace("/", "-"))


def _text(cells: dict[str, Any], column: str) -> str | None:
    """The cell as stripped text (None when blank; 3.0 read as 3)."""
    value = cells.get(column)
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Reader:
    def __init__(self, number: int, cells: dict[str, Any], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.number, column, reason))

    def text(self, column: str, *, required: bool = False) -> str | None:
        found = _text(self.cells, column)
        if found is None and required:
            self.fail(column, "is empty")
        return found

    def day(self, column: str, *, required: bool = False, today: date | None = None) -> date | None:
        try:
            found = _day(self.cells, column)
        except ValueError:
            self.fail(column, f"{self.cells.get(column)!r} is not a date (YYYY-MM-DD)")
            return None
        if found is None:
            if required:
                self.fail(column, "is empty")
        elif today is not None and found > today:
            self.fail(column, f"{found} is in the future")
        return found

    def enum(self, column: str, kind: Any, *, required: bool = False) -> Any:
        text = self.text(column, required=required)
        if text is None:
            return None
        try:
            return kind(text)
        except ValueError:
            choices = "、".join(m.label for m in kind)
            self.fail(column, f"{text!r} is not one of {choices}")
            return None


def parse_rows(
    headers: list[str],
    rows: list[tuple[int, list[Any]]],
    *,
    list_name: str,
    key_column: str,
    columns: dict[str, str],
    units: set[str] | None,
    today: date,
) -> tuple[list[Row], list[RowError]]:
    """Check every row; return the good ones and every problem found."""
    errors: list[RowError] = []
    named = [columns.get(h, h) for h in headers]
    for needed in (*REQUIRED, key_column):
        if needed not in named:
            errors.append(RowError(1, needed, "column is missing"))
    if errors:
        return [], errors
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    for number, values in rows:
        cells = {
            name: values[i] if i < len(values) else None for i, name in enumerate(named) if name
        }
        r = _Reader(number, cells, errors)
        before = len(errors)
        key = r.text(key_column, required=True) or ""
        if key and key in seen:
            r.fail(key_column, f"{key!r} repeats row {seen[key]}")
        seen.setdefault(key, number)
        given_id = r.text("問題編號")
        issue_id = uuid5(IMPORT_NAMESPACE, f"{list_name}#{key}")
        if given_id:
            try:
                issue_id = UUID(given_id)
            except ValueError:
                r.fail("問題編號", f"{given_id!r} is not an issue id")
        row = Row(number, key, issue_id, cells)
        row.title = r.text("問題描述", required=True) or ""
        row.source = r.enum("問題來源", Source, required=True) or Source.ASSESSMENT
        row.responsible_unit = r.text("責任單位", required=True) or ""
        own_unit = r.text("所屬單位")
        row.unit = own_unit or row.responsible_unit
        for unit_column, unit in (("責任單位", row.responsible_unit), ("所屬單位", own_unit)):
            if units is not None and unit and unit not in units:
                r.fail(unit_column, f"unknown unit {unit!r}")
        row.found_on = r.day("發現日期", required=True, today=today) or date.min
        row.status = r.enum("狀態", Status)
        row.mode = r.enum("整改類型", Mode)
        row.severity = r.enum("嚴重程度", Severity) or Severity.NORMAL
        for column in ("整改時限", "交辦日期", "整改日期", "驗收日期", "銷號日期", "撤銷日期"):
            r.day(column, today=None if column == "整改時限" else today)
        closed = r.text("是否銷號")
        if closed not in (None, "是", "否"):
            r.fail("是否銷號", f"{closed!r}: write 是 or 否")
        if len(errors) == before:
            parsed.append(row)
    return parsed, errors


def _numbers(cells: dict[str, Any], column: str) -> list[int]:
    """Measure numbers written ``1,2,5`` (none when blank)."""
    text = _text(cells, column)
    if text is None:
        return []
    try:
        return [int(n) for n in text.replace("，", ",").split(",") if n.strip()]
    except ValueError:
        raise InvalidCommand(
            column, f"{text!r}: write the numbers of the measures done, 1,2"
        ) from None


def _known_id(cells: dict[str, Any], column: str, known: Callable[[UUID], bool]) -> UUID | None:
    text = _text(cells, column)
    if text is None:
        return None
    try:
        ident = UUID(text)
    except ValueError:
        raise InvalidCommand(column, f"{text!r} is not an id") from None
    return ident if known(ident) else None


def build_issue(row: Row, actor: Actor, known: Callable[[UUID], bool] = lambda _: False) -> Issue:
    """The issue a checked row attests, through the domain's own checked commands.

    Its problem list (所屬清單, 共性問題) and branch (黨支部) are kept when ``known`` says the
    store holds them; a ledger read into another store keeps its problems without those links."""
    c = row.cells
    list_id = _known_id(c, "所屬清單", known)
    branch_id = _known_id(c, "黨支部", known)
    deadline = _day(c, "整改時限")
    person = _text(c, "責任人")
    # A deadline with nobody named is a problem sent out with a deadline (a list's), not assigned.
    issue = Issue.record(
        actor=actor,
        on=row.found_on,
        title=row.title,
        unit=row.unit,
        source=row.source,
        description=_text(c, "問題描述詳情") or "",
        category=_text(c, "問題類別"),
        severity=row.severity,
        remarks=_text(c, "備註") or "",
        issue_id=row.issue_id,
        command_id=f"import:{row.issue_id}",
        deadline=deadline if person is None else None,
        list_id=list_id,
        common_problem=_text(c, "共性問題") if list_id is not None else None,
        branch_id=branch_id,
    )
    responsible = Actor(
        f"import:{row.responsible_unit}", "臺賬導入", row.responsible_unit, [Role.RESPONSIBLE]
    )
    status = row.status
    if _text(c, "是否銷號") == "是" or _day(c, "銷號日期") is not None:
        status = Status.CLOSED_OUT
    when = row.found_on
    if deadline is not None and person is not None:
        when = _day(c, "交辦日期") or when
        measures = tuple(
            m.strip() for m in (_text(c, "整改措施") or "").split(MEASURE_SEPARATOR) if m.strip()
        )
        issue.assign(
            actor=actor,
            on=when,
            unit=row.responsible_unit,
            person=person,
            deadline=deadline,
            measures=measures,
        )
    for number in _numbers(c, "已完成措施"):
        if number not in issue.measures_done:
            issue.complete_measure(actor=responsible, on=when, measure=number)
    progress = _text(c, "整改進展")
    if progress is not None:
        issue.report_progress(actor=responsible, on=when, text=progress)
    if status in DONE:
        done_on = _day(c, "整改日期") or _day(c, "驗收日期") or _day(c, "銷號日期")
        if done_on is None:
            raise InvalidCommand(
                "整改日期", f"a {status.label} problem needs the date it was rectified"
            )
        mode = row.mode or (Mode.WITHIN_DEADLINE if deadline is not None else Mode.ON_THE_SPOT)
        summary = progress or "臺賬導入"
        if mode is Mode.WITHIN_DEADLINE:  # submitted within the deadline: its measures were done
            for number in issue.open_measures():
                issue.complete_measure(actor=responsible, on=done_on, measure=number)
        if mode is Mode.WITHIN_DEADLINE:
            if deadline is None:
                raise InvalidCommand("整改時限", "限期整改 needs a deadline")
            issue.submit_rectification(actor=responsible, on=done_on, summary=summary)
        elif mode is Mode.CENTRAL:
            campaign = _text(c, "集中治理專項") or "集中治理"
            issue.treat_centrally(actor=responsible, on=done_on, campaign=campaign, summary=summary)
        else:
            issue.rectify_on_the_spot(actor=responsible, on=done_on, summary=summary)
        if status in (Status.VERIFIED, Status.CLOSED_OUT):
            issue.verify(actor=actor, on=_day(c, "驗收日期") or _day(c, "銷號日期") or done_on)
        if status is Status.CLOSED_OUT:
            closed_on = _day(c, "銷號日期")
            if closed_on is None:
                raise InvalidCommand("銷號日期", "a closed-out problem needs its close-out date")
            issue.close_out(actor=actor, on=closed_on)
    elif status is Status.WITHDRAWN:
        withdrawn_on = _day(c, "撤銷日期")
        if withdrawn_on is None:
            raise InvalidCommand("撤銷日期", "a withdrawn problem needs the date")
        issue.withdraw(actor=actor, on=withdrawn_on, reason=_text(c, "備註") or "臺賬導入:已撤銷")
    elif status is Status.ASSIGNED and deadline is None:
        raise InvalidCommand("整改時限", "an assigned problem needs its deadline")
    return issue


def _differences(app: RectificationApp, row: Row, built: Issue) -> list[str]:
    current: object = app.repository.get(row.issue_id)
    wanted = ("title", "status", "mode", "deadline", "responsible_unit", "closed_out_on")
    return [name for name in wanted if getattr(current, name) != getattr(built, name)]


def import_ledger(
    app: RectificationApp,
    path: Path,
    *,
    list_name: str | None = None,
    key_column: str = "序號",
    mapping: Path | None = None,
    units: set[str] | None = None,
    dry_run: bool = False,
    actor: Actor = IMPORTER,
) -> ImportResult:
    """Import the ledger at ``path`` into ``app``: all rows or none. See the module docstring."""
    config = load_mapping(mapping)
    columns: dict[str, str] = dict(config.get("columns", {}))
    known_units = (
        units if units is not None else (set(config["units"]) if "units" in config else None)
    )
    name = list_name or path.stem
    headers, rows, errors = read_table(path)
    parsed, row_errors = parse_rows(
        headers, rows, list_name=name, key_column=key_column, columns=columns,
        units=known_units, today=app.today(),
    )  # fmt: skip
    errors += row_errors
    result = ImportResult(dry_run=dry_run)
    fresh: list[Issue] = []
    for row in parsed:
        try:
            built = build_issue(row, actor, app.is_recorded)
        except InvalidCommand as e:
            errors.append(RowError(row.number, e.field, e.message))
            continue
        except RectifyError as e:
            errors.append(RowError(row.number, "-", str(e)))
            continue
        if app.has_issue(row.issue_id):
            differs = _differences(app, row, built)
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
    branches: dict[UUID, Any] = {}
    for issue in fresh:
        if issue.branch_id is not None:
            branch = branches.get(issue.branch_id) or app.get_branch_aggregate(issue.branch_id)
            branches[issue.branch_id] = branch
            branch.link_issue(
                actor=actor, on=max(issue.found_on, branch.last_on), issue_id=issue.id
            )
    if not dry_run and fresh:
        try:
            app.save(*fresh, *branches.values())
        except RecordConflictError:
            raise ConcurrencyConflict(path.name) from None
    return result
