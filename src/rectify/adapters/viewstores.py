"""Where the read models live: tables beside the events, with eventsourcing's tracking.

:class:`ViewStore` is a tracking recorder: every batch of view rows is written in the same
transaction as the position it brings the views up to, so a view knows exactly how far it has
read, survives restarts, and never applies an event twice (the rows' primary keys refuse a second
writer). One implementation of the SQL serves SQLite (also in memory, for ``memory://`` apps) and
PostgreSQL; only the connection and the table names differ.

Tables (``<prefix>`` is ``rectify_views``):

- ``<prefix>_versions``: one row per issue event with the issue's ledger state after it (packed in
  one column, with the columns queries filter on beside it), valid on the business-date axis from
  ``on_from`` until ``on_to`` and on the knowledge axis from ``pos_from`` until ``pos_to`` (the next
  event's date and position; NULL while it is the latest). Row D,K is the answer for an issue when
  ``on_from <= D and pos_from <= K and (on_to > D or pos_to > K)``.
- ``<prefix>_audit``: one row per event (of issues, branches, lists, rounds), readable: who, when,
  what, from which state to which.
- ``<prefix>_records``: one row per branch, problem list, checklist and round: what exists.
- ``<prefix>_meta``: the schema version; a store written by another version is rebuilt from zero
  (but one of :data:`READABLE_SCHEMAS`, upgraded in place).
  Its schema row is also the views' lock row: every batch written and every clear hold it.

Why this module is long: the SQL of every view table is written once and shared by both
backends; what differs per backend (names, placeholders, the tracking table, locks) is the small
part at the end.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import uuid4

from eventsourcing.persistence import IntegrityError as StoreConflict
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from rectify.errors import IntegrityError as ViewsIntegrityError

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.postgres import PostgresDatastore
    from eventsourcing.sqlite import SQLiteDatastore

PREFIX = "rectify_views"
SCHEMA_VERSION = "7"  # 7: ledger rows keep 問題來源 and 整改時限 as written (at the end)

READABLE_SCHEMAS = frozenset({"4", "5", "6"})
"""Schemas ensure_schema upgrades in place rather than rebuilding: each version row's packed
``state`` gets the fields added since at its end, with the value every row of that schema
has (schema 5 added ``stale_decisions``: none, as no decision was stale before; schema 6
``deadline_rule`` and ``deadline_calendar``: none, as no policy gave a deadline before; schema 7
``source_words`` and ``deadline_words``: none, as no words were kept before), so the rows equal
what a replay writes. Any other schema is dropped and rebuilt from the events."""

_UPGRADES: dict[str, tuple[str, str]] = {
    "4": ("\x1f" + "\x1f\x1e" * 4, ",[],null,null,null,null]"),
    "5": ("\x1f\x1e" * 4, ",null,null,null,null]"),
    "6": ("\x1f\x1e" * 2, ",null,null]"),
}
"""For each schema of READABLE_SCHEMAS, what a packed state (text, or a JSON array) gets at
its end: an empty ``stale_decisions`` (rectify.projections.ledger's SEP and an empty item)
from schema 4, then no ``deadline_rule`` nor ``deadline_calendar`` from schema 5, then no
``source_words`` nor ``deadline_words`` from schema 6 (SEP and NONE each)."""

VERSION_COLUMNS: tuple[str, ...] = (
    "issue_id", "version", "seq", "pos_from", "on_from", "unit", "responsible_unit", "status",
    "source", "category", "state", "pos_to", "on_to",
)  # fmt: skip
"""A version row: the issue, its temporal validity, the columns queries filter on, and ``state``
(the whole ledger row, packed by :func:`rectify.projections.ledger.pack_state`)."""

FILTER_COLUMNS = frozenset({"unit", "responsible_unit", "status", "source", "category"})

AUDIT_COLUMNS: tuple[str, ...] = (
    "position", "issue_id", "version", "recorded_at", "on_date", "actor", "actor_unit", "action",
    "event", "from_state", "to_state", "reason", "details", "unit", "responsible_unit", "kind",
)  # fmt: skip

RECORD_COLUMNS: tuple[str, ...] = ("id", "kind", "name", "unit", "position")
"""What is recorded besides issues (branches, lists, checklists, rounds): one row each."""

_INT_COLUMNS = frozenset({"version", "seq", "pos_from", "pos_to", "position"})
_VIEW_TABLES = ("versions", "audit", "records")


def _column_type(name: str) -> str:
    return "INTEGER" if name in _INT_COLUMNS else "TEXT"


class ViewStore(TrackingRecorder, ABC):
    """The read models' tables and the queries the application asks of them."""

    owns_datastore = False

    def close_views(self) -> None:
        """Close the view's own database, if it has one (the application closes a shared one)."""
        if self.owns_datastore:
            self.datastore.close()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ what backends provide

    @abstractmethod
    def _table(self, name: str) -> str:
        """The qualified name of view table ``<prefix>_<name>``."""

    @abstractmethod
    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        """A cursor in a transaction; tuples for rows; ``?`` placeholders (translated if need be)."""

    @abstractmethod
    def _track(self, cursor: Any, tracking: Tracking) -> None:
        """Record the tracking position in the cursor's transaction."""

    @abstractmethod
    def _tracking_table(self) -> str:
        """The qualified name of eventsourcing's tracking table."""

    def _drop_tracking(self, cursor: Any, application_name: str) -> None:
        """Forget the position tracked for ``application_name`` (eventsourcing's own rows stay)."""
        cursor.execute(
            f"DELETE FROM {self._tracking_table()} WHERE application_name = ?",
            (application_name,),
        )

    def _schema_lock(self, cursor: Any) -> None:
        """Serialise creating and upgrading the tables between processes (where DDL needs it)."""

    def _lock_views(self, cursor: Any) -> None:
        """Take the views' write lock for the cursor's transaction: every batch written, every
        clear, holds it, so they happen one after another, never interleaved."""
        cursor.execute(f"UPDATE {self._table('meta')} SET value = value WHERE key = 'schema'")

    def _tracked(self, cursor: Any, application_name: str) -> int:
        cursor.execute(
            f"SELECT MAX(notification_id) FROM {self._tracking_table()} WHERE application_name = ?",
            (application_name,),
        )
        row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # ------------------------------------------------------------------ schema

    def view_table_statements(self) -> list[str]:
        versions, audit = self._table("versions"), self._table("audit")
        version_cols = ", ".join(f"{c} {_column_type(c)}" for c in VERSION_COLUMNS)
        audit_cols = ", ".join(f"{c} {_column_type(c)}" for c in AUDIT_COLUMNS)
        record_cols = ", ".join(f"{c} {_column_type(c)}" for c in RECORD_COLUMNS)
        return [
            f"CREATE TABLE IF NOT EXISTS {self._table('records')} ({record_cols}, "
            "PRIMARY KEY (id))",
            f"CREATE TABLE IF NOT EXISTS {versions} ({version_cols}, "
            "PRIMARY KEY (issue_id, version))",
            f"CREATE TABLE IF NOT EXISTS {audit} ({audit_cols}, PRIMARY KEY (position))",
            f"CREATE INDEX IF NOT EXISTS {PREFIX}_audit_by_issue ON {audit} (issue_id, version)",
        ]

    def ensure_schema(self, application_name: str) -> bool:
        """Create the view tables. Tables written by another schema version are dropped and made
        anew, and the tracking forgotten, so the views are rebuilt. Returns whether that happened.
        """
        meta = self._table("meta")
        with self._cursor(commit=True) as c:
            self._schema_lock(c)
            c.execute(f"CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value TEXT)")
            c.execute(f"SELECT value FROM {meta} WHERE key = 'schema'")
            found = c.fetchone()
            if found is not None and found[0] in {SCHEMA_VERSION, *READABLE_SCHEMAS}:
                for statement in self.view_table_statements():
                    c.execute(statement)
                if found[0] != SCHEMA_VERSION:
                    self._lock_views(c)
                    text, array = _UPGRADES[found[0]]
                    c.execute(
                        f"UPDATE {self._table('versions')} SET state = CASE "
                        "WHEN substr(state, 1, 1) = '[' "
                        "THEN substr(state, 1, length(state) - 1) || ? ELSE state || ? END",
                        (array, text),
                    )
                    c.execute(
                        f"UPDATE {meta} SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,)
                    )
                return False
            for name in _VIEW_TABLES:
                c.execute(f"DROP TABLE IF EXISTS {self._table(name)}")
            for statement in self.view_table_statements():
                c.execute(statement)
            # The schema row is the views' lock row: made once, updated, never deleted.
            if found is None:
                c.execute(
                    f"INSERT INTO {meta} (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
                )
            else:
                c.execute(f"UPDATE {meta} SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
            self._drop_tracking(c, application_name)
        return True

    def clear(self, application_name: str, rebuild_to: int = 0) -> None:
        """Empty every view table and forget the tracking: the next catch-up rebuilds from zero.

        It holds the views' lock, so a batch another process read before the clear cannot be
        written after it (:meth:`write` finds the tracking moved and refuses it). Until the
        views are tracked at ``rebuild_to`` again they are being rebuilt
        (:meth:`rebuilding`): a reader that does not catch up is told so."""
        meta = self._table("meta")
        with self._cursor(commit=True) as c:
            self._lock_views(c)
            for name in _VIEW_TABLES:
                c.execute(f"DELETE FROM {self._table(name)}")
            self._drop_tracking(c, application_name)
            c.execute(f"DELETE FROM {meta} WHERE key = 'rebuild_to'")
            c.execute(
                f"INSERT INTO {meta} (key, value) VALUES ('rebuild_to', ?)",
                (f"{rebuild_to}:{uuid4().hex}",),  # each rebuild's mark differs
            )

    def rebuild_state(self, application_name: str) -> tuple[str | None, bool]:
        """The mark of the latest rebuild (None if there was none), and whether it is still
        under way: it emptied the views and has not yet brought them back to where the log
        stood when it began (a rebuild that stopped half-way counts until a catch-up ends it).
        A reader compares the state before and after it reads."""
        with self._cursor(commit=False) as c:
            c.execute(f"SELECT value FROM {self._table('meta')} WHERE key = 'rebuild_to'")
            row = c.fetchone()
            if row is None:
                return None, False
            mark = str(row[0])
            until = int(mark.partition(":")[0])
            return mark, self._tracked(c, application_name) < until

    # ------------------------------------------------------------------ writing

    def write(
        self,
        tracking: Tracking,
        *,
        after: int,
        versions: Sequence[Sequence[Any]],
        closes: Sequence[Sequence[Any]],
        audit: Sequence[Sequence[Any]],
        records: Sequence[Sequence[Any]] = (),
    ) -> None:
        """Write one batch of view rows and its tracking position atomically, if the views are
        still tracked at ``after`` (where the batch was read from).

        ``closes`` are ``(pos_to, on_to, issue_id, version)`` for rows that stop being the latest.
        Raises :class:`TrackingMoved` (a ``StoreConflict``) when another writer projected on, or
        a rebuild cleared the views, since the batch was read: nothing is written, read again.
        Raises :class:`~rectify.errors.IntegrityError` when the views hold rows past their
        tracked position (they were edited): ``rebuild_views`` mends them.
        """
        try:
            self._write(tracking, after, versions, closes, audit, records)
        except TrackingMoved:
            raise
        except StoreConflict as e:
            msg = (
                f"the views hold rows past their tracked position {after} (they were changed "
                f"outside rectify); rebuild them (rectify rebuild): {e}"
            )
            raise ViewsIntegrityError(msg) from e

    def _write(
        self,
        tracking: Tracking,
        after: int,
        versions: Sequence[Sequence[Any]],
        closes: Sequence[Sequence[Any]],
        audit: Sequence[Sequence[Any]],
        records: Sequence[Sequence[Any]],
    ) -> None:
        versions_sql = (
            f"INSERT INTO {self._table('versions')} ({', '.join(VERSION_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in VERSION_COLUMNS)})"
        )
        audit_sql = (
            f"INSERT INTO {self._table('audit')} ({', '.join(AUDIT_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in AUDIT_COLUMNS)})"
        )
        close_sql = (
            f"UPDATE {self._table('versions')} SET pos_to = ?, on_to = ? "
            "WHERE issue_id = ? AND version = ? AND pos_to IS NULL"
        )
        with self._cursor(commit=True) as c:
            self._lock_views(c)
            tracked = self._tracked(c, tracking.application_name)
            if tracked != after:
                msg = f"the views are tracked at {tracked}, not {after} as the batch was read"
                raise TrackingMoved(msg)
            self._track(c, tracking)
            if closes:
                c.executemany(close_sql, closes)
            if versions:
                c.executemany(versions_sql, versions)
            if audit:
                c.executemany(audit_sql, audit)
            if records:
                c.executemany(
                    f"INSERT INTO {self._table('records')} ({', '.join(RECORD_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in RECORD_COLUMNS)})",
                    records,
                )

    # ------------------------------------------------------------------ reading

    def max_seq(self) -> int:
        with self._cursor(commit=False) as c:
            c.execute(f"SELECT MAX(seq) FROM {self._table('versions')}")
            row = c.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def seqs(self, issue_ids: Iterable[str]) -> dict[str, int]:
        """The ledger number (序號) of each of these issues already on the ledger."""
        ids = list(issue_ids)
        found: dict[str, int] = {}
        with self._cursor(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                c.execute(
                    f"SELECT issue_id, seq FROM {self._table('versions')} "
                    f"WHERE version = 1 AND issue_id IN ({', '.join('?' for _ in chunk)})",
                    chunk,
                )
                found.update({row[0]: int(row[1]) for row in c.fetchall()})
        return found

    def ledger_rows(
        self, as_of: date, known_at: int | None, filters: dict[str, str] | None = None
    ) -> list[tuple[int, str]]:
        """``(seq, state)`` of the version rows valid on business date ``as_of`` as known at
        position ``known_at``, in ledger order."""
        day = as_of.isoformat()
        where = ["on_from <= ?"]
        params: list[Any] = [day]
        if known_at is None:
            where.append("(on_to IS NULL OR on_to > ?)")
            params.append(day)
        else:
            where += ["pos_from <= ?", "(pos_to IS NULL OR on_to > ? OR pos_to > ?)"]
            params += [known_at, day, known_at]
        for column, value in (filters or {}).items():
            if column == "unit":
                where.append("(unit = ? OR responsible_unit = ?)")
                params += [value, value]
            else:
                assert column in FILTER_COLUMNS, column
                where.append(f"{column} = ?")
                params.append(value)
        # A full scan of narrow rows beats an index on the date here, and sorting in Python
        # beats a temporary B-tree: most rows of most dates qualify.
        sql = f"SELECT seq, state FROM {self._table('versions')} WHERE {' AND '.join(where)}"
        with self._cursor(commit=False) as c:
            c.execute(sql, params)
            rows: list[tuple[int, str]] = [(r[0], r[1]) for r in c.fetchall()]
        rows.sort()
        return rows

    def audit_rows(
        self,
        *,
        issue_id: str | None = None,
        unit: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[tuple[Any, ...]]:
        """Audit rows of one issue, of every issue of a unit, or after a position, in the order
        they were recorded."""
        where: list[str] = []
        params: list[Any] = []
        if after is not None:
            where.append("position > ?")
            params.append(after)
        if issue_id is not None:
            where.append("issue_id = ?")
            params.append(issue_id)
        if unit is not None:
            where.append("(unit = ? OR responsible_unit = ? OR actor_unit = ?)")
            params += [unit, unit, unit]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM {self._table('audit')} {clause} "
                f"ORDER BY position{' LIMIT ?' if limit is not None else ''}",
                [*params, limit] if limit is not None else params,
            )
            return [tuple(r) for r in c.fetchall()]

    def version_spans(self, known_at: int | None) -> list[tuple[int, int, str, str | None, str]]:
        """``(seq, version, on_from, on_to, state)`` of every version row recorded by position
        ``known_at`` (every row, for None), in ledger order: the row was the problem's state on
        business dates ``[on_from, on_to)`` as known then (``on_to`` None: still its latest)."""
        versions = self._table("versions")
        if known_at is None:
            sql = f"SELECT seq, version, on_from, on_to, state FROM {versions}"
            params: list[Any] = []
        else:  # a row superseded only after known_at was still the latest then
            sql = (
                f"SELECT seq, version, on_from, CASE WHEN pos_to <= ? THEN on_to END, state "
                f"FROM {versions} WHERE pos_from <= ?"
            )
            params = [known_at, known_at]
        with self._cursor(commit=False) as c:
            c.execute(sql, params)
            rows: list[tuple[int, int, str, str | None, str]] = [
                (r[0], r[1], r[2], r[3], r[4]) for r in c.fetchall()
            ]
        rows.sort(key=lambda r: (r[0], r[1]))
        return rows

    def last_action_dates(
        self, action: str, as_of: date, known_at: int | None
    ) -> list[tuple[str, str]]:
        """``(issue_id, on_date)``: the latest business date by ``as_of`` on which each issue's
        event ``action`` (a trigger: ``reopen``) happened, as recorded by position ``known_at``."""
        where = ["kind = ?", "action = ?", "on_date <= ?"]
        params: list[Any] = ["issue", action, as_of.isoformat()]
        if known_at is not None:
            where.append("position <= ?")
            params.append(known_at)
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT issue_id, MAX(on_date) FROM {self._table('audit')} "
                f"WHERE {' AND '.join(where)} GROUP BY issue_id",
                params,
            )
            return [(r[0], r[1]) for r in c.fetchall()]

    def record_names(self, kind: str) -> list[tuple[str, str]]:
        """``(id, name)`` of the branches (lists, checklists, rounds: ``kind``) recorded."""
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT id, name FROM {self._table('records')} WHERE kind = ? ORDER BY position",
                (kind,),
            )
            return [(r[0], r[1]) for r in c.fetchall()]

    def record_ids(self, kind: str) -> list[str]:
        """Ids of the branches (lists, checklists, rounds: ``kind``) recorded, in recorded order."""
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT id FROM {self._table('records')} WHERE kind = ? ORDER BY position",
                (kind,),
            )
            return [r[0] for r in c.fetchall()]

    def position_at(self, moment: str) -> int:
        """The last notification position recorded at or before ``moment`` (0 if none), given
        as the audit rows store recorded-at times (``projections.ledger.stamp``)."""
        with self._cursor(commit=False) as c:
            c.execute(
                f"SELECT MAX(position) FROM {self._table('audit')} WHERE recorded_at <= ?",
                (moment,),
            )
            row = c.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # ------------------------------------------------------------------ checking

    def view_rows(self, name: str, page: int = 5000) -> Iterator[tuple[Any, ...]]:
        """Every row of view table ``name`` (``records``, ``versions``, ``audit``), in the order
        of its key (text in code-point order on every backend), read a page at a time."""
        key = VIEW_KEYS[name]
        columns = {"records": RECORD_COLUMNS, "versions": VERSION_COLUMNS, "audit": AUDIT_COLUMNS}
        cols = columns[name]
        order = ", ".join(self._in_code_point_order(k) for k in key)
        last: tuple[Any, ...] | None = None
        while True:
            where, params = "", list[Any]()
            if last is not None:
                left = ", ".join(self._in_code_point_order(k) for k in key)
                where = f"WHERE ({left}) > ({', '.join('?' for _ in key)})"
                params = [last[cols.index(k)] for k in key]
            with self._cursor(commit=False) as c:
                c.execute(
                    f"SELECT {', '.join(cols)} FROM {self._table(name)} {where} "
                    f"ORDER BY {order} LIMIT ?",
                    [*params, page],
                )
                rows = [tuple(r) for r in c.fetchall()]
            yield from rows
            if len(rows) < page:
                return
            last = rows[-1]

    def _in_code_point_order(self, column: str) -> str:
        """``column`` as compared in code-point order (SQLite's only order)."""
        return column


