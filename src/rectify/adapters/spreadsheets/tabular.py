"""The ledger as a table: the columns a spreadsheet has, and how each value is written and read.

One list, :data:`EXPORT_COLUMNS`, says which columns an exported ledger has (the conventional
ones, then what a round trip needs); export writes it and import reads it. :data:`CLERK_COLUMNS`
picks, by header, the ten a committee's clerk hands upward (what an export shows by default);
the ids and the other columns a re-import needs go on the workbook's sheet :data:`ID_SHEET`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from operator import attrgetter
from typing import Any

from rectify.adapters.spreadsheets.measures import MEASURE_SEPARATOR as MEASURE_SEPARATOR
from rectify.adapters.spreadsheets.measures import numbered as numbered
from rectify.domain.seals import Checkpoint
from rectify.domain.values import replace_unholdable
from rectify.errors import InvalidCommand
from rectify.projections.ledger import LedgerRow, measures_progress


@dataclass(frozen=True)
class Column:
    """One column of an exported ledger: its header, the row attribute, its kind."""

    header: str
    attribute: str
    kind: str = "text"  # text | date | int | bool | enum | list | numbers | tally
    width: int = 14
    wrap: bool = False
    """Text that runs over several lines (measures, progress): wrapped in the workbook."""

    def value(self, row: LedgerRow) -> Any:
        """The cell value for ``row`` (dates stay dates; CSV formats them)."""
        return self.read(row)

    @cached_property
    def read(self) -> Callable[[LedgerRow], Any]:
        """How the cell value is read from a row, made once for the column (so that writing
        100k rows tests no kind per cell): text as text, an enum by its Chinese label, a flag
        as 是 or 否, measures one a line, numbers as ``1,2``; dates and whole numbers as they
        are; None for nothing."""
        get = attrgetter(self.attribute)
        kind = self.kind
        if kind in ("date", "int"):
            return get
        if kind == "enum":
            return lambda row: None if (v := get(row)) is None else v.label
        if kind == "bool":
            return lambda row: None if (v := get(row)) is None else "是" if v else "否"
        if kind == "list":
            return lambda row: None if (v := get(row)) is None else numbered(v)
        if kind == "numbers":
            return lambda row: None if (v := get(row)) is None else ",".join(map(str, v)) or None
        if kind == "tally":  # of the measures: how many are done
            return lambda row: measures_progress(len(row.measures_done), len(get(row))) or None
        return lambda row: None if (v := get(row)) is None else v if type(v) is str else str(v)


EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("序號", "seq", "int", 6),
    Column("問題描述", "title", width=36, wrap=True),
    Column("問題來源", "source_text", width=12),  # as people wrote it, else the source's name
    Column("問題類別", "category", width=12),
    Column("責任單位", "acting_unit", width=16, wrap=True),
    Column("責任人", "responsible_person", width=10),
    Column("整改措施", "measures", "list", 40, wrap=True),
    Column("整改類型", "mode", "enum", 10),
    Column("整改時限", "deadline_cell", "date", 12),  # a date, or the words (長期堅持 …)
    Column("整改進展", "progress", width=30, wrap=True),
    Column("狀態", "status", "enum", 8),
    Column("是否銷號", "is_closed_out", "bool", 8),
    Column("銷號日期", "closed_out_on", "date", 12),
    Column("備註", "remarks", width=18, wrap=True),
    # beyond the conventional columns: what reading the ledger back needs
    Column("所屬單位", "unit", width=16),
    Column("發現日期", "found_on", "date", 12),
    Column("交辦日期", "assigned_on", "date", 12),
    Column("整改日期", "rectified_on", "date", 12),
    Column("驗收日期", "verified_on", "date", 12),
    Column("撤銷日期", "withdrawn_on", "date", 12),
    Column("嚴重程度", "severity", "enum", 8),
    Column("集中治理專項", "campaign", width=16),
    Column("問題描述詳情", "description", width=30, wrap=True),
    Column("逾期天數", "days_overdue", "int", 8),
    Column("問題編號", "id", width=38),
    Column("黨支部", "branch_id", width=38),
    Column("所屬清單", "list_id", width=38),
    Column("共性問題", "common_problem", width=12),
    Column("措施完成", "measures", "tally", 14),
    Column("已完成措施", "measures_done", "numbers", 10),
)
"""The columns of an exported ledger, in order."""

HEADERS = tuple(c.header for c in EXPORT_COLUMNS)

_BY_HEADER = {c.header: c for c in EXPORT_COLUMNS}

CLERK_COLUMNS: tuple[Column, ...] = tuple(
    _BY_HEADER[h]
    for h in (
        "序號", "問題描述", "問題來源", "整改措施", "責任單位",
        "責任人", "整改時限", "整改進展", "是否銷號", "備註",
    )
)  # fmt: skip
"""The columns a committee's clerk hands upward, in the conventional order: what an export
shows by default (``columns="clerk"``); ``columns="all"`` shows :data:`EXPORT_COLUMNS`."""

COLUMN_CHOICES: dict[str, tuple[Column, ...]] = {"clerk": CLERK_COLUMNS, "all": EXPORT_COLUMNS}
"""What an export's ``columns`` (``--columns``) may name, and the columns each shows."""


def columns_named(choice: str) -> tuple[Column, ...]:
    """The columns ``choice`` names (:data:`COLUMN_CHOICES`); InvalidCommand naming
    ``columns`` for anything else."""
    found = COLUMN_CHOICES.get(choice) if isinstance(choice, str) else None
    if found is None:
        choices = " or ".join(COLUMN_CHOICES)
        raise InvalidCommand("columns", f"{choice!r}: use {choices}")
    return found


