"""Reading a ledger file: its cells, checked, into rows with typed values.

Every cell is checked for characters no store or spreadsheet can hold and for length
(:data:`MAX_CELL`). A CSV file is UTF-8 (with or without a byte-order mark), else GB18030 (GBK's
superset, what a Chinese Excel saves); a workbook is an .xlsx or a legacy .xls, read alike
(:mod:`~rectify.adapters.spreadsheets.workbooks`: merged cells filled, an .xlsx cell's
``_xHHHH_`` escapes read as the characters Excel writes them for), one sheet or every sheet
with the ledger's header (``sheet="*"``; rows then named by their sheet, 省財政廳!12).
Problems are collected as :class:`RowError`s, not raised.

Why this module is long: it reads ledgers as committees lay them out (titles above the header,
merged cells, notes under the table, deadlines and measures written as people write them), and
each of those readings is kept beside the one table of words or forms it understands.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from rectify.adapters.spreadsheets.idsheet import join_ids
from rectify.adapters.spreadsheets.measures import read_measures
from rectify.adapters.spreadsheets.tabular import FOOTER_PREFIX, ID_SHEET
from rectify.adapters.spreadsheets.words import (
    DEADLINE_FORMS,
    DeadlineReading,
    DeadlineTypedAsNumber,
    read_deadline,
    read_source,
    source_forms,
)
from rectify.adapters.spreadsheets.workbooks import (
    ALL_SHEETS,
    XLS_SUFFIX,
    Book,
    SheetRow,
    UnreadableWorkbook,
    open_book,
)
from rectify.domain.values import (
    MAX_TEXT,
    Mode,
    Severity,
    Source,
    Status,
    unholdable,
    unit_key,
)
from rectify.errors import ImportRejected as ImportRejected  # its old home
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
    0 is the file as a whole). When several sheets are read as one ledger (``sheet="*"``),
    ``row`` is a :class:`~.workbooks.SheetRow`: the same number, naming its sheet too (shown
    ``省財政廳!12``)."""

    row: int
    column: str
    reason: str

    @property
    def sheet(self) -> str | None:
        """The sheet of the row, when several sheets were read (else None)."""
        return self.row.sheet if isinstance(self.row, SheetRow) else None

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


# ---------------------------------------------------------------- reading the sheet


NOTE_PREFIXES = (
    "注", "註", "说明", "說明", "备注：", "備註：", "备注:", "備註:", "填表人", "制表人",
    "填报人", "填報人", "审核人", "審核人", "联系人", "聯繫人", "填报单位", "填報單位",
    "填表日期", "制表日期", "附件",
)  # fmt: skip
"""How the notes committees write under a table begin (注：…, 說明, 填表人 …)."""
HEADER_SCAN = 20
"""Rows read from the top of a sheet to find its header row (under title rows)."""
_OWN_FOOTERS = (FOOTER_PREFIX, "歷史摘要")


