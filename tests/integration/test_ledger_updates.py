"""Keeping the ledger up to date by re-import (issue 11): a committee's ledger is imported, then
edited as a clerk edits it (a progress cell rewritten, 是否銷號 from 否 to 是, a later 整改時限,
and rows made impossible); the dry run shows the changes and the refusals and records nothing;
fixed, the file is imported again and the changes are recorded as events by the importing actor
(the rectification by the unit's 臺賬導入), exactly those the dry run showed, once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import rectify
from rectify.adapters.spreadsheets.importer import LedgerRejected
from tests.conftest import TODAY, run_rectify
from tests.integration.test_committee_ledger import IMPORTER, committee_ledger

FOUND_ON = "2019-06-01"
ON = "2019-12-20"
"""The date the clerk's changes are recorded on (the ledger dates none of them)."""


def edited(source: Path, path: Path, cells: dict[str, Any]) -> Path:
    """A copy of the ledger at ``source`` with ``cells`` (``"H4"``: value) rewritten."""
    book = load_workbook(source)
    sheet = book["臺賬"]
    for ref, value in cells.items():
        sheet[ref] = value
    book.save(path)
    return path


# The rows of test_committee_ledger.ROWS are spreadsheet rows 3 to 7 (序號 1 to 5).
CLERKS_EDITS = {
    "H4": "已完成整改",  # 序號2: 整改進展 rewritten
    "I5": "是",  # 序號3: 是否銷號 from 否 to 是
    "G6": "2019年12月底前",  # 序號4: a later 整改時限 (was 2019年10月)
}
IMPOSSIBLE = {
    "I3": "否",  # 序號1: a closed-out problem shown as not closed (no 狀態 says reopened)
    "B7": "黨建臺賬不夠規範",  # 序號5: the problem's text edited
}


@pytest.fixture
def imported(tmp_path: Path) -> tuple[rectify.RectificationApp, Path]:
    app = rectify.connect("memory://", today=lambda: TODAY)
    path = committee_ledger(tmp_path / "臺賬.xlsx")
    assert len(app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON).new) == 5
    return app, path


def test_a_clerks_edits_are_shown_refused_then_recorded(
    imported: tuple[rectify.RectificationApp, Path], tmp_path: Path
) -> None:
    app, first = imported
    before = app.recorder.max_notification_id() or 0
    wrong = edited(first, tmp_path / "wrong.xlsx", {**CLERKS_EDITS, **IMPOSSIBLE})
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(wrong, actor=IMPORTER, found_on=FOUND_ON, on=ON, dry_run=True)
    problems = [(p.row, p.column) for p in refused.value.rows]
    assert problems == [(3, "是否銷號"), (7, "問題描述")]
    assert "stored 是, the file 否" in refused.value.rows[0].reason
    assert "write 狀態 已交辦" in refused.value.rows[0].reason
    assert "stored 黨建臺賬不規範, the file 黨建臺賬不夠規範" in refused.value.rows[1].reason
    shown = {u.key: u.changes for u in refused.value.result.updates}
    assert sorted(shown) == ["2", "3", "4"]  # the good rows' changes, shown beside the refusals
    with pytest.raises(LedgerRejected):  # not a dry run: refused all the same
        app.import_ledger(wrong, actor=IMPORTER, found_on=FOUND_ON, on=ON)
    assert app.recorder.max_notification_id() == before  # nothing recorded

    fixed = edited(first, tmp_path / "fixed.xlsx", CLERKS_EDITS)
    dry = app.import_ledger(fixed, actor=IMPORTER, found_on=FOUND_ON, on=ON, dry_run=True)
    assert app.recorder.max_notification_id() == before
    assert {u.key: u.changes for u in dry.updates} == shown
    assert shown["2"] == [
        "整改進展: 整改中 → 已完成整改: 整改進展 (report_progress) on 2019-12-20 by 臺賬導入 "
        "(import:省財政廳)"
    ]
    assert shown["4"] == [
        "整改時限: 2019-10-31 → 2019-12-31: 延期 (extend_deadline) on 2019-12-20 by 導入 "
        "(gw-import)"
    ]
    assert [c.split(": ")[2].split(" on ")[0] for c in shown["3"]] == [
        "完成整改措施 (complete_measure)",
        "限期整改 (submit_rectification)",
        "驗收 (verify)",
        "銷號 (close_out)",
    ]
    done = app.import_ledger(fixed, actor=IMPORTER, found_on=FOUND_ON, on=ON)
    assert done.updates == dry.updates  # exactly what the dry run showed
    assert (app.recorder.max_notification_id() or 0) - before == dry.events == done.events == 6
    assert (len(done.new), len(done.unchanged)) == (0, 2)

    ledger = {r.seq: r for r in app.ledger()}
    assert ledger[2].progress == "已完成整改"
    assert (ledger[3].status, ledger[3].closed_out_on) == (
        rectify.Status.CLOSED_OUT,
        date(2019, 12, 20),
    )
    assert (ledger[4].deadline, ledger[4].extensions) == (date(2019, 12, 31), 1)
    trail = app.audit_trail(ledger[3].id)
    assert [(e.action, e.actor.id, str(e.on)) for e in trail[-4:]] == [
        ("complete_measure", "import:省財政廳", ON),
        ("submit_rectification", "import:省財政廳", ON),
        ("verify", IMPORTER.id, ON),
        ("close_out", IMPORTER.id, ON),
    ]
    # the same file again records nothing
    again = app.import_ledger(fixed, actor=IMPORTER, found_on=FOUND_ON, on=ON)
    assert (again.updates, again.events, len(again.unchanged)) == ([], 0, 5)
    assert (app.recorder.max_notification_id() or 0) - before == 6
    app.close()


