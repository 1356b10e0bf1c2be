"""Large saves on PostgreSQL complete, all or nothing, and no save waits for ever (issue 8, 4).

A save used to go to the server as one ``INSERT`` holding every event in a single array parameter,
sent in psycopg's pipeline mode; past a few megabytes the tail of that message could stay in
libpq's buffer while both sides waited for each other, for ever (``rectify import`` of 4,000
rows hung in half the runs). :mod:`rectify.adapters.postgres` saves in bounded statements within one
transaction and drops a connection that gives no reply in time.

The saves that could hang run in a subprocess with a timeout: a hung one is killed, so its
connection (and its table lock) goes away and the schema can be dropped.
"""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import RecordConflictError, StoredEvent
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment

from rectify.adapters.persistence import (
    POSTGRES_RECORDER_TOPIC,
    env_for_url,
)
from rectify.adapters.postgres import ChunkedPostgresApplicationRecorder
from rectify.adapters.store_access import opening
from rectify.errors import StoreUnavailable

pytestmark = pytest.mark.postgres

HEADER = [
    "序號", "問題描述", "問題來源", "問題類別", "責任單位", "責任人", "整改措施", "整改類型",
    "整改時限", "整改進展", "狀態", "是否銷號", "銷號日期", "備註", "發現日期", "整改日期",
]  # fmt: skip
ROWS = 6_000
PADDING = "，逐條對照檢查並建立整改臺賬" * 24  # ~300 characters more in each text cell


