"""Bring a legacy ledger (臺賬, Excel or CSV) in as back-dated events, all or nothing.

Every row is read and checked before anything is recorded; one bad row and nothing is recorded,
and :class:`ImportRejected` lists each bad row, column and reason. A good file becomes, per row, the
events its columns attest — found, assigned, progress, rectified, verified, closed out or
withdrawn, on the dates the row gives — saved in one transaction.

Each row is matched by its key: the ledger's name and the row's 序號 (or a stated key column), or
the 問題編號 an exported ledger carries. Importing the same file again records nothing new; a row
whose issue exists but reads differently is reported, never rewritten (history is not edited).

What a row may hold is what the API accepts: every value goes through the command model the API
validates with (:class:`~rectify.domain.commands.RecordIssue`, ``Assign``, ...), so the same
length limits and the same refusal of text no store or spreadsheet can hold (NUL, the other C0
controls but tab, newline and carriage return, lone surrogates) apply, reported by row and
column. Every cell of the sheet is checked for such characters, and none may be longer than
:data:`MAX_CELL` characters. A CSV file is read as UTF-8 (with or without a byte-order mark), else
as GB18030 (which covers GBK, what a Chinese Excel saves); an Excel cell's ``_xHHHH_`` escapes are
read as the characters Excel writes them for.

Who records an import is named by the caller (``actor=``): the importing actor records each
problem as found, assigns it, and records the verification, close-out or withdrawal a row attests.
Separation of duties binds that actor as it binds anyone deciding on a unit's work: a row that
attests a verification, close-out or withdrawal is refused when the importing actor belongs to the
problem's unit or its responsible unit (units compared by :func:`~rectify.domain.values.same_unit`).
The rectification itself (and the measures done, the progress noted) is recorded for the
responsible unit the row names, by an actor ``import:<unit>`` named 臺賬導入: the ledger attests
it, no person of that unit is known.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError
from pydantic import ValidationError

from rectify.adapters.spreadsheets.tabular import FOOTER_PREFIX, HEADERS, MEASURE_SEPARATOR
from rectify.domain.branch import Branch
from rectify.domain.commands import (
    Assign,
    Command,
    RecordIssue,
    RectifyOnTheSpot,
    ReportProgress,
    SubmitRectification,
    TreatCentrally,
    Withdraw,
)
from rectify.domain.issue import Issue
from rectify.domain.lists import ProblemList
from rectify.domain.values import (
    MAX_NAME,
    MAX_TEXT,
    Actor,
    Mode,
    Role,
    Severity,
    Source,
    Status,
    same_unit,
    unholdable,
    unit_key,
)
from rectify.errors import ConcurrencyConflict, InvalidCommand, RectifyError

if TYPE_CHECKING:
    from rectify.application import RectificationApp

IMPORT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:import")
RECTIFIER_NAME = "臺賬導入"
"""The name of the actor a rectification attested by a row is recorded by (for its unit)."""

REQUIRED = ("問題描述", "問題來源", "責任單位", "發現日期")
DONE = {Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT}
DECIDED = {Status.VERIFIED, Status.CLOSED_OUT, Status.WITHDRAWN}
"""What a row may attest that someone decided on the unit's work (separation of duties)."""

MAX_CELL = MAX_TEXT
"""The most characters any cell may hold (the API's longest free text)."""
MAX_MEASURES_CELL = 50 * MAX_TEXT
"""The most characters the measures cell (整改措施, one measure a line) may hold."""
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
"""How a CSV file is read: UTF-8 (a byte-order mark is dropped), else GB18030 (GBK's superset)."""
_CSV_FIELD_LIMIT = 2**31 - 1
"""The csv module's field size limit while a file is read (its default, 131,072, would stop a
long cell with an untyped error; the cell is refused by row and column instead)."""


