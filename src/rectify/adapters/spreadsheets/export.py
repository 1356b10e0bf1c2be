"""Write the ledger out: an Excel workbook (XlsxWriter, streamed) or CSV, with the figures and a
footer.

A workbook is what a committee's clerk hands upward: a title over the table (the list, the unit,
the date it shows), the columns chosen (by default :data:`~.tabular.CLERK_COLUMNS`, the ten of
a clerk's 臺賬), names rather than ids, multi-line cells wrapped, set up to print (A4 landscape,
one page wide, the title and the header on every page), the figures as numbers with number
formats, and Chinese throughout. What a re-import needs that the ledger sheet leaves out (the
ids, the other columns) is kept by 序號 on a hidden sheet, :data:`~.tabular.ID_SHEET`, which
importing the workbook reads back (:mod:`~rectify.adapters.spreadsheets.idsheet`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import xlsxwriter

from rectify.adapters.spreadsheets.tabular import (
    ID_SHEET,
    NAMED,
    Column,
    chinese_date,
    columns_named,
    csv_columns,
    digest_text,
    export_marks,
    footer_text,
    id_sheet_columns,
    title_text,
    writable,
)
from rectify.domain.values import RECTIFIED_STATUSES, Mode, Source, Status

if TYPE_CHECKING:
    from pathlib import Path

    from rectify.domain.seals import Checkpoint
    from rectify.projections.figures import Breakdown, Figures
    from rectify.projections.ledger import LedgerRow

RED = "#F8CBAD"
AMBER = "#FFE699"
GREEN = "#C6EFCE"
DUE_SOON = timedelta(days=7)
SAFE_TEXT = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
"""Text is written as text: a cell reading ``=…`` or ``http…`` is never made a formula or link."""
A4 = 9
"""XlsxWriter's number for A4 paper."""
TITLE_ROWS = 1
"""Rows of the ledger sheet above its header (the title)."""
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's date numbers (the 1900 system, as every date a ledger holds is after 1900)."""
DAY_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
DAYS_FORMAT = "0.0"

Names = Mapping[str, Mapping[UUID, str]]
"""What things are called, by kind (``"branch"``, ``"problem_list"``) and id: for each kind in
:data:`~.tabular.NAMED`, ``app.recorded_names(kind)``."""


def traffic_light(row: LedgerRow) -> str | None:
    """Red: overdue. Amber: open, due within a week. Green: rectified or beyond. None: no colour."""
    if row.overdue:
        return RED
    if row.status in RECTIFIED_STATUSES:
        return GREEN
    if (
        row.status is Status.ASSIGNED
        and row.deadline is not None
        and row.deadline - row.as_of <= DUE_SOON
    ):
        return AMBER
    return None


def list_name(rows: Sequence[LedgerRow], names: Names | None) -> str | None:
    """The name of the one problem list every row is of (None when the rows are of several
    lists or of none, or when ``names`` does not know it)."""
    if not rows or not names:
        return None
    lists = {r.list_id for r in rows}
    only = lists.pop() if len(lists) == 1 else None
    return None if only is None else names.get(NAMED["所屬清單"], {}).get(only)


def getter(column: Column, names: Names | None = None) -> Callable[[LedgerRow], Any]:
    """How ``column``'s cell is read from a row, as a file can carry it (text through
    :func:`~.tabular.writable`); an id column (:data:`~.tabular.NAMED`) as the name ``names``
    gives, else as the id."""
    if names is not None and column.header in NAMED:
        known = names.get(NAMED[column.header], {})
        attribute = column.attribute

        def named(row: LedgerRow) -> Any:
            ident = getattr(row, attribute)
            return None if ident is None else writable(known.get(ident) or str(ident))

        return named
    value = column.read
    if column.kind in ("date", "int"):
        return value
    return lambda row: writable(value(row))


def write_xlsx(
    path: Path,
    rows: Sequence[LedgerRow],
    figures: Figures,
    *,
    as_of: date,
    known_at: int | None,
    exported_at: datetime | None = None,
    sealed: Checkpoint | None = None,
    columns: str = "clerk",
    names: Names | None = None,
    unit: str | None = None,
    title: str | None = None,
) -> None:
    """The ledger sheet (臺賬), the figures sheet (整改進度) and the hidden sheet of ids
    (:data:`~.tabular.ID_SHEET`) in one workbook.

    The ledger sheet: a title merged across the table (``title``, else the name of the one list
    the rows are of, else 問題整改臺賬; then ``unit``, the unit the rows were chosen for; then
    截至 ``as_of``), the header, a row a problem in ``columns`` (``"clerk"``: the ten of
    :data:`~.tabular.CLERK_COLUMNS`; ``"all"``: every column), then the footer and, given
    ``sealed`` (``app.history_digest(known_at)``), the digest of the history it was made from.
    黨支部 and 所屬清單 show the names ``names`` gives (``app.recorded_names(kind)``).

    Written by XlsxWriter in its constant-memory mode, row by row: time linear in the rows,
    memory flat. Text stays text (never a formula or a link), and every text cell is written as
    :func:`~rectify.adapters.spreadsheets.tabular.writable` gives it: a character XML cannot
    carry (a control character an older store may hold) becomes U+FFFD."""
    shown = columns_named(columns)
    moment = exported_at or datetime.now(UTC)
    heading = writable(title_text(title or list_name(rows, names), unit, as_of))
    under = [writable(footer_text(as_of, known_at, moment))]
    if sealed is not None:
        under.append(digest_text(sealed))
    marks = export_marks(as_of, known_at, sealed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, **SAFE_TEXT})
    try:
        _ledger_sheets(book, rows, shown, names, heading, under, marks)
        _figures_sheet(book, figures)
    finally:
        book.close()


