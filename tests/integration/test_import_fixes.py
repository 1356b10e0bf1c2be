"""What a review of the ledger import found (issue 11), each fixed and proved here: a stale file
never undoes newer history; an import keeps the workflow of a problem (its list's, or the one it
was exported under); a 責任人 without 整改時限, two columns read as one of ours, and 是否銷號
contradicting 銷號日期 or 狀態 are refused by row and column; columns not read are reported; a
clerk's CSV export re-imported records nothing new; known aliases are read without a mapping."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook, load_workbook

import rectify
from rectify.adapters.spreadsheets.importer import LedgerRejected
from rectify.adapters.spreadsheets.tabular import ID_SHEET
from rectify.domain.issue import Issue
from tests.conftest import TODAY, run_rectify
from tests.integration.test_committee_ledger import HEADER, IMPORTER, ROWS, committee_ledger

FOUND_ON = "2019-06-01"
UNIT = "省財政廳"
DOER = rectify.Actor("cz-zhang", "張科長", UNIT, [rectify.Role.RESPONSIBLE])
INSPECTOR = rectify.Actor("insp", "巡查組", "省直機關工委", [rectify.Role.INSPECTOR])
VERIFIER = rectify.Actor("ver", "工委驗收", "省直機關工委", [rectify.Role.VERIFIER])


def imported(tmp_path: Path) -> tuple[rectify.RectificationApp, Path, dict[int, UUID]]:
    """A store holding the committee's ledger (test_committee_ledger.ROWS), its ids by 序號."""
    app = rectify.connect("memory://", today=lambda: TODAY)
    path = committee_ledger(tmp_path / "臺賬.xlsx")
    assert len(app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON).new) == 5
    return app, path, {r.seq: r.id for r in app.ledger()}


def sheet(path: Path, rows: list[list[Any]], title: str | None = None) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    if title is not None:
        ws.append([title])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def stored(app: rectify.RectificationApp, ident: UUID) -> Issue:
    found: object = app.repository.get(ident)
    assert isinstance(found, Issue)
    return found


def problems(e: pytest.ExceptionInfo[LedgerRejected]) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in e.value.rows]


# ---------------------------------------------------------------- 1. a stale file


def test_an_export_older_than_a_close_out_never_reopens_it(tmp_path: Path) -> None:
    """Exported as of 2019-07-01; the problem was closed out on 2019-08-01: importing the old
    file into the same store is a conflict (before: a reopening was recorded)."""
    app, _, ids = imported(tmp_path)
    three = ids[3]  # 主題黨日流於形式: assigned, one measure, not closed
    app.complete_measure(three, actor=DOER, on="2019-07-20", measure=1)
    app.submit_rectification(three, actor=DOER, on="2019-07-25", summary="已制定計劃")
    app.verify(three, actor=VERIFIER, on="2019-07-30")
    app.close_out(three, actor=VERIFIER, on="2019-08-01")
    old = tmp_path / "old.xlsx"
    app.export_ledger(old, as_of="2019-07-01")
    before = app.recorder.max_notification_id()
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(old, actor=IMPORTER)
    # 序號3 (row 5), and 序號1 (row 3), closed out by the first import on its date, 2019-12-31
    assert [p.row for p in refused.value.rows] == [3, 5]
    reason = refused.value.rows[1].reason
    assert "changed in the store since this file was exported at 2019-07-01" in reason
    assert "dated 2019-08-01" in reason and "export it again" in reason
    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert stored(app, three).status is rectify.Status.CLOSED_OUT
    # the hidden sheet of ids says, on each row, what the export showed and when it was read
    marks = list(load_workbook(old)[ID_SHEET].iter_rows(values_only=True))
    assert marks[0][-2:] == ("導出截至", "導出位置")
    assert marks[1][-2:] == ("2019-07-01", before)
    app.close()


def test_an_export_edited_by_the_clerk_updates_unless_the_store_changed_since(
    tmp_path: Path,
) -> None:
    app, _, ids = imported(tmp_path)
    out = tmp_path / "export.xlsx"
    app.export_ledger(out)
    book = load_workbook(out)
    book["臺賬"]["H4"] = "已召開專題會"  # 序號2's 整改進展, edited by the clerk
    book.save(tmp_path / "edited.xlsx")
    # the store unchanged since the export: the clerk's edit is recorded
    dry = app.import_ledger(tmp_path / "edited.xlsx", actor=IMPORTER, dry_run=True)
    assert [u.key for u in dry.updates] == ["2"]
    # progress recorded through the API after the export: the file is older, refused
    app.report_progress(ids[2], actor=DOER, on="2019-12-30", text="已整改完畢")
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(tmp_path / "edited.xlsx", actor=IMPORTER)
    assert problems(refused) == [(4, "整改進展")]
    reason = refused.value.rows[0].reason
    assert reason.startswith("stored 已整改完畢, the file 已召開專題會")
    assert "recorded after it was read" in reason
    assert stored(app, ids[2]).progress == "已整改完畢"
    # exported again, the store's progress is in the file: nothing is refused or recorded
    fresh = tmp_path / "again.xlsx"
    app.export_ledger(fresh)
    again = app.import_ledger(fresh, actor=IMPORTER)
    assert (len(again.unchanged), again.events) == (5, 0)
    app.close()


