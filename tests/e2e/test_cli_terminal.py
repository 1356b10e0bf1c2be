"""A terminal that reads well (issue 11): the ledger at 80 columns keeps 序號 and 責任單位 and
drops the columns of lowest priority, Chinese counted double; wider terminals show more; the
progress bars move; the help reads as sentences, not as the docstrings' hard-wrapped lines."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
from contextlib import closing
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

import rectify
from rectify import Actor, Role
from rectify.entrypoints.cli import app, reflowed
from rectify.entrypoints.cli.tables import ISSUE_COLUMNS, TermColumn, fitted_table, fitting
from tests.conftest import RECTIFY, PlayedDemo

if TYPE_CHECKING:
    from pathlib import Path

VERIFIER = Actor("wang", "王衛", "機關工委", [Role.VERIFIER, Role.INSPECTOR])


def run_at(columns: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``rectify ARGS`` in a terminal ``columns`` cells wide."""
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("RECTIFY_DB", None)
    return subprocess.run(
        [str(RECTIFY), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.fixture(scope="module")
def ledger_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A ledger with long titles, long units, measures and remarks: every column has text."""
    url = f"sqlite:///{tmp_path_factory.mktemp('terminal') / 'ledger.db'}"
    app_ = rectify.connect(url)
    units = ["省財政廳", "省委組織部機關黨委第二黨支部", "省教育廳"]
    for n in range(9):
        unit = units[n % 3]
        issue = app_.record_issue(
            actor=VERIFIER,
            title=f"個別黨支部2018年專題學習討論內容不完整，組織生活會前談心談話不充分（第{n}項）",
            unit=unit,
            source="巡視巡察反饋",
            remarks="需持續跟進,年底前復查",
            on="2019-06-01",
        )
        app_.assign(
            issue, actor=VERIFIER, unit=unit, person="張敏", deadline="2019-07-31",
            measures=["補齊記錄", "建立臺賬"], on="2019-06-02",
        )  # fmt: skip
    app_.close()
    return url


def widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


def headers(text: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if "序號" in ln)
    return [h.strip() for h in line.strip("┃ ").split("┃")]


@pytest.mark.parametrize("command", ["ledger", "issues"])
def test_at_80_columns_the_ledger_keeps_its_key_columns_and_fits(
    ledger_db: str, command: str
) -> None:
    done = run_at(80, command, "--db", ledger_db, "--as-of", "2019-08-01")
    assert done.returncode == 0, done.stderr
    assert widest(done.stdout) <= 80
    shown = headers(done.stdout)
    assert {"序號", "問題描述", "責任單位", "狀態"} <= set(shown)
    assert "備註" not in shown and "略去 not shown at this width" in done.stdout
    # the long unit and title wrap within their columns rather than being cut
    assert "…" not in done.stdout.split("整改進度")[0]
    assert "省委組織部" in done.stdout and "（第8項）" in done.stdout
    if command == "issues":
        assert "編號" in shown


def test_wider_terminals_show_more_columns(ledger_db: str) -> None:
    counts = []
    for columns in (60, 80, 120, 200):
        done = run_at(columns, "issues", "--db", ledger_db, "--as-of", "2019-08-01")
        assert done.returncode == 0, done.stderr
        assert widest(done.stdout) <= columns
        shown = headers(done.stdout)
        assert {"序號", "責任單位"} <= set(shown)
        counts.append(len(shown))
    assert counts == sorted(counts) and counts[0] < counts[-1]
    assert counts[-1] == len(ISSUE_COLUMNS)  # 200 columns: all of them


def test_show_and_audit_fit_80_columns(ledger_db: str) -> None:
    issue = str(rectify.connect(ledger_db).issues()[1].id)
    for command in ("show", "audit"):
        done = run_at(80, command, issue[:8], "--db", ledger_db)
        assert done.returncode == 0, done.stderr
        assert widest(done.stdout) <= 80, done.stdout
    assert "交辦 assign" in done.stdout and "已發現 → 已交辦" in done.stdout


def test_rebuild_and_project_show_a_progress_bar_that_reaches_its_end(
    ledger_db: str, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    with (
        closing(sqlite3.connect(ledger_db.removeprefix("sqlite:///"))) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)
    url = f"sqlite:///{copy}"
    events = rectify.connect(url).recorder.max_notification_id()
    assert events == 18
    done = run_at(100, "rebuild", "--db", url)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"rebuilding the views .*{events}/{events}", done.stdout), done.stdout
    assert f"views rebuilt from {events} events" in done.stdout
    projected = run_at(100, "project", "--db", url)
    assert projected.returncode == 0 and "projected 0 events" in projected.stdout


def test_the_demo_projects_its_views_with_a_bar_that_moves(played_demo: PlayedDemo) -> None:
    found = re.search(r"projecting the views\s.*?(\d+)/(\d+)", played_demo.done.stdout)
    assert found, played_demo.done.stdout[-2000:]
    assert found.group(1) == found.group(2) and int(found.group(2)) > 0


@given(
    cells=st.lists(
        st.lists(st.text(alphabet="ab中文 ", max_size=30), min_size=len(ISSUE_COLUMNS),
                 max_size=len(ISSUE_COLUMNS)),
        max_size=5,
    ),
    width=st.integers(20, 250),
)  # fmt: skip
def test_fitting_drops_by_priority_and_never_the_key_columns(
    cells: list[list[str]], width: int
) -> None:
    columns: list[TermColumn] = list(ISSUE_COLUMNS)
    kept = fitting(columns, cells, width)
    essential = [i for i, c in enumerate(columns) if c.priority == 0]
    assert set(essential) <= set(kept)
    dropped = [i for i in range(len(columns)) if i not in kept]
    if dropped:  # nothing kept has a lower priority (a higher number) than anything dropped
        assert max(columns[i].priority for i in kept) <= min(columns[i].priority for i in dropped)
        needs = sum(columns[i].needs([r[i] for r in cells]) + 3 for i in kept) + 1
        assert needs <= width or not (set(kept) - set(essential))
    wider = fitting(columns, cells, width + 40)
    assert set(kept) <= set(wider)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.text(alphabet="ab中文 ", max_size=40), min_size=len(ISSUE_COLUMNS),
                 max_size=len(ISSUE_COLUMNS)),
        min_size=1, max_size=4,
    ),
    width=st.integers(60, 220),
)  # fmt: skip
def test_a_fitted_table_is_never_wider_than_the_terminal(
    cells: list[list[str]], width: int
) -> None:
    columns = list(ISSUE_COLUMNS)
    essential = sum(c.needs([r[i] for r in cells]) + 3 for i, c in enumerate(columns)
                    if c.priority == 0) + 1  # fmt: skip
    if essential > width:
        return  # not even the key columns fit: rich squeezes them (not asserted here)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(
        fitted_table(columns, cells, "問題整改臺賬", width)
    )
    assert max(cell_len(line) for line in out.getvalue().splitlines()) <= width


def test_help_is_reflowed_into_sentences() -> None:
    assert reflowed("First line\n    goes on.\n\n    Second ``code`` para\n    too.") == (
        "First line goes on.\n\nSecond code para too."
    )
    assert reflowed("Items:\n\n- one\n- two") == "Items:\n\n- one\n- two"
    for command in app.registered_commands:
        for paragraph in (command.help or "").split("\n\n"):
            if not paragraph.lstrip().startswith(("- ", "* ")):
                assert "\n" not in paragraph, (command.name, paragraph)
    done = run_at(200, "--help")
    demo = next(ln for ln in done.stdout.splitlines() if "│ demo " in ln)
    assert "inspection rounds" in demo  # the whole of it on one line at 200 columns
