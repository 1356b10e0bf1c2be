"""Ledgers in the workbooks committees have (issue 11): the legacy .xls read as the .xlsx is (by
xlrd: the header under its title, merged cells, dates, the sheet of ids, ``sheet``), a file that
is not the workbook its suffix says refused by name, and a workbook of one sheet per unit read
whole with ``sheet="*"``: every visible sheet with the first ledger sheet's header, each row
named and keyed by its sheet, the other sheets skipped and said.

The .xls files are written by xlwt (a test dependency) as copies of the .xlsx ones
(:func:`xls_copy`): the same cells, merged ranges, dates and hidden sheets."""

from __future__ import annotations

import copy
import pickle
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlwt
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import rectify
from rectify.adapters.spreadsheets.mapping import draft_mapping
from rectify.adapters.spreadsheets.reading import ImportRejected, RowError, read_table
from rectify.adapters.spreadsheets.tabular import HEADERS
from rectify.adapters.spreadsheets.workbooks import SheetRow
from tests.conftest import TODAY, run_rectify
from tests.integration.messy_ledger import HEADER, TITLE, messy_workbook

IMPORTER = rectify.Actor("gw-import", "導入", "省直機關工委", [rectify.Role.VERIFIER])
KNOWN = frozenset(HEADERS)


def xls_copy(source: Path, target: Path) -> Path:
    """The workbook at ``source`` (.xlsx) written again as a legacy .xls at ``target``: each
    sheet's cells (dates with a date format, as Excel keeps them: serial numbers), its merged
    ranges and whether it is hidden."""
    book = load_workbook(source)
    out = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sheet in book.worksheets:
        copied = out.add_sheet(sheet.title, cell_overwrite_ok=True)
        for r, row in enumerate(sheet.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if isinstance(value, datetime | date):
                    copied.write(r, c, value, day)
                elif value is not None:
                    copied.write(r, c, value)
        for merged in sheet.merged_cells.ranges:
            copied.merge(
                merged.min_row - 1, merged.max_row - 1, merged.min_col - 1, merged.max_col - 1
            )
        if sheet.sheet_state != "visible":
            copied.visibility = 1
    out.save(str(target))
    return target


def _imported(path: Path, **options: Any) -> tuple[rectify.RectificationApp, Any]:
    app = rectify.connect("memory://", today=lambda: TODAY)
    result = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", **options)
    return app, result


def _shown(app: rectify.RectificationApp) -> list[dict[str, Any]]:
    """Every field of every ledger row, but when it was recorded (the wall clock)."""
    return [{**r.as_dict(), "recorded_at": None} for r in app.ledger()]


# ---------------------------------------------------------------- the legacy .xls


def test_an_xls_ledger_imports_as_the_xlsx_one(tmp_path: Path) -> None:
    xlsx = messy_workbook(tmp_path / "臺賬.xlsx")
    xls = xls_copy(xlsx, tmp_path / "臺賬.xls")
    assert read_table(xls, known=KNOWN) == read_table(xlsx, known=KNOWN)  # cell for cell
    book, from_xlsx = _imported(xlsx)
    legacy, from_xls = _imported(xls)
    assert from_xls.list_name == TITLE  # the title above the header, found as in the .xlsx
    assert from_xls.skipped == from_xlsx.skipped  # the title, the blank row, the notes
    assert from_xls.new == from_xlsx.new  # the same rows, the same keys
    assert _shown(legacy) == _shown(book)
    rows = {r.title: r for r in legacy.ledger()}
    assert rows["三會一課記錄不全"].acting_unit == "省財政廳"  # merged down from row 3
    assert rows["理論學習不深入"].deadline == date(2019, 11, 15)  # an Excel date, a serial
    book.close()
    legacy.close()


def test_an_xls_sheet_is_chosen_by_name(tmp_path: Path) -> None:
    xlsx = messy_workbook(tmp_path / "l.xlsx")
    book = load_workbook(xlsx)
    book["臺賬"].title = "2019年"
    book.create_sheet("說明", 0)["A1"] = "填表說明：每個問題一行。"
    book.save(xlsx)
    xls = xls_copy(xlsx, tmp_path / "l.xls")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(xls, actor=IMPORTER, found_on="2019-06-01", sheet="2020年")
    assert "l.xls" in str(refused.value) and "no sheet '2020年'" in str(refused.value)
    assert "2019年" in str(refused.value)
    result = app.import_ledger(xls, actor=IMPORTER, found_on="2019-06-01", sheet="2019年")
    assert len(result.new) == 8
    app.close()


def test_an_exported_ledger_as_xls_finds_its_problems_by_the_sheet_of_ids(tmp_path: Path) -> None:
    app, first = _imported(messy_workbook(tmp_path / "臺賬.xlsx"))
    out = tmp_path / "export.xlsx"
    app.export_ledger(out)
    assert load_workbook(out)["編號"].sheet_state != "visible"  # the hidden sheet of ids
    xls = xls_copy(out, tmp_path / "export.xls")
    again = app.import_ledger(xls, actor=IMPORTER, found_on="2019-06-01")
    assert again.events == 0 and again.new == [] and again.updates == []
    assert len(again.unchanged) == len(first.new)
    app.close()


def _ole_file(path: Path) -> Path:
    """A legacy workbook (the OLE container an .xls is), for naming it wrongly."""
    xlsx = messy_workbook(path.with_name("source.xlsx"))
    shutil.copy(xls_copy(xlsx, path.with_name("source.xls")), path)
    return path


@pytest.mark.parametrize(
    ("name", "write", "said"),
    [
        ("text.xls", lambda p: p.write_text("序號,問題描述\n1,x\n"), "it is not a workbook"),
        ("page.xls", lambda p: p.write_text("<html><table><tr><td>1</td></tr></table></html>"),
         "web page"),
        ("empty.xls", lambda p: p.write_bytes(b""), "it is empty"),
        ("new.xls", lambda p: messy_workbook(p), "name it .xlsx"),
        ("old.xlsx", _ole_file, "name it .xls"),
        ("cut.xls", lambda p: p.write_bytes(_ole_file(p).read_bytes()[:1500]), "legacy Excel"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_the_workbook_its_suffix_says_is_refused_by_name(
    tmp_path: Path, name: str, write: Any, said: str
) -> None:
    path = tmp_path / name
    write(path)
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01")
    assert f"file: {name}: " in str(refused.value)
    assert said in str(refused.value)
    assert [p.row for p in refused.value.rows] == [0]
    assert app.ledger() == []
    app.close()


def test_the_command_line_refuses_a_bad_xls_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "臺賬.xls"
    bad.write_text("not a workbook")
    done = run_rectify(
        "import", str(bad), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--dry-run",
        "--found-on", "2019-06-01", "--actor-id", "gw", "--actor-name", "導入",
        "--actor-unit", "省直機關工委",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "臺賬.xls" in done.stdout and "not a legacy Excel workbook" in done.stdout


# ---------------------------------------------------------------- every sheet with the header

UNITS: dict[str, list[list[Any]]] = {
    "省財政廳": [
        [1, "黨費收繳不及時", "2019年度黨建考核", "1.補繳黨費；\n2.建立收繳臺賬；", "省財政廳", "劉處長",
         "2019年12月底前", "已補繳", "已銷號", ""],
        [2, "三會一課記錄不全", "省委巡視反饋", "規範記錄", None, "劉處長", "立行立改", "已規範", "是", ""],
    ],
    "省教育廳": [
        [1, "主題黨日流於形式", "主題教育調研檢視", "制定年度計劃", "省教育廳", "張科長", "長期堅持", "", "否", ""],
        [2, "組織生活會走過場", "考核反饋", "認真開展", None, "王處長", datetime(2019, 11, 15), "", "", ""],
        [3, "黨建臺賬不規範", "巡察", "完善臺賬", None, "王處長", "2019.10.31", "", "未銷號", ""],
    ],
    "省水利廳": [
        [1, "理論學習不深入", "督查", "①制定學習計劃；②開展專題學習", "省水利廳", "李處長", "2019/11/15", "", "", ""],
    ],
}  # fmt: skip
"""One sheet per unit, as committees collect them; 序號 restarts on each."""


def units_workbook(path: Path, bad: tuple[str, int, int, Any] | None = None) -> Path:
    """A workbook with a sheet of instructions first, a sheet per unit (title, header, rows,
    the unit merged down, a note under the table), a summary sheet with another header and a
    hidden sheet; ``bad`` (sheet, row of its table, column, value) spoils one cell."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "說明"
    first.append(["填表說明：每個單位一頁，每個問題一行。"])
    for unit, rows in UNITS.items():
        sheet = book.create_sheet(unit)
        sheet.append([f"{unit}2019年黨建考核反饋問題整改臺賬"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
        sheet.append(HEADER)
        for i, row in enumerate(rows):
            cells = list(row)
            if bad is not None and bad[:2] == (unit, i):
                cells[bad[2]] = bad[3]
            sheet.append(cells)
        sheet.merge_cells(start_row=3, start_column=5, end_row=2 + len(rows), end_column=5)
        sheet.append(["注：整改時限以文件為準。"])
    summary = book.create_sheet("匯總")
    summary.append(["單位", "問題數", "已銷號"])
    summary.append(["省財政廳", 2, 2])
    hidden = book.create_sheet("舊表")
    hidden.append(HEADER)
    hidden.append([1, "舊問題", "考核", "", "省財政廳", "劉處長", "2018年12月", "", "", ""])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_every_sheet_with_the_header_is_read_as_one_ledger(tmp_path: Path, suffix: str) -> None:
    path = units_workbook(tmp_path / "各單位臺賬.xlsx")
    if suffix == "xls":
        path = xls_copy(path, tmp_path / "各單位臺賬.xls")
    app, result = _imported(path, sheet="*")
    assert [str(n) for n, _, _ in result.new] == ["省財政廳!3", "省財政廳!4", "省教育廳!3",
                                                  "省教育廳!4", "省教育廳!5", "省水利廳!3"]  # fmt: skip
    assert [key for _, _, key in result.new] == ["省財政廳!1", "省財政廳!2", "省教育廳!1",
                                                 "省教育廳!2", "省教育廳!3", "省水利廳!1"]  # fmt: skip
    ledger = {r.title: r for r in app.ledger()}
    assert len(ledger) == 6  # 序號 1 on three sheets: three problems, not one
    assert ledger["組織生活會走過場"].acting_unit == "省教育廳"  # merged down on its sheet
    assert ledger["組織生活會走過場"].deadline == date(2019, 11, 15)
    said = {str(n): why for n, why in result.skipped}
    assert "no ledger header" in said["說明"]
    assert "another header" in said["匯總"] and "no 序號" in said["匯總"]
    assert said["舊表"] == "a hidden sheet"
    assert said["省財政廳!1"].startswith("a title above the header")
    assert said["省水利廳!4"].startswith("a note under the table")
    assert list(said) == ["說明", "省財政廳!1", "省財政廳!5", "省教育廳!1", "省教育廳!6",
                          "省水利廳!1", "省水利廳!4", "匯總", "舊表"]  # fmt: skip
    assert result.list_name == "省財政廳2019年黨建考核反饋問題整改臺賬"  # the first sheet's title
    again = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="*")
    assert again.events == 0 and again.new == [] and again.updates == []
    assert len(again.unchanged) == 6
    app.close()


def test_a_row_error_names_its_sheet_and_nothing_is_recorded(tmp_path: Path) -> None:
    path = units_workbook(tmp_path / "l.xlsx", bad=("省教育廳", 1, 2, "不知道"))
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="*")
    [problem] = refused.value.rows
    assert (str(problem.row), problem.sheet, int(problem.row), problem.column) == (
        "省教育廳!4", "省教育廳", 4, "問題來源")  # fmt: skip
    assert "row 省教育廳!4, column 問題來源" in str(refused.value)
    assert refused.value.errors[0]["field"] == "row 省教育廳!4 問題來源"
    assert app.ledger() == []
    app.close()


def test_one_sheet_read_alone_keeps_plain_row_numbers(tmp_path: Path) -> None:
    path = units_workbook(tmp_path / "l.xlsx", bad=("省教育廳", 1, 2, "不知道"))
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="省教育廳")
    [problem] = refused.value.rows
    assert type(problem.row) is int and problem.row == 4 and problem.sheet is None
    result = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", sheet="省水利廳")
    assert result.new[0][0] == 3 and type(result.new[0][0]) is int and result.new[0][2] == "1"
    app.close()


def test_when_no_sheet_holds_a_ledger_the_file_is_refused(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["單位", "問題數"])
    path = tmp_path / "l.xlsx"
    book.save(path)
    with pytest.raises(ImportRejected) as refused:
        read_table(path, sheet="*", known=KNOWN)
    assert refused.value.rows == [RowError(0, "sheet", refused.value.rows[0].reason)]
    assert "no visible sheet holds a ledger's header" in str(refused.value)


def test_a_mapping_can_read_every_sheet_at_its_header_row(tmp_path: Path) -> None:
    path = units_workbook(tmp_path / "l.xlsx")
    drafted = draft_mapping(path, sheet="*")
    assert 'sheet = "*"' in drafted.splitlines()
    mapping = tmp_path / "m.toml"
    assert "# header_row = 2  # on every sheet, if it is" in drafted  # found on each
    mapping.write_text(drafted.replace("# header_row = 2", "header_row = 2"), encoding="utf-8")
    table = read_table(path, sheet="*", known=KNOWN, header_row=2)
    assert table.sheets == ("省財政廳", "省教育廳", "省水利廳")
    assert [str(n) for n, _ in table.rows][:2] == ["省財政廳!3", "省財政廳!4"]
    said = {str(n): why for n, why in table.skipped}
    assert said["說明"].startswith("no header row 2")  # one row only
    assert "another header" in said["匯總"]
    app, result = _imported(path, mapping=mapping)
    assert len(result.new) == 6 and result.list_name.startswith("省財政廳2019年")
    app.close()


def test_an_export_read_whole_is_joined_to_its_ids(tmp_path: Path) -> None:
    app, first = _imported(messy_workbook(tmp_path / "臺賬.xlsx"))
    out = tmp_path / "export.xlsx"
    app.export_ledger(out)
    again = app.import_ledger(out, actor=IMPORTER, found_on="2019-06-01", sheet="*")
    assert again.events == 0 and again.new == [] and again.updates == []
    assert len(again.unchanged) == len(first.new)
    assert any(str(n) == "編號" and "sheet of ids" in why for n, why in again.skipped)
    app.close()


def test_the_command_line_reads_every_sheet(tmp_path: Path) -> None:
    path = units_workbook(tmp_path / "各單位.xlsx")
    done = run_rectify(
        "import", str(path), "--sheet", "*", "--db", f"sqlite:///{tmp_path / 'x.db'}",
        "--dry-run", "--found-on", "2019-06-01", "--actor-id", "gw", "--actor-name", "導入",
        "--actor-unit", "省直機關工委",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 new" in done.stdout
    assert "row 匯總 skipped: another header" in done.stdout
    assert "省教育廳!3" in done.stdout


# ---------------------------------------------------------------- a row named by its sheet

sheet_rows = st.builds(
    lambda n, at: SheetRow(n, ["省財政廳", "省教育廳", "省水利廳"][at], at),
    st.integers(0, 10_000),
    st.integers(0, 2),
)


@given(st.lists(sheet_rows | st.integers(0, 10_000)))
def test_rows_sort_by_sheet_then_number_after_the_whole_file(rows: list[int]) -> None:
    def place(n: int) -> tuple[int, int]:
        return (n.order, int(n)) if isinstance(n, SheetRow) else (-1, n)

    assert [place(n) for n in sorted(rows)] == sorted(place(n) for n in rows)


@given(sheet_rows, sheet_rows)
def test_a_sheet_row_is_its_number_and_equals_only_the_same_row(a: SheetRow, b: SheetRow) -> None:
    assert a + 0 == int(a) and f"{a:d}" == str(int(a))
    assert (a == b) == ((a.sheet, int(a)) == (b.sheet, int(b)))
    assert (a == b) <= (hash(a) == hash(b))
    assert a != int(a)  # a row of a sheet is not the whole file's row of that number
    assert str(a) == (f"{a.sheet}!{int(a)}" if int(a) else a.sheet) == f"{a}"
    for kept in (copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert kept == a and kept.sheet == a.sheet and kept.order == a.order