@dataclass(frozen=True)
class RowError:
    """One problem with one cell (row numbers as the spreadsheet shows them; 1 is the header;
    0 is the file as a whole)."""

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
        table = _read_csv(path)
        problems: list[RowError] = []
    else:
        from openpyxl import load_workbook
        from openpyxl.utils.escape import unescape

        try:
            book = load_workbook(path, data_only=True)
        except Exception as e:
            raise ImportRejected(
                path.name, [RowError(0, "-", f"not a readable workbook: {e}")]
            ) from e
        sheet = book["臺賬"] if "臺賬" in book.sheetnames else book.worksheets[0]
        # Excel writes what XML cannot carry as _xHHHH_ (a pasted vertical tab is _x000B_);
        # read a cell as Excel shows it, so such characters are seen (and refused).
        table = [
            [unescape(v) if isinstance(v, str) and "_x" in v else v for v in r]
            for r in sheet.iter_rows(values_only=True)
        ]
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


def decode_csv(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (with or without a byte-order mark), else GB18030; neither
    raises :class:`ImportRejected` naming the file. A file that starts with UTF-8's byte-order
    mark is UTF-8 or nothing (never read as GB18030 garbage)."""
    first: UnicodeDecodeError | None = None
    encodings = CSV_ENCODINGS[:1] if data.startswith(codecs.BOM_UTF8) else CSV_ENCODINGS
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as e:
            first = first or e
    assert first is not None
    raise ImportRejected(
        name,
        [
            RowError(
                0,
                "-",
                f"not text in UTF-8 or GB18030 (GBK): byte 0x{first.object[first.start]:02X} at "
                f"offset {first.start} is not UTF-8; save the file as CSV UTF-8",
            )
        ],
    )


def _read_csv(path: Path) -> list[list[Any]]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportRejected(path.name, [RowError(0, "-", f"cannot be read: {e}")]) from e
    text = decode_csv(data, path.name)
    limit = csv.field_size_limit()
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [list(r) for r in reader]
    except csv.Error as e:
        raise ImportRejected(
            path.name, [RowError(reader.line_num, "-", f"not readable as CSV: {e}")]
        ) from e
    finally:
        csv.field_size_limit(limit)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    """A cell's value for a message (long ones cut short)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}…"


def cell_problem(value: Any, limit: int = MAX_CELL) -> str | None:
    """Why a cell cannot be imported whatever its column (a character no store or spreadsheet can
    hold, or more than ``limit`` characters), or None."""
    if not isinstance(value, str):
        return None
    problem = unholdable(value)
    if problem is not None:
        return f"contains {problem}, which no store or spreadsheet can hold"
    if len(value) > limit:
        return f"holds {len(value):,} characters, more than the {limit:,} a cell may hold"
    return None


def _letter(index: int) -> str:
    """The spreadsheet letter of a column (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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
    own_unit: bool = False  # whether 所屬單位 named the problem's unit (else 責任單位 did)


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
    def __init__(
        self, number: int, cells: dict[str, Any], errors: list[RowError], refused: set[str]
    ) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.refused = refused  # columns already reported (their cells read as blank)

    def fail(self, column: str, reason: str) -> None:
        if column not in self.refused:
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
            self.fail(column, f"{_shown(self.cells.get(column))} is not a date (YYYY-MM-DD)")
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
            self.fail(column, f"{_shown(text)} is not one of {choices}")
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
    """Check every row; return the good ones and every problem found.

    Every cell is checked first (:func:`cell_problem`); a refused cell is reported once, by row
    and column, and its row is not recorded."""
    errors: list[RowError] = []
    named = [columns.get(h, h) for h in headers]
    for i, header in enumerate(headers):
        problem = cell_problem(header)
        if problem is not None:
            errors.append(RowError(1, f"column {_letter(i)}", problem))
    for needed in (*REQUIRED, key_column):
        if needed not in named:
            errors.append(RowError(1, needed, "column is missing"))
    if errors:
        return [], errors
    known_units = None if units is None else {unit_key(u) for u in units}
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    for number, values in rows:
        before = len(errors)
        refused: set[str] = set()
        for i, value in enumerate(values):
            name = named[i] if i < len(named) and named[i] else f"column {_letter(i)}"
            limit = MAX_MEASURES_CELL if name == "整改措施" else MAX_CELL
            problem = cell_problem(value, limit)
            if problem is not None:
                errors.append(RowError(number, name, problem))
                refused.add(name)
        cells = {
            name: values[i] if i < len(values) and name not in refused else None
            for i, name in enumerate(named)
            if name
        }
        r = _Reader(number, cells, errors, refused)
        key = r.text(key_column, required=True) or ""
        if key and key in seen:
            r.fail(key_column, f"{_shown(key)} repeats row {seen[key]}")
        seen.setdefault(key, number)
        given_id = r.text("問題編號")
        issue_id = uuid5(IMPORT_NAMESPACE, f"{list_name}#{key}")
        if given_id:
            try:
                issue_id = UUID(given_id)
            except ValueError:
                r.fail("問題編號", f"{_shown(given_id)} is not an issue id")
        row = Row(number, key, issue_id, cells)
        row.title = r.text("問題描述", required=True) or ""
        row.source = r.enum("問題來源", Source, required=True) or Source.ASSESSMENT
        row.responsible_unit = r.text("責任單位", required=True) or ""
        own_unit = r.text("所屬單位")
        row.unit = own_unit or row.responsible_unit
        row.own_unit = own_unit is not None
        for unit_column, unit in (("責任單位", row.responsible_unit), ("所屬單位", own_unit)):
            if known_units is not None and unit and unit_key(unit) not in known_units:
                r.fail(unit_column, f"unknown unit {_shown(unit)}")
        row.found_on = r.day("發現日期", required=True, today=today) or date.min
        row.status = r.enum("狀態", Status)
        row.mode = r.enum("整改類型", Mode)
        row.severity = r.enum("嚴重程度", Severity) or Severity.NORMAL
        for column in ("整改時限", "交辦日期", "整改日期", "驗收日期", "銷號日期", "撤銷日期"):
            r.day(column, today=None if column == "整改時限" else today)
        closed = r.text("是否銷號")
        if closed not in (None, "是", "否"):
            r.fail("是否銷號", f"{_shown(closed)}: write 是 or 否")
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
            column, f"{_shown(text)}: write the numbers of the measures done, 1,2"
        ) from None


Lookup = Callable[[UUID], object | None]
"""What the store holds under an id (an Issue, a Branch, a ProblemList, ...), or None."""


def _nothing(_: UUID) -> object | None:
    return None


_KINDS = {
    "Issue": "an issue",
    "Branch": "a branch",
    "ProblemList": "a problem list",
    "Checklist": "a checklist",
    "InspectionRound": "an inspection round",
}


def _kind(found: object) -> str:
    """What a stored aggregate is, in words (``"a branch"``)."""
    return _KINDS.get(type(found).__name__, type(found).__name__)


def _known_id(cells: dict[str, Any], column: str, lookup: Lookup, kind: type) -> UUID | None:
    """The id in ``column`` when the store holds a ``kind`` under it; None when blank or when the
    store holds nothing under it; InvalidCommand when it is no id, or the id of something else."""
    text = _text(cells, column)
    if text is None:
        return None
    try:
        ident = UUID(text)
    except ValueError:
        raise InvalidCommand(column, f"{_shown(text)} is not an id") from None
    found = lookup(ident)
    if found is None:
        return None
    if not isinstance(found, kind):
        wanted = _KINDS.get(kind.__name__, kind.__name__)
        raise InvalidCommand(column, f"{ident} is the id of {_kind(found)}, not {wanted}")
    return ident


M = TypeVar("M", bound=Command)


def _valid(
    model: type[M], columns: Mapping[str, str], problems: list[dict[str, Any]], **values: Any
) -> M | None:
    """``values`` validated by the API's command ``model``; each problem is added to ``problems``
    under the column its field comes from (None when there is one)."""
    try:
        return model(**values)
    except ValidationError as e:
        for err in e.errors():
            loc = err["loc"]
            name = str(loc[0]) if loc else ""
            item = f"line {loc[1] + 1}: " if len(loc) > 1 and isinstance(loc[1], int) else ""
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append({"field": columns.get(name, name or "-"), "message": item + message})
        return None


@contextmanager
def _step(column: str, columns: Mapping[str, str] | None = None) -> Iterator[None]:
    """Report a refusal of the domain as a problem with ``column`` (or the column the refused
    field comes from)."""
    try:
        yield
    except InvalidCommand as e:
        named = e.field if e.field in HEADERS else column
        raise InvalidCommand((columns or {}).get(e.field, named), e.message) from None
    except RectifyError as e:
        raise InvalidCommand(column, str(e)) from None


def _rectifier(unit: str) -> Actor:
    """Who a rectification attested by a row is recorded by: the row's responsible unit."""
    ident = f"import:{unit}"
    if len(ident) > MAX_NAME:
        ident = f"import:{uuid5(IMPORT_NAMESPACE, unit)}"
    return Actor(ident, RECTIFIER_NAME, unit, [Role.RESPONSIBLE])


def decider_problem(actor: Actor, row: Row, rectifier: Actor) -> str | None:
    """Why ``actor`` may not record the verification, close-out or withdrawal ``row`` attests
    (separation of duties), or None."""
    for unit, what in (
        (row.unit, "the problem's unit"),
        (row.responsible_unit, "its responsible unit"),
    ):
        if same_unit(actor.unit, unit):
            return (
                f"the importing actor {actor.id!r} belongs to {what} {unit!r}: the "
                f"verification, close-out or withdrawal this row attests must be recorded by "
                f"someone of another unit"
            )
    if actor.id == rectifier.id:
        return f"the importing actor {actor.id!r} is the one who rectified the problem"
    return None


def build_issue(row: Row, actor: Actor, lookup: Lookup = _nothing) -> Issue:
    """The issue a checked row attests, through the API's command models and the domain's own
    checked commands; raises InvalidCommand naming the column (``errors`` lists each problem).

    ``actor`` records the problem as found, assigns it and records the verification, close-out
    or withdrawal the row attests (refused when ``actor`` is of the problem's unit or its
    responsible unit); the rectification is recorded for the responsible unit. Its problem list
    (所屬清單, 共性問題) and branch (黨支部) are kept when ``lookup`` finds them in the store; a
    ledger read into another store keeps its problems without those links."""
    c = row.cells
    problems: list[dict[str, Any]] = []
    list_id = branch_id = None
    for column, kind in (("所屬清單", ProblemList), ("黨支部", Branch)):
        try:
            ident = _known_id(c, column, lookup, kind)
        except InvalidCommand as e:
            problems.append({"field": e.field, "message": e.message})
            continue
        if kind is Branch:
            branch_id = ident
        else:
            list_id = ident
    deadline = _day(c, "整改時限")
    person = _text(c, "責任人")
    progress = _text(c, "整改進展")
    remarks = _text(c, "備註")
    status = row.status
    if _text(c, "是否銷號") == "是" or _day(c, "銷號日期") is not None:
        status = Status.CLOSED_OUT
    record_columns = {
        "title": "問題描述",
        "unit": "所屬單位" if row.own_unit else "責任單位",
        "source": "問題來源",
        "description": "問題描述詳情",
        "category": "問題類別",
        "severity": "嚴重程度",
        "remarks": "備註",
        "common_problem": "共性問題",
        "deadline": "整改時限",
        "list_id": "所屬清單",
        "branch_id": "黨支部",
        "on": "發現日期",
    }
    # A deadline with nobody named is a problem sent out with a deadline (a list's), not assigned.
    found = _valid(
        RecordIssue, record_columns, problems,
        actor=actor, on=row.found_on, title=row.title, unit=row.unit, source=row.source,
        description=_text(c, "問題描述詳情") or "", category=_text(c, "問題類別"),
        severity=row.severity, remarks=remarks or "", list_id=list_id,
        common_problem=_text(c, "共性問題") if list_id is not None else None,
        branch_id=branch_id, deadline=deadline if person is None else None,
    )  # fmt: skip
    assign_columns = {
        "unit": "責任單位",
        "person": "責任人",
        "deadline": "整改時限",
        "measures": "整改措施",
        "on": "交辦日期",
    }
    assigned = None
    if deadline is not None and person is not None:
        measures = tuple(
            m.strip() for m in (_text(c, "整改措施") or "").split(MEASURE_SEPARATOR) if m.strip()
        )
        assigned = _valid(
            Assign, assign_columns, problems,
            actor=actor, on=_day(c, "交辦日期") or row.found_on, unit=row.responsible_unit,
            person=person, deadline=deadline, measures=measures,
        )  # fmt: skip
    noted = None
    if progress is not None:
        noted = _valid(
            ReportProgress, {"text": "整改進展"}, problems,
            actor=actor, on=row.found_on, text=progress,
        )  # fmt: skip
    mode = row.mode or (Mode.WITHIN_DEADLINE if deadline is not None else Mode.ON_THE_SPOT)
    rectified: RectifyOnTheSpot | TreatCentrally | SubmitRectification | None = None
    rectify_columns = {"summary": "整改進展", "campaign": "集中治理專項"}
    if status in DONE:
        summary = progress or RECTIFIER_NAME
        if mode is Mode.CENTRAL:
            rectified = _valid(
                TreatCentrally, rectify_columns, problems,
                actor=actor, on=row.found_on, summary=summary,
                campaign=_text(c, "集中治理專項") or "集中治理",
            )  # fmt: skip
        else:
            model: type[SubmitRectification | RectifyOnTheSpot] = (
                SubmitRectification if mode is Mode.WITHIN_DEADLINE else RectifyOnTheSpot
            )
            rectified = _valid(
                model, rectify_columns, problems, actor=actor, on=row.found_on, summary=summary
            )
    withdrawal = None
    if status is Status.WITHDRAWN:
        withdrawal = _valid(
            Withdraw, {"reason": "備註"}, problems,
            actor=actor, on=row.found_on, reason=remarks or "臺賬導入:已撤銷",
        )  # fmt: skip
    if problems:
        first = problems[0]
        raise InvalidCommand(first["field"], first["message"], problems)
    assert found is not None  # _valid gives None only with a problem

    rectifier = _rectifier(row.responsible_unit)
    if status in DECIDED:
        refusal = decider_problem(actor, row, rectifier)
        if refusal is not None:
            raise InvalidCommand("狀態", refusal)
    with _step("發現日期", record_columns):
        issue = Issue.record(
            **found.payload(),
            actor=actor,
            on=found.on,
            issue_id=row.issue_id,
            command_id=f"import:{row.issue_id}",
        )
    when = row.found_on
    if assigned is not None:
        when = assigned.on
        with _step("交辦日期", assign_columns):
            issue.assign(actor=actor, on=when, **assigned.payload())
    with _step("已完成措施"):
        for number in _numbers(c, "已完成措施"):
            if number not in issue.measures_done:
                issue.complete_measure(actor=rectifier, on=when, measure=number)
    if noted is not None:
        with _step("整改進展"):
            issue.report_progress(actor=rectifier, on=when, text=noted.text)
    if status in DONE:
        assert rectified is not None
        done_on = _day(c, "整改日期") or _day(c, "驗收日期") or _day(c, "銷號日期")
        if done_on is None:
            raise InvalidCommand(
                "整改日期", f"a {status.label} problem needs the date it was rectified"
            )
        with _step("整改日期", rectify_columns):
            if mode is Mode.WITHIN_DEADLINE:
                # submitted within the deadline: its measures were done
                for number in issue.open_measures():
                    issue.complete_measure(actor=rectifier, on=done_on, measure=number)
                if deadline is None:
                    raise InvalidCommand("整改時限", "限期整改 needs a deadline")
                issue.submit_rectification(actor=rectifier, on=done_on, **rectified.payload())
            elif isinstance(rectified, TreatCentrally):
                issue.treat_centrally(actor=rectifier, on=done_on, **rectified.payload())
            else:
                issue.rectify_on_the_spot(actor=rectifier, on=done_on, **rectified.payload())
        if status in (Status.VERIFIED, Status.CLOSED_OUT):
            with _step("驗收日期"):
                issue.verify(actor=actor, on=_day(c, "驗收日期") or _day(c, "銷號日期") or done_on)
        if status is Status.CLOSED_OUT:
            closed_on = _day(c, "銷號日期")
            if closed_on is None:
                raise InvalidCommand("銷號日期", "a closed-out problem needs its close-out date")
            with _step("銷號日期"):
                issue.close_out(actor=actor, on=closed_on)
    elif withdrawal is not None:
        withdrawn_on = _day(c, "撤銷日期")
        if withdrawn_on is None:
            raise InvalidCommand("撤銷日期", "a withdrawn problem needs the date")
        with _step("撤銷日期"):
            issue.withdraw(actor=actor, on=withdrawn_on, reason=withdrawal.reason)
    elif status is Status.ASSIGNED and deadline is None:
        raise InvalidCommand("整改時限", "an assigned problem needs its deadline")
    return issue


def _differences(current: Issue, built: Issue) -> list[str]:
    wanted = ("title", "status", "mode", "deadline", "responsible_unit", "closed_out_on")
    return [name for name in wanted if getattr(current, name) != getattr(built, name)]


def _stored(app: RectificationApp, ident: UUID) -> object | None:
    """What the store holds under ``ident`` (an issue, a branch, ...), or None."""
    if not app.is_recorded(ident):
        return None
    try:
        found: object = app.repository.get(ident)
    except AggregateNotFoundError:
        return None
    return found


def import_ledger(
    app: RectificationApp,
    path: Path,
    *,
    actor: Actor,
    list_name: str | None = None,
    key_column: str = "序號",
    mapping: Path | None = None,
    units: set[str] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import the ledger at ``path`` into ``app`` as ``actor``: all rows or none.

    ``actor`` is who imports, named by the caller (a VERIFIER of a unit whose problems are not
    in the ledger, typically the committee's): it records each problem as found and assigns it,
    and records the verifications, close-outs and withdrawals the rows attest, so it may not
    belong to the unit of a problem the file says was verified, closed out or withdrawn. See the
    module docstring."""
    if not isinstance(actor, Actor):
        raise InvalidCommand(
            "actor", "name who imports: actor=Actor(id, name, unit, [Role.VERIFIER])"
        )
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
    linked: dict[UUID, object | None] = {}  # branches and lists rows name, each loaded once

    def lookup(ident: UUID) -> object | None:
        if ident not in linked:
            linked[ident] = _stored(app, ident)
        return linked[ident]

    for row in parsed:
        current = _stored(app, row.issue_id)
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
            built = build_issue(row, actor, lookup)
            if current is None and built.branch_id is not None:
                branch = lookup(built.branch_id)
                assert isinstance(branch, Branch)
                with _step("黨支部"):
                    branch.link_issue(
                        actor=actor, on=max(built.found_on, branch.last_on), issue_id=built.id
                    )
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
    if not dry_run and fresh:
        try:
            app.save(*fresh, *branches)
        except RecordConflictError:
            raise ConcurrencyConflict(path.name) from None
    return result
