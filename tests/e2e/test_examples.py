"""Every script in examples/ runs as a user runs it, and prints what it is there to show.

The examples are found by globbing, so a new ``examples/*.py`` is run without touching this file;
it then fails until the lines it must print are added to ``EXPECTED``. An example whose docstring
offers ``[STORE_URL]`` is run with its default store, on ``memory://`` and on an SQLite file; one
that defines ``test_*`` functions is run under pytest too.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PlayedDemo

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))

EXPECTED: dict[str, tuple[str, ...]] = {
    "embed_in_a_system.py": (
        "feed after the first synchronisation: 13 new event(s)",
        "idempotent: the repeated commands recorded 0 new event(s)",
        "refused (PermissionDenied): the education department's own verifier verifies its work",
        "refused (PermissionDenied): the person who rectified it verifies it",
        "refused (TransitionNotAllowed): a closed-out problem is verified again",
        "the host highlights the field 'person'",
        "refused (NotFound): a problem the ledger never heard of",
        "  1. “三會一課”制度執行不嚴格 | 省財政廳 | 已銷號 | 限期整改 | closed out 2019-09-03",
        "awaiting verification: 支部主題黨日流於形式, by 趙主任 (省直機關工委)",
    ),
    "audit_a_history.py": (
        "ledger of 2019-06-30 as published (log position 2): 1 row(s)",
        "as of 2019-06-30: 三會一課記錄不規範 已交辦, 10 day(s) overdue",
        "ledger of 2019-06-30 as known now: 2 row(s)",
        "  2. 黨費收繳不及時 | 省財政廳 | 已整改 | deadline - | not overdue",
        "ledger of 2019-06-30 as known at position 2: 1 row(s)",
        "the back-dated entry changed what is known now of 30 June, not what was known then",
        "recorded after position 2 but dated by 2019-06-30 (補錄):",
        "the history behind these answers is intact: 7 events, digest ",
    ),
    "verify_a_history.py": (
        "checking the stored history:",
        "306 events: intact",
        "history digest kept: ",
        "checkpoint recorded: events up to 306",
        "the kept digest still seals this history",
    ),
    "property_test_a_rule.py": (
        "my rule held in the state machine (10 examples of up to 20 steps), checked on",
        "who may record a problem:",
    ),
    "two_verifications.py": (
        "workflow patrol-feedback/1 read from two_verifications.toml: 17 steps, 40 transitions",
        "refused (TransitionNotAllowed): close-out after one verification",
        "refused (PermissionDenied): the same person verifies twice",
        "closed out under patrol-feedback/1 after verifications by gw-zhao and gw-qian",
        "my rule held in the state machine driving patrol-feedback/1 (10 examples of up to 20",
    ),
}
"""Lines (or the start of lines, indentation aside) each example must print, on any store."""


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _takes_url(path: Path) -> bool:
    return "[STORE_URL]" in (ast.get_docstring(ast.parse(_source(path))) or "")


def _runs() -> list[object]:
    runs: list[object] = []
    for path in EXAMPLES:
        stores = ("default", "memory", "sqlite") if _takes_url(path) else ("default",)
        runs += [pytest.param(path, store, id=f"{path.stem}-{store}") for store in stores]
    return runs


def _run(args: list[str], cwd: Path) -> str:
    """Run a command as a user would, in a folder of its own; its standard output."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    try:
        done = subprocess.run(
            args,
            check=True,
            timeout=120,
            cwd=cwd,
            env=env,
            capture_output=True,
            encoding="utf-8",
        )
    except subprocess.CalledProcessError as e:
        pytest.fail(f"{' '.join(args)} failed ({e.returncode}):\n{e.stdout}\n{e.stderr}")
    return done.stdout


def _assert_prints(name: str, out: str) -> None:
    expected = EXPECTED.get(name)
    if expected is None:
        pytest.fail(f"add the lines examples/{name} must print to EXPECTED; it printed:\n{out}")
    lines = out.splitlines()
    for want in expected:
        assert any(line.lstrip().startswith(want.lstrip()) for line in lines), (
            f"{name} did not print {want!r}:\n{out}"
        )


def test_the_examples_are_found() -> None:
    assert {p.name for p in EXAMPLES} >= set(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_says_whom_it_is_for(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(_source(path)))
    assert doc is not None, f"{path.name} has no module docstring"
    assert doc.startswith("For "), f"{path.name}'s docstring does not begin with whom it is for"


@pytest.mark.parametrize(("path", "store"), _runs())
def test_example_runs_and_shows_what_it_is_for(path: Path, store: str, tmp_path: Path) -> None:
    args = [sys.executable, str(path)]
    if store == "memory":
        args.append("memory://")
    elif store == "sqlite":
        args.append(f"sqlite:///{tmp_path / 'example.db'}")
    out = _run(args, tmp_path)
    _assert_prints(path.name, out)
    if store == "sqlite":
        assert list(tmp_path.glob("example*.db")), "the example did not use the SQLite file given"


def test_embedding_twice_on_one_store_records_nothing_new(tmp_path: Path) -> None:
    """Every command of the integration example carries an idempotency key: run again on the
    same store, it records nothing and reads the same ledger."""
    script = str(EXAMPLES_DIR / "embed_in_a_system.py")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    first = _run([sys.executable, script, url], tmp_path)
    second = _run([sys.executable, script, url], tmp_path)
    assert "recorded 13 new event(s) (the store held 0 before)" in first.splitlines()
    assert "recorded 0 new event(s) (the store held 13 before)" in second.splitlines()

    def ledger(out: str) -> list[str]:
        return [line for line in out.splitlines() if line.startswith("  ") and " | " in line]

    assert ledger(second) == ledger(first)
    assert len(ledger(first)) == 3


def test_the_auditor_verifies_the_demo_store_and_finds_the_intruders_edit(
    played_demo: PlayedDemo, tmp_path: Path
) -> None:
    url = played_demo.copy_to(tmp_path)
    out = _run([sys.executable, str(EXAMPLES_DIR / "verify_a_history.py"), url], tmp_path)
    lines = out.splitlines()
    assert "9,667 events: intact" in lines
    assert "checkpoint recorded: events up to 9,667" in lines
    assert "9,669 events: NOT intact, 2 finding(s)" in lines
    assert any(line.startswith("  altered [event 4833 of ") for line in lines), out
    assert any(line.startswith("  expected: digest ") for line in lines), out
    assert any(line.startswith("the first event affected: position 4833,") for line in lines)


@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if "\ndef test_" in _source(p)],
    ids=lambda p: p.stem,
)
def test_example_tests_pass_under_pytest(path: Path, tmp_path: Path) -> None:
    out = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)], tmp_path
    )
    assert " passed" in out.splitlines()[-1], out
    assert "failed" not in out.splitlines()[-1], out
