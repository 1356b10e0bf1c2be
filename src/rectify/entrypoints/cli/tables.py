"""The ledger in a terminal of any width, and the short ids a clerk types.

:data:`ISSUE_COLUMNS` declares the columns ``rectify issues``, ``rectify ledger`` and the demo
print, each with its priority: in a narrow terminal the columns of the lowest priority go first
until the table fits, measured in terminal cells (a Chinese character takes two), so 序號, 問題描述
and 責任單位 stay at 80 columns and the wide text columns wrap rather than being cut.

A problem's short id is the start of its id (:data:`SHORT_ID` characters); ``show``, ``audit``
and the daily commands take it, or any longer start, and refuse one that names more than one
problem (:func:`resolve_issue_id`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rectify.domain.values import Status
from rectify.domain.workflows import WORKFLOWS
from rectify.errors import InvalidCommand, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from rectify.application import RectificationApp
    from rectify.projections.ledger import LedgerRow
    from rectify.projections.views import AuditEntry, IssueView

    Row = IssueView | LedgerRow

SHORT_ID = 8
"""How many characters of a problem's id ``rectify issues`` shows (編號)."""

_STYLES = {Status.CLOSED_OUT: "green", Status.WITHDRAWN: "dim"}


@dataclass(frozen=True)
class TermColumn:
    """One column of the terminal ledger: its header, its priority (0: always shown; the
    highest number goes first when the terminal is too narrow), how a row fills it, and whether
    it wraps (then it needs at least ``min_width`` cells) or keeps its cells on one line."""

    header: str
    priority: int
    cell: Callable[[Any, int], str]
    """The cell of a row (an issue's view or ledger row, an audit entry) numbered ``n``."""
    wraps: bool = False
    min_width: int = 0
    justify: Literal["left", "right"] = "left"
    ids: bool = False
    """Shown only where a next command needs the problem's id (``rectify issues``)."""

    def needs(self, cells: Sequence[str]) -> int:
        """The cells this column needs for ``cells`` (its width, without the borders)."""
        widest = max([cell_len(self.header), *(_plain_len(c) for c in cells)])
        return min(widest, max(self.min_width, cell_len(self.header))) if self.wraps else widest


def _plain_len(text: str) -> int:
    return cell_len(Text.from_markup(text).plain)  # the cell's markup shows as nothing


def step_named(workflow: str, trigger: str) -> str:
    """A step as the issue's workflow names it, with its trigger (``驗收 verify``); the trigger
    alone where the workflow has no label for it."""
    flow = WORKFLOWS.get(workflow)
    try:
        label = flow.step(trigger).label if flow is not None else ""
    except KeyError:
        label = ""
    return f"{label} {trigger}" if label else trigger


def short_id(issue_id: object) -> str:
    """The short form of a problem's id that ``rectify issues`` shows."""
    return str(issue_id)[:SHORT_ID]


def _status(v: Row, _: int) -> str:
    style = _STYLES.get(v.status)
    return f"[{style}]{v.status.label}[/]" if style else v.status.label


ISSUE_COLUMNS: tuple[TermColumn, ...] = (
    TermColumn("序號", 0, lambda v, n: str(n), justify="right"),
    TermColumn("編號", 1, lambda v, n: short_id(v.id), ids=True),
    TermColumn("問題描述", 0, lambda v, n: escape(v.title), wraps=True, min_width=16),
    TermColumn(
        "責任單位", 0, lambda v, n: escape(v.responsible_unit or v.unit), wraps=True, min_width=8
    ),
    TermColumn("狀態", 1, _status),
    TermColumn(
        "整改時限", 2, lambda v, n: escape(v.deadline_text or "—"), wraps=True, min_width=10
    ),
    TermColumn("逾期", 3, lambda v, n: f"[red]{v.days_overdue}天[/]" if v.overdue else "—"),
    TermColumn("整改類型", 4, lambda v, n: v.mode.label if v.mode else "—"),
    TermColumn("來源", 5, lambda v, n: escape(v.source_text), wraps=True, min_width=6),
    TermColumn("措施", 6, lambda v, n: v.measures_progress or "—"),
    TermColumn("備註", 7, lambda v, n: escape(v.remarks), wraps=True, min_width=8),
)
"""The columns of the terminal ledger, in the order shown, with their priorities."""


def fitting(columns: Sequence[TermColumn], cells: Sequence[Sequence[str]], width: int) -> list[int]:
    """The indexes of ``columns`` that fit in ``width`` cells with their borders: the columns of
    the highest priority number are left out first; those of priority 0 never are."""
    needs = [c.needs([row[i] for row in cells]) for i, c in enumerate(columns)]
    kept = list(range(len(columns)))
    for i in sorted(kept, key=lambda i: (columns[i].priority, i), reverse=True):
        if sum(needs[k] + 3 for k in kept) + 1 <= width or columns[i].priority == 0:
            break
        kept.remove(i)
    return kept


