"""A rebuild while other processes write and read: the views end equal to a replay (issue 8,
finding 2).

Before the fix a batch read before the rebuild cleared the views was written after the clear and
moved the tracked position past rows that no longer existed: the ledger stayed truncated, with no
error. Now every batch is written only if the views are still tracked where it was read from,
under the views' lock, so a rebuild and concurrent catch-ups take turns.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from typing import Any

import rectify
from rectify.errors import ViewsRebuilding
from rectify.testing.invariants import ledger_equals_replay, logged_events
from tests.conftest import TODAY, UNIT, Cast

WRITERS = 3
ROUNDS = 40
REBUILDS = 6


def _write_and_read(url: str, worker: int, out: Any) -> None:
    failures: list[str] = []
    app = None
    try:
        app = rectify.connect(url, today=lambda: TODAY)
        for n in range(ROUNDS):
            ident = app.record_issue(
                actor=Cast.inspector,
                title=f"問題 {worker}-{n}",
                unit=UNIT,
                source="inspection",
                on=date(2019, 6, 1),
                command_id=f"live-{worker}-{n}",
            )
            app.assign(
                ident,
                actor=Cast.verifier,
                unit=UNIT,
                person="劉處長",
                deadline="2019-09-30",
                on=date(2019, 6, 2),
                command_id=f"live-assign-{worker}-{n}",
            )
            app.ledger()  # catches the views up, racing the rebuilds
    except Exception as e:  # anything untyped, or a failure at all, fails the test
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        if app is not None:
            app.close()
        out.put(failures)


def _rebuild(url: str, out: Any) -> None:
    failures: list[str] = []
    app = None
    try:
        app = rectify.connect(url, today=lambda: TODAY)
        for _ in range(REBUILDS):
            time.sleep(0.15)
            app.rebuild_views()
    except Exception as e:
        failures.append(f"rebuild: {type(e).__name__}: {e}")
    finally:
        if app is not None:
            app.close()
        out.put(failures)


def _read_without_catching_up(url: str, out: Any) -> None:
    """A reader of views another process keeps (``catch_up=False``): during a rebuild it is
    told the views are being rebuilt, and never shown part of the ledger."""
    failures: list[str] = []
    app = None
    seen = refused = 0
    try:
        app = rectify.connect(url, today=lambda: TODAY, catch_up=False)
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            try:
                rows = len(app.ledger())
            except ViewsRebuilding:
                refused += 1
                continue
            seen += 1
            if rows < 150:
                failures.append(f"a reader was shown {rows} of at least 150 rows")
    except Exception as e:
        failures.append(f"reader: {type(e).__name__}: {e}")
    finally:
        if app is not None:
            app.close()
        out.put(failures)


def test_a_rebuild_under_live_use_ends_equal_to_a_replay(persistent_url: str) -> None:
    app = rectify.connect(persistent_url, today=lambda: TODAY)
    for n in range(150):  # a ledger worth truncating
        app.record_issue(
            actor=Cast.inspector,
            title=f"舊問題 {n}",
            unit=UNIT,
            source="assessment",
            on=date(2019, 5, 1),
        )
    assert len(app.ledger()) == 150  # the views hold them before anything else runs
    app.close()

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_write_and_read, args=(persistent_url, w, out)) for w in range(WRITERS)
    ]
    procs.append(ctx.Process(target=_rebuild, args=(persistent_url, out)))
    procs.append(ctx.Process(target=_read_without_catching_up, args=(persistent_url, out)))
    for p in procs:
        p.start()
    failures = [f for _ in procs for f in out.get(timeout=240)]
    for p in procs:
        p.join(timeout=30)
    assert failures == []

    app = rectify.connect(persistent_url, today=lambda: TODAY)
    try:
        log = logged_events(app)
        issues = {e.originator_id for _, e in log}
        assert len(issues) == 150 + WRITERS * ROUNDS
        ledger = app.ledger()
        assert len(ledger) == len(issues), "the ledger was truncated by the rebuild"
        ledger_equals_replay(app, TODAY, None, log)
        ledger_equals_replay(app, date(2019, 6, 1), None, log)
        # Every event is in the audit trail exactly once.
        assert [e.position for e in app.events_since(0)] == [p for p, _ in _all_positions(app)]
    finally:
        app.close()


def _all_positions(app: rectify.RectificationApp) -> list[tuple[int, Any]]:
    from rectify.testing.invariants import all_logged_events

    return all_logged_events(app)
