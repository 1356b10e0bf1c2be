"""Importing legacy ledgers: round trips, idempotence, mappings, and malformed spreadsheets."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

import rectify
from rectify.adapters.spreadsheets.export import write_csv, write_xlsx
from rectify.adapters.spreadsheets.tabular import cells
from rectify.demo import DEMO_TODAY, run_demo
from rectify.io.importer import ImportRejected, import_ledger

IMPORTER = rectify.Actor("xs-li", "李處長", "省委巡視辦", [rectify.Role.VERIFIER])
"""Who imports: a verifier of a unit none of the ledgers' problems belongs to."""

HEADER = [
    "序號",
    "問題描述",
    "問題來源",
    "問題類別",
    "責任單位",
    "責任人",
    "整改措施",
    "整改類型",
    "整改時限",
    "整改進展",
    "狀態",
    "是否銷號",
    "銷號日期",
    "備註",
    "發現日期",
    "整改日期",
]
GOOD = [
    [
        1,
        "三會一課記錄不規範",
        "考核",
        "組織生活",
        "省財政廳",
        "劉處長",
        "制定方案\n逐條整改",
        "限期整改",
        "2019-07-31",
        "已完成",
        "已銷號",
        "是",
        "2019-08-10",
        "",
        "2019-06-01",
        "2019-07-20",
    ],
    [
        2,
        "黨費收繳不及時",
        "巡查",
        "黨員管理",
        "省教育廳",
        "",
        "",
        "立行立改",
        "",
        "",
        "已整改",
        "否",
        "",
        "",
        "2019-06-02",
        "2019-06-03",
    ],
    [
        3,
        "支部未按期換屆",
        "調研",
        "基層組織",
        "省教育廳",
        "陳書記",
        "啟動換屆",
        "",
        "2019-09-30",
        "籌備中",
        "已交辦",
        "否",
        "",
        "",
        "2019-06-05",
        "",
    ],
]


