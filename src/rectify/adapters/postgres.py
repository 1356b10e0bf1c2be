"""The PostgreSQL event recorder: any number of events in one transaction, and never a hang.

eventsourcing's :class:`~eventsourcing.postgres.PostgresApplicationRecorder` writes a save as one
``INSERT … FROM unnest(%s)`` whose single array parameter holds every event, sent in psycopg's
pipeline mode and then ``pipeline.sync()``-ed. psycopg's pipeline loop
(``psycopg.generators._pipeline_communicate``) calls ``PGconn.flush()`` once per writable turn and
stops as soon as its command queue is empty, whatever ``flush()`` returned; ``sync()`` then only
waits to read. When the message is larger than the socket takes at once (an import of a few
thousand rows is tens of megabytes), its tail stays in libpq's output buffer: the server waits for
the rest of the message (``ClientRead``), the client for a reply, and no timeout on either side
covers that wait. (psycopg fixed the same on pipeline *exit*, psycopg#685, not on ``sync()``.)

:class:`ChunkedPostgresApplicationRecorder` keeps eventsourcing's table, its exclusive table lock
(notification ids in commit order) and its notification, and changes how a save travels:

- no pipeline mode: each statement is sent by psycopg's ordinary path, which flushes until the
  whole message is out before waiting for the reply;
- bounded statements: the events go in chunks of at most ``chunk_events`` events and about
  ``chunk_bytes`` bytes, one array a column, all in one transaction (all or nothing);
- bounded waits: ``statement_timeout`` and ``lock_timeout`` for the transaction, TCP keepalives
  for a peer that is gone, and a watchdog that drops the connection when no reply comes within
  the statement timeout plus a grace period, whatever the cause;
- typed failures: anything that goes wrong is raised as a :mod:`rectify.errors` error (a held
  lock as :class:`~rectify.errors.ConcurrencyConflict`, the rest as
  :class:`~rectify.errors.StoreUnavailable`); a ``RecordConflictError`` passes through for the
  application to interpret.

:func:`rectify.adapters.persistence.env_for_url` names this class in ``APPLICATION_RECORDER_TOPIC``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier, Literal

from rectify.adapters.chain import ChainReader, ChainSQL, SQLChainReader, adopt, chain_events
from rectify.adapters.personal import KeyStore, SQLKeyStore
from rectify.adapters.store_access import store_errors
from rectify.errors import StoreUnavailable

if TYPE_CHECKING:
    from types import TracebackType

    from psycopg import Connection

KEEPALIVES: dict[str, int] = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
"""libpq settings under which a server or network that is gone is noticed in about 25 s."""


class ChunkedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """Inserts a save's events in bounded statements within one transaction; see the module."""

    chunk_events: ClassVar[int] = 1000
    """At most this many events in one ``INSERT``."""
    chunk_bytes: ClassVar[int] = 2 << 20
    """About this many bytes of topics and states in one ``INSERT`` (one event may exceed it)."""
    statement_timeout: ClassVar[float] = 30.0
    """Seconds the server may take over one statement of a save (a lock wait included)."""
    idle_in_save: ClassVar[float] = 120.0
    """Seconds the client may work between two statements of a save (chaining 500,000 events on
    a loaded machine takes longer than eventsourcing's 5 s idle-in-transaction limit, which then
    ended large imports); a client silent longer than this in a save is dropped by the server."""
    reply_grace: ClassVar[float] = 10.0
    """Seconds past the statement timeout after which no reply means the connection is dropped."""
    connect_attempts: ClassVar[int] = 3
    """Tries when a pooled connection turns out to be broken before anything was written."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        kwargs = datastore.pool.kwargs
        if isinstance(kwargs, dict):  # before the pool opens (eventsourcing opens it lazily)
            for key, value in KEEPALIVES.items():
                kwargs.setdefault(key, value)
        super().__init__(datastore, events_table_name=events_table_name)
        self.store_name = _store_name(datastore)
        schema = _quoted(datastore.schema)
        self.chain_sql = ChainSQL(
            f"{schema}.{_quoted(events_table_name)}",
            f"{schema}.rectify_chain",
            f"{schema}.rectify_chain_meta",
            position="notification_id",
            id_type="uuid" if datastore.originator_id_type == "uuid" else "text",
            blob="bytea",
            placeholder="%s",
        )
        self.keys = SQLKeyStore(
            f"{schema}.rectify_personal_keys", self._reading, blob="bytea", placeholder="%s"
        )
        self.sql_create_statements += [
            SQL(s).format() for s in (*self.chain_sql.create, *self.keys.creates)
        ]
        self.begin_statement = SQL(
            "SET LOCAL statement_timeout = {statement}; SET LOCAL lock_timeout = {lock}; "
            "SET LOCAL idle_in_transaction_session_timeout = {idle}; "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; NOTIFY {channel}"
        ).format(
            statement=Literal(f"{round(self.statement_timeout * 1000)}ms"),
            idle=Literal(f"{round(self.idle_in_save * 1000)}ms"),
            lock=Literal(f"{datastore.lock_timeout}s"),
            schema=Identifier(datastore.schema),
            table=Identifier(self.events_table_name),
            channel=Identifier(self.channel_name),
        )
        # One array a column: psycopg dumps plain arrays nearly twice as fast as an array of
        # eventsourcing's composite type (with the pure-Python libpq wrapper).
        self.insert_columns_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=Identifier(datastore.originator_id_type),
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return None
        with store_errors(self.store_name):
            for attempt in range(1, self.connect_attempts + 1):
                save = _Save()
                try:
                    return self._insert_in_chunks(save, stored_events, **kwargs)
                except Exception as e:
                    if save.watchdog is not None and save.watchdog.fired:
                        raise StoreUnavailable(self.store_name, save.no_reply(e)) from e
                    if not isinstance(e, InterfaceError | OperationalError):
                        raise
                    server_said = getattr(e.__cause__, "sqlstate", None) is not None
                    if server_said or save.committing or attempt == self.connect_attempts:
                        raise
                    time.sleep(0.1 * attempt)  # a stale pooled connection: take another
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert_in_chunks(
        self, save: _Save, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> list[int]:
        notification_ids: list[int] = []
        limit = self.statement_timeout + self.reply_grace
        with self.datastore.get_connection() as conn, _Watchdog(conn, limit) as watchdog:
            save.watchdog = watchdog
            watchdog.arm()  # BEGIN is a round trip too
            with conn.transaction(), conn.cursor() as curs:
                curs.execute(self.begin_statement, prepare=False)  # several statements
                self._insert_events(curs, stored_events, **kwargs)  # the subclass hook
                for chunk in self._chunks(stored_events):
                    columns = (
                        [e.originator_id for e in chunk],
                        [e.originator_version for e in chunk],
                        [e.topic for e in chunk],
                        [e.state for e in chunk],
                    )
                    watchdog.arm()
                    curs.execute(self.insert_columns_statement, columns, prepare=True)
                    notification_ids += [row["notification_id"] for row in curs.fetchall()]
                    watchdog.disarm()
                watchdog.arm()
                with conn.cursor(row_factory=tuple_row) as plain:  # the chain, same transaction
                    chain_events(self.chain_sql, plain, stored_events, notification_ids, _same)
                watchdog.disarm()
                save.committing = True  # from here on, whether it was stored is not known
                watchdog.arm()
            watchdog.disarm()
        if len(notification_ids) != len(stored_events):  # pragma: no cover - a broken server
            msg = f"{len(stored_events)} events written, {len(notification_ids)} ids returned"
            raise StoreUnavailable(self.store_name, msg)
        return notification_ids

    def chain_reader(self) -> ChainReader:
        return SQLChainReader(self.chain_sql, self._reading, gapless=False)

    def key_store(self) -> KeyStore:
        """Where the persons' keys are kept (:mod:`rectify.adapters.personal`)."""
        return self.keys

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as c,
        ):
            c.execute(SQL("SET LOCAL statement_timeout = 0"))
            yield c

    def adopt(self) -> None:
        """Chain a store written before chaining (nothing when it is chained already)."""
        lock = SQL("LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name)
        )
        if self.chain_reader().has_chain():
            return
        with store_errors(self.store_name), self._reading() as c:
            c.execute(lock)
            c.execute(self.chain_sql.head)
            if c.fetchone() is None:
                c.execute(self.chain_sql.max_position)
                last = c.fetchone()[0]
                if last is not None:
                    adopt(self.chain_sql, c, before=last + 1, key=_same)

    def _chunks(self, stored_events: Sequence[StoredEvent]) -> Iterator[Sequence[StoredEvent]]:
        start = size = 0
        for n, event in enumerate(stored_events):
            weight = len(event.state) * 2 + len(event.topic) + 64  # bytea travels as hex text
            if n > start and (n - start >= self.chunk_events or size + weight > self.chunk_bytes):
                yield stored_events[start:n]
                start, size = n, 0
            size += weight
        yield stored_events[start:]