def _ledger_sheets(
    book: Any,
    rows: Sequence[LedgerRow],
    shown: Sequence[Column],
    names: Names | None,
    heading: str,
    under: list[str],
    marks: tuple[tuple[str, Any], ...] = (),
) -> None:
    """The ledger sheet and the sheet of ids, written together, a row of each at a time (the
    constant-memory mode writes each sheet's rows in order: the title first); each row of the
    sheet of ids ends with the export's ``marks`` (:func:`~.tabular.export_marks`)."""
    sheet = book.add_worksheet("臺賬")
    ids = book.add_worksheet(ID_SHEET)
    ids.hide()
    kept = id_sheet_columns(shown)
    edge = {"border": 1, "valign": "top"}
    header = book.add_format({**edge, "bold": True, "text_wrap": True, "align": "center",
                              "valign": "vcenter", "bg_color": "#D9E1F2", "pattern": 1})  # fmt: skip
    top = TITLE_ROWS + 1  # the first row of problems
    width = len(shown)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(0, TITLE_ROWS)  # the title and the header on every page
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 頁，共 &N 頁")
    sheet.freeze_panes(top, 0)
    sheet.autofilter(TITLE_ROWS, 0, TITLE_ROWS + max(len(rows), 1), width - 1)
    for n, column in enumerate(shown):
        sheet.set_column(n, n, column.width)
    title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    sheet.set_row(0, 32)
    if width > 1:
        sheet.merge_range(0, 0, 0, width - 1, heading, title)
    else:
        sheet.write_string(0, 0, heading, title)
    sheet.write_row(TITLE_ROWS, 0, [c.header for c in shown], header)
    ids.write_row(
        0, 0, [*(c.header for c in kept), *(h for h, _ in marks)], book.add_format({"bold": True})
    )
    for n, column in enumerate(kept):
        ids.set_column(n, n, column.width)
    ids.freeze_panes(1, 0)

    main = _plan(book, sheet, shown, names, edge)
    side = _plan(book, ids, kept, None, {})
    status = next((i for i, c in enumerate(shown) if c.header == "狀態"), -1)
    fills = {c: book.add_format({**edge, "bg_color": c, "pattern": 1}) for c in (RED, AMBER, GREEN)}
    for r, row in enumerate(rows, start=top):
        for c, (get, put, style) in enumerate(main):
            value = get(row)
            if c == status:
                style = fills.get(traffic_light(row), style)  # type: ignore[arg-type]
            put(r, c, value, style)
        r -= TITLE_ROWS
        for c, (get, put, style) in enumerate(side):
            put(r, c, get(row), style)
        for c, (_, value) in enumerate(marks, start=len(side)):
            ids.write(r, c, value)
    below = top + len(rows) + 1
    for n, line in enumerate(under):
        sheet.write_string(below + n, 0, line)


_Put = Callable[[int, int, Any, Any], Any]


def _plan(
    book: Any,
    sheet: Any,
    columns: Sequence[Column],
    names: Names | None,
    edge: dict[str, Any],
) -> list[tuple[Callable[[LedgerRow], Any], _Put, Any]]:
    """For each column, once: how its cell is read from a row, how it is written (a typed call:
    no guessing per cell) and its format."""
    text, number, blank = sheet.write_string, sheet.write_number, sheet.write_blank
    blanks = bool(edge)  # an empty cell is written only to draw its border
    plain = book.add_format(edge) if edge else None
    wrapped = book.add_format({**edge, "text_wrap": True})
    day = book.add_format({**edge, "num_format": DAY_FORMAT})
    centred = book.add_format({**edge, "align": "center"})

    def put_text(r: int, c: int, value: Any, style: Any) -> None:
        if not value:  # None or "": an empty cell
            if blanks:
                blank(r, c, None, style)
        else:
            text(r, c, value, style)

    def put_number(r: int, c: int, value: Any, style: Any) -> None:
        if value is None:
            if blanks:
                blank(r, c, None, style)
        else:
            number(r, c, value, style)

    def put_day(r: int, c: int, value: Any, style: Any) -> None:
        if value is None:
            if blanks:
                blank(r, c, None, style)
        elif isinstance(value, str):  # a deadline in words (長期堅持, 立行立改 …)
            put_text(r, c, writable(value), plain)
        else:  # a date is its day number, shown as a date
            number(r, c, (value - EXCEL_EPOCH).days, style)

    planned: list[tuple[Callable[[LedgerRow], Any], _Put, Any]] = []
    for column in columns:
        get = getter(column, names)
        if column.kind == "date":
            planned.append((get, put_day, day))
        elif column.kind == "int":
            planned.append((get, put_number, centred if column.header == "序號" else plain))
        else:
            planned.append((get, put_text, wrapped if column.wrap and edge else plain))
    return planned


