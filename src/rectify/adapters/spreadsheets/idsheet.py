"""Reading back the sheet of ids an exported workbook keeps (:data:`~.tabular.ID_SHEET`).

A clerk's export shows names and the conventional columns; the ids and the other columns a
re-import needs are kept, by 序號, on a hidden sheet. Reading such a workbook puts them back
beside the rows of the ledger sheet (by 序號, wherever the clerk moved the rows), so that each
row finds the problem it was exported from and importing the export records nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rectify.adapters.spreadsheets.tabular import ID_HEADERS
from rectify.domain.values import Status

KEY = "序號"
CLOSED = "是否銷號"
STATUS = "狀態"
"""The column the sheet of ids and the ledger sheet share."""


def _key(value: Any) -> str | None:
    """A 序號 as text (3, 3.0 and " 3" alike); None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def join_ids(
    kept: list[list[Any]],
    table: list[list[Any]],
    closed: Callable[[Any], bool] | None = None,
) -> list[list[Any]]:
    """``table`` with the columns of ``kept`` (the cells of a workbook's sheet of ids, of any
    kind of workbook) joined to it by 序號 (a column the table has is filled from it, 黨支部 and 所屬清單 by
    their ids; any other is added at its end); ``kept`` not
    headed as such a sheet is, or a table without 序號, leaves the table as it is.

    What the clerk sees wins over what the sheet of ids keeps: a row whose visible 是否銷號
    says closed out (``closed`` tells) while the kept 狀態 says otherwise gets no 狀態, so that
    the clerk's 是 closes it out rather than contradicting a column they cannot see."""
    head = [str(v).strip() if v is not None else "" for v in (kept[0] if kept else [])]
    if head[:1] != [KEY] or not set(ID_HEADERS) <= set(head):
        return table
    at = next((i for i, row in enumerate(table) if _names(row).count(KEY) == 1), None)
    if at is None:
        return table
    headers = table[at]
    names = _names(headers)
    key_at = names.index(KEY)
    closed_at = names.index(CLOSED) if closed is not None and CLOSED in names else None
    places = []
    for column in head[1:]:
        name = ID_HEADERS.get(column, column)
        if name not in names:
            names.append(name)
            headers.append(name)
        places.append(names.index(name))
    found = {_key(r[0]): r[1:] for r in kept[1:] if r and _key(r[0]) is not None}
    for row in table[at + 1 :]:
        values = found.get(_key(row[key_at]) if key_at < len(row) else None)
        if values is None:
            continue
        row.extend([None] * (len(headers) - len(row)))
        for place, value in zip(places, values, strict=False):
            row[place] = value
        if (
            closed is not None
            and closed_at is not None
            and STATUS in names
            and closed(row[closed_at])
        ):
            status_at = names.index(STATUS)
            if row[status_at] != Status.CLOSED_OUT.label:
                row[status_at] = None  # the visible 是 decides
    return table


def _names(row: list[Any]) -> list[str]:
    return [v.strip() if isinstance(v, str) else "" for v in row]
