"""The ledger as a table: the columns a spreadsheet has, and how each value is written and read.

One list, :data:`EXPORT_COLUMNS`, says which columns an exported ledger has (the conventional
ones, then what a round trip needs); export writes it and import reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rectify.domain.seals import Checkpoint
from rectify.domain.values import LabelledEnum, replace_unholdable
from rectify.projections.ledger import LedgerRow

MEASURE_SEPARATOR = "\n"


def numbered(items: Sequence[str]) -> str:
    """Measures as committees write them in one cell: one a line, numbered when there are
    several (``1. …`` newline ``2. …``); what the import reads back (``measures_in``) exactly."""
    if len(items) < 2:
        return MEASURE_SEPARATOR.join(items)
    return MEASURE_SEPARATOR.join(f"{n}. {item}" for n, item in enumerate(items, start=1))


@dataclass(frozen=True)
class Column:
    """One column of an exported ledger: its header, the row attribute, its kind."""

    header: str
    attribute: str
    kind: str = "text"  # text | date | int | bool | enum | list | numbers
    width: int = 14

    def value(self, row: LedgerRow) -> Any:
        """The cell value for ``row`` (dates stay dates; CSV formats them)."""
        value = getattr(row, self.attribute)
        if value is None:
            return None
        if self.kind == "enum":
            assert isinstance(value, LabelledEnum)
            return value.label
        if self.kind == "bool":
            return "是" if value else "否"
        if self.kind == "list":
            return numbered(value)
        if self.kind == "numbers":
            return ",".join(str(n) for n in value) or None
        if self.kind in ("date", "int"):
            return value
        return str(value)


EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("序號", "seq", "int", 6),
    Column("問題描述", "title", width=36),
    Column("問題來源", "source", "enum", 10),
    Column("問題類別", "category", width=12),
    Column("責任單位", "acting_unit", width=16),
    Column("責任人", "responsible_person", width=10),
    Column("整改措施", "measures", "list", 30),
    Column("整改類型", "mode", "enum", 10),
    Column("整改時限", "deadline", "date", 12),
    Column("整改進展", "progress", width=24),
    Column("狀態", "status", "enum", 8),
    Column("是否銷號", "is_closed_out", "bool", 8),
    Column("銷號日期", "closed_out_on", "date", 12),
    Column("備註", "remarks", width=18),
    # beyond the conventional columns: what reading the ledger back needs
    Column("所屬單位", "unit", width=16),
    Column("發現日期", "found_on", "date", 12),
    Column("交辦日期", "assigned_on", "date", 12),
    Column("整改日期", "rectified_on", "date", 12),
    Column("驗收日期", "verified_on", "date", 12),
    Column("撤銷日期", "withdrawn_on", "date", 12),
    Column("嚴重程度", "severity", "enum", 8),
    Column("集中治理專項", "campaign", width=16),
    Column("問題描述詳情", "description", width=30),
    Column("逾期天數", "days_overdue", "int", 8),
    Column("問題編號", "id", width=38),
    Column("黨支部", "branch_id", width=38),
    Column("所屬清單", "list_id", width=38),
    Column("共性問題", "common_problem", width=12),
    Column("措施完成", "measures_progress", width=20),
    Column("已完成措施", "measures_done", "numbers", 10),
)
"""The columns of an exported ledger, in order."""

HEADERS = tuple(c.header for c in EXPORT_COLUMNS)


def cells(row: LedgerRow) -> list[Any]:
    """The row's cells, in :data:`EXPORT_COLUMNS` order."""
    return [c.value(row) for c in EXPORT_COLUMNS]


def writable(value: Any) -> Any:
    """A cell as a file can carry it: text with every character no store or spreadsheet can
    hold (NUL, C0 controls but tab, newline and carriage return, lone surrogates) replaced by
    U+FFFD; anything else as it is. What an older store already holds is written, never refused."""
    return replace_unholdable(value) if isinstance(value, str) else value


def writable_cells(row: LedgerRow) -> list[Any]:
    """The row's cells as a file can carry them (:func:`writable`)."""
    return [writable(v) for v in cells(row)]


def footer_text(as_of: date, known_at: int | None, exported_at: datetime) -> str:
    """The line under the ledger that says what it shows and when it was made."""
    known = f"記錄位置 ≤ {known_at}" if known_at is not None else "全部已記錄事件"
    return (
        f"截至 {as_of.isoformat()}(as of),依據{known}(known at),"
        f"導出時間 {exported_at.isoformat(timespec='seconds')}(exported at)"
    )


def digest_text(sealed: Checkpoint) -> str:
    """The line under an export that names the history it was made from: the running digest of
    the log up to the last event it read, which ``rectify verify --expect`` checks later."""
    return (
        f"歷史摘要(history digest,事件 1–{sealed.up_to}):sha256:{sealed.digest}"
        f"(核驗 verify: rectify verify --expect {sealed.digest})"
    )


FOOTER_PREFIX = "截至 "
"""How the footer line starts; import stops reading there."""
