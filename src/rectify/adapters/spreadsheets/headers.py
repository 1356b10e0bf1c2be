"""The header of a ledger as read: which column is which of ours, and what is left unread.

A column is read as one of ours by its header (ours, a mapping's ``[columns]`` renaming it, or,
without a mapping, a known alias: :data:`~rectify.adapters.spreadsheets.mapping.HEADER_ALIASES`);
never two columns as one of ours (the last would silently win: :func:`doubled` refuses the file),
and a column not read at all is reported with how many cells it holds (:func:`unread`), never
dropped without a word.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any
from uuid import UUID

from rectify.adapters.spreadsheets.reading import RowError, column_letter
from rectify.domain.issue import Issue

__all__ = ["doubled", "found_on_from_store", "ours_of", "unread"]


def _named(header: str, index: int) -> str:
    return (
        f"{header} (column {column_letter(index)})" if header else f"column {column_letter(index)}"
    )


def ours_of(
    headers: list[str], ours: Collection[str], aliases: Mapping[str, str]
) -> tuple[dict[int, str], list[tuple[int, str, str]]]:
    """Which of ``headers`` is read as which of ``ours``: a header that is one of ours first,
    then each known alias (``aliases``: their header → ours) of a column no other header is read
    as, in the order of the sheet; and the aliases passed over (index, header, ours), their
    column being read from another header already."""
    found: dict[int, str] = {i: h for i, h in enumerate(headers) if h and h in ours}
    taken = set(found.values())
    passed: list[tuple[int, str, str]] = []
    for i, header in enumerate(headers):
        if i in found or not header or header not in aliases:
            continue
        mapped = aliases[header]
        if mapped in taken:
            passed.append((i, header, mapped))
            continue
        found[i] = mapped
        taken.add(mapped)
    return dict(sorted(found.items())), passed


def doubled(headers: list[str], columns: Mapping[str, str], header_row: int) -> list[RowError]:
    """A problem for each of our columns that two columns of the file would be read as (by
    their header, or as ``columns`` renames them): the last would silently win."""
    first: dict[str, int] = {}
    problems: list[RowError] = []
    for i, header in enumerate(headers):
        name = columns.get(header, header)
        if not name:
            continue
        if name in first:
            at = first[name]
            problems.append(
                RowError(
                    header_row,
                    name,
                    f"{_named(headers[at], at)} and {_named(header, i)} are both read as "
                    f"{name}: rename one, or map it to another of our columns in the mapping",
                )
            )
        else:
            first[name] = i
    return problems


def unread(
    headers: list[str],
    rows: list[tuple[int, list[Any]]],
    columns: Mapping[str, str],
    ours: Collection[str],
) -> list[tuple[str, int]]:
    """The columns no cell of which is read (their header is not one of ``ours``, nor renamed
    to one by ``columns``) that hold something: (the header, or ``column F`` for a blank one;
    how many cells are not blank), in the order of the sheet."""
    width = max([len(headers), *(len(values) for _, values in rows)], default=0)
    found: list[tuple[str, int]] = []
    for i in range(width):
        header = headers[i] if i < len(headers) else ""
        if header and columns.get(header, header) in ours:
            continue
        filled = sum(
            1
            for _, values in rows
            if i < len(values)
            and values[i] is not None
            and not (isinstance(values[i], str) and not values[i].strip())
        )
        if filled:
            found.append((_named(header, i), filled))
    return found


FOUND_ON = "發現日期"
ISSUE_ID = "問題編號"


def found_on_from_store(
    headers: list[str],
    rows: list[tuple[int, list[Any]]],
    columns: Mapping[str, str],
    lookup: Callable[[UUID], object | None],
) -> bool:
    """A file that names each problem by 問題編號 without a 發現日期 column (a clerk's CSV export:
    the ten columns, the ids after them, no sheet to hide the rest on) gets the column, each
    row's cell the date its problem was found as the store records it (``lookup``): the same
    problem, not a default. Rows the store does not hold are left blank (refused as such, or
    given ``found_on``). Whether the column was added; ``headers`` and ``rows`` are changed in
    place."""
    named = [columns.get(h, h) for h in headers]
    if FOUND_ON in named or ISSUE_ID not in named:
        return False
    at = named.index(ISSUE_ID)
    headers.append(FOUND_ON)
    for _, values in rows:
        values.extend([None] * (len(headers) - 1 - len(values)))
        day = None
        try:
            found = lookup(UUID(str(values[at]).strip())) if values[at] is not None else None
        except ValueError:
            found = None
        if isinstance(found, Issue):
            day = found.found_on
        values.append(day)
    return True
