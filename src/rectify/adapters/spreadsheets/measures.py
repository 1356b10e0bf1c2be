"""整改措施 in one cell, both ways: :func:`numbered` writes measures as committees write them,
:func:`read_measures` reads a cell back into measures, and each undoes the other exactly (for
every measure of one line, which is what a command accepts)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

MEASURE_SEPARATOR = "\n"
"""What stands between the measures of one cell: each on its own line."""

_MARK = re.compile(r"\s*(?:[（(]\s*(\d{1,2})\s*[)）]|(\d{1,2})\s*[.、．)）](?!\d)|([①-⑳]))\s*")
_ENDS = "；; \t"
"""What may stand before a number that starts the next measure on the same line."""
_END = "；;"
"""The one mark that ends a numbered measure of several and is not part of it (a full stop is
kept: it is the text's)."""


def _mark(found: re.Match[str]) -> int:
    digits = found.group(1) or found.group(2)
    return int(digits) if digits else ord(found.group(3)) - ord("①") + 1


def _unended(text: str) -> str:
    """``text`` without one ``；`` that ends it."""
    text = text.strip()
    return text[:-1].rstrip() if text[-1:] in _END else text


def read_measures(text: str) -> tuple[str, ...]:
    """The measures of a cell, as committees write them: one a line, or numbered (``1.…；``
    newline ``2.…；``, ``1、…``, ``（1）…``, ``①…``, on separate lines or run together on one
    line that starts with the first). Numbers are taken off only when they count 1, 2, 3 … in
    order (with the one ``；`` that ends each), or from a measure alone numbered 1 whose text
    starts with a number itself (``1. 1.補繳黨費；2.建立臺賬``, as :func:`numbered` writes a
    measure that would else be read as several); any other text is kept as written."""
    lines = [line.strip() for line in text.split(MEASURE_SEPARATOR) if line.strip()]
    if len(lines) == 1:  # perhaps several numbered measures run together on one line
        marks = [
            m
            for m in _MARK.finditer(lines[0])
            if m.start() == 0 or lines[0][m.start() - 1] in _ENDS
        ]
        if (
            len(marks) >= 2
            and marks[0].start() == 0
            and [_mark(m) for m in marks] == list(range(1, len(marks) + 1))
        ):
            starts = [m.start() for m in marks] + [len(lines[0])]
            lines = [lines[0][a:b].strip() for a, b in itertools.pairwise(starts)]
        else:  # one measure, kept as written, unless numbered 1 as numbered() numbers it
            alone = _MARK.match(lines[0])
            rest = lines[0][alone.end() :].strip() if alone is not None else ""
            if alone is not None and _mark(alone) == 1 and _MARK.match(rest):
                return (rest,)
            return (lines[0],)
    found = [_MARK.match(line) for line in lines]
    if (
        len(lines) >= 2
        and all(found)
        and [_mark(m) for m in found if m] == list(range(1, len(lines) + 1))
    ):
        lines = [
            _unended(line[m.end() :]) if m else line for line, m in zip(lines, found, strict=True)
        ]
    return tuple(line for line in lines if line)


def numbered(items: Sequence[str]) -> str:
    """Measures as committees write them in one cell: one a line, numbered when there are
    several (``1. …`` newline ``2. …``, with a ``；`` more after one that ends with one), and a
    measure alone numbered ``1. …`` when it would else read as another (it starts with a
    number); what :func:`read_measures` reads back exactly."""
    if len(items) == 1:
        (item,) = items
        return item if read_measures(item) == (item,) else f"1. {item}"
    return MEASURE_SEPARATOR.join(
        f"{n}. {item}{'；' if item[-1:] in _END else ''}" for n, item in enumerate(items, start=1)
    )
