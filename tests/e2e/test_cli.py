"""The command line as a user runs it: ``rectify demo``, ``rectify diagram`` and friends."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rectify.domain.roles import markdown_matrix
from rectify.domain.workflows import (
    CURRENT_BRANCH_WORKFLOW,
    CURRENT_ISSUE_WORKFLOW,
    ISSUE_WORKFLOW_V1,
    ROUND_WORKFLOW_V1,
)
from tests.conftest import PlayedDemo
from tests.conftest import run_rectify as run


@pytest.fixture
def demo_db(played_demo: PlayedDemo) -> tuple[str, subprocess.CompletedProcess[str]]:
    """The demo played once per session (tests/conftest.py): its URL and what it printed."""
    return played_demo.url, played_demo.done


def test_demo_prints_the_ledger_and_the_counts(
    demo_db: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    _, done = demo_db
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "問題整改臺賬 — the first report" in out and "as of 2019-09-30" in out
    rows = [ln for ln in out.splitlines() if re.match(r"^│\s+\d+ │", ln)]
    assert len(rows) == 45  # the first report's 44 problems and its work list as one problem
    own = rows[:8]
    assert sum("集中治理" in r for r in own) == 3 and sum("立行立改" in r for r in own) == 5
    assert all("已銷號" in r for r in own)
    work_list = rows[-1]
    assert "解決機關黨建考核反饋問題工作清單" in work_list
    assert "8項中已完成8項" in work_list and "已銷號" in work_list
    assert "限期整改" in work_list
    # the departments' problems have three measures each: done before submission, some not yet
    units = rows[8:44]
    assert any("3項中已完成1項" in r and "已交辦" in r for r in units)
    assert all("3項中已完成3項" in r for r in units if "限期整改" in r)
    assert any("退回1次" in r for r in rows) and any("反彈重開1次" in r for r in rows)
    assert any("已撤銷" in r for r in rows) and any("延期1次" in r for r in rows)
    assert any(re.search(r"\d+天", r) for r in rows), "some problems are overdue on the demo date"
    assert re.search(r"整改率 rectification rate\s+│\s+\d+\.\d%", out)
    assert (
        "the first report: 45 problems (8 on the committee's own list, 1 work list with its "
        "measures, 36 in 6 departments)" in out
    )
    assert re.search(r"(\d+) events recorded by this run, \1 in the store", out)


def test_demo_again_records_nothing(
    demo_played_again: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    _, again = demo_played_again  # played again on a copy of the demo's store
    assert again.returncode == 0, again.stderr
    assert re.search(r"\b0 events recorded by this run", again.stdout)


def test_issues_show_and_audit_read_the_demo(
    demo_db: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    db, _ = demo_db
    listed = run("issues", "--db", db, "--as-of", "2019-09-30", "--status", "assigned")
    assert listed.returncode == 0, listed.stderr
    assert "已交辦" in listed.stdout and "已銷號" not in listed.stdout.split("整改進度")[0]
    import rectify

    app = rectify.connect(db)
    reopened = next(v for v in app.issues() if v.reopenings)
    shown = run("show", str(reopened.id), "--db", db, "--as-of", "2019-09-01")
    assert shown.returncode == 0, shown.stderr
    assert "已交辦" in shown.stdout and "反彈重開次數" in shown.stdout  # labels in Chinese
    assert "assigned" not in shown.stdout and "closed_out" not in shown.stdout
    trail = run("audit", str(reopened.id), "--db", db)
    assert trail.returncode == 0, trail.stderr
    for action in ("record", "assign", "submit_rectification", "verify", "close_out", "reopen"):
        assert action in trail.stdout
    assert "已銷號 → 已交辦" in trail.stdout and "反彈" in trail.stdout


def test_errors_are_reported_not_raised(tmp_path: Path) -> None:
    missing = run(
        "show", "00000000-0000-0000-0000-000000000001", "--db", f"sqlite:///{tmp_path}/x.db"
    )
    assert missing.returncode == 1 and "NotFound" in missing.stdout
    bad = run("issues", "--db", "mysql://nowhere/x")
    assert bad.returncode == 2 and "InvalidCommand" in bad.stdout
    assert "Traceback" not in missing.stderr + bad.stderr


def test_diagram_issue_prints_the_mermaid_state_diagram() -> None:
    done = run("diagram", "issue")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == CURRENT_ISSUE_WORKFLOW.mermaid().strip()
    assert "stateDiagram-v2" in done.stdout
    assert "verified --> closed_out: close_out" in done.stdout
    assert "closed_out --> assigned: reopen" in done.stdout
    old = run("diagram", "issue", "--version", "1")
    assert old.stdout.strip() == ISSUE_WORKFLOW_V1.mermaid().strip()
    assert "complete_measure" not in old.stdout and "complete_measure" in done.stdout
    unknown = run("diagram", "nope")
    assert unknown.returncode == 2 and "unknown workflow 'nope'" in unknown.stdout
    assert run("diagram", "branch", "--version", "9").returncode == 2


def test_diagram_branch_and_round() -> None:
    branch = run("diagram", "branch")
    assert branch.returncode == 0, branch.stderr
    assert branch.stdout.strip() == CURRENT_BRANCH_WORKFLOW.mermaid().strip()
    assert "lagging --> consolidating: start_consolidation [dual_mentors" in branch.stdout
    assert "delisting_requested --> delisted: delist [no_open_issues]" in branch.stdout
    rnd = run("diagram", "round")
    assert rnd.returncode == 0, rnd.stderr
    assert rnd.stdout.strip() == ROUND_WORKFLOW_V1.mermaid().strip()
    assert "open --> closed: close" in rnd.stdout


def test_roles_prints_the_matrix_the_readme_holds() -> None:
    issue = run("roles", "issue")
    assert issue.returncode == 0, issue.stderr
    assert issue.stdout == markdown_matrix(CURRENT_ISSUE_WORKFLOW)
    assert "| `verify` | 驗收 | — | other unit |" in issue.stdout
    assert run("roles", "branch").stdout == markdown_matrix(CURRENT_BRANCH_WORKFLOW)
    old = run("roles", "issue", "--version", "1")
    assert old.stdout == markdown_matrix(ISSUE_WORKFLOW_V1)
    assert "complete_measure" not in old.stdout
    assert run("roles", "nope").returncode == 2


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rectify", "diagram", "issue"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "stateDiagram-v2" in done.stdout