def test_progress_recorded_after_an_import_is_never_overwritten_by_the_old_ledger(
    tmp_path: Path,
) -> None:
    """A committee's own ledger (no export's marks): re-imported unchanged after newer progress
    was recorded through the API, it is a conflict naming both texts (before: the file's older
    text was recorded over it)."""
    app, path, ids = imported(tmp_path)
    app.report_progress(ids[2], actor=DOER, on="2019-12-30", text="已整改完畢")
    before = app.recorder.max_notification_id()
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    assert problems(refused) == [(4, "整改進展")]
    reason = refused.value.rows[0].reason
    assert reason.startswith("stored 已整改完畢, the file 整改中")
    assert "recorded by cz-zhang on 2019-12-30, not by an import" in reason
    assert app.recorder.max_notification_id() == before
    assert stored(app, ids[2]).progress == "已整改完畢"
    app.close()


# ---------------------------------------------------------------- 2. workflows


def test_a_problem_of_a_list_naming_a_workflow_is_imported_under_it_and_keeps_it(
    tmp_path: Path,
) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    plist = app.issue_problem_list(
        actor=VERIFIER, name="2019年專項清單", issuer="省直機關工委", deadline="2019-12-31",
        issued_on="2019-05-01", issue_workflow="issue/2",
    )  # fmt: skip
    rows = [[*HEADER, "發現日期", "所屬清單"]] + [
        [*row[:4], row[4] or UNIT, *row[5:], FOUND_ON, str(plist)] for row in ROWS[1:3]
    ]
    path = sheet(tmp_path / "list.xlsx", rows)
    result = app.import_ledger(path, actor=IMPORTER)
    assert len(result.new) == 2
    assert {stored(app, i).workflow for _, i, _ in result.new} == {"issue/2"}
    # exported, then imported into a store without the list: the same workflow
    for columns, name in (("clerk", "e.xlsx"), ("all", "e.csv"), ("clerk", "c.csv")):
        out = tmp_path / name
        app.export_ledger(out, columns=columns)
        fresh = rectify.connect("memory://", today=lambda: TODAY)
        again = fresh.import_ledger(out, actor=IMPORTER, found_on=FOUND_ON)  # c.csv: none
        assert {stored(fresh, i).workflow for _, i, _ in again.new} == {"issue/2"}, name
        fresh.close()
    app.close()


def test_a_problem_exported_under_an_older_workflow_comes_back_under_it(tmp_path: Path) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    old = app.record_issue(
        actor=INSPECTOR, on="2019-06-01", title="舊規則下的問題", unit=UNIT, source="考核",
        workflow="issue/1",
    )  # fmt: skip
    new = app.record_issue(
        actor=INSPECTOR, on="2019-06-01", title="新規則下的問題", unit=UNIT, source="考核"
    )
    out = tmp_path / "e.xlsx"
    app.export_ledger(out)
    fresh = rectify.connect("memory://", today=lambda: TODAY)
    assert len(fresh.import_ledger(out, actor=IMPORTER).new) == 2
    assert (stored(fresh, old).workflow, stored(fresh, new).workflow) == ("issue/1", "issue/3")
    app.close()
    fresh.close()


# ---------------------------------------------------------------- 3. a 責任人 without 整改時限


def test_a_person_without_a_deadline_is_refused_not_dropped(tmp_path: Path) -> None:
    rows = [[*r[:4], r[4] or UNIT, *r[5:]] for r in ROWS]
    rows[1][6] = None  # 序號2: 劉處長 and 規範記錄, no 整改時限
    path = sheet(tmp_path / "l.xlsx", [HEADER, *rows], "XX廳臺賬")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    assert problems(refused) == [(4, "整改時限")]
    assert "a 責任人 ('劉處長') needs a 整改時限 to be assigned" in refused.value.rows[0].reason
    assert app.recorder.max_notification_id() in (None, 0)
    app.close()


# ---------------------------------------------------------------- 4. columns