@dataclass
class Table:
    """A sheet as read: its header row (found under any title rows), the data rows with their
    row numbers as the spreadsheet shows them, structural problems, and the rows skipped (title,
    blank and note rows), each with why."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    problems: list[RowError]
    skipped: list[tuple[int, str]]
    header_row: int
    title: str | None = None
    """The first title above the header (its text), if any."""
    sheet: str | None = None
    """The name of the sheet read (None for a CSV file; ``"*"`` for all with the header)."""
    sheets: tuple[str, ...] = ()
    """The sheets read as one ledger, when ``sheet`` is ``"*"``."""


def read_table(
    path: Path,
    *,
    sheet: str | None = None,
    known: frozenset[str] = frozenset(),
    header_row: int | None = None,
) -> Table:
    """The table of the ledger at ``path``: in a workbook (.xlsx, or a legacy .xls), the sheet
    named ``sheet`` (else the one named 臺賬, else the first), with each merged range filled
    from its top-left cell (a unit merged down over its rows, a title merged across); in a CSV
    file, the whole file. ``sheet="*"`` (:data:`~.workbooks.ALL_SHEETS`) reads every visible
    sheet with the first ledger sheet's header as one ledger (:func:`_read_all`).

    The header row is ``header_row`` (as the spreadsheet numbers it) when given, else the first
    of the top rows holding at least two of the ``known`` headers (the rows above it are titles,
    skipped); blank rows, and the notes under the table (a row whose only text begins 注, 說明,
    填表人 …), are skipped and said so."""
    if path.suffix.lower() == ".csv":
        return _shaped(path.name, _read_csv(path), known, header_row, None)
    if path.suffix.lower() not in LEDGER_SUFFIXES:
        given = f"{path.suffix} is" if path.suffix else "a file without a suffix is"
        problem = (
            f"{given} not a ledger's format: give {', '.join(LEDGER_SUFFIXES)} "
            "(save it from Excel as a workbook or as CSV)"
        )
        raise ImportRejected(path.name, [RowError(0, "file", problem)])
    book = _opened(path)
    if sheet == ALL_SHEETS:
        return _read_all(path.name, book, known, header_row)
    names = [s.name for s in book.sheets]
    if sheet is not None and sheet not in names:
        problem = f"no sheet {sheet!r}: it has {'、'.join(names)} (or write {ALL_SHEETS!r} for all)"
        raise ImportRejected(path.name, [RowError(0, "sheet", problem)])
    chosen = sheet if sheet is not None else "臺賬" if "臺賬" in names else names[0]
    table = _with_ids(book, chosen, book.cells(chosen))  # an export's ids, joined by 序號
    return _shaped(path.name, table, known, header_row, chosen)


LEDGER_SUFFIXES = (".xlsx", ".xlsm", XLS_SUFFIX, ".csv")
"""The files a ledger is imported from, by suffix: Excel workbooks (.xls by xlrd) and CSV."""


def _opened(path: Path) -> Book:
    try:
        return open_book(path)
    except UnreadableWorkbook as e:
        raise ImportRejected(path.name, [RowError(0, "-", str(e))]) from e


def _with_ids(book: Book, chosen: str, table: list[list[Any]]) -> list[list[Any]]:
    if chosen == ID_SHEET or ID_SHEET not in {s.name for s in book.sheets}:
        return table
    return join_ids(book.cells(ID_SHEET), table, _says_closed)


def _shaped(
    source: str,
    table: list[list[Any]],
    known: frozenset[str],
    header_row: int | None,
    sheet: str | None,
    numbered: Callable[[int], int] = int,
) -> Table:
    """The cells of a sheet (or CSV file) as a :class:`Table`, its rows numbered by
    ``numbered`` (a sheet's own numbers; :class:`~.workbooks.SheetRow` when several sheets are
    read)."""
    while table and all(_blank(v) for v in table[-1]):
        table.pop()
    if not table:
        raise ImportRejected(source, [RowError(numbered(1), "-", "the sheet is empty")])
    skipped: list[tuple[int, str]] = []
    if header_row is not None and not 1 <= header_row <= len(table):
        problem = f"{header_row}: the sheet has rows 1 to {len(table)}"
        raise ImportRejected(source, [RowError(numbered(0), "header_row", problem)])
    top = header_row - 1 if header_row is not None else _header_index(table, known)
    title = None
    for i in range(top):
        if not all(_blank(v) for v in table[i]):
            title = title or _text_of(table[i])
            skipped.append(
                (numbered(i + 1), f"a title above the header: {shown(_text_of(table[i]))}")
            )
    headers = ["" if v is None else str(v).strip() for v in table[top]]
    body: list[tuple[int, list[Any]]] = []
    for n, values in enumerate(table[top + 1 :], start=top + 2):
        first = _text_of(values)
        if first is not None and first.startswith(_OWN_FOOTERS):
            break  # the footer of an exported ledger: nothing under it is a problem
        body.append((numbered(n), values))
    while body and (_blank_row(body[-1][1]) or _note(body[-1][1]) is not None):
        n, values = body.pop()
        if not _blank_row(values):
            skipped.append((n, f"a note under the table: {shown(_note(values))}"))
    rows = []
    for n, values in body:
        if _blank_row(values):
            skipped.append((n, "a blank row"))
        else:
            rows.append((n, values))
    return Table(headers, rows, [], sorted(skipped), numbered(top + 1), title, sheet)


def _read_all(source: str, book: Book, known: frozenset[str], header_row: int | None) -> Table:
    """Every visible sheet of ``book`` whose header is the first ledger sheet's, read as one
    ledger, each row numbered by its sheet (:class:`~.workbooks.SheetRow`). The first ledger
    sheet is the first visible one whose header row holds two of the ``known`` headers (or any,
    at a given ``header_row``); a hidden sheet, the sheet of ids an export keeps, an empty sheet,
    and a sheet with another header are skipped, each said in ``skipped`` (as the sheet, row 0).
    The sheet of ids is joined to the rows (by 序號) only when one sheet is read: 序號 restarts
    on each sheet of a committee's workbook."""
    skipped: list[tuple[int, str]] = []
    tables: list[Table] = []
    for each in book.sheets:
        whole = SheetRow(0, each.name, each.position)
        if each.name == ID_SHEET:
            skipped.append((whole, "the sheet of ids an export keeps, not a ledger sheet"))
            continue
        if each.hidden:
            skipped.append((whole, "a hidden sheet"))
            continue
        cells = book.cells(each.name)
        if all(_blank_row(r) for r in cells):
            skipped.append((whole, "an empty sheet"))
            continue
        try:
            table = _shaped(
                source, cells, known, header_row, each.name, _numbering(each.name, each.position)
            )
        except ImportRejected as e:  # shorter than the header row given
            skipped.append((whole, f"no header row {header_row}: {e.rows[0].reason}"))
            continue
        if not tables and header_row is None and len(set(table.headers) & known) < 2:
            skipped.append((whole, f"no ledger header in its first {HEADER_SCAN} rows"))
            continue
        other = _other_header(tables[0], table) if tables else None
        if other is not None:
            skipped.append((whole, other))
            continue
        tables.append(table)
    if not tables:
        names = "、".join(s.name for s in book.sheets)
        problem = f"no visible sheet holds a ledger's header (序號, 問題描述 …): it has {names}"
        raise ImportRejected(source, [RowError(0, "sheet", problem)])
    if len(tables) == 1 and tables[0].sheet is not None:
        at = next(s for s in book.sheets if s.name == tables[0].sheet)
        joined = _with_ids(book, at.name, book.cells(at.name))
        tables = [
            _shaped(source, joined, known, header_row, at.name, _numbering(at.name, at.position))
        ]
    first = tables[0]
    return Table(
        first.headers,
        [row for t in tables for row in t.rows],
        [p for t in tables for p in t.problems],
        sorted([*skipped, *(s for t in tables for s in t.skipped)]),
        first.header_row,
        first.title,
        ALL_SHEETS,
        tuple(t.sheet or "" for t in tables),
    )


