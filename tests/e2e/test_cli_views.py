"""The view commands as a user runs them: ledger, figures, events, export, rebuild, project."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

import rectify
from tests.conftest import RECTIFY, PlayedDemo
from tests.conftest import run_rectify as run


@pytest.fixture(scope="module")
def demo(played_demo: PlayedDemo) -> str:
    """The URL of the demo played once per session (tests/conftest.py); tests only read it."""
    return played_demo.url


@pytest.fixture(scope="module")
def rows(demo: str) -> int:
    """How many problems the demo's ledger has on the demo date."""
    app = rectify.connect(demo)
    count = len(app.ledger("2019-09-30"))
    app.close()
    return count


def test_ledger_and_figures(demo: str) -> None:
    done = run("ledger", "--db", demo, "--as-of", "2019-09-30")
    assert done.returncode == 0, done.stderr
    assert (
        "問題整改臺賬 as of 2019-09-30" in done.stdout
        and "整改率 rectification rate" in done.stdout
    )
    earlier = run("ledger", "--db", demo, "--as-of", "2019-09-30", "--known-at", "50")
    assert "known at 50" in earlier.stdout
    figures = run("figures", "--db", demo, "--as-of", "2019-09-30")
    assert (
        figures.returncode == 0
        and "by unit 按責任單位" in figures.stdout
        and "省財政廳" in figures.stdout
    )
    bad = run("ledger", "--db", demo, "--as-of", "30/09/2019")
    assert bad.returncode == 2 and "as_of" in bad.stdout


def test_events_are_json_lines_of_the_documented_schema(demo: str) -> None:
    done = run("events", "--db", demo, "--since", "200", "--limit", "5")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["position"] for e in lines] == [201, 202, 203, 204, 205]
    for e in lines:
        assert e["schema"] == "rectify.event/1"
        assert set(e) == {
            "schema",
            "issue_id",
            "version",
            "position",
            "recorded_at",
            "on",
            "actor",
            "action",
            "event",
            "from_state",
            "to_state",
            "reason",
            "details",
            "kind",
        }
        assert e["kind"] in ("issue", "branch", "problem_list", "checklist", "round")
        date.fromisoformat(e["on"])
        datetime.fromisoformat(e["recorded_at"])
    app = rectify.connect(demo)
    assert [x.model_dump(mode="json") for x in app.events_since(200, limit=5)] == [
        {k: v for k, v in e.items() if k != "schema"} for e in lines
    ]
    assert app.events_since(app.recorder.max_notification_id() or 0) == []