def test_two_columns_read_as_one_of_ours_refuse_the_file(tmp_path: Path) -> None:
    header = [*HEADER[:6], "責任領導", *HEADER[6:]]
    rows = [[*r[:4], r[4] or UNIT, r[5], "李廳長", *r[6:]] for r in ROWS]
    path = sheet(tmp_path / "l.xlsx", [header, *rows], "XX廳臺賬")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\n"責任領導" = "責任人"\n', encoding="utf-8")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON, mapping=mapping)
    assert (2, "責任人") in problems(refused)
    reason = next(p.reason for p in refused.value.rows if p.column == "責任人" and p.row == 2)
    assert "責任人 (column F) and 責任領導 (column G) are both read as 責任人" in reason
    # the same header twice
    doubled = sheet(tmp_path / "d.xlsx", [[*HEADER, "備註"], *[[*r, "x"] for r in rows]])
    with pytest.raises(LedgerRejected) as twice:
        app.import_ledger(doubled, actor=IMPORTER, found_on=FOUND_ON)
    assert (1, "備註") in problems(twice)
    # a starting mapping never maps two headers to one of ours
    draft = app.draft_mapping(path)
    assert '"責任人" = "責任人"' in draft.splitlines()
    assert any(
        line.startswith('# "責任領導" = "責任人"  # a second column for 責任人')
        for line in draft.splitlines()
    )
    app.close()


def test_columns_not_read_are_reported(tmp_path: Path) -> None:
    header = [*HEADER, "牽頭領導", None]
    rows = [[*r[:4], r[4] or UNIT, *r[5:], "李廳長", None] for r in ROWS]
    rows[0][-1], rows[3][-1] = "見附件", "另見"  # a blank header with values
    path = sheet(tmp_path / "l.xlsx", [header, *rows], "XX廳臺賬")
    app = rectify.connect("memory://", today=lambda: TODAY)
    result = app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON, dry_run=True)
    assert result.unread == [("牽頭領導 (column K)", 5), ("column L", 2)]
    assert "2 column(s) not read" in result.summary()
    db = tmp_path / "s.db"
    done = run_rectify(
        "import", str(path), "--db", f"sqlite:///{db}", "--dry-run", "--found-on", FOUND_ON,
        "--actor-id", "gw-import", "--actor-unit", "省直機關工委",
    )  # fmt: skip
    assert "column 牽頭領導 (column K) not read (5 cell(s) not blank)" in done.stdout, (
        done.stdout + done.stderr
    )
    app.close()


# ---------------------------------------------------------------- 5. contradictions


def test_closed_out_words_contradicting_each_other_are_refused(tmp_path: Path) -> None:
    header = [*HEADER, "銷號日期", "狀態"]
    rows = [[*r[:4], r[4] or UNIT, *r[5:], None, None] for r in ROWS]
    rows[2][8], rows[2][10] = "否", "2019-11-20"  # 序號3: not closed, yet a close-out date
    rows[3][8], rows[3][11] = "是", "已交辦"  # 序號4: closed, yet 已交辦
    path = sheet(tmp_path / "l.xlsx", [header, *rows], "XX廳臺賬")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    assert problems(refused) == [(5, "是否銷號"), (6, "狀態")]
    assert "否, yet 銷號日期 is 2019-11-20" in refused.value.rows[0].reason
    assert "已交辦, yet 是否銷號 says closed out" in refused.value.rows[1].reason
    app.close()


# ---------------------------------------------------------------- 6. a clerk's CSV export


def test_a_clerks_csv_export_re_imported_records_nothing_new(tmp_path: Path) -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    for n in range(3):  # recorded through the API: random ids, no match key
        app.record_issue(
            actor=INSPECTOR, on="2019-06-01", title=f"問題{n}", unit=UNIT, source="考核"
        )
    out = tmp_path / "臺賬.csv"
    app.export_ledger(out)
    before = app.recorder.max_notification_id()
    again = app.import_ledger(out, actor=IMPORTER)
    assert (len(again.new), len(again.unchanged), again.events) == (0, 3, 0)
    assert app.recorder.max_notification_id() == before
    assert len(app.ledger()) == 3
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["問題整改臺賬　截至2019年12月31日"]
    assert table[1][-4:] == ["問題編號", "問題流程", "導出截至", "導出位置"]
    app.close()


# ---------------------------------------------------------------- 7. aliases, no header


def test_known_aliases_are_read_without_a_mapping(tmp_path: Path) -> None:
    header = ["序号", "问题描述", "问题来源", "整改措施", "责任单位", "责任人", "完成時限",
              "整改进展", "是否销号", "备注"]  # fmt: skip
    rows = [[*r[:4], r[4] or UNIT, *r[5:]] for r in ROWS]
    path = sheet(tmp_path / "l.xlsx", [header, *rows], "XX厅2019年党建考核反馈问题整改台账")
    app = rectify.connect("memory://", today=lambda: TODAY)
    result = app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    assert len(result.new) == 5
    assert ("问题描述", "問題描述") in result.aliases and ("完成時限", "整改時限") in result.aliases
    assert result.unread == []
    assert {r.responsible_person for r in app.ledger()} == {"劉處長", "張科長", "王處長"}
    app.close()