VIEW_KEYS: dict[str, tuple[str, ...]] = {
    "records": ("id",),
    "versions": ("issue_id", "version"),
    "audit": ("position",),
}
"""The key of each view table: what tells its rows apart, and orders them when they are checked."""


class TrackingMoved(StoreConflict):
    """The views moved on (another writer projected, or a rebuild cleared them) since a batch
    was read: nothing was written; read again from the tracked position."""


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SQLiteViewStore(SQLiteTrackingRecorder, ViewStore):
    """The views in an SQLite database (a file, or a private in-memory one for ``memory://``)."""

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)

    def _table(self, name: str) -> str:
        return f"{PREFIX}_{name}"

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield c

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _tracking_table(self) -> str:
        return "tracking"


class PostgresViewStore(PostgresTrackingRecorder, ViewStore):
    """The views in the PostgreSQL schema of the events."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)

    def _table(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{PREFIX}_{name}"'

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        from psycopg.rows import tuple_row

        with self.datastore.transaction(commit=commit) as c:
            yield _QmarkCursor(c.connection.cursor(row_factory=tuple_row), self, c)

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor.dict_cursor, tracking)

    def _tracking_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.tracking_table_name}"'

    def _in_code_point_order(self, column: str) -> str:
        return column if column in _INT_COLUMNS else f'{column} COLLATE "C"'

    def _schema_lock(self, cursor: Any) -> None:
        # Concurrent CREATE TABLE IF NOT EXISTS fails on PostgreSQL ("tuple concurrently
        # updated"): processes opening the same schema at once take turns.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(?))", (f"{self.datastore.schema}.{PREFIX}",)
        )


class _QmarkCursor:
    """A psycopg cursor that takes the ``?`` placeholders the shared SQL is written with."""

    def __init__(self, cursor: Any, store: PostgresViewStore, dict_cursor: Any) -> None:
        self.cursor = cursor
        self.dict_cursor = dict_cursor

    @staticmethod
    def _sql(statement: str) -> str:
        return statement.replace("?", "%s")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self._sql(statement), _without_nul(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cursor.executemany(self._sql(statement), [_without_nul(row) for row in rows])

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())


def _without_nul(row: Sequence[Any]) -> Sequence[Any]:
    """PostgreSQL text cannot hold NUL; a store written before NUL was refused may hold one in
    an event, and its views show U+FFFD in its place rather than fail to be written."""
    if any(isinstance(v, str) and "\x00" in v for v in row):
        return [v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row]
    return row


def construct_views(app: Application[Any]) -> ViewStore:
    """The view store of ``app``: in its own database, or private memory for a memory app."""
    from eventsourcing.postgres import PostgresFactory
    from eventsourcing.sqlite import SQLiteDatastore, SQLiteFactory

    store: ViewStore
    if isinstance(app.factory, SQLiteFactory):
        store = cast("SQLiteViewStore", app.factory.tracking_recorder(SQLiteViewStore))
        return store
    if isinstance(app.factory, PostgresFactory):
        store = app.factory.tracking_recorder(PostgresViewStore)
        return store
    # memory://: the views live in a private in-memory SQLite database of this application
    store = SQLiteViewStore(
        SQLiteDatastore(f"file:rectify-views-{uuid4().hex}?mode=memory&cache=shared")
    )
    store.create_table()
    store.owns_datastore = True
    return store


__all__ = [
    "PostgresViewStore",
    "SQLiteViewStore",
    "StoreConflict",
    "TrackingMoved",
    "ViewStore",
    "to_json",
]