NAMED: dict[str, str] = {"黨支部": "branch", "所屬清單": "problem_list"}
"""The columns that hold the id of something recorded with a name (the kind
``app.recorded_names`` knows it by): a workbook shows the name, its sheet :data:`ID_SHEET` the id."""

ID_SHEET = "編號"
"""The workbook's sheet (hidden) that keeps, by 序號, what the ledger sheet shows by name or
leaves out: the ids (問題編號, 黨支部編號, 所屬清單編號) and every other column of
:data:`EXPORT_COLUMNS`, so that importing the workbook finds each problem again."""

ID_HEADERS: dict[str, str] = {
    "問題編號": "問題編號",
    **{f"{header}編號": header for header in NAMED},
}
"""The id columns of :data:`ID_SHEET` (header there → the column of :data:`EXPORT_COLUMNS`
it stands for)."""


WORKFLOW_COLUMN = Column("問題流程", "workflow", width=10)
"""The key of the workflow a problem runs under (``issue/2``): kept for re-import (a problem
is re-created under the workflow it was exported under), shown nowhere else."""

EXPORTED_AS_OF = "導出截至"
EXPORTED_AT = "導出位置"
"""The columns that say, on every row an export writes for re-import, the business date the
ledger showed (``as_of``) and the log position it was read at: a re-import refuses to overwrite
what the store recorded since (:mod:`~rectify.adapters.spreadsheets.updating`)."""

REIMPORT_HEADERS = frozenset({WORKFLOW_COLUMN.header, EXPORTED_AS_OF, EXPORTED_AT})
"""The columns an export adds for re-import only (beside :data:`EXPORT_COLUMNS`)."""


def id_sheet_columns(shown: Sequence[Column]) -> tuple[Column, ...]:
    """The columns of :data:`ID_SHEET` for a ledger sheet showing ``shown``: 序號, the ids, then
    every column of :data:`EXPORT_COLUMNS` the ledger sheet leaves out (ids as text), then
    :data:`WORKFLOW_COLUMN` (the export's :func:`export_marks` follow, written by the writer)."""
    ids = tuple(
        Column(header, _BY_HEADER[of].attribute, width=38) for header, of in ID_HEADERS.items()
    )
    rest = tuple(
        c for c in EXPORT_COLUMNS if c not in shown and c.header not in ID_HEADERS.values()
    )
    return (_BY_HEADER["序號"], *ids, *rest, WORKFLOW_COLUMN)


def export_marks(
    as_of: date, known_at: int | None, sealed: Checkpoint | None
) -> tuple[tuple[str, Any], ...]:
    """The cells every row of an export carries for re-import: :data:`EXPORTED_AS_OF` (the date,
    ISO) and :data:`EXPORTED_AT`: the log position it was read at (the last event of the history
    it was made from, ``sealed``; else the position it was limited to, ``known_at``; else blank,
    not known)."""
    position = sealed.up_to if sealed is not None else known_at
    return ((EXPORTED_AS_OF, as_of.isoformat()), (EXPORTED_AT, position))


def csv_columns(shown: Sequence[Column]) -> tuple[Column, ...]:
    """The columns of a CSV export showing ``shown``: those, then what a re-import needs that
    they lack (問題編號, :data:`WORKFLOW_COLUMN`): a CSV file has one sheet and cannot hide them,
    so they close each row, after the clerk's columns (the export's :func:`export_marks`
    follow, written by the writer)."""
    extra = [c for c in (_BY_HEADER["問題編號"], WORKFLOW_COLUMN) if c not in shown]
    return (*shown, *extra)


def cells(row: LedgerRow) -> list[Any]:
    """The row's cells, in :data:`EXPORT_COLUMNS` order."""
    return [c.value(row) for c in EXPORT_COLUMNS]


def writable(value: Any) -> Any:
    """A cell as a file can carry it: text with every character no store or spreadsheet can
    hold (NUL, C0 controls but tab, newline and carriage return, lone surrogates) replaced by
    U+FFFD; anything else as it is. What an older store already holds is written, never refused."""
    return replace_unholdable(value) if isinstance(value, str) else value


def footer_text(as_of: date, known_at: int | None, exported_at: datetime) -> str:
    """The line under the ledger that says what it shows and when it was made."""
    known = f"記錄位置 ≤ {known_at}" if known_at is not None else "全部已記錄事件"
    return (
        f"截至 {as_of.isoformat()},依據{known},導出時間 {exported_at.isoformat(timespec='seconds')}"
    )


def chinese_date(day: date) -> str:
    """``2019年6月30日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def title_text(name: str | None, unit: str | None, as_of: date) -> str:
    """The title over an exported ledger: its list's name (else 問題整改臺賬), the unit it is
    of (when it is of one) and the date it shows (截至2019年6月30日)."""
    parts = [name or "問題整改臺賬", *([unit] if unit else []), f"截至{chinese_date(as_of)}"]
    return "　".join(parts)


def digest_text(sealed: Checkpoint) -> str:
    """The line under an export that names the history it was made from: the running digest of
    the log up to the last event it read, which ``rectify verify --expect`` checks later."""
    return (
        f"歷史摘要(history digest,事件 1–{sealed.up_to}):sha256:{sealed.digest}"
        f"(核驗 verify: rectify verify --expect {sealed.digest})"
    )


FOOTER_PREFIX = "截至 "
"""How the footer line starts; import stops reading there."""
