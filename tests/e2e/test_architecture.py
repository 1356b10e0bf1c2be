"""The layout holds: imports point one way (the layer contract in pyproject.toml, checked with
import-linter), and no module grows past about 400 lines without saying why at its top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rectify

SRC = Path(rectify.__file__).parent
LONG = 400
REASON = "Why this module is long:"


def test_the_layer_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=SRC.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_module_is_long_without_a_reason_at_its_top() -> None:
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LONG:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if REASON not in docstring:
            unexplained.append(f"{path.relative_to(SRC)} ({text.count(chr(10))} lines)")
    assert unexplained == [], (
        f"modules over {LONG} lines without {REASON!r} in their docstring: {unexplained}"
    )
