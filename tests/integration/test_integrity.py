"""Tampered history is reported as IntegrityError, never as a raw decoding error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import rectify
from rectify.errors import IntegrityError
from tests.conftest import TODAY, UNIT, Cast


def test_a_tampered_sqlite_event_raises_integrity_error(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    app = rectify.connect(f"sqlite:///{db}", today=lambda: TODAY)
    iid = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-06-01"
    )
    app.close()
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        table = next(t for t in tables if t.endswith("_events"))
        conn.execute(f"UPDATE {table} SET state = ?", (b'{"on": "yesterday"}',))
    reopened = rectify.connect(f"sqlite:///{db}", today=lambda: TODAY)
    for read in (
        lambda: reopened.get_issue(iid),
        lambda: reopened.audit_trail(iid),
        reopened.issues,
    ):
        with pytest.raises(IntegrityError, match=str(iid)):
            read()
