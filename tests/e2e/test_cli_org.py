"""The organisation commands as a user runs them on the demo: the lagging-branch board, branches,
problem lists and their roll-up, inspection rounds, and the demo's own figures and idempotency."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

import rectify
from rectify.demo import DEMO_TODAY, LIST_NAME, RECHECK, RELAPSE, STILL_OPEN
from rectify.domain.values import BranchStatus, RoundStatus
from tests.conftest import PlayedDemo
from tests.conftest import run_rectify as run

DAY = DEMO_TODAY.isoformat()


@pytest.fixture
def demo(played_demo: PlayedDemo) -> tuple[str, subprocess.CompletedProcess[str]]:
    """The demo played once per session (tests/conftest.py): its URL and what it printed."""
    return played_demo.url, played_demo.done


@pytest.fixture
def db(demo: tuple[str, subprocess.CompletedProcess[str]]) -> str:
    return demo[0]


@pytest.fixture
def app(db: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(db, today=lambda: DEMO_TODAY)
    yield application
    application.close()


def lines(out: str, pattern: str) -> list[str]:
    """The table lines whose first cell matches ``pattern``."""
    return [ln for ln in out.splitlines() if re.match(rf"^│\s*{pattern}\s*│", ln)]


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip("│").split("│")]


def ok(*args: str) -> str:
    done = run(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_the_demo_ends_with_the_figures_of_the_field_reports(
    demo: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    out = demo[1].stdout
    assert "2018 problem list: 97 units, 23 common problems, 1,640 problems, " in out, (
        out.splitlines()[-8:]
    )
    closed_out = int(re.search(r"1,640 problems, ([\d,]+) closed out", out)[1].replace(",", ""))  # type: ignore[index]
    overdue = int(re.search(r"closed out \([\d.]+%\), (\d+) overdue", out)[1])  # type: ignore[index]
    assert 1640 * 0.85 < closed_out < 1640 and overdue > 0  # most closed out, some overdue
    assert "lagging branches: 20 designated, 20 ready for reassessment, 20 delisted" in out
    assert re.search(r"inspection rounds: 7 \(7 closed\), \d+ findings, 1 relapse, 1 still", out)
    assert "committee work list: 8項中已完成8項 (3 集中治理, 5 立行立改)" in out
    # the progress bars of the parts that take a while
    assert "field reports: lists, lagging branches, inspections" in out
    assert "projecting the views" in out


def test_the_demo_again_records_no_new_event(
    db: str, demo_played_again: tuple[str, subprocess.CompletedProcess[str]]
) -> None:
    application = rectify.connect(db)
    before = application.recorder.max_notification_id()
    application.close()
    copy, again = demo_played_again  # played again on a copy of the demo's store
    assert again.returncode == 0, again.stderr
    assert re.search(rf"\b0 events recorded by this run, {before} in the store", again.stdout)
    application = rectify.connect(copy)
    assert application.recorder.max_notification_id() == before
    application.close()


def test_the_board_shows_20_branches_all_delisted_at_the_end(
    db: str, app: rectify.RectificationApp
) -> None:
    out = ok("board", "--db", db, "--as-of", DAY)
    rows = lines(out, r"SZ-\d\d-\d\d")
    assert len(rows) == 20
    board = {r.code: r for r in app.lagging_board(DEMO_TODAY)}
    for row in rows:
        code, name, unit, kinds, mentor, problems, still_open, ready, delisted = cells(row)
        line = board[code]
        assert (name, unit) == (line.name, line.unit)
        assert int(problems) == line.problems >= 3 and still_open == "0"
        assert ready == "✓" and re.fullmatch(r"2019-09-\d\d", delisted)
        assert str(line.delisted_on) == delisted
        assert line.mentors[0].name in mentor  # the first of the two, the other below it
        assert len(line.mentors) == 2 and {m.unit for m in line.mentors} == {"省直機關工委", unit}
    kinds = " ".join(cells(r)[3] for r in rows)
    for label in ("軟弱渙散", "虛化", "弱化", "邊緣化", "不按期換屆", "黨員教育管理薄弱"):
        assert label in kinds
    assert "weak_and_lax" not in out  # kinds are shown by their Chinese labels
    assert "省直機關工委" in out  # the committee's mentor of 雙掛 is on each line
    assert "20 lagging branches, 20 ready for reassessment, 20 delisted" in out


def test_the_board_on_an_earlier_date(db: str) -> None:
    out = ok("board", "--db", db, "--as-of", "2019-06-30")
    rows = lines(out, r"SZ-\d\d-\d\d")
    assert len(rows) == 20
    assert all(cells(r)[8] == BranchStatus.CONSOLIDATING.label for r in rows)
    # every branch still has open problems then, and none is ready for reassessment
    assert all(int(cells(r)[6]) > 0 and cells(r)[7] == "—" for r in rows)
    assert "20 lagging branches, 0 ready for reassessment, 0 delisted" in out
    before = ok("board", "--db", db, "--as-of", "2018-11-30")
    assert "0 lagging branches" in before


def test_branches(db: str) -> None:
    out = ok("branches", "--db", db, "--as-of", DAY)
    assert len(lines(out, r"(SZ|JK)-[A-Z0-9-]+")) == 25 and "25 branches" in out
    assert out.count(BranchStatus.DELISTED.label) == 20
    assert out.count("五好黨支部") == 2  # two of the three branches the district rated
    delisted = ok("branches", "--db", db, "--as-of", DAY, "--status", "delisted")
    assert "20 branches" in delisted
    on_list = ok("branches", "--db", db, "--as-of", "2019-06-30", "--lagging")
    assert "20 branches" in on_list and "JK-" not in on_list
    assert "5 branches" in ok("branches", "--db", db, "--as-of", "2019-06-30", "--not-lagging")
    # the screening of 1 December 2018 saw four elections overdue (不按期換屆)
    screening = ok("branches", "--db", db, "--as-of", "2018-12-01")
    assert "20 branches" in screening and screening.count("逾期") == 4
    bad = run("branches", "--db", db, "--status", "sleeping")
    assert bad.returncode == 2 and "InvalidCommand" in bad.stdout


def test_lists_and_the_rollup_of_the_2018_list(db: str, app: rectify.RectificationApp) -> None:
    out = ok("lists", "--db", db, "--as-of", DAY)
    (row,) = lines(out, r"[0-9a-f-]{36}")
    list_id, name, _, issued, deadline, common, units, problems, *_ = cells(row)
    assert (name, issued, deadline) == (LIST_NAME, "2019-06-05", "2019-08-31")
    assert (common, units, problems) == ("23", "97", "1640")

    rollup = ok("rollup", list_id, "--db", db, "--as-of", DAY)
    rows = lines(rollup, r"GX\d\d")
    assert len(rows) == 23
    expected = {c.code: c for c in app.list_rollup(list_id, DEMO_TODAY).common_problems}
    for r in rows:
        code, text, units_with_it, rectified, closed_out, _, issues = cells(r)
        c = expected[code]
        assert text == c.text
        assert (int(units_with_it), int(rectified), int(closed_out), int(issues)) == (
            c.units, c.rectified_units, c.closed_out_units, c.issues,
        )  # fmt: skip
        assert 0 < int(closed_out) <= int(rectified) <= int(units_with_it) <= 97
    assert sum(int(cells(r)[6]) for r in rows) == 1640
    assert "23 common problems; 97 units, 1640 problems" in rollup

    by_name = ok("rollup", LIST_NAME, "--db", db, "--as-of", DAY)
    assert lines(by_name, r"GX\d\d") == rows
    # on the day the list went out, nothing had been rectified yet
    first_day = ok("rollup", list_id, "--db", db, "--as-of", "2019-06-05")
    assert all(cells(r)[3] == "0" for r in lines(first_day, r"GX\d\d"))
    missing = run("rollup", "no such list", "--db", db)
    assert missing.returncode == 1 and "NotFound" in missing.stdout


def test_rounds_and_the_re_inspection_with_its_relapse(
    db: str, app: rectify.RectificationApp
) -> None:
    out = ok("rounds", "--db", db, "--as-of", DAY)
    rows = lines(out, r"[0-9a-f-]{36}")
    assert [cells(r)[2] for r in rows] == [f"2019-0{m}" for m in range(3, 10)]
    assert all(cells(r)[3] == RoundStatus.CLOSED.label for r in rows)
    assert [int(cells(r)[8]) for r in rows] == [0, 0, 0, 0, 0, 1, 0]  # 反彈 only at 回頭看
    findings = sum(int(cells(r)[6]) for r in rows)
    assert f"7 rounds, {findings} findings, 1 relapse" in out

    (recheck,) = (r for r in rows if cells(r)[2] == RECHECK)
    round_id = cells(recheck)[0]
    figures = app.round_figures(round_id, DEMO_TODAY)
    shown = ok("round", round_id, "--db", db, "--as-of", DAY)
    assert re.search(r"反彈 relapses \(closed out, found again\)\s+│\s+1 │", shown)
    assert re.search(r"仍未整改 still open from an earlier round\s+│\s+1 │", shown)
    assert re.search(rf"發現 findings\s+│\s+{figures.findings} │", shown)
    assert re.search(r"到位 targets inspected\s+│\s+10 \(100\.0%\) │", shown)
    relapse = [ln for ln in shown.splitlines() if "反彈" in ln and RELAPSE[1] in ln]
    assert len(relapse) == 1 and RELAPSE[0] in relapse[0]
    assert any(STILL_OPEN[0] in ln and "仍未整改" in ln for ln in shown.splitlines())
    assert "經開區城市建設投資集團黨委" in shown  # a branch target shown by its name

    # the day the re-inspection's findings were recorded: the relapse is open again
    that_day = ok("round", round_id, "--db", db, "--as-of", "2019-08-10")
    assert RoundStatus.OPEN.label in that_day
    reopened = [ln for ln in that_day.splitlines() if "反彈" in ln and RELAPSE[1] in ln]
    assert "已交辦" in reopened[0]
    relapsed = app.inspection_round(round_id).findings[RELAPSE]
    assert app.get_issue(relapsed, "2019-08-10").reopenings == 1
    early = run("round", round_id, "--db", db, "--as-of", "2019-07-31")
    assert early.returncode == 1 and "NotFound" in early.stdout


def test_the_ledger_shows_how_many_measures_are_done(db: str) -> None:
    # the committee's work list: measures completed one a day from 14 June
    mid = ok("issues", "--db", db, "--as-of", "2019-06-16", "--unit", "省直機關工委")
    (work_list,) = [ln for ln in mid.splitlines() if "工作清單》" in ln]
    assert "8項中已完成3項" in work_list and "已交辦" in work_list
    end = ok("issues", "--db", db, "--as-of", DAY, "--unit", "省直機關工委")
    (work_list,) = [ln for ln in end.splitlines() if "工作清單》" in ln]
    assert "8項中已完成8項" in work_list and "已銷號" in work_list
    # list problems still open on the demo date with one of their two measures done
    overdue = ok("issues", "--db", db, "--as-of", DAY, "--status", "assigned")
    assert "2項中已完成1項" in overdue


def test_the_commands_agree_with_the_demo_summary(
    demo: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    db, done = demo
    summary = done.stdout
    board = ok("board", "--db", db, "--as-of", DAY)
    rounds = ok("rounds", "--db", db, "--as-of", DAY)
    rollup = ok("lists", "--db", db, "--as-of", DAY)
    delisted = re.search(r"(\d+) delisted", board)[1]  # type: ignore[index]
    assert f"{delisted} delisted" in summary
    findings = re.search(r"7 rounds, (\d+) findings", rounds)[1]  # type: ignore[index]
    assert f"{findings} findings, 1 relapse" in summary
    (row,) = lines(rollup, r"[0-9a-f-]{36}")
    closed_out, overdue = cells(row)[9:11]
    assert f"{int(closed_out):,} closed out" in summary and f"{overdue} overdue" in summary


def test_help_lists_the_organisation_commands() -> None:
    out = ok("--help")
    for command in ("board", "branches", "lists", "rollup", "rounds", "round"):
        assert re.search(rf"│ {command}\s", out), command
