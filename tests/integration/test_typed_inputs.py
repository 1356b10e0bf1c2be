"""Inputs the first pass let through untyped (found in review): huge numbers, lone surrogates in
filters and names, malformed store URLs, typed commands given to the wrong target. Each gets a
RectifyError naming the field, and records nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

import rectify
from rectify.cli import app as cli
from rectify.domain.commands import Assign, RecordIssue
from rectify.errors import InvalidCommand
from rectify.io.importer import import_ledger
from tests.conftest import TODAY, UNIT, Cast

HUGE = 2**70

CALLS: list[tuple[str, Any, str]] = [
    ("events_since huge", lambda a, p: a.events_since(HUGE), "position"),
    ("events_since negative", lambda a, p: a.events_since(-1), "position"),
    ("events_since limit huge", lambda a, p: a.events_since(0, limit=HUGE), "limit"),
    ("events_since limit text", lambda a, p: a.events_since(0, limit="x"), "limit"),
    ("ledger known_at huge", lambda a, p: a.ledger(known_at=HUGE), "known_at"),
    ("figures known_at huge", lambda a, p: a.figures(known_at=HUGE), "known_at"),
    ("audit_trail unit surrogate", lambda a, p: a.audit_trail(unit="a\ud800"), "unit"),
    ("branch_id surrogate", lambda a, p: a.branch_id("\ud800"), "code"),
    ("branch_id int", lambda a, p: a.branch_id(5), "code"),
    (
        "import list_name surrogate",
        lambda a, p: import_ledger(a, p, actor=Cast.verifier, list_name="\ud800"),
        "list_name",
    ),
    # Wrong types on purpose: each is what a caller without a type checker may pass.
    (
        "import path int",
        lambda a, p: import_ledger(a, 5, actor=Cast.verifier),  # type: ignore[arg-type]
        "path",
    ),
    (
        "import units int",
        lambda a, p: import_ledger(a, p, actor=Cast.verifier, units=5),  # type: ignore[arg-type]
        "units",
    ),
    (
        "import dry_run maybe",
        lambda a, p: import_ledger(a, p, actor=Cast.verifier, dry_run="maybe"),  # type: ignore[arg-type]
        "dry_run",
    ),
    ("handle not a command", lambda a, p: a.handle({"assign": 1}), "command"),
    (
        "handle without its target",
        lambda a, p: a.handle(
            Assign(actor=Cast.verifier, on=date(2019, 6, 2), unit=UNIT, person="p",
                   deadline=date(2019, 7, 1))
        ),
        "target",
    ),
    (
        "handle a create with a target",
        lambda a, p: a.handle(
            RecordIssue(actor=Cast.inspector, on=date(2019, 6, 1), title="t", unit=UNIT,
                        source=rectify.Source.INSPECTION),
            UUID(int=1),
        ),
        "target",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "field"), CALLS, ids=[c[0] for c in CALLS])
def test_bad_inputs_get_a_typed_error_naming_the_field(
    app: rectify.RectificationApp, tmp_path: Path, name: str, call: Any, field: str
) -> None:
    ledger = tmp_path / "臺賬.csv"
    ledger.write_text("序號,問題描述,問題來源,責任單位,發現日期\n1,t,考核,省財政廳,2019-06-01\n")
    before = app.recorder.max_notification_id() or 0
    with pytest.raises(InvalidCommand) as refused:
        call(app, ledger)
    assert refused.value.field == field, refused.value
    assert (app.recorder.max_notification_id() or 0) == before


@pytest.mark.parametrize(
    ("url", "problem"),
    [("postgresql://u@h:abc/db", "port"), ("sqlite:///a\x00b.db", r"U\+0000")],
)
def test_malformed_store_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(InvalidCommand, match=problem):
        rectify.connect(url)


@pytest.mark.parametrize(
    "arguments",
    [["ledger", "--known-at", "9" * 30], ["events", "--since", "9" * 30]],
)
def test_the_cli_reports_huge_positions_typed(tmp_path: Path, arguments: list[str]) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    rectify.connect(url, today=lambda: TODAY).close()
    result = CliRunner().invoke(cli, [*arguments, "--db", url])
    assert result.exit_code == 2, result.output
    assert "InvalidCommand" in result.output and "Traceback" not in result.output
