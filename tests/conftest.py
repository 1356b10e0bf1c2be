"""Shared fixtures: the cast of actors, a fixed clock, one application per store, and the demo
played once per session.

``store_url`` is parametrised over memory, an SQLite file and a real PostgreSQL. PostgreSQL tests
skip with a reason when no server answers on 127.0.0.1:5432 — except in CI (``CI=true``), where a
skipped PostgreSQL test fails the run.

``played_demo`` runs ``rectify demo`` once per session on an SQLite file (it takes seconds); tests
only read that file. A test that writes (plays the demo again, rebuilds the views) works on its
own copy, ``played_demo.copy_to(tmp_path)``; the session ends with a check that the shared file
was left as the demo wrote it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import rectify
from rectify import Actor, Role

TODAY = date(2019, 12, 31)
RAM = Path("/dev/shm")
PG_HOST = os.environ.get("RECTIFY_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("RECTIFY_PG_PORT", "5432"))
PG_DB = os.environ.get("RECTIFY_PG_DB", "test")
PG_USER = os.environ.get("RECTIFY_PG_USER", "postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

COMMITTEE = "省直機關工委"
UNIT = "省財政廳"
OTHER_UNIT = "省教育廳"


_RAM_BASETEMP: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    """Keep the tests' temporary files (``tmp_path``, SQLite stores) in memory where the machine
    has a tmpfs at /dev/shm with room to spare and no ``--basetemp`` was given: they are thrown
    away, and SQLite's fsync on every commit to a disk takes about half the time of the tests
    that write a store (``rectify demo``: 9.7 s on disk, 4.9 s in memory)."""
    if config.option.basetemp or not (RAM.is_dir() and os.access(RAM, os.W_OK)):
        return
    if shutil.disk_usage(RAM).free < 2**30:  # a container's small /dev/shm (64 MB by default)
        return
    basetemp = Path(tempfile.mkdtemp(prefix="rectify-tests-", dir=RAM))
    _RAM_BASETEMP.append(basetemp)
    config.option.basetemp = str(basetemp)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the memory back: remove the temporary files kept at /dev/shm."""
    while _RAM_BASETEMP:
        shutil.rmtree(_RAM_BASETEMP.pop(), ignore_errors=True)