def _numbering(sheet: str, position: int) -> Callable[[int], int]:
    return lambda n: SheetRow(n, sheet, position)


def _other_header(first: Table, table: Table) -> str | None:
    """Why ``table``'s header is not ``first``'s (None when it is: the same names in the same
    order, blank columns at the end aside)."""

    def named(headers: list[str]) -> list[str]:
        names = list(headers)
        while names and not names[-1]:
            names.pop()
        return names

    mine, theirs = named(first.headers), named(table.headers)
    if mine == theirs:
        return None
    lacks = [h for h in mine if h and h not in theirs]
    has = [h for h in theirs if h and h not in mine]
    said = [
        *([f"no {'、'.join(lacks)}"] if lacks else []),
        *([f"also {'、'.join(has)}"] if has else []),
    ]
    why = "; ".join(said) if said else "the same columns in another order"
    return f"another header than sheet {first.sheet}'s ({why})"


def _header_index(table: list[list[Any]], known: frozenset[str]) -> int:
    """Where the header row is: the first top row with two known headers or more (else the
    first row that is not blank, whose missing columns are then reported)."""
    for i, values in enumerate(table[:HEADER_SCAN]):
        names = {str(v).strip() for v in values if isinstance(v, str)}
        if len(names & known) >= 2:
            return i
    return next((i for i, values in enumerate(table) if not _blank_row(values)), 0)