def test_a_header_not_found_says_so_and_points_to_write_mapping(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["編碼", "事項", "情況"], [1, "黨費收繳不及時", "已補繳"]]
    path = sheet(tmp_path / "l.xlsx", rows, "XX廳臺賬")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    assert problems(refused) == [(0, "header_row")]
    assert "no header row found" in refused.value.rows[0].reason
    assert "--write-mapping" in refused.value.rows[0].reason
    app.close()


def test_issue_keeps_who_reported_its_progress() -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    i = app.record_issue(actor=INSPECTOR, on="2019-06-01", title="問題", unit=UNIT, source="考核")
    app.assign(
        i, actor=VERIFIER, on="2019-06-02", unit=UNIT, person="張科長", deadline="2019-09-30"
    )
    app.report_progress(i, actor=DOER, on=date(2019, 6, 3), text="整改中")
    issue = stored(app, i)
    assert (issue.progress_by, issue.progress_on) == ("cz-zhang", date(2019, 6, 3))
    app.close()


def test_the_date_the_import_is_recorded_for_dates_undated_closures(tmp_path: Path) -> None:
    """A closed row without its dates is dated by ``on`` (default today): a ledger of 2019
    imported in 2026 as of 2019-12-31 is not made late by the year it was typed in."""
    from tests.integration.messy_ledger import messy_workbook

    path = messy_workbook(tmp_path / "臺賬.xlsx")
    importer = rectify.Actor("gw-01", "趙主任", "省直機關工委", [rectify.Role.VERIFIER])
    late = rectify.connect("memory://", today=lambda: date(2026, 11, 25))
    on_time = rectify.connect("memory://", today=lambda: date(2026, 11, 25))
    try:
        today = late.import_ledger(path, actor=importer, found_on="2019-06-01")
        as_of = on_time.import_ledger(path, actor=importer, found_on="2019-06-01", on="2019-12-31")
        given = {(r, c): d for r, c, d, _ in as_of.defaulted if c == "整改日期"}
        assert given and set(given.values()) == {date(2019, 12, 31)}
        assert {d for r, c, d, _ in today.defaulted if c == "整改日期"} == {date(2026, 11, 25)}
        rows = {r.title: r for r in on_time.ledger()}
        for row in late.ledger():
            if row.rectified_late and row.rectified_on == date(2026, 11, 25):
                mine = rows[row.title]  # late only if its deadline was before 2019-12-31
                assert mine.deadline is not None
                assert mine.rectified_late == (mine.deadline < date(2019, 12, 31))
        assert any(
            r.rectified_late and not rows[r.title].rectified_late for r in late.ledger()
        )  # the messy ledger's 2019-12-31 row: late when dated today, on time as of 2019
    finally:
        late.close()
        on_time.close()


def test_a_clerk_closing_a_row_of_the_exported_workbook_is_not_contradicted_by_its_hidden_sheet(
    tmp_path: Path,
) -> None:
    """The clerk writes 是 in 是否銷號 of the workbook they were given; the 狀態 the hidden sheet
    of ids keeps (已交辦) must not refuse it: what the clerk sees decides (found trying the
    README as a new user)."""
    committee = rectify.Actor("gw-zhao", "趙主任", "省直機關工委", [rectify.Role.VERIFIER])
    importer = rectify.Actor("gw-01", "導入", "省委辦公廳", [rectify.Role.VERIFIER])
    app = rectify.connect("memory://", today=lambda: date(2019, 12, 31))
    try:
        issue = app.record_issue(
            actor=committee, title="三會一課記錄不全", unit="省財政廳", source="考核",
            on="2019-06-01",
        )  # fmt: skip
        app.assign(
            issue, actor=committee, unit="省財政廳", person="劉處長", deadline="2019-12-31",
            on="2019-06-02",
        )  # fmt: skip
        path = tmp_path / "臺賬.xlsx"
        app.export_ledger(path)
        book = load_workbook(path)
        sheet = book.worksheets[0]
        headers = [c.value for c in sheet[2]]
        sheet.cell(row=3, column=headers.index("是否銷號") + 1, value="是")
        book.save(path)
        dry = app.import_ledger(path, actor=importer, on="2019-12-20", dry_run=True)
        assert [u.issue_id for u in dry.updates] == [issue]
        done = app.import_ledger(path, actor=importer, on="2019-12-20")
        assert done.updates == dry.updates
        view = app.get_issue(issue)
        assert view.status is rectify.Status.CLOSED_OUT
        assert view.closed_out_on == date(2019, 12, 20)
    finally:
        app.close()
