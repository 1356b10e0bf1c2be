"""A write lock another writer holds too long is a typed ConcurrencyConflict, on SQLite and
PostgreSQL, and nothing is recorded (issue 8, finding 6)."""

from __future__ import annotations

import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import pytest

import rectify
from rectify.errors import ConcurrencyConflict
from tests.conftest import TODAY, UNIT, Cast


def test_a_held_sqlite_write_lock_is_a_concurrency_conflict(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/locked.db?lock_timeout=1"
    rectify.connect(url, today=lambda: TODAY).close()
    app = rectify.connect(url, today=lambda: TODAY)
    holder = sqlite3.connect(f"{tmp_path}/locked.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(ConcurrencyConflict):
            app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection")
        assert time.monotonic() - started < 8
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert app.recorder.max_notification_id() in (None, 0)
    app.close()


@pytest.mark.postgres
def test_a_held_postgresql_table_lock_is_a_concurrency_conflict(postgres_url: str) -> None:
    import psycopg

    url = f"{postgres_url}&lock_timeout=1"
    rectify.connect(url, today=lambda: TODAY).close()
    app = rectify.connect(url, today=lambda: TODAY)
    parts = urlsplit(url)
    schema = parse_qs(parts.query)["schema"][0]
    with psycopg.connect(
        host=parts.hostname, port=parts.port, dbname=parts.path[1:], user=parts.username
    ) as holder:
        holder.execute(f'LOCK TABLE "{schema}".rectify_events IN EXCLUSIVE MODE')
        started = time.monotonic()
        with pytest.raises(ConcurrencyConflict):
            app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection")
        assert time.monotonic() - started < 8
        holder.rollback()
    assert app.recorder.max_notification_id() in (None, 0)
    app.record_issue(actor=Cast.inspector, title="t", unit=UNIT, source="inspection")  # free again
    app.close()
