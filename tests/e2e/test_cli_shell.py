"""The shell every ``rectify`` command shares: the store is opened one way, a RectifyError is
reported one way, the application is closed however the command ends, and the output is UTF-8
whatever the locale says."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from rectify.application import RectificationApp, connect
from rectify.entrypoints import cli
from rectify.entrypoints.cli import app

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> Callable[[], bool]:
    """Whether every application the CLI opened while the test ran was closed (for real)."""
    opened: list[RectificationApp] = []
    seen: list[RectificationApp] = []
    close = RectificationApp.close

    def spy(self: RectificationApp) -> None:
        seen.append(self)
        close(self)

    def connecting(*args: Any, **kwargs: Any) -> RectificationApp:
        application = connect(*args, **kwargs)
        opened.append(application)
        return application

    monkeypatch.setattr(RectificationApp, "close", spy)
    monkeypatch.setattr("rectify.entrypoints.cli.connect", connecting)
    return lambda: bool(opened) and all(any(a is s for s in seen) for a in opened)


def test_a_command_refused_as_invalid_reports_it_and_closes_the_application(
    closed: Callable[[], bool],
) -> None:
    done = CliRunner().invoke(app, ["show", "not-an-id", "--db", "memory://"])
    assert done.exit_code == 2, done.output
    assert done.output.startswith("InvalidCommand: invalid issue_id")
    assert closed()


def test_a_command_that_finds_nothing_reports_it_and_closes_the_application(
    closed: Callable[[], bool],
) -> None:
    done = CliRunner().invoke(app, ["audit", str(uuid.uuid4()), "--db", "memory://"])
    assert done.exit_code == 1, done.output
    assert done.output.startswith("NotFound:")
    assert closed()


def test_a_command_that_succeeds_closes_the_application(
    closed: Callable[[], bool],
) -> None:
    done = CliRunner().invoke(app, ["figures", "--db", "memory://"])
    assert done.exit_code == 0, done.output
    assert "整改進度 as of" in done.output
    assert closed()


def test_a_store_that_is_not_there_is_reported_and_not_made(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    done = CliRunner().invoke(app, ["ledger", "--db", f"sqlite:///{db}"])
    assert done.exit_code == 1, done.output
    assert done.output.startswith("NotFound:")
    assert not db.exists()


def test_the_old_module_is_an_alias() -> None:
    from rectify import cli as alias

    assert alias.app is cli.app and alias.main is cli.main


@pytest.mark.parametrize(
    "env",
    [{"LC_ALL": "C"}, {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}],
    ids=["C locale", "C locale without UTF-8 mode"],
)
@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["issues", "--db", "memory://"], "問題整改臺賬 as of"),
        (["--help"], "(問題整改臺賬)"),
    ],
    ids=["issues", "help"],
)
def test_chinese_comes_out_as_utf8_whatever_the_locale(
    env: dict[str, str], args: list[str], chinese: str
) -> None:
    # Under LC_ALL=C Python turns on its UTF-8 mode by itself; with it off the streams are ASCII,
    # and only main() reconfiguring them (PYTHONIOENCODING would be read too late) keeps this
    # from failing with a UnicodeEncodeError.
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8")}
    clean.pop("RECTIFY_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "rectify", *args],
        capture_output=True,
        timeout=120,
        env={**clean, "COLUMNS": "200", **env},
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert chinese in done.stdout.decode("utf-8")
    assert done.stderr == b""
