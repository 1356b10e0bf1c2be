"""``rectify workflow check FILE``, ``rectify workflow toml KEY`` and ``rectify diagram --workflow
FILE``, as a user runs them (issue 12)."""

from __future__ import annotations

from pathlib import Path

from rectify.domain.workflow_toml import workflow_from_toml
from rectify.domain.workflows import ISSUE_WORKFLOW_V3, WORKFLOWS
from tests.conftest import run_rectify as run
from tests.unit.test_workflow_toml import GOOD, SHIPPED_TOML

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "two_verifications.toml"
EXAMPLE_GUARDS = ROOT / "examples" / "two_verifications.py"


def test_check_says_a_good_file_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    done = run("workflow", "check", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"{path}: valid: workflow mine/1 of issues, 6 states, 4 steps, 3 transitions"
    )
    shipped = run("workflow", "check", str(SHIPPED_TOML))
    assert shipped.returncode == 0, shipped.stderr
    assert "valid: workflow issue/3 of issues" in shipped.stdout


def test_check_lists_each_problem_with_its_line_and_field_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        GOOD.replace('to = "rectified"', 'to = "fixed"').replace(
            'grants = ["verifier"]\nguards = ["independent_decision"]\nlabel',
            'grants = ["emperor"]\nguards = ["two_people"]\nlabel',
        ),
        encoding="utf-8",
    )
    done = run("workflow", "check", str(path))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{path}:14: steps[1].to: unknown state 'fixed'"), lines
    assert lines[1].startswith(f"{path}:21: steps[2].grants[1]: unknown role 'emperor'"), lines
    assert lines[2].startswith(f"{path}:22: steps[2].guards[1]: unknown guard 'two_people'"), lines
    assert lines[3] == f"{path}: invalid (3 problem(s))"
    assert done.stdout == ""


def test_check_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = run("workflow", "check", str(tmp_path / "nowhere.toml"))
    assert done.returncode == 2


def test_guards_of_ones_own_are_imported_first() -> None:
    without = run("workflow", "check", str(EXAMPLE))
    assert without.returncode == 2
    assert "unknown guard 'another_verifier'" in without.stderr
    done = run("workflow", "check", str(EXAMPLE), "--guards", str(EXAMPLE_GUARDS))
    assert done.returncode == 0, done.stderr
    assert "valid: workflow patrol-feedback/1 of issues, 6 states, 17 steps" in done.stdout
    broken = run("workflow", "check", str(EXAMPLE), "--guards", "no_such_module_here")
    assert broken.returncode == 2
    assert "cannot import the guards of no_such_module_here" in broken.stderr


def test_diagram_draws_any_definition_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD, encoding="utf-8")
    done = run("diagram", "--workflow", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == workflow_from_toml(GOOD).mermaid().strip()
    assert "rectified --> verified: verify [independent_decision]" in done.stdout
    shipped = run("diagram", "--workflow", str(SHIPPED_TOML))
    assert shipped.stdout.strip() == ISSUE_WORKFLOW_V3.mermaid().strip()
    mine = run("diagram", "--workflow", str(EXAMPLE), "--guards", str(EXAMPLE_GUARDS))
    assert mine.returncode == 0, mine.stderr
    assert "verified --> verified: verify [independent_decision" in mine.stdout
    path.write_text(GOOD.replace('"verifier"]\n', '"boss"]\n', 1), encoding="utf-8")
    bad = run("diagram", "--workflow", str(path))
    assert bad.returncode == 2
    assert f"{path}:9: create.grants[2]: unknown role 'boss'" in bad.stderr


def test_toml_prints_a_registered_workflow_as_the_committed_file() -> None:
    done = run("workflow", "toml", "issue/3")
    assert done.returncode == 0, done.stderr
    assert done.stdout == SHIPPED_TOML.read_text(encoding="utf-8")
    branch = run("workflow", "toml", "branch/2")
    assert workflow_from_toml(branch.stdout) == WORKFLOWS["branch/2"]
    unknown = run("workflow", "toml", "nope/1")
    assert unknown.returncode == 2
    assert "unknown workflow 'nope/1'" in unknown.stderr


def test_roles_prints_the_matrix_of_any_definition_in_a_file(tmp_path: Path) -> None:
    shipped = run("roles")
    from_file = run("roles", "--workflow", str(SHIPPED_TOML))
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.stdout == shipped.stdout  # the same table from the TOML as the declaration
    mine = run("roles", "--workflow", str(EXAMPLE), "--guards", str(EXAMPLE_GUARDS))
    assert mine.returncode == 0, mine.stderr
    # a workflow of one's own, named as it likes, still maps its steps to the API's methods
    assert "| `record_issue` | 發現 |" in mine.stdout
    assert "| `verify` | 驗收 | — | other unit |" in mine.stdout
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace('"verifier"]\n', '"boss"]\n', 1), encoding="utf-8")
    bad = run("roles", "--workflow", str(path))
    assert bad.returncode == 2
    assert f"{path}:9: create.grants[2]: unknown role 'boss'" in bad.stderr