def test_a_closed_out_problem_is_reopened_when_its_status_says_so(tmp_path: Path) -> None:
    """With a 狀態 column a row can say 已交辦 of a closed-out problem: 反彈重開, the new
    整改時限 with it; a rectified problem shown as 已交辦 is sent back (退回)."""
    app = rectify.connect("memory://", today=lambda: TODAY)
    path = committee_ledger(tmp_path / "臺賬.xlsx")
    book = load_workbook(path)
    sheet = book["臺賬"]
    sheet["K2"] = "狀態"
    book.save(path)
    app.import_ledger(path, actor=IMPORTER, found_on=FOUND_ON)
    reopened = edited(path, tmp_path / "r.xlsx", {"K3": "已交辦", "I3": "否", "G3": "2020年1月"})
    result = app.import_ledger(reopened, actor=IMPORTER, found_on=FOUND_ON, on=ON)
    [update] = result.updates
    # not before the close-out it reopens, dated by the first import (the ledger gave no date)
    assert update.changes[0].startswith("狀態: 已銷號 → 已交辦: 反彈重開 (reopen) on 2019-12-31")
    first = app.ledger()[0]
    assert (first.status, first.deadline, first.reopenings) == (
        rectify.Status.ASSIGNED,
        date(2020, 1, 31),
        1,
    )
    assert app.import_ledger(reopened, actor=IMPORTER, found_on=FOUND_ON, on=ON).events == 0
    app.close()


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"F3": "張三"}, "責任人", "no command changes who is responsible"),
        ({"D4": "另一措施"}, "整改措施", "added after the recorded ones"),
        ({"H4": None}, "整改進展", "no command takes progress away"),
        ({"G4": "2019年9月"}, "整改時限", "延期 (extend_deadline) refused"),
        ({"J7": "不需複查"}, "備註", "no command changes the remarks"),
    ],
)
def test_what_no_command_makes_is_refused_with_both_values(
    imported: tuple[rectify.RectificationApp, Path],
    tmp_path: Path,
    cells: dict[str, Any],
    column: str,
    reason: str,
) -> None:
    app, first = imported
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(LedgerRejected) as refused:
        app.import_ledger(
            edited(first, tmp_path / "x.xlsx", cells), actor=IMPORTER, found_on=FOUND_ON
        )
    [problem] = refused.value.rows
    assert (problem.column, reason in problem.reason) == (column, True), problem
    assert "stored " in problem.reason and ", the file " in problem.reason
    assert app.recorder.max_notification_id() == before
    app.close()


def test_the_command_line_shows_the_diff_and_records_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    who = ("--actor-id", "gw-import", "--actor-unit", "省直機關工委")
    first = committee_ledger(tmp_path / "臺賬.xlsx")
    done = run_rectify("import", str(first), "--db", url, "--found-on", FOUND_ON, *who)
    assert done.returncode == 0, done.stdout + done.stderr
    fixed = edited(first, tmp_path / "fixed.xlsx", CLERKS_EDITS)
    args = ("import", str(fixed), "--db", url, "--found-on", FOUND_ON, "--on", ON, *who)
    dry = run_rectify(*args, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    flat = " ".join(dry.stdout.split())
    assert "dry run, nothing recorded" in flat
    assert "report_progress" in flat and "extend_deadline" in flat and "close_out" in flat
    assert "3 updated (would record 6 events for 6 changes)" in flat
    real = run_rectify(*args)
    assert "3 updated (recorded 6 events for 6 changes)" in " ".join(real.stdout.split())
    wrong = edited(first, tmp_path / "wrong.xlsx", {**CLERKS_EDITS, **IMPOSSIBLE})
    refused = run_rectify("import", str(wrong), "--db", url, "--found-on", FOUND_ON, *who)
    assert refused.returncode == 2
    assert "nothing recorded" in refused.stdout and "是否銷號" in refused.stdout