def _blank_row(values: list[Any]) -> bool:
    return all(_blank(v) for v in values)


def _text_of(values: list[Any]) -> str | None:
    """The first text of a row (None when it has none)."""
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)


def _note(values: list[Any]) -> str | None:
    """The note a row holds, if all it holds is notes (注：…, 填表人：… 審核人：…; merged across
    or not)."""
    texts = list(dict.fromkeys(str(v).strip() for v in values if not _blank(v)))
    if not texts or not all(t.startswith(NOTE_PREFIXES) for t in texts):
        return None
    return " ".join(texts)


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
    """A cell's value for a message (long ones cut short): quoted, escapes for what cannot be
    seen, but the ideographic space (U+3000) committees type kept as it is."""
    text = repr(value).replace("\\u3000", "\u3000")
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


def column_letter(index: int) -> str:
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
    source_words: str | None = None  # 問題來源 as written, when not the source's own name


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


CLOSED_WORDS: dict[str, bool] = {
    "是": True, "已銷號": True, "已销号": True, "銷號": True, "销号": True, "已完成銷號": True,
    "否": False, "未銷號": False, "未销号": False, "未": False,
}  # fmt: skip
"""What 是否銷號 holds as people write it, and what it means (blank: not closed out)."""


def read_closed(text: str) -> bool:
    """Whether the words of a 是否銷號 cell say closed out (:data:`CLOSED_WORDS`); raises
    ValueError for other words."""
    if text not in CLOSED_WORDS:
        raise ValueError(text)
    return CLOSED_WORDS[text]


def _says_closed(value: Any) -> bool:
    """Whether a 是否銷號 cell's words say closed out (anything else: no)."""
    return isinstance(value, str) and CLOSED_WORDS.get(value.strip(), False)


def closed_in(cells: dict[str, Any]) -> bool | None:
    """Whether 是否銷號 says closed out (None when blank); raises ValueError for other words."""
    text = text_in(cells, "是否銷號")
    return None if text is None else read_closed(text)


def deadline_reading_in(cells: dict[str, Any], column: str = "整改時限") -> DeadlineReading | None:
    """整改時限 as committees write it: a date in any common form, 立行立改, 長期堅持, or both
    (:func:`~rectify.adapters.spreadsheets.words.read_deadline`); None when blank. Raises
    ValueError for anything else."""
    return read_deadline(cells.get(column))


