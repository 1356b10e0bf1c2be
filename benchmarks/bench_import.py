"""How fast a legacy ledger (臺賬) imports: ``import_ledger`` of N rows into SQLite and PostgreSQL.

One CSV of ``--rows`` rows (10,000) is written once, shaped like a unit's ledger: a third closed
out (found, assigned, rectified, verified, closed out), a third rectified, a third assigned and in
progress, with measures and progress text. Each store gets a fresh, empty store (an SQLite file in
a temporary directory; a PostgreSQL schema of its own, dropped afterwards) and one
``import_ledger(app, path, actor=...)``: all rows in one transaction. The clock runs around that
call only (reading and checking the file, building the issues, saving them); the time spent in the
event recorder's ``insert_events`` (the write itself) is shown apart. An untimed check counts the
events stored afterwards.

Nothing asserts on time: the script prints rows/s and events/s per store and PostgreSQL ÷ SQLite,
and exits 0 (1 only if an import fails or stores the wrong number of events).

    python benchmarks/bench_import.py [--rows N] [--stores sqlite,postgres] [--pg URL] [--keep]

``--pg`` is a PostgreSQL URL without a schema (default ``$RECTIFY_PG_URL`` or
``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.metadata
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import rectify
from rectify import Actor, Role
from rectify.adapters.persistence import env_for_url
from rectify.io.importer import import_ledger

HEADER = [
    "序號", "問題描述", "問題來源", "問題類別", "責任單位", "責任人", "整改措施", "整改類型",
    "整改時限", "整改進展", "狀態", "是否銷號", "銷號日期", "備註", "發現日期", "整改日期",
]  # fmt: skip
UNITS = ["省財政廳", "省教育廳", "省衛健委", "省交通廳", "省水利廳"]
ACTOR = Actor("bench-import", "臺賬導入", "省直機關工委", [Role.VERIFIER])
DEFAULT_PG = os.environ.get("RECTIFY_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def write_ledger(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for n in range(1, rows + 1):
            unit = UNITS[n % len(UNITS)]
            month = 1 + n % 6
            found = f"2019-{month:02d}-{1 + n % 27:02d}"
            title = f"第{n}項：三會一課記錄不規範，支部組織生活會召開不經常"
            kind = n % 3
            if kind == 0:
                out.writerow([
                    n, title, "巡查", "組織生活", unit, "劉處長", "制定整改方案\n逐條對照整改",
                    "限期整改", f"2019-{month + 3:02d}-28", "已完成整改並建立長效機制", "已銷號",
                    "是", f"2019-{month + 5:02d}-10", "", found, f"2019-{month + 2:02d}-20",
                ])  # fmt: skip
            elif kind == 1:
                out.writerow([
                    n, title, "考核", "黨員管理", unit, "陳書記", "完善黨費收繳臺賬",
                    "立行立改", "立行立改", "已補繳並公示", "已整改", "否", "", "", found,
                    f"2019-{month + 1:02d}-03",
                ])  # fmt: skip
            else:
                out.writerow([
                    n, title, "調研", "基層組織", unit, "王主任", "啟動換屆程序",
                    "限期整改", f"2019-{month + 6:02d}-30", "籌備中", "已交辦", "否", "", "",
                    found, "",
                ])  # fmt: skip


class Store:
    """A fresh store of one kind, removed afterwards unless kept."""

    def __init__(self, kind: str, workdir: Path, pg: str, *, keep: bool) -> None:
        self.kind = kind
        self.keep = keep
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir}/bench_import.db"
        elif kind == "postgres":
            self.schema = f"bench_import_{uuid.uuid4().hex[:10]}"
            sep = "&" if "?" in pg else "?"
            self.url = f"{pg}{sep}schema={self.schema}"
        elif kind == "memory":
            self.url = "memory://"
        else:
            raise SystemExit(f"unknown store {kind!r}: sqlite, postgres or memory")

    def drop(self) -> None:
        if self.kind == "postgres" and not self.keep:
            from psycopg import sql

            with self._pg() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
                )

    def _pg(self) -> Any:
        import psycopg

        env = env_for_url(self.url)
        return psycopg.connect(
            host=env["POSTGRES_HOST"], port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
            dbname=env["POSTGRES_DBNAME"], autocommit=True,
        )  # fmt: skip

    def events_stored(self, app: rectify.RectificationApp) -> int:
        """Counted with a connection of its own, not through the app."""
        table: str = app.recorder.events_table_name  # type: ignore[attr-defined]
        if self.kind == "postgres":
            from psycopg import sql

            with self._pg() as conn:
                name = sql.Identifier(self.schema, table)
                row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()
                return int(row[0])
        if self.kind == "sqlite":
            path = env_for_url(self.url)["SQLITE_DBNAME"]
            with sqlite3.connect(path) as conn:
                return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        return int(app.recorder.max_notification_id() or 0)

    def server(self) -> str:
        if self.kind == "postgres":
            with self._pg() as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
                return f"PostgreSQL {version.split()[0]}"
        if self.kind == "sqlite":
            return f"SQLite {sqlite3.sqlite_version}"
        return "memory"


def run_one(store: Store, path: Path, rows: int) -> dict[str, Any]:
    app = rectify.connect(store.url, catch_up=False)
    write_time = [0.0]
    insert = app.recorder.insert_events

    def timed_insert(stored_events: Sequence[Any], **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return insert(stored_events, **kwargs)
        finally:
            write_time[0] += time.perf_counter() - t0

    app.recorder.insert_events = timed_insert  # type: ignore[method-assign]
    gc.collect()
    t0 = time.perf_counter()
    result = import_ledger(app, path, actor=ACTOR)
    took = time.perf_counter() - t0
    stored = store.events_stored(app)
    figures = {
        "store": store.kind,
        "server": store.server(),
        "rows": len(result.new),
        "events": result.events,
        "stored": stored,
        "seconds": took,
        "write": write_time[0],
        "ok": len(result.new) == rows and stored == result.events,
    }
    app.close()
    del app, result
    gc.collect()
    return figures


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=10_000, help="rows in the ledger (10,000)")
    p.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres[,memory]")
    p.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL URL, no schema ({DEFAULT_PG})")
    p.add_argument("--keep", action="store_true", help="keep the stores (files, schemas)")
    args = p.parse_args(argv)

    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("eventsourcing", "psycopg", "pydantic")
    )
    import psycopg

    print(
        f"Python {platform.python_version()} · {versions} (libpq wrapper: "
        f"{psycopg.pq.__impl__}) · {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        workdir = Path(tmp)
        path = workdir / "ledger.csv"
        t0 = time.perf_counter()
        write_ledger(path, args.rows)
        size = path.stat().st_size
        print(f"ledger: {args.rows:,} rows, {size / 2**20:.1f} MiB CSV, written in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        results = []
        for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
            store = Store(kind, workdir, args.pg, keep=args.keep)
            try:
                figures = run_one(store, path, args.rows)
            except Exception as e:  # report and go on with the next store
                print(f"{kind}: the import failed: {type(e).__name__}: {e}", file=sys.stderr)
                failed = True
                continue
            finally:
                store.drop()
            failed |= not figures["ok"]
            results.append(figures)
            print(f"  {kind}: done in {figures['seconds']:.1f} s", flush=True)

    print()
    head = (
        f"{'store':<9} {'server':<16} {'rows':>8} {'events':>9} {'import s':>9} {'rows/s':>8} "
        f"{'events/s':>9} {'write s':>8} {'write ev/s':>10} {'check':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['store']:<9} {r['server']:<16} {r['rows']:>8,} {r['events']:>9,} "
            f"{r['seconds']:>9.2f} {r['rows'] / r['seconds']:>8,.0f} "
            f"{r['events'] / r['seconds']:>9,.0f} {r['write']:>8.2f} "
            f"{r['events'] / r['write'] if r['write'] else 0:>10,.0f} "
            f"{'ok' if r['ok'] else 'WRONG':>6}"
        )
    by_store = {r["store"]: r for r in results}
    if "sqlite" in by_store and "postgres" in by_store:
        s, pg = by_store["sqlite"], by_store["postgres"]
        print(
            f"\nPostgreSQL ÷ SQLite: import time {pg['seconds'] / s['seconds']:.2f}×, "
            f"rows/s {(pg['rows'] / pg['seconds']) / (s['rows'] / s['seconds']):.2f}×, "
            f"write time {pg['write'] / s['write']:.2f}×"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
