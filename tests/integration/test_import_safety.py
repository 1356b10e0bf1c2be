"""Issue 8: imports never let in what a store or a spreadsheet cannot hold, apply the API's limits,
fail typed on any file, and record as the importing actor the user names; exports write whatever
a store already holds.

Each test runs on SQLite and PostgreSQL (``persistent_url``)."""

from __future__ import annotations

import codecs
import csv
import random
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import rectify
from rectify import Actor, Role
from rectify.adapters.spreadsheets.export import write_csv, write_xlsx
from rectify.adapters.spreadsheets.notice import notice_markdown, write_notice
from rectify.cli import app as cli
from rectify.domain.issue import Issue
from rectify.domain.values import Source
from rectify.errors import InvalidCommand, NotFound, RectifyError
from rectify.io.importer import ImportRejected, import_ledger
from tests.conftest import TODAY, UNIT, Cast
from tests.integration.test_import import GOOD, HEADER, xlsx

IMPORTER = Actor("xs-li", "李處長", "省委巡視辦", [Role.VERIFIER])
"""Who imports in these tests: a verifier of a unit none of the rows belongs to."""

TITLE = HEADER.index("問題描述")
UNIT_COLUMN = HEADER.index("責任單位")
PERSON = HEADER.index("責任人")
PROGRESS = HEADER.index("整改進展")
STATUS = HEADER.index("狀態")


