"""The periodic notification (通報)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import rectify
from rectify.adapters.spreadsheets.notice import notice_markdown, write_notice
from rectify.projections.notice import Period
from tests.conftest import OTHER_UNIT, UNIT
from tests.integration.test_views import some_history


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2019-06", "2019-06", date(2019, 6, 1), date(2019, 6, 30)),
        ("2020-2", "2020-02", date(2020, 2, 1), date(2020, 2, 29)),
        ("2019-Q3", "2019-Q3", date(2019, 7, 1), date(2019, 9, 30)),
        ("2019q4", "2019-Q4", date(2019, 10, 1), date(2019, 12, 31)),
        ("2019", "2019", date(2019, 1, 1), date(2019, 12, 31)),
    ],
)
def test_periods(text: str, label: str, start: date, end: date) -> None:
    assert Period.parse(text) == Period(label=label, start=start, end=end)


@pytest.mark.parametrize("text", ["2019-13", "June", "2019-Q5", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(rectify.InvalidCommand) as refused:
        Period.parse(text)
    assert refused.value.field == "period"


def test_the_notice_per_unit(app: rectify.RectificationApp, tmp_path: Path) -> None:
    some_history(app)
    june = app.notice("2019-06")
    assert june.as_of == date(2019, 6, 30)
    lines = {line.unit: line for line in june.lines}
    assert (
        lines[UNIT].found,
        lines[UNIT].rectified,
        lines[UNIT].closed_out,
        lines[UNIT].overdue,
    ) == (3, 0, 0, 0)
    assert (lines[OTHER_UNIT].found, lines[OTHER_UNIT].rectified) == (1, 1)
    assert (june.total.found, june.total.rectified, june.total.closed_out) == (4, 1, 0)
    july = app.notice("2019-07")
    assert (
        july.total.found,
        july.total.rectified,
        july.total.closed_out,
        july.total.rectified_late,
    ) == (0, 1, 1, 1)
    assert july.total.overdue == 1  # due 30 June, still open at the end of July
    text = notice_markdown(july)
    assert text.startswith("# 問題整改情況通報 2019-07") and "| **合計** |" in text
    write_notice(tmp_path / "n.xlsx", july)
    sheet = load_workbook(tmp_path / "n.xlsx").active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("責任單位", "本期發現", "本期整改") and ("合計", 0, 1, 1, 1, 1) in rows
