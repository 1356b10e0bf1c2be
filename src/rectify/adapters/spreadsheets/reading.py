"""Reading a ledger file: its cells, checked, into rows with typed values.

Every cell is checked for characters no store or spreadsheet can hold and for length
(:data:`MAX_CELL`). A CSV file is UTF-8 (with or without a byte-order mark), else GB18030 (GBK's
superset, what a Chinese Excel saves); an Excel cell's ``_xHHHH_`` escapes are read as the
characters Excel writes them for. Problems are collected as :class:`RowError`s, not raised.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from rectify.adapters.spreadsheets.tabular import FOOTER_PREFIX
from rectify.domain.values import (
    MAX_TEXT,
    Mode,
    Severity,
    Source,
    Status,
    unholdable,
    unit_key,
)
from rectify.errors import InvalidCommand

if TYPE_CHECKING:
    pass

IMPORT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:rectify:import")


REQUIRED = ("問題描述", "問題來源", "責任單位", "發現日期")

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


def shown(value: Any) -> str:
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


def day_in(cells: dict[str, Any], column: str) -> date | None:
    """The cell as a date (None when blank); raises ValueError when it is not one."""
    value = cells.get(column)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip().replace("/", "-"))


def text_in(cells: dict[str, Any], column: str) -> str | None:
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
        found = text_in(self.cells, column)
        if found is None and required:
            self.fail(column, "is empty")
        return found

    def day(self, column: str, *, required: bool = False, today: date | None = None) -> date | None:
        try:
            found = day_in(self.cells, column)
        except ValueError:
            self.fail(column, f"{shown(self.cells.get(column))} is not a date (YYYY-MM-DD)")
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
            self.fail(column, f"{shown(text)} is not one of {choices}")
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
            r.fail(key_column, f"{shown(key)} repeats row {seen[key]}")
        seen.setdefault(key, number)
        given_id = r.text("問題編號")
        issue_id = uuid5(IMPORT_NAMESPACE, f"{list_name}#{key}")
        if given_id:
            try:
                issue_id = UUID(given_id)
            except ValueError:
                r.fail("問題編號", f"{shown(given_id)} is not an issue id")
        row = Row(number, key, issue_id, cells)
        row.title = r.text("問題描述", required=True) or ""
        row.source = r.enum("問題來源", Source, required=True) or Source.ASSESSMENT
        row.responsible_unit = r.text("責任單位", required=True) or ""
        own_unit = r.text("所屬單位")
        row.unit = own_unit or row.responsible_unit
        row.own_unit = own_unit is not None
        for unit_column, unit in (("責任單位", row.responsible_unit), ("所屬單位", own_unit)):
            if known_units is not None and unit and unit_key(unit) not in known_units:
                r.fail(unit_column, f"unknown unit {shown(unit)}")
        row.found_on = r.day("發現日期", required=True, today=today) or date.min
        row.status = r.enum("狀態", Status)
        row.mode = r.enum("整改類型", Mode)
        row.severity = r.enum("嚴重程度", Severity) or Severity.NORMAL
        for column in ("整改時限", "交辦日期", "整改日期", "驗收日期", "銷號日期", "撤銷日期"):
            r.day(column, today=None if column == "整改時限" else today)
        closed = r.text("是否銷號")
        if closed not in (None, "是", "否"):
            r.fail("是否銷號", f"{shown(closed)}: write 是 or 否")
        if len(errors) == before:
            parsed.append(row)
    return parsed, errors


def numbers_in(cells: dict[str, Any], column: str) -> list[int]:
    """Measure numbers written ``1,2,5`` (none when blank)."""
    text = text_in(cells, column)
    if text is None:
        return []
    try:
        return [int(n) for n in text.replace("，", ",").split(",") if n.strip()]
    except ValueError:
        raise InvalidCommand(
            column, f"{shown(text)}: write the numbers of the measures done, 1,2"
        ) from None
