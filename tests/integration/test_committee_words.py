"""What committees write, read as they mean it (issue 11): 立行立改 and 長期堅持 deadlines, sources
in people's words, a mapping that translates values and gives defaults, a match key from the
ledger's own title, and every cell of the conventional columns imported or reported."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

import rectify
from rectify import Mode, Source, Status
from rectify.adapters.spreadsheets.reading import ImportRejected, measures_in
from rectify.adapters.spreadsheets.words import (
    ON_THE_SPOT_WORDS,
    STANDING_WORDS,
    read_deadline,
)
from rectify.domain.values import source_of_words
from rectify.projections.ledger import LedgerRow
from tests.conftest import TODAY, run_rectify
from tests.integration.messy_ledger import HEADER, ROWS, TITLE, messy_gbk_csv, messy_workbook

IMPORTER = rectify.Actor("gw-import", "導入", "省直機關工委", [rectify.Role.VERIFIER])


def _imported(path: Path, **options: Any) -> tuple[rectify.RectificationApp, Any]:
    app = rectify.connect("memory://", today=lambda: TODAY)
    result = app.import_ledger(path, actor=IMPORTER, **options)
    return app, result


def _by_title(app: rectify.RectificationApp, as_of: str | None = None) -> dict[str, LedgerRow]:
    return {r.title: r for r in app.ledger(as_of)}


# ---------------------------------------------------------------- 立行立改 and 長期堅持


def test_on_the_spot_and_standing_deadlines_are_understood_and_kept(tmp_path: Path) -> None:
    app, result = _imported(messy_workbook(tmp_path / "臺賬.xlsx"), found_on="2019-06-01")
    assert len(result.new) == len(ROWS)
    rows = _by_title(app)
    on_the_spot = rows["三會一課記錄不全"]  # 立行立改, 是
    assert on_the_spot.mode is Mode.ON_THE_SPOT and on_the_spot.status is Status.CLOSED_OUT
    assert on_the_spot.deadline is None and on_the_spot.deadline_text == "立行立改"
    assert on_the_spot.responsible_person == "劉處長" and on_the_spot.measures == ("規範記錄",)
    standing = rows["主題黨日流於形式"]  # 長期堅持, 否
    assert standing.status is Status.ASSIGNED and standing.deadline is None
    assert standing.deadline_text == "長期堅持" and standing.responsible_person == "張科長"
    both = rows["組織生活會走過場"]  # 立行立改、長期堅持, 已銷號
    assert both.mode is Mode.ON_THE_SPOT and both.deadline_text == "立行立改、長期堅持"
    dated = rows["黨建臺賬不規範"]  # 立行立改，2019年12月底前完成: the date and the words
    assert dated.deadline == date(2019, 12, 31)
    assert dated.deadline_text == "立行立改，2019年12月底前完成"
    closed_standing = rows["支部書記述職不充分"]  # 長期堅持, 是: not made 立行立改, never late
    assert closed_standing.status is Status.CLOSED_OUT
    assert closed_standing.mode is not Mode.ON_THE_SPOT
    assert not closed_standing.rectified_late and closed_standing.deadline_text == "長期堅持"
    plain = rows["黨費收繳不及時"]  # 2019年12月底前: a date, normalised, no words
    assert plain.deadline == date(2019, 12, 31) and plain.deadline_words is None
    app.close()


def test_a_standing_measure_is_never_overdue(tmp_path: Path) -> None:
    app, _ = _imported(messy_workbook(tmp_path / "臺賬.xlsx"), found_on="2019-06-01")
    late = _by_title(app, "2030-01-01")
    assert not late["主題黨日流於形式"].overdue and late["主題黨日流於形式"].days_overdue == 0
    assert late["黨建臺賬不規範"].overdue  # open, with a date in its words
    assert late["理論學習不深入"].overdue
    issue_id = late["主題黨日流於形式"].id
    assert not app.get_issue(issue_id, as_of="2030-01-01").overdue
    assert app.figures(as_of="2030-01-01").total.overdue == 2
    app.close()


def test_the_api_assigns_a_standing_measure_and_keeps_the_words() -> None:
    app = rectify.connect("memory://", today=lambda: TODAY)
    boss = rectify.Actor("gw", "趙主任", "省直機關工委", [rectify.Role.VERIFIER])
    issue = app.record_issue(actor=boss, title="學習不深入", unit="省財政廳", source="考核",
                             source_words="2019年度黨建考核", on="2019-06-01")  # fmt: skip
    with pytest.raises(rectify.InvalidCommand, match="standing"):
        app.assign(issue, actor=boss, unit="省財政廳", person="劉", standing=True,
                   deadline="2019-12-31", on="2019-06-02")  # fmt: skip
    with pytest.raises(rectify.InvalidCommand) as refused:  # neither a date, words nor standing
        app.assign(issue, actor=boss, unit="省財政廳", person="劉", on="2019-06-02")
    assert refused.value.field == "deadline"
    app.assign(issue, actor=boss, unit="省財政廳", person="劉", standing=True,
               deadline_words="長期堅持", on="2019-06-02")  # fmt: skip
    view = app.get_issue(issue, as_of="2029-01-01")
    assert view.deadline is None and not view.overdue
    assert view.deadline_text == "長期堅持" and view.source_text == "2019年度黨建考核"
    with pytest.raises(rectify.TransitionNotAllowed):  # no date to extend
        app.extend_deadline(issue, actor=boss, new_deadline="2020-01-01", reason="r",
                            on="2019-07-01")  # fmt: skip
    assigned = next(e for e in app.audit_trail(issue) if e.action == "assign")
    assert assigned.details["standing"] is True
    assert assigned.details["deadline_words"] == "長期堅持"
    app.close()


# ---------------------------------------------------------------- sources in people's words


@pytest.mark.parametrize(
    ("written", "source"),
    [
        ("2019年度黨建考核", Source.ASSESSMENT),
        ("省委巡視反饋", Source.PATROL_FEEDBACK),
        ("主題教育調研檢視", Source.RESEARCH),
        ("考核反饋", Source.ASSESSMENT),
        ("巡察", Source.PATROL_FEEDBACK),
        ("市委第三巡察组反馈", Source.PATROL_FEEDBACK),
        ("督查", Source.SUPERVISION),
        ("自查", Source.SELF_INSPECTION),
        ("對標排查", Source.SCREENING),
        ("日常檢查", Source.INSPECTION),
        ("assessment", Source.ASSESSMENT),
    ],
)
def test_sources_as_people_write_them(written: str, source: Source) -> None:
    assert source_of_words(written) is source


def test_sources_are_read_by_content_and_the_words_shown_back(tmp_path: Path) -> None:
    app, _ = _imported(messy_workbook(tmp_path / "臺賬.xlsx"), found_on="2019-06-01")
    rows = _by_title(app)
    for row in ROWS:
        shown = rows[row[1]]
        assert shown.source_text == row[2]  # as written
        assert shown.source is source_of_words(row[2])
        assert shown.source_words == (None if row[2] == shown.source.label else row[2])
    app.close()


def test_a_source_naming_none_is_a_row_error_saying_what_would_do(tmp_path: Path) -> None:
    book = load_workbook(messy_workbook(tmp_path / "臺賬.xlsx"))
    book["臺賬"]["C4"] = "領導交辦"
    book.save(tmp_path / "臺賬.xlsx")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(tmp_path / "臺賬.xlsx", actor=IMPORTER, found_on="2019-06-01")
    (problem,) = refused.value.rows
    assert (problem.row, problem.column) == (4, "問題來源")
    assert "'領導交辦' names no source" in problem.reason
    assert "巡視巡察反饋" in problem.reason and "巡察" in problem.reason
    assert not app.recorder.max_notification_id()
    app.close()


def test_words_fixing_no_date_need_someone_to_keep_them(tmp_path: Path) -> None:
    book = load_workbook(messy_workbook(tmp_path / "臺賬.xlsx"))
    book["臺賬"]["F5"] = None  # 長期堅持 with nobody named
    book.save(tmp_path / "臺賬.xlsx")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(ImportRejected) as refused:
        app.import_ledger(tmp_path / "臺賬.xlsx", actor=IMPORTER, found_on="2019-06-01")
    assert [(p.row, p.column) for p in refused.value.rows] == [(5, "整改時限")]
    assert "責任人" in refused.value.rows[0].reason
    app.close()


# ---------------------------------------------------------------- GBK CSV, every cell accounted


def _texts(app: rectify.RectificationApp) -> list[tuple[Any, ...]]:
    return [
        (r.title, r.source_text, r.acting_unit, r.responsible_person, r.measures,
         r.deadline_text, r.progress, r.status, r.remarks)
        for r in app.ledger()
    ]  # fmt: skip


def test_the_gbk_csv_copy_imports_as_the_workbook_does(tmp_path: Path) -> None:
    book, _ = _imported(messy_workbook(tmp_path / "臺賬.xlsx"), found_on="2019-06-01")
    csv, result = _imported(messy_gbk_csv(tmp_path / "臺賬.csv"), found_on="2019-06-01")
    assert result.list_name == TITLE  # the title, not the file's name
    assert [n for n, _ in result.skipped] == [1, 12, 13]  # the title and the notes
    assert _texts(csv) == _texts(book)
    assert [r.id for r in csv.ledger()] == [r.id for r in book.ledger()]  # the same keys
    book.close()
    csv.close()


CLOSED = {"是": True, "已銷號": True, "否": False, "未銷號": False}


def _holds(row: LedgerRow, key: str, column: str, value: Any) -> bool:
    """Whether the imported ``row`` (keyed ``key``) holds what its cell in ``column`` said."""
    text = str(value).strip()
    if column == "整改時限":
        reading = read_deadline(value)
        assert reading is not None
        return row.deadline == reading.day and row.deadline_words == reading.words
    return {
        "序號": lambda: key == text,
        "問題描述": lambda: row.title == text,
        "問題來源": lambda: row.source_text == text,
        "整改措施": lambda: row.measures == measures_in({"整改措施": text}),
        "責任單位": lambda: row.acting_unit == text,
        "責任人": lambda: row.responsible_person == text,
        "整改進展": lambda: row.progress == text,
        "是否銷號": lambda: row.is_closed_out is CLOSED[text],
        "備註": lambda: text in row.remarks.split(","),
    }[column]()


def test_every_conventional_cell_is_imported_or_reported(tmp_path: Path) -> None:
    path = messy_workbook(tmp_path / "臺賬.xlsx")
    app, result = _imported(path, found_on="2019-06-01")
    sheet = load_workbook(path)["臺賬"]
    header = [c.value for c in sheet[2]]
    rows = {r.id: r for r in app.ledger()}
    imported = {n: rows[i] for n, i, _ in result.new}
    reported = {n for n, _ in result.skipped}
    for number in range(1, sheet.max_row + 1):
        values = [c.value for c in sheet[number]]
        if number == 2 or all(v in (None, "") for v in values):
            continue
        if number in reported:
            continue
        row = imported[number]  # a row neither imported nor reported fails here
        for column, value in zip(header, values, strict=True):
            if value not in (None, ""):
                key = next(k for n, _, k in result.new if n == number)
                assert _holds(row, key, str(column), value), (number, column, value)
    # merged cells read as their top-left value, not lost
    assert [rows[i].acting_unit for n, i, _ in result.new if n in (4, 5)] == ["省財政廳"] * 2
    app.close()


# ---------------------------------------------------------------- the deadline words, any form


def _forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month:02d}.{day.day:02d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month}月{day.day}日前",
        f"{day.year}年{day.month}月{day.day}日前完成",
    ]


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
separators = st.sampled_from(["、", "，", ",", "；", " ", "，並"])


@given(
    days,
    st.integers(0, 5),
    st.sampled_from(["", *ON_THE_SPOT_WORDS]),
    st.sampled_from(["", *STANDING_WORDS]),
    separators,
)
def test_any_written_date_reads_back_as_that_day_and_the_words_are_kept(
    day: date, form: int, spot: str, standing: str, between: str
) -> None:
    text = _forms(day)[form]
    written = between.join(p for p in (spot, text, standing) if p)
    reading = read_deadline(written)
    assert reading is not None and reading.day == day
    assert reading.on_the_spot == bool(spot) and reading.standing == bool(standing)
    assert reading.words == (written if spot or standing else None)
    assert not reading.is_standing  # a date is fixed: it is the deadline


@given(days, separators, st.booleans())
def test_a_month_written_in_words_reads_as_its_last_day(
    day: date, between: str, with_words: bool
) -> None:
    month = f"{day.year}年{day.month}月底前"
    written = f"立行立改{between}{month}" if with_words else month
    reading = read_deadline(written)
    assert reading is not None and reading.day is not None
    assert (reading.day.year, reading.day.month) == (day.year, day.month)
    assert (reading.day + timedelta(days=1)).day == 1
    assert reading.words == (written if with_words else None)


@given(
    st.lists(st.sampled_from([*ON_THE_SPOT_WORDS, *STANDING_WORDS]), min_size=1, max_size=3),
    separators,
)
def test_words_without_a_date_fix_none_and_are_kept(words: list[str], between: str) -> None:
    written = between.join(words)
    reading = read_deadline(written)
    assert reading is not None and reading.day is None and reading.words == written
    assert reading.standing == any(w in STANDING_WORDS for w in words)
    assert reading.is_standing == reading.standing


# ---------------------------------------------------------------- a mapping that does the work


def _their_ledger(path: Path, rows: list[list[Any]]) -> Path:
    """A ledger with their own headers: 完成時限, 責任領導, 完成情況; no 發現日期."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "2019年"
    sheet.append(["說明：本表每月更新"])
    sheet.append(["序號", "存在問題", "來源", "責任單位", "責任領導", "完成時限", "完成情況",
                  "是否銷號", "牽頭領導"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


THEIRS: list[list[Any]] = [
    [1, "黨費收繳不及時", "領導交辦", "省財政廳", "劉處長", "年底", "已補繳", "已整改", "趙"],
    [2, "學習不深入", None, "省財政廳", "劉處長", "長期堅持", "", "未", ""],
    [3, "臺賬不規範", "巡察", "省教育廳", "王處長", "2019-11-30", "", "", ""],
]  # fmt: skip

MAPPING = """\
sheet = "2019年"
header_row = 2
list = "2019年黨建考核整改臺賬"

[columns]
"存在問題" = "問題描述"
"來源" = "問題來源"
"責任領導" = "責任人"
"完成時限" = "整改時限"
"完成情況" = "整改進展"

[values."是否銷號"]
"已整改" = "是"

[values."問題來源"]
"領導交辦" = "督查"

[values."整改時限"]
"年底" = "2019年底前"

[defaults]
"發現日期" = 2019-09-01
"問題來源" = "2019年度黨建考核"
"""


def test_a_toml_mapping_renames_translates_and_defaults(tmp_path: Path) -> None:
    path = _their_ledger(tmp_path / "whatever.xlsx", THEIRS)
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    app, result = _imported(path, mapping=tmp_path / "m.toml")
    assert result.list_name == "2019年黨建考核整改臺賬"
    rows = _by_title(app)
    first = rows["黨費收繳不及時"]
    assert first.status is Status.CLOSED_OUT and first.deadline == date(2019, 12, 31)
    assert first.source is Source.SUPERVISION and first.source_text == "領導交辦"  # kept
    assert first.responsible_person == "劉處長" and first.progress == "已補繳"
    second = rows["學習不深入"]
    assert second.source is Source.ASSESSMENT and second.source_text == "2019年度黨建考核"
    assert second.deadline_text == "長期堅持"
    assert {r.found_on for r in rows.values()} == {date(2019, 9, 1)}
    given = {(n, c, v) for n, c, v, where in result.defaulted if where == "the mapping"}
    assert given == {
        (3, "發現日期", date(2019, 9, 1)), (4, "發現日期", date(2019, 9, 1)),
        (5, "發現日期", date(2019, 9, 1)), (4, "問題來源", "2019年度黨建考核"),
    }  # fmt: skip
    app.close()


def test_the_found_on_option_is_the_later_word_over_the_mapping(tmp_path: Path) -> None:
    path = _their_ledger(tmp_path / "l.xlsx", THEIRS)
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    app, result = _imported(path, mapping=tmp_path / "m.toml", found_on="2019-10-01")
    assert {r.found_on for r in app.ledger()} == {date(2019, 10, 1)}
    assert {w for _, c, _, w in result.defaulted if c == "發現日期"} == {"found_on"}
    app.close()


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('[columns]\n"完成時限" = "整改時間"\n', "mapping.columns.完成時限", 2),
        ('sheet = "a"\n\n[defaults]\n"發現日期" = "六月"\n', "mapping.defaults.發現日期", 4),
        ('[values."是否銷號"]\n"已整改" = "好"\n', "mapping.values.是否銷號.已整改", 2),
        ('[values."問題來源"]\n"領導交辦" = "領導"\n', "mapping.values.問題來源.領導交辦", 2),
        ("header_row = 0\n", "mapping.header_row", 1),
        ('sheet = "a"\nheaders = 2\n', "mapping.headers", 2),
        ('[defaults]\n"發現時間" = 2019-01-01\n', "mapping.defaults.發現時間", 2),
    ],
)
def test_a_mapping_mistake_names_its_key_and_line(
    tmp_path: Path, text: str, key: str, line: int
) -> None:
    path = _their_ledger(tmp_path / "l.xlsx", THEIRS)
    (tmp_path / "m.toml").write_text(text, encoding="utf-8")
    app = rectify.connect("memory://", today=lambda: TODAY)
    with pytest.raises(rectify.InvalidCommand) as refused:
        app.import_ledger(path, actor=IMPORTER, mapping=tmp_path / "m.toml")
    assert refused.value.field == "mapping"
    assert refused.value.errors[0]["field"] == key
    assert f"(line {line})" in refused.value.errors[0]["message"]
    assert not app.recorder.max_notification_id()
    app.close()