def fitted_table(
    columns: Sequence[TermColumn], cells: Sequence[Sequence[str]], title: str, width: int
) -> Table:
    """A table of ``columns`` holding ``cells`` (one list a row), fitted to ``width`` cells by
    :func:`fitting`: each column kept gets what it needs, and the room left goes to the wrapping
    columns by priority (問題描述 before 備註); the caption names the columns left out."""
    kept = fitting(columns, cells, width)
    widths = {i: columns[i].needs([r[i] for r in cells]) for i in kept}
    spare = width - sum(widths.values()) - 3 * len(kept) - 1
    natural = {
        i: max([cell_len(columns[i].header), *(_plain_len(r[i]) for r in cells)]) for i in kept
    }
    wrapping = [i for i in kept if columns[i].wraps]
    # by priority; within one, the column that needs the least to be whole first (責任單位
    # before 問題描述)
    for i in sorted(wrapping, key=lambda i: (columns[i].priority, natural[i] - widths[i])):
        grow = max(0, min(spare, natural[i] - widths[i]))
        widths[i] += grow
        spare -= grow
    table = Table(title=title, header_style="bold")
    for i in kept:
        c = columns[i]
        table.add_column(
            c.header,
            justify=c.justify,
            no_wrap=not c.wraps,
            overflow="fold",
            width=widths[i] if c.wraps else None,
        )
    for row in cells:
        table.add_row(*(row[i] for i in kept))
    dropped = [columns[i].header for i in range(len(columns)) if i not in kept]
    if dropped:
        table.caption = f"略去 not shown at this width: {'、'.join(dropped)}"
    return table


def issue_table(views: Iterable[Row], title: str, width: int, *, ids: bool = False) -> Table:
    """The ledger-like table the demo, ``rectify ledger`` and ``rectify issues`` print, fitted
    to ``width`` cells (with ``ids``, the short id of each problem too)."""
    columns = [c for c in ISSUE_COLUMNS if ids or not c.ids]
    cells = [[c.cell(v, n) for c in columns] for n, v in enumerate(views, start=1)]
    return fitted_table(columns, cells, title, width)


def _state(state: object) -> str:
    return str(getattr(state, "label", state)) if state is not None else "∅"


AUDIT_COLUMNS: tuple[TermColumn, ...] = (
    TermColumn("#", 0, lambda e, n: str(e.version), justify="right"),
    TermColumn("業務日期", 0, lambda e, n: e.on.isoformat()),
    TermColumn("操作", 0, lambda e, n: e.action),
    TermColumn("狀態", 1, lambda e, n: f"{_state(e.from_state)} → {_state(e.to_state)}"),
    TermColumn(
        "操作人", 1, lambda e, n: escape(e.actor.name or e.actor.id), wraps=True, min_width=6
    ),
    TermColumn("單位", 2, lambda e, n: escape(e.actor.unit), wraps=True, min_width=8),
    TermColumn("理由", 3, lambda e, n: escape(e.reason or ""), wraps=True, min_width=8),
    TermColumn("記錄時間", 4, lambda e, n: e.recorded_at.strftime("%Y-%m-%d %H:%M:%S")),
)
"""The columns of ``rectify audit``, with their priorities."""


def audit_table(
    entries: Iterable[AuditEntry], title: str, width: int, label: Callable[[str], str]
) -> Table:
    """An audit trail as a table fitted to ``width`` cells, each action named by ``label``."""
    cells = []
    for entry in entries:
        row = [c.cell(entry, 0) for c in AUDIT_COLUMNS]
        row[2] = label(entry.action)
        cells.append(row)
    return fitted_table(AUDIT_COLUMNS, cells, title, width)


def _whole(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def resolve_issue_id(application: RectificationApp, given: str) -> str:
    """The full id of the problem whose id is ``given`` or starts with it (as ``rectify
    issues`` shows it); anything but the start of an id is returned as given, for the application
    to refuse. A start that names no problem raises :class:`NotFound`; one that names several,
    :class:`InvalidCommand` for ``issue_id`` listing them."""
    text = given.strip().lower()
    if not re.fullmatch(r"[0-9a-f][0-9a-f-]{0,35}", text) or _whole(text):
        return given
    found = [str(r.id) for r in application.ledger() if str(r.id).startswith(text)]
    if not found:
        raise NotFound("issue", given, "no problem's id starts with it")
    if len(found) > 1:
        listed = ", ".join(short_id(f) + "…" for f in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        msg = f"{given!r} starts the ids of {len(found)} problems ({listed}{more}): give more of it"
        raise InvalidCommand("issue_id", msg)
    return found[0]