@pytest.fixture
def app(persistent_url: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(persistent_url, today=lambda: TODAY)
    yield application
    application.close()


def good() -> list[list[Any]]:
    return [row[:] for row in GOOD]


def write_csv_rows(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def xlsx_with_escapes(path: Path, rows: list[list[Any]], escapes: dict[str, str]) -> Path:
    """An xlsx whose cells hold ``escapes``' values as Excel writes what XML cannot carry
    (``_x000B_``): each placeholder text in ``rows`` is swapped for its escape in the sheet XML."""
    xlsx(path, rows)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    for placeholder, escaped in escapes.items():
        assert placeholder.encode() in parts[sheet]
        parts[sheet] = parts[sheet].replace(placeholder.encode(), escaped.encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def refused(app: rectify.RectificationApp, path: Path, **options: Any) -> list[tuple[int, str]]:
    """The (row, column) of each problem the import reports; nothing may be recorded."""
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as rejected:
        import_ledger(app, path, actor=options.pop("actor", IMPORTER), **options)
    assert isinstance(rejected.value, InvalidCommand)
    assert app.recorder.max_notification_id() == before, "nothing may be recorded"
    return [(e.row, e.column) for e in rejected.value.rows]


# ---------------------------------------------------------------- 1. unholdable text


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1f"])
def test_a_csv_cell_holding_a_control_character_is_refused(
    app: rectify.RectificationApp, tmp_path: Path, char: str
) -> None:
    rows = good()
    rows[1][TITLE] = f"黨費{char}收繳"
    rows[2][PERSON] = f"陳{char}"
    path = write_csv_rows(tmp_path / "l.csv", rows)
    assert refused(app, path) == [(3, "問題描述"), (4, "責任人")]
    with pytest.raises(ImportRejected, match="U\\+00"):
        import_ledger(app, path, actor=IMPORTER, dry_run=True)


def test_an_xlsx_cell_holding_what_no_store_can_hold_is_refused(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    rows = good()
    rows[0][TITLE] = "PLACEHOLDER1"
    rows[1][PROGRESS] = "PLACEHOLDER2"
    rows[2][TITLE] = "PLACEHOLDER3"
    path = xlsx_with_escapes(
        tmp_path / "l.xlsx",
        rows,
        {"PLACEHOLDER1": "Word_x000B_換行", "PLACEHOLDER2": "a_x0000_b", "PLACEHOLDER3": "_xD800_"},
    )
    assert refused(app, path) == [(2, "問題描述"), (3, "整改進展"), (4, "問題描述")]
    # what Excel escapes that a store can hold reads as Excel shows it: _x000A_ is a new line
    rows = good()
    rows[0][TITLE] = "PLACEHOLDER1"
    path = xlsx_with_escapes(tmp_path / "ok.xlsx", rows, {"PLACEHOLDER1": "兩_x000A_行"})
    import_ledger(app, path, actor=IMPORTER)
    assert app.ledger()[0].title == "兩\n行"


def test_a_cell_of_a_column_import_does_not_read_is_checked_too(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = tmp_path / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow([*HEADER, "", "自定義"])
        for n, row in enumerate(good()):
            out.writerow([*row, "\x07" if n == 0 else "", "\x00" if n == 2 else ""])
    assert refused(app, path) == [(2, f"column {chr(ord('A') + len(HEADER))}"), (4, "自定義")]


# ---------------------------------------------------------------- 2. the API's limits


def test_import_applies_the_api_length_limits(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    rows = good()
    rows[0][TITLE] = "長" * 50_000
    rows[1][TITLE] = "長" * 2_001
    rows[2][UNIT_COLUMN] = "單" * 2_001
    assert refused(app, xlsx(tmp_path / "l.xlsx", rows), units=None) == [
        (2, "問題描述"),
        (3, "問題描述"),
        (4, "責任單位"),
    ]
    rows = good()
    rows[0][PROGRESS] = "進" * 2_001  # a progress note: ReportProgress.text, at most 2,000
    rows[2][HEADER.index("整改措施")] = "短措施\n" + "措" * 2_001  # each measure at most 2,000
    problems = refused(app, write_csv_rows(tmp_path / "l.csv", rows))
    assert problems == [(2, "整改進展"), (4, "整改措施")]
    with pytest.raises(ImportRejected, match="line 2: String should have at most 2000"):
        import_ledger(app, tmp_path / "l.csv", actor=IMPORTER)
    rows = good()
    rows[0][TITLE] = "長" * 2_000  # the API's limit itself is fine
    import_ledger(app, xlsx(tmp_path / "ok.xlsx", rows), actor=IMPORTER)
    assert len(app.ledger()[0].title) == 2_000


# ---------------------------------------------------------------- 3. encodings


def test_a_gbk_csv_imports_like_a_utf8_one(app: rectify.RectificationApp, tmp_path: Path) -> None:
    gbk = write_csv_rows(tmp_path / "gbk.csv", good(), encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    result = import_ledger(app, gbk, actor=IMPORTER, list_name="清單")
    assert len(result.new) == 3
    assert [r.title for r in app.ledger()] == [row[TITLE] for row in GOOD]
    utf8 = write_csv_rows(tmp_path / "utf8.csv", good(), encoding="utf-8")  # no byte-order mark
    again = import_ledger(app, utf8, actor=IMPORTER, list_name="清單")
    assert (len(again.new), len(again.unchanged)) == (0, 3)


def test_a_file_in_no_known_encoding_is_refused_typed(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    noise = b"\xff\xfe" + random.Random(8).randbytes(4096)
    # a UTF-8 byte-order mark, then GBK: read as GB18030 it would be garbage, so it is refused
    broken = codecs.BOM_UTF8 + "a序號,問題描述\n1,三會一課\n".encode("gbk")
    assert broken.decode("gb18030").startswith("锘縜")
    for data in (noise, "序號,問題描述\n1,x\n".encode("utf-16"), broken):
        path = tmp_path / "noise.csv"
        path.write_bytes(data)
        with pytest.raises(ImportRejected, match=r"noise\.csv.*not text in UTF-8 or GB18030") as e:
            import_ledger(app, path, actor=IMPORTER)
        assert e.value.field == "file" and isinstance(e.value, RectifyError)
    assert app.recorder.max_notification_id() in (None, 0)


# ---------------------------------------------------------------- 4. huge fields


def test_a_csv_field_over_the_csv_module_limit_is_a_row_error(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    limit = csv.field_size_limit()
    rows = good()
    rows[1][HEADER.index("備註")] = "註" * 200_000
    path = write_csv_rows(tmp_path / "l.csv", rows)
    assert refused(app, path) == [(3, "備註")]
    with pytest.raises(ImportRejected, match="200,000 characters"):
        import_ledger(app, path, actor=IMPORTER)
    assert csv.field_size_limit() == limit  # the process-wide limit is left as it was


# ---------------------------------------------------------------- 5. ids of other things


def test_ids_that_name_something_else_are_row_errors(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    branch = app.register_branch(
        actor=Cast.verifier, code="CZT-01", name="一支部", unit=UNIT, on="2019-01-02"
    )
    issue = app.record_issue(
        actor=Cast.verifier, title="已有", unit=UNIT, source="assessment", on="2019-01-03"
    )
    header = [*HEADER, "問題編號", "黨支部", "所屬清單"]
    rows = [[*row, "", "", ""] for row in good()]
    rows[0][-3] = str(branch)  # an issue id that is a branch's
    rows[1][-2] = str(issue)  # a branch that is an issue
    rows[2][-1] = str(branch)  # a list that is a branch
    path = xlsx(tmp_path / "l.xlsx", rows, header)
    assert refused(app, path) == [(2, "問題編號"), (3, "黨支部"), (4, "所屬清單")]
    with pytest.raises(ImportRejected, match="is the id of a branch, not an issue"):
        import_ledger(app, path, actor=IMPORTER)


# ---------------------------------------------------------------- 6. the importing actor


def test_an_import_records_as_the_named_actor_never_an_admin(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    import_ledger(app, xlsx(tmp_path / "l.xlsx", good()), actor=IMPORTER)
    closed = app.ledger()[0]
    trail = app.audit_trail(closed.id)
    by = {e.action: e.actor for e in trail}
    assert by["record"] == by["assign"] == by["verify"] == by["close_out"] == IMPORTER
    assert by["submit_rectification"].unit == UNIT
    for row in app.ledger():
        assert all(Role.ADMIN not in e.actor.roles for e in app.audit_trail(row.id))


@pytest.mark.parametrize(
    "unit",
    ["省財政廳", "省財政廳\u200b", "　省財政廳"],  # the unit, hidden zero-width, full-width space
)
def test_the_importing_actor_may_not_decide_on_its_own_units_problems(
    app: rectify.RectificationApp, tmp_path: Path, unit: str
) -> None:
    own = Actor("cz-wang", "王處長", unit, [Role.VERIFIER])
    path = xlsx(tmp_path / "l.xlsx", good())  # row 2 is 省財政廳's, closed out
    assert refused(app, path, actor=own) == [(2, "狀態")]
    header = [*HEADER, "撤銷日期", "所屬單位"]
    rows = [[*row, "", ""] for row in good()]
    # row 2: 省財政廳's problem, withdrawn; rows 3 and 4: 省教育廳's, decided on by nobody yet
    rows[0][STATUS], rows[0][11], rows[0][12], rows[0][-2] = "已撤銷", "否", "", "2019-07-01"
    assert refused(app, xlsx(tmp_path / "w.xlsx", rows, header), actor=own) == [(2, "狀態")]
    # row 4: 省商務廳's problem assigned to 省財政廳, rectified and closed out
    rows[2][UNIT_COLUMN], rows[2][-1] = "省財政廳", "省商務廳"
    rows[2][STATUS], rows[2][12], rows[2][15] = "已銷號", "2019-09-10", "2019-09-01"
    rows[2][11] = "是"  # 否 with a 銷號日期 contradicts itself (refused by 是否銷號)
    assert refused(app, xlsx(tmp_path / "w.xlsx", rows, header), actor=own) == [
        (2, "狀態"),
        (4, "狀態"),
    ]
    rows[0][STATUS] = "已交辦"  # the unit's own verifier may import what nobody decided on
    rows[2][UNIT_COLUMN] = "省教育廳"
    result = import_ledger(app, xlsx(tmp_path / "w.xlsx", rows, header), actor=own)
    assert len(result.new) == 3


def test_an_actor_without_the_roles_is_refused_by_row(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    clerk = Actor("clerk", "錄入員", "省委巡視辦", [Role.AUDITOR])
    problems = refused(app, xlsx(tmp_path / "l.xlsx", good()), actor=clerk)
    assert [row for row, _ in problems] == [2, 3, 4]
    with pytest.raises(ImportRejected, match="may not record"):
        import_ledger(app, tmp_path / "l.xlsx", actor=clerk)


def test_an_import_without_an_actor_is_refused(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "l.xlsx", good())
    with pytest.raises(TypeError):
        import_ledger(app, path)  # type: ignore[call-arg]
    with pytest.raises(InvalidCommand, match="actor"):
        import_ledger(app, path, actor="admin")  # type: ignore[arg-type]
    assert app.recorder.max_notification_id() in (None, 0)


def test_the_cli_names_the_importing_actor(persistent_url: str, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "l.xlsx", good())
    runner = CliRunner()
    env = {"COLUMNS": "200", "RECTIFY_ACTOR_ID": "", "RECTIFY_ACTOR_UNIT": ""}
    missing = runner.invoke(cli, ["import", str(path), "--db", persistent_url], env=env)
    assert missing.exit_code == 2 and "actor-id" in missing.output
    own = ["--actor-id", "cz", "--actor-unit", "省財政廳"]
    refusal = runner.invoke(cli, ["import", str(path), "--db", persistent_url, *own], env=env)
    assert refusal.exit_code == 2 and "nothing recorded" in refusal.output
    env |= {"RECTIFY_ACTOR_ID": "xs-li", "RECTIFY_ACTOR_NAME": "李處長"}
    env["RECTIFY_ACTOR_UNIT"] = "省委巡視辦"
    done = runner.invoke(cli, ["import", str(path), "--db", persistent_url], env=env)
    assert done.exit_code == 0, done.output
    assert "3 new" in done.output
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    trail = app.audit_trail(app.ledger()[0].id)
    assert {(e.actor.id, e.actor.name, e.actor.unit) for e in trail if e.action == "verify"} == {
        ("xs-li", "李處長", "省委巡視辦")
    }
    app.close()


# ---------------------------------------------------------------- 7. exports write what is held


def test_exports_write_what_an_older_store_holds(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    # an older store: text recorded before commands refused control characters
    issue = Issue.record(
        actor=Cast.verifier,
        on=date(2019, 6, 3),
        title="Word換行\x0b之後",
        unit="省財政廳\x01",
        source=Source.ASSESSMENT,
        remarks="備\x1f註",
    )
    app.save(issue)
    rows = app.ledger()
    assert rows[0].title == "Word換行\x0b之後"
    book = tmp_path / "ledger.xlsx"
    write_xlsx(book, rows, app.figures(), as_of=TODAY, known_at=None)
    sheet = load_workbook(book)["臺賬"]
    # under the title row and the header
    assert sheet.cell(row=3, column=HEADER.index("問題描述") + 1).value == "Word換行\ufffd之後"
    figures = [c.value for c in load_workbook(book)["整改進度"]["A"]]
    assert "省財政廳\ufffd" in figures
    text = tmp_path / "ledger.csv"
    write_csv(text, rows, as_of=TODAY, known_at=None)
    written = text.read_text(encoding="utf-8-sig")
    assert "Word換行\ufffd之後" in written and "備\ufffd註" in written and "\x0b" not in written
    notice = app.notice("2019-06")
    write_notice(tmp_path / "notice.xlsx", notice)
    units = [c.value for c in load_workbook(tmp_path / "notice.xlsx").worksheets[0]["A"]]
    assert "省財政廳\ufffd" in units
    assert "\x01" not in notice_markdown(notice)
    # and the export reads back in, the replacement character and all
    target = rectify.connect("memory://", today=lambda: TODAY)
    import_ledger(target, book, actor=IMPORTER)
    assert target.ledger()[0].title == "Word換行\ufffd之後"


def test_a_dry_run_into_a_store_not_made_yet_previews_and_creates_nothing(
    persistent_url: str, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "l.xlsx", good())
    who = ["--actor-id", "xs-li", "--actor-unit", "省委巡視辦"]
    dry = CliRunner().invoke(
        cli,
        ["import", str(path), "--db", persistent_url, "--dry-run", *who],
        env={"COLUMNS": "200"},
    )
    assert dry.exit_code == 0, dry.output
    assert "3 new (would record" in dry.output
    with pytest.raises(NotFound):
        rectify.connect(persistent_url, create=False)