def write_ledger(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(1, rows + 1):
            title = f"第{n}項：三會一課記錄不規範{PADDING}"
            if n % 2:
                out.writerow([
                    n, title, "巡查", "組織生活", "省財政廳", "劉處長", f"制定方案{PADDING}",
                    "限期整改", "2019-09-30", f"已完成{PADDING}", "已整改", "否", "", "",
                    "2019-06-01", "2019-07-20",
                ])  # fmt: skip
            else:
                out.writerow([
                    n, title, "考核", "黨員管理", "省教育廳", "陳書記", f"啟動整改{PADDING}",
                    "限期整改", "2019-10-31", f"籌備中{PADDING}", "已交辦", "否", "", "",
                    "2019-06-05", "",
                ])  # fmt: skip


def run_python(code: str, *args: str, timeout: float) -> Any:
    """Run ``code`` in a fresh interpreter; its last line of output, as JSON. A run that does not
    finish within ``timeout`` seconds is killed and fails the test."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {timeout:g} s: the save hangs")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def stored(url: str, table: str = "rectify_events") -> tuple[int, set[str], int]:
    """Events stored, their originators, and the highest notification id."""
    import psycopg
    from psycopg import sql

    env = env_for_url(url)
    with psycopg.connect(
        host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
        dbname=env["POSTGRES_DBNAME"], autocommit=True,
    ) as conn:  # fmt: skip
        name = sql.Identifier(env["POSTGRES_SCHEMA"], table)
        count, top = conn.execute(
            sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}").format(name)
        ).fetchone()  # type: ignore[misc]
        ids = conn.execute(sql.SQL("SELECT DISTINCT originator_id FROM {}").format(name))
        return count, {str(row[0]) for row in ids}, top


def test_postgres_stores_use_the_chunked_recorder(postgres_url: str) -> None:
    assert env_for_url(postgres_url)["APPLICATION_RECORDER_TOPIC"] == POSTGRES_RECORDER_TOPIC
    recorder = recorder_for(postgres_url, "pick")
    assert type(recorder) is ChunkedPostgresApplicationRecorder


def test_an_import_of_6000_rows_completes_and_stores_every_row(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.csv"
    write_ledger(path, ROWS)
    result = run_python(
        """
        import json, sys
        from pathlib import Path
        import rectify
        from rectify import Actor, Role
        from rectify.io.importer import import_ledger

        app = rectify.connect(sys.argv[1], catch_up=False)
        actor = Actor("importer", "臺賬導入", "省直機關工委", [Role.VERIFIER])
        result = import_ledger(app, Path(sys.argv[2]), actor=actor)
        print(json.dumps({"new": [str(i) for _, i, _ in result.new], "events": result.events}))
        """,
        postgres_url,
        str(path),
        timeout=60,
    )
    assert len(result["new"]) == ROWS
    count, originators, top = stored(postgres_url)
    assert originators == set(result["new"])
    assert count == result["events"] > 3 * ROWS
    assert top == count  # one transaction: the notification ids have no gaps


def test_one_save_of_50_megabytes_completes(postgres_url: str) -> None:
    """The recorder alone, with no import around it: one save far larger than a socket's buffer
    (the old recorder hung on this in every run)."""
    result = run_python(
        """
        import json, os, sys, uuid
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.postgres import PostgresFactory
        from eventsourcing.utils import Environment
        from rectify.adapters.persistence import env_for_url
        from rectify.adapters.store_access import opening

        env = env_for_url(sys.argv[1])
        with opening(env, sys.argv[1], create=True):  # makes the schema
            pass
        recorder = PostgresFactory(Environment("big", env)).application_recorder()
        state = os.urandom(12_500).hex().encode()  # 25 kB, 50 kB as hex on the wire
        events = [StoredEvent(uuid.uuid4(), 1, "big:Event", state) for _ in range(1_000)]
        ids = recorder.insert_events(events)
        print(json.dumps({"ids": list(ids), "originators": [str(e.originator_id) for e in events]}))
        """,
        postgres_url,
        timeout=60,
    )
    count, originators, top = stored(postgres_url, "big_events")
    assert count == top == 1_000
    assert result["ids"] == list(range(1, 1_001))
    assert originators == set(result["originators"])


def recorder_for(
    url: str, name: str, port: int | None = None
) -> ChunkedPostgresApplicationRecorder:
    env = env_for_url(url)
    with opening(env, url, create=True):  # makes the schema
        pass
    if port is not None:
        env["POSTGRES_PORT"] = str(port)
    recorder = PostgresFactory(Environment(name, env)).application_recorder()
    assert isinstance(recorder, ChunkedPostgresApplicationRecorder)
    return recorder


def events(n: int, originator: uuid.UUID | None = None) -> list[StoredEvent]:
    return [
        StoredEvent(originator or uuid.uuid4(), 1 + (i if originator else 0), "t:E", b"{}")
        for i in range(n)
    ]


def test_a_save_in_many_statements_is_all_or_nothing(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChunkedPostgresApplicationRecorder, "chunk_events", 10)
    recorder = recorder_for(postgres_url, "chunks")
    clash = events(1)
    recorder.insert_events(clash)
    # 35 events in four statements; the last one holds an event already stored
    with pytest.raises(RecordConflictError):
        recorder.insert_events(events(34) + clash)
    assert stored(postgres_url, "chunks_events")[0] == 1
    # chunks by size, too: one big event a statement
    monkeypatch.setattr(ChunkedPostgresApplicationRecorder, "chunk_bytes", 1_000)
    big = [StoredEvent(uuid.uuid4(), 1, "t:E", b"x" * 600) for _ in range(5)]
    assert [len(c) for c in recorder._chunks(big)] == [1, 1, 1, 1, 1]
    ids = recorder.insert_events(events(25) + big)
    assert ids is not None and ids == list(range(ids[0], ids[0] + 30))  # in order, no gaps
    assert stored(postgres_url, "chunks_events")[0] == 31


class FreezingProxy:
    """A TCP proxy to the server that can stop passing bytes on, keeping both ends open: a
    server (or network) that never answers, which no TCP keepalive notices."""

    def __init__(self, port: int) -> None:
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
                while self.frozen.is_set():
                    time.sleep(0.05)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        for s in (source, sink):
            s.close()

    def close(self) -> None:
        self.listener.close()
        for s in self.sockets:
            s.close()


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[FreezingProxy]:
    p = FreezingProxy(int(env_for_url(postgres_url)["POSTGRES_PORT"]))
    yield p
    p.close()


def test_a_save_with_no_reply_fails_typed_within_bounded_time(
    postgres_url: str, proxy: FreezingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChunkedPostgresApplicationRecorder, "statement_timeout", 1.0)
    monkeypatch.setattr(ChunkedPostgresApplicationRecorder, "reply_grace", 1.0)
    recorder = recorder_for(postgres_url, "frozen", port=proxy.port)
    assert recorder.insert_events(events(3)) == [1, 2, 3]
    proxy.frozen.set()
    outcome: list[BaseException | None] = []

    def save() -> None:
        try:
            recorder.insert_events(events(3))
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)

    started = time.monotonic()
    worker = threading.Thread(target=save, daemon=True)
    worker.start()
    worker.join(timeout=20)
    took = time.monotonic() - started
    assert outcome, "the save still waits after 20 s"
    error = outcome[0]
    assert isinstance(error, StoreUnavailable), repr(error)
    assert "no reply from the server within 2 s" in str(error)
    assert "nothing was recorded" in str(error)
    assert took < 10
    proxy.frozen.clear()
    assert stored(postgres_url, "frozen_events")[0] == 3


def test_a_save_whose_client_works_longer_than_the_idle_limit_completes(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chaining a large save's events is client work between two statements of the save; on a
    loaded machine it outlasted eventsourcing's 5 s idle-in-transaction limit and a 100,000-row
    import was dropped. The save allows the client ``idle_in_save`` seconds between statements."""
    import rectify.adapters.postgres as pg

    chain = pg.chain_events  # type: ignore[attr-defined]

    def slow_chain(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)  # longer than the session's limit below
        return chain(*args, **kwargs)

    monkeypatch.setattr(pg, "chain_events", slow_chain)
    env = env_for_url(postgres_url)
    with opening(env, postgres_url, create=True):  # makes the schema
        pass
    env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] = "1"  # the session's own limit
    recorder = PostgresFactory(Environment("idle", env)).application_recorder()
    ids = recorder.insert_events(events(3))
    assert ids is not None and len(ids) == 3
    assert stored(postgres_url, "idle_events")[0] == 3