def xlsx(path: Path, rows: list[list[Any]], header: list[str] | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "臺賬"
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def demo_app(url: str) -> rectify.RectificationApp:
    app = rectify.connect(url, today=lambda: DEMO_TODAY)
    run_demo(app, larger=False)  # the first report: its problems carry no list or branch ids
    return app


def exported(app: rectify.RectificationApp, day: date) -> list[list[Any]]:
    """The cells of the ledger as export writes them."""
    return [cells(r) for r in app.ledger(as_of=day)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_import_export_gives_the_same_ledger(
    store_url: str, kind: str, tmp_path: Path
) -> None:
    source = demo_app("memory://")
    rows, figures = source.ledger(as_of=DEMO_TODAY), source.figures(as_of=DEMO_TODAY)
    path = tmp_path / f"ledger.{kind}"
    if kind == "csv":
        write_csv(path, rows, as_of=DEMO_TODAY, known_at=None, columns="all")  # ids inline
    else:
        write_xlsx(path, rows, figures, as_of=DEMO_TODAY, known_at=None)
    target = rectify.connect(store_url, today=lambda: DEMO_TODAY)
    result = import_ledger(target, path, actor=IMPORTER)
    assert len(result.new) == len(rows) == 45 and result.events > 45
    assert exported(target, DEMO_TODAY) == exported(source, DEMO_TODAY)
    assert any("退回1次" in r.remarks for r in rows) and any(
        "反彈重開1次" in r.remarks for r in rows
    )
    # imported history is back-dated: on an earlier date the plain problems read the same too
    # (a snapshot's remarks, an extended problem's final deadline and the measures done show
    # from the start: the ledger has no column for when each measure was done)
    plain_ids = {r.id for r in rows if not (r.remarks or r.extensions or r.measures_done)}
    early = date(2019, 7, 1)
    assert [cells(r) for r in target.ledger(as_of=early) if r.id in plain_ids] == [
        cells(r) for r in source.ledger(as_of=early) if r.id in plain_ids
    ]
    # and importing it again records nothing new
    count = target.recorder.max_notification_id()
    again = import_ledger(target, path, actor=IMPORTER)
    assert (len(again.new), len(again.unchanged), again.events) == (0, 45, 0)
    assert target.recorder.max_notification_id() == count


def test_a_legacy_ledger_becomes_back_dated_events(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "2019年度問題清單.xlsx", GOOD)
    dry = import_ledger(app, path, dry_run=True, actor=IMPORTER)
    assert (len(dry.new), dry.dry_run) == (3, True) and app.recorder.max_notification_id() in (
        None,
        0,
    )
    result = import_ledger(app, path, actor=IMPORTER)
    assert [key for _, _, key in result.new] == ["1", "2", "3"]
    rows = app.ledger(as_of="2019-12-31")
    first, second, third = rows
    assert (first.status, first.mode, first.closed_out_on, first.measures) == (
        rectify.Status.CLOSED_OUT,
        rectify.Mode.WITHIN_DEADLINE,
        date(2019, 8, 10),
        ("制定方案", "逐條整改"),
    )
    assert (second.status, second.mode, second.acting_unit) == (
        rectify.Status.RECTIFIED,
        rectify.Mode.ON_THE_SPOT,
        "省教育廳",
    )
    assert (third.status, third.deadline, third.progress, third.overdue) == (
        rectify.Status.ASSIGNED,
        date(2019, 9, 30),
        "籌備中",
        True,
    )
    assert app.ledger(as_of="2019-05-31") == []  # back-dated: found on 1 June 2019
    assert (
        app.ledger(as_of="2019-06-01")[0].status is rectify.Status.ASSIGNED
    )  # no 交辦日期: same day
    trail = app.audit_trail(first.id)
    assert [e.action for e in trail] == [
        "record",
        "assign",
        "report_progress",
        *["complete_measure"] * len(app.get_issue(first.id).measures),
        "submit_rectification",
        "verify",
        "close_out",
    ]
    assert trail[-3].actor.unit == "省財政廳" and trail[-2].actor == IMPORTER
    # the same rows under another list name are other problems; under the same name, the same
    assert (
        len(import_ledger(app, path, list_name="另一清單", dry_run=True, actor=IMPORTER).new) == 3
    )
    assert len(import_ledger(app, path, dry_run=True, actor=IMPORTER).unchanged) == 3


def test_a_changed_row_records_its_change(app: rectify.RectificationApp, tmp_path: Path) -> None:
    import_ledger(app, xlsx(tmp_path / "l.xlsx", GOOD), actor=IMPORTER)
    changed = [row[:] for row in GOOD]
    changed[2][10] = "已整改"
    changed[2][15] = "2019-09-01"
    result = import_ledger(app, xlsx(tmp_path / "l.xlsx", changed), actor=IMPORTER)
    [update] = result.updates
    assert (update.row, update.key) == (4, "3")
    assert update.changes == [
        "狀態: 已交辦 → 已整改: 完成整改措施 (complete_measure) on 2019-09-01 by 臺賬導入 "
        "(import:省教育廳)",
        "整改日期: (blank) → 2019-09-01: 限期整改 (submit_rectification) on 2019-09-01 by "
        "臺賬導入 (import:省教育廳)",
    ]
    third = app.ledger(as_of="2019-12-31")[2]
    assert (third.status, third.mode, third.rectified_on) == (
        rectify.Status.RECTIFIED,
        rectify.Mode.WITHIN_DEADLINE,
        date(2019, 9, 1),
    )
    assert "1 updated (recorded 2 events for 2 changes)" in result.summary()
    again = import_ledger(app, xlsx(tmp_path / "l.xlsx", changed), actor=IMPORTER)
    assert (again.updates, again.events) == ([], 0)  # recorded once


def test_a_mapping_file_lets_a_unit_use_its_own_headers(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    own = {
        "編號": "序號",
        "問題": "問題描述",
        "來源": "問題來源",
        "牽頭單位": "責任單位",
        "查擺時間": "發現日期",
    }
    header = [next((k for k, v in own.items() if v == h), h) for h in HEADER]
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps({"columns": own, "units": ["省財政廳", "省教育廳"]}, ensure_ascii=False),
        encoding="utf-8",
    )
    path = xlsx(tmp_path / "own.xlsx", GOOD, header)
    with pytest.raises(ImportRejected):
        import_ledger(app, path, actor=IMPORTER)  # without the mapping the columns are missing
    assert len(import_ledger(app, path, mapping=mapping, actor=IMPORTER).new) == 3
    toml = tmp_path / "map.toml"
    toml.write_text("\n".join(f'"{k}" = "{v}"' for k, v in own.items()), encoding="utf-8")
    assert (
        len(import_ledger(app, path, mapping=toml, list_name="x", dry_run=True, actor=IMPORTER).new)
        == 3
    )


def bad(
    tmp_path: Path, rows: list[list[Any]], header: list[str] | None = None
) -> list[tuple[int, str]]:
    app = rectify.connect("memory://", today=lambda: date(2019, 12, 31))
    with pytest.raises(ImportRejected) as rejected:
        import_ledger(
            app,
            xlsx(tmp_path / "bad.xlsx", rows, header),
            units={"省財政廳", "省教育廳"},
            actor=IMPORTER,
        )
    assert app.recorder.max_notification_id() in (None, 0), "nothing may be recorded"
    assert rejected.value.field == "file"
    return [(e.row, e.column) for e in rejected.value.rows]


def test_missing_columns(tmp_path: Path) -> None:
    header = [h for h in HEADER if h not in ("問題來源", "發現日期")]
    rows = [[v for h, v in zip(HEADER, row, strict=True) if h in header] for row in GOOD]
    assert bad(tmp_path, rows, header) == [(1, "問題來源"), (1, "發現日期")]


def test_bad_dates(tmp_path: Path) -> None:
    rows = [row[:] for row in GOOD]
    rows[0][14] = "2019-13-01"
    rows[1][15] = "三月"
    rows[2][14] = "2030-01-01"  # in the future
    assert bad(tmp_path, rows) == [(2, "發現日期"), (3, "整改日期"), (4, "發現日期")]


def test_unknown_units_and_values(tmp_path: Path) -> None:
    rows = [row[:] for row in GOOD]
    rows[0][4] = "省外單位"
    rows[1][2] = "傳聞"
    rows[2][11] = "也許"
    assert bad(tmp_path, rows) == [(2, "責任單位"), (3, "問題來源"), (4, "是否銷號")]


def test_duplicate_numbers(tmp_path: Path) -> None:
    rows = [row[:] for row in GOOD]
    rows[2][0] = 1
    assert bad(tmp_path, rows) == [(4, "序號")]


def test_rows_that_contradict_themselves(tmp_path: Path) -> None:
    rows = [row[:] for row in GOOD]
    rows[1][7] = "限期整改"  # rectified within a deadline, yet no deadline
    assert bad(tmp_path, rows) == [(3, "整改時限")]
    # (closed out without a close-out date is dated by the import, and says so: see
    # tests/integration/test_committee_ledger.py)


def test_a_deadline_with_nobody_named_is_a_problem_sent_out_with_its_deadline(
    tmp_path: Path,
) -> None:
    rows = [row[:] for row in GOOD]
    rows[2][5] = ""  # 責任人: a list's problem has its deadline before anyone is assigned
    rows[2][10] = "已發現"
    app = rectify.connect("memory://", today=lambda: DEMO_TODAY)
    import_ledger(app, xlsx(tmp_path / "l.xlsx", rows), actor=IMPORTER)
    sent = app.ledger()[2]
    assert (sent.status, sent.responsible_person, str(sent.deadline)) == (
        rectify.Status.FOUND,
        None,
        "2019-09-30",
    )


def test_merged_cells_read_as_their_first_cell(tmp_path: Path) -> None:
    """A unit merged down over its rows (as committees lay ledgers out) is each row's unit."""
    rows = [row[:] for row in GOOD]
    rows[2][4] = "省衛健委"  # what E4 held before it was merged into E3
    path = xlsx(tmp_path / "merged.xlsx", rows)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["臺賬"].merge_cells("E3:E4")  # openpyxl keeps E3 and empties E4, as Excel does
    book.save(path)
    app = rectify.connect("memory://", today=lambda: date(2019, 12, 31))
    import_ledger(app, path, actor=IMPORTER)
    assert app.ledger()[2].acting_unit == GOOD[1][4]  # row 4 of the sheet: E4 read as E3


def test_an_empty_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.save(tmp_path / "empty.xlsx")
    app = rectify.connect("memory://")
    with pytest.raises(ImportRejected, match="empty"):
        import_ledger(app, tmp_path / "empty.xlsx", actor=IMPORTER)
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(ImportRejected, match="empty"):
        import_ledger(app, tmp_path / "empty.csv", actor=IMPORTER)


def test_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_text("not really", encoding="utf-8")
    with pytest.raises(ImportRejected, match="not a readable workbook"):
        import_ledger(rectify.connect("memory://"), tmp_path / "x.xlsx", actor=IMPORTER)