def test_export_xlsx(demo: str, rows: int, tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    done = run(
        "export", "--db", demo, "--as-of", "2019-09-30", "--out", str(out), "--columns", "all"
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["臺賬", "編號", "整改進度"]  # the ids kept hidden, for re-import
    assert book["編號"].sheet_state == "hidden"
    sheet = book["臺賬"]
    assert isinstance(sheet, Worksheet)
    assert sheet.cell(1, 1).value == "問題整改臺賬\u3000截至2019年9月30日"  # the title row
    header = [c.value for c in sheet[2]]
    assert header[:14] == [
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
    ]
    assert sheet.freeze_panes == "A3"
    last = sheet.cell(2, len(header))
    assert isinstance(last, Cell)
    assert sheet.auto_filter.ref == f"A2:{last.column_letter}{rows + 2}"
    assert round(sheet.column_dimensions["B"].width or 0) in (36, 37)  # Excel adds its padding
    values = list(sheet.iter_rows(min_row=3, max_row=rows + 2, values_only=True))
    assert len(values) == rows and values[0][0] == 1
    status = header.index("狀態")
    overdue = header.index("逾期天數")
    fills = {
        sheet.cell(r, status + 1).fill.fgColor.rgb
        for r in range(3, rows + 3)
        if isinstance(days := sheet.cell(r, overdue + 1).value, int) and days > 0
    }
    assert {rgb[-6:] for rgb in fills} == {"F8CBAD"}  # red for overdue
    closed = [r for r in range(3, rows + 3) if sheet.cell(r, status + 1).value == "已銷號"]
    assert {sheet.cell(r, status + 1).fill.fgColor.rgb[-6:] for r in closed} == {"C6EFCE"}
    assert isinstance(sheet.cell(3, header.index("發現日期") + 1).value, datetime)
    footer, digest = (sheet.cell(sheet.max_row - n, 1).value for n in (1, 0))
    assert isinstance(footer, str)
    assert footer.startswith("截至 2019-09-30") and "導出時間" in footer
    assert isinstance(digest, str)
    assert digest.startswith("歷史摘要(history digest") and "rectify verify --expect" in digest
    figures = book["整改進度"]
    labels = [r[0] for r in figures.iter_rows(values_only=True)]
    assert "整改率" in labels and "省財政廳" in labels


def test_export_csv(demo: str, rows: int, tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    assert run("export", "--db", demo, "--as-of", "2019-09-30", "--out", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8-sig")
    table = list(csv.reader(text.splitlines()))
    assert table[0][0].endswith("截至2019年9月30日")  # the title row, as the workbook's
    assert table[1][0] == "序號" and table[1][-4:] == [
        "問題編號",
        "問題流程",
        "導出截至",
        "導出位置",
    ]
    assert len(table) == 2 + rows + 3  # a blank row, the footer, the digest
    assert table[-2][0].startswith("截至 2019-09-30")
    assert table[-1][0].startswith("歷史摘要(history digest")
    bad = run("export", "--db", demo, "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2


def test_rebuild_and_project(played_demo: PlayedDemo, tmp_path: Path) -> None:
    demo = played_demo.copy_to(tmp_path)  # rebuilding writes the views: on a copy of the store
    before = run("ledger", "--db", demo, "--as-of", "2019-09-30").stdout
    assert "views rebuilt from" in run("rebuild", "--db", demo).stdout
    assert "projected 0 events" in run("project", "--db", demo).stdout
    assert run("ledger", "--db", demo, "--as-of", "2019-09-30").stdout == before


def test_help_lists_every_command() -> None:
    done = subprocess.run(
        [str(RECTIFY), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    for command in (
        "demo",
        "diagram",
        "ledger",
        "figures",
        "audit",
        "events",
        "export",
        "rebuild",
        "project",
    ):
        assert command in done.stdout


def test_import_and_notice(demo: str, rows: int, tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    assert run("export", "--db", demo, "--as-of", "2019-09-30", "--out", str(out)).returncode == 0
    target = f"sqlite:///{tmp_path / 'imported.db'}"
    who = ("--actor-id", "xs-li", "--actor-name", "李處長", "--actor-unit", "省委巡視辦")
    dry = run("import", str(out), "--db", target, "--dry-run", *who)
    assert dry.returncode == 0, dry.stderr
    assert f"{rows} new (would record" in dry.stdout.replace("\n", " ")
    done = run("import", str(out), "--db", target, *who)
    assert f"{rows} new (recorded" in done.stdout.replace("\n", " ")
    again = run("import", str(out), "--db", target, *who)
    assert f"0 new (recorded 0 events), {rows} unchanged" in again.stdout.replace("\n", " ")
    broken = tmp_path / "broken.csv"
    broken.write_text("序號,問題描述\n1,x\n", encoding="utf-8")
    refused = run("import", str(broken), "--db", target, *who)
    assert (
        refused.returncode == 2
        and "nothing recorded" in refused.stdout
        and "問題來源" in refused.stdout
    )
    notice = run("notice", "--db", demo, "--period", "2019-08")
    assert notice.returncode == 0 and notice.stdout.startswith("# 問題整改情況通報 2019-08")
    md = tmp_path / "notice.md"
    assert run("notice", "--db", demo, "--period", "2019-Q3", "--out", str(md)).returncode == 0
    assert "| **合計** |" in md.read_text(encoding="utf-8")
    assert run("notice", "--db", demo, "--period", "someday").returncode == 2
    pdf = tmp_path / "notice.pdf"
    refused = run("notice", "--db", demo, "--period", "2019-Q3", "--out", str(pdf))
    assert refused.returncode == 2, refused.stdout
    assert "use .md or .xlsx" in refused.stdout
    assert not pdf.exists()  # Markdown is never written into a .pdf


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"rectify {rectify.__version__}"