class _Save:
    """How far one attempt at a save got."""

    def __init__(self) -> None:
        self.watchdog: _Watchdog | None = None
        self.committing = False

    def no_reply(self, error: Exception) -> str:
        assert self.watchdog is not None
        outcome = (
            "whether the commit reached it is not known: look before retrying"
            if self.committing
            else "nothing was recorded"
        )
        return (
            f"no reply from the server within {self.watchdog.limit:g} s, so the connection was "
            f"dropped; {outcome} ({str(error).strip() or type(error).__name__})"
        )


class _Watchdog(AbstractContextManager["_Watchdog"]):
    """Shuts a connection's socket down when an armed wait for a reply outlasts ``limit``.

    psycopg then fails the wait with an ``OperationalError`` and the pool discards the
    connection; :attr:`fired` tells that this is why. Whatever stalls, the wait is bounded."""

    def __init__(self, conn: Connection[Any], limit: float) -> None:
        self.limit = limit
        self.fired = False
        self._fd = conn.pgconn.socket
        self._deadline: float | None = None
        self._done = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._watch, name="rectify-pg-watchdog")
        self._thread.daemon = True

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._cond:
            self._done = True
            self._cond.notify()
        self._thread.join()

    def arm(self) -> None:
        with self._cond:
            self._deadline = time.monotonic() + self.limit
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._deadline = None

    def _watch(self) -> None:
        with self._cond:
            while not self._done:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                self.fired = True
                self._drop()
                return

    def _drop(self) -> None:
        try:
            # fromfd duplicates the descriptor: shut the connection down, close only the copy.
            with socket.fromfd(self._fd, socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone


def _same(originator_id: Any) -> Any:
    return originator_id


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _store_name(datastore: PostgresDatastore) -> str:
    """The store as a URL without its password, for messages."""
    kwargs = datastore.pool.kwargs if isinstance(datastore.pool.kwargs, dict) else {}
    user, host = kwargs.get("user", ""), kwargs.get("host", "")
    port, dbname = kwargs.get("port", ""), kwargs.get("dbname", "")
    return f"postgresql://{user}@{host}:{port}/{dbname}?schema={datastore.schema}"
