"""Write the periodic notification (通報) as Markdown or as an Excel sheet.

A unit's name is written as :func:`~rectify.adapters.spreadsheets.tabular.writable` gives
it, so what an older store holds (a control character, say) never stops a notice from being
written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font

from rectify.adapters.spreadsheets.tabular import digest_text, writable
from rectify.errors import InvalidCommand

if TYPE_CHECKING:
    from pathlib import Path

    from rectify.domain.seals import Checkpoint
    from rectify.projections.notice import Notice, NoticeLine

NOTICE_SUFFIXES = (".md", ".markdown", ".xlsx")
"""The files a notice is written to, by suffix: Markdown, or an Excel workbook."""

HEADERS = ("責任單位", "本期發現", "本期整改", "本期銷號", "逾期未改", "逾期整改")


def _cells(line: NoticeLine) -> list[str | int]:
    return [
        writable(line.unit),
        line.found,
        line.rectified,
        line.closed_out,
        line.overdue,
        line.rectified_late,
    ]


def notice_markdown(notice: Notice, sealed: Checkpoint | None = None) -> str:
    """The notice as a Markdown document; ending with the digest of the history it was made
    from, given ``sealed`` (``app.history_digest()``)."""
    p = notice.period
    out = [
        f"# 問題整改情況通報 {p.label}",
        "",
        f"統計期間:{p.start} 至 {p.end};逾期情況截至 {notice.as_of}。",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(HEADERS) - 1)) + " |",
    ]
    for line in [*notice.lines, notice.total]:
        cells = [str(c) for c in _cells(line)]
        if line is notice.total:
            cells = [f"**{c}**" for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    t = notice.total
    out += [
        "",
        f"本期共發現問題 {t.found} 個,整改 {t.rectified} 個,銷號 {t.closed_out} 個;"
        f"截至 {notice.as_of} 逾期未整改 {t.overdue} 個,本期逾期整改 {t.rectified_late} 個。"
        "逾期情況納入年底考核。",
        "",
    ]
    if sealed is not None:
        out += [digest_text(sealed), ""]
    return "\n".join(out)


def write_notice(path: Path, notice: Notice, sealed: Checkpoint | None = None) -> None:
    """Write the notice to ``path``: ``.md`` as Markdown, ``.xlsx`` as a workbook (any other
    suffix is refused: nothing is written); with the digest of the history it was made from at
    its foot, given ``sealed``."""
    suffix = path.suffix.lower()
    if suffix not in NOTICE_SUFFIXES:
        shown = suffix or "no suffix"
        raise InvalidCommand(
            "out", f"{path.name}: {shown} is not a notice's format; use .md or .xlsx"
        )
    if suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = f"通報 {notice.period.label}"
        sheet.append(list(HEADERS))
        for line in [*notice.lines, notice.total]:
            sheet.append(_cells(line))
        for cell in (*sheet[1], *sheet[sheet.max_row]):
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 20
        sheet.append([])
        sheet.append(
            [f"統計期間 {notice.period.start} 至 {notice.period.end};逾期情況截至 {notice.as_of}"]
        )
        if sealed is not None:
            sheet.append([digest_text(sealed)])
        book.save(path)
    else:
        path.write_text(notice_markdown(notice, sealed), encoding="utf-8")
