"""Reaching a store, and what its failures mean to a caller.

Everything a database or its driver can raise is translated here, in one place, into the typed
errors of :mod:`rectify.errors`: a store that cannot be reached or opened is
:class:`~rectify.errors.StoreUnavailable` (fast: connecting gives up after a few seconds); a write
lock held too long by another writer is :class:`~rectify.errors.ConcurrencyConflict` (nothing was
recorded; retry); a stored value the database refuses, or history that does not replay, is
:class:`~rectify.errors.IntegrityError`. Opening a store for reading never creates it.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    RecordConflictError,
)

from rectify.errors import (
    ConcurrencyConflict,
    IntegrityError,
    NotFound,
    RectifyError,
    StoreUnavailable,
)

_BUSY = ("database is locked", "database table is locked", "lock timeout", "busy")


@contextmanager
def store_errors(where: str = "the store") -> Iterator[None]:
    """Translate what the database layer raises into the errors of :mod:`rectify.errors`.

    A ``RecordConflictError`` passes through untouched: what a conflict means (a lost race on an
    aggregate, an idempotency key answered by another writer, views written meanwhile) is for the
    caller to decide."""
    try:
        yield
    except (RectifyError, RecordConflictError):
        raise
    except OriginatorVersionError as e:
        msg = f"the stored history does not replay: an event is missing or out of order ({e})"
        raise IntegrityError(msg) from e
    except (OperationalError, sqlite3.OperationalError) as e:
        if any(word in str(e).lower() for word in _BUSY):
            raise ConcurrencyConflict(where, "store") from e
        raise StoreUnavailable(where, str(e)) from e
    except (DataError, sqlite3.DataError) as e:
        msg = f"{where} refused a value it holds or was given: {e}"
        raise IntegrityError(msg) from e
    except (InterfaceError, DatabaseError, PersistenceError, sqlite3.Error) as e:
        raise StoreUnavailable(where, str(e)) from e


@contextmanager
def replaying(kind: str, ident: object) -> Iterator[None]:
    """Around rebuilding an aggregate from its stored events: a history that does not replay (an
    event forged, reordered, or missing from the middle) raises :class:`IntegrityError` naming
    the aggregate, whatever the event's body raised."""
    try:
        yield
    except (RectifyError, PersistenceError, RecordConflictError, sqlite3.Error):
        raise
    except AggregateNotFoundError:
        raise
    except Exception as e:
        msg = f"the stored history of {kind} {ident} does not replay: {type(e).__name__}: {e}"
        raise IntegrityError(msg) from e


@contextmanager
def opening(env: dict[str, str], url: str, *, create: bool) -> Iterator[None]:
    """Around opening the store of ``env``: check first, quickly, that it can be opened.

    With ``create=False`` a store that does not exist yet raises :class:`NotFound` instead of
    being created (a typo'd path must not become an empty ledger). On PostgreSQL the opening
    holds an advisory lock of the schema, so processes starting at once create its tables one
    after another (concurrent ``CREATE … IF NOT EXISTS`` fails: "tuple concurrently updated")."""
    module = env["PERSISTENCE_MODULE"]
    if module == "eventsourcing.sqlite":
        _check_sqlite(env["SQLITE_DBNAME"], url, create=create)
    if module != "eventsourcing.postgres":
        with store_errors(url):
            yield
        return
    with _postgres_opening(env, url, create=create), store_errors(_without_password(url)):
        yield


def _check_sqlite(name: str, url: str, *, create: bool) -> None:
    if name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.exists():
        if not create:
            raise NotFound("store", url, "no such SQLite file (reading never creates a store)")
        if not path.parent.is_dir():
            raise StoreUnavailable(url, f"the directory {str(path.parent)!r} does not exist")
        return
    if path.is_dir():
        raise StoreUnavailable(url, f"{name!r} is a directory, not an SQLite file")
    try:
        with path.open("rb") as f:
            header = f.read(16)
    except OSError as e:
        raise StoreUnavailable(url, f"cannot read {name!r}: {e.strerror}") from None
    if header and header != b"SQLite format 3\x00":
        raise StoreUnavailable(url, f"{name!r} is not an SQLite database")
    if not header and not create:
        raise NotFound("store", url, "the SQLite file is empty (reading never creates a store)")
    if not create and not _holds_events(path):
        raise NotFound(
            "store", url, "that SQLite file holds no rectify events (reading never adds them)"
        )


def _holds_events(path: Path) -> bool:
    """Whether the SQLite file has the events table (asked read-only: nothing is written)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error as e:
        raise StoreUnavailable(str(path), f"cannot read it: {e}") from None
    return found is not None


@contextmanager
def _postgres_opening(env: dict[str, str], url: str, *, create: bool) -> Iterator[None]:
    import psycopg
    from psycopg import sql

    shown = _without_password(url)
    schema = env.get("POSTGRES_SCHEMA") or "public"
    try:
        conn = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
            autocommit=True,
        )
    except psycopg.Error as e:
        raise StoreUnavailable(shown, _first_line(e)) from None
    with conn:
        try:
            found = conn.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = %s",
                (schema, "rectify_events"),
            ).fetchone()
            if found is None and not create:
                raise NotFound(
                    "store",
                    shown,
                    "no rectify events in that schema (reading never creates a store)",
                )
            _take_turns(conn, f"rectify.open.{schema}", float(env["POSTGRES_LOCK_TIMEOUT"]))
            if found is None and schema != "public":
                statement = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                conn.execute(statement)
        except psycopg.Error as e:
            raise StoreUnavailable(shown, _first_line(e)) from None
        yield  # the session's advisory lock ends with the connection


def _take_turns(conn: Any, name: str, seconds: float) -> None:
    """Wait, at most ``seconds``, for the session's advisory lock ``name`` (another process
    opening the same schema holds it while it makes the tables); then StoreUnavailable."""
    deadline = time.monotonic() + seconds
    while True:
        (taken,) = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
        if taken:
            return
        if time.monotonic() > deadline:
            msg = f"another process has been opening this schema for over {seconds:g} s"
            raise StoreUnavailable(name, msg)
        time.sleep(0.05)


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


T = TypeVar("T", bound=type)


def typed_failures(cls: T) -> T:
    """Class decorator: every public method ``cls`` has from rectify's own classes (the services
    it is composed of) runs inside :func:`store_errors`, so nothing the database layer raises
    leaves the public API untyped."""
    wrapped: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("rectify."):
            continue  # eventsourcing's own Application methods are not our public API
        for name, member in vars(klass).items():
            if name.startswith("_") or name in wrapped or not inspect.isfunction(member):
                continue
            wrapped.add(name)
            setattr(cls, name, _guarded(member))
    return cls


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            with store_errors():
                return fn(*args, **kwargs)
        except RecordConflictError as e:  # a conflict no service interpreted: still typed
            raise ConcurrencyConflict("the store", "store") from e

    return guarded
