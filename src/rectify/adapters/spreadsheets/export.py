"""Write the ledger out: an Excel workbook (openpyxl) or CSV, with the figures and a footer."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rectify.adapters.spreadsheets.tabular import (
    EXPORT_COLUMNS,
    HEADERS,
    digest_text,
    footer_text,
    writable,
    writable_cells,
)
from rectify.domain.values import Status

if TYPE_CHECKING:
    from pathlib import Path

    from rectify.domain.seals import Checkpoint
    from rectify.projections.figures import Figures
    from rectify.projections.ledger import LedgerRow

RED = PatternFill("solid", fgColor="F8CBAD")
AMBER = PatternFill("solid", fgColor="FFE699")
GREEN = PatternFill("solid", fgColor="C6EFCE")
DUE_SOON = timedelta(days=7)
DONE = frozenset({Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT})


def traffic_light(row: LedgerRow) -> PatternFill | None:
    """Red: overdue. Amber: open, due within a week. Green: rectified or beyond. None: no colour."""
    if row.overdue:
        return RED
    if row.status in DONE:
        return GREEN
    if (
        row.status is Status.ASSIGNED
        and row.deadline is not None
        and row.deadline - row.as_of <= DUE_SOON
    ):
        return AMBER
    return None


def write_xlsx(
    path: Path,
    rows: list[LedgerRow],
    figures: Figures,
    *,
    as_of: date,
    known_at: int | None,
    exported_at: datetime | None = None,
    sealed: Checkpoint | None = None,
) -> None:
    """The ledger sheet (臺賬) and the figures sheet (整改進度) in one workbook; under the
    ledger, the footer and, given ``sealed`` (``app.history_digest(known_at)``), the digest of
    the history it was made from.

    Written in openpyxl's write-only mode, row by row: time linear in the rows, memory flat
    (a cell is styled as it is written; nothing looks back at the sheet). Every text cell is
    written as :func:`~rectify.adapters.spreadsheets.tabular.writable` gives it: a character XML
    cannot carry (a control character an older store may hold) becomes U+FFFD."""
    moment = exported_at or datetime.now(UTC)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("臺賬")
    for n, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{len(rows) + 1}"
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    sheet.append([_cell(sheet, h, font=bold, alignment=wrapped) for h in HEADERS])
    status_column = HEADERS.index("狀態")
    dates = frozenset(i for i, c in enumerate(EXPORT_COLUMNS) if c.kind == "date")
    for row in rows:
        colour = traffic_light(row)
        values = writable_cells(row)
        cells: list[Any] = []
        for i, value in enumerate(values):
            if i in dates and value is not None:
                cells.append(_cell(sheet, value, number_format="yyyy-mm-dd"))
            elif i == status_column and colour is not None:
                cells.append(_cell(sheet, value, fill=colour))
            else:
                cells.append(value)
        sheet.append(cells)
    sheet.append([])
    sheet.append([writable(footer_text(as_of, known_at, moment))])
    if sealed is not None:
        sheet.append([digest_text(sealed)])
    _figures_sheet(book.create_sheet("整改進度"), figures)
    book.save(path)


def _cell(sheet: Any, value: Any, **style: Any) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _figures_sheet(sheet: Any, figures: Figures) -> None:
    """The figures: counts as whole numbers, rates as numbers shown as percentages, days rounded
    to one decimal (numbers a clerk can add up, not text)."""
    bold = Font(bold=True)

    def rate(value: float | None) -> Any:
        return _cell(sheet, value, number_format="0.0%") if value is not None else "—"

    def days(value: float | None) -> Any:
        return _cell(sheet, round(value, 1), number_format="0.0") if value is not None else "—"

    sheet.column_dimensions["A"].width = 36
    sheet.append([_cell(sheet, "整改進度", font=bold), f"as of {figures.as_of}"])
    t = figures.total
    for label, value in (
        ("發現問題 found", t.found),
        ("撤銷 withdrawn", t.withdrawn),
        ("已整改 rectified", t.rectified),
        ("已銷號 closed out", t.closed_out),
        ("逾期 overdue", t.overdue),
        ("逾期整改 rectified late", t.rectified_late),
        ("整改率 rectification rate", rate(t.rectification_rate)),
        ("銷號率 close-out rate", rate(t.close_out_rate)),
        ("平均整改天數 mean days to rectify", days(figures.days_to_rectify.mean)),
        ("整改天數中位數 median days to rectify", days(figures.days_to_rectify.median)),
        ("平均銷號天數 mean days to close out", days(figures.days_to_close_out.mean)),
    ):
        sheet.append([label, value])
    sheet.append([])
    heads = ["責任單位 unit", "發現", "已整改", "已銷號", "逾期", "逾期整改", "整改率", "銷號率"]
    sheet.append([_cell(sheet, h, font=bold) for h in heads])
    for unit, b in figures.by_unit.items():
        sheet.append(
            [writable(unit), b.found, b.rectified, b.closed_out, b.overdue, b.rectified_late,
             rate(b.rectification_rate), rate(b.close_out_rate)]
        )  # fmt: skip


def write_csv(
    path: Path,
    rows: list[LedgerRow],
    *,
    as_of: date,
    known_at: int | None,
    exported_at: datetime | None = None,
    sealed: Checkpoint | None = None,
) -> None:
    """The ledger as CSV (UTF-8 with a byte-order mark, so Excel opens it in Chinese); text
    cells as :func:`~rectify.adapters.spreadsheets.tabular.writable` gives them; the footer,
    and the digest of the history (``sealed``) under it."""
    moment = exported_at or datetime.now(UTC)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        for row in rows:
            out.writerow(
                [
                    "" if v is None else v.isoformat() if isinstance(v, date) else v
                    for v in writable_cells(row)
                ]
            )
        out.writerow([])
        out.writerow([writable(footer_text(as_of, known_at, moment))])
        if sealed is not None:
            out.writerow([digest_text(sealed)])