def _postgres_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=PG_USER, connect_timeout=3
        ):
            return None
    except Exception as e:
        return f"no PostgreSQL at {PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}: {e}"


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    """Skip (or, in CI, fail) when PostgreSQL cannot be reached."""
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_problem())
    problem = _PG_PROBLEM[0]
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(problem)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema of its own, dropped afterwards."""
    require_postgres()
    import psycopg
    from psycopg import sql

    schema = f"rectify_test_{uuid.uuid4().hex[:12]}"
    yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={schema}"
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=PG_USER, autocommit=True
    ) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A URL for each store: memory://, an SQLite file, a PostgreSQL schema."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def persistent_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A URL for each store that outlives its application: an SQLite file, a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def shares_store(store_url: str) -> bool:
    """Whether two applications opened on ``store_url`` see the same events."""
    return not store_url.startswith("memory")


@pytest.fixture
def app(store_url: str) -> Iterator[rectify.RectificationApp]:
    application = rectify.connect(store_url, today=lambda: TODAY)
    yield application
    application.close()


@pytest.fixture
def memory_app() -> Iterator[rectify.RectificationApp]:
    application = rectify.connect("memory://", today=lambda: TODAY)
    yield application
    application.close()


class Cast:
    """Who acts in the tests."""

    inspector = Actor("insp", "周組長", COMMITTEE, [Role.INSPECTOR])
    verifier = Actor("ver", "趙主任", COMMITTEE, [Role.VERIFIER])
    unit_verifier = Actor("ver-unit", "廳驗收", UNIT, [Role.VERIFIER])
    responsible = Actor("resp", "劉處長", UNIT, [Role.RESPONSIBLE])
    other_responsible = Actor("resp-2", "陳書記", OTHER_UNIT, [Role.RESPONSIBLE])
    committee_responsible = Actor("resp-c", "錢科長", COMMITTEE, [Role.RESPONSIBLE])
    auditor = Actor("aud", "審計", COMMITTEE, [Role.AUDITOR])
    admin = Actor("admin", "管理員", COMMITTEE, [Role.ADMIN])


@pytest.fixture
def cast() -> type[Cast]:
    return Cast


# ---------------------------------------------------------------- the command line and the demo

RECTIFY = Path(sys.executable).with_name("rectify")


def run_rectify(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The ``rectify`` command as a user runs it: a wide terminal, no ``RECTIFY_DB`` set."""
    env = {**os.environ, "COLUMNS": "200", "RECTIFY_DB": ""}
    env.pop("RECTIFY_DB")
    return subprocess.run(
        [str(RECTIFY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )


def _settled_digest(path: Path) -> str:
    """The SHA-256 of an SQLite file once its write-ahead log is folded into it."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class PlayedDemo:
    """``rectify demo --fresh`` played once: its SQLite file and what the command printed."""

    path: Path
    done: subprocess.CompletedProcess[str]

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def copy_to(self, directory: Path) -> str:
        """A copy of the played store, for a test that writes; its URL."""
        target = directory / "demo.db"
        with (
            closing(sqlite3.connect(self.path)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def played_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlayedDemo]:
    """The demo played once per session, for the tests that only read it."""
    path = tmp_path_factory.mktemp("played-demo") / "demo.db"
    done = run_rectify("demo", "--db", f"sqlite:///{path}", "--fresh")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = _settled_digest(path)
    yield PlayedDemo(path, done)
    assert _settled_digest(path) == written, (
        "a test wrote to the shared demo store: give it played_demo.copy_to(tmp_path)"
    )


@pytest.fixture(scope="session")
def demo_played_again(
    played_demo: PlayedDemo, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """``rectify demo`` (no ``--fresh``) played a second time, on a copy of the played store:
    the copy's URL and what the command printed."""
    url = played_demo.copy_to(tmp_path_factory.mktemp("demo-again"))
    return url, run_rectify("demo", "--db", url)


@contextmanager
def intruder(url: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """A connection to the store behind ``url`` and its table names, to edit it directly with
    SQL as an intruder would (placeholders written ``%s``; committed at the end)."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(url).path[1:])
        try:
            yield (
                _Qmark(db),
                {
                    "events": "stored_events",
                    "tracking": "tracking",
                    "chain": "rectify_chain",
                    "keys": "rectify_personal_keys",
                    "views": "rectify_views",
                    "position": "rowid",
                    "id": "hex",
                },
            )
            db.commit()
        finally:
            db.close()
        return
    import psycopg

    schema = parse_qs(urlsplit(url).query)["schema"][0]
    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname, port=parts.port, dbname=parts.path[1:], user=parts.username,
        autocommit=True,
    ) as conn:  # fmt: skip
        yield (
            conn,
            {
                "events": f'"{schema}".rectify_events',
                "tracking": f'"{schema}".rectify_tracking',
                "chain": f'"{schema}".rectify_chain',
                "keys": f'"{schema}".rectify_personal_keys',
                "views": f'"{schema}".rectify_views',
                "position": "notification_id",
                "id": "uuid",
            },
        )


class _Qmark:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self.db.execute(sql.replace("%s", "?"), params)


def stored_key(kind: str, ident: uuid.UUID) -> Any:
    """An aggregate id as the store's tables hold it (``kind`` is ``intruder``'s ``"id"``)."""
    return ident.hex if kind == "hex" else ident


def rectified_issue(
    app: rectify.RectificationApp, responsible: Actor = Cast.responsible
) -> uuid.UUID:
    """A problem of UNIT, found on 2019-05-01, assigned on 06-01 and rectified on 06-10 by
    ``responsible``: ready to be decided on."""
    issue_id = app.record_issue(
        actor=Cast.inspector, title="t", unit=UNIT, source="inspection", on="2019-05-01"
    )
    app.assign(
        issue_id, actor=Cast.verifier, unit=UNIT, person="劉", deadline="2019-12-31",
        on="2019-06-01",
    )  # fmt: skip
    app.submit_rectification(issue_id, actor=responsible, summary="done", on="2019-06-10")
    return issue_id
