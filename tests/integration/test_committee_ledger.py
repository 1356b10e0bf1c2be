"""A ledger laid out as committees lay them out (issue 11, started): a title row merged across,
the header under it, 責任單位 merged down over each unit's rows, deadlines written as people write
them, 是否銷號 as 已銷號 or blank, no 發現日期 column (given with ``found_on``), a blank row and
notes under the table. It gets in without surgery, and every row that is not a problem is
reported as skipped."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

import rectify
from rectify.adapters.spreadsheets.reading import ImportRejected, measures_in
from rectify.adapters.spreadsheets.tabular import numbered
from rectify.adapters.spreadsheets.words import read_deadline
from tests.conftest import TODAY

HEADER = ["序號", "問題描述", "問題來源", "整改措施", "責任單位", "責任人", "整改時限",
          "整改進展", "是否銷號", "備註"]  # fmt: skip
ROWS: list[list[Any]] = [
    [1, "黨費收繳不及時", "考核", "補繳黨費", "省財政廳", "劉處長", "2019年12月底前", "已補繳", "已銷號", ""],
    [2, "三會一課記錄不全", "考核", "規範記錄", None, "劉處長", "2019.10.31", "整改中", "", ""],
    [3, "主題黨日流於形式", "考核", "制定計劃", None, "張科長", datetime(2019, 11, 15), "", "否", ""],
    [4, "組織生活會走過場", "考核", "認真開展", "省教育廳", "王處長", "2019年10月", "", "未銷號", ""],
    [5, "黨建臺賬不規範", "考核", "完善臺賬", None, "王處長", "2019/11/15", "", None, "需複查"],
]  # fmt: skip


def committee_ledger(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "臺賬"
    sheet.append(["XX廳2019年黨建考核反饋問題整改臺賬"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("E3:E5")  # 省財政廳, merged down over its three rows
    sheet.merge_cells("E6:E7")  # 省教育廳
    sheet.append([])
    sheet.append(["注：1.本表由各單位填報；2.整改時限以文件為準。"])
    sheet.merge_cells(start_row=9, start_column=1, end_row=9, end_column=len(HEADER))
    sheet.append(["填表人：李四", None, None, None, None, "審核人：趙六"])
    book.save(path)
    return path


IMPORTER = rectify.Actor("gw-import", "導入", "省直機關工委", [rectify.Role.VERIFIER])


def test_a_committee_ledger_gets_in_without_surgery(tmp_path: Path) -> None:
    path = committee_ledger(tmp_path / "臺賬-最終版.xlsx")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:  # no 發現日期 column, and no default given
        app.import_ledger(path, actor=IMPORTER, dry_run=True)
    assert [(p.row, p.column) for p in refused.value.rows] == [(2, "發現日期")]
    result = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01")
    assert len(result.new) == 5
    assert [n for n, _ in result.skipped] == [1, 9, 10]  # the title; the note; 填表人 …
    assert "a title above the header" in result.skipped[0][1]
    found = [n for n, column, _, where in result.defaulted if column == "發現日期"]
    assert found == [3, 4, 5, 6, 7]
    assert {where for _, column, _, where in result.defaulted if column == "發現日期"} == {
        "found_on"
    }
    ledger = app.ledger()
    assert [r.acting_unit for r in ledger] == ["省財政廳"] * 3 + ["省教育廳"] * 2
    assert [str(r.deadline) for r in ledger] == [
        "2019-12-31", "2019-10-31", "2019-11-15", "2019-10-31", "2019-11-15",
    ]  # fmt: skip
    assert ledger[0].status.value == "closed_out"  # 已銷號
    assert (3, "整改日期", TODAY, "the date of the import") in result.defaulted
    assert (3, "銷號日期", TODAY, "the date of the import") in result.defaulted
    assert all(r.status.value != "closed_out" for r in ledger[1:])  # blank, 否, 未銷號
    assert {r.found_on for r in ledger} == {date(2019, 6, 1)}
    app.close()


def test_a_blank_row_inside_the_table_is_skipped_and_said(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([*ROWS[0][:4], "省財政廳", *ROWS[0][5:]])
    sheet.append([])
    sheet.append(ROWS[3])
    path = tmp_path / "l.xlsx"
    book.save(path)
    app = rectify.connect("memory://", today=lambda: TODAY)
    result = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", dry_run=True)
    assert result.skipped == [(3, "a blank row")]
    assert [n for n, _, _ in result.new] == [2, 4]
    app.close()


def test_a_sheet_is_chosen_by_name(tmp_path: Path) -> None:
    path = committee_ledger(tmp_path / "l.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["臺賬"].title = "2019年"
    book.create_sheet("說明", 0)
    book.save(path)
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="2020年")
    assert "no sheet '2020年'" in str(refused.value) and "2019年" in str(refused.value)
    result = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="2019年")
    assert len(result.new) == 5
    app.close()


def deadline_in(cells: dict[str, Any]) -> date | None:
    """The date a 整改時限 cell fixes (None: blank, or words that fix none)."""
    found = read_deadline(cells["整改時限"])
    return None if found is None else found.day


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2019-12-31", date(2019, 12, 31)),
        ("2019/11/15", date(2019, 11, 15)),
        ("2019.10.31", date(2019, 10, 31)),
        ("2019年10月31日", date(2019, 10, 31)),
        ("2019年10月31日前", date(2019, 10, 31)),
        ("2019年12月底前", date(2019, 12, 31)),
        ("2019年2月底", date(2019, 2, 28)),
        ("2019年10月", date(2019, 10, 31)),
        ("2019年底前", date(2019, 12, 31)),
        (datetime(2019, 11, 15), date(2019, 11, 15)),
    ],
)
def test_deadlines_as_people_write_them(written: Any, meant: date) -> None:
    assert deadline_in({"整改時限": written}) == meant


@pytest.mark.parametrize(
    "written",
    ["儘快", "2019年13月", "2019年2月30日", "年底前", "立行立改，儘快", "2019年底、2020年底"],
)
def test_what_fixes_no_date_is_refused_not_guessed(written: str) -> None:
    with pytest.raises(ValueError, match=written[:2]):
        deadline_in({"整改時限": written})


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_day_reads_back_as_that_day(day: date) -> None:
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日前",
    ):
        assert deadline_in({"整改時限": text}) == day
    month_end = deadline_in({"整改時限": f"{day.year}年{day.month}月底前"})
    assert month_end is not None
    assert (month_end.year, month_end.month) == (day.year, day.month)
    assert month_end >= day
    assert (month_end + timedelta(days=1)).day == 1  # the month's last day


def test_the_command_line_takes_the_sheet_and_the_found_on_date(tmp_path: Path) -> None:
    from tests.conftest import run_rectify

    path = committee_ledger(tmp_path / "l.xlsx")
    url = f"sqlite:///{tmp_path}/l.db"
    who = ("--actor-id", "gw-import", "--actor-unit", "省直機關工委")
    args = ("--sheet", "臺賬", "--found-on", "2019-06-01")
    done = run_rectify("import", str(path), "--db", url, *args, *who)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "row 1 skipped: a title above the header" in done.stdout
    assert "row 9 skipped: a note under the table" in done.stdout
    assert "5 new" in done.stdout
    assert "row 3: 發現日期 blank, taken as 2019-06-01 (--found-on)" in done.stdout
    missing = run_rectify("import", str(path), "--db", url, "--sheet", "2020年", *who)
    assert missing.returncode == 2
    assert "no sheet '2020年'" in missing.stdout


@pytest.mark.parametrize("bad", ["2019-13-01", "六月", 20190601, "2030-01-01"])
def test_a_found_on_date_that_is_not_one_is_refused(tmp_path: Path, bad: Any) -> None:
    path = committee_ledger(tmp_path / "l.xlsx")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=bad)
    assert refused.value.field == "found_on"
    assert not app.recorder.max_notification_id()
    app.close()


@pytest.mark.parametrize(
    ("written", "measures"),
    [
        (
            "1.制定方案；\n2.逐條整改；\n3.建立長效機制。",
            ("制定方案", "逐條整改", "建立長效機制。"),
        ),
        ("1、制定方案；2、逐條整改；3、建立機制", ("制定方案", "逐條整改", "建立機制")),
        ("（1）補繳\n（2）公示", ("補繳", "公示")),
        ("①補繳；②公示", ("補繳", "公示")),
        ("制定方案\n逐條整改", ("制定方案", "逐條整改")),
        ("1.x", ("1.x",)),  # one line, one number: the text as written
        ("1.5倍補繳", ("1.5倍補繳",)),
        ("1. 甲\n3. 乙", ("1. 甲", "3. 乙")),  # not counted 1, 2: kept as written
    ],
)
def test_numbered_measures_in_one_cell_become_several(
    written: str, measures: tuple[str, ...]
) -> None:
    assert measures_in({"整改措施": written}) == measures


measure = (
    st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(lambda t: bool(t) and not t.endswith(("；", ";")))
)


@given(st.lists(measure, min_size=1, max_size=6))
def test_measures_as_exported_read_back_exactly(measures: list[str]) -> None:
    assert measures_in({"整改措施": numbered(measures)}) == tuple(measures)
