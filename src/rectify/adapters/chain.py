"""The chain of digests every stored event carries, written in the transaction that stores it.

Each event recorded gets a row in ``rectify_chain`` beside the events table, keyed by its
notification id:

- ``event_digest`` = SHA-256 of the digest of the previous event of the same aggregate (32 zero
  bytes for the first) and the event *as stored*: originator id, version, topic and state bytes.
  The digest is over the stored bytes, not over the event read back, so an event read through an
  upcaster still verifies against what was written.
- ``log_digest`` = SHA-256 of the previous row's ``log_digest`` (in notification order; zeros
  for the first), the notification id and ``event_digest``: a running digest of the whole log.
  Any one of them seals every event up to it.

The byte layouts are :func:`event_digest` and :func:`log_digest`; they are the canonical form and
never change (a new layout would get a new tag). A store written before chaining is *adopted* the
first time it is written to, or checked: its events are chained as they are found then, and the
``rectify_chain_meta`` table records up to which event and when.

:class:`LogWalk` reads the log and the chain together, in notification order and in pages
(memory flat), and yields what does not follow. The recorders for SQLite and memory are here;
PostgreSQL's is :class:`rectify.adapters.postgres.ChunkedPostgresApplicationRecorder`.

Why this module is long: the chain is written by three recorders and read back by one walk, and
the SQL both need for SQLite and PostgreSQL is kept together here, beside the digest it feeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from rectify.adapters.personal import KeyStore, MemoryKeyStore, SQLKeyStore
from rectify.domain.seals import Finding, FindingKind

GENESIS = bytes(32)
"""The digest before the first event (of an aggregate, or of the log)."""

_EVENT_TAG = b"rectify.event.v1\x00"
_LOG_TAG = b"rectify.log.v1\x00"
_UUID_LENGTH = (16).to_bytes(2, "big")
WALK_PAGE = 20_000
"""Rows read at a time by a walk of the log."""
ADOPT_PAGE = 5_000


def event_digest(
    prev: bytes, originator_id: bytes, version: int, topic: str, state: bytes
) -> bytes:
    """The digest of one stored event, chained to the digest ``prev`` of the one before it in its
    aggregate; ``originator_id`` as :func:`id_bytes` gives it (its length goes in first)."""
    t = topic.encode()
    return hashlib.sha256(
        b"".join(
            (
                _EVENT_TAG,
                prev,
                len(originator_id).to_bytes(2, "big"),
                originator_id,
                version.to_bytes(8, "big", signed=True),
                len(t).to_bytes(4, "big"),
                t,
                state,
            )
        )
    ).digest()


def log_digest(prev: bytes, notification_id: int, digest: bytes) -> bytes:
    """The running digest of the log after the event at ``notification_id`` with ``digest``."""
    return hashlib.sha256(
        _LOG_TAG + prev + notification_id.to_bytes(8, "big", signed=True) + digest
    ).digest()


def id_bytes(originator_id: UUID | str) -> bytes:
    """An originator id as it enters a digest: a UUID's 16 bytes (from a UUID, its 32 hex
    digits, or its text with dashes); any other id as its UTF-8 text."""
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    try:
        return (
            bytes.fromhex(originator_id.replace("-", ""))
            if len(originator_id) in (32, 36)
            else originator_id.encode()
        )
    except ValueError:
        return originator_id.encode()


def _id_field(originator_id: UUID | str) -> bytes:
    found = id_bytes(originator_id)
    return len(found).to_bytes(2, "big") + found


def canonical_id(originator_id: Any) -> bool:
    """Whether an id is in the form rectify stores it: a UUID, or (SQLite) its 32 lower-case hex
    digits. Another spelling of the same UUID would digest alike, yet hide its stream."""
    if type(originator_id) is UUID:
        return True
    return (
        type(originator_id) is str
        and len(originator_id) == 32
        and all(c in "0123456789abcdef" for c in originator_id)
    )


def as_uuid(originator_id: Any) -> UUID | None:
    if isinstance(originator_id, UUID):
        return originator_id
    try:
        return UUID(str(originator_id))
    except ValueError:
        return None


def parse_digest(text: str) -> bytes | None:
    """A digest as printed (64 hexadecimal digits, optionally after ``sha256:``), or None."""
    text = text.strip().lower().removeprefix("sha256:")
    if len(text) != 64:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- the SQL of a chain


class ChainSQL:
    """The statements of the chain for one store (``?`` placeholders; PostgreSQL translates)."""

    def __init__(
        self,
        events: str,
        chain: str,
        meta: str,
        *,
        position: str,
        id_type: str,
        blob: str,
        placeholder: str = "?",
    ) -> None:
        self.events, self.chain, self.meta, self.position = events, chain, meta, position
        self.create = [
            f"CREATE TABLE IF NOT EXISTS {chain} (notification_id BIGINT PRIMARY KEY, "
            f"originator_id {id_type} NOT NULL, originator_version BIGINT NOT NULL, "
            f"event_digest {blob} NOT NULL, log_digest {blob} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]
        self.head = (
            f"SELECT notification_id, log_digest FROM {chain} ORDER BY notification_id DESC LIMIT 1"
        )
        self.any_before = f"SELECT 1 FROM {events} WHERE {position} < ? LIMIT 1"
        self.predecessor = (
            f"SELECT c.event_digest FROM {events} e JOIN {chain} c ON c.notification_id = e.{position} "
            "WHERE e.originator_id = ? AND e.originator_version = ?"
        )
        self.insert = f"INSERT INTO {chain} VALUES (?, ?, ?, ?, ?)"
        self.page_before = (
            f"SELECT {position}, originator_id, originator_version, topic, state FROM {events} "
            f"WHERE {position} > ? AND {position} < ? ORDER BY {position} LIMIT ?"
        )
        self.set_meta = f"INSERT INTO {meta} VALUES (?, ?)"
        self.get_meta = f"SELECT key, value FROM {meta}"
        self.walk = (
            f"SELECT e.{position}, e.originator_id, e.originator_version, e.topic, e.state, "
            "c.notification_id, c.event_digest, c.log_digest, p.originator_version, pc.event_digest "
            f"FROM {events} e LEFT JOIN {chain} c ON c.notification_id = e.{position} "
            f"LEFT JOIN {events} p ON p.originator_id = e.originator_id "
            "AND p.originator_version = e.originator_version - 1 "
            f"LEFT JOIN {chain} pc ON pc.notification_id = p.{position} "
            f"WHERE e.{position} > ? ORDER BY e.{position} LIMIT ?"
        )
        self.count_chain = f"SELECT COUNT(*) FROM {chain}"
        self.orphans = (
            f"SELECT c.notification_id, c.originator_id, c.originator_version, c.log_digest "
            f"FROM {chain} c LEFT JOIN {events} e ON e.{position} = c.notification_id "
            f"WHERE e.{position} IS NULL ORDER BY c.notification_id"
        )
        self.log_at = f"SELECT log_digest FROM {chain} WHERE notification_id = ?"
        self.head_at = (
            f"SELECT notification_id, log_digest FROM {chain} WHERE notification_id <= ? "
            "ORDER BY notification_id DESC LIMIT 1"
        )
        self.between = (
            f"SELECT notification_id, originator_id, originator_version, log_digest FROM {chain} "
            "WHERE notification_id > ? AND notification_id < ? ORDER BY notification_id"
        )
        self.max_position = f"SELECT MAX({position}) FROM {events}"
        if placeholder != "?":
            for name, value in vars(self).items():
                if isinstance(value, str) and "?" in value:
                    setattr(self, name, value.replace("?", placeholder))


class Cursorish(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...
    def executemany(self, statement: Any, params: Any) -> Any: ...


def chain_events(
    sql: ChainSQL, c: Cursorish, stored_events: Sequence[StoredEvent], ids: Sequence[int], key: Any
) -> None:
    """Write the chain rows of ``stored_events``, just stored under notification ``ids``, in
    the transaction of cursor ``c`` (which holds the store's write lock). ``key(originator_id)``
    is the id as the events table holds it."""
    if not stored_events:
        return
    c.execute(sql.head)
    row = c.fetchone()
    head = adopt(sql, c, before=min(ids), key=key) if row is None else (row[0], bytes(row[1]))
    prev_log = head[1] if head else GENESIS
    previous: dict[Any, bytes] = {}
    for s in stored_events:
        if s.originator_id in previous:
            continue
        previous[s.originator_id] = GENESIS
        if s.originator_version > 1:
            c.execute(sql.predecessor, (key(s.originator_id), s.originator_version - 1))
            found = c.fetchone()
            if found is not None:
                previous[s.originator_id] = bytes(found[0])
    digests = []
    for s in stored_events:
        d = event_digest(
            previous[s.originator_id],
            id_bytes(s.originator_id),
            s.originator_version,
            s.topic,
            s.state,
        )
        previous[s.originator_id] = d
        digests.append(d)
    rows = []
    for nid, s, d in sorted(zip(ids, stored_events, digests, strict=True), key=lambda r: r[0]):
        prev_log = log_digest(prev_log, nid, d)
        rows.append((nid, key(s.originator_id), s.originator_version, d, prev_log))
    c.executemany(sql.insert, rows)


def adopt(sql: ChainSQL, c: Cursorish, *, before: int, key: Any) -> tuple[int, bytes] | None:
    """Chain, as they are found now, the events stored before notification ``before`` in a store
    that has no chain yet (written before chaining), and record that in the meta table. Returns
    the new head of the chain, or None when there were no such events."""
    c.execute(sql.any_before, (before,))
    if c.fetchone() is None:
        return None
    previous: dict[Any, bytes] = {}
    prev_log, after, count = GENESIS, 0, 0
    while True:
        c.execute(sql.page_before, (after, before, ADOPT_PAGE))
        page = c.fetchall()
        if not page:
            break
        rows = []
        for nid, oid, version, topic, state in (tuple(r) for r in page):
            state = bytes(state)
            d = event_digest(previous.get(oid, GENESIS), id_bytes(oid), version, topic, state)
            previous[oid] = d
            prev_log = log_digest(prev_log, nid, d)
            rows.append((nid, oid, version, d, prev_log))
        c.executemany(sql.insert, rows)
        after = rows[-1][0]
        count += len(rows)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    c.executemany(
        sql.set_meta,
        [("adopted_up_to", str(after)), ("adopted_at", now), ("adopted_events", str(count))],
    )
    return after, prev_log


# ---------------------------------------------------------------------------- recorders


def _sqlite_key(originator_id: Any) -> Any:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def sqlite_chain_sql(events_table: str) -> ChainSQL:
    return ChainSQL(
        events_table,
        "rectify_chain",
        "rectify_chain_meta",
        position="rowid",
        id_type="TEXT",
        blob="BLOB",
    )


class ChainedSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, writing the chain row of each event it stores."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        self.chain_sql = sqlite_chain_sql(events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *sqlite_chain_sql(self.events_table_name).create,
            *self._key_store().creates,
        ]

    def _key_store(self) -> SQLKeyStore:
        return SQLKeyStore(
            "rectify_personal_keys",
            lambda: self.datastore.transaction(commit=True),
            blob="BLOB",
        )

    def key_store(self) -> KeyStore:
        """Where the persons' keys are kept (:mod:`rectify.adapters.personal`)."""
        return self._key_store()

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        chain_events(self.chain_sql, c, stored_events, ids, _sqlite_key)
        return ids

    def chain_reader(self) -> ChainReader:
        return SQLChainReader(
            self.chain_sql, lambda: self.datastore.transaction(commit=False), gapless=True
        )

    def adopt(self) -> None:
        """Chain a store written before chaining (nothing when it is chained already)."""
        if self.chain_reader().has_chain():
            return
        with self.datastore.transaction(commit=True) as c:
            # A write first, so this transaction holds the write lock before it reads.
            c.execute(f"UPDATE {self.chain_sql.meta} SET value = value WHERE 0")
            c.execute(self.chain_sql.head)
            if c.fetchone() is None:
                c.execute(self.chain_sql.max_position)
                last = c.fetchone()[0]
                if last is not None:
                    adopt(self.chain_sql, c, before=last + 1, key=_sqlite_key)


class ChainedPOPOApplicationRecorder(POPOApplicationRecorder):
    """eventsourcing's in-memory recorder, keeping the chain of each event it stores."""

    def __init__(self) -> None:
        super().__init__()
        self.chain: dict[int, tuple[Any, int, bytes, bytes]] = {}
        self._last_digest: dict[Any, bytes] = {}
        self._head = GENESIS
        self._keys = MemoryKeyStore()

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        assert ids is not None
        for nid, s in zip(ids, stored_events, strict=True):
            d = event_digest(
                self._last_digest.get(s.originator_id, GENESIS),
                id_bytes(s.originator_id),
                s.originator_version,
                s.topic,
                s.state,
            )
            self._last_digest[s.originator_id] = d
            self._head = log_digest(self._head, nid, d)
            self.chain[nid] = (s.originator_id, s.originator_version, d, self._head)
        return ids

    def chain_reader(self) -> ChainReader:
        return MemoryChainReader(self)

    def key_store(self) -> KeyStore:
        """Where the persons' keys are kept (:mod:`rectify.adapters.personal`)."""
        return self._keys

    def adopt(self) -> None:
        """Nothing to adopt: a memory store is chained from its first event."""


# ---------------------------------------------------------------------------- reading it back


class WalkRow(NamedTuple):
    """An event as stored, with its chain row (if any) and its predecessor's: the columns of
    :attr:`ChainSQL.walk`, in order."""

    notification_id: int
    originator_id: Any
    version: int
    topic: str
    state: bytes
    chain_position: int | None
    """The chain row's notification id: None when the event has no chain row."""
    event_digest: bytes | None
    log_digest: bytes | None
    predecessor_version: int | None
    """The version of the event before it in its stream: None when there is none stored."""
    predecessor_digest: bytes | None

    @property
    def chained(self) -> bool:
        return self.chain_position is not None

    @property
    def has_predecessor(self) -> bool:
        return self.predecessor_version is not None

    def cleaned(self) -> WalkRow:
        """The row with every byte column as bytes (a value edited into text, as its UTF-8)."""
        return self._replace(
            topic=self.topic if isinstance(self.topic, str) else repr(self.topic),
            state=_blob(self.state),
            event_digest=_blob(self.event_digest),
            log_digest=_blob(self.log_digest),
            predecessor_digest=_blob(self.predecessor_digest),
        )


@dataclass
class Orphan:
    """A chain row whose event is gone."""

    notification_id: int
    originator_id: Any
    version: int
    log_digest: bytes


class ChainReader(Protocol):
    gapless: bool
    """Whether the store never skips a notification id (SQLite, memory): a gap is a deletion."""

    def rows(self, after: int, limit: int) -> Sequence[Sequence[Any]]:
        """The next ``limit`` events after notification ``after``, as :class:`WalkRow` fields."""
        ...

    def chain_count(self) -> int: ...
    def orphans(self) -> list[Orphan]: ...
    def chained_between(self, low: int, high: int) -> list[Orphan]: ...
    def log_at(self, notification_id: int) -> bytes | None: ...
    def head_at(self, notification_id: int) -> tuple[int, bytes] | None:
        """The last chain row at or before ``notification_id``: its id and running digest."""
        ...

    def meta(self) -> dict[str, str]: ...
    def has_chain(self) -> bool: ...


def _malformed(row: WalkRow) -> str | None:
    """What is wrong with a row's columns, if they hold what rectify never writes."""
    if not canonical_id(row.originator_id):
        return f"its originator id {row.originator_id!r:.40} is not in the form stored"
    if type(row.version) is not int or row.version < 1:
        return f"its version {row.version!r:.20} is not a whole number from 1"
    if not isinstance(row.topic, str) or row.state is None:
        return "its topic or state is missing or not of its kind"
    return None


def _blob(value: Any) -> Any:
    """Bytes as a store gave them (a value edited into text is read as its UTF-8 bytes)."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int | float):
        return str(value).encode()
    return bytes(value)


class SQLChainReader:
    """Reads a chain kept in SQL tables (SQLite, or PostgreSQL through its cursor adapter)."""

    def __init__(self, sql: ChainSQL, transaction: Any, *, gapless: bool) -> None:
        self.sql = sql
        self.transaction = transaction
        self.gapless = gapless

    def _all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.transaction() as c:
            c.execute(statement, params)
            return [tuple(r) for r in c.fetchall()]

    def rows(self, after: int, limit: int) -> list[Any]:
        with self.transaction() as c:
            c.execute(self.sql.walk, (after, limit))
            return list(c.fetchall())

    def chain_count(self) -> int:
        return int(self._all(self.sql.count_chain)[0][0])

    def orphans(self) -> list[Orphan]:
        return [Orphan(r[0], r[1], r[2], bytes(r[3])) for r in self._all(self.sql.orphans)]

    def chained_between(self, low: int, high: int) -> list[Orphan]:
        found = self._all(self.sql.between, (low, high))
        return [Orphan(r[0], r[1], r[2], bytes(r[3])) for r in found]

    def log_at(self, notification_id: int) -> bytes | None:
        found = self._all(self.sql.log_at, (notification_id,))
        return bytes(found[0][0]) if found else None

    def head_at(self, notification_id: int) -> tuple[int, bytes] | None:
        found = self._all(self.sql.head_at, (notification_id,))
        return (int(found[0][0]), bytes(found[0][1])) if found else None

    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self._all(self.sql.get_meta)}

    def has_chain(self) -> bool:
        return bool(self._all(self.sql.head))


class MemoryChainReader:
    gapless = True

    def __init__(self, recorder: ChainedPOPOApplicationRecorder) -> None:
        self.recorder = recorder

    def rows(self, after: int, limit: int) -> list[WalkRow]:
        r = self.recorder
        with r._database_lock:
            out = []
            for nid in range(after + 1, min(after + limit, len(r._stored_events)) + 1):
                s = r._stored_events[nid - 1]
                chained = r.chain.get(nid)
                index = r._stored_events_index[str(s.originator_id)]
                pred = index.get(s.originator_version - 1)
                pred_chain = r.chain.get(pred + 1) if pred is not None else None
                out.append(
                    WalkRow(
                        nid,
                        s.originator_id,
                        s.originator_version,
                        s.topic,
                        s.state,
                        nid if chained else None,
                        chained[2] if chained else None,
                        chained[3] if chained else None,
                        s.originator_version - 1 if pred is not None else None,
                        pred_chain[2] if pred_chain else None,
                    )
                )
            return out

    def chain_count(self) -> int:
        return len(self.recorder.chain)

    def orphans(self) -> list[Orphan]:
        stored = len(self.recorder._stored_events)
        return [
            Orphan(nid, oid, v, log)
            for nid, (oid, v, _, log) in sorted(self.recorder.chain.items())
            if nid > stored
        ]

    def chained_between(self, low: int, high: int) -> list[Orphan]:
        return [o for o in self.orphans() if low < o.notification_id < high]

    def head_at(self, notification_id: int) -> tuple[int, bytes] | None:
        for position in range(min(notification_id, len(self.recorder._stored_events)), 0, -1):
            if position in self.recorder.chain:
                return position, self.recorder.chain[position][3]
        return None

    def log_at(self, notification_id: int) -> bytes | None:
        found = self.recorder.chain.get(notification_id)
        return found[3] if found else None

    def meta(self) -> dict[str, str]:
        return {}

    def has_chain(self) -> bool:
        return bool(self.recorder.chain)


@dataclass
class WalkResult:
    """What a walk of the log saw, besides its findings."""

    events: int = 0
    head: tuple[int, bytes] | None = None
    last_position: int = 0
    seals: list[tuple[int, Any, int, bytes]] = field(default_factory=list)
    """(notification id, originator id, version, stored state) of each checkpoint event, for
    the caller to read and check."""
    expected_at: int | None = None


class LogWalk:
    """Walks the log and its chain in notification order, page by page, checking every link.

    ``seal_topic`` is the topic of checkpoint events (collected for the caller to check);
    ``expect`` a running digest that must be found in the chain, with every link before it
    intact. Findings come out of :meth:`findings` as they are met (the first of a kind names the
    first event affected)."""

    def __init__(self, reader: ChainReader, seal_topic: str, expect: bytes | None = None) -> None:
        self.reader = reader
        self.seal_topic = seal_topic
        self.expect = expect
        self.result = WalkResult()
        self.broken = False
        """Whether a link was found broken so far."""
        self._prev_log = GENESIS
        self._named: set[int] = set()  # chain rows of deleted events already reported

    def findings(self) -> Iterator[Finding]:
        reader, result = self.reader, self.result
        chained, after = 0, 0
        sha256, seal_topic, expect = hashlib.sha256, self.seal_topic, self.expect
        topics: dict[str, bytes] = {}
        while page := reader.rows(after, WALK_PAGE):
            last = result.last_position
            for raw in page:
                nid, oid, version, topic, state, chain_at, digest, log, pred_v, pred = raw
                # The fast path: the next id, chained, its predecessor there, all bytes.
                if (
                    nid == last + 1
                    and chain_at is not None
                    and type(version) is int
                    and type(topic) is str
                    and (version == 1 or pred_v is not None)
                    and (type(oid) is UUID or canonical_id(oid))
                    and type(state) is bytes
                    and type(digest) is bytes
                    and type(log) is bytes
                ):
                    head = topics.get(topic)
                    if head is None:
                        t = topic.encode()
                        head = topics[topic] = len(t).to_bytes(4, "big") + t
                    ok = (
                        sha256(
                            _EVENT_TAG
                            + (pred if type(pred) is bytes else GENESIS)
                            + (_UUID_LENGTH + oid.bytes if type(oid) is UUID else _id_field(oid))
                            + version.to_bytes(8, "big", signed=True)
                            + head
                            + state
                        ).digest()
                        == digest
                        and sha256(
                            _LOG_TAG + self._prev_log + nid.to_bytes(8, "big", signed=True) + digest
                        ).digest()
                        == log
                    )
                    if not ok:
                        yield from self._row(WalkRow(*raw).cleaned())
                else:
                    row = WalkRow(*raw).cleaned()
                    yield from self._row(row)
                    digest, log = row.event_digest, row.log_digest
                result.events += 1
                if chain_at is not None and log is not None:
                    chained += 1
                    self._prev_log = log
                    result.head = (nid, log)
                    if log == expect and not self.broken:
                        result.expected_at = nid
                if topic == seal_topic:
                    result.seals.append((nid, oid, version, _blob(state)))
                result.last_position = last = nid
            after = result.last_position
        if chained + len(self._named) != reader.chain_count():  # chain rows of events gone
            for orphan in reader.orphans():
                if orphan.notification_id not in self._named:
                    yield self._gone(orphan)

    def _gone(self, orphan: Orphan) -> Finding:
        self.broken = True
        self._named.add(orphan.notification_id)
        return Finding(
            FindingKind.DELETED,
            "an event that was recorded and chained is gone from the log",
            as_uuid(orphan.originator_id),
            orphan.version,
            orphan.notification_id,
        )

    def _row(self, row: WalkRow) -> Iterator[Finding]:
        oid = as_uuid(row.originator_id) if isinstance(row.originator_id, UUID | str) else None
        before = self.result.last_position
        malformed = _malformed(row)
        if malformed is not None:
            self.broken = True
            version = row.version if type(row.version) is int else None
            yield Finding(FindingKind.ALTERED, malformed, oid, version, row.notification_id)
            return
        named = 0  # events of the gap before this one named from their chain rows left behind
        if row.notification_id > before + 1:  # ids skipped: normal on PostgreSQL, not on SQLite
            for orphan in self.reader.chained_between(before, row.notification_id):
                yield self._gone(orphan)
                self._prev_log = orphan.log_digest
                named += 1
        if row.version > 1 and not row.has_predecessor:
            self.broken = True
            yield Finding(
                FindingKind.DELETED,
                f"version {row.version - 1} of its stream, before this event, is gone",
                oid,
                row.version - 1,
                None,
            )
        if not row.chained:
            self.broken = True
            yield Finding(
                FindingKind.INSERTED,
                "stored without a chain digest: forged, or written behind rectify's back",
                oid,
                row.version,
                row.notification_id,
            )
            return
        digest = event_digest(
            row.predecessor_digest or GENESIS,
            id_bytes(row.originator_id),
            row.version,
            row.topic,
            row.state,
        )
        if digest != row.event_digest:
            self.broken = True
            what = "checkpoint" if row.topic == self.seal_topic else "event"
            yield Finding(
                FindingKind.ALTERED,
                f"the {what}'s stored topic or state is not what was recorded (changed, or "
                "swapped with another event)",
                oid,
                row.version,
                row.notification_id,
            )
            return
        if log_digest(self._prev_log, row.notification_id, digest) == row.log_digest:
            if self.reader.gapless and row.notification_id > before + 1 + named:
                self.broken = True  # a chain made again over a gap: SQLite never skips an id
                yield Finding(
                    FindingKind.DELETED,
                    f"events {before + 1}–{row.notification_id - 1} are gone (this store never "
                    "skips an id), and the chain after them was computed again",
                    notification_id=before + 1,
                )
            return
        self.broken = True
        last = max([before, *self._named])
        if row.notification_id > last + 1:  # ids skipped here, and the chain breaks
            gone = f"{last + 1}" + (
                f"–{row.notification_id - 1}" if row.notification_id - 1 > last + 1 else ""
            )
            yield Finding(
                FindingKind.DELETED,
                f"event(s) {gone} are gone: the log's running digest does not follow on from "
                f"event {last} to event {row.notification_id}",
                notification_id=last + 1,
            )
            return
        yield Finding(
            FindingKind.CHAIN,
            f"the log's running digest does not follow on from the event before ({last}): "
            "events between were removed or reordered, or the chain was edited",
            oid,
            row.version,
            row.notification_id,
        )
