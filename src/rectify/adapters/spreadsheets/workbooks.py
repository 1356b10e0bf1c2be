"""Opening a workbook as sheets of cells: an .xlsx by openpyxl, a legacy .xls by xlrd.

Both are read alike (:class:`Book`): each sheet's name and whether it is hidden, and its cells
as rows of values, with every cell of a merged range read as the range's top-left cell (a unit
merged down over its rows, a title merged across), dates as :class:`~datetime.datetime` (an
.xls keeps them as Excel's serial numbers: they are turned into dates by the workbook's date
system), whole numbers as ``int``. A file that is not the workbook its suffix says raises
:class:`UnreadableWorkbook`, saying what the file looks like.

A ledger read from several sheets at once (:data:`ALL_SHEETS`) numbers its rows with
:class:`SheetRow`: an ``int`` (the row as the spreadsheet shows it) that also names its sheet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

ALL_SHEETS = "*"
"""The sheet name that reads every visible sheet with the ledger's header as one ledger."""
XLS_SUFFIX = ".xls"
"""The suffix of a legacy Excel workbook (BIFF, Excel 97–2003), read by xlrd."""


class SheetRow(int):
    """A row number as the spreadsheet shows it, on the sheet named :attr:`sheet` (when a
    workbook's sheets are read as one ledger). It is the ``int`` every row number is, shown as
    ``省財政廳!12`` (the sheet alone for the sheet as a whole, row 0); rows sort by the sheet's
    place in the workbook, then by number, after the plain numbers of the file as a whole; two
    rows are equal when sheet and number are."""

    sheet: str
    order: int

    def __new__(cls, number: int, sheet: str, order: int = 0) -> SheetRow:
        made = super().__new__(cls, number)
        made.sheet = sheet
        made.order = order
        return made

    def __getnewargs__(self) -> tuple[int, str, int]:  # type: ignore[override]
        return int(self), self.sheet, self.order

    def __str__(self) -> str:
        return f"{self.sheet}!{int(self)}" if int(self) else self.sheet

    def __repr__(self) -> str:
        return f"SheetRow({int(self)}, {self.sheet!r})"

    def __format__(self, spec: str) -> str:
        if spec and spec[-1] in "bcdnoxX":
            return int.__format__(self, spec)
        return format(str(self), spec)

    def _place(self) -> tuple[int, str, int]:
        return self.order, self.sheet, int(self)

    @staticmethod
    def _place_of(other: object) -> tuple[int, str, int] | None:
        if isinstance(other, SheetRow):
            return other._place()
        if isinstance(other, int):
            return -1, "", int(other)
        return None

    def __eq__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() == place

    def __ne__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() != place

    def __hash__(self) -> int:
        return hash((self.sheet, int(self)))

    def __lt__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() < place

    def __le__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() <= place

    def __gt__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() > place

    def __ge__(self, other: object) -> bool:
        place = self._place_of(other)
        return NotImplemented if place is None else self._place() >= place


class UnreadableWorkbook(Exception):
    """The file is not a workbook its suffix says it is (the message says what it looks like)."""


@dataclass(frozen=True)
class Sheet:
    """A sheet of a workbook: its name, its place (0 for the first), whether it is hidden."""

    name: str
    position: int
    hidden: bool


class Book(Protocol):
    """A workbook, opened: its sheets in order, and the cells of each."""

    sheets: list[Sheet]

    def cells(self, name: str) -> list[list[Any]]:
        """The rows of the sheet named ``name``, merged ranges filled from their first cell."""
        ...


def open_book(path: Path) -> Book:
    """The workbook at ``path``: a legacy .xls (by its suffix) read by xlrd, any other by
    openpyxl. Raises :class:`UnreadableWorkbook` when the file is not such a workbook."""
    if path.suffix.lower() == XLS_SUFFIX:
        return _XlsBook(path)
    return _XlsxBook(path)


def _fill_merged(table: list[list[Any]], ranges: list[tuple[int, int, int, int]]) -> None:
    """Each cell of each merged range (first row, row after the last, first column, column
    after the last; counted from 0) read as the range's first cell."""
    for top, bottom, left, right in ranges:
        if top >= len(table):
            continue
        first = table[top]
        value = first[left] if left < len(first) else None
        for r in range(top, min(bottom, len(table))):
            row = table[r]
            row.extend([None] * (right - len(row)))
            for c in range(left, right):
                row[c] = value


def looks_like(path: Path) -> str:
    """What the file at ``path`` looks like, by its first bytes (for a message)."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as e:
        return f"it cannot be read ({e})"
    if not head:
        return "it is empty"
    if head.startswith(b"PK\x03\x04"):
        return "it is a zip file, as an .xlsx workbook is: name it .xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "it is a legacy Excel workbook, as an .xls is: name it .xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        return "it is a web page (HTML or XML) named as a workbook: open it in Excel, save as .xlsx"
    return "it is not a workbook"


class _XlsxBook:
    def __init__(self, path: Path) -> None:
        from openpyxl import load_workbook

        try:
            self._book = load_workbook(path, data_only=True)
        except Exception as e:
            raise UnreadableWorkbook(
                f"not a readable workbook: {looks_like(path)} (openpyxl: {type(e).__name__}: {e})"
            ) from e
        self.sheets = [
            Sheet(s.title, i, s.sheet_state != "visible")
            for i, s in enumerate(self._book.worksheets)
        ]

    def cells(self, name: str) -> list[list[Any]]:
        from openpyxl.utils.escape import unescape

        sheet = self._book[name]
        # Excel writes what XML cannot carry as _xHHHH_ (a pasted vertical tab is _x000B_);
        # read a cell as Excel shows it, so such characters are seen (and refused).
        table = [
            [unescape(v) if isinstance(v, str) and "_x" in v else v for v in r]
            for r in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        ]
        ranges = [
            (m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in sheet.merged_cells.ranges
        ]
        _fill_merged(table, ranges)
        return table


class _XlsBook:
    def __init__(self, path: Path) -> None:
        import xlrd

        # Merged ranges are read only with formatting_info; xlrd's warnings go nowhere.
        try:
            self._book = xlrd.open_workbook(
                str(path), formatting_info=True, logfile=io.StringIO(), on_demand=False
            )
        except Exception as e:
            raise UnreadableWorkbook(
                f"not a legacy Excel workbook (.xls): {looks_like(path)} (xlrd: {type(e).__name__}: {e})"
            ) from e
        self.sheets = [
            Sheet(s.name, i, s.visibility != 0) for i, s in enumerate(self._book.sheets())
        ]

    def cells(self, name: str) -> list[list[Any]]:
        sheet = self._book.sheet_by_name(name)
        mode = self._book.datemode
        table = [
            [_xls_value(c.ctype, c.value, mode) for c in sheet.row(r)] for r in range(sheet.nrows)
        ]
        _fill_merged(
            table, [(top, bottom, left, right) for top, bottom, left, right in sheet.merged_cells]
        )
        return table


def _xls_value(kind: int, value: Any, datemode: int) -> Any:
    """A cell of an .xls as openpyxl reads the same cell of an .xlsx: None when empty, text,
    an int for a whole number, a datetime for a date (from Excel's serial number), a bool, or
    the error as Excel shows it (#N/A)."""
    import xlrd

    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_DATE:
        try:
            found: datetime = xlrd.xldate.xldate_as_datetime(value, 1 if datemode else 0)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value  # no date of the calendar: the number, refused where a date is needed
        return found
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return value