def _figures_sheet(book: Any, figures: Figures) -> None:
    """The figures, in Chinese: counts as whole numbers, rates as numbers shown as percentages
    (0.0%), days rounded to one decimal (numbers a clerk can add up, not text)."""
    sheet = book.add_worksheet("整改進度")
    bold = book.add_format({"bold": True})
    heading = book.add_format({"bold": True, "border": 1, "align": "center", "text_wrap": True})
    percent = book.add_format({"num_format": PERCENT_FORMAT})
    tenths = book.add_format({"num_format": DAYS_FORMAT})
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 9, 10)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    at = iter(range(1_000_000))

    def line(*cells: Any, style: Any = None) -> None:
        r = next(at)
        for c, value in enumerate(cells):
            if isinstance(value, tuple):  # (value, format)
                sheet.write(r, c, *value)
            elif isinstance(value, str):
                sheet.write_string(r, c, writable(value), style)
            elif value is not None:
                sheet.write_number(r, c, value, style)

    def rate(value: float | None) -> Any:
        return (round(value, 4), percent) if value is not None else "—"

    def days(value: float | None) -> Any:
        return (round(value, 1), tenths) if value is not None else "—"

    t = figures.total
    line("整改進度", f"截至{chinese_date(figures.as_of)}", style=bold)
    for label, value in (
        ("發現問題", t.found),
        ("撤銷", t.withdrawn),
        ("已整改", t.rectified),
        ("已銷號", t.closed_out),
        ("逾期未整改", t.overdue),
        ("逾期整改", t.rectified_late),
        ("整改率", rate(t.rectification_rate)),
        ("銷號率", rate(t.close_out_rate)),
        ("按期整改率", rate(t.on_time_rate)),
        ("平均整改天數", days(figures.days_to_rectify.mean)),
        ("整改天數中位數", days(figures.days_to_rectify.median)),
        ("平均銷號天數", days(figures.days_to_close_out.mean)),
    ):
        line(label, value)
    next(at)
    line("按狀態", "問題數", style=heading)
    for status in Status:
        line(status.label, figures.by_status.get(status.value, 0))
    next(at)
    line("按整改類型(已整改)", "問題數", style=heading)
    for mode in Mode:
        line(mode.label, figures.by_mode.get(mode.value, 0))
    sources = {s.value: s.label for s in Source}
    for title, groups in (
        ("責任單位", figures.by_unit),
        ("問題來源", {sources.get(k, k): b for k, b in figures.by_source.items()}),
    ):
        next(at)
        _breakdowns(line, title, groups, rate, heading)


def _breakdowns(
    line: Callable[..., None],
    title: str,
    groups: Mapping[str, Breakdown],
    rate: Callable[[float | None], Any],
    heading: Any,
) -> None:
    line(title, "發現", "撤銷", "已整改", "已銷號", "逾期", "逾期整改", "整改率", "銷號率",
         style=heading)  # fmt: skip
    for name, b in groups.items():
        line(
            name, b.found, b.withdrawn, b.rectified, b.closed_out, b.overdue, b.rectified_late,
            rate(b.rectification_rate), rate(b.close_out_rate),
        )  # fmt: skip


def write_csv(
    path: Path,
    rows: Sequence[LedgerRow],
    *,
    as_of: date,
    known_at: int | None,
    exported_at: datetime | None = None,
    sealed: Checkpoint | None = None,
    columns: str = "clerk",
    names: Names | None = None,
    unit: str | None = None,
    title: str | None = None,
) -> None:
    """The ledger as CSV (UTF-8 with a byte-order mark, for a Chinese Excel): for ``"clerk"``
    columns the workbook's title row (``title`` or the list ``names`` gives, ``unit``, 截至
    ``as_of``); the header, a row a problem (text :func:`~.tabular.writable`), the footer and
    the digest (``sealed``). A CSV cannot hide what a re-import needs: each row ends with it
    (:func:`~.tabular.csv_columns`, :func:`~.tabular.export_marks`)."""
    shown = csv_columns(columns_named(columns))
    getters = [getter(c) for c in shown]
    marks = export_marks(as_of, known_at, sealed)
    tail = ["" if v is None else v for _, v in marks]
    moment = exported_at or datetime.now(UTC)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        if columns == "clerk":
            out.writerow([writable(title_text(title or list_name(rows, names), unit, as_of))])
        out.writerow([*(c.header for c in shown), *(h for h, _ in marks)])
        for row in rows:
            out.writerow(
                [
                    *(
                        "" if v is None else v.isoformat() if isinstance(v, date) else v
                        for v in (get(row) for get in getters)
                    ),
                    *tail,
                ]
            )
        out.writerow([])
        out.writerow([writable(footer_text(as_of, known_at, moment))])
        if sealed is not None:
            out.writerow([digest_text(sealed)])
