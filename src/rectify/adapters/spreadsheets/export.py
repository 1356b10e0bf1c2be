"""Write the ledger out: an Excel workbook (XlsxWriter, streamed) or CSV, with the figures and a
footer."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import xlsxwriter

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

RED = "#F8CBAD"
AMBER = "#FFE699"
GREEN = "#C6EFCE"
DUE_SOON = timedelta(days=7)
DONE = frozenset({Status.RECTIFIED, Status.VERIFIED, Status.CLOSED_OUT})
SAFE_TEXT = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
"""Text is written as text: a cell reading ``=…`` or ``http…`` is never made a formula or link."""


def traffic_light(row: LedgerRow) -> str | None:
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

    Written by XlsxWriter in its constant-memory mode, row by row: time linear in the rows,
    memory flat. Text stays text (never a formula or a link), and every text cell is written as
    :func:`~rectify.adapters.spreadsheets.tabular.writable` gives it: a character XML cannot
    carry (a control character an older store may hold) becomes U+FFFD."""
    moment = exported_at or datetime.now(UTC)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, **SAFE_TEXT})
    try:
        _ledger_sheet(book, rows, as_of=as_of, known_at=known_at, moment=moment, sealed=sealed)
        _figures_sheet(book, figures)
    finally:
        book.close()


def _ledger_sheet(
    book: Any,
    rows: list[LedgerRow],
    *,
    as_of: date,
    known_at: int | None,
    moment: datetime,
    sealed: Checkpoint | None,
) -> None:
    sheet = book.add_worksheet("臺賬")
    heading = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    fills = {c: book.add_format({"bg_color": c, "pattern": 1}) for c in (RED, AMBER, GREEN)}
    dates = frozenset(i for i, c in enumerate(EXPORT_COLUMNS) if c.kind == "date")
    for n, column in enumerate(EXPORT_COLUMNS):
        sheet.set_column(n, n, column.width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(HEADERS) - 1)
    sheet.write_row(0, 0, HEADERS, heading)
    status_column = HEADERS.index("狀態")
    text, number, truth = sheet.write_string, sheet.write_number, sheet.write_boolean
    for r, row in enumerate(rows, start=1):
        colour = traffic_light(row)
        for c, value in enumerate(writable_cells(row)):
            if value is None:
                continue
            if c in dates:
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
            elif c == status_column and colour is not None:
                text(r, c, value, fills[colour])
            elif type(value) is str:  # the writer's own typed calls: no guessing per cell
                text(r, c, value)
            elif type(value) is bool:
                truth(r, c, value)
            else:
                number(r, c, value)
    below = len(rows) + 2
    sheet.write_string(below, 0, writable(footer_text(as_of, known_at, moment)))
    if sealed is not None:
        sheet.write_string(below + 1, 0, digest_text(sealed))


def _figures_sheet(book: Any, figures: Figures) -> None:
    """The figures: counts as whole numbers, rates as numbers shown as percentages, days rounded
    to one decimal (numbers a clerk can add up, not text)."""
    sheet = book.add_worksheet("整改進度")
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.0%"})
    tenths = book.add_format({"num_format": "0.0"})
    sheet.set_column(0, 0, 36)
    at = iter(range(1_000_000))

    def line(*cells: Any, style: Any = None) -> None:
        r = next(at)
        for c, value in enumerate(cells):
            if isinstance(value, tuple):  # (value, format)
                sheet.write(r, c, *value)
            elif value is not None:
                sheet.write(r, c, value, style)

    def rate(value: float | None) -> Any:
        return (value, percent) if value is not None else "—"

    def days(value: float | None) -> Any:
        return (round(value, 1), tenths) if value is not None else "—"

    line("整改進度", f"as of {figures.as_of}", style=bold)
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
        line(label, value)
    next(at)
    line(
        "責任單位 unit",
        "發現",
        "已整改",
        "已銷號",
        "逾期",
        "逾期整改",
        "整改率",
        "銷號率",
        style=bold,
    )
    for unit, b in figures.by_unit.items():
        line(
            writable(unit), b.found, b.rectified, b.closed_out, b.overdue, b.rectified_late,
            rate(b.rectification_rate), rate(b.close_out_rate),
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
