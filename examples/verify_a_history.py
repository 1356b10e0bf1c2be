"""For an auditor (審計, 巡察) who must prove that a stored history is the one that was recorded.

It verifies a store: every event against the chain of digests written when it was stored, every
checkpoint, and the views (ledger, audit trail) against a replay of the events. Then it keeps
the history digest, as a reader keeps the digest printed under an exported ledger, and, for an
SQLite store, edits one event in a copy of the file behind rectify's back, as an intruder
would, and shows the check naming the event that was changed, and the kept digest refusing the
rewritten history.

Usage::

    python examples/verify_a_history.py [STORE_URL]

STORE_URL defaults to a fresh SQLite file in a temporary folder. An empty store is given the
demo's first story first; give it the demo store made by ``make demo`` (``sqlite:///demo.db``)
to verify the whole demo (9,667 events). The store itself is only added to (a checkpoint); the
tampering is done to a copy.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import rectify
from rectify.demo import run_demo


def check(
    app: rectify.RectificationApp, *, expect: str | None = None, seal: bool = False
) -> rectify.IntegrityReport:
    """The history of ``app`` checked (the views too), and the report printed."""
    report = app.verify_integrity(expect=expect, seal=seal)
    state = "intact" if report.intact else f"NOT intact, {len(report.findings)} finding(s)"
    print(f"{report.events:,} events: {state}")
    for finding in report.findings[:3]:
        print(f"  {finding}")
    return report


def main(url: str) -> None:
    app = rectify.connect(url)
    try:
        if not app.recorder.max_notification_id():
            print("the store is empty: playing the demo's first story into it")
            run_demo(app, larger=False)
        app.catch_up()
        print("checking the stored history:")
        report = check(app, seal=True)
        assert report.intact
        assert report.views_checked
        assert report.head is not None
        kept = report.head.digest  # what a reader keeps, printed under every export
        print(f"history digest kept: {kept[:16]}… (events up to {report.head.up_to:,})")
        if report.adopted_up_to is not None:
            print(
                f"events up to {report.adopted_up_to:,} were sealed as found on {report.adopted_at}"
            )
        if report.sealed_now is not None:
            print(f"checkpoint recorded: events up to {report.sealed_now.up_to:,}")
        assert check(app, expect=kept).intact
        print("the kept digest still seals this history")
    finally:
        app.close()
    if not url.startswith("sqlite"):
        print("(an intruder's edit is shown on a copy of an SQLite store)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tampered.db"
        with (
            closing(sqlite3.connect(urlsplit(url).path[1:])) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)
        with closing(sqlite3.connect(copy)) as db, db:
            # Move the business date of an event from the middle of the log a day back.
            middle = report.events // 2
            (state,) = db.execute(
                "SELECT state FROM stored_events WHERE rowid = ?", (middle,)
            ).fetchone()
            event = json.loads(state)
            day = date.fromisoformat(event["on"]) - timedelta(days=1)
            event["on"] = day.isoformat()
            db.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?",
                (json.dumps(event, ensure_ascii=False).encode(), middle),
            )
        print(f"an intruder moved the date of event {middle} of a copy to {day}:")
        intruded = rectify.connect(f"sqlite:///{copy}", catch_up=False, create=False)
        try:
            tampered = check(intruded, expect=kept)
        finally:
            intruded.close()
        found = tampered.first(rectify.FindingKind.ALTERED)
        assert found is not None
        assert found.notification_id == middle
        print(f"the first event affected: position {found.notification_id}, version "
              f"{found.version} of {found.originator_id}")  # fmt: skip


if __name__ == "__main__":
    default = f"sqlite:///{Path(tempfile.mkdtemp()) / 'ledger.db'}"
    main(sys.argv[1] if len(sys.argv) > 1 else default)