def test_the_json_and_flat_mappings_still_work(tmp_path: Path) -> None:
    path = _their_ledger(tmp_path / "l.xlsx", THEIRS[2:])
    columns = {"存在問題": "問題描述", "來源": "問題來源", "責任領導": "責任人",
               "完成時限": "整改時限", "完成情況": "整改進展"}  # fmt: skip
    import json

    (tmp_path / "flat.json").write_text(json.dumps(columns), encoding="utf-8")
    (tmp_path / "full.json").write_text(
        json.dumps({"columns": columns, "header_row": 2}), encoding="utf-8"
    )
    for name in ("flat.json", "full.json"):
        app, _ = _imported(path, mapping=tmp_path / name, found_on="2019-06-01")
        assert [r.title for r in app.ledger()] == ["臺賬不規範"]
        app.close()


translations = st.dictionaries(
    st.text(st.characters(categories=["Lo"]), min_size=1, max_size=4).filter(
        lambda t: t not in ("是", "否", "未") and "銷號" not in t and "销号" not in t
    ),
    st.sampled_from(["是", "否"]),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    translations,
    st.lists(st.booleans(), min_size=1, max_size=5),
    st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
)
def test_translations_and_defaults_apply_to_each_cell_they_name(
    tmp_path: Path, meanings: dict[str, str], blanks: list[bool], found: date
) -> None:
    words = list(meanings)
    rows = [
        [n, f"問題{n}", None if blank else "考核", "省財政廳", "劉", "2019-12-31", "",
         words[n % len(words)], ""]
        for n, blank in enumerate(blanks, start=1)
    ]  # fmt: skip
    path = _their_ledger(tmp_path / "p.xlsx", rows)
    table = "\n".join(f'"{w}" = "{m}"' for w, m in meanings.items())
    mapping = MAPPING.split("[values.")[0] + f'[values."是否銷號"]\n{table}\n\n[defaults]\n'
    mapping += f'"發現日期" = {found.isoformat()}\n"問題來源" = "省委巡視反饋"\n'
    (tmp_path / "p.toml").write_text(mapping, encoding="utf-8")
    app, result = _imported(path, mapping=tmp_path / "p.toml")
    by_title = _by_title(app)
    for n, blank in enumerate(blanks, start=1):
        row = by_title[f"問題{n}"]
        assert row.is_closed_out is (meanings[words[n % len(words)]] == "是")
        assert row.source is (Source.PATROL_FEEDBACK if blank else Source.ASSESSMENT)
        assert ((n + 2, "問題來源", "省委巡視反饋", "the mapping") in result.defaulted) is blank
        assert row.found_on == found
    app.close()


