"""What the API, the import and the export accept is what can be read back; what they refuse
is refused in words, typed, naming the field, with nothing recorded or half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

import rectify
from rectify.adapters.spreadsheets import importer, reading
from tests.conftest import TODAY, run_rectify

BOSS = rectify.Actor("gw", "趙主任", "省直機關工委", [rectify.Role.VERIFIER])
IMPORTER = rectify.Actor("gw-import", "導入", "省直機關工委", [rectify.Role.VERIFIER])


@pytest.fixture
def app() -> rectify.RectificationApp:
    return rectify.connect("memory://", today=lambda: TODAY)


def _recorded(app: rectify.RectificationApp) -> int:
    return sum(len(app.audit_trail(r.id)) for r in app.ledger())


def test_deadline_words_that_fix_nothing_readable_are_refused(
    app: rectify.RectificationApp,
) -> None:
    issue = app.record_issue(actor=BOSS, title="學習不深入", unit="省財政廳", source="考核",
                             on="2019-06-01")  # fmt: skip
    before = _recorded(app)
    for extra in ({}, {"deadline": "2019-12-31"}):
        with pytest.raises(rectify.InvalidCommand) as refused:
            app.assign(issue, actor=BOSS, unit="省財政廳", person="劉", deadline_words="儘快",
                       on="2019-06-02", **extra)  # type: ignore[arg-type]  # fmt: skip
        assert refused.value.field == "deadline_words"
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.record_issue(actor=BOSS, title="t", unit="省財政廳", source="assessment",
                         source_words="省委巡視反饋", on="2019-06-01")  # fmt: skip
    assert refused.value.field == "source_words"
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.assign(issue, actor=BOSS, unit="省財政廳", person="劉", deadline="2019-12-31",
                   measures=["甲\n乙"], on="2019-06-02")  # fmt: skip
    assert refused.value.field == "measures.0"
    assert _recorded(app) == before and len(app.ledger()) == 1


def _ledger_with(path: Path, deadline: object) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序號", "問題描述", "問題來源", "整改措施", "責任單位", "責任人", "整改時限"])
    sheet.append(
        [1, "黨費收繳不及時", "考核", "1.補繳黨費；2.建立臺賬", "省財政廳", "劉", deadline]
    )
    book.save(path)
    return path


def test_a_deadline_typed_as_a_number_is_a_row_error(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = _ledger_with(tmp_path / "l.xlsx", 2019.10)  # Excel keeps 2019.1
    with pytest.raises(rectify.ImportRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01")
    (problem,) = refused.value.rows
    assert (problem.row, problem.column) == (2, "整改時限")
    assert "type it as text" in problem.reason
    assert app.ledger() == []
    app.import_ledger(_ledger_with(tmp_path / "m.xlsx", "2019.10"), actor=IMPORTER,
                      found_on="2019-06-01")  # fmt: skip
    (row,) = app.ledger()
    assert str(row.deadline) == "2019-10-31" and row.measures == ("補繳黨費", "建立臺賬")


def test_a_numbered_measure_alone_comes_back_as_one(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    issue = app.record_issue(actor=BOSS, title="黨費", unit="省財政廳", source="考核",
                             on="2019-06-01")  # fmt: skip
    app.assign(issue, actor=BOSS, unit="省財政廳", person="劉", deadline="2019-12-31",
               measures=["1.補繳黨費；2.建立臺賬"], on="2019-06-02")  # fmt: skip
    out = tmp_path / "out.xlsx"
    app.export_ledger(out)
    again = rectify.connect("memory://", today=lambda: TODAY)
    again.import_ledger(out, actor=IMPORTER, found_on="2019-06-01")
    assert [r.measures for r in again.ledger()] == [("1.補繳黨費；2.建立臺賬",)]


@pytest.mark.parametrize("name", ["x.csv", "x.xlsx"])
def test_an_export_nowhere_is_refused_and_leaves_nothing(
    app: rectify.RectificationApp, tmp_path: Path, name: str
) -> None:
    app.record_issue(actor=BOSS, title="t", unit="省財政廳", source="考核", on="2019-06-01")
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.export_ledger(tmp_path / "nowhere" / name)
    assert refused.value.field == "out" and "no directory" in refused.value.message
    (tmp_path / f"adir{Path(name).suffix}").mkdir()
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.export_ledger(tmp_path / f"adir{Path(name).suffix}")
    assert refused.value.field == "out" and "directory" in refused.value.message
    assert [p.name for p in tmp_path.iterdir()] == [f"adir{Path(name).suffix}"]  # no partial
    assert not any((tmp_path / f"adir{Path(name).suffix}").iterdir())


def test_an_unknown_unit_is_refused(app: rectify.RectificationApp, tmp_path: Path) -> None:
    app.record_issue(actor=BOSS, title="t", unit="省財政廳", source="考核", on="2019-06-01")
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.export_ledger(tmp_path / "l.csv", unit="不存在")
    assert refused.value.field == "unit" and "省財政廳" in refused.value.message
    assert not (tmp_path / "l.csv").exists()
    assert app.export_ledger(tmp_path / "l.csv", unit="省財政廳").rows == 1


def test_the_import_errors_are_public_and_keep_their_old_names() -> None:
    assert reading.ImportRejected is rectify.ImportRejected is rectify.errors.ImportRejected
    assert importer.LedgerRejected is rectify.LedgerRejected is rectify.errors.LedgerRejected
    assert issubclass(rectify.LedgerRejected, rectify.ImportRejected)
    assert issubclass(rectify.ImportRejected, rectify.InvalidCommand)
    assert importer.ImportResult.summary.__doc__ and importer.ImportPlan.aggregates.__doc__


def test_messages_read_right(app: rectify.RectificationApp, tmp_path: Path) -> None:
    with pytest.raises(rectify.InvalidCommand, match="'zzz' is not an issue id"):
        app.get_issue("zzz")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[defaults]\n"整改時限" = 5\n', encoding="utf-8")
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.import_ledger(_ledger_with(tmp_path / "l.xlsx", None), actor=IMPORTER,
                          mapping=mapping, found_on="2019-06-01")  # fmt: skip
    assert "write a date (2019-09-01) or text in quotes" in str(refused.value)
    mapping.write_text('[defaults]\n"整改時限" = "儘快"\n', encoding="utf-8")
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.import_ledger(_ledger_with(tmp_path / "l.xlsx", None), actor=IMPORTER,
                          mapping=mapping, found_on="2019-06-01")  # fmt: skip
    assert "立行立改" in str(refused.value) and "is not a date" not in str(refused.value)
    mapping.write_text('[defaults]\n"整改時限" = "長期堅持"\n', encoding="utf-8")
    app.import_ledger(_ledger_with(tmp_path / "l.xlsx", None), actor=IMPORTER,
                      mapping=mapping, found_on="2019-06-01")  # fmt: skip
    assert [r.deadline_text for r in app.ledger()] == ["長期堅持"]


def test_a_file_of_another_format_is_refused_naming_ours(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    for name in ("l.txt", "l.ods", "ledger"):
        (tmp_path / name).write_text("序號,問題描述\n1,x\n", encoding="utf-8")
        with pytest.raises(rectify.ImportRejected) as refused:
            app.import_ledger(tmp_path / name, actor=IMPORTER, found_on="2019-06-01")
        message = refused.value.rows[0].reason
        assert ".xlsx" in message and ".csv" in message and "openpyxl" not in message


def test_a_big5_csv_is_refused_with_a_word_on_its_encoding(
    app: rectify.RectificationApp, tmp_path: Path
) -> None:
    path = tmp_path / "big5.csv"
    path.write_bytes(
        "序號,問題描述,問題來源,責任單位,責任人,整改時限\n1,黨費收繳不及時,考核,省財政廳,劉,2019-12-31\n"
        .encode("big5")
    )  # fmt: skip
    with pytest.raises(rectify.LedgerRejected) as refused:
        app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01")
    assert "save it as CSV UTF-8" in refused.value.rows[0].reason
    assert app.ledger() == []


def test_an_unknown_workflow_reads_right_on_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert run_rectify("demo", "--db", db).returncode == 0
    shown = run_rectify("what-if", "--db", db, "--workflow", "nope", "--as-of", "2020-06-30")
    assert shown.returncode != 0
    assert "or a TOML file" in shown.stderr + shown.stdout
    assert "as a Path" not in shown.stderr + shown.stdout
