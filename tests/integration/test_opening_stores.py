"""Opening a store: reading never creates or alters one, and waiting on another process opening
the same PostgreSQL schema is bounded (issue 8, finding 6; found in review)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import rectify
from rectify.entrypoints.follower import follow
from rectify.errors import NotFound, StoreUnavailable
from tests.conftest import TODAY


def test_reading_an_sqlite_file_of_another_application_adds_nothing(tmp_path: Path) -> None:
    other = tmp_path / "payroll.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE payroll (name TEXT)")
    db.commit()
    db.close()
    before = other.read_bytes()
    with pytest.raises(NotFound, match="no rectify events"):
        rectify.connect(f"sqlite:///{other}", create=False)
    assert other.read_bytes() == before


def test_the_follower_never_creates_a_store(tmp_path: Path) -> None:
    typo = tmp_path / "ledgr.db"
    with pytest.raises(NotFound):
        follow(f"sqlite:///{typo}", stop=threading.Event(), poll_seconds=0.01)
    assert not typo.exists()


@pytest.mark.postgres
def test_opening_a_schema_another_process_is_opening_waits_at_most_the_lock_timeout(
    postgres_url: str,
) -> None:
    import psycopg

    rectify.connect(postgres_url, today=lambda: TODAY).close()
    parts = urlsplit(postgres_url)
    schema = parse_qs(parts.query)["schema"][0]
    with psycopg.connect(
        host=parts.hostname, port=parts.port, dbname=parts.path[1:], user=parts.username,
        autocommit=True,
    ) as holder:  # fmt: skip
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"rectify.open.{schema}",))
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="opening this schema"):
            rectify.connect(f"{postgres_url}&lock_timeout=1", today=lambda: TODAY)
        assert time.monotonic() - started < 5
    rectify.connect(postgres_url, today=lambda: TODAY).close()  # its turn now