def test_write_mapping_starts_a_mapping_from_the_spreadsheet(tmp_path: Path) -> None:
    path = _their_ledger(tmp_path / "l.xlsx", THEIRS)
    out = tmp_path / "start.toml"
    db = tmp_path / "never.db"
    done = run_rectify("import", str(path), "--write-mapping", str(out), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not db.exists()  # records nothing
    text = out.read_text(encoding="utf-8")
    assert 'sheet = "2019年"' in text and "header_row = 2" in text
    assert '"完成時限" = "整改時限"' in text and '"責任領導" = "責任人"' in text
    assert '"存在問題" = "問題描述"' in text and '"完成情況" = "整改進展"' in text
    assert '# "牽頭領導"' in text  # not ours: a comment
    assert '# "發現日期" = 2019-01-01' in text  # missing, required: a commented default
    assert '# "問題來源" = ""' in text  # blank in a row
    assert '# "領導交辦" = ""' in text and '# "已整改" = ""' in text and '# "年底" = ""' in text
    # filled in, it imports
    filled = (
        text.replace('# "領導交辦" = ""', '"領導交辦" = "督查"')
        .replace('# "已整改" = ""', '"已整改" = "是"')
        .replace('# "年底" = ""', '"年底" = "2019年底前"')
        .replace('# "發現日期" = 2019-01-01', '"發現日期" = 2019-06-01')
        .replace('# "問題來源" = ""', '"問題來源" = "自查"')
    )
    out.write_text(filled, encoding="utf-8")
    app, result = _imported(path, mapping=out)
    assert len(result.new) == 3
    app.close()
    who = ("--actor-id", "gw-import", "--actor-unit", "省直機關工委")
    done = run_rectify("import", str(path), "--mapping", str(out), "--dry-run", *who)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "row 4: 問題來源 blank, taken as 自查 (the mapping's defaults)" in done.stdout
    assert "3 new" in done.stdout


# ---------------------------------------------------------------- the match key


def test_a_renamed_file_matches_the_same_problems(tmp_path: Path) -> None:
    first = messy_workbook(tmp_path / "臺賬.xlsx")
    app, result = _imported(first, found_on="2019-06-01")
    assert result.list_name == TITLE
    renamed = tmp_path / "臺賬-最終版.xlsx"
    shutil.copyfile(first, renamed)
    again = app.import_ledger(renamed, actor=IMPORTER, found_on="2019-06-01", dry_run=True)
    assert not again.new and len(again.unchanged) == len(ROWS)
    app.close()


def test_the_list_name_comes_from_the_ledger_itself(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(HEADER)
    sheet.append([*ROWS[0][:4], "省財政廳", *ROWS[0][5:]])
    book.save(tmp_path / "a.xlsx")
    app, result = _imported(tmp_path / "a.xlsx", found_on="2019-06-01", dry_run=True)
    assert result.list_name == "a"  # no title, a workbook's default sheet name: the file's
    sheet.title = "財政廳臺賬"
    book.save(tmp_path / "a.xlsx")
    result = app.import_ledger(tmp_path / "a.xlsx", actor=IMPORTER, found_on="2019-06-01",
                               dry_run=True)  # fmt: skip
    assert result.list_name == "財政廳臺賬"
    sheet.insert_rows(1)
    sheet["A1"] = "財政廳問題整改臺賬　省財政廳　截至2019年12月31日"  # as an export titles it
    book.save(tmp_path / "a.xlsx")
    result = app.import_ledger(tmp_path / "a.xlsx", actor=IMPORTER, found_on="2019-06-01",
                               dry_run=True)  # fmt: skip
    assert result.list_name == "財政廳問題整改臺賬　省財政廳"
    result = app.import_ledger(tmp_path / "a.xlsx", actor=IMPORTER, found_on="2019-06-01",
                               dry_run=True, list_name="mine")  # fmt: skip
    assert result.list_name == "mine"
    app.close()


def test_a_ledger_imported_under_its_file_name_before_is_matched_again(tmp_path: Path) -> None:
    path = messy_workbook(tmp_path / "臺賬2019.xlsx")
    app = rectify.connect("memory://", today=lambda: TODAY)
    # as imports before keyed it: by the file's name
    before = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01", list_name="臺賬2019")
    assert len(before.new) == len(ROWS)
    again = app.import_ledger(path, actor=IMPORTER, found_on="2019-06-01")
    assert again.list_name == TITLE
    assert not again.new and len(again.unchanged) == len(ROWS)
    assert {i for _, i, _ in again.unchanged} == {i for _, i, _ in before.new}
    assert len(app.ledger()) == len(ROWS)
    app.close()


# ---------------------------------------------------------------- stores and exports


def test_views_of_schema_6_are_upgraded_in_place_and_equal_a_replay(tmp_path: Path) -> None:
    import sqlite3

    from rectify.testing import invariants as inv

    store = tmp_path / "six.db"
    app = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY)
    app.import_ledger(messy_workbook(tmp_path / "l.xlsx"), actor=IMPORTER, found_on="2019-06-01",
                      mapping=None)  # fmt: skip
    assert len(app.ledger()) == len(ROWS)  # the views written
    app.close()
    with sqlite3.connect(store) as db:  # the rows as schema 6 wrote them: no words at the end
        states = db.execute("SELECT issue_id, version, state FROM rectify_views_versions")
        for issue_id, version, state in states.fetchall():
            assert not state.startswith("[")  # packed as text: fields joined by \x1f
            db.execute(
                "UPDATE rectify_views_versions SET state = ? WHERE issue_id = ? AND version = ?",
                ("\x1f".join(state.split("\x1f")[:-2]), issue_id, version),
            )
        db.execute("UPDATE rectify_views_meta SET value = '6' WHERE key = 'schema'")
    app = rectify.connect(f"sqlite:///{store}", today=lambda: TODAY, create=False)
    try:
        assert app.pending_events() == 0  # not rebuilt: upgraded
        with sqlite3.connect(store) as db:
            (schema,) = db.execute("SELECT value FROM rectify_views_meta").fetchone()
        assert schema == "7"
        rows = app.ledger()
        # upgraded as rows of schema 6 were: no words (a replay of these events has some)
        assert rows and all(r.source_words is None and r.deadline_words is None for r in rows)
    finally:
        app.close()
    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "store-v0.2.0.db", old)
    app = rectify.connect(f"sqlite:///{old}", today=lambda: TODAY, create=False)
    try:  # a store of schema 5 goes through 6 to 7: what a replay writes
        inv.ledger_equals_replay(app, TODAY, None)
        assert all(r.source_text == r.source.label for r in app.ledger())
    finally:
        app.close()


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_an_exported_ledger_imports_back_with_its_words(tmp_path: Path, suffix: str) -> None:
    app, _ = _imported(messy_workbook(tmp_path / "臺賬.xlsx"), found_on="2019-06-01")
    out = tmp_path / f"out.{suffix}"
    app.export_ledger(out)
    again, _ = _imported(out, found_on="2019-06-01")
    assert _texts(again) == _texts(app)
    assert [r.source_words for r in again.ledger()] == [r.source_words for r in app.ledger()]
    app.close()
    again.close()