def measures_in(cells: dict[str, Any], column: str = "整改措施") -> tuple[str, ...]:
    """The measures of a cell, as committees write them (:func:`~rectify.adapters.spreadsheets.
    measures.read_measures`: one a line, or numbered); none when blank."""
    text = text_in(cells, column)
    return () if text is None else read_measures(text)


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
    header_row: int = 1,
    found_on: date | None = None,
    defaulted: list[tuple[int, str, date | str, str]] | None = None,
    translations: Mapping[str, Mapping[str, str]] | None = None,
    defaults: Mapping[str, date | str] | None = None,
) -> tuple[list[Row], list[RowError]]:
    """Check every row; return the good ones and every problem found. ``found_on`` is the date
    a row without 發現日期 (or a file without the column) was found on, each such row listed in
    ``defaulted``.

    A mapping's ``translations`` (by our column: what a cell holds → what it means) are applied
    to each cell holding exactly such a text; its ``defaults`` (by our column) fill each blank
    cell, or the cells of a column the file does not have, each listed in ``defaulted`` (from
    ``"the mapping"``). A 問題來源 translated keeps the words the file wrote.

    Every cell is checked first (:func:`cell_problem`); a refused cell is reported once, by row
    and column, and its row is not recorded."""
    translations = translations or {}
    defaults = defaults or {}
    errors: list[RowError] = []
    named = [columns.get(h, h) for h in headers]
    for i, header in enumerate(headers):
        problem = cell_problem(header)
        if problem is not None:
            errors.append(RowError(header_row, f"column {column_letter(i)}", problem))
    found_on_default = found_on
    if defaulted is None:
        defaulted = []
    needed_columns = [
        c
        for c in (*REQUIRED, key_column)
        if (c != "發現日期" or found_on is None) and c not in defaults
    ]
    for needed in needed_columns:
        if needed not in named:
            hint = (
                ": give the date its problems were found (--found-on DATE, found_on=) or a "
                "[defaults] 發現日期 in the mapping"
                if needed == "發現日期"
                else ""
            )
            errors.append(RowError(header_row, needed, f"column is missing{hint}"))
    if errors:
        return [], errors
    known_units = None if units is None else {unit_key(u) for u in units}
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    for number, values in rows:
        before = len(errors)
        refused: set[str] = set()
        for i, value in enumerate(values):
            name = named[i] if i < len(named) and named[i] else f"column {column_letter(i)}"
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
        translated: dict[str, str] = {}  # the 問題來源 a translation replaced, as written
        for column, meanings in translations.items():
            text = text_in(cells, column)
            if text is not None and text in meanings:
                cells[column] = meanings[text]
                if column == "問題來源":
                    translated[column] = text
        for column, value in defaults.items():
            if column not in refused and _blank(cells.get(column)):
                cells[column] = value
                defaulted.append((number, column, value, "the mapping"))
        r = _Reader(number, cells, errors, refused)
        key = r.text(key_column, required=True) or ""
        if key and isinstance(number, SheetRow):  # 序號 restarts on each sheet of a workbook
            key = f"{number.sheet}!{key}"
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
        written = r.text("問題來源", required=True)
        if written is not None:
            try:
                reading = read_source(written)
            except ValueError:
                r.fail("問題來源", f"{shown(written)} names no source: write {source_forms()}")
            else:
                row.source = reading.source
                row.source_words = translated.get("問題來源", reading.words)
        row.responsible_unit = r.text("責任單位", required=True) or ""
        own_unit = r.text("所屬單位")
        row.unit = own_unit or row.responsible_unit
        row.own_unit = own_unit is not None
        for unit_column, unit in (("責任單位", row.responsible_unit), ("所屬單位", own_unit)):
            if known_units is not None and unit and unit_key(unit) not in known_units:
                r.fail(unit_column, f"unknown unit {shown(unit)}")
        found_on = r.day("發現日期", required=found_on_default is None, today=today)
        if found_on is None and found_on_default is not None:
            found_on = found_on_default
            defaulted.append((number, "發現日期", found_on_default, "found_on"))
        row.found_on = found_on or date.min
        row.status = r.enum("狀態", Status)
        row.mode = r.enum("整改類型", Mode)
        row.severity = r.enum("嚴重程度", Severity) or Severity.NORMAL
        for column in ("交辦日期", "整改日期", "驗收日期", "銷號日期", "撤銷日期"):
            r.day(column, today=today)
        try:
            deadline = deadline_reading_in(cells)
        except DeadlineTypedAsNumber as e:  # 2019.10 typed into a number cell: 2019.1
            r.fail("整改時限", str(e))
        except ValueError:
            r.fail(
                "整改時限",
                f"{shown(cells.get('整改時限'))} is not a deadline this import can read: write "
                f"{DEADLINE_FORMS}",
            )
        else:
            if deadline is not None and deadline.words and text_in(cells, "責任人") is None:
                r.fail(
                    "整改時限",
                    f"{shown(deadline.words)} is kept with the assignment: name the 責任人 "
                    "(or give one in the mapping's [defaults])",
                )
        try:
            closed_in(cells)
        except ValueError:
            words = "、".join(CLOSED_WORDS)
            r.fail("是否銷號", f"{shown(cells.get('是否銷號'))} is not one of {words} (or blank)")
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
