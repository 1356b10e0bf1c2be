"""The export a clerk hands upward (issue 11): the conventional ten columns under a title row,
names rather than ids (the ids on a hidden sheet that a re-import reads back), multi-line cells
wrapped, set up to print, Chinese throughout, the figures as numbers with number formats; and the
same column choice in CSV (UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

import rectify
from rectify.adapters.spreadsheets.export import getter, write_csv, write_xlsx
from rectify.adapters.spreadsheets.tabular import CLERK_COLUMNS, HEADERS, ID_SHEET
from rectify.errors import InvalidCommand, RectifyError
from tests.conftest import COMMITTEE, OTHER_UNIT, TODAY, UNIT, Cast, run_rectify

CLERK = ["序號", "問題描述", "問題來源", "整改措施", "責任單位",
         "責任人", "整改時限", "整改進展", "是否銷號", "備註"]  # fmt: skip
"""The ten columns the issue names, in its order: written out here, not derived, to be checked."""
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
IMPORTER = rectify.Actor("xs-li", "李處長", "省委巡視辦", [rectify.Role.VERIFIER])


def committee_ledger(app: rectify.RectificationApp) -> tuple[UUID, UUID]:
    """A list with a branch, three problems on it: one assigned with three measures (one done)
    and two lines of progress, one closed out, one only found. Returns (list, branch)."""
    branch = app.register_branch(
        actor=Cast.verifier, code="CZT-01", name="廳機關第一黨支部", unit=UNIT, on="2019-01-02"
    )
    plist = app.issue_problem_list(
        actor=Cast.verifier, name="2019年黨建考核反饋問題整改臺賬", issuer=COMMITTEE,
        deadline="2019-12-31", common_problems=[("01", "三會一課")], on="2019-01-03",
    )  # fmt: skip
    first = app.record_issue(
        actor=Cast.verifier, title="三會一課記錄不規範", unit=UNIT, source="assessment",
        list_id=plist, common_problem="01", branch_id=branch, on="2019-01-04",
    )  # fmt: skip
    app.assign(
        first, actor=Cast.verifier, unit=UNIT, person="劉處長", deadline="2019-12-31",
        measures=["建立記錄臺賬", "每月檢查", "年底通報"], on="2019-01-05",
    )  # fmt: skip
    app.complete_measure(first, actor=Cast.responsible, measure=1, on="2019-02-01")
    app.report_progress(
        first, actor=Cast.responsible, text="已建立臺賬\n每月檢查兩次", on="2019-03-01"
    )
    second = app.record_issue(
        actor=Cast.verifier, title="黨費收繳不及時", unit=OTHER_UNIT, source="inspection",
        list_id=plist, on="2019-01-04",
    )  # fmt: skip
    app.rectify_on_the_spot(
        second, actor=Cast.other_responsible, summary="當場補繳", on="2019-01-10"
    )
    app.verify(second, actor=Cast.verifier, on="2019-01-20")
    app.close_out(second, actor=Cast.verifier, on="2019-01-25")
    app.record_issue(
        actor=Cast.verifier, title="主題黨日未按月開展", unit=UNIT, source="self_inspection",
        list_id=plist, on="2019-06-01",
    )  # fmt: skip
    return plist, branch


@pytest.fixture
def app() -> rectify.RectificationApp:
    made = rectify.connect("memory://", today=lambda: TODAY)
    committee_ledger(made)
    return made


def sheet_of(path: Path, name: str = "臺賬") -> Worksheet:
    sheet = load_workbook(path)[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_a_clerks_workbook_has_a_title_the_ten_columns_and_names(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "臺賬.xlsx"
    done = app.export_ledger(out, as_of="2019-06-30")
    assert (done.format, done.rows, done.as_of) == ("xlsx", 3, date(2019, 6, 30))
    sheet = sheet_of(out)
    # the title: the one list's name and the date, merged across the ten columns
    assert sheet["A1"].value == "2019年黨建考核反饋問題整改臺賬\u3000截至2019年6月30日"
    assert "A1:J1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == CLERK
    rows = list(sheet.iter_rows(min_row=3, max_row=5, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 3]
    first = dict(zip(CLERK, rows[0], strict=True))
    assert first["整改措施"] == "1. 建立記錄臺賬\n2. 每月檢查\n3. 年底通報"
    assert first["整改進展"] == "已建立臺賬\n每月檢查兩次"
    assert (first["問題來源"], first["責任人"], first["是否銷號"]) == ("考核", "劉處長", "否")
    assert first["整改時限"] == datetime(2019, 12, 31)
    assert dict(zip(CLERK, rows[1], strict=True))["是否銷號"] == "是"
    # no id anywhere on the sheet a clerk hands upward
    texts = [v for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert not [t for t in texts if UUID_TEXT.search(t)]
    # multi-line cells wrapped; the header bold; widths set
    measures, progress = CLERK.index("整改措施") + 1, CLERK.index("整改進展") + 1
    assert sheet.cell(3, measures).alignment.wrap_text
    assert sheet.cell(3, progress).alignment.wrap_text
    assert sheet.cell(2, 1).font.b
    assert (sheet.column_dimensions["D"].width or 0) >= 40
    # set up to print: A4 landscape, one page wide, the title and header on every page
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize or 0) == 9
    assert sheet.sheet_properties.pageSetUpPr is not None
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1, Excel's default, left unwritten), as many pages long as it takes (0)
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.freeze_panes == "A3"
    # the ids, hidden, by 序號
    ids = sheet_of(out, ID_SHEET)
    assert ids.sheet_state == "hidden"
    kept = list(ids.iter_rows(values_only=True))
    assert kept[0][:4] == ("序號", "問題編號", "黨支部編號", "所屬清單編號")
    assert [UUID(str(r[1])) for r in kept[1:]] == [r.id for r in app.ledger(as_of="2019-06-30")]


def test_all_columns_show_every_column_with_names_and_chinese_words(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    plist, branch = app.ledger()[0].list_id, app.ledger()[0].branch_id
    out = tmp_path / "all.xlsx"
    app.export_ledger(out, columns="all")
    sheet = sheet_of(out)
    header = [c.value for c in sheet[2]]
    assert header == list(HEADERS) and len(header) == 30
    first = dict(zip(header, next(sheet.iter_rows(min_row=3, values_only=True)), strict=True))
    assert (first["黨支部"], first["所屬清單"]) == (
        "廳機關第一黨支部",
        "2019年黨建考核反饋問題整改臺賬",
    )
    assert first["措施完成"] == "3項中已完成1項"
    assert (first["狀態"], first["整改類型"], first["嚴重程度"]) == ("已交辦", None, "一般")
    ids = list(sheet_of(out, ID_SHEET).iter_rows(values_only=True))
    assert ids[1][2:4] == (str(branch), str(plist))


def test_a_units_export_names_the_unit_in_its_title(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "unit.xlsx"
    assert app.export_ledger(out, unit=OTHER_UNIT).rows == 1
    title = sheet_of(out)["A1"].value
    assert title == f"2019年黨建考核反饋問題整改臺賬\u3000{OTHER_UNIT}\u3000截至2019年12月31日"


def test_rows_of_several_lists_or_none_have_the_ledgers_title(tmp_path: Path) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    app.record_issue(actor=Cast.inspector, title="問題", unit=UNIT, source="巡查", on="2019-05-01")
    out = tmp_path / "l.xlsx"
    app.export_ledger(out)
    assert sheet_of(out)["A1"].value == "問題整改臺賬\u3000截至2019年12月31日"


def test_the_figures_are_numbers_with_number_formats_in_chinese(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "f.xlsx"
    app.export_ledger(out)
    sheet = sheet_of(out, "整改進度")
    cells = {str(r[0].value): r[1] for r in sheet.iter_rows(min_col=1, max_col=2) if r[0].value}
    rate = cells["整改率"]
    assert rate.value == round(1 / 3, 4) and rate.number_format == "0.0%"
    assert cells["銷號率"].number_format == "0.0%"
    days = cells["平均整改天數"]
    assert days.value == 6 and days.number_format == "0.0"  # found 01-04, rectified 01-10
    assert cells["發現問題"].value == 3 and isinstance(cells["發現問題"].value, int)
    labels = [str(v) for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert not [t for t in labels if re.search("[A-Za-z]", t)]  # Chinese everywhere
    assert {"已交辦", "已銷號", "考核", "巡查"} <= set(labels)  # statuses and sources by label
    numbers = [v for r in sheet.iter_rows(values_only=True) for v in r if isinstance(v, float)]
    assert all(v == round(v, 4) for v in numbers)  # no raw floats
    unit_rates = [
        r for r in sheet.iter_rows(min_row=1) if r[0].value == UNIT and r[7].value is not None
    ]
    assert unit_rates and unit_rates[0][7].number_format == "0.0%"


def test_a_clerks_export_imported_again_records_nothing(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "臺賬-最終版.xlsx"  # renamed, as files are: the ids sheet still matches
    app.export_ledger(out)
    count = app.recorder.max_notification_id()
    again = app.import_ledger(out, actor=IMPORTER)
    assert (len(again.new), len(again.unchanged), again.events) == (0, 3, 0)
    assert app.recorder.max_notification_id() == count


def test_a_clerks_export_imported_elsewhere_gives_the_same_ten_columns(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "l.xlsx"
    app.export_ledger(out)
    target = rectify.connect("memory://", today=lambda: TODAY)
    assert len(target.import_ledger(out, actor=IMPORTER).new) == 3
    assert clerk_cells(target.ledger()) == clerk_cells(app.ledger())


def clerk_cells(rows: list[Any]) -> list[list[Any]]:
    return [[getter(c)(r) for c in CLERK_COLUMNS] for r in rows]


def test_csv_has_the_same_column_choice_and_a_byte_order_mark(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    clerk, full = tmp_path / "l.csv", tmp_path / "all.csv"
    app.export_ledger(clerk)
    app.export_ledger(full, columns="all")
    assert clerk.read_bytes().startswith(b"\xef\xbb\xbf")  # what a Chinese Excel needs
    table = list(csv.reader(clerk.read_text(encoding="utf-8-sig").splitlines()))
    assert table[0] == ["2019年黨建考核反饋問題整改臺賬　截至2019年12月31日"]  # the title row
    # a CSV cannot hide what a re-import needs: it closes each row, after the clerk's columns
    assert table[1] == [*CLERK, "問題編號", "問題流程", "導出截至", "導出位置"]
    rows = list(csv.reader(full.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == [*HEADERS, "問題流程", "導出截至", "導出位置"]
    # a CSV file has one sheet: ``all`` keeps the ids in its columns, and reads back in
    target = rectify.connect("memory://", today=lambda: TODAY)
    assert len(target.import_ledger(full, actor=IMPORTER).new) == 3
    again = app.import_ledger(full, actor=IMPORTER)
    assert (len(again.new), again.events) == (0, 0)


def test_bad_choices_are_refused_by_name_and_write_nothing(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    attempts: tuple[tuple[Callable[[], object], str], ...] = (
        (lambda: app.export_ledger(tmp_path / "a.xlsx", columns="some"), "columns"),
        (lambda: app.export_ledger(tmp_path / "a.pdf"), "out"),
        (lambda: app.export_ledger(tmp_path / "a"), "out"),
        (lambda: app.export_ledger(tmp_path / "a.xlsx", format="csv"), "out"),
        (lambda: app.export_ledger(tmp_path / "a", format="pdf"), "format"),
        (lambda: app.export_ledger(tmp_path / "a.xlsx", unit="x\x00"), "unit"),
        (lambda: app.export_ledger(5), "path"),  # type: ignore[arg-type]
        (lambda: app.export_ledger(tmp_path / "a.xlsx", columns=5), "columns"),  # type: ignore[arg-type]
        (lambda: app.export_ledger(tmp_path / "a.xlsx", format=5), "format"),  # type: ignore[arg-type]
        (lambda: app.export_ledger(tmp_path / "a.xlsx", unit=5), "unit"),  # type: ignore[arg-type]
        (lambda: app.export_ledger(tmp_path / "a.xlsx", as_of="2019-13-01"), "as_of"),
        (lambda: app.export_ledger(tmp_path / "a.xlsx", known_at="soon"), "known_at"),
    )
    for call, field in attempts:
        with pytest.raises(InvalidCommand) as e:
            call()
        assert e.value.field == field
    assert list(tmp_path.iterdir()) == []
    assert app.export_ledger(tmp_path / "a", format="csv").format == "csv"  # no suffix, said
    with pytest.raises(InvalidCommand, match="columns"):
        write_csv(tmp_path / "b.csv", [], as_of=TODAY, known_at=None, columns="clerks")


def test_the_command_line_exports_a_clerks_ledger_or_all(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    app = rectify.connect(db, today=lambda: TODAY)
    committee_ledger(app)
    app.close()
    out = tmp_path / "l.xlsx"
    done = run_rectify("export", "--db", db, "--out", str(out), "--as-of", "2019-12-31")
    assert done.returncode == 0, done.stderr
    assert [c.value for c in sheet_of(out)[2]] == CLERK
    every = run_rectify("export", "--db", db, "--out", str(out), "--columns", "all")
    assert every.returncode == 0 and len(list(sheet_of(out)[2])) == 30
    unit = run_rectify("export", "--db", db, "--out", str(out), "--unit", OTHER_UNIT)
    assert unit.returncode == 0 and OTHER_UNIT in str(sheet_of(out)["A1"].value)
    bad = run_rectify("export", "--db", db, "--out", str(out), "--columns", "some")
    assert bad.returncode == 2 and "columns" in bad.stdout + bad.stderr


# ---------------------------------------------------------------- what is written reads back

TEXT = st.text(
    alphabet=st.sampled_from("整改問題支部黨建落實=+-@http:/._x0D 1.2、；\n'\"<>&"),
    min_size=1,
    max_size=20,
).filter(lambda t: t.strip() != "")


@st.composite
def ledgers(draw: st.DrawFn) -> rectify.RectificationApp:
    """A store of a few problems with random texts, measures, deadlines, progress, states."""
    app = rectify.connect("memory://", today=lambda: TODAY)
    for n in range(draw(st.integers(0, 6))):
        try:
            issue = app.record_issue(
                actor=Cast.inspector, title=draw(TEXT), unit=draw(st.sampled_from([UNIT, OTHER_UNIT])),
                source=draw(st.sampled_from(list(rectify.Source))), remarks=draw(st.just("") | TEXT),
                on=date(2019, 1, 1 + n),
            )  # fmt: skip
        except RectifyError:
            continue
        if not draw(st.booleans()):
            continue
        unit = app.get_issue(issue).unit
        try:
            app.assign(
                issue, actor=Cast.verifier, unit=unit, person=draw(TEXT),
                deadline=date(2019, draw(st.integers(2, 12)), draw(st.integers(1, 28))),
                measures=draw(st.lists(TEXT.map(lambda t: t.replace("\n", " ")), max_size=4)),
                on=date(2019, 1, 10),
            )  # fmt: skip
            who = Cast.responsible if unit == UNIT else Cast.other_responsible
            if draw(st.booleans()):
                app.report_progress(issue, actor=who, text=draw(TEXT), on=date(2019, 1, 11))
            if draw(st.booleans()):  # rectified, verified and closed out: 是否銷號 是
                app.submit_rectification(issue, actor=who, summary="完成", on=date(2019, 1, 12))
                app.verify(issue, actor=Cast.verifier, on=date(2019, 1, 13))
                app.close_out(issue, actor=Cast.verifier, on=date(2019, 1, 14))
        except RectifyError:
            continue
    return app


def read_back(value: Any) -> Any:
    """A cell as the workbook gives it back, dates as dates."""
    return value.date() if isinstance(value, datetime) else value


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(app=ledgers())
def test_the_clerks_ten_columns_read_back_as_written(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    rows = app.ledger()
    expected = [[v or None for v in r] for r in clerk_cells(rows)]  # "" is an empty cell
    book = tmp_path / "l.xlsx"
    write_xlsx(book, rows, app.figures(), as_of=TODAY, known_at=None)
    sheet = sheet_of(book)
    got = [
        [read_back(v) for v in r]
        for r in sheet.iter_rows(min_row=3, max_row=len(rows) + 2, values_only=True)
    ]
    assert got == expected
    text = tmp_path / "l.csv"
    write_csv(text, rows, as_of=TODAY, known_at=None)
    table = list(csv.reader(io.StringIO(text.read_text(encoding="utf-8-sig"), newline="")))
    shown = [
        [v.isoformat() if isinstance(v, date) else str(v) if v else "" for v in r] for r in expected
    ]
    assert [r[: len(CLERK_COLUMNS)] for r in table[2 : len(rows) + 2]] == shown  # the title first


def test_rows_moved_by_the_clerk_still_find_their_problems(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    out = tmp_path / "l.xlsx"
    app.export_ledger(out)
    book = load_workbook(out)
    sheet = book["臺賬"]
    assert isinstance(sheet, Worksheet)
    first, last = ([c.value for c in sheet[r]] for r in (3, 5))
    for c, (a, b) in enumerate(zip(last, first, strict=True), start=1):  # swap rows 1 and 3
        sheet.cell(3, c).value, sheet.cell(5, c).value = a, b
    book.save(out)
    count = app.recorder.max_notification_id()
    again = app.import_ledger(out, actor=IMPORTER)
    assert (len(again.new), len(again.unchanged), again.events) == (0, 3, 0)
    assert app.recorder.max_notification_id() == count


def test_a_committees_own_sheet_named_like_the_ids_is_not_joined() -> None:
    from rectify.adapters.spreadsheets.idsheet import join_ids

    table: list[list[Any]] = [["序號", "問題描述"], [1, "問題"]]
    own: list[list[Any]] = [
        ["序號", "單位編號"],
        [1, "A-01"],
    ]  # a committee's own numbering, not an export's ids
    assert join_ids(own, [list(r) for r in table]) == table
    ids: list[list[Any]] = [
        ["序號", "問題編號", "黨支部編號", "所屬清單編號", "發現日期"],
        [1, "x-1", None, "l-1", "2019-01-01"],
    ]
    joined = join_ids(ids, [list(r) for r in table])
    assert joined[0] == ["序號", "問題描述", "問題編號", "黨支部", "所屬清單", "發現日期"]
    assert joined[1] == [1, "問題", "x-1", None, "l-1", "2019-01-01"]


def test_a_notice_or_an_export_to_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    app = rectify.connect(db, today=lambda: TODAY)
    committee_ledger(app)
    notice = app.notice("2019-06")
    app.close()
    from rectify.adapters.spreadsheets.notice import write_notice

    with pytest.raises(InvalidCommand) as e:
        write_notice(tmp_path / "n.pdf", notice)
    assert e.value.field == "out"
    for args in (("notice", "--period", "2019-06"), ("export",)):
        done = run_rectify(*args, "--db", db, "--out", str(tmp_path / "n.pdf"))
        assert done.returncode == 2 and ".pdf" in done.stdout + done.stderr
    assert not (tmp_path / "n.pdf").exists()
